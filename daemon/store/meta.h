#ifndef META_H
#define META_H

#include <stdint.h>

struct conn;

/*
 * The meta table (schema.c, migration 2): what the database keeps about itself, one
 * value by key. The cursors' secret is read by listing.h; the test clock is here, so
 * that the daemons sharing a database share it too.
 */

/* The test clock kept (0 when none was ever saved): 0 with *ms, or -1 (conn_error). */
int meta_clock_load(struct conn *c, int64_t *ms);
/* Keep ms as the test clock (in the caller's transaction): 0 or -1. */
int meta_clock_save(struct conn *c, int64_t ms);

#endif
