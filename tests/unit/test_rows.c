#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "proto.h"
#include "rows.h"
#include "storefx.h"

/*
 * The protocols' rows on a temporary database per test: every field written and read
 * back, updates, unique ids, and the timer index (the next due clock, the head).
 */

/* ------------------------------------------------------- protocol rows */

static void
rows_insert_get__every_field__round_trips(void **state)
{
	struct storefx *fx = *state;
	struct protocol p, q;

	storefx_open_rw(fx);
	memset(&p, 0, sizeof p);
	snprintf(p.id, sizeof p.id, "MM-2026:000.123_x-y");
	snprintf(p.seller, sizeof p.seller, "seller.42");
	snprintf(p.order, sizeof p.order, "PED-998877");
	snprintf(p.reason, sizeof p.reason, "customer_return");
	snprintf(p.marketplace, sizeof p.marketplace, "madeiramadeira");
	p.origin = PROTO_PREVENTIVE;
	p.critical = true;
	p.opened_given = true;
	p.opened_at = 1795449600123;
	p.state = PROTO_AWAITING;
	p.clock = FX_CLOCK_POSTING;
	p.clock_start = 1795449600123;
	p.clock_due = 1796745600123;
	p.clock_next = 1796745600123;
	snprintf(p.clock_rule, sizeof p.clock_rule, "rule=posting_wait value=15d "
	    "source=default to=pending attempt=inform_posting book=madeiramadeira line=42 "
	    "file=/etc/protocold/rules/madeiramadeira.ini");
	snprintf(p.attempts, sizeof p.attempts, "request_photos=1,confirm_address=7,"
	    "inform_new_delivery_date=4294967295");
	p.version = 9;
	p.updated_at = 1795449700000;
	storefx_insert(fx->c, &p);
	q = storefx_get(fx->c, p.id);
	storefx_same(&q, &p);
}

static void
rows_insert_get__id_of_64_characters__round_trips(void **state)
{
	struct storefx *fx = *state;
	char id[PROTO_ID_MAX + 1];
	struct protocol p, q;

	memset(id, 'z', PROTO_ID_MAX);
	id[PROTO_ID_MAX] = '\0';
	p = storefx_mkp(id, id, PROTO_PENDING, FX_CLOCK_RESPONSE, 1);
	snprintf(p.order, sizeof p.order, "%s", id);
	snprintf(p.reason, sizeof p.reason, "%s", id);
	storefx_open_rw(fx);
	storefx_insert(fx->c, &p);
	q = storefx_get(fx->c, id);
	storefx_same(&q, &p);
}

static void
rows_insert_get__longest_marketplace_attempts_and_rule__round_trip(void **state)
{
	struct storefx *fx = *state;
	struct protocol p = storefx_mkp("P-1", "S-1", PROTO_PENDING, 30001, 1);
	struct protocol q;

	memset(p.marketplace, 'm', PROTO_MARKET_MAX);
	p.marketplace[PROTO_MARKET_MAX] = '\0';
	memset(p.attempts, 'a', PROTO_ATTEMPTS_MAX);
	memcpy(p.attempts + PROTO_ATTEMPTS_MAX - 2, "=9", 2);
	p.attempts[PROTO_ATTEMPTS_MAX] = '\0';
	memset(p.clock_rule, 'r', PROTO_RULE_MAX);
	p.clock_rule[PROTO_RULE_MAX] = '\0';
	storefx_open_rw(fx);
	storefx_insert(fx->c, &p);
	q = storefx_get(fx->c, "P-1");
	storefx_same(&q, &p);
	assert_int_equal(strlen(q.marketplace), PROTO_MARKET_MAX);
	assert_int_equal(strlen(q.attempts), PROTO_ATTEMPTS_MAX);
	/* A kind hashed from a rulebook's own clock name (rulebook.h) is kept as is. */
	assert_int_equal(q.clock, 30001);
}

static void
rows_insert_get__the_fixtures_marketplace__round_trips(void **state)
{
	struct storefx *fx = *state;
	struct protocol p = storefx_mkp("P-1", "S-1", PROTO_PENDING, FX_CLOCK_RESPONSE, 1);
	struct protocol q;

	storefx_open_rw(fx);
	storefx_insert(fx->c, &p);
	q = storefx_get(fx->c, "P-1");
	storefx_same(&q, &p);
	assert_string_equal(q.marketplace, "casas-bahia");
}

