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
 * before it is durable. In durable mode (commit_durable) the WAL's fsync runs in a
 * thread while the loop goes on; what waits is told once it is over.
 */

typedef void commit_fn(void *arg, bool ok);

/* Commit on st from base's loop. */
void commit_init(struct event_base *base, struct store *st);
/* Commit what is pending, wait for its sync (durable mode) and tell its waiters. */
void commit_drain(void);
/* commit_drain, and stop. */
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
/* Run fn(arg, ok) once the sync in flight is over, not waiting for this turn's
 * changes (durable mode; else as commit_after). */
void commit_after_sync(commit_fn *fn, void *arg);
/* Run fn(arg, ok) once this turn's transaction is written to the database, before
 * it is on disk: for what continues the writer's own work (the scheduler's next
 * batch), never to tell anyone. Without commit_durable, when commit_after's run. */
void commit_after_write(commit_fn *fn, void *arg);
/* fn runs after every successful commit, once it is durable (to wake the feed and
 * the scheduler, to end the readers' snapshot). */
void commit_add_hook(void (*fn)(void));
/* fn runs just before each commit whose sync is left to durable.c's thread, to keep
 * the readers on what is already on disk; undo runs when that commit fails. */
void commit_add_pre_hook(void (*fn)(void), void (*undo)(void));
/* Durable mode: the writer commits with SQLite's synchronous = NORMAL and durable.c
 * syncs the WAL in its thread (started by the caller, its done() = commit_synced).
 * The waiters (commit_after) and hooks of a commit run once its sync is over; the
 * changes made meanwhile wait in the open transaction, committed when it is. */
void commit_durable(void);
/* The sync durable_request asked for is over (err: 0, an errno: fatal, or
 * DURABLE_WAL_GONE: see commit_is_lost). */
void commit_synced(int err);
/* The WAL's name was lost (removed or replaced by something else, found after a
 * commit or its sync): the loop was told to stop and nothing more is committed. The
 * caller saves the WAL (store_checkpoint_all), tells commit_lost_saved, lets the
 * answers leave, and exits non-zero for a restart. */
bool commit_is_lost(void);
/* The WAL was saved into the database (true: the last commit's waiters are told it
 * is durable) or could not be (false: they are never told). */
void commit_lost_saved(bool saved);
/* The turn's transaction holds a half-made change: at the end of the turn it is
 * rolled back, not committed, and every waiter is told it failed. */
void commit_spoil(void);
/* The number of the transaction this turn's changes join; it changes when that one
 * ends (committed or rolled back). What gathers, over several turns, things to tell
 * at a commit (commit_after) starts a new gathering when it has changed: in durable
 * mode the next transaction fills while the last one's sync is in flight, and each
 * must be told only its own. */
uint64_t commit_seq(void);
/* Commit now: 0 or -1. Called at the end of each turn; callers rarely need it. */
int commit_flush(void);
/* Durable mode: a commit's sync is in flight, so the open transaction will not be
 * committed before it is over. */
bool commit_sync_in_flight(void);
/* How long the sync in flight has run, in µs (0: none). */
int64_t commit_sync_age_us(void);
/* How many commits succeeded and failed since start. */
void commit_counts(long long *ok, long long *failed);

#endif
