#ifndef FAKESTORE_H
#define FAKESTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "store.h"

/*
 * An in-memory store for the core's unit tests: it fills the table of core/store.h
 * (the write path, the commit, the reads of committed data) with arrays, so that the
 * engine, the turn and the scheduler are tested without SQLite.
 *
 * By default it answers as SQLite does: every callback runs before the call returns,
 * and a commit is written and durable at once. Two switches play the other backends:
 *
 * - fakestore_defer: a client-server backend. Every callback (a load, an insert, a due
 *   or head read, a commit's written and durable) is queued with the answer as it was
 *   when asked, and runs at fakestore_flush, in the order asked.
 * - fakestore_defer_reads: the same for the reads of committed data (and the test
 *   clock's load), which such a backend answers on a connection of their own: each is
 *   queued with its answer (its rows copied) as it was when asked. Both switches share
 *   the queue: its callbacks run in the order asked.
 * - fakestore_hold_durable: SQLite's fsync in a thread. A commit's written() runs, its
 *   durable() waits for fakestore_sync.
 *
 * fakestore_fail makes the next calls of one kind fail, as a full disk would: a failed
 * write spoils the transaction (its commit then says STORE_FAILED). The fake also
 * counts what the contract forbids (fakestore_violations): a write outside a
 * transaction, a begin inside one, a commit while the last one is not yet durable.
 */

struct fakestore;

/* What fakestore_fail and fakestore_calls name. */
enum fakestore_op {
	FAKESTORE_BEGIN,
	FAKESTORE_LOAD,
	FAKESTORE_INSERT,
	FAKESTORE_DUE,
	FAKESTORE_HEAD,
	FAKESTORE_SAVE,
	FAKESTORE_SELLER,
	FAKESTORE_COMMIT,	/* written(STORE_FAILED) */
	FAKESTORE_DURABLE,	/* durable(STORE_LOST) */
	FAKESTORE_READ,		/* any read of committed data (its answer's rc -1) */
	FAKESTORE_CLOCK,	/* store_clock_save */
	FAKESTORE_N_OPS
};

/* A history entry as the fake keeps it. */
struct fakestore_entry {
	struct proto_event ev;		/* ev.detail points into detail (or is NULL),
					 * ev.name into name (a store keeps its own copy) */
	char id[PROTO_ID_MAX + 1];	/* its protocol's */
	char *detail;
	char *name;
};

/* An empty store (never NULL); free it with fakestore_free or store_close. */
struct fakestore *fakestore_new(void);
void fakestore_free(struct fakestore *fs);
/* The port the core calls. */
struct store *fakestore_store(struct fakestore *fs);

/* Queue every callback until fakestore_flush (on), or answer at once (off). */
void fakestore_defer(struct fakestore *fs, bool on);
/* Queue the answers of the reads of committed data until fakestore_flush (on). */
void fakestore_defer_reads(struct fakestore *fs, bool on);
/* Run the callbacks queued before this call, in order: how many ran. */
int fakestore_flush(struct fakestore *fs);
/* Run the first callback queued: 1, or 0 when none is. */
int fakestore_step(struct fakestore *fs);
/* How many callbacks are queued. */
int fakestore_queued(const struct fakestore *fs);
/* Keep each commit's durable() until fakestore_sync (on). */
void fakestore_hold_durable(struct fakestore *fs, bool on);
/* Tell the held durable(): STORE_OK, or STORE_LOST when its commit met a
 * FAKESTORE_DURABLE failure. False when none is held. */
bool fakestore_sync(struct fakestore *fs);

/* The next n calls of op fail (n < 0: every one until fakestore_fail(op, 0)). */
void fakestore_fail(struct fakestore *fs, enum fakestore_op op, int n);
/* How many times op was called. */
long fakestore_calls(const struct fakestore *fs, enum fakestore_op op);
/* How many times the core broke the store's contract. */
long fakestore_violations(const struct fakestore *fs);
/* How many commits were asked for, and how many were rolled back. */
long fakestore_commits(const struct fakestore *fs);
long fakestore_rollbacks(const struct fakestore *fs);

/* How many reads of committed data were asked. */
long fakestore_reads(const struct fakestore *fs);
/* What store_health says from now on: reachable, or not and why. */
void fakestore_set_health(struct fakestore *fs, bool ok, const char *why);
/* The test clock as last committed (store_clock_save). */
int64_t fakestore_clock(const struct fakestore *fs);

/* Put p as committed (outside any transaction; rid and stored_* set): its rid. */
int64_t fakestore_put(struct fakestore *fs, const struct protocol *p);
/* Set a seller's Envvias flag as committed. */
void fakestore_put_seller(struct fakestore *fs, const char *id, bool envvias);
/* p as the open transaction has it (committed = false) or as last committed (true):
 * true when found. */
bool fakestore_get(struct fakestore *fs, const char *id, bool committed,
    struct protocol *p);
/* Every history entry written, the open transaction's included, in seq order. */
const struct fakestore_entry *fakestore_entries(const struct fakestore *fs, size_t *n);
/* The entries of protocol id, committed or not, into out (at most max): how many. */
size_t fakestore_history_of(const struct fakestore *fs, const char *id,
    const struct fakestore_entry **out, size_t max);

#endif
