#include "commit.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "durable.h"
#include "log.h"
#include "metrics.h"
#include "sqlite.h"
#include "xmalloc.h"

#define COMMIT_MAX_HOOKS 4
#define COMMIT_MAX_PRE_HOOKS 2

struct commit_waiter {
	commit_fn *fn;
	void *arg;
};

struct commit_list {
	struct commit_waiter *w;
	size_t n, cap;
};

static struct store *commit_st;
static struct event_base *commit_base;
static struct event *commit_ev;
/* The WAL's name was lost (commit_wal_lost): nothing is committed any more; and the
 * last commit's waiters were told (commit_lost_saved). */
static bool commit_lost, commit_lost_told;
/* Waiting for this turn's commit to be durable; for it to be written (commit_after_write);
 * for the sync in flight (durable mode). */
static struct commit_list commit_w, commit_written_w, commit_sync_w;
static void (*commit_hooks[COMMIT_MAX_HOOKS])(void);
static size_t commit_n_hooks;
static struct {
	void (*fn)(void);
	void (*undo)(void);
} commit_pre_hooks[COMMIT_MAX_PRE_HOOKS];
static size_t commit_n_pre_hooks;
static long long commit_ok, commit_failed;
/* A full disk fails every commit: one warning a minute says so. */
#define COMMIT_LOG_EVERY_US (60 * 1000000LL)
static struct log_limit commit_log;
static uint64_t commit_ended;
static bool commit_spoiled;
/* A hold (commit_hold): asked for again this turn, and its deadline. */
static bool commit_held;
static int64_t commit_hold_until;
static struct event *commit_hold_ev;
/* Durable mode (commit_durable): the last commit's sync is in flight, since t0. */
static bool commit_async, commit_syncing;
static int64_t commit_sync_t0;

static void
commit_list_add(struct commit_list *l, commit_fn *fn, void *arg)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->w = xrealloc(l->w, l->cap * sizeof *l->w);
	}
	l->w[l->n++] = (struct commit_waiter){ fn, arg };
}

/* Append everything waiting on from to to. */
static void
commit_list_move(struct commit_list *to, struct commit_list *from)
{
	for (size_t i = 0; i < from->n; i++)
		commit_list_add(to, from->w[i].fn, from->w[i].arg);
	from->n = 0;
}

/* Tell everyone on l. A waiter may start the next turn's work, and add to l. */
static void
commit_list_notify(struct commit_list *l, bool ok)
{
	struct commit_list now = *l;

	*l = (struct commit_list){ 0 };
	for (size_t i = 0; i < now.n; i++)
		now.w[i].fn(now.w[i].arg, ok);
	free(now.w);
}

static void
commit_list_free(struct commit_list *l)
{
	free(l->w);
	*l = (struct commit_list){ 0 };
}

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
	commit_base = base;
	commit_async = commit_syncing = commit_lost = commit_lost_told = false;
	/* Activated by the turn's first change: it runs after the callbacks already
	 * queued in this turn, so they all share the commit. */
	commit_ev = event_new(base, -1, 0, commit_cb, NULL);
	commit_hold_ev = evtimer_new(base, commit_hold_cb, NULL);
	if (commit_ev == NULL || commit_hold_ev == NULL)
		fatalx("commit: event_new failed");
}

void
commit_durable(void)
{
	commit_async = true;
}

void
commit_drain(void)
{
	/* Each sync in flight is waited for here, and what joined the open transaction
	 * meanwhile is committed and synced after it. */
	commit_flush();
	while (commit_syncing && !commit_lost) {
		commit_synced(durable_wait());
		commit_flush();
	}
}

void
commit_shutdown(void)
{
	if (commit_ev == NULL)
		return;
	commit_drain();
	event_free(commit_ev);
	event_free(commit_hold_ev);
	commit_ev = commit_hold_ev = NULL;
	commit_list_free(&commit_w);
	commit_list_free(&commit_written_w);
	commit_list_free(&commit_sync_w);
	commit_n_hooks = commit_n_pre_hooks = 0;
}

int
commit_open(void)
{
	if (commit_lost)
		return -1;
	if (!store_in_txn(commit_st) && store_begin(commit_st) != 0)
		return -1;
	event_active(commit_ev, 0, 0);
	return 0;
}

void
commit_after(commit_fn *fn, void *arg)
{
	commit_list_add(&commit_w, fn, arg);
	event_active(commit_ev, 0, 0);
}

void
commit_after_sync(commit_fn *fn, void *arg)
{
	if (commit_syncing || (commit_lost && !commit_lost_told))
		commit_list_add(&commit_sync_w, fn, arg);
	else
		commit_after(fn, arg);
}

