#ifndef PG_INT_H
#define PG_INT_H

/*
 * Inside the PostgreSQL store (pg.h): its handle, for pg.c, pgwrite.c, pgread.c and
 * the store's own tests. Nothing else includes it.
 */

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

struct event;
struct event_base;
struct pg_txn;
struct pgcluster;
struct pgconn;

struct pg_store {
	struct store st;		/* first: what store_* take */
	struct event_base *base;
	struct pgconn *writer;		/* the turn's transactions */
	struct pgconn *reader;		/* the reads of committed data */
	struct pgcluster *cluster;	/* this instance among the others */
	struct pg_txn *open;		/* store_begin's, until committed or dropped */
	struct pg_txn *flight;		/* committed, its outcome not yet told */
	struct event *doubt_ev;		/* a commit in doubt, still running: ask again */
	char name[64];			/* this daemon, as its commits mark them */
	int64_t token;			/* the last commit's mark (from a random start) */
	uint8_t key[STORE_KEY_LEN];	/* the cursors' secret */
	char error[256];		/* what store_error() tells */
};

/* The core's handle as ours (st is our first member): each op's first line. */
static inline struct pg_store *
pg_of(struct store *st)
{
	return (struct pg_store *)st;
}

static inline const struct pg_store *
pg_of_const(const struct store *st)
{
	return (const struct pg_store *)st;
}

/* Keep msg (cut at its first line) as store_error()'s: returns -1. */
int pg_fail(struct pg_store *s, const char *msg);
/* The connection c is down: say so (store_error, health): returns -1. */
int pg_unreachable(struct pg_store *s, const struct pgconn *c);

#endif
