#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>

#include "conn.h"
#include "history.h"
#include "proto.h"
#include "storefx.h"

/*
 * The history and the feed on a temporary database (storefx): seqs, one protocol's
 * entries with every field, and paging the feed without skipping or repeating.
 */

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct seen {
	size_t n;
	int64_t seq[64];
	int64_t rid[64];
	int64_t at[64];
	int from[64];
	int to[64];
	int cause[64];
	char name[64][32];
	int64_t due_at[64];
	int64_t late_ms[64];
	char detail[64][64];
	bool has_detail[64];
	char protocol[64][PROTO_ID_MAX + 1];
};

static void
collect(const struct proto_event *ev, const char *protocol, void *arg)
{
	struct seen *s = arg;
	size_t i = s->n++;

	assert_true(i < NELEM(s->seq));
	s->seq[i] = ev->seq;
	s->rid[i] = ev->rid;
	s->at[i] = ev->at;
	s->from[i] = ev->from;
	s->to[i] = ev->to;
	s->cause[i] = ev->cause;
	snprintf(s->name[i], sizeof s->name[i], "%s", ev->name);
	s->due_at[i] = ev->due_at;
	s->late_ms[i] = ev->late_ms;
	s->has_detail[i] = ev->detail != NULL;
	snprintf(s->detail[i], sizeof s->detail[i], "%s", ev->detail ? ev->detail : "");
	snprintf(s->protocol[i], sizeof s->protocol[i], "%s", protocol);
}

static void
history_add__assigns_increasing_seqs(void **state)
{
	struct storefx *fx = *state;
	struct protocol a = storefx_mkp("A", "S", PROTO_PENDING, FX_CLOCK_RESPONSE, 700);
	int64_t last = 0, seq;

	storefx_open_rw(fx);
	assert_int_equal(history_last_seq(fx->c, &seq), 0);
	assert_int_equal(seq, 0);
	storefx_insert(fx->c, &a);
	for (int i = 0; i < 10; i++) {
		seq = storefx_event(fx->c, a.rid, PROTO_PENDING, PROTO_PENDING,
		    PROTO_CAUSE_WARNING, "response", i, 0, NULL);
		if (seq <= last)
			fail_msg("event %d got seq %lld after %lld", i, (long long)seq,
			    (long long)last);
		last = seq;
	}
	assert_int_equal(history_last_seq(fx->c, &seq), 0);
	assert_int_equal(seq, last);
}

static void
history_of__returns_one_protocol_s_entries_oldest_first_with_every_field(
    void **state)
{
	struct storefx *fx = *state;
	struct protocol a = storefx_mkp("A", "S", PROTO_PENDING, FX_CLOCK_RESPONSE, 700);
	struct protocol b = storefx_mkp("B", "S", PROTO_PENDING, FX_CLOCK_RESPONSE, 800);
	struct seen s = { 0 };
	int64_t a1, a2, a3;

	storefx_open_rw(fx);
	storefx_insert(fx->c, &a);
	storefx_insert(fx->c, &b);
	a1 = storefx_event(fx->c, a.rid, -1, PROTO_PENDING, PROTO_CAUSE_CREATE, "create", 100,
	    0, "{\"critical\":false}");
	storefx_event(fx->c, b.rid, -1, PROTO_PENDING, PROTO_CAUSE_CREATE, "create", 110, 0,
	    NULL);
	a2 = storefx_event(fx->c, a.rid, PROTO_PENDING, PROTO_AWAITING, PROTO_CAUSE_ACTION,
	    "request_photos", 200, 0, NULL);
	storefx_event(fx->c, b.rid, PROTO_PENDING, PROTO_MEDIATION, PROTO_CAUSE_EXPIRY,
	    "response", 900, 800, NULL);
	a3 = storefx_event(fx->c, a.rid, PROTO_AWAITING, PROTO_PENDING, PROTO_CAUSE_EXPIRY,
	    "photos_wait", 5000, 4000, NULL);

	assert_int_equal(history_of(fx->c, a.rid, 0, 1000, collect, &s), 3);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.seq[0], a1);
	assert_int_equal(s.seq[1], a2);
	assert_int_equal(s.seq[2], a3);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(s.rid[i], a.rid);
		assert_string_equal(s.protocol[i], "A");
	}
	assert_int_equal(s.from[0], -1);
	assert_int_equal(s.to[0], PROTO_PENDING);
	assert_int_equal(s.cause[0], PROTO_CAUSE_CREATE);
	assert_string_equal(s.name[0], "create");
	assert_int_equal(s.at[0], 100);
	assert_int_equal(s.due_at[0], 0);
	assert_true(s.has_detail[0]);
	assert_string_equal(s.detail[0], "{\"critical\":false}");

	assert_int_equal(s.from[1], PROTO_PENDING);
	assert_int_equal(s.to[1], PROTO_AWAITING);
	assert_int_equal(s.cause[1], PROTO_CAUSE_ACTION);
	assert_string_equal(s.name[1], "request_photos");
	assert_false(s.has_detail[1]);

	assert_int_equal(s.cause[2], PROTO_CAUSE_EXPIRY);
	assert_int_equal(s.due_at[2], 4000);
	assert_int_equal(s.late_ms[2], 1000);
	assert_int_equal(s.at[2], 5000);

	/* A protocol without history. */
	{
		struct protocol c = storefx_mkp("C", "S", PROTO_RESOLVED, PROTO_CLOCK_NONE, 0);

		storefx_insert(fx->c, &c);
		assert_int_equal(storefx_history_count(fx->c, c.rid), 0);
	}
}

