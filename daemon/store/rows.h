#ifndef ROWS_H
#define ROWS_H

#include <sqlite3.h>
#include <stdint.h>

#include "proto.h"

struct conn;

/*
 * The protocols' rows (conn.h): read by id or by due time, inserted, updated.
 * Functions that can fail return -1 and leave the reason in conn_error().
 */

/* The columns rows_read_row reads, in its order (for the SQL of other modules). */
#define ROWS_COLS "rid, id, seller, ord, reason, origin, critical, opened_given, " \
	"opened_at, state, clock, clock_start, clock_due, clock_next, attempts, version, " \
	"updated_at, clock_rule, marketplace"

/* Read a protocol row selected as ROWS_COLS. */
void rows_read_row(sqlite3_stmt *s, struct protocol *p);
/* get: 1 found, 0 not found, -1 error. */
int rows_get(struct conn *c, const char *id, struct protocol *p);
/* insert sets p->rid; both count p's state and clock (counts.h) from what the store
 * last read or wrote (p->stored_*), and write the counts at the commit. Outside a
 * transaction each is one of its own. */
int rows_insert(struct conn *c, struct protocol *p);
/* Insert p unless a protocol with its id exists: 1 inserted, 0 it exists (nothing
 * written), -1 error. */
int rows_insert_new(struct conn *c, struct protocol *p);
int rows_update(struct conn *c, struct protocol *p);
/* Save only p's clock_next (a warning moved it; nothing else changed). */
int rows_update_next(struct conn *c, const struct protocol *p);
/* Up to max protocols whose clock_next <= limit, earliest first (ties by row id),
 * into out: their count, or -1. */
int rows_due(struct conn *c, int64_t limit, int max, struct protocol *out);
/* The smallest clock_next of all protocols in *at (INT64_MAX when none): 0 or -1. */
int rows_head(struct conn *c, int64_t *at);

#endif
