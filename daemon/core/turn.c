/* turn.h names size_t without including <stddef.h> (reported): first, until it does. */
#include <stddef.h>

#include "turn.h"

#include <event2/event.h>
#include <stdlib.h>

#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "store.h"
#include "strcopy.h"
#include "xmalloc.h"

/* A full disk fails every commit: one warning a minute says so. */
#define TURN_LOG_EVERY_US (60 * 1000000LL)

struct turn_waiter {
	turn_fn *fn;
	void *arg;
};

struct turn_list {
	struct turn_waiter *w;
	size_t n, cap;
};

/* The log lines of one transaction (turn_log). */
struct turn_lines {
	struct turn_line *v;
	size_t n, cap;
};

struct turn {
	struct event_base *base;
	struct store *st;
	struct metrics *m;
	turn_told_fn *told;
	void *told_arg;
	/* Activated by the turn's first change: it runs after the callbacks already
	 * queued in this turn, so they all share the commit. */
	struct event *ev;
	struct event *hold_ev;
	/* The open transaction: its waiters (turn_after), those of its write
	 * (turn_after_write), its log lines. */
	struct turn_list w, written_w;
	struct turn_lines lines;
	bool spoiled;
	/* Answers the changes are owed (turn_owe), and whether a commit waits for them. */
	int owed;
	bool flush_owed;
	/* A hold (turn_hold): asked for again this turn, and its deadline. */
	bool held;
	int64_t hold_until;
	/* The commit in flight (from store_commit to its durable()), since flight_t0:
	 * the waiters of its write, then everything that waits for its durability (its
	 * own waiters, then turn_after_sync's and those of turns with nothing to commit,
	 * in the order they came), and its log lines. */
	bool in_flight;
	int64_t flight_t0;
	struct turn_list flight_written_w, sync_w;
	struct turn_lines flight_lines;
	/* What turn_flush returns when the store answered before store_commit returned. */
	int flush_rc;
	/* The store lost a commit (STORE_LOST): nothing is committed any more; and its
	 * waiters were told (turn_lost_saved). */
	bool lost, lost_told;
	uint64_t ended;
	long long ok, failed;
	struct log_limit log;
};

static void
turn_list_add(struct turn_list *l, turn_fn *fn, void *arg)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->w = xrealloc(l->w, l->cap * sizeof *l->w);
	}
	l->w[l->n++] = (struct turn_waiter){ fn, arg };
}

/* Append everything waiting on from to to. */
static void
turn_list_move(struct turn_list *to, struct turn_list *from)
{
	for (size_t i = 0; i < from->n; i++)
		turn_list_add(to, from->w[i].fn, from->w[i].arg);
	from->n = 0;
}

/* Tell everyone on l. A waiter may start the next turn's work, and add to l. */
static void
turn_list_notify(struct turn_list *l, bool ok)
{
	struct turn_list now = *l;

	*l = (struct turn_list){ 0 };
	for (size_t i = 0; i < now.n; i++)
		now.w[i].fn(now.w[i].arg, ok);
	free(now.w);
}

static void
turn_list_free(struct turn_list *l)
{
	free(l->w);
	*l = (struct turn_list){ 0 };
}

static void
turn_lines_free(struct turn_lines *l)
{
	free(l->v);
	*l = (struct turn_lines){ 0 };
}

/* Hand the open transaction's lines to the commit in flight. */
static void
turn_lines_move(struct turn_lines *to, struct turn_lines *from)
{
	turn_lines_free(to);
	*to = *from;
	*from = (struct turn_lines){ 0 };
}

/* Tell the lines of a durable commit (then forget them), before its waiters. */
static void
turn_tell(struct turn *t, struct turn_lines *l)
{
	struct turn_lines now = *l;

	*l = (struct turn_lines){ 0 };
	if (t->told != NULL)
		t->told(t->told_arg, now.v, now.n);
	free(now.v);
}

static void
turn_cb(evutil_socket_t fd, short what, void *arg)
{
	struct turn *t = arg;

	/* Held: the transaction stays open into the next turn, whose changes join it. A
	 * turn that does not renew the hold, a spoiled turn or the deadline ends it. */
	if (t->held && !t->spoiled && store_in_txn(t->st) &&
	    clock_mono_us() < t->hold_until) {
		t->held = false;
		return;
	}
	turn_flush(t);
}

static void
turn_hold_cb(evutil_socket_t fd, short what, void *arg)
{
	struct turn *t = arg;

	turn_flush(t);
}

/* The store cannot commit the open transaction any more: roll it back now, its
 * waiters told it failed, without waiting for the commit in flight. */
static void
turn_txn_lost(void *arg)
{
	struct turn *t = arg;

	turn_spoil(t);
}

