#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "commit.h"
#include "sellers.h"
#include "store.h"
#include "tmpdir.h"

/*
 * Group commit and its hold: a turn's changes are committed at the end of the turn
 * and only then are their waiters told; a hold keeps one transaction open over the
 * turns that renew it, until a turn does not, it is spoiled, or its deadline passes.
 * What a reader sees tells what was committed.
 */

struct fx {
	char dir[256], path[300];
	struct event_base *base;
	struct store *st, *rd;
};

struct waiter {
	int calls;
	bool ok;
};

static void
on_commit(void *arg, bool ok)
{
	struct waiter *w = arg;

	w->calls++;
	w->ok = ok;
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof *fx);
	char *cause = NULL;

	if (fx == NULL || tmpdir_make(fx->dir, sizeof fx->dir, "test_commit") != 0) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof fx->path, "%s/protocold.db", fx->dir);
	clock_init(false, 0);
	fx->base = event_base_new();
	fx->st = store_open(fx->path, false, true, &cause);
	fx->rd = fx->st ? store_open(fx->path, true, true, &cause) : NULL;
	if (fx->base == NULL || fx->rd == NULL) {
		print_error("setup: %s\n", cause ? cause : "event_base_new failed");
		return -1;
	}
	commit_init(fx->base, fx->st);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	commit_shutdown();
	store_close(fx->rd);
	store_close(fx->st);
	event_base_free(fx->base);
	tmpdir_remove(fx->dir);
	free(fx);
	return 0;
}

/* One client's write in this turn: the seller id, committed later. */
static void
write_seller(struct fx *fx, const char *id, struct waiter *w)
{
	assert_int_equal(commit_open(), 0);
	assert_int_equal(sellers_put(fx->st, id, true), 0);
	commit_after(on_commit, w);
}

/* The end of the turn: what the loop runs once the turn's callbacks are done. */
static void
end_turn(struct fx *fx)
{
	/* 1: no event left once the commit ran. */
	assert_in_range(event_base_loop(fx->base, EVLOOP_NONBLOCK), 0, 1);
}

static bool
committed(struct fx *fx, const char *id)
{
	bool envvias = false;

	return sellers_get(fx->rd, id, &envvias) == 1;
}

static void
commit__a_turn__is_committed_at_its_end(void **state)
{
	struct fx *fx = *state;
	struct waiter w = { 0 };

	write_seller(fx, "S1", &w);
	assert_false(committed(fx, "S1"));
	end_turn(fx);
	assert_int_equal(w.calls, 1);
	assert_true(w.ok);
	assert_true(committed(fx, "S1"));
	assert_false(store_in_txn(fx->st));
}

static void
commit_hold__renewed__one_transaction_over_the_turns(void **state)
{
	struct fx *fx = *state;
	struct waiter w1 = { 0 }, w2 = { 0 }, w3 = { 0 };
	long long ok0, ok1, failed;

	commit_counts(&ok0, &failed);
	write_seller(fx, "S1", &w1);
	commit_hold(10 * 1000000);
	end_turn(fx);
	assert_int_equal(w1.calls, 0);
	assert_false(committed(fx, "S1"));
	assert_true(store_in_txn(fx->st));
	write_seller(fx, "S2", &w2);
	commit_hold(10 * 1000000);
	end_turn(fx);
	assert_int_equal(w1.calls + w2.calls, 0);
	/* The last turn does not renew the hold: everything commits at its end. */
	write_seller(fx, "S3", &w3);
	end_turn(fx);
	assert_int_equal(w1.calls + w2.calls + w3.calls, 3);
	assert_true(w1.ok && w2.ok && w3.ok);
	assert_true(committed(fx, "S1") && committed(fx, "S2") && committed(fx, "S3"));
	commit_counts(&ok1, &failed);
	assert_int_equal(ok1 - ok0, 1);
}

static void
commit_hold__a_turn_of_others_only__commits(void **state)
{
	struct fx *fx = *state;
	struct waiter w1 = { 0 }, w2 = { 0 };

	write_seller(fx, "S1", &w1);
	commit_hold(10 * 1000000);
	end_turn(fx);
	assert_int_equal(w1.calls, 0);
	/* Another client's write, in a turn in which the holder did nothing. */
	write_seller(fx, "S2", &w2);
	end_turn(fx);
	assert_int_equal(w1.calls + w2.calls, 2);
	assert_true(committed(fx, "S1") && committed(fx, "S2"));
}

static void
commit_hold__spoiled__rolls_back_all_it_held(void **state)
{
	struct fx *fx = *state;
	struct waiter w1 = { 0 }, w2 = { 0 };

	write_seller(fx, "S1", &w1);
	commit_hold(10 * 1000000);
	end_turn(fx);
	write_seller(fx, "S2", &w2);
	commit_spoil();
	commit_hold(10 * 1000000);
	end_turn(fx);
	assert_int_equal(w1.calls + w2.calls, 2);
	assert_false(w1.ok || w2.ok);
	assert_false(committed(fx, "S1") || committed(fx, "S2"));
	assert_false(store_in_txn(fx->st));
}

static void
commit_hold__deadline__commits_by_its_timer(void **state)
{
	struct fx *fx = *state;
	struct waiter w = { 0 };

	write_seller(fx, "S1", &w);
	commit_hold(2000);
	end_turn(fx);
	assert_int_equal(w.calls, 0);
	/* Nothing renews it: the loop waits for the hold's own timer (2 ms). */
	assert_in_range(event_base_loop(fx->base, EVLOOP_ONCE), 0, 1);
	assert_int_equal(w.calls, 1);
	assert_true(w.ok);
	assert_true(committed(fx, "S1"));
}

static void
commit_hold__outside_a_transaction__does_nothing(void **state)
{
	struct fx *fx = *state;
	struct waiter w = { 0 };

	commit_hold(10 * 1000000);
	write_seller(fx, "S1", &w);
	end_turn(fx);
	assert_int_equal(w.calls, 1);
	assert_true(committed(fx, "S1"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(commit__a_turn__is_committed_at_its_end),
		T(commit_hold__renewed__one_transaction_over_the_turns),
		T(commit_hold__a_turn_of_others_only__commits),
		T(commit_hold__spoiled__rolls_back_all_it_held),
		T(commit_hold__deadline__commits_by_its_timer),
		T(commit_hold__outside_a_transaction__does_nothing),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
