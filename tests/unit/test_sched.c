#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal.h"
#include "clock.h"
#include "config.h"
#include "engine.h"
#include "fakestore.h"
#include "metrics.h"
#include "rulebook.h"
#include "sched.h"
#include "store.h"
#include "tmpdir.h"
#include "turn.h"
#include "tz.h"

/*
 * The scheduler against the fake store, on a real event loop and a test clock: the
 * loop is run without blocking (EVLOOP_NONBLOCK runs what is due now, timers of 0 ms
 * included), and the test clock is moved instead of waiting for a deadline. The
 * protocols are pending ones whose response clock (no warning) is due at a given
 * instant: its expiry sends them to mediation.
 */

#define H (3600 * 1000LL)
#define T0 1772463600000LL	/* 2026-03-02T12:00:00-03:00 */

struct fx {
	char dir[256];
	struct event_base *base;
	struct fakestore *fs;
	struct store *st;
	struct metrics *m;
	struct clock *clock;
	struct config *cfg;
	struct cal *cal;
	struct turn *t;
	struct engine *e;
	struct sched *s;
	int told;		/* durable commits told */
	int idle;		/* sched_when_idle's calls */
	int64_t fired_when_idle;
};

/* What the daemon's told does for the scheduler: wake it after each durable commit. */
static void
on_told(void *arg, const struct turn_line *lines, size_t n)
{
	struct fx *fx = arg;

	fx->told++;
	if (fx->s != NULL)
		sched_kick(fx->s);
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof *fx);
	char path[300], *errors = NULL, *cause = NULL;
	FILE *f;

	if (fx == NULL || tmpdir_make(fx->dir, sizeof fx->dir, "test_sched") != 0)
		return -1;
	snprintf(path, sizeof path, "%s/protocold.ini", fx->dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fclose(f);
	if ((fx->cfg = config_load(path, &errors)) == NULL ||
	    tz_set(fx->cfg->timezone, &cause) != 0) {
		print_error("setup: %s%s\n", errors ? errors : "", cause ? cause : "");
		return -1;
	}
	fx->base = event_base_new();
	fx->fs = fakestore_new();
	fx->st = fakestore_store(fx->fs);
	fx->m = metrics_new();
	fx->clock = clock_new(true, T0);
	fx->cal = cal_new(CAL_BR_NATIONAL, NULL, 0);
	fx->t = turn_new(fx->base, fx->st, fx->m, on_told, fx);
	fx->e = engine_new(fx->st, fx->t, fx->clock, fx->m);
	engine_configure(fx->e, fx->cfg, fx->cal);
	fx->s = sched_new(fx->base, fx->st, fx->e, fx->t, fx->clock);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(fakestore_violations(fx->fs), 0);
	/* The turn first: its waiters tell the scheduler. */
	turn_drain(fx->t);
	sched_free(fx->s);
	fx->s = NULL;
	engine_free(fx->e);
	turn_free(fx->t);
	fakestore_free(fx->fs);
	cal_free(fx->cal);
	clock_free(fx->clock);
	metrics_free(fx->m);
	config_free(fx->cfg);
	event_base_free(fx->base);
	tmpdir_remove(fx->dir);
	free(fx);
	return 0;
}

/* A pending protocol whose response clock is due at due. */
static void
put_due(struct fx *fx, const char *id, int64_t due)
{
	struct protocol p = { .state = PROTO_PENDING, .clock = RULEBOOK_KIND_RESPONSE,
	    .clock_start = due - 48 * H, .clock_due = due, .clock_next = due,
	    .version = 1, .origin = PROTO_CUSTOMER };

	snprintf(p.id, sizeof p.id, "%s", id);
	snprintf(p.seller, sizeof p.seller, "S1");
	snprintf(p.marketplace, sizeof p.marketplace, "casas-bahia");
	fakestore_put(fx->fs, &p);
}

static void
put_many(struct fx *fx, int n, int64_t due)
{
	char id[16];

	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof id, "P%d", i);
		put_due(fx, id, due);
	}
}

/* Run what the loop has to run now, without waiting. */
static void
run(struct fx *fx)
{
	assert_in_range(event_base_loop(fx->base, EVLOOP_NONBLOCK), 0, 1);
}

static enum proto_state
state_of(struct fx *fx, const char *id)
{
	struct protocol p;

	assert_true(fakestore_get(fx->fs, id, true, &p));
	return p.state;
}

static void
on_idle(void *arg)
{
	struct fx *fx = arg;

	fx->idle++;
	fx->fired_when_idle = sched_fired_count(fx->s);
}

