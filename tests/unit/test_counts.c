#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counts.h"
#include "proto.h"
#include "rulebook.h"
#include "store.h"

/*
 * The counter changes of a transaction: summed by key at the commit (the keys whose
 * sum is not zero, in key order), forgotten when it ends; the keys of a protocol's
 * state, marketplace and clock, and the stats a counter row is read back into.
 */

/* The sum of key in c, or 0 when c has no nonzero sum for it. */
static int64_t
sum_of(const struct counts *c, int key)
{
	size_t n = counts_n(c);
	int64_t sum;
	int k;

	for (size_t i = 0; i < n; i++) {
		counts_at(c, i, &k, &sum);
		if (k == key)
			return sum;
	}
	return 0;
}

/* The keys come out in increasing order, none with a zero sum. */
static void
assert_sorted_nonzero(const struct counts *c)
{
	size_t n = counts_n(c);
	int64_t sum;
	int k, last = -1;

	for (size_t i = 0; i < n; i++) {
		counts_at(c, i, &k, &sum);
		if (k <= last)
			fail_msg("key %d at %zu after %d", k, i, last);
		if (sum == 0)
			fail_msg("key %d at %zu has a zero sum", k, i);
		last = k;
	}
}

static void
counts_sum__adds_by_key__only_changed_keys_are_counted(void **state)
{
	struct counts *c = counts_new();

	assert_int_equal(counts_n(c), 0);
	counts_add(c, COUNTS_STATE + 1, 1);
	counts_add(c, COUNTS_STATE + 1, 1);
	counts_add(c, COUNTS_CLOCK + 3, 1);
	counts_add(c, COUNTS_CLOCK + 3, -1);
	counts_add(c, COUNTS_CAUSE + 2, 1);
	assert_int_equal(counts_n(c), 2);
	assert_int_equal(sum_of(c, COUNTS_STATE + 1), 2);
	assert_int_equal(sum_of(c, COUNTS_CLOCK + 3), 0);
	assert_int_equal(sum_of(c, COUNTS_CAUSE + 2), 1);
	assert_sorted_nonzero(c);
	counts_free(c);
}

static void
counts_add__negative_keys_and_zero_changes__are_ignored(void **state)
{
	struct counts *c = counts_new();

	counts_add(c, -1, 1);
	counts_add(c, INT32_MIN, 1);
	counts_add(c, 5, 0);
	assert_int_equal(counts_n(c), 0);
	counts_free(c);
}

static void
counts_add__keys_beyond_the_old_300__are_counted(void **state)
{
	struct counts *c = counts_new();

	/* Sparse keys: a hashed clock kind's, a marketplace's (rulebook.h). */
	counts_add(c, 300, 1);
	counts_add(c, counts_clock_key(RULEBOOK_KIND_MAX), 2);
	counts_add(c, COUNTS_MARKET + 8 * (RULEBOOK_MARKET_IDS - 1) + 5, -3);
	assert_int_equal(counts_n(c), 3);
	assert_int_equal(sum_of(c, 300), 1);
	assert_int_equal(sum_of(c, COUNTS_CLOCK_HIGH + RULEBOOK_KIND_MAX), 2);
	assert_int_equal(sum_of(c, COUNTS_MARKET + 8 * (RULEBOOK_MARKET_IDS - 1) + 5), -3);
	assert_sorted_nonzero(c);
	counts_free(c);
}

static void
counts_clear__forgets_every_change(void **state)
{
	struct counts *c = counts_new();

	counts_add(c, 7, 1);
	counts_add(c, 299, -3);
	counts_add(c, 1291029, 4);
	counts_clear(c);
	assert_int_equal(counts_n(c), 0);
	counts_clear(c);	/* nothing to forget: still empty */
	counts_add(c, 8, 1);
	assert_int_equal(counts_n(c), 1);
	assert_int_equal(sum_of(c, 8), 1);
	assert_int_equal(sum_of(c, 7), 0);
	assert_int_equal(sum_of(c, 1291029), 0);
	counts_free(c);
	counts_free(NULL);
}

static void
counts_add__a_million_changes__sum_exactly(void **state)
{
	struct counts *c = counts_new();
	int64_t sum;
	int k;

	for (int i = 0; i < 1000000; i++)
		counts_add(c, i % 300, 1);
	assert_int_equal(counts_n(c), 300);
	/* 1000000 = 3333 * 300 + 100: the first 100 keys get one more. */
	for (size_t i = 0; i < 300; i++) {
		counts_at(c, i, &k, &sum);
		assert_int_equal(k, (int)i);
		assert_int_equal(sum, k < 100 ? 3334 : 3333);
	}
	counts_free(c);
}

