#ifndef TALLY_H
#define TALLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "store.h"

/*
 * The store's counts (kept by number: clock kinds, marketplaces) named by the
 * rulebooks loaded, for /v1/stats, /v1/forecast, /metrics and the reload's check.
 */

struct tally_count {
	const char *name;	/* a clock kind's or a marketplace's */
	char own[24];		/* the name when no rulebook loaded has one ("kind_123") */
	int state;		/* marketplace counts: of this state; forecast: where it leads */
	int64_t n;
};

/* Running clocks by kind: each kind the rulebooks name (0 when none runs: response,
 * the waits in rulebook order, reply_window), then any other the store counted.
 * Their count (at most max). */
size_t tally_clocks(const struct config *cfg, const struct store_stats *s,
    struct tally_count *out, size_t max);
/* Protocols by marketplace and state: each state of each marketplace loaded. */
size_t tally_markets(const struct config *cfg, const struct store_stats *s,
    struct tally_count *out, size_t max);
/* How many protocols marketplace name has (0 when the store counted none), those
 * resolved too or not. */
int64_t tally_market_total(const struct store_stats *s, const char *name,
    bool resolved);
/* A forecast's clocks of marketplace name (NULL: all) by kind (the kinds the rulebooks
 * name first, as tally_clocks). */
size_t tally_forecast(const struct config *cfg, const struct store_forecast *f,
    const char *name, struct tally_count *out, size_t max);
/* The same by the state their expiry leads to, as each one's rule text keeps it (a
 * clock keeps the rule it started under), else as its rulebook says now. */
void tally_outcomes(const struct config *cfg, const struct store_forecast *f,
    const char *name, int64_t to[PROTO_N_STATES]);

#endif