static void
sched__a_head_in_the_future__fires_at_its_instant_not_before(void **state)
{
	struct fx *fx = *state;

	put_due(fx, "A", T0 + H);
	sched_kick(fx->s);
	run(fx);
	assert_int_equal(state_of(fx, "A"), PROTO_PENDING);
	clock_test_set(fx->clock, T0 + H - 1);
	sched_kick(fx->s);
	run(fx);
	assert_int_equal(state_of(fx, "A"), PROTO_PENDING);
	/* The instant: the kick a clock change gives arms a timer of 0 ms. */
	clock_test_set(fx->clock, T0 + H);
	sched_kick(fx->s);
	run(fx);
	assert_int_equal(state_of(fx, "A"), PROTO_MEDIATION);
	assert_int_equal(sched_fired_count(fx->s), 1);
	assert_int_equal(fakestore_commits(fx->fs), 1);
}

static void
sched__due_at_start__applied_in_one_batch_and_counted_once_durable(void **state)
{
	struct fx *fx = *state;

	put_many(fx, 10, T0 - 1);
	put_due(fx, "later", T0 + H);
	fakestore_hold_durable(fx->fs, true);
	sched_kick(fx->s);
	run(fx);
	/* Written, not durable: not counted yet. */
	assert_int_equal(fakestore_commits(fx->fs), 1);
	assert_int_equal(sched_fired_count(fx->s), 0);
	assert_true(fakestore_sync(fx->fs));
	assert_int_equal(sched_fired_count(fx->s), 10);
	assert_int_equal(state_of(fx, "P9"), PROTO_MEDIATION);
	assert_int_equal(state_of(fx, "later"), PROTO_PENDING);
}

static void
sched_when_idle__nothing_due__runs_at_once(void **state)
{
	struct fx *fx = *state;

	put_due(fx, "A", T0 + H);
	sched_when_idle(fx->s, on_idle, fx);
	assert_int_equal(fx->idle, 1);
}

static void
sched_when_idle__something_due__runs_once_it_is_applied(void **state)
{
	struct fx *fx = *state;

	put_many(fx, 3, T0 - 1);
	sched_when_idle(fx->s, on_idle, fx);
	assert_int_equal(fx->idle, 0);
	run(fx);
	assert_int_equal(fx->idle, 1);
	assert_int_equal(state_of(fx, "P2"), PROTO_MEDIATION);
}

/* More than a batch is due: the batches share one transaction (the catch-up's hold),
 * with the loop free between them. */
static void
sched__a_catch_up__batches_held_into_one_commit(void **state)
{
	struct fx *fx = *state;

	int64_t t0, took;

	put_many(fx, SCHED_BATCH + 10, T0 - 1);
	t0 = clock_mono_us();
	sched_kick(fx->s);
	run(fx);
	took = clock_mono_us() - t0;
	assert_int_equal(sched_fired_count(fx->s), SCHED_BATCH + 10);
	/* One commit; a hold ends after SCHED_HOLD_US of real time, so on a machine slow
	 * enough (a sanitizer build under load) that the batches took longer, one more
	 * commit per hold that ran out, never one per batch. */
	assert_in_range(fakestore_commits(fx->fs), 1, 1 + took / SCHED_HOLD_US);
	assert_int_equal(state_of(fx, "P0"), PROTO_MEDIATION);
	assert_false(store_in_txn(fx->st));
}

/* While a commit is in flight (its durability pending), what falls due joins the
 * open transaction at its instant, batch after batch, committed once the last commit
 * is durable. */
static void
sched__due_while_a_commit_is_in_flight__joins_the_open_transaction(void **state)
{
	struct fx *fx = *state;
	struct protocol c;

	put_due(fx, "A", T0 - 1);
	put_due(fx, "B", T0 + H);
	put_due(fx, "C", T0 + H + 1);
	fakestore_hold_durable(fx->fs, true);
	sched_kick(fx->s);
	run(fx);
	assert_true(turn_in_flight(fx->t));
	clock_test_set(fx->clock, T0 + H);
	sched_kick(fx->s);
	run(fx);
	/* B is applied in the open transaction; its commit waits for A's. */
	assert_true(store_in_txn(fx->st));
	assert_int_equal(fakestore_commits(fx->fs), 1);
	assert_int_equal(state_of(fx, "B"), PROTO_PENDING);	/* not committed yet */
	/* C, a millisecond later, joins it too (the loop waits for its timer). */
	clock_test_set(fx->clock, T0 + H + 1);
	assert_in_range(event_base_loop(fx->base, EVLOOP_ONCE), 0, 1);
	assert_true(fakestore_get(fx->fs, "C", false, &c));
	assert_int_equal(c.state, PROTO_MEDIATION);
	assert_int_equal(fakestore_commits(fx->fs), 1);
	assert_true(fakestore_sync(fx->fs));
	assert_int_equal(sched_fired_count(fx->s), 1);
	run(fx);
	assert_int_equal(fakestore_commits(fx->fs), 2);
	assert_true(fakestore_sync(fx->fs));
	assert_int_equal(sched_fired_count(fx->s), 3);
	assert_int_equal(state_of(fx, "C"), PROTO_MEDIATION);
}