static void
history_feed__pages_without_skipping_or_repeating(void **state)
{
	struct storefx *fx = *state;
	struct protocol p[3] = {
		storefx_mkp("A", "S", PROTO_PENDING, FX_CLOCK_RESPONSE, 700),
		storefx_mkp("B", "S", PROTO_PENDING, FX_CLOCK_RESPONSE, 700),
		storefx_mkp("C", "T", PROTO_PENDING, FX_CLOCK_RESPONSE, 700),
	};
	int64_t added[23];
	struct seen all = { 0 };
	int64_t after = 0;
	int pages = 0;

	storefx_open_rw(fx);
	for (size_t i = 0; i < NELEM(p); i++)
		storefx_insert(fx->c, &p[i]);
	for (size_t i = 0; i < NELEM(added); i++)
		added[i] = storefx_event(fx->c, p[i % 3].rid, -1, PROTO_PENDING,
		    PROTO_CAUSE_CREATE, "create", (int64_t)i, 0, NULL);

	for (;;) {
		struct seen page = { 0 };
		int n = history_feed(fx->c, after, 4, collect, &page);

		assert_true(n >= 0);
		assert_true(n <= 4);
		if (n == 0)
			break;
		pages++;
		for (int i = 0; i < n; i++) {
			size_t k = all.n++;

			all.seq[k] = page.seq[i];
			snprintf(all.protocol[k], sizeof all.protocol[k], "%s",
			    page.protocol[i]);
		}
		after = page.seq[n - 1];
	}
	assert_int_equal(pages, 6);
	assert_int_equal(all.n, NELEM(added));
	for (size_t i = 0; i < NELEM(added); i++) {
		if (all.seq[i] != added[i])
			fail_msg("feed item %zu has seq %lld, expected %lld", i,
			    (long long)all.seq[i], (long long)added[i]);
		assert_string_equal(all.protocol[i], p[i % 3].id);
	}
	/* Nothing after the last one; a later add shows up after it. */
	{
		struct seen s = { 0 };
		int64_t seq;

		assert_int_equal(history_feed(fx->c, added[NELEM(added) - 1], 100, collect, &s),
		    0);
		seq = storefx_event(fx->c, p[0].rid, PROTO_PENDING, PROTO_PENDING,
		    PROTO_CAUSE_WARNING, "response", 99, 0, NULL);
		assert_int_equal(history_feed(fx->c, added[NELEM(added) - 1], 100, collect, &s),
		    1);
		assert_int_equal(s.seq[0], seq);
	}
	/* From the middle. */
	{
		struct seen s = { 0 };

		assert_int_equal(history_feed(fx->c, added[9], 3, collect, &s), 3);
		assert_int_equal(s.seq[0], added[10]);
		assert_int_equal(s.seq[2], added[12]);
	}
}

#define T(name) cmocka_unit_test_setup_teardown(name, storefx_setup, storefx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(history_add__assigns_increasing_seqs),
		T(history_of__returns_one_protocol_s_entries_oldest_first_with_every_field),
		T(history_feed__pages_without_skipping_or_repeating),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