static void
rows_insert_get__no_order_no_reason_no_clock__read_back_empty_and_zero(void **state)
{
	struct storefx *fx = *state;
	struct protocol p = storefx_mkp("P-0", "S-1", PROTO_RESOLVED, PROTO_CLOCK_NONE, 0);
	struct protocol q;

	storefx_open_rw(fx);
	storefx_insert(fx->c, &p);
	q = storefx_get(fx->c, "P-0");
	storefx_same(&q, &p);
	assert_string_equal(q.order, "");
	assert_string_equal(q.reason, "");
	assert_int_equal(q.clock, PROTO_CLOCK_NONE);
	assert_int_equal(q.clock_start, 0);
	assert_int_equal(q.clock_due, 0);
	assert_int_equal(q.clock_next, 0);
	assert_string_equal(q.attempts, "");
	/* No clock: not in the timer queue. */
	{
		int64_t head = 0;

		assert_int_equal(rows_head(fx->c, &head), 0);
		assert_int_equal(head, INT64_MAX);
	}
}

static void
rows_insert_get__clock_none_with_stale_times__reads_back_zero_times(void **state)
{
	struct storefx *fx = *state;
	struct protocol p = storefx_mkp("P-0", "S-1", PROTO_MEDIATION, PROTO_CLOCK_NONE, 0);
	struct protocol q;

	p.clock_start = 11;
	p.clock_due = 22;
	p.clock_next = 33;
	storefx_open_rw(fx);
	storefx_insert(fx->c, &p);
	q = storefx_get(fx->c, "P-0");
	assert_int_equal(q.clock_start, 0);
	assert_int_equal(q.clock_due, 0);
	assert_int_equal(q.clock_next, 0);
	{
		struct protocol due;

		assert_int_equal(rows_due(fx->c, INT64_MAX, 1, &due), 0);
	}
}

static void
rows_update__changed_state_clock_attempts_version__round_trip(void **state)
{
	struct storefx *fx = *state;
	struct protocol p = storefx_mkp("P-1", "S-1", PROTO_PENDING, FX_CLOCK_RESPONSE, 5000);
	struct protocol q;

	snprintf(p.order, sizeof p.order, "O-1");
	storefx_open_rw(fx);
	storefx_insert(fx->c, &p);

	/* request_photos: awaiting on photos_wait. */
	p.state = PROTO_AWAITING;
	p.clock = FX_CLOCK_PHOTOS;
	p.clock_start = 6000;
	p.clock_due = 9000;
	p.clock_next = 9000;
	p.version = 2;
	p.updated_at = 6000;
	storefx_update(fx->c, &p);
	q = storefx_get(fx->c, "P-1");
	storefx_same(&q, &p);

	/* Expired unanswered: back to pending with an attempt counted, warning point set. */
	p.state = PROTO_PENDING;
	p.clock = FX_CLOCK_RESPONSE;
	p.clock_start = 9000;
	p.clock_due = 20000;
	p.clock_next = 18000;
	snprintf(p.attempts, sizeof p.attempts, "request_photos=1,inform_new_delivery_date=3");
	p.version = 3;
	p.updated_at = 9100;
	storefx_update(fx->c, &p);
	q = storefx_get(fx->c, "P-1");
	storefx_same(&q, &p);

	/* Resolved: the clock and its times are gone, the attempts stay. */
	p.state = PROTO_RESOLVED;
	p.clock = PROTO_CLOCK_NONE;
	p.clock_start = p.clock_due = p.clock_next = 0;
	p.version = 4;
	storefx_update(fx->c, &p);
	q = storefx_get(fx->c, "P-1");
	storefx_same(&q, &p);

	/* All attempts cleared. */
	p.attempts[0] = '\0';
	p.version = 5;
	storefx_update(fx->c, &p);
	q = storefx_get(fx->c, "P-1");
	storefx_same(&q, &p);
}

static void
rows_update__every_action_s_attempts__round_trip_at_once(void **state)
{
	struct storefx *fx = *state;
	struct protocol p = storefx_mkp("P-1", "S-1", PROTO_PENDING, FX_CLOCK_RESPONSE, 5000);
	struct protocol q;

	/* Every action of casas-bahia whose wait counts an attempt (its waits). */
	static const char *const actions[] = { "request_photos", "confirm_address",
	    "inform_posting_code", "inform_pickup_date", "request_cancellation_letter" };
	size_t off = 0;

	storefx_open_rw(fx);
	storefx_insert(fx->c, &p);
	for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
		off += (size_t)snprintf(p.attempts + off, sizeof p.attempts - off, "%s%s=%u",
		    i ? "," : "", actions[i], UINT32_MAX - (unsigned)i);
	assert_true(off < sizeof p.attempts);
	p.version = 2;
	storefx_update(fx->c, &p);
	q = storefx_get(fx->c, "P-1");
	storefx_same(&q, &p);
}

