#ifndef TURN_H
#define TURN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "rulebook.h"

struct event_base;
struct metrics;
struct store;

/*
 * The write turn: group commit, and the one order in which a change becomes known.
 * Every change made during one turn of the event loop goes into one transaction of
 * the store, committed at the end of the turn. Then, once the store says the commit
 * is durable (the readers see it from then on), in this order (turn.c, turn_durable):
 *
 *   1. told(arg, its transitions): the daemon logs them and wakes the feed and the
 *      scheduler (app/daemon.c, daemon_told);
 *   2. its waiters (turn_after) run, in the order they asked: the answers.
 *
 * Nothing of a change is told to anyone before its commit is durable, and a commit
 * that failed tells its waiters so (ok false: nothing of it was kept). While one
 * commit's durability is pending (SQLite: the WAL's fsync, in a thread), the next
 * turns' changes fill the open transaction, committed once it is over.
 */

typedef void turn_fn(void *arg, bool ok);

/* A transition of a durable commit, for its log line (turn_log gathered it). */
struct turn_line {
	char id[PROTO_ID_MAX + 1];
	int from;		/* enum proto_state, -1 for none (a creation) */
	enum proto_state to;
	enum proto_cause cause;
	char name[RULEBOOK_ID_MAX + 1];	/* an action, event or clock name (copied: a
					 * rulebook's names go with a reload, and the
					 * decision's are reused before the log) */
	int64_t late_ms;	/* with has_late */
	bool has_late;
	bool info;		/* log_transitions = info (else debug) */
};

/* Step 1 above: the transitions of the commit just made durable (n may be 0). */
typedef void turn_told_fn(void *arg, const struct turn_line *lines, size_t n);

struct turn;

/* Commit st's transactions from base's loop, telling told(told_arg, …) after each
 * durable commit; commits and their latency are counted in m. Never NULL. */
struct turn *turn_new(struct event_base *base, struct store *st, struct metrics *m,
    turn_told_fn *told, void *told_arg);
/* Commit what is pending, wait (blocking) for its durability and tell its waiters,
 * also of what joined meanwhile: the stop. */
void turn_drain(struct turn *t);
/* turn_drain, then free; NULL is a no-op. */
void turn_free(struct turn *t);

/* Make sure this turn's transaction is open: 0, or -1 (the store refused; the error is
 * in store_error()). Every write begins with it. */
int turn_open(struct turn *t);
/* Run fn(arg, ok) once this turn's commit is durable (ok) or has failed. */
void turn_after(struct turn *t, turn_fn *fn, void *arg);
/* Run fn(arg, ok) once this turn's transaction is written, before it is durable: for
 * what continues the writer's own work (the scheduler's next batch), never to tell
 * anyone. */
void turn_after_write(struct turn *t, turn_fn *fn, void *arg);
/* Run fn(arg, ok) once the commit in flight is durable, not waiting for this turn's
 * changes (a read that must not see a commit a crash could take back); at once (at
 * the end of the turn) when none is in flight. */
void turn_after_sync(struct turn *t, turn_fn *fn, void *arg);
/* Keep this turn's transaction open into the next turn instead of committing it at the
 * end of this one, so that a bulk writer (the import, a catch-up) commits many batches
 * at once while the loop still serves others between them. The hold lasts while every
 * turn renews it, at most max_us (monotonic) from the first call; a turn that does not
 * renew it, a spoiled turn or turn_flush ends it. Writes of other clients made
 * meanwhile join the transaction: they are acknowledged at its commit. */
void turn_hold(struct turn *t, int64_t max_us);
/* A change asked the store a question its transaction must wait for (a load, an
 * insert, a due read), and its answer came (turn_paid). While one is owed, the open
 * transaction is not committed, whatever ends the turn or a hold: the decision that
 * answer leads to belongs in it (a client-server store answers a round trip later;
 * SQLite before the call returns). A spoiled one is still rolled back at once. */
void turn_owe(struct turn *t);
void turn_paid(struct turn *t);
/* The turn's transaction holds a half-made change (a write failed): at the end of the
 * turn it is rolled back, not committed, and every waiter is told it failed. */
void turn_spoil(struct turn *t);
/* A transition of this turn's transaction, told once it is durable (info: logged at the
 * info priority, else debug, which is not gathered unless debug logging is on);
 * forgotten if it is rolled back. */
void turn_log(struct turn *t, const struct proto_event *ev, const char *id, bool info);
/* Commit now (end the hold): 0 or -1. The end of each turn calls it. */
int turn_flush(struct turn *t);

/* The number of the transaction this turn's changes join; it changes when that one
 * ends (committed or rolled back), so that what gathers over several turns can tell
 * a new transaction from the one it joined. */
uint64_t turn_seq(const struct turn *t);
/* A commit is written and its durability pending (the next one waits for it). */
bool turn_in_flight(const struct turn *t);
/* For how long, in µs (0: none). */
int64_t turn_in_flight_us(const struct turn *t);
/* How many commits succeeded and failed since start. */
void turn_counts(const struct turn *t, long long *ok, long long *failed);

/* The store lost a commit it had written (STORE_LOST: SQLite's WAL lost its name): the
 * loop was told to stop and nothing more is committed. The daemon then salvages the
 * store (store_salvage), tells turn_lost_saved, lets the answers leave and exits
 * non-zero. */
bool turn_is_lost(const struct turn *t);
/* The lost commit was saved (its waiters are told it is durable) or not (never told:
 * neither answer would be true). */
void turn_lost_saved(struct turn *t, bool saved);

#endif
