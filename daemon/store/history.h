#ifndef HISTORY_H
#define HISTORY_H

#include <stdint.h>

#include "proto.h"
#include "store.h"

struct conn;

/*
 * The history table, which is also the feed: one row per transition (and warning),
 * numbered by seq in commit order. On a connection of the store (conn.h), in its
 * transactions.
 */

/* Add an entry (in the caller's transaction, or one of its own); sets ev->seq. 0 or -1
 * (conn_error). */
int history_add(struct conn *c, struct proto_event *ev);
/* At most limit entries of one protocol (rid) after seq `after`, oldest first: their
 * count, or -1. */
int history_of(struct conn *c, int64_t rid, int64_t after, int limit, store_event_fn *fn,
    void *arg);
/* At most limit entries after seq `after`, in seq order: their count, or -1. */
int history_feed(struct conn *c, int64_t after, int limit, store_event_fn *fn, void *arg);
/* The newest seq (0 when there is none): 0 or -1. */
int history_last_seq(struct conn *c, int64_t *seq);

#endif