static void
rows_insert__duplicate_id__fails_unique_and_keeps_the_first(void **state)
{
	struct storefx *fx = *state;
	struct protocol a = storefx_mkp("DUP", "S-1", PROTO_PENDING, FX_CLOCK_RESPONSE, 5000);
	struct protocol b = storefx_mkp("DUP", "S-2", PROTO_CLOSED, FX_CLOCK_REPLY, 6000);
	struct protocol q;

	storefx_open_rw(fx);
	storefx_insert(fx->c, &a);
	b.rid = 0;
	assert_int_equal(rows_insert(fx->c, &b), -1);
	print_message("# duplicate: %s\n", conn_error(fx->c));
	assert_non_null(strstr(conn_error(fx->c), "UNIQUE"));
	assert_false(conn_error_is_full(fx->c));
	q = storefx_get(fx->c, "DUP");
	storefx_same(&q, &a);
	{
		struct store_stats st = storefx_stats(fx->c);

		assert_int_equal(st.by_state[PROTO_CLOSED], 0);
		assert_int_equal(st.by_state[PROTO_PENDING], 1);
		assert_int_equal(storefx_markets(&st, FX_MARKET, PROTO_CLOSED), 0);
		assert_int_equal(storefx_markets(&st, FX_MARKET, PROTO_PENDING), 1);
		assert_int_equal(storefx_clocks(&st, FX_CLOCK_REPLY), 0);
		assert_int_equal(storefx_clocks(&st, FX_CLOCK_RESPONSE), 1);
	}
	/* The handle still works after the failure. */
	b = storefx_mkp("OTHER", "S-2", PROTO_CLOSED, FX_CLOCK_REPLY, 6000);
	storefx_insert(fx->c, &b);
}

static void
rows_insert_new__existing_id__is_0_and_writes_nothing(void **state)
{
	struct storefx *fx = *state;
	struct protocol a = storefx_mkp("NEW", "S-1", PROTO_PENDING, FX_CLOCK_RESPONSE, 5000);
	struct protocol b = storefx_mkp("NEW", "S-2", PROTO_CLOSED, FX_CLOCK_REPLY, 6000);
	struct protocol q;

	storefx_open_rw(fx);
	assert_int_equal(rows_insert_new(fx->c, &a), 1);
	assert_true(a.rid > 0);
	b.rid = 0;
	assert_int_equal(rows_insert_new(fx->c, &b), 0);
	assert_int_equal(b.rid, 0);
	q = storefx_get(fx->c, "NEW");
	storefx_same(&q, &a);
	{
		struct store_stats st = storefx_stats(fx->c);

		assert_int_equal(st.by_state[PROTO_CLOSED], 0);
		assert_int_equal(st.by_state[PROTO_PENDING], 1);
		assert_int_equal(storefx_markets(&st, FX_MARKET, PROTO_CLOSED), 0);
		assert_int_equal(storefx_markets(&st, FX_MARKET, PROTO_PENDING), 1);
		assert_int_equal(storefx_clocks(&st, FX_CLOCK_REPLY), 0);
		assert_int_equal(storefx_clocks(&st, FX_CLOCK_RESPONSE), 1);
	}
	/* Inside a transaction too: the refusal does not end it. */
	assert_int_equal(conn_begin(fx->c), 0);
	assert_int_equal(rows_insert_new(fx->c, &b), 0);
	b = storefx_mkp("NEW-2", "S-2", PROTO_CLOSED, FX_CLOCK_REPLY, 6000);
	assert_int_equal(rows_insert_new(fx->c, &b), 1);
	assert_int_equal(conn_commit(fx->c), 0);
	assert_int_equal(storefx_stats(fx->c).by_state[PROTO_CLOSED], 1);
}

static void
rows_get__unknown_id__is_0(void **state)
{
	struct storefx *fx = *state;
	struct protocol p;

	storefx_open_rw(fx);
	assert_int_equal(rows_get(fx->c, "nope", &p), 0);
}

/* -------------------------------------------------------- timer index */

