#ifndef ROWS_H
#define ROWS_H

#include <stdint.h>

#include "proto.h"

struct store;

/*
 * The protocols' rows in the store (store.h): read by id or by due time, inserted,
 * updated. Functions that can fail return -1 and leave the reason in store_error().
 */

/* get: 1 found, 0 not found, -1 error. */
int rows_get(struct store *st, const char *id, struct protocol *p);
/* insert sets p->rid; both count p's state and clock (counts.h) from what the store
 * last read or wrote (p->stored_*), and write the counts at the commit. Outside a
 * transaction each is one of its own. */
int rows_insert(struct store *st, struct protocol *p);
/* Insert p unless a protocol with its id exists: 1 inserted, 0 it exists (nothing
 * written), -1 error. */
int rows_insert_new(struct store *st, struct protocol *p);
int rows_update(struct store *st, struct protocol *p);
/* Save only p's clock_next (a warning moved it; nothing else changed). */
int rows_update_next(struct store *st, const struct protocol *p);
/* The protocol whose clock_next is the smallest and <= limit: 1, 0 (none), -1. */
int rows_next_due(struct store *st, int64_t limit, struct protocol *p);
/* Up to max protocols whose clock_next <= limit, earliest first (ties by row id),
 * into out: their count, or -1. */
int rows_due(struct store *st, int64_t limit, int max, struct protocol *out);
/* The smallest clock_next of all protocols in *at (INT64_MAX when none): 0 or -1. */
int rows_head(struct store *st, int64_t *at);

#endif
