#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fakestore.h"
#include "log.h"
#include "metrics.h"
#include "store.h"
#include "turn.h"

/*
 * The write turn against the fake store: a turn's changes are committed at the end of
 * the turn and only then, once durable, are their transitions told and their waiters
 * answered; a hold keeps one transaction open over the turns that renew it, until a
 * turn does not, it is spoiled, or its deadline passes. With the durability held (as
 * SQLite's fsync in a thread) the next turns fill the next transaction, committed only
 * once the last one is durable; with every callback deferred (a client-server store)
 * the same holds.
 */

#define NIDS 4

struct waiter {
	int calls;
	bool ok;
	int order;	/* when it was told, counting waiters and told() alike */
};

struct fx {
	struct event_base *base;
	struct fakestore *fs;
	struct store *st;
	struct metrics *m;
	struct turn *t;
	int told;		/* how many times anything was told */
	int told_calls;		/* told(): how many times, the last order and lines */
	int told_order;
	size_t told_lines;
	char told_first[PROTO_ID_MAX + 1];
	struct waiter w[4];	/* waiters that a failed test's teardown may still tell */
};

static struct fx *fx_cur;	/* for on_turn's order: the fixture of the test */

static void
on_told_waiter(void *arg, bool ok)
{
	struct waiter *w = arg;

	w->calls++;
	w->ok = ok;
	w->order = ++fx_cur->told;
}

static void
on_told(void *arg, const struct turn_line *lines, size_t n)
{
	struct fx *fx = arg;

	fx->told_calls++;
	fx->told_order = ++fx->told;
	fx->told_lines += n;
	if (n > 0 && fx->told_first[0] == '\0')
		snprintf(fx->told_first, sizeof fx->told_first, "%s", lines[0].id);
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof *fx);
	char id[16];

	if (fx == NULL || (fx->base = event_base_new()) == NULL)
		return -1;
	fx->fs = fakestore_new();
	fx->st = fakestore_store(fx->fs);
	fx->m = metrics_new();
	fx->t = turn_new(fx->base, fx->st, fx->m, on_told, fx);
	for (int i = 1; i <= NIDS; i++) {
		struct protocol p = { .state = PROTO_PENDING, .version = 1 };

		snprintf(id, sizeof id, "S%d", i);
		snprintf(p.id, sizeof p.id, "%s", id);
		fakestore_put(fx->fs, &p);
	}
	fx_cur = fx;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(fakestore_violations(fx->fs), 0);
	turn_free(fx->t);
	fakestore_free(fx->fs);
	metrics_free(fx->m);
	event_base_free(fx->base);
	free(fx);
	return 0;
}

/* One client's change in this turn: protocol id one version up, and its log line,
 * told to w once durable. */
static void
write_one(struct fx *fx, const char *id, struct waiter *w)
{
	struct protocol p;
	struct proto_event ev = { .from = PROTO_PENDING, .to = PROTO_AWAITING,
	    .cause = PROTO_CAUSE_ACTION, .name = "request_photos" };

	assert_int_equal(turn_open(fx->t), 0);
	assert_true(fakestore_get(fx->fs, id, false, &p));
	p.version++;
	ev.rid = p.rid;
	assert_int_equal(store_save(fx->st, &p, &ev, 1, STORE_SAVE_ROW), 0);
	turn_log(fx->t, &ev, id, true);
	if (w != NULL)
		turn_after(fx->t, on_told_waiter, w);
}

/* The end of the turn: what the loop runs once the turn's callbacks are done. */
static void
end_turn(struct fx *fx)
{
	/* 1: no event left once the commit ran. */
	assert_in_range(event_base_loop(fx->base, EVLOOP_NONBLOCK), 0, 1);
}

/* The version of id as last committed (1: as put by the setup). */
static int64_t
committed(struct fx *fx, const char *id)
{
	struct protocol p;

	assert_true(fakestore_get(fx->fs, id, true, &p));
	return p.version;
}

