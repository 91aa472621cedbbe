#ifndef CTLCMD_H
#define CTLCMD_H

/*
 * protocolctl's commands: a table of name, usage and handler. The commands on one
 * protocol live in ctlcmd.c, the daemon-wide ones in ctladm.c.
 */

#include <stdio.h>

#include <jansson.h>

#include "ctl.h"

/* Run a command: argv[0] is its name. Returns an exit code (enum ctl_exit). */
typedef int ctlcmd_fn(struct ctl_opts *o, int argc, char **argv);

struct ctlcmd {
	const char *name;
	const char *args;	/* what follows the name in a usage line */
	const char *summary;
	ctlcmd_fn *run;
};

/* The command called name, or NULL. */
const struct ctlcmd *ctlcmd_find(const char *name);
/* The i-th command of the table (internal ones, named "__…", included), or NULL past
 * the last. */
const struct ctlcmd *ctlcmd_at(size_t i);
/* "usage: protocolctl [OPTIONS] NAME ARGS" for cmd, or the whole list when cmd is NULL. */
void ctlcmd_usage(FILE *f, const struct ctlcmd *cmd);
/* Set obj's key to the string value: CTL_EXIT_OK, or a usage error if not UTF-8. */
int ctlcmd_set_string(json_t *obj, const char *key, const char *value);

#endif
