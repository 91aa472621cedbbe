#ifndef RBKEYS_H
#define RBKEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "rbcheck.h"
#include "rbread.h"
#include "rulebook.h"

/*
 * The keys of each section of a rulebook and their values, as rbread.c meets them:
 * each stores its value into the rulebook being read, or reports why it cannot (the
 * checks across keys come later: rbcheck.h). The reader's state is shared with
 * rbread.c through this header.
 */

struct confline;

enum rbread_sec { SEC_NONE, SEC_MARKET, SEC_ACTION, SEC_EVENT, SEC_REASON, SEC_SKIP };

#define RBREAD_KEYS (8 + RULEBOOK_MAX_ACTIONS)	/* keys remembered per section, for
					 * duplicates: an event has up to 6 + one
					 * awaiting.ACTION per action */

struct rbread {
	struct rulebook *b;
	struct rbread_refs refs;	/* names to resolve once all is read (rbcheck.h) */
	const struct rulebook_states *st;
	const struct rbread_errors *err;
	int errors_before;
	struct confline *lines;
	char *section;			/* as written; NULL before the first header */
	enum rbread_sec kind;
	int cur;			/* the index of the section's action/event/reason */
	int market_line;		/* of [marketplace], 0 if none */
	char *seen_key[RBREAD_KEYS];
	int seen_line[RBREAD_KEYS];
	size_t n_seen;
};

/* An error about key in the current section, on the current line. */
void rbread_key_error(struct rbread *r, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* 0 when key is one of the current section's, else -1 (reported, with the known keys
 * and the closest). */
int rbkeys_known(struct rbread *r, const char *key);
/* key = v of [marketplace], of the current [action.X], [event.X], [reason.X]. */
void rbkeys_market(struct rbread *r, const char *key, const char *v);
void rbkeys_action(struct rbread *r, const char *key, const char *v);
void rbkeys_event(struct rbread *r, const char *key, const char *v);
void rbkeys_reason(struct rbread *r, const char *key, const char *v);

#endif