static void
turn__a_turn__is_committed_at_its_end(void **state)
{
	struct fx *fx = *state;
	struct waiter w = { 0 };

	write_one(fx, "S1", &w);
	assert_int_equal(committed(fx, "S1"), 1);
	end_turn(fx);
	assert_int_equal(w.calls, 1);
	assert_true(w.ok);
	assert_int_equal(committed(fx, "S1"), 2);
	assert_false(store_in_txn(fx->st));
	assert_int_equal(fakestore_commits(fx->fs), 1);
}

static void
turn__changes_of_one_turn__share_one_commit(void **state)
{
	struct fx *fx = *state;
	struct waiter w1 = { 0 }, w2 = { 0 };

	write_one(fx, "S1", &w1);
	write_one(fx, "S2", &w2);
	end_turn(fx);
	assert_int_equal(fakestore_commits(fx->fs), 1);
	assert_true(w1.ok && w2.ok);
	assert_true(w1.order < w2.order);
}

/* The commit's event runs after the callbacks already queued in the turn when the
 * first change activated it: a change they make joins the same commit. */
static void
later_write(evutil_socket_t fd, short what, void *arg)
{
	struct fx *fx = arg;

	write_one(fx, "S2", &fx->w[1]);
}

static void
turn__a_callback_queued_before_the_first_change__joins_its_commit(void **state)
{
	struct fx *fx = *state;
	struct event *ev = event_new(fx->base, -1, 0, later_write, fx);

	event_active(ev, 0, 0);
	write_one(fx, "S1", &fx->w[0]);
	end_turn(fx);
	event_free(ev);
	assert_int_equal(fakestore_commits(fx->fs), 1);
	assert_int_equal(fx->w[0].calls + fx->w[1].calls, 2);
	assert_int_equal(committed(fx, "S2"), 2);
}

static void
turn__transitions__told_once_durable_before_the_waiters(void **state)
{
	struct fx *fx = *state;
	struct waiter w = { 0 };

	write_one(fx, "S3", &w);
	write_one(fx, "S4", NULL);
	end_turn(fx);
	assert_int_equal(fx->told_calls, 1);
	assert_int_equal(fx->told_lines, 2);
	assert_string_equal(fx->told_first, "S3");
	assert_true(fx->told_order < w.order);
}

static void
turn_log__debug_lines__gathered_only_when_debug_is_on(void **state)
{
	struct fx *fx = *state;
	struct proto_event ev = { .from = -1, .to = PROTO_PENDING,
	    .cause = PROTO_CAUSE_CREATE, .name = "create" };

	log_set_debug(false);
	assert_int_equal(turn_open(fx->t), 0);
	turn_log(fx->t, &ev, "S1", false);
	end_turn(fx);
	/* Told all the same (the feed and the scheduler wake up), with no line. */
	assert_int_equal(fx->told_calls, 1);
	assert_int_equal(fx->told_lines, 0);
	log_set_debug(true);
	assert_int_equal(turn_open(fx->t), 0);
	turn_log(fx->t, &ev, "S1", false);
	end_turn(fx);
	log_set_debug(false);
	assert_int_equal(fx->told_lines, 1);
}

static void
turn_hold__renewed__one_transaction_over_the_turns(void **state)
{
	struct fx *fx = *state;
	struct waiter w1 = { 0 }, w2 = { 0 }, w3 = { 0 };
	long long ok0, ok1, failed;

	turn_counts(fx->t, &ok0, &failed);
	write_one(fx, "S1", &w1);
	turn_hold(fx->t, 10 * 1000000);
	end_turn(fx);
	assert_int_equal(w1.calls, 0);
	assert_int_equal(committed(fx, "S1"), 1);
	assert_true(store_in_txn(fx->st));
	write_one(fx, "S2", &w2);
	turn_hold(fx->t, 10 * 1000000);
	end_turn(fx);
	assert_int_equal(w1.calls + w2.calls, 0);
	/* The last turn does not renew the hold: everything commits at its end. */
	write_one(fx, "S3", &w3);
	end_turn(fx);
	assert_int_equal(w1.calls + w2.calls + w3.calls, 3);
	assert_true(w1.ok && w2.ok && w3.ok);
	assert_int_equal(committed(fx, "S1") + committed(fx, "S2") + committed(fx, "S3"), 6);
	turn_counts(fx->t, &ok1, &failed);
	assert_int_equal(ok1 - ok0, 1);
}

