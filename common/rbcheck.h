#ifndef RBCHECK_H
#define RBCHECK_H

#include <stddef.h>

#include "rbread.h"
#include "rulebook.h"

/*
 * The checks of a rulebook that need all of it read: names that sections give each
 * other (a reason's actions, an event's awaiting.ACTION, a wait's date parameter),
 * keys that go together (an awaiting action and its wait, closed and reply_window),
 * required keys and clocks' names. The reader (rbread.c) notes what it met, with its
 * line, in a struct rbread_refs; rbcheck_all resolves it into the rulebook.
 */

struct rbcheck_note;

struct rbread_refs {
	struct rbcheck_note *notes;
	size_t n, cap;
};

/* An action's "wait = …" as written, on line. */
void rbcheck_wait_text(struct rbread_refs *refs, int action, const char *text, int line);
/* Whose key a rbcheck_key_line is: the [marketplace]'s (index 0), an action's, an
 * event's or a reason's (its index). */
enum rbcheck_owner { RBCHECK_MARKET, RBCHECK_ACTION, RBCHECK_EVENT, RBCHECK_REASON };
/* The line a key was written on, whatever its value (for errors about keys that go
 * together, and so that a key written with a bad value is not also "missing"). */
void rbcheck_key_line(struct rbread_refs *refs, enum rbcheck_owner owner, int index,
    const char *key, int line);
/* An event's "FROM[.ACTION] = TO" (action NULL: FROM alone). */
void rbcheck_move(struct rbread_refs *refs, struct rulebook *b, int event, int from,
    const char *action, int to, int line);
/* A reason's "actions = a, b, …" as written. */
void rbcheck_reason_actions(struct rbread_refs *refs, int reason, const char *text,
    int line);
/* Resolve what was noted and check the whole rulebook; problems told to err. */
void rbcheck_all(struct rbread_refs *refs, struct rulebook *b,
    const struct rulebook_states *st, const struct rbread_errors *err, int market_line);
void rbcheck_refs_free(struct rbread_refs *refs);

#endif
