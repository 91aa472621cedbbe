#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>

#include "conn.h"
#include "counts.h"
#include "listing.h"
#include "proto.h"
#include "rulebook.h"
#include "storefx.h"

/*
 * The counters the store keeps at each commit, as listing_stats reads them: by state,
 * by marketplace and state, by clock and by cause, and the next clock due.
 */

/* The protocols without a running clock are counted too (key 100 + 0), though the
 * stats show running clocks only: read behind the store. */
#define NO_CLOCK(fx) storefx_counter((fx)->c, 100)

static void
listing_stats__counters_follow_inserts_updates_and_history(void **state)
{
	struct storefx *fx = *state;
	struct protocol a = storefx_mkp("A", "S", PROTO_PENDING, FX_CLOCK_RESPONSE, 900);
	struct protocol b = storefx_mkp("B", "S", PROTO_AWAITING, FX_CLOCK_PHOTOS, 500);
	struct protocol c = storefx_mkp("C", "S", PROTO_RESOLVED, PROTO_CLOCK_NONE, 0);
	struct store_stats s;

	storefx_open_rw(fx);
	s = storefx_stats(fx->c);
	for (int i = 0; i < PROTO_N_CAUSES; i++)
		assert_int_equal(s.by_cause[i], 0);

	storefx_insert(fx->c, &a);
	storefx_insert(fx->c, &b);
	storefx_insert(fx->c, &c);
	s = storefx_stats(fx->c);
	assert_int_equal(s.by_state[PROTO_PENDING], 1);
	assert_int_equal(s.by_state[PROTO_AWAITING], 1);
	assert_int_equal(s.by_state[PROTO_RESOLVED], 1);
	assert_int_equal(s.by_state[PROTO_CLOSED], 0);
	assert_int_equal(storefx_markets(&s, FX_MARKET, PROTO_PENDING), 1);
	assert_int_equal(storefx_markets(&s, FX_MARKET, PROTO_AWAITING), 1);
	assert_int_equal(storefx_markets(&s, FX_MARKET, PROTO_RESOLVED), 1);
	assert_int_equal(storefx_markets(&s, FX_MARKET, PROTO_CLOSED), 0);
	assert_int_equal(storefx_clocks(&s, FX_CLOCK_RESPONSE), 1);
	assert_int_equal(storefx_clocks(&s, FX_CLOCK_PHOTOS), 1);
	assert_int_equal(NO_CLOCK(fx), 1);
	assert_true(s.has_next);
	assert_string_equal(s.next_id, "B");
	assert_int_equal(s.next_clock, FX_CLOCK_PHOTOS);
	assert_int_equal(s.next_at, 500);

	/* A: pending -> awaiting on address_wait. */
	a.state = PROTO_AWAITING;
	a.clock = FX_CLOCK_ADDRESS;
	a.clock_next = a.clock_due = 400;
	a.version = 2;
	storefx_update(fx->c, &a);
	s = storefx_stats(fx->c);
	assert_int_equal(s.by_state[PROTO_PENDING], 0);
	assert_int_equal(s.by_state[PROTO_AWAITING], 2);
	assert_int_equal(storefx_markets(&s, FX_MARKET, PROTO_PENDING), 0);
	assert_int_equal(storefx_markets(&s, FX_MARKET, PROTO_AWAITING), 2);
	assert_int_equal(storefx_clocks(&s, FX_CLOCK_RESPONSE), 0);
	assert_int_equal(storefx_clocks(&s, FX_CLOCK_ADDRESS), 1);
	assert_string_equal(s.next_id, "A");
	assert_int_equal(s.next_clock, FX_CLOCK_ADDRESS);
	assert_int_equal(s.next_at, 400);

	/* Same state, other clock; then neither changes (version only). */
	a.clock = FX_CLOCK_POSTING;
	a.version = 3;
	storefx_update(fx->c, &a);
	a.version = 4;
	a.updated_at += 1;
	storefx_update(fx->c, &a);
	s = storefx_stats(fx->c);
	assert_int_equal(s.by_state[PROTO_AWAITING], 2);
	assert_int_equal(storefx_markets(&s, FX_MARKET, PROTO_AWAITING), 2);
	assert_int_equal(storefx_clocks(&s, FX_CLOCK_ADDRESS), 0);
	assert_int_equal(storefx_clocks(&s, FX_CLOCK_POSTING), 1);

	/* B's photos_wait expires: back to pending on a response clock. C is rewritten
	 * without a change of state or clock. */
	b.state = PROTO_PENDING;
	b.clock = FX_CLOCK_RESPONSE;
	b.version = 2;
	storefx_update(fx->c, &b);
	c.state = PROTO_RESOLVED;	/* unchanged */
	c.version = 2;
	storefx_update(fx->c, &c);
	s = storefx_stats(fx->c);
	assert_int_equal(s.by_state[PROTO_PENDING], 1);
	assert_int_equal(s.by_state[PROTO_AWAITING], 1);
	assert_int_equal(s.by_state[PROTO_RESOLVED], 1);
	assert_int_equal(storefx_clocks(&s, FX_CLOCK_PHOTOS), 0);
	assert_int_equal(storefx_clocks(&s, FX_CLOCK_RESPONSE), 1);
	assert_int_equal(NO_CLOCK(fx), 1);
	{
		int64_t total = 0;

		for (int i = 0; i < PROTO_N_STATES; i++) {
			total += s.by_state[i];
			assert_int_equal(storefx_markets(&s, FX_MARKET, i), s.by_state[i]);
		}
		assert_int_equal(total, 3);
		total = 0;
		for (size_t i = 0; i < s.n_clocks; i++)
			total += s.clocks[i].n;
		assert_int_equal(total + NO_CLOCK(fx), 3);
		total = 0;
		for (size_t i = 0; i < s.n_markets; i++)
			total += s.markets[i].n;
		assert_int_equal(total, 3);
	}

	storefx_event(fx->c, a.rid, -1, PROTO_PENDING, PROTO_CAUSE_CREATE, "create", 1, 0, NULL);
	storefx_event(fx->c, b.rid, -1, PROTO_PENDING, PROTO_CAUSE_CREATE, "create", 1, 0, NULL);
	storefx_event(fx->c, a.rid, PROTO_PENDING, PROTO_AWAITING, PROTO_CAUSE_ACTION,
	    "confirm_address", 2, 0, NULL);
	storefx_event(fx->c, b.rid, PROTO_AWAITING, PROTO_PENDING, PROTO_CAUSE_EXPIRY,
	    "photos_wait", 3, 2, NULL);
	storefx_event(fx->c, b.rid, PROTO_PENDING, PROTO_PENDING, PROTO_CAUSE_WARNING,
	    "response", 4, 0, NULL);
	storefx_event(fx->c, b.rid, PROTO_PENDING, PROTO_PENDING, PROTO_CAUSE_WARNING,
	    "response", 5, 0, NULL);
	s = storefx_stats(fx->c);
	assert_int_equal(s.by_cause[PROTO_CAUSE_CREATE], 2);
	assert_int_equal(s.by_cause[PROTO_CAUSE_ACTION], 1);
	assert_int_equal(s.by_cause[PROTO_CAUSE_EVENT], 0);
	assert_int_equal(s.by_cause[PROTO_CAUSE_EXPIRY], 1);
	assert_int_equal(s.by_cause[PROTO_CAUSE_WARNING], 2);
}

