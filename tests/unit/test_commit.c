#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "commit.h"
#include "durable.h"
#include "sellers.h"
#include "snapshot.h"
#include "sqlite.h"
#include "tmpdir.h"

/*
 * Group commit and its hold: a turn's changes are committed at the end of the turn
 * and only then are their waiters told; a hold keeps one transaction open over the
 * turns that renew it, until a turn does not, it is spoiled, or its deadline passes.
 * What a reader sees tells what was committed. In durable mode the WAL's fsync runs
 * in durable.c's thread: the waiters, the hooks and the readers wait for it, and what
 * is written meanwhile is committed once it is over.
 */

struct waiter {
	int calls;
	bool ok;
	int order;	/* when it was told, counting every waiter */
};

struct fx {
	char dir[256], path[300];
	struct event_base *base;
	struct store *st, *rd;
	/* The durable tests' waiters: a failed test's teardown may still tell them. */
	struct waiter w[4];
};

static int told;
static bool exit_if_told;	/* in a child that must stop before telling */

static void
on_commit(void *arg, bool ok)
{
	struct waiter *w = arg;

	if (exit_if_told)
		_exit(3);
	w->calls++;
	w->ok = ok;
	w->order = ++told;
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

/* The daemon's durable mode: the syncer thread, the writer at NORMAL, the readers'
 * snapshot kept on what is synced. */
static int
setup_durable(void **state)
{
	struct fx *fx;
	char *cause = NULL;

	if (setup(state) != 0)
		return -1;
	fx = *state;
	if (durable_start(fx->base, fx->path, commit_synced, &cause) != 0 ||
	    store_set_sync(fx->st, false) != 0) {
		print_error("setup: %s\n", cause ? cause : store_error(fx->st));
		return -1;
	}
	snapshot_init(fx->base, fx->rd);
	commit_add_hook(snapshot_release);
	commit_add_pre_hook(snapshot_block, snapshot_unblock);
	commit_durable();
	return 0;
}

static int
teardown_durable(void **state)
{
	commit_shutdown();
	durable_stop();
	snapshot_shutdown();
	commit_init(((struct fx *)*state)->base, ((struct fx *)*state)->st);
	return teardown(state);
}

/* Run the loop until w has been told (the syncer's answer arrives through a pipe).
 * The durable tests commit with commit_flush, not by running the loop: a loop run
 * could read the answer of a fast sync already, and the tests would race with it. */
static void
until_told(struct fx *fx, struct waiter *w)
{
	for (int i = 0; i < 1000 && w->calls == 0; i++)
		assert_in_range(event_base_loop(fx->base, EVLOOP_ONCE), 0, 1);
	assert_int_equal(w->calls, 1);
}

static void
durable__a_commit__told_and_seen_once_synced(void **state)
{
	struct fx *fx = *state;
	struct waiter *w = &fx->w[0];
	struct waiter *written = &fx->w[1];

	write_seller(fx, "S1", w);
	commit_after_write(on_commit, written);
	assert_int_equal(commit_flush(), 0);
	/* Written (the scheduler may go on) but not synced: nobody else knows. */
	assert_int_equal(written->calls, 1);
	assert_true(written->ok);
	assert_false(store_in_txn(fx->st));
	assert_int_equal(w->calls, 0);
	/* No snapshot may begin: a read now would see S1. */
	assert_false(snapshot_hold());
	until_told(fx, w);
	assert_true(w->ok);
	assert_true(snapshot_hold());
	assert_true(committed(fx, "S1"));
}

static void
durable__a_snapshot_from_before_the_commit__keeps_serving_it(void **state)
{
	struct fx *fx = *state;
	struct waiter *w = &fx->w[0];

	write_seller(fx, "S1", w);
	/* A read of this turn began (SQLite would take its snapshot at its first read). */
	assert_true(snapshot_hold());
	assert_int_equal(commit_flush(), 0);
	assert_false(store_in_txn(fx->st));
	assert_true(snapshot_hold());
	assert_false(committed(fx, "S1"));
	until_told(fx, w);
	assert_true(snapshot_hold());
	assert_true(committed(fx, "S1"));
}

static void
durable__written_during_a_sync__committed_after_it(void **state)
{
	struct fx *fx = *state;
	struct waiter *w1 = &fx->w[0];
	struct waiter *w2 = &fx->w[1];
	struct waiter *idle = &fx->w[2];
	long long ok0, ok1, failed;

	commit_counts(&ok0, &failed);
	write_seller(fx, "S1", w1);
	assert_int_equal(commit_flush(), 0);
	/* S1's sync is in flight (its answer not yet read by the loop): S2 waits in the
	 * open transaction, and a turn with no change waits for the sync too. */
	write_seller(fx, "S2", w2);
	assert_int_equal(commit_flush(), 0);
	assert_true(store_in_txn(fx->st));
	commit_after(on_commit, idle);
	until_told(fx, w2);
	assert_int_equal(idle->calls, 1);
	assert_true(w1->ok && w2->ok && idle->ok);
	assert_true(w1->order < w2->order);
	assert_true(committed(fx, "S1") && committed(fx, "S2"));
	commit_counts(&ok1, &failed);
	assert_int_equal(ok1 - ok0, 2);
}

static void
durable__spoiled_during_a_sync__rolled_back_alone(void **state)
{
	struct fx *fx = *state;
	struct waiter *w1 = &fx->w[0];
	struct waiter *w2 = &fx->w[1];

	write_seller(fx, "S1", w1);
	assert_int_equal(commit_flush(), 0);
	write_seller(fx, "S2", w2);
	commit_spoil();
	assert_int_equal(commit_flush(), -1);
	assert_int_equal(w2->calls, 1);
	assert_false(w2->ok);
	until_told(fx, w1);
	assert_true(w1->ok);
	assert_true(committed(fx, "S1"));
	assert_false(committed(fx, "S2"));
}

/* What gathers things to tell over several turns (the engine's log lines, the
 * import's counts) tells the transactions apart by commit_seq: the one whose sync is
 * in flight, and the open one that fills meanwhile, which may yet fail. */
static void
durable__commit_seq__tells_the_syncing_transaction_from_the_open_one(void **state)
{
	struct fx *fx = *state;
	struct waiter *w1 = &fx->w[0];
	struct waiter *w2 = &fx->w[1];
	struct waiter *w3 = &fx->w[2];
	uint64_t s0 = commit_seq();

	write_seller(fx, "S1", w1);
	commit_hold(10 * 1000000);
	end_turn(fx);
	/* Held into the next turn: still the same transaction. */
	assert_true(store_in_txn(fx->st));
	assert_true(commit_seq() == s0);
	assert_int_equal(commit_flush(), 0);
	assert_true(commit_seq() == s0 + 1);
	/* S2 joins the next transaction; its commit waits for S1's sync. */
	write_seller(fx, "S2", w2);
	assert_int_equal(commit_flush(), 0);
	assert_true(commit_seq() == s0 + 1);
	commit_spoil();
	assert_int_equal(commit_flush(), -1);
	assert_true(commit_seq() == s0 + 2);
	write_seller(fx, "S3", w3);
	assert_true(commit_seq() == s0 + 2);
	until_told(fx, w3);
	assert_true(commit_seq() == s0 + 3);
	assert_true(w1->ok && !w2->ok && w3->ok);
}

static void
durable__shutdown__syncs_what_is_pending(void **state)
{
	struct fx *fx = *state;
	struct waiter *w1 = &fx->w[0];
	struct waiter *w2 = &fx->w[1];

	write_seller(fx, "S1", w1);
	assert_int_equal(commit_flush(), 0);
	write_seller(fx, "S2", w2);
	commit_shutdown();
	assert_int_equal(w1->calls + w2->calls, 2);
	assert_true(w1->ok && w2->ok);
	assert_false(store_in_txn(fx->st));
	assert_true(committed(fx, "S1") && committed(fx, "S2"));
}

static void
durable__a_failed_sync__stops_the_process_untold(void **state)
{
	struct fx *fx = *state;
	struct waiter *w = &fx->w[0];
	int status;
	pid_t pid;

	write_seller(fx, "S1", w);
	assert_int_equal(commit_flush(), 0);
	assert_int_equal(durable_wait(), 0);
	/* What the loop does when the syncer reports EIO, in a child: it must exit (1)
	 * before telling the waiter anything (3). */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fclose(stderr);
		exit_if_told = true;
		commit_synced(EIO);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
	commit_synced(0);
	assert_int_equal(w->calls, 1);
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
#define D(f) cmocka_unit_test_setup_teardown(f, setup_durable, teardown_durable)
		D(durable__a_commit__told_and_seen_once_synced),
		D(durable__a_snapshot_from_before_the_commit__keeps_serving_it),
		D(durable__written_during_a_sync__committed_after_it),
		D(durable__spoiled_during_a_sync__rolled_back_alone),
		D(durable__commit_seq__tells_the_syncing_transaction_from_the_open_one),
		D(durable__shutdown__syncs_what_is_pending),
		D(durable__a_failed_sync__stops_the_process_untold),
#undef D
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