static void
turn_hold__a_turn_of_others_only__commits(void **state)
{
	struct fx *fx = *state;
	struct waiter w1 = { 0 }, w2 = { 0 };

	write_one(fx, "S1", &w1);
	turn_hold(fx->t, 10 * 1000000);
	end_turn(fx);
	assert_int_equal(w1.calls, 0);
	/* Another client's write, in a turn in which the holder did nothing. */
	write_one(fx, "S2", &w2);
	end_turn(fx);
	assert_int_equal(w1.calls + w2.calls, 2);
	assert_int_equal(committed(fx, "S1") + committed(fx, "S2"), 4);
}

static void
turn_hold__spoiled__rolls_back_all_it_held(void **state)
{
	struct fx *fx = *state;
	struct waiter w1 = { 0 }, w2 = { 0 };

	write_one(fx, "S1", &w1);
	turn_hold(fx->t, 10 * 1000000);
	end_turn(fx);
	write_one(fx, "S2", &w2);
	turn_spoil(fx->t);
	turn_hold(fx->t, 10 * 1000000);
	end_turn(fx);
	assert_int_equal(w1.calls + w2.calls, 2);
	assert_false(w1.ok || w2.ok);
	assert_int_equal(committed(fx, "S1") + committed(fx, "S2"), 2);
	assert_false(store_in_txn(fx->st));
	/* Nothing of it is told. */
	assert_int_equal(fx->told_calls, 0);
	assert_int_equal(fakestore_rollbacks(fx->fs), 1);
}

static void
turn_hold__deadline__commits_by_its_timer(void **state)
{
	struct fx *fx = *state;
	struct waiter w = { 0 };

	write_one(fx, "S1", &w);
	turn_hold(fx->t, 2000);
	end_turn(fx);
	assert_int_equal(w.calls, 0);
	/* Nothing renews it: the loop waits for the hold's own timer (2 ms). */
	assert_in_range(event_base_loop(fx->base, EVLOOP_ONCE), 0, 1);
	assert_int_equal(w.calls, 1);
	assert_true(w.ok);
	assert_int_equal(committed(fx, "S1"), 2);
}

/* An answer owed to a change of the open transaction: neither the end of the turn nor
 * a hold's deadline commits it; its payment does, at the end of that turn. */
static void
turn_owe__an_answer_owed__the_commit_waits_for_it(void **state)
{
	struct fx *fx = *state;
	struct waiter w = { 0 };

	write_one(fx, "S1", &w);
	turn_owe(fx->t);
	turn_hold(fx->t, 1000);
	end_turn(fx);
	assert_in_range(event_base_loop(fx->base, EVLOOP_ONCE), 0, 1);
	assert_int_equal(w.calls, 0);
	assert_true(store_in_txn(fx->st));
	/* The answer's change joins the same transaction, then it is committed. */
	write_one(fx, "S2", NULL);
	turn_paid(fx->t);
	end_turn(fx);
	assert_int_equal(w.calls, 1);
	assert_true(w.ok);
	assert_int_equal(fakestore_commits(fx->fs), 1);
	assert_int_equal(committed(fx, "S1") + committed(fx, "S2"), 4);
}

/* Spoiled while an answer is owed: rolled back at once, and the payment commits
 * nothing. */
static void
turn_owe__spoiled__rolled_back_at_once(void **state)
{
	struct fx *fx = *state;
	struct waiter w = { 0 };

	write_one(fx, "S1", &w);
	turn_owe(fx->t);
	turn_spoil(fx->t);
	end_turn(fx);
	assert_int_equal(w.calls, 1);
	assert_false(w.ok);
	turn_paid(fx->t);
	end_turn(fx);
	assert_int_equal(fakestore_commits(fx->fs), 0);
	assert_int_equal(committed(fx, "S1"), 1);
}

