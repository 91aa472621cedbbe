#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>

#include "conn.h"
#include "proto.h"
#include "sellers.h"
#include "storefx.h"

/*
 * Sellers on a temporary database (storefx): the Envvias flag, and the counts per state
 * with the mediations since an instant.
 */

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void
sellers_put_get__upserts_envvias(void **state)
{
	struct storefx *fx = *state;
	bool envvias = true;

	storefx_open_rw(fx);
	assert_int_equal(sellers_get(fx->c, "S-1", &envvias), 0);
	assert_false(envvias);
	assert_int_equal(sellers_put(fx->c, "S-1", true), 0);
	assert_int_equal(sellers_get(fx->c, "S-1", &envvias), 1);
	assert_true(envvias);
	assert_int_equal(sellers_put(fx->c, "S-1", false), 0);
	envvias = true;
	assert_int_equal(sellers_get(fx->c, "S-1", &envvias), 1);
	assert_false(envvias);
	assert_int_equal(sellers_get(fx->c, "s-1", &envvias), 0);
}

static void
sellers_counts__count_states_and_mediations_since_an_instant(void **state)
{
	struct storefx *fx = *state;
	static const struct {
		const char *id;
		const char *seller;
		enum proto_state s;
	} rows[] = {
		{ "P1", "S", PROTO_PENDING }, { "P2", "S", PROTO_PENDING },
		{ "P3", "S", PROTO_AWAITING }, { "P4", "S", PROTO_MEDIATION },
		{ "P5", "S", PROTO_MEDIATION }, { "P6", "S", PROTO_MEDIATION },
		{ "P7", "S", PROTO_RESOLVED }, { "Q1", "T", PROTO_PENDING },
		{ "Q2", "T", PROTO_MEDIATION },
	};
	struct protocol p[NELEM(rows)];
	int64_t counts[PROTO_N_STATES], med = -1;
	const int64_t since = 1000000;

	storefx_open_rw(fx);
	for (size_t i = 0; i < NELEM(rows); i++) {
		p[i] = storefx_mkp(rows[i].id, rows[i].seller, rows[i].s, PROTO_CLOCK_NONE, 0);
		storefx_insert(fx->c, &p[i]);
	}
	/* P4: expired long ago but applied after `since` (downtime): its due instant
	 * counts. P5: exactly at since. P6: applied live after since, no due recorded. */
	storefx_event(fx->c, p[3].rid, PROTO_PENDING, PROTO_MEDIATION, PROTO_CAUSE_EXPIRY,
	    "response", since + 10, since - 1, NULL);
	storefx_event(fx->c, p[4].rid, PROTO_PENDING, PROTO_MEDIATION, PROTO_CAUSE_EXPIRY,
	    "response", since + 5, since, NULL);
	storefx_event(fx->c, p[5].rid, PROTO_PENDING, PROTO_MEDIATION, PROTO_CAUSE_EXPIRY,
	    "response", since + 1, 0, NULL);
	/* Not mediations: another seller's, an event to resolved, a create. */
	storefx_event(fx->c, p[8].rid, PROTO_PENDING, PROTO_MEDIATION, PROTO_CAUSE_EXPIRY,
	    "response", since + 1, since + 1, NULL);
	storefx_event(fx->c, p[6].rid, PROTO_MEDIATION, PROTO_RESOLVED, PROTO_CAUSE_EVENT,
	    "mediation_resolved", since + 2, 0, NULL);
	storefx_event(fx->c, p[0].rid, -1, PROTO_PENDING, PROTO_CAUSE_CREATE, "create",
	    since + 3, 0, NULL);

	assert_int_equal(sellers_counts(fx->c, "S", since, counts, &med), 0);
	assert_int_equal(counts[PROTO_PENDING], 2);
	assert_int_equal(counts[PROTO_AWAITING], 1);
	assert_int_equal(counts[PROTO_CLOSED], 0);
	assert_int_equal(counts[PROTO_UNRESOLVED], 0);
	assert_int_equal(counts[PROTO_MEDIATION], 3);
	assert_int_equal(counts[PROTO_RESOLVED], 1);
	assert_int_equal(med, 2);

	assert_int_equal(sellers_counts(fx->c, "S", 0, counts, &med), 0);
	assert_int_equal(med, 3);
	assert_int_equal(sellers_counts(fx->c, "S", since + 2, counts, &med), 0);
	assert_int_equal(med, 0);

	assert_int_equal(sellers_counts(fx->c, "T", since, counts, &med), 0);
	assert_int_equal(counts[PROTO_PENDING], 1);
	assert_int_equal(counts[PROTO_MEDIATION], 1);
	assert_int_equal(med, 1);

	assert_int_equal(sellers_counts(fx->c, "nobody", 0, counts, &med), 0);
	for (int i = 0; i < PROTO_N_STATES; i++)
		assert_int_equal(counts[i], 0);
	assert_int_equal(med, 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, storefx_setup, storefx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(sellers_put_get__upserts_envvias),
		T(sellers_counts__count_states_and_mediations_since_an_instant),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
