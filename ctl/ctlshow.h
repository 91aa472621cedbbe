#ifndef CTLSHOW_H
#define CTLSHOW_H

/*
 * The daemon's answers for people (without --json), one view per kind of object.
 * Each takes the parsed answer and its HTTP status, prints on stdout, and copes with
 * members that are missing or of another type (printed as "-").
 */

#include <jansson.h>

#include <stddef.h>

/* Prints a view of a successful answer. */
typedef void ctlshow_fn(const json_t *answer, int status);

/* The cells of one table row, and where they are kept. */
#define CTLSHOW_COLS 8
#define CTLSHOW_CELL 512
struct ctlshow_row {
	const char *cell[CTLSHOW_COLS];
	char buf[CTLSHOW_COLS][CTLSHOW_CELL];
};

/* The widest instant the daemon writes, "2026-11-23T15:00:00.123-03:00": the width of
 * an AT column that is printed before its cells are known (watch). */
#define CTLSHOW_AT_WIDTH 29

/* Headers: a feed entry's 8 columns, a history entry's 7, a protocol's
 * CTLSHOW_LIST_COLS in a list. */
#define CTLSHOW_LIST_COLS 7
extern const char *const ctlshow_feed_header[];
extern const char *const ctlshow_history_header[];
extern const char *const ctlshow_list_header[];
/* The row of a feed entry (with_protocol) or a history entry: SEQ AT [PROTOCOL] FROM
 * TO CAUSE NAME LATE. Returns the number of cells. */
size_t ctlshow_entry_row(const json_t *e, int with_protocol, struct ctlshow_row *r);
/* The row of a protocol in a list: ID SELLER STATE CLOCK DUE_AT VERSION MARKETPLACE. */
size_t ctlshow_list_row(const json_t *p, struct ctlshow_row *r);

/* "  key: n" lines of an object of counts: the keys of order (NULL-terminated; all of
 * them, 0 for those missing, or only those present), then the other keys. */
void ctlshow_by(const json_t *counts, const char *const *order, int all);
/* A protocol (spec.md §2) as aligned "label: value" lines, its clock's explanation in
 * one sentence. */
ctlshow_fn ctlshow_protocol;
/* {items, next} of the feed as a table with a PROTOCOL column, then "next: N". */
ctlshow_fn ctlshow_events;
/* /v1/stats: counts per state, clocks per kind, next due, counters, uptime. */
ctlshow_fn ctlshow_stats;
/* /v1/cluster: the instances, alive, shards owned, heartbeat. */
ctlshow_fn ctlshow_cluster;
/* A seller: envvias, counts per state, mediations in 30 days. */
ctlshow_fn ctlshow_seller;
/* {now} of the test clock, and {applied} after a move. */
ctlshow_fn ctlshow_clock;
/* {reloaded, config}. */
ctlshow_fn ctlshow_reload;

#endif