static void
counts_at__keys_added_in_any_order__come_out_sorted_without_zeros(void **state)
{
	static const int keys[] = { 1291029, 5, 201, 10000 + 30001, 100, 1291024, 0,
	    1000000 + 8 * 99999, 107, 3, 1291024, 202 };
	struct counts *c = counts_new();
	int64_t sum;
	int k;

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		counts_add(c, keys[i], (int)i + 1);
	counts_add(c, 3, -10);	/* 3 was added with 10: back to zero */
	assert_int_equal(counts_n(c), 10);
	assert_sorted_nonzero(c);
	counts_at(c, 0, &k, &sum);
	assert_int_equal(k, 0);
	assert_int_equal(sum, 7);
	counts_at(c, 1, &k, &sum);
	assert_int_equal(k, 5);
	counts_at(c, 9, &k, &sum);
	assert_int_equal(k, 1000000 + 8 * 99999);
	assert_int_equal(sum_of(c, 1291024), 6 + 11);
	assert_int_equal(sum_of(c, 3), 0);
	/* Random order, many keys: still sorted. */
	srand(7);
	for (int i = 0; i < 5000; i++)
		counts_add(c, rand() % 2000000, 1);
	assert_sorted_nonzero(c);
	counts_free(c);
}

/* The migrations (schema.c 4, pgschema.c 3) copy the state counters to these keys by
 * number: the name's hash must keep giving them. */
static void
counts_market_key__casas_bahia__is_the_one_the_migrations_hardcode(void **state)
{
	assert_int_equal(rulebook_market_number("casas-bahia"), 36378);
	for (int s = 0; s < PROTO_N_STATES; s++)
		assert_int_equal(counts_market_key("casas-bahia", s), 1291024 + s);
	assert_int_equal(counts_market_key("casas-bahia", PROTO_PENDING), 1291024);
	/* Another marketplace's keys are elsewhere, and never clash with a state,
	 * clock or cause key. */
	assert_true(counts_market_key("madeiramadeira", 0) != 1291024);
	assert_int_equal((counts_market_key("madeiramadeira", 0) - COUNTS_MARKET) % 8, 0);
	assert_true(counts_market_key("madeiramadeira", 0) >= COUNTS_MARKET);
}

static void
counts_clock_key__small_kinds_keep_100_plus_kind__others_count_from_10000(void **state)
{
	assert_int_equal(counts_clock_key(0), 100);
	assert_int_equal(counts_clock_key(RULEBOOK_KIND_RESPONSE), 101);
	for (int kind = 2; kind <= 6; kind++)
		assert_int_equal(counts_clock_key(kind), 100 + kind);
	assert_int_equal(counts_clock_key(RULEBOOK_KIND_REPLY), 107);
	assert_int_equal(counts_clock_key(99), 199);
	assert_int_equal(counts_clock_key(100), 10100);
	assert_int_equal(counts_clock_key(RULEBOOK_KIND_HASHED), 108);
	assert_int_equal(counts_clock_key(RULEBOOK_KIND_MAX), 10000 + RULEBOOK_KIND_MAX);
	assert_true(counts_clock_key(RULEBOOK_KIND_MAX) < COUNTS_MARKET);
}

static struct protocol
mkp(const char *market, enum proto_state s, int clock)
{
	struct protocol p;

	memset(&p, 0, sizeof p);
	snprintf(p.marketplace, sizeof p.marketplace, "%s", market);
	p.state = p.stored_state = s;
	p.clock = p.stored_clock = clock;
	return p;
}

static void
counts_protocol__counts_its_state_its_marketplace_s_state_and_its_clock(void **state)
{
	struct counts *c = counts_new();
	struct protocol p = mkp("casas-bahia", PROTO_AWAITING, 2);
	struct protocol q = mkp("madeiramadeira", PROTO_AWAITING, 30001);

	counts_protocol(c, &p, 1);
	assert_int_equal(counts_n(c), 3);
	assert_int_equal(sum_of(c, COUNTS_STATE + PROTO_AWAITING), 1);
	assert_int_equal(sum_of(c, 1291024 + PROTO_AWAITING), 1);
	assert_int_equal(sum_of(c, 102), 1);
	counts_protocol(c, &q, 1);
	assert_int_equal(counts_n(c), 5);
	assert_int_equal(sum_of(c, COUNTS_STATE + PROTO_AWAITING), 2);
	assert_int_equal(sum_of(c, counts_market_key("madeiramadeira", PROTO_AWAITING)), 1);
	assert_int_equal(sum_of(c, 10000 + 30001), 1);
	counts_protocol(c, &p, -1);
	assert_int_equal(sum_of(c, 1291024 + PROTO_AWAITING), 0);
	assert_int_equal(sum_of(c, 102), 0);
	assert_int_equal(sum_of(c, COUNTS_STATE + PROTO_AWAITING), 1);
	assert_sorted_nonzero(c);
	counts_free(c);
}