struct turn *
turn_new(struct event_base *base, struct store *st, struct metrics *m,
    turn_told_fn *told, void *told_arg)
{
	struct turn *t = xcalloc(1, sizeof *t);

	t->base = base;
	t->st = st;
	t->m = m;
	t->told = told;
	t->told_arg = told_arg;
	t->ev = event_new(base, -1, 0, turn_cb, t);
	t->hold_ev = evtimer_new(base, turn_hold_cb, t);
	store_on_txn_lost(st, turn_txn_lost, t);
	if (t->ev == NULL || t->hold_ev == NULL)
		fatalx("turn: event_new failed");
	return t;
}

void
turn_drain(struct turn *t)
{
	/* Each commit in flight is waited for here, and what joined the open transaction
	 * meanwhile is committed and made durable after it. */
	turn_flush(t);
	while (t->in_flight && !t->lost) {
		store_wait_durable(t->st);
		if (t->in_flight)
			break;	/* the store broke its promise: do not spin */
		turn_flush(t);
	}
}

void
turn_free(struct turn *t)
{
	if (t == NULL)
		return;
	turn_drain(t);
	store_on_txn_lost(t->st, NULL, NULL);
	event_free(t->ev);
	event_free(t->hold_ev);
	turn_list_free(&t->w);
	turn_list_free(&t->written_w);
	turn_list_free(&t->flight_written_w);
	turn_list_free(&t->sync_w);
	turn_lines_free(&t->lines);
	turn_lines_free(&t->flight_lines);
	free(t);
}

int
turn_open(struct turn *t)
{
	if (t->lost)
		return -1;
	if (!store_in_txn(t->st) && store_begin(t->st) != 0)
		return -1;
	event_active(t->ev, 0, 0);
	return 0;
}

void
turn_after(struct turn *t, turn_fn *fn, void *arg)
{
	turn_list_add(&t->w, fn, arg);
	event_active(t->ev, 0, 0);
}

void
turn_after_write(struct turn *t, turn_fn *fn, void *arg)
{
	turn_list_add(&t->written_w, fn, arg);
	event_active(t->ev, 0, 0);
}

void
turn_after_sync(struct turn *t, turn_fn *fn, void *arg)
{
	if (t->in_flight || (t->lost && !t->lost_told))
		turn_list_add(&t->sync_w, fn, arg);
	else
		turn_after(t, fn, arg);
}

void
turn_hold(struct turn *t, int64_t max_us)
{
	if (!store_in_txn(t->st))
		return;
	if (t->hold_until == 0) {
		struct timeval tv = { max_us / 1000000, max_us % 1000000 };

		t->hold_until = clock_mono_us() + max_us;
		evtimer_add(t->hold_ev, &tv);
	}
	t->held = true;
}

void
turn_owe(struct turn *t)
{
	t->owed++;
}

void
turn_paid(struct turn *t)
{
	/* The commit they held back is made at the end of this turn. */
	if (--t->owed == 0 && t->flush_owed) {
		t->flush_owed = false;
		event_active(t->ev, 0, 0);
	}
}

void
turn_spoil(struct turn *t)
{
	if (store_in_txn(t->st)) {
		t->spoiled = true;
		event_active(t->ev, 0, 0);
	}
}

void
turn_log(struct turn *t, const struct proto_event *ev, const char *id, bool info)
{
	struct turn_lines *g = &t->lines;
	struct turn_line *l;

	/* Nothing would print them (a reload that turns them on starts from here). */
	if (!info && !log_debug_enabled())
		return;
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 256;
		g->v = xrealloc(g->v, g->cap * sizeof *g->v);
	}
	l = &g->v[g->n++];
	strcopy(l->id, sizeof l->id, id);
	l->from = ev->from;
	l->to = ev->to;
	l->cause = ev->cause;
	strcopy(l->name, sizeof l->name, ev->name);
	l->late_ms = ev->late_ms;
	l->has_late = ev->due_at != 0;
	l->info = info;
}

static void
turn_end_hold(struct turn *t)
{
	t->held = false;
	if (t->hold_until != 0) {
		t->hold_until = 0;
		evtimer_del(t->hold_ev);
	}
}

/* A turn with nothing to commit: its waiters wait for the commit in flight, if any
 * (what they answer for may be in it), else they are told now. */
static int
turn_nothing(struct turn *t)
{
	turn_list_notify(&t->written_w, true);
	if (t->in_flight)
		turn_list_move(&t->sync_w, &t->w);
	else
		turn_list_notify(&t->w, true);
	return 0;
}

/* What joined the open transaction while a commit was in flight is committed in
 * this turn, after the callbacks it has already queued. */
static void
turn_again(struct turn *t)
{
	if (store_in_txn(t->st) || t->w.n > 0 || t->written_w.n > 0)
		event_active(t->ev, 0, 0);
}

/* A commit failed or was rolled back (spoiled): nothing of it was kept. */
static int
turn_failed(struct turn *t, int64_t t0, struct turn_list *written_w,
    struct turn_list *w)
{
	metrics_commit(t->m, false, clock_mono_us() - t0);
	t->failed++;
	log_warnx_limited(&t->log, clock_mono_us(), TURN_LOG_EVERY_US, "commit failed, "
	    "the turn's changes were not kept: %s", store_error(t->st));
	turn_list_notify(written_w, false);
	turn_list_notify(w, false);
	return -1;
}

