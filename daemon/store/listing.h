#ifndef LISTING_H
#define LISTING_H

#include <stdbool.h>
#include <stdint.h>

#include "cursor.h"
#include "proto.h"

struct store;

/*
 * The store's list queries: protocols by filters in creation order (keyset pages, so
 * pages stay stable while writes go on), and the forecast of clocks running out.
 */

struct listing_filter {
	int state;		/* enum proto_state, or -1 for any */
	const char *seller;	/* NULL for any */
	bool has_due;
	int64_t due_before;	/* with has_due: a running clock due before this instant */
};

typedef void listing_fn(const struct protocol *p, void *arg);

/* Call fn for at most limit protocols matching f whose row id is above `after`, in
 * row id (creation) order: their count, or -1. */
int listing_protocols(struct store *st, const struct listing_filter *f, int64_t after,
    int limit, listing_fn *fn, void *arg);
/* Running clocks due at or before until (of seller's protocols when not NULL), counted
 * by kind into by_kind (zeroed first): 0 or -1. */
int listing_forecast(struct store *st, int64_t until, const char *seller,
    int64_t by_kind[PROTO_N_CLOCKS]);
/* The database's secret for signing cursors: 0 or -1. */
int listing_cursor_key(struct store *st, uint8_t key[CURSOR_KEY_LEN]);

/* The counts a status needs at once: protocols by state, running clocks by kind,
 * history entries by cause, and the next clock point. */
struct listing_stats {
	int64_t by_state[PROTO_N_STATES];
	int64_t by_clock[PROTO_N_CLOCKS];
	int64_t by_cause[PROTO_N_CAUSES];
	bool has_next;
	char next_id[PROTO_ID_MAX + 1];
	enum proto_clock next_clock;
	int64_t next_at;
};
/* Counts kept by the database itself (triggers), so they cost nothing to read. */
int listing_stats(struct store *st, struct listing_stats *out);

#endif