static void
turn_hold__outside_a_transaction__does_nothing(void **state)
{
	struct fx *fx = *state;
	struct waiter w = { 0 };

	turn_hold(fx->t, 10 * 1000000);
	write_one(fx, "S1", &w);
	end_turn(fx);
	assert_int_equal(w.calls, 1);
	assert_int_equal(committed(fx, "S1"), 2);
}

static void
turn__a_failed_commit__tells_its_waiters_false_and_counts_it(void **state)
{
	struct fx *fx = *state;
	struct waiter w = { 0 }, written = { 0 };
	long long ok, failed;
	uint64_t s0 = turn_seq(fx->t);

	fakestore_fail(fx->fs, FAKESTORE_COMMIT, 1);
	write_one(fx, "S1", &w);
	turn_after_write(fx->t, on_told_waiter, &written);
	end_turn(fx);
	assert_int_equal(w.calls + written.calls, 2);
	assert_false(w.ok || written.ok);
	assert_int_equal(committed(fx, "S1"), 1);
	assert_int_equal(fx->told_calls, 0);
	turn_counts(fx->t, &ok, &failed);
	assert_int_equal(ok, 0);
	assert_int_equal(failed, 1);
	assert_true(turn_seq(fx->t) == s0 + 1);
	/* The next turn commits again. */
	write_one(fx, "S1", &fx->w[0]);
	end_turn(fx);
	assert_true(fx->w[0].ok);
	assert_int_equal(committed(fx, "S1"), 2);
}

static void
turn_open__the_store_refuses__is_minus_1_and_nothing_waits(void **state)
{
	struct fx *fx = *state;

	fakestore_fail(fx->fs, FAKESTORE_BEGIN, 1);
	assert_int_equal(turn_open(fx->t), -1);
	assert_false(store_in_txn(fx->st));
	assert_int_equal(turn_open(fx->t), 0);
	end_turn(fx);
}

static void
turn__nothing_to_commit__waiters_told_at_the_end_of_the_turn(void **state)
{
	struct fx *fx = *state;
	struct waiter w = { 0 }, s = { 0 };

	turn_after(fx->t, on_told_waiter, &w);
	turn_after_sync(fx->t, on_told_waiter, &s);
	assert_int_equal(w.calls + s.calls, 0);
	end_turn(fx);
	assert_true(w.ok && s.ok);
	assert_int_equal(fakestore_commits(fx->fs), 0);
}

/* The durability held, as SQLite's fsync in its thread. */
static int
setup_durable(void **state)
{
	if (setup(state) != 0)
		return -1;
	fakestore_hold_durable(((struct fx *)*state)->fs, true);
	return 0;
}

static void
durable__a_commit__waiters_told_once_durable(void **state)
{
	struct fx *fx = *state;
	struct waiter *w = &fx->w[0], *written = &fx->w[1];

	write_one(fx, "S1", w);
	turn_after_write(fx->t, on_told_waiter, written);
	assert_int_equal(turn_flush(fx->t), 0);
	/* Written (the scheduler may go on) but not durable: nobody else knows. */
	assert_int_equal(written->calls, 1);
	assert_true(written->ok);
	assert_false(store_in_txn(fx->st));
	assert_int_equal(w->calls, 0);
	assert_int_equal(fx->told_calls, 0);
	assert_true(turn_in_flight(fx->t));
	assert_false(store_reads_ready(fx->st));
	assert_true(fakestore_sync(fx->fs));
	assert_int_equal(w->calls, 1);
	assert_true(w->ok);
	assert_int_equal(fx->told_calls, 1);
	assert_false(turn_in_flight(fx->t));
	assert_int_equal(turn_in_flight_us(fx->t), 0);
}

