#ifndef CTLSHOW_H
#define CTLSHOW_H

/*
 * The daemon's answers for people (without --json), one view per kind of object.
 * Each takes the parsed answer and its HTTP status, prints on stdout, and copes with
 * members that are missing or of another type (printed as "-").
 */

#include <jansson.h>

/* Prints a view of a successful answer. */
typedef void ctlshow_fn(const json_t *answer, int status);

/* A protocol (SPEC §2) as aligned "label: value" lines. */
ctlshow_fn ctlshow_protocol;
/* {items} of a protocol's history as a table SEQ AT FROM TO CAUSE NAME LATE. */
ctlshow_fn ctlshow_history;
/* {items, next} of the feed as a table with a PROTOCOL column, then "next: N". */
ctlshow_fn ctlshow_events;
/* /v1/stats: counts per state, clocks per kind, next due, counters, uptime. */
ctlshow_fn ctlshow_stats;
/* A seller: envvias, counts per state, mediations in 30 days. */
ctlshow_fn ctlshow_seller;
/* {now} of the test clock, and {applied} after a move. */
ctlshow_fn ctlshow_clock;
/* {reloaded, config}. */
ctlshow_fn ctlshow_reload;

#endif
