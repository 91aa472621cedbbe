#ifndef RUNCONF_H
#define RUNCONF_H

#include <stdbool.h>
#include <stdint.h>

#include "cal.h"
#include "config.h"

/*
 * The running configuration and its reload. A reload parses the file into a fresh
 * configuration, validates it, and only then swaps it in; a bad file leaves the old
 * one running. New values apply to clocks started afterwards.
 */

struct runconf;

/* Load path at start: the running configuration, or NULL with *errors (malloc'd, one
 * line per problem). */
struct runconf *runconf_new(const char *path, char **errors);
/* NULL is a no-op. */
void runconf_free(struct runconf *rc);
/* The configuration and its calendar now (valid until the next successful reload). */
const struct config *runconf_get(const struct runconf *rc);
const struct cal *runconf_cal(const struct runconf *rc);
/* A reload in two steps (reload.h checks what lies between: the marketplaces it
 * drops). Read and check the same file again: a new configuration, not yet running,
 * or NULL with *errors (malloc'd), logged here, the old one kept. */
struct config *runconf_check(struct runconf *rc, char **errors);
/* Make cfg (from runconf_check, taken over) the running one: 0 (the caller hands it
 * to whoever uses it), or -1 with *errors, logged here, the old one kept. */
int runconf_commit(struct runconf *rc, struct config *cfg, char **errors);
/* Drop cfg (taken over) for errors, logged here: the old one is kept. */
void runconf_refuse(struct runconf *rc, struct config *cfg, const char *errors);
/* Whether the last reload succeeded, and when (UTC ms) the configuration was last
 * loaded successfully (the start counts). */
bool runconf_last_ok(const struct runconf *rc, int64_t *success_at);

#endif
