#ifndef SQLREAD_H
#define SQLREAD_H

#include <stdbool.h>
#include <stdint.h>

#include "proto.h"
#include "store.h"

/*
 * The SQLite store's reads of committed data (core/store.h, "Reads of committed
 * data"): its ops table's entries, on the reader connection. Each promises what its
 * store_* says; a failure leaves the reader's error for store_error().
 */

int sqlread_get(struct store *st, const char *id, struct protocol *p, bool *envvias);
int sqlread_history(struct store *st, int64_t rid, int64_t after, int limit,
    store_event_fn *fn, void *arg);
int sqlread_feed(struct store *st, int64_t after, int limit, store_event_fn *fn,
    void *arg);
int sqlread_last_seq(struct store *st, int64_t *seq);
int sqlread_list(struct store *st, const struct store_filter *f, int64_t after,
    int limit, store_protocol_fn *fn, void *arg);
int sqlread_forecast(struct store *st, int64_t until, const char *seller,
    int64_t by_kind[PROTO_N_CLOCKS]);
int sqlread_stats(struct store *st, struct store_stats *out);
int sqlread_seller(struct store *st, const char *id, int64_t since, bool *envvias,
    int64_t counts[PROTO_N_STATES], int64_t *mediations);
int sqlread_cursor_key(struct store *st, uint8_t key[STORE_KEY_LEN]);
/* The backend's figures: "sqlite", the library's version, the checkpointer's counts
 * (zero without it) and the WAL's size after the last commit. */
void sqlread_info(struct store *st, struct store_info *out);

#endif
