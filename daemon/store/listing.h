#ifndef LISTING_H
#define LISTING_H

#include <stdint.h>

#include "proto.h"
#include "store.h"

struct conn;

/*
 * The store's list queries (conn.h): protocols by filters in creation order (keyset
 * pages, so pages stay stable while writes go on), the forecast of clocks running
 * out, the counts a status needs, and the cursors' secret.
 */

/* Call fn for at most limit protocols matching f whose row id is above `after`, in
 * row id (creation) order: their count, or -1. */
int listing_protocols(struct conn *c, const struct store_filter *f, int64_t after,
    int limit, store_protocol_fn *fn, void *arg);
/* Running clocks due at or before until (of seller's protocols when not NULL), counted
 * by marketplace and kind into out: 0 or -1. */
int listing_forecast(struct conn *c, int64_t until, const char *seller,
    struct store_forecast *out);
/* The database's secret for signing cursors: 0 or -1. */
int listing_cursor_key(struct conn *c, uint8_t key[STORE_KEY_LEN]);
/* Protocols by state, running clocks by kind, history entries by cause (counters kept
 * at each commit, counts.h, so they cost nothing to read), and the next clock point. */
int listing_stats(struct conn *c, struct store_stats *out);

#endif