static void
listing_stats__no_running_clock__has_no_next(void **state)
{
	struct storefx *fx = *state;
	struct protocol c = storefx_mkp("C", "S", PROTO_RESOLVED, PROTO_CLOCK_NONE, 0);

	storefx_open_rw(fx);
	storefx_insert(fx->c, &c);
	assert_false(storefx_stats(fx->c).has_next);
}

static void
listing_stats__marketplaces_and_hashed_kinds__are_counted_apart(void **state)
{
	struct storefx *fx = *state;
	struct protocol a = storefx_mkp("A", "S", PROTO_PENDING, FX_CLOCK_RESPONSE, 900);
	struct protocol b = storefx_mkp("B", "S", PROTO_AWAITING, 30001, 500);
	struct protocol c = storefx_mkp("C", "S", PROTO_AWAITING, FX_CLOCK_PHOTOS, 700);
	struct store_stats s;

	snprintf(b.marketplace, sizeof b.marketplace, "madeiramadeira");
	storefx_open_rw(fx);
	storefx_insert(fx->c, &a);
	storefx_insert(fx->c, &b);
	storefx_insert(fx->c, &c);
	s = storefx_stats(fx->c);
	assert_int_equal(s.by_state[PROTO_AWAITING], 2);
	assert_int_equal(storefx_markets(&s, FX_MARKET, PROTO_PENDING), 1);
	assert_int_equal(storefx_markets(&s, FX_MARKET, PROTO_AWAITING), 1);
	assert_int_equal(storefx_markets(&s, "madeiramadeira", PROTO_AWAITING), 1);
	assert_int_equal(storefx_markets(&s, "madeiramadeira", PROTO_PENDING), 0);
	assert_int_equal(storefx_clocks(&s, 30001), 1);
	assert_int_equal(storefx_clocks(&s, FX_CLOCK_PHOTOS), 1);
	assert_int_equal(s.next_clock, 30001);
	/* Key 10000 + kind for a kind of 100 and more (counts.h). */
	assert_int_equal(storefx_counter(fx->c, 10000 + 30001), 1);
	assert_int_equal(storefx_counter(fx->c, counts_market_key("madeiramadeira",
	    PROTO_AWAITING)), 1);

	/* B's wait expires: its marketplace's counters move, not casas-bahia's. */
	b.state = PROTO_PENDING;
	b.clock = FX_CLOCK_RESPONSE;
	b.version = 2;
	storefx_update(fx->c, &b);
	s = storefx_stats(fx->c);
	assert_int_equal(storefx_markets(&s, "madeiramadeira", PROTO_AWAITING), 0);
	assert_int_equal(storefx_markets(&s, "madeiramadeira", PROTO_PENDING), 1);
	assert_int_equal(storefx_markets(&s, FX_MARKET, PROTO_PENDING), 1);
	assert_int_equal(storefx_markets(&s, FX_MARKET, PROTO_AWAITING), 1);
	assert_int_equal(storefx_clocks(&s, 30001), 0);
	assert_int_equal(storefx_clocks(&s, FX_CLOCK_RESPONSE), 2);
}