static void
durable__written_meanwhile__committed_only_after_it(void **state)
{
	struct fx *fx = *state;
	struct waiter *w1 = &fx->w[0], *w2 = &fx->w[1], *idle = &fx->w[2];
	long long ok0, ok1, failed;

	turn_counts(fx->t, &ok0, &failed);
	write_one(fx, "S1", w1);
	assert_int_equal(turn_flush(fx->t), 0);
	/* S1 is in flight: a turn with no change waits for it (what it answers for may be
	 * in it), and S2 waits in the open transaction. */
	turn_after(fx->t, on_told_waiter, idle);
	assert_int_equal(turn_flush(fx->t), 0);
	write_one(fx, "S2", w2);
	assert_int_equal(turn_flush(fx->t), 0);
	assert_true(store_in_txn(fx->st));
	assert_int_equal(fakestore_commits(fx->fs), 1);
	assert_int_equal(idle->calls, 0);
	assert_true(fakestore_sync(fx->fs));
	assert_int_equal(w1->calls + idle->calls, 2);
	assert_int_equal(w2->calls, 0);
	/* S1's durability woke the turn: S2 commits in this turn, after what it queued. */
	end_turn(fx);
	assert_int_equal(fakestore_commits(fx->fs), 2);
	assert_true(fakestore_sync(fx->fs));
	assert_true(w1->ok && w2->ok && idle->ok);
	assert_true(w1->order < idle->order && idle->order < w2->order);
	turn_counts(fx->t, &ok1, &failed);
	assert_int_equal(ok1 - ok0, 2);
}

static void
durable__after_sync__waits_for_the_commit_in_flight_only(void **state)
{
	struct fx *fx = *state;
	struct waiter *w1 = &fx->w[0], *w2 = &fx->w[1], *rd = &fx->w[2];

	write_one(fx, "S1", w1);
	assert_int_equal(turn_flush(fx->t), 0);
	write_one(fx, "S2", w2);
	turn_after_sync(fx->t, on_told_waiter, rd);
	assert_true(fakestore_sync(fx->fs));
	/* The read may run: S1 is durable; S2 is not committed, nobody sees it. */
	assert_int_equal(rd->calls, 1);
	assert_int_equal(w2->calls, 0);
	end_turn(fx);
	assert_true(fakestore_sync(fx->fs));
	assert_int_equal(w2->calls, 1);
}

static void
durable__spoiled_meanwhile__rolled_back_alone(void **state)
{
	struct fx *fx = *state;
	struct waiter *w1 = &fx->w[0], *w2 = &fx->w[1];

	write_one(fx, "S1", w1);
	assert_int_equal(turn_flush(fx->t), 0);
	write_one(fx, "S2", w2);
	turn_spoil(fx->t);
	assert_int_equal(turn_flush(fx->t), -1);
	assert_int_equal(w2->calls, 1);
	assert_false(w2->ok);
	assert_true(fakestore_sync(fx->fs));
	assert_true(w1->ok);
	assert_int_equal(committed(fx, "S1"), 2);
	assert_int_equal(committed(fx, "S2"), 1);
}

/* What gathers things to tell over several turns (the import's counts) tells the
 * transactions apart by turn_seq: the one in flight, and the open one that fills
 * meanwhile, which may yet fail. */
static void
durable__turn_seq__tells_the_transaction_in_flight_from_the_open_one(void **state)
{
	struct fx *fx = *state;
	struct waiter *w1 = &fx->w[0], *w2 = &fx->w[1], *w3 = &fx->w[2];
	uint64_t s0 = turn_seq(fx->t);

	write_one(fx, "S1", w1);
	turn_hold(fx->t, 10 * 1000000);
	end_turn(fx);
	/* Held into the next turn: still the same transaction. */
	assert_true(store_in_txn(fx->st));
	assert_true(turn_seq(fx->t) == s0);
	assert_int_equal(turn_flush(fx->t), 0);
	assert_true(turn_seq(fx->t) == s0 + 1);
	/* S2 joins the next transaction; its commit waits for S1's durability. */
	write_one(fx, "S2", w2);
	assert_int_equal(turn_flush(fx->t), 0);
	assert_true(turn_seq(fx->t) == s0 + 1);
	turn_spoil(fx->t);
	assert_int_equal(turn_flush(fx->t), -1);
	assert_true(turn_seq(fx->t) == s0 + 2);
	write_one(fx, "S3", w3);
	assert_true(turn_seq(fx->t) == s0 + 2);
	assert_true(fakestore_sync(fx->fs));
	end_turn(fx);
	assert_true(turn_seq(fx->t) == s0 + 3);
	assert_true(fakestore_sync(fx->fs));
	assert_true(w1->ok && !w2->ok && w3->ok);
}

