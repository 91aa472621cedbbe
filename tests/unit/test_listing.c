#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "conn.h"
#include "listing.h"
#include "proto.h"
#include "storefx.h"

/*
 * The counters the store keeps at each commit, as listing_stats reads them: by state,
 * by clock and by cause, and the next clock due.
 */

static void
listing_stats__counters_follow_inserts_updates_and_history(void **state)
{
	struct storefx *fx = *state;
	struct protocol a = storefx_mkp("A", "S", PROTO_PENDING, PROTO_CLOCK_RESPONSE, 900);
	struct protocol b = storefx_mkp("B", "S", PROTO_AWAITING, PROTO_CLOCK_PHOTOS, 500);
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
	assert_int_equal(s.by_clock[PROTO_CLOCK_RESPONSE], 1);
	assert_int_equal(s.by_clock[PROTO_CLOCK_PHOTOS], 1);
	assert_int_equal(s.by_clock[PROTO_CLOCK_NONE], 1);
	assert_true(s.has_next);
	assert_string_equal(s.next_id, "B");
	assert_int_equal(s.next_clock, PROTO_CLOCK_PHOTOS);
	assert_int_equal(s.next_at, 500);

	/* A: pending -> awaiting on address_wait. */
	a.state = PROTO_AWAITING;
	a.clock = PROTO_CLOCK_ADDRESS;
	a.clock_next = a.clock_due = 400;
	a.version = 2;
	storefx_update(fx->c, &a);
	s = storefx_stats(fx->c);
	assert_int_equal(s.by_state[PROTO_PENDING], 0);
	assert_int_equal(s.by_state[PROTO_AWAITING], 2);
	assert_int_equal(s.by_clock[PROTO_CLOCK_RESPONSE], 0);
	assert_int_equal(s.by_clock[PROTO_CLOCK_ADDRESS], 1);
	assert_string_equal(s.next_id, "A");
	assert_int_equal(s.next_clock, PROTO_CLOCK_ADDRESS);
	assert_int_equal(s.next_at, 400);

	/* Same state, other clock; then neither changes (version only). */
	a.clock = PROTO_CLOCK_POSTING;
	a.version = 3;
	storefx_update(fx->c, &a);
	a.version = 4;
	a.updated_at += 1;
	storefx_update(fx->c, &a);
	s = storefx_stats(fx->c);
	assert_int_equal(s.by_state[PROTO_AWAITING], 2);
	assert_int_equal(s.by_clock[PROTO_CLOCK_ADDRESS], 0);
	assert_int_equal(s.by_clock[PROTO_CLOCK_POSTING], 1);

	/* B's photos_wait expires: back to pending on a response clock. C is rewritten
	 * without a change of state or clock. */
	b.state = PROTO_PENDING;
	b.clock = PROTO_CLOCK_RESPONSE;
	b.version = 2;
	storefx_update(fx->c, &b);
	c.state = PROTO_RESOLVED;	/* unchanged */
	c.version = 2;
	storefx_update(fx->c, &c);
	s = storefx_stats(fx->c);
	assert_int_equal(s.by_state[PROTO_PENDING], 1);
	assert_int_equal(s.by_state[PROTO_AWAITING], 1);
	assert_int_equal(s.by_state[PROTO_RESOLVED], 1);
	assert_int_equal(s.by_clock[PROTO_CLOCK_PHOTOS], 0);
	assert_int_equal(s.by_clock[PROTO_CLOCK_RESPONSE], 1);
	assert_int_equal(s.by_clock[PROTO_CLOCK_NONE], 1);
	{
		int64_t total = 0;

		for (int i = 0; i < PROTO_N_STATES; i++)
			total += s.by_state[i];
		assert_int_equal(total, 3);
		total = 0;
		for (int i = 0; i < PROTO_N_CLOCKS; i++)
			total += s.by_clock[i];
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

#define T(name) cmocka_unit_test_setup_teardown(name, storefx_setup, storefx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(listing_stats__counters_follow_inserts_updates_and_history),
		T(listing_stats__no_running_clock__has_no_next),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