static void
listing_stats__a_new_database__has_every_old_key_and_casas_bahia_s_at_zero(void **state)
{
	struct storefx *fx = *state;
	struct store_stats s;

	storefx_open_rw(fx);
	/* Migration 1 made keys 0..299; 4 copied the six states to casas-bahia's. */
	for (int k = 0; k < 300; k++)
		assert_int_equal(storefx_counter(fx->c, k), 0);
	for (int st = 0; st < PROTO_N_STATES; st++)
		assert_int_equal(storefx_counter(fx->c, FX_MARKET_KEY + st), 0);
	assert_int_equal(storefx_counter(fx->c, FX_MARKET_KEY + PROTO_N_STATES), -1);
	s = storefx_stats(fx->c);
	assert_int_equal(s.n_markets, PROTO_N_STATES);
	for (size_t i = 0; i < s.n_markets; i++) {
		assert_int_equal(s.markets[i].market, rulebook_market_number(FX_MARKET));
		assert_int_equal(s.markets[i].n, 0);
	}
}

#define T(name) cmocka_unit_test_setup_teardown(name, storefx_setup, storefx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(listing_stats__counters_follow_inserts_updates_and_history),
		T(listing_stats__no_running_clock__has_no_next),
		T(listing_stats__marketplaces_and_hashed_kinds__are_counted_apart),
		T(listing_stats__a_new_database__has_every_old_key_and_casas_bahia_s_at_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