/*
 * The store lost the commit it had written (SQLite: the WAL's name no longer leads to
 * the file it writes, so the last commit, and every one before it not yet in the
 * database file, lives only in an unlinked file). Nobody is told of that commit (it
 * may not survive), nothing more is committed, and the loop stops: the daemon then
 * salvages the store (store_salvage: SQLite copies that file into the database through
 * the descriptor it still holds) and exits non-zero for a restart. The open
 * transaction (never told either) is rolled back.
 */
static void
turn_lost(struct turn *t)
{
	log_warnx("the database's WAL is gone: %s; what it holds is kept only in a file "
	    "with no name now, so nothing more is acknowledged: copying it into the "
	    "database and stopping, so that a restart opens a new WAL",
	    store_error(t->st));
	t->lost = true;
	t->in_flight = false;
	t->flush_rc = -1;
	/* The waiters of the commit just made (sync_w) and its lines wait for
	 * turn_lost_saved; those of the open transaction are told it failed (turn_flush
	 * rolls it back). */
	event_active(t->ev, 0, 0);
	event_base_loopbreak(t->base);
}

static void
turn_written(void *arg, enum store_outcome o)
{
	struct turn *t = arg;

	if (o != STORE_OK) {
		t->in_flight = false;
		t->flush_rc = -1;
		turn_lines_free(&t->flight_lines);
		turn_failed(t, t->flight_t0, &t->flight_written_w, &t->sync_w);
		turn_again(t);
		return;
	}
	t->ok++;
	log_limit_clear(&t->log, "commits");
	/* The scheduler's next batch need not wait for this one's durability. */
	turn_list_notify(&t->flight_written_w, true);
}

static void
turn_durable(void *arg, enum store_outcome o)
{
	struct turn *t = arg;

	if (o == STORE_LOST) {
		turn_lost(t);
		return;
	}
	t->in_flight = false;
	metrics_commit(t->m, true, clock_mono_us() - t->flight_t0);
	/* The transitions first (the feed and the scheduler wake up), then the answers. */
	turn_tell(t, &t->flight_lines);
	turn_list_notify(&t->sync_w, true);
	turn_again(t);
}

/* Commit the open transaction; its waiters wait for it (sync_w). */
static int
turn_commit(struct turn *t, int64_t t0)
{
	t->in_flight = true;
	t->flight_t0 = t0;
	turn_list_move(&t->flight_written_w, &t->written_w);
	turn_list_move(&t->sync_w, &t->w);
	turn_lines_move(&t->flight_lines, &t->lines);
	t->flush_rc = 0;
	store_commit(t->st, turn_written, turn_durable, t);
	return t->flush_rc;
}

int
turn_flush(struct turn *t)
{
	int64_t t0;

	turn_end_hold(t);
	if (t->lost) {
		if (store_in_txn(t->st))
			store_rollback(t->st);
		turn_lines_free(&t->lines);
		turn_list_notify(&t->written_w, false);
		turn_list_notify(&t->w, false);
		return -1;
	}
	if (!store_in_txn(t->st))
		return turn_nothing(t);
	if (t->owed > 0 && !t->spoiled) {
		t->flush_owed = true;
		return 0;
	}
	/* The last commit is not yet durable: this turn's changes stay in the open
	 * transaction, committed once it is (turn_durable), so readers never see a commit
	 * a crash could take back. A spoiled turn is rolled back now. */
	if (t->in_flight && !t->spoiled)
		return 0;
	t0 = clock_mono_us();
	t->ended++;
	if (!t->spoiled)
		return turn_commit(t, t0);
	t->spoiled = false;
	store_rollback(t->st);
	turn_lines_free(&t->lines);
	return turn_failed(t, t0, &t->written_w, &t->w);
}

bool
turn_is_lost(const struct turn *t)
{
	return t->lost;
}

void
turn_lost_saved(struct turn *t, bool saved)
{
	t->lost_told = true;
	if (!saved) {
		/* Maybe kept, maybe not: neither answer would be true. */
		turn_list_free(&t->sync_w);
		turn_lines_free(&t->flight_lines);
		return;
	}
	turn_tell(t, &t->flight_lines);
	turn_list_notify(&t->sync_w, true);
}

uint64_t
turn_seq(const struct turn *t)
{
	return t->ended;
}

bool
turn_in_flight(const struct turn *t)
{
	return t->in_flight;
}

int64_t
turn_in_flight_us(const struct turn *t)
{
	return t->in_flight ? clock_mono_us() - t->flight_t0 : 0;
}

void
turn_counts(const struct turn *t, long long *ok, long long *failed)
{
	*ok = t->ok;
	*failed = t->failed;
}
