#ifndef HISTORY_H
#define HISTORY_H

#include <stdint.h>

#include "proto.h"

struct store;

/*
 * The history table, which is also the feed: one row per transition (and warning),
 * numbered by seq in commit order. Part of the store (same connection, same
 * transactions).
 */

/* Called for each entry; protocol is the protocol's id. */
typedef void history_fn(const struct proto_event *ev, const char *protocol, void *arg);

/* Add an entry (in the caller's transaction, or one of its own); sets ev->seq. 0 or -1
 * (store_error). */
int history_add(struct store *st, struct proto_event *ev);
/* At most limit entries of one protocol (rid) after seq `after`, oldest first: their
 * count, or -1. */
int history_of(struct store *st, int64_t rid, int64_t after, int limit, history_fn *fn,
    void *arg);
/* At most limit entries after seq `after`, in seq order: their count, or -1. */
int history_feed(struct store *st, int64_t after, int limit, history_fn *fn, void *arg);
/* The newest seq (0 when there is none): 0 or -1. */
int history_last_seq(struct store *st, int64_t *seq);

#endif
