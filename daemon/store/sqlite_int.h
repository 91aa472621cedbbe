#ifndef SQLITE_INT_H
#define SQLITE_INT_H

/*
 * Inside the SQLite store (sqlite.h): its handle's parts, for sqlite.c, sqlread.c and
 * the store's own tests, which reach the connections through it. Nothing else
 * includes it: the daemon holds a struct store * and calls core/store.h.
 */

#include <stdbool.h>

#include "store.h"

struct ckpt;
struct sqlbackup;
struct conn;
struct durable;
struct snapshot;

struct sqlite_store {
	struct store st;		/* first: what store_* take */
	struct conn *writer;		/* the write path, in the turn's transactions */
	struct conn *reader;		/* the reads of committed data */
	const struct conn *failed;	/* whose error store_error() tells */
	struct snapshot *snap;		/* the reader's, per loop turn */
	struct ckpt *ckpt;		/* NULL: SQLite's own checkpoints */
	struct sqlbackup *backup;	/* store_backup's copier */
	struct durable *durable;	/* NULL: the COMMIT syncs (or not: sync_full off) */
	bool spoiled;			/* a write of the open transaction failed */
	/* The commit whose fsync is in flight (durable mode): its durable(arg, …). */
	store_outcome_fn *pending;
	void *pending_arg;
};

/* The core's handle as ours (st is our first member): each op's first line. */
static inline struct sqlite_store *
sqlite_of(struct store *st)
{
	return (struct sqlite_store *)st;
}

static inline const struct sqlite_store *
sqlite_of_const(const struct store *st)
{
	return (const struct sqlite_store *)st;
}

/* rc of a call on c, returned: when -1, c's error is the one store_error tells. */
int sqlite_rc(struct sqlite_store *s, const struct conn *c, int rc);

#endif
