#ifndef PGREAD_H
#define PGREAD_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/*
 * The PostgreSQL store's reads of committed data (core/store.h), on its reader
 * connection: each read is a batch of its own (one snapshot: the reader's
 * transactions are REPEATABLE READ), answered through its callbacks once its rows
 * came; while the reader is down, at once with -1. The rows, orders and counts are
 * SQLite's (sqlread.c).
 */

void pgread_get(struct store *st, const char *id, store_get_fn *fn, void *arg);
void pgread_history(struct store *st, int64_t rid, int64_t after, int limit,
    store_event_fn *each, store_rows_fn *done, void *arg);
void pgread_feed(struct store *st, int64_t after, int limit, store_event_fn *each,
    store_rows_fn *done, void *arg);
void pgread_last_seq(struct store *st, store_int_fn *fn, void *arg);
void pgread_list(struct store *st, const struct store_filter *f, int64_t after,
    int limit, store_protocol_fn *each, store_rows_fn *done, void *arg);
void pgread_forecast(struct store *st, int64_t until, const char *seller,
    store_forecast_fn *fn, void *arg);
void pgread_stats(struct store *st, store_stats_fn *fn, void *arg);
void pgread_seller(struct store *st, const char *id, int64_t since,
    store_seller_fn *fn, void *arg);
void pgread_clock_load(struct store *st, store_int_fn *fn, void *arg);
void pgread_settled(struct store *st, int64_t ms, store_settled_fn *fn, void *arg);

#endif
