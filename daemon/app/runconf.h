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

/* Load path at start: 0, or -1 with *errors (malloc'd, one line per problem). */
int runconf_init(const char *path, char **errors);
void runconf_shutdown(void);
const struct config *runconf_get(void);
const struct cal *runconf_cal(void);
/* Reload the same file: 0, or -1 with *errors (also logged, one line each). */
int runconf_reload(char **errors);
/* Whether the last reload succeeded, and when (UTC ms) the configuration was last
 * loaded successfully (the start counts). */
bool runconf_last_ok(int64_t *success_at);

#endif
