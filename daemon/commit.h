#ifndef COMMIT_H
#define COMMIT_H

#include <stdbool.h>
#include <stdint.h>

struct event_base;
struct store;

/*
 * Group commit. Every change made during one turn of the event loop goes into one
 * transaction, committed at the end of the turn; what waits on it (an HTTP answer,
 * the scheduler's next batch) runs only after the commit, so nothing is acknowledged
 * before it is durable.
 */

typedef void commit_fn(void *arg, bool ok);

/* Commit on st from base's loop. */
void commit_init(struct event_base *base, struct store *st);
/* Commit what is pending and stop. */
void commit_shutdown(void);
/* Make sure this turn's transaction is open: 0, or -1 (the database refused; the
 * error is in store_error()). */
int commit_open(void);
/* Run fn(arg, ok) after this turn's commit: ok is false when it failed (nothing of
 * the turn was kept). */
void commit_after(commit_fn *fn, void *arg);
/* Keep this turn's transaction open into the next turn instead of committing it at
 * the end of this one, so that a bulk writer (the import) commits many batches at
 * once while the loop still serves others between them. The hold lasts while every
 * turn renews it, at most max_us (monotonic) from the first call; a turn that does
 * not renew it, a spoiled turn or commit_flush ends it. Writes of other clients made
 * meanwhile join the transaction: they are acknowledged at its commit. */
void commit_hold(int64_t max_us);
/* fn runs after every successful commit (to wake the feed and the scheduler). */
void commit_add_hook(void (*fn)(void));
/* The turn's transaction holds a half-made change: at the end of the turn it is
 * rolled back, not committed, and every waiter is told it failed. */
void commit_spoil(void);
/* Commit now: 0 or -1. Called at the end of each turn; callers rarely need it. */
int commit_flush(void);
/* How many commits succeeded and failed since start. */
void commit_counts(long long *ok, long long *failed);

#endif