static void
rows_due__one__is_the_smallest_clock_next_at_or_below_the_limit(void **state)
{
	struct storefx *fx = *state;
	struct protocol a = storefx_mkp("A", "S", PROTO_PENDING, FX_CLOCK_RESPONSE, 300);
	struct protocol b = storefx_mkp("B", "S", PROTO_AWAITING, FX_CLOCK_PHOTOS, 100);
	struct protocol c = storefx_mkp("C", "S", PROTO_CLOSED, FX_CLOCK_REPLY, 200);
	struct protocol d = storefx_mkp("D", "S", PROTO_RESOLVED, PROTO_CLOCK_NONE, 0);
	struct protocol got;

	storefx_open_rw(fx);
	storefx_insert(fx->c, &d);
	storefx_insert(fx->c, &a);
	storefx_insert(fx->c, &b);
	storefx_insert(fx->c, &c);
	/* The warning point is what counts, not the due instant. */
	a.clock_due = 1000;
	a.clock_next = 150;
	storefx_update(fx->c, &a);

	assert_int_equal(rows_due(fx->c, 99, 1, &got), 0);
	assert_int_equal(rows_due(fx->c, 100, 1, &got), 1);
	assert_string_equal(got.id, "B");
	assert_int_equal(rows_due(fx->c, INT64_MAX, 1, &got), 1);
	assert_string_equal(got.id, "B");

	b.state = PROTO_PENDING;
	b.clock = PROTO_CLOCK_NONE;
	storefx_update(fx->c, &b);
	assert_int_equal(rows_due(fx->c, 149, 1, &got), 0);
	assert_int_equal(rows_due(fx->c, 150, 1, &got), 1);
	assert_string_equal(got.id, "A");
	assert_int_equal(got.clock_next, 150);
	assert_int_equal(got.clock_due, 1000);

	a.clock = PROTO_CLOCK_NONE;
	storefx_update(fx->c, &a);
	assert_int_equal(rows_due(fx->c, 10000, 1, &got), 1);
	assert_string_equal(got.id, "C");
	c.clock = PROTO_CLOCK_NONE;
	storefx_update(fx->c, &c);
	assert_int_equal(rows_due(fx->c, INT64_MAX, 1, &got), 0);
}

static void
rows_due__negative_instants__are_ordered_too(void **state)
{
	struct storefx *fx = *state;
	struct protocol a = storefx_mkp("A", "S", PROTO_PENDING, FX_CLOCK_RESPONSE, -5);
	struct protocol b = storefx_mkp("B", "S", PROTO_PENDING, FX_CLOCK_RESPONSE, 5);
	struct protocol got;

	storefx_open_rw(fx);
	storefx_insert(fx->c, &b);
	storefx_insert(fx->c, &a);
	assert_int_equal(rows_due(fx->c, 0, 1, &got), 1);
	assert_string_equal(got.id, "A");
	assert_int_equal(rows_due(fx->c, -6, 1, &got), 0);
}

static void
rows_head__empty_table__is_int64_max_then_follows_the_smallest_next(void **state)
{
	struct storefx *fx = *state;
	struct protocol a = storefx_mkp("A", "S", PROTO_PENDING, FX_CLOCK_RESPONSE, 700);
	struct protocol b = storefx_mkp("B", "S", PROTO_AWAITING, FX_CLOCK_LETTER, 400);
	int64_t head = 0;

	storefx_open_rw(fx);
	assert_int_equal(rows_head(fx->c, &head), 0);
	assert_int_equal(head, INT64_MAX);
	storefx_insert(fx->c, &a);
	assert_int_equal(rows_head(fx->c, &head), 0);
	assert_int_equal(head, 700);
	storefx_insert(fx->c, &b);
	assert_int_equal(rows_head(fx->c, &head), 0);
	assert_int_equal(head, 400);
	b.state = PROTO_RESOLVED;
	b.clock = PROTO_CLOCK_NONE;
	storefx_update(fx->c, &b);
	assert_int_equal(rows_head(fx->c, &head), 0);
	assert_int_equal(head, 700);
}

#define T(name) cmocka_unit_test_setup_teardown(name, storefx_setup, storefx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(rows_insert_get__every_field__round_trips),
		T(rows_insert_get__id_of_64_characters__round_trips),
		T(rows_insert_get__longest_marketplace_attempts_and_rule__round_trip),
		T(rows_insert_get__the_fixtures_marketplace__round_trips),
		T(rows_insert_get__no_order_no_reason_no_clock__read_back_empty_and_zero),
		T(rows_insert_get__clock_none_with_stale_times__reads_back_zero_times),
		T(rows_update__changed_state_clock_attempts_version__round_trip),
		T(rows_update__every_action_s_attempts__round_trip_at_once),
		T(rows_insert__duplicate_id__fails_unique_and_keeps_the_first),
		T(rows_insert_new__existing_id__is_0_and_writes_nothing),
		T(rows_get__unknown_id__is_0),
		T(rows_due__one__is_the_smallest_clock_next_at_or_below_the_limit),
		T(rows_due__negative_instants__are_ordered_too),
		T(rows_head__empty_table__is_int64_max_then_follows_the_smallest_next),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
