#ifndef RBREAD_H
#define RBREAD_H

#include <stdbool.h>
#include <stddef.h>

#include "rulebook.h"

/*
 * Reading a rulebook (rulebook.h) from its INI text: every key of every section is
 * checked, and every problem reported with file, line, section and key, all at once.
 * Like config.c it hands the lines to inih through confline.h; the two are the only
 * callers of inih.
 */

/* Where the problems go: appended to *errors (malloc'd, grown), one line each, "PATH:
 * LINE: [section] key: what is wrong (what would be right)", counted in *n (only the
 * first max are written). */
struct rbread_errors {
	char **text;
	int *n;
	int max;
};

/* Parse and check the rulebook in text (len bytes) read from path: a new rulebook, or
 * NULL with its problems told to err. */
struct rulebook *rbread_parse(const char *path, const char *text, size_t len,
    const struct rulebook_states *states, const struct rbread_errors *err);
/* The same from a file (a regular one of at most RULEBOOK_MAX_BYTES). */
struct rulebook *rbread_load(const char *path, const struct rulebook_states *states,
    const struct rbread_errors *err);
/* The built-in rulebook (conf/rules/casas-bahia.ini, compiled in: build/gen). */
struct rulebook *rbread_builtin(const struct rulebook_states *states,
    const struct rbread_errors *err);

/* True for a name of an action, event, reason, clock or parameter:
 * [a-z][a-z0-9_]{0,47}. */
bool rbread_id_ok(const char *s);

/* One error line in the format above (line 0: about the whole file; where NULL: about
 * the line as a whole). */
void rbread_error(const struct rbread_errors *err, const char *path, int line,
    const char *where, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