/* A store that fails (a full disk): nothing applied, nothing counted, and the
 * scheduler tries again a second later (the one real wait of these tests). */
static void
sched__the_store_fails__retries_a_second_later(void **state)
{
	struct fx *fx = *state;

	put_due(fx, "A", T0 - 1);
	fakestore_fail(fx->fs, FAKESTORE_SAVE, 1);
	sched_kick(fx->s);
	run(fx);
	assert_int_equal(state_of(fx, "A"), PROTO_PENDING);
	assert_int_equal(fakestore_rollbacks(fx->fs), 1);
	assert_int_equal(sched_fired_count(fx->s), 0);
	assert_in_range(event_base_loop(fx->base, EVLOOP_ONCE), 0, 1);
	run(fx);
	assert_int_equal(state_of(fx, "A"), PROTO_MEDIATION);
	assert_int_equal(sched_fired_count(fx->s), 1);
}

static void
sched__the_head_cannot_be_read__retries_a_second_later(void **state)
{
	struct fx *fx = *state;

	put_due(fx, "A", T0 - 1);
	fakestore_fail(fx->fs, FAKESTORE_HEAD, 1);
	sched_kick(fx->s);
	run(fx);
	assert_int_equal(state_of(fx, "A"), PROTO_PENDING);
	assert_in_range(event_base_loop(fx->base, EVLOOP_ONCE), 0, 1);
	run(fx);
	assert_int_equal(state_of(fx, "A"), PROTO_MEDIATION);
}

/* A store that answers later (client-server): the same, over more turns. */
static void
sched__deferred_store__applies_and_counts_the_same(void **state)
{
	struct fx *fx = *state;

	put_many(fx, 5, T0 - 1);
	put_due(fx, "later", T0 + H);
	fakestore_defer(fx->fs, true);
	sched_when_idle(fx->s, on_idle, fx);
	for (int i = 0; i < 32 && (fakestore_queued(fx->fs) > 0 || fx->idle == 0); i++) {
		fakestore_flush(fx->fs);
		run(fx);
	}
	assert_int_equal(fx->idle, 1);
	assert_int_equal(sched_fired_count(fx->s), 5);
	assert_int_equal(state_of(fx, "P4"), PROTO_MEDIATION);
	assert_int_equal(state_of(fx, "later"), PROTO_PENDING);
}

/* The backlog gauge: 0 while everything due is applied; the store failing, it grows
 * with the clock from the oldest due instant, and is 0 again once applied. */
static void
sched_oldest_due__the_store_fails__grows_until_applied(void **state)
{
	struct fx *fx = *state;

	put_due(fx, "A", T0 + H);
	sched_kick(fx->s);
	run(fx);
	assert_int_equal(sched_oldest_due(fx->s, clock_now(fx->clock)), 0);
	clock_test_set(fx->clock, T0 + 2 * H);
	fakestore_fail(fx->fs, FAKESTORE_SAVE, -1);
	sched_kick(fx->s);
	run(fx);
	assert_int_equal(state_of(fx, "A"), PROTO_PENDING);
	assert_int_equal(sched_oldest_due(fx->s, clock_now(fx->clock)), H);
	clock_test_set(fx->clock, T0 + 3 * H);
	assert_int_equal(sched_oldest_due(fx->s, clock_now(fx->clock)), 2 * H);
	fakestore_fail(fx->fs, FAKESTORE_SAVE, 0);
	assert_in_range(event_base_loop(fx->base, EVLOOP_ONCE), 0, 1);
	run(fx);
	assert_int_equal(state_of(fx, "A"), PROTO_MEDIATION);
	assert_int_equal(sched_oldest_due(fx->s, clock_now(fx->clock)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(sched__a_head_in_the_future__fires_at_its_instant_not_before),
		T(sched__due_at_start__applied_in_one_batch_and_counted_once_durable),
		T(sched_when_idle__nothing_due__runs_at_once),
		T(sched_when_idle__something_due__runs_once_it_is_applied),
		T(sched__a_catch_up__batches_held_into_one_commit),
		T(sched__due_while_a_commit_is_in_flight__joins_the_open_transaction),
		T(sched__the_store_fails__retries_a_second_later),
		T(sched__the_head_cannot_be_read__retries_a_second_later),
		T(sched__deferred_store__applies_and_counts_the_same),
		T(sched_oldest_due__the_store_fails__grows_until_applied),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
