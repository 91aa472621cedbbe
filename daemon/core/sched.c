#include "sched.h"

#include <event2/event.h>
#include <stdbool.h>
#include <stdlib.h>

#include "clock.h"
#include "commit.h"
#include "engine.h"
#include "log.h"
#include "rows.h"
#include "sqlite.h"
#include "xmalloc.h"

#define SCHED_RETRY_MS 1000
/* While the database refuses (a full disk), one warning a minute, not one a retry. */
#define SCHED_LOG_EVERY_US (60 * 1000000LL)

struct sched_idle {
	void (*fn)(void *);
	void *arg;
};

static struct store *sched_st;
static struct event *sched_timer;
/* Batches applied in the open transaction and not yet written, their points, and that
 * transaction's commit_seq(). */
static int sched_open_batches;
static int64_t sched_open_points;
static uint64_t sched_open_seq;
/* The open transaction is held for a catch-up (sched_hold). */
static bool sched_holding;
static struct sched_idle *sched_idlers;
static size_t sched_n_idle, sched_cap_idle;
static int64_t sched_fired;
static struct log_limit sched_log;

static void
sched_arm(int64_t ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(sched_timer, &tv);
}

static void
sched_run_idlers(void)
{
	struct sched_idle *w = sched_idlers;
	size_t n = sched_n_idle;

	sched_idlers = NULL;
	sched_n_idle = sched_cap_idle = 0;
	for (size_t i = 0; i < n; i++)
		w[i].fn(w[i].arg);
	free(w);
}

static void
sched_committed(void *arg, bool ok)
{
	if (--sched_open_batches == 0)
		sched_holding = false;
	if (!ok) {
		sched_arm(SCHED_RETRY_MS);
		return;
	}
	log_limit_clear(&sched_log, "scheduler");
	if (sched_open_batches == 0)
		sched_kick();
}

/* Counted once durable, as /v1/stats and the test clock's answer tell it. */
static void
sched_count_fired(void *arg, bool ok)
{
	if (ok)
		sched_fired += (intptr_t)arg;
}

/*
 * May one more batch join the open transaction? Only while it cannot commit anyway:
 * the last commit's sync is in flight (durable mode), or a catch-up holds it
 * (sched_hold). Clocks that fall due meanwhile are applied at their instant and
 * committed with it, instead of waiting for that sync and then for the write of the
 * batch before them; nothing of them is told before their own sync. SCHED_OPEN_MAX
 * bounds the transaction when the disk is slow.
 */
static bool
sched_may_join(void)
{
	return sched_open_batches == 0 || ((commit_sync_in_flight() || sched_holding) &&
	    sched_open_seq == commit_seq() && sched_open_points < SCHED_OPEN_MAX);
}

/*
 * A catch-up (a batch at instant now left some of what was due then): keep the
 * transaction open for the next batches, up to SCHED_OPEN_MAX points or SCHED_HOLD_US.
 * A commit writes each page it dirtied once, however many transitions share it, and a
 * catch-up's neighbours share their pages; the loop still serves its sockets between
 * two batches.
 */
static void
sched_hold(int64_t head, int64_t now)
{
	if (head > now || sched_open_points >= SCHED_OPEN_MAX)
		return;
	commit_hold(SCHED_HOLD_US);
	sched_holding = true;
}

/* The head of the deadline index: 0, or -1 (retry armed). */
static int
sched_head(int64_t *head)
{
	if (rows_head(sched_st, head) == 0)
		return 0;
	log_warnx_limited(&sched_log, clock_mono_us(), SCHED_LOG_EVERY_US, "scheduler: %s",
	    store_error(sched_st));
	sched_arm(SCHED_RETRY_MS);
	return -1;
}

/* Arm the timer on head, read at now. */
static void
sched_arm_at(int64_t head, int64_t now)
{
	int64_t wait;

	if (head <= now) {
		/* Due now: a zero timeout, not an immediate activation, so the loop polls
		 * its sockets between two batches (a long catch-up never starves them). */
		sched_arm(0);
		return;
	}
	/* Far away (or no clock at all): compare before subtracting, so nothing wraps. */
	wait = head - SCHED_MAX_SLEEP_MS > now ? SCHED_MAX_SLEEP_MS : head - now;
	sched_arm(wait);
}

/* Arm the timer on the head of the deadline index: 0, or -1 (retry armed). */
static int
sched_arm_head(int64_t *head, int64_t *now)
{
	if (sched_head(head) != 0)
		return -1;
	*now = clock_now();
	sched_arm_at(*head, *now);
	return 0;
}

static void
sched_fire_cb(evutil_socket_t fd, short what, void *arg)
{
	int64_t now = clock_now(), head;
	int n;

	if (!sched_may_join())
		return;
	if (commit_open() != 0 || (n = engine_fire(now, SCHED_BATCH,
	    clock_mono_us() + SCHED_BATCH_US)) < 0) {
		commit_spoil();
		log_warnx_limited(&sched_log, clock_mono_us(), SCHED_LOG_EVERY_US,
		    "scheduler: cannot apply the clocks that are due, retrying every %d ms: "
		    "%s", SCHED_RETRY_MS, store_error(sched_st));
		sched_arm(SCHED_RETRY_MS);
		return;
	}
	if (sched_open_batches++ == 0) {
		sched_open_seq = commit_seq();
		sched_open_points = 0;
	}
	sched_open_points += n;
	/* The next batch need not wait for this one's fsync (durable mode). */
	commit_after_write(sched_committed, (void *)(intptr_t)n);
	commit_after(sched_count_fired, (void *)(intptr_t)n);
	if (sched_head(&head) != 0)
		return;
	sched_hold(head, now);
	if (sched_may_join())
		sched_arm_at(head, clock_now());
}

void
sched_kick(void)
{
	int64_t head, now;

	/* A batch waits for its write: sched_committed kicks again. */
	if (sched_open_batches > 0)
		return;
	if (sched_arm_head(&head, &now) == 0 && head > now && sched_n_idle > 0)
		sched_run_idlers();
}

void
sched_when_idle(void (*fn)(void *), void *arg)
{
	if (sched_n_idle == sched_cap_idle) {
		sched_cap_idle = sched_cap_idle ? sched_cap_idle * 2 : 8;
		sched_idlers = xrealloc(sched_idlers, sched_cap_idle * sizeof *sched_idlers);
	}
	sched_idlers[sched_n_idle++] = (struct sched_idle){ fn, arg };
	sched_kick();
}

void
sched_init(struct event_base *base, struct store *st)
{
	sched_st = st;
	sched_timer = evtimer_new(base, sched_fire_cb, NULL);
	if (sched_timer == NULL)
		fatalx("scheduler: evtimer_new failed");
	commit_add_hook(sched_kick);
}

void
sched_shutdown(void)
{
	if (sched_timer != NULL)
		event_free(sched_timer);
	sched_timer = NULL;
	free(sched_idlers);
	sched_idlers = NULL;
	sched_n_idle = sched_cap_idle = 0;
}

int64_t
sched_fired_count(void)
{
	return sched_fired;
}