static void
durable__drain__makes_what_is_pending_durable(void **state)
{
	struct fx *fx = *state;
	struct waiter *w1 = &fx->w[0], *w2 = &fx->w[1];

	write_one(fx, "S1", w1);
	assert_int_equal(turn_flush(fx->t), 0);
	write_one(fx, "S2", w2);
	turn_drain(fx->t);
	assert_int_equal(w1->calls + w2->calls, 2);
	assert_true(w1->ok && w2->ok);
	assert_false(store_in_txn(fx->st));
	assert_false(turn_in_flight(fx->t));
	assert_int_equal(committed(fx, "S1") + committed(fx, "S2"), 4);
	assert_int_equal(fx->told_lines, 2);
}

static void
durable__commit_metrics__count_the_time_until_durable(void **state)
{
	struct fx *fx = *state;
	char *text;
	struct metrics_snapshot snap = { 0 };

	write_one(fx, "S1", &fx->w[0]);
	assert_int_equal(turn_flush(fx->t), 0);
	text = metrics_render(fx->m, &snap);
	/* Written, not durable: not counted yet. */
	assert_non_null(strstr(text, "protocold_commit_duration_seconds_count 0\n"));
	free(text);
	assert_true(fakestore_sync(fx->fs));
	text = metrics_render(fx->m, &snap);
	assert_non_null(strstr(text, "protocold_commit_duration_seconds_count 1\n"));
	assert_non_null(strstr(text, "protocold_commits_total{result=\"ok\"} 1\n"));
	free(text);
}

/* The store loses the commit it wrote (SQLite: its WAL's name): nothing more is
 * committed, the loop is told to stop, the open transaction's waiters fail, and the
 * lost commit's wait for turn_lost_saved. */
static void
lost(struct fx *fx, struct waiter *w1, struct waiter *w2, struct waiter *rd)
{
	fakestore_fail(fx->fs, FAKESTORE_DURABLE, 1);
	write_one(fx, "S1", w1);
	assert_int_equal(turn_flush(fx->t), 0);
	write_one(fx, "S2", w2);
	turn_after_sync(fx->t, on_told_waiter, rd);
	assert_true(fakestore_sync(fx->fs));
	assert_true(turn_is_lost(fx->t));
	assert_true(event_base_got_break(fx->base));
	end_turn(fx);
	assert_int_equal(w2->calls, 1);
	assert_false(w2->ok);
	assert_int_equal(committed(fx, "S2"), 1);
	assert_int_equal(w1->calls + rd->calls, 0);
	assert_int_equal(fx->told_calls, 0);
	assert_int_equal(turn_open(fx->t), -1);
}

static void
durable__lost_and_saved__its_waiters_told_ok(void **state)
{
	struct fx *fx = *state;

	lost(fx, &fx->w[0], &fx->w[1], &fx->w[2]);
	turn_lost_saved(fx->t, true);
	assert_int_equal(fx->told_calls, 1);
	assert_int_equal(fx->told_lines, 1);
	assert_true(fx->w[0].ok && fx->w[2].ok);
	assert_true(fx->told_order < fx->w[0].order);
}

static void
durable__lost_and_not_saved__its_waiters_never_told(void **state)
{
	struct fx *fx = *state;

	lost(fx, &fx->w[0], &fx->w[1], &fx->w[2]);
	turn_lost_saved(fx->t, false);
	assert_int_equal(fx->told_calls, 0);
	assert_int_equal(fx->w[0].calls + fx->w[2].calls, 0);
}