static void
counts_move__of_state__moves_the_marketplace_counter_too(void **state)
{
	struct counts *c = counts_new();
	struct protocol p = mkp("casas-bahia", PROTO_PENDING, 1);

	/* Same state and clock: nothing. */
	counts_move(c, &p);
	assert_int_equal(counts_n(c), 0);
	/* pending -> awaiting, response -> photos_wait. */
	p.state = PROTO_AWAITING;
	p.clock = 2;
	counts_move(c, &p);
	assert_int_equal(p.stored_state, PROTO_AWAITING);
	assert_int_equal(p.stored_clock, 2);
	assert_int_equal(counts_n(c), 6);
	assert_int_equal(sum_of(c, COUNTS_STATE + PROTO_PENDING), -1);
	assert_int_equal(sum_of(c, COUNTS_STATE + PROTO_AWAITING), 1);
	assert_int_equal(sum_of(c, 1291024 + PROTO_PENDING), -1);
	assert_int_equal(sum_of(c, 1291024 + PROTO_AWAITING), 1);
	assert_int_equal(sum_of(c, 101), -1);
	assert_int_equal(sum_of(c, 102), 1);
	/* The clock alone: the state's and marketplace's counters stay. */
	p.clock = 3;
	counts_move(c, &p);
	assert_int_equal(sum_of(c, 102), 0);
	assert_int_equal(sum_of(c, 103), 1);
	assert_int_equal(sum_of(c, 1291024 + PROTO_AWAITING), 1);
	/* The state alone (awaiting -> pending on the same kind, as a test may). */
	p.state = PROTO_PENDING;
	counts_move(c, &p);
	assert_int_equal(sum_of(c, COUNTS_STATE + PROTO_PENDING), 0);
	assert_int_equal(sum_of(c, COUNTS_STATE + PROTO_AWAITING), 0);
	assert_int_equal(sum_of(c, 1291024 + PROTO_PENDING), 0);
	assert_int_equal(sum_of(c, 1291024 + PROTO_AWAITING), 0);
	assert_int_equal(sum_of(c, 103), 1);
	assert_sorted_nonzero(c);
	counts_free(c);
}

static void
counts_to_stats__each_key_lands_where_it_counts(void **state)
{
	struct store_stats s;

	memset(&s, 0, sizeof s);
	counts_to_stats(&s, COUNTS_STATE + PROTO_CLOSED, 4);
	counts_to_stats(&s, COUNTS_CAUSE + PROTO_CAUSE_EXPIRY, 9);
	counts_to_stats(&s, 101, 3);
	counts_to_stats(&s, 10000 + 30001, 2);
	counts_to_stats(&s, 1291024 + PROTO_MEDIATION, 5);
	counts_to_stats(&s, counts_market_key("madeiramadeira", PROTO_PENDING), 6);
	/* Keys that count nothing. */
	counts_to_stats(&s, 250, 1);
	counts_to_stats(&s, COUNTS_MARKET + 6, 1);
	counts_to_stats(&s, COUNTS_MARKET + 7, 1);
	assert_int_equal(s.by_state[PROTO_CLOSED], 4);
	assert_int_equal(s.by_cause[PROTO_CAUSE_EXPIRY], 9);
	assert_int_equal(s.n_clocks, 2);
	assert_int_equal(s.clocks[0].kind, 1);
	assert_int_equal(s.clocks[0].n, 3);
	assert_int_equal(s.clocks[1].kind, 30001);
	assert_int_equal(s.clocks[1].n, 2);
	assert_int_equal(s.n_markets, 2);
	assert_int_equal(s.markets[0].market, 36378);
	assert_int_equal(s.markets[0].state, PROTO_MEDIATION);
	assert_int_equal(s.markets[0].n, 5);
	assert_int_equal(s.markets[1].market, rulebook_market_number("madeiramadeira"));
	assert_int_equal(s.markets[1].state, PROTO_PENDING);
	assert_int_equal(s.markets[1].n, 6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counts_sum__adds_by_key__only_changed_keys_are_counted),
		cmocka_unit_test(counts_add__negative_keys_and_zero_changes__are_ignored),
		cmocka_unit_test(counts_add__keys_beyond_the_old_300__are_counted),
		cmocka_unit_test(counts_clear__forgets_every_change),
		cmocka_unit_test(counts_add__a_million_changes__sum_exactly),
		cmocka_unit_test(counts_at__keys_added_in_any_order__come_out_sorted_without_zeros),
		cmocka_unit_test(counts_market_key__casas_bahia__is_the_one_the_migrations_hardcode),
		cmocka_unit_test(counts_clock_key__small_kinds_keep_100_plus_kind__others_count_from_10000),
		cmocka_unit_test(counts_protocol__counts_its_state_its_marketplace_s_state_and_its_clock),
		cmocka_unit_test(counts_move__of_state__moves_the_marketplace_counter_too),
		cmocka_unit_test(counts_to_stats__each_key_lands_where_it_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