void
commit_after_write(commit_fn *fn, void *arg)
{
	commit_list_add(&commit_written_w, fn, arg);
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

void
commit_add_pre_hook(void (*fn)(void), void (*undo)(void))
{
	if (commit_n_pre_hooks == COMMIT_MAX_PRE_HOOKS)
		fatalx("commit: too many hooks");
	commit_pre_hooks[commit_n_pre_hooks].fn = fn;
	commit_pre_hooks[commit_n_pre_hooks++].undo = undo;
}

static void
commit_run_hooks(void)
{
	for (size_t i = 0; i < commit_n_hooks; i++)
		commit_hooks[i]();
}

/* Before a commit whose sync will run in the thread, or (undo) after it failed. */
static void
commit_run_pre_hooks(bool undo)
{
	for (size_t i = 0; i < commit_n_pre_hooks; i++)
		(undo ? commit_pre_hooks[i].undo : commit_pre_hooks[i].fn)();
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
	commit_ended++;
	if (!commit_spoiled)
		return store_commit(commit_st) == 0;
	commit_spoiled = false;
	store_rollback(commit_st);
	return false;
}

static void
commit_end_hold(void)
{
	commit_held = false;
	if (commit_hold_until != 0) {
		commit_hold_until = 0;
		evtimer_del(commit_hold_ev);
	}
}

/*
 * The WAL's fsync failed: the kernel may have dropped the pages it could not write,
 * and a later fsync could succeed without them. Nothing of that commit has been told
 * to anyone; a restart reads what really is on disk.
 */
static void
commit_sync_failed(int err)
{
	fatalx("fsync of the WAL failed (%s): the last commit may not be on disk, and "
	    "nothing of it was acknowledged; stopping so that the restart recovers what "
	    "is", strerror(err));
}

/* A turn with nothing to commit: its waiters wait for the sync in flight, if any
 * (what they answer for may be in it), else they are told now. */
static int
commit_nothing(void)
{
	commit_list_notify(&commit_written_w, true);
	if (commit_syncing)
		commit_list_move(&commit_sync_w, &commit_w);
	else
		commit_list_notify(&commit_w, true);
	return 0;
}

/*
 * The WAL's name no longer leads to the file SQLite writes (store_wal_check): the last
 * commit, and every commit before it that is not yet in the database file, lives only
 * in an unlinked file. Nobody is told of that commit (it may not survive), nothing more
 * is committed, and the loop stops: main then closes the database so that SQLite
 * copies that file into the database through the descriptor it still holds, and exits
 * non-zero for a restart, which makes a new WAL. The open transaction (never told
 * either) is rolled back.
 */
static void
commit_wal_lost(bool async)
{
	log_warnx("the database's WAL is gone: %s; what it holds is kept only in a file "
	    "with no name now, so nothing more is acknowledged: copying it into the "
	    "database and stopping, so that a restart opens a new WAL",
	    store_error(commit_st));
	commit_lost = true;
	commit_syncing = false;
	/* The waiters of the commit just made wait for commit_lost_saved; those of the
	 * open transaction are told it failed (commit_flush rolls it back). */
	if (!async)
		commit_list_move(&commit_sync_w, &commit_w);
	event_active(commit_ev, 0, 0);
	event_base_loopbreak(commit_base);
}

bool
commit_is_lost(void)
{
	return commit_lost;
}

void
commit_lost_saved(bool saved)
{
	commit_lost_told = true;
	if (!saved) {
		/* Maybe kept, maybe not: neither answer would be true. */
		commit_list_free(&commit_sync_w);
		return;
	}
	commit_run_hooks();
	commit_list_notify(&commit_sync_w, true);
}

static int
commit_failed_now(int64_t t0)
{
	metrics_commit(false, clock_mono_us() - t0);
	commit_failed++;
	log_warnx_limited(&commit_log, clock_mono_us(), COMMIT_LOG_EVERY_US, "commit failed, "
	    "the turn's changes were not kept: %s", store_error(commit_st));
	commit_list_notify(&commit_written_w, false);
	commit_list_notify(&commit_w, false);
	return -1;
}

int
commit_flush(void)
{
	bool async;
	int64_t t0;

	commit_end_hold();
	if (commit_lost) {
		store_rollback(commit_st);
		commit_list_notify(&commit_written_w, false);
		commit_list_notify(&commit_w, false);
		return -1;
	}
	if (!store_in_txn(commit_st))
		return commit_nothing();
	/* The last commit is being synced: this turn's changes stay in the open
	 * transaction, committed when that sync is over (commit_synced), so readers never
	 * see a commit that is not on disk. A spoiled turn is rolled back now. */
	if (commit_syncing && !commit_spoiled)
		return 0;
	t0 = clock_mono_us();
	async = commit_async && !commit_spoiled;
	if (async)
		commit_run_pre_hooks(false);
	if (!commit_end()) {
		if (async)
			commit_run_pre_hooks(true);
		return commit_failed_now(t0);
	}
	commit_ok++;
	log_limit_clear(&commit_log, "commits");
	commit_list_notify(&commit_written_w, true);
	if (async) {
		commit_list_move(&commit_sync_w, &commit_w);
		commit_syncing = true;
		commit_sync_t0 = t0;
		durable_request();
		return 0;
	}
	if (store_wal_check(commit_st) != 0) {
		commit_wal_lost(false);
		return -1;
	}
	metrics_commit(true, clock_mono_us() - t0);
	commit_list_notify(&commit_w, true);
	commit_run_hooks();
	return 0;
}

void
commit_synced(int err)
{
	if (err == DURABLE_WAL_GONE) {
		store_wal_check(commit_st);	/* for its message */
		commit_wal_lost(true);
		return;
	}
	if (err != 0)
		commit_sync_failed(err);
	commit_syncing = false;
	metrics_commit(true, clock_mono_us() - commit_sync_t0);
	/* The hooks first: the readers' snapshot may begin again before the reads that
	 * waited for this sync run. */
	commit_run_hooks();
	commit_list_notify(&commit_sync_w, true);
	/* What joined the open transaction meanwhile is committed in this turn, after
	 * the callbacks it has already queued. */
	if (commit_ev != NULL && (store_in_txn(commit_st) || commit_w.n > 0 ||
	    commit_written_w.n > 0))
		event_active(commit_ev, 0, 0);
}

uint64_t
commit_seq(void)
{
	return commit_ended;
}

bool
commit_sync_in_flight(void)
{
	return commit_syncing;
}

int64_t
commit_sync_age_us(void)
{
	return commit_syncing ? clock_mono_us() - commit_sync_t0 : 0;
}

void
commit_counts(long long *ok, long long *failed)
{
	*ok = commit_ok;
	*failed = commit_failed;
}
