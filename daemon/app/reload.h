#ifndef RELOAD_H
#define RELOAD_H

#include "runconf.h"
#include "store.h"

/*
 * A reload (SIGHUP, POST /v1/reload) from the file to the running configuration. A
 * file with errors changes nothing; nor does one whose rulebooks drop a marketplace
 * that protocols still use (doc/rules.md, "Reload"): the store counts them first, so
 * the reload may finish from the loop.
 */

/* rc 0 (the new configuration runs, apply was called), or -1 and the errors, one a
 * line. */
typedef void reload_done_fn(void *arg, int rc, const char *errors);

struct reload_deps {
	struct runconf *conf;
	struct store *st;
	/* Hand the new running configuration to its users. */
	void (*apply)(void *arg, const struct config *cfg, const struct cal *cal);
	void *arg;
};

/* Reload by deps; done is called once, maybe before this returns. */
void reload_start(const struct reload_deps *deps, reload_done_fn *done, void *arg);

/* At the start: log a warning for protocols of a marketplace that no rulebook loaded
 * has (a rulebook removed while the daemon was stopped). */
void reload_check_start(struct runconf *conf, struct store *st);

#endif
