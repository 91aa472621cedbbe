#ifndef SQLREAD_H
#define SQLREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "store.h"

/*
 * The SQLite store's reads of committed data (core/store.h, "Reads of committed
 * data"): its ops table's entries, on the reader connection. Each promises what its
 * store_* says and calls its callback before it returns (the rows are at hand); a
 * failure leaves the reader's error for store_error().
 */

void sqlread_get(struct store *st, const char *id, store_get_fn *fn, void *arg);
void sqlread_history(struct store *st, int64_t rid, int64_t after, int limit,
    store_event_fn *each, store_rows_fn *done, void *arg);
void sqlread_feed(struct store *st, int64_t after, int limit, store_event_fn *each,
    store_rows_fn *done, void *arg);
void sqlread_last_seq(struct store *st, store_int_fn *fn, void *arg);
void sqlread_list(struct store *st, const struct store_filter *f, int64_t after,
    int limit, store_protocol_fn *each, store_rows_fn *done, void *arg);
void sqlread_forecast(struct store *st, int64_t until, const char *seller,
    store_forecast_fn *fn, void *arg);
void sqlread_stats(struct store *st, store_stats_fn *fn, void *arg);
void sqlread_seller(struct store *st, const char *id, int64_t since, store_seller_fn *fn,
    void *arg);
void sqlread_cursor_key(struct store *st, store_key_fn *fn, void *arg);
/* The backend's figures: "sqlite", the library's version, the checkpointer's counts
 * (zero without it) and the WAL's size after the last commit. */
void sqlread_info(struct store *st, struct store_info *out);

#endif
