#ifndef CONFRULES_H
#define CONFRULES_H

#include "config.h"
#include "rbread.h"

/*
 * The rulebooks of a configuration (doc/rules.md): the files [rules] files names (or
 * the built-in one), each read by rbread.h, then what holds across them: a name per
 * marketplace, the default one, the calendars, and the main file's [deadlines] and
 * [reason.X] overrides, which must name a wait the default rulebook has.
 */

/* Read cfg's rulebooks into it; problems told to err ([rules] ones on the main file's
 * lines: files_line, default_line). */
void confrules_load(struct config *cfg, const struct rbread_errors *err, int files_line,
    int default_line);
/* Free cfg's rulebooks. */
void confrules_free(struct config *cfg);
/* A digest of the rulebooks as they count (their texts), for config_fingerprint. */
uint64_t confrules_digest(const struct config *cfg);

#endif
