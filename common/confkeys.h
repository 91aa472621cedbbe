#ifndef CONFKEYS_H
#define CONFKEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/*
 * The configuration's keys: which section holds which key, each deadline's default, and
 * how a value is stored into a struct config (confval.h parses it). The loader
 * (config.c) finds the keys here and reports what goes wrong, with file and line.
 */

/* Where a value goes: the configuration, the absolute directory of its file (for
 * relative paths) and the [reason.X] being read (its index, -1 for [deadlines]). */
struct confkeys_dest {
	struct config *cfg;
	const char *dir;
	int reason;
	int line;		/* the value's */
};

/* Store value, or return -1 with *why (allocated: "what is wrong (what would be
 * right)", one problem a line). */
typedef int confkeys_parse_fn(const struct confkeys_dest *, int, const char *, char **);

struct confkeys_key {
	const char *name;
	confkeys_parse_fn *parse;
	int arg;
	bool empty_ok;
};

struct confkeys_section {
	const char *name;	/* a trailing '.' makes it a prefix: [reason.X] */
	const struct confkeys_key *keys;
	size_t n_keys;
};

/* The most keys a section has. */
#define CONFKEYS_MAX 16
/* The sections with a fixed name: [daemon], [deadlines], [calendar], [rules]. */
#define CONFKEYS_N_FIXED 4

/* Section i: the fixed ones (0 .. CONFKEYS_N_FIXED - 1), then [reason.] at
 * CONFKEYS_N_FIXED. */
const struct confkeys_section *confkeys_section(size_t i);
/* The key called name in sec, or NULL. */
const struct confkeys_key *confkeys_find(const struct confkeys_section *sec,
    const char *name);
/* The first section that has a key called name, or NULL. */
const struct confkeys_section *confkeys_home(const char *name);
/* Deadline dl's key name ("?" when out of range) and its default. */
const char *confkeys_dl_name(enum config_dl dl);
const struct duration *confkeys_dl_default(enum config_dl dl);

/* Told of a deadline set in the section being checked that breaks a rule across keys:
 * the key (to report on its line) and why, "what is wrong (what would be right)". */
typedef void confkeys_report_fn(void *arg, enum config_dl dl, const char *why);

/* A response warning must be due after its clock starts: warn_before (unless 0s) must
 * be shorter than response_normal and response_critical (any protocol may be
 * critical), a response of N business days counting as N x 24h, which is how short it
 * can be. Checks the section of reason (NULL: [deadlines]) with its effective values
 * (config_deadline), set telling which of its deadlines it sets itself: a conflict is
 * reported on warn_before when the section sets it, else on each response it sets;
 * one it inherits whole is left to the section that sets it. */
void confkeys_check_warn(const struct config *cfg, const char *reason, const bool *set,
    confkeys_report_fn *report, void *arg);

#endif
