#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "proto.h"
#include "rulebook.h"
#include "store.h"
#include "strcopy.h"
#include "tally.h"
#include "tmpdir.h"

/*
 * The store's counts, kept by number (clock kinds, marketplaces), named by the
 * rulebooks loaded: here the built-in casas-bahia alone (a configuration without
 * [rules]).
 */

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static char dir[256];
static struct config *cfg;
static struct store_stats stats;
static struct store_forecast fc;

static const char *const kinds[] = { "response", "photos_wait", "address_wait",
    "posting_wait", "pickup_wait", "letter_wait", "reply_window" };

static int
setup(void **state)
{
	char path[300], *errors = NULL;
	FILE *f;

	if (tmpdir_make(dir, sizeof dir, "test_tally") != 0)
		return -1;
	snprintf(path, sizeof path, "%s/protocold.ini", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fclose(f);
	if ((cfg = config_load(path, &errors)) == NULL) {
		print_error("setup: %s\n", errors ? errors : "");
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	config_free(cfg);
	tmpdir_remove(dir);
	return 0;
}

static int
clean(void **state)
{
	memset(&stats, 0, sizeof stats);
	memset(&fc, 0, sizeof fc);
	return 0;
}

static void
add_clock(int kind, int64_t n)
{
	stats.clocks[stats.n_clocks++] = (struct store_kind_count){ kind, n };
}

/* n clocks of market and kind, leading to `to` as their rule text keeps it (-1: a
 * text that predates it). */
static void
add_row(const char *market, int kind, int to, int64_t n)
{
	strcopy(fc.row[fc.n].market, sizeof fc.row[fc.n].market, market);
	fc.row[fc.n].kind = kind;
	fc.row[fc.n].to = to;
	fc.row[fc.n++].n = n;
}

static void
tally_clocks__casas_bahia__every_kind_it_names_in_order_zeros_too(void **state)
{
	struct tally_count t[16];
	size_t n;

	add_clock(RULEBOOK_KIND_RESPONSE, 3);
	add_clock(2, 1);
	add_clock(PROTO_CLOCK_NONE, 9);		/* no clock: not a kind */
	n = tally_clocks(cfg, &stats, t, NELEM(t));
	assert_int_equal(n, NELEM(kinds));
	for (size_t i = 0; i < n; i++)
		assert_string_equal(t[i].name, kinds[i]);
	assert_int_equal(t[0].n, 3);
	assert_int_equal(t[1].n, 1);
	for (size_t i = 2; i < n; i++)
		assert_int_equal(t[i].n, 0);
}

/* Clocks started under a rulebook no longer loaded: shown while they run, under a
 * name of their number. */
static void
tally_clocks__a_kind_no_rulebook_names__shown_while_it_runs(void **state)
{
	struct tally_count t[16];
	size_t n;

	add_clock(999, 2);
	add_clock(1000, 0);
	n = tally_clocks(cfg, &stats, t, NELEM(t));
	assert_int_equal(n, NELEM(kinds) + 1);
	assert_string_equal(t[n - 1].name, "kind_999");
	assert_ptr_equal(t[n - 1].name, t[n - 1].own);
	assert_int_equal(t[n - 1].n, 2);
	/* At most max. */
	assert_int_equal(tally_clocks(cfg, &stats, t, 3), 3);
	assert_string_equal(t[2].name, "address_wait");
}

static void
tally_markets__each_loaded_marketplace__its_six_states(void **state)
{
	struct tally_count t[16];
	int cb = rulebook_market_number("casas-bahia");
	size_t n;

	/* The counters' number doc/rules.md gives it. */
	assert_int_equal(cb, 36378);
	stats.markets[stats.n_markets++] = (struct store_market_count){ cb, PROTO_PENDING, 2 };
	stats.markets[stats.n_markets++] = (struct store_market_count){ cb, PROTO_RESOLVED, 1 };
	stats.markets[stats.n_markets++] = (struct store_market_count){ cb + 1,
	    PROTO_PENDING, 50 };
	n = tally_markets(cfg, &stats, t, NELEM(t));
	assert_int_equal(n, PROTO_N_STATES);
	for (int s = 0; s < PROTO_N_STATES; s++) {
		assert_string_equal(t[s].name, "casas-bahia");
		assert_int_equal(t[s].state, s);
		assert_int_equal(t[s].n, s == PROTO_PENDING ? 2 : s == PROTO_RESOLVED ? 1 : 0);
	}
	assert_int_equal(tally_market_total(&stats, "casas-bahia", true), 3);
	/* Without the resolved ones (a reload may drop a marketplace only they use). */
	assert_int_equal(tally_market_total(&stats, "casas-bahia", false), 2);
	assert_int_equal(tally_market_total(&stats, "nope", true), 0);
}

static void
tally_forecast__a_marketplace_or_all__its_clocks_by_kind_and_outcome(void **state)
{
	struct tally_count t[16];
	int64_t to[PROTO_N_STATES];
	size_t n;

	add_row("casas-bahia", RULEBOOK_KIND_RESPONSE, -1, 2);
	add_row("casas-bahia", 2, -1, 1);
	add_row("casas-bahia", RULEBOOK_KIND_REPLY, -1, 4);
	add_row("gone", 2, -1, 5);
	n = tally_forecast(cfg, &fc, "casas-bahia", t, NELEM(t));
	assert_int_equal(n, NELEM(kinds));
	assert_string_equal(t[0].name, "response");
	assert_int_equal(t[0].n, 2);
	assert_int_equal(t[1].n, 1);
	assert_int_equal(t[6].n, 4);
	tally_outcomes(cfg, &fc, "casas-bahia", to);
	assert_int_equal(to[PROTO_MEDIATION], 2);
	assert_int_equal(to[PROTO_PENDING], 1);
	assert_int_equal(to[PROTO_RESOLVED], 4);
	/* All marketplaces: a wait of one whose rulebook is gone leads back to pending. */
	n = tally_forecast(cfg, &fc, NULL, t, NELEM(t));
	assert_int_equal(t[1].n, 6);
	tally_outcomes(cfg, &fc, NULL, to);
	assert_int_equal(to[PROTO_PENDING], 6);
	assert_int_equal(to[PROTO_MEDIATION], 2);
	assert_int_equal(to[PROTO_RESOLVED], 4);
	/* Clocks whose rule text keeps where they lead: there, whatever the rulebook
	 * says now. */
	add_row("casas-bahia", 2, PROTO_MEDIATION, 3);
	n = tally_forecast(cfg, &fc, "casas-bahia", t, NELEM(t));
	assert_int_equal(t[1].n, 4);
	tally_outcomes(cfg, &fc, "casas-bahia", to);
	assert_int_equal(to[PROTO_MEDIATION], 5);
	assert_int_equal(to[PROTO_PENDING], 1);
	/* A marketplace with no clock: every kind at 0. */
	n = tally_forecast(cfg, &fc, "nope", t, NELEM(t));
	for (size_t i = 0; i < n; i++)
		assert_int_equal(t[i].n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup(f, clean)
		T(tally_clocks__casas_bahia__every_kind_it_names_in_order_zeros_too),
		T(tally_clocks__a_kind_no_rulebook_names__shown_while_it_runs),
		T(tally_markets__each_loaded_marketplace__its_six_states),
		T(tally_forecast__a_marketplace_or_all__its_clocks_by_kind_and_outcome),
#undef T
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
