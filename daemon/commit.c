#include "commit.h"

#include <event2/event.h>
#include <stdlib.h>

#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "store.h"
#include "xmalloc.h"

#define COMMIT_MAX_HOOKS 4

struct commit_waiter {
	commit_fn *fn;
	void *arg;
};

static struct store *commit_st;
static struct event *commit_ev;
static struct commit_waiter *commit_waiters;
static size_t commit_n, commit_cap;
static void (*commit_hooks[COMMIT_MAX_HOOKS])(void);
static size_t commit_n_hooks;
static long long commit_ok, commit_failed;
static bool commit_spoiled;
/* A hold (commit_hold): asked for again this turn, and its deadline. */
static bool commit_held;
static int64_t commit_hold_until;
static struct event *commit_hold_ev;

static void
commit_cb(evutil_socket_t fd, short what, void *arg)
{
	/* Held: the transaction stays open into the next turn, whose changes join it. A
	 * turn that does not renew the hold, a spoiled turn or the deadline ends it. */
	if (commit_held && !commit_spoiled && store_in_txn(commit_st) &&
	    clock_mono_us() < commit_hold_until) {
		commit_held = false;
		return;
	}
	commit_flush();
}

static void
commit_hold_cb(evutil_socket_t fd, short what, void *arg)
{
	commit_flush();
}

void
commit_init(struct event_base *base, struct store *st)
{
	commit_st = st;
	/* Activated by the turn's first change: it runs after the callbacks already
	 * queued in this turn, so they all share the commit. */
	commit_ev = event_new(base, -1, 0, commit_cb, NULL);
	commit_hold_ev = evtimer_new(base, commit_hold_cb, NULL);
	if (commit_ev == NULL || commit_hold_ev == NULL)
		fatalx("commit: event_new failed");
}

void
commit_shutdown(void)
{
	commit_flush();
	event_free(commit_ev);
	event_free(commit_hold_ev);
	commit_ev = commit_hold_ev = NULL;
	free(commit_waiters);
	commit_waiters = NULL;
	commit_n = commit_cap = 0;
}

int
commit_open(void)
{
	if (!store_in_txn(commit_st) && store_begin(commit_st) != 0)
		return -1;
	event_active(commit_ev, 0, 0);
	return 0;
}

void
commit_after(commit_fn *fn, void *arg)
{
	if (commit_n == commit_cap) {
		commit_cap = commit_cap ? commit_cap * 2 : 64;
		commit_waiters = xrealloc(commit_waiters, commit_cap * sizeof *commit_waiters);
	}
	commit_waiters[commit_n++] = (struct commit_waiter){ fn, arg };
	event_active(commit_ev, 0, 0);
}

void
commit_hold(int64_t max_us)
{
	if (!store_in_txn(commit_st))
		return;
	if (commit_hold_until == 0) {
		struct timeval tv = { max_us / 1000000, max_us % 1000000 };

		commit_hold_until = clock_mono_us() + max_us;
		evtimer_add(commit_hold_ev, &tv);
	}
	commit_held = true;
}

void
commit_add_hook(void (*fn)(void))
{
	if (commit_n_hooks == COMMIT_MAX_HOOKS)
		fatalx("commit: too many hooks");
	commit_hooks[commit_n_hooks++] = fn;
}

/* Hand the outcome to everyone waiting. A waiter may start the next turn's work. */
static void
commit_notify(bool ok, bool committed)
{
	struct commit_waiter *w = commit_waiters;
	size_t n = commit_n;

	commit_waiters = NULL;
	commit_n = commit_cap = 0;
	for (size_t i = 0; i < n; i++)
		w[i].fn(w[i].arg, ok);
	free(w);
	if (ok && committed)
		for (size_t i = 0; i < commit_n_hooks; i++)
			commit_hooks[i]();
}

void
commit_spoil(void)
{
	if (store_in_txn(commit_st)) {
		commit_spoiled = true;
		event_active(commit_ev, 0, 0);
	}
}

/* Commit the turn, or roll it back when it was spoiled: true if it was kept. */
static bool
commit_end(void)
{
	if (!commit_spoiled)
		return store_commit(commit_st) == 0;
	commit_spoiled = false;
	store_rollback(commit_st);
	return false;
}

int
commit_flush(void)
{
	bool ok = true, committed = store_in_txn(commit_st);

	commit_held = false;
	if (commit_hold_until != 0) {
		commit_hold_until = 0;
		evtimer_del(commit_hold_ev);
	}
	if (committed) {
		int64_t t0 = clock_mono_us();

		ok = commit_end();
		metrics_commit(ok, clock_mono_us() - t0);
		if (ok)
			commit_ok++;
		else {
			commit_failed++;
			log_warnx("commit failed, the turn's changes were not kept: %s",
			    store_error(commit_st));
		}
	}
	commit_notify(ok, committed);
	return ok ? 0 : -1;
}

void
commit_counts(long long *ok, long long *failed)
{
	*ok = commit_ok;
	*failed = commit_failed;
}