/* Every callback deferred, as a client-server store answers. */
static int
setup_deferred(void **state)
{
	if (setup(state) != 0)
		return -1;
	fakestore_defer(((struct fx *)*state)->fs, true);
	return 0;
}

static void
deferred__written_and_durable_later__waiters_told_then(void **state)
{
	struct fx *fx = *state;
	struct waiter *w1 = &fx->w[0], *w2 = &fx->w[1], *written = &fx->w[2];

	write_one(fx, "S1", w1);
	turn_after_write(fx->t, on_told_waiter, written);
	end_turn(fx);
	/* Asked, not answered: in flight; a change now joins the next transaction. */
	assert_true(turn_in_flight(fx->t));
	assert_int_equal(written->calls + w1->calls, 0);
	write_one(fx, "S2", w2);
	end_turn(fx);
	assert_int_equal(fakestore_commits(fx->fs), 1);
	assert_int_equal(fakestore_flush(fx->fs), 2);
	assert_true(written->ok && w1->ok);
	assert_int_equal(w2->calls, 0);
	end_turn(fx);
	assert_int_equal(fakestore_commits(fx->fs), 2);
	assert_int_equal(fakestore_flush(fx->fs), 2);
	assert_true(w2->ok);
	assert_true(w1->order < w2->order);
}

static void
deferred__a_failed_commit__tells_all_that_waited_on_it_false(void **state)
{
	struct fx *fx = *state;
	struct waiter *w1 = &fx->w[0], *rd = &fx->w[1];
	long long ok, failed;

	fakestore_fail(fx->fs, FAKESTORE_COMMIT, 1);
	write_one(fx, "S1", w1);
	end_turn(fx);
	turn_after_sync(fx->t, on_told_waiter, rd);
	assert_int_equal(fakestore_flush(fx->fs), 1);
	assert_false(turn_in_flight(fx->t));
	assert_int_equal(w1->calls + rd->calls, 2);
	assert_false(w1->ok || rd->ok);
	turn_counts(fx->t, &ok, &failed);
	assert_int_equal(failed, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(turn__a_turn__is_committed_at_its_end),
		T(turn__changes_of_one_turn__share_one_commit),
		T(turn__a_callback_queued_before_the_first_change__joins_its_commit),
		T(turn__transitions__told_once_durable_before_the_waiters),
		T(turn_log__debug_lines__gathered_only_when_debug_is_on),
		T(turn_hold__renewed__one_transaction_over_the_turns),
		T(turn_hold__a_turn_of_others_only__commits),
		T(turn_hold__spoiled__rolls_back_all_it_held),
		T(turn_hold__deadline__commits_by_its_timer),
		T(turn_owe__an_answer_owed__the_commit_waits_for_it),
		T(turn_owe__spoiled__rolled_back_at_once),
		T(turn_hold__outside_a_transaction__does_nothing),
		T(turn__a_failed_commit__tells_its_waiters_false_and_counts_it),
		T(turn_open__the_store_refuses__is_minus_1_and_nothing_waits),
		T(turn__nothing_to_commit__waiters_told_at_the_end_of_the_turn),
#undef T
#define D(f) cmocka_unit_test_setup_teardown(f, setup_durable, teardown)
		D(durable__a_commit__waiters_told_once_durable),
		D(durable__written_meanwhile__committed_only_after_it),
		D(durable__after_sync__waits_for_the_commit_in_flight_only),
		D(durable__spoiled_meanwhile__rolled_back_alone),
		D(durable__turn_seq__tells_the_transaction_in_flight_from_the_open_one),
		D(durable__drain__makes_what_is_pending_durable),
		D(durable__commit_metrics__count_the_time_until_durable),
		D(durable__lost_and_saved__its_waiters_told_ok),
		D(durable__lost_and_not_saved__its_waiters_never_told),
#undef D
#define F(f) cmocka_unit_test_setup_teardown(f, setup_deferred, teardown)
		F(deferred__written_and_durable_later__waiters_told_then),
		F(deferred__a_failed_commit__tells_all_that_waited_on_it_false),
#undef F
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
