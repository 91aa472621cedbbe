#ifndef PGWRITE_INT_H
#define PGWRITE_INT_H

/*
 * Inside the PostgreSQL store's write path: a transaction as pgwrite.c runs it and
 * pgdoubt.c settles it when its commit is in doubt. Nothing else includes it.
 */

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

struct pg_store;
struct pgtxn;

/* A transaction, from store_begin until its outcome is told and its last answer has
 * come (it is freed then). */
struct pg_txn {
	struct pg_store *s;
	struct pgtxn *w;		/* its writes, not yet sent */
	uint64_t gen;			/* the writer's connection it runs on */
	int64_t token;			/* its mark in commit_marks */
	char session[64];		/* the writer's session it runs on, by name */
	int waits;			/* answers its commit needs first (its inserts:
					 * they change the counters) */
	int owed;			/* answers not yet come */
	bool failed;			/* a statement failed: it can only roll back */
	bool committing, holding, synced, in_doubt;
	bool asking;			/* in doubt: its question is in flight */
	bool runs;			/* in doubt: its session was still there */
	bool terminated;		/* in doubt: its session was ended */
	int64_t doubt_since, doubt_next;	/* in doubt since, ask again at (µs) */
	bool over;			/* told or dropped */
	/* The earliest clock it started or moved: of a shard we do not own, of any;
	 * and what we owned when it began (pgcluster_generation). */
	int64_t wake_others, wake_any;
	uint64_t owned_gen;
	store_outcome_fn *written, *durable;
	void *arg;
	char error[256];
};

/* Whether its connection is still the writer's, and up. */
bool pgwrite_txn_alive(const struct pg_txn *t);
/* Keep err as why it fails (the first one only): it can only roll back now. */
void pgwrite_txn_fail(struct pg_txn *t, const char *err);
/* Tell the commit's outcome: written(), then durable() after a success; it is over. */
void pgwrite_txn_tell(struct pg_txn *t, enum store_outcome o);
/* Free it once it is over and nothing more will answer it. */
void pgwrite_txn_unref(struct pg_txn *t);

#endif
