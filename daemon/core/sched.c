#include "sched.h"

#include <event2/event.h>
#include <stdbool.h>
#include <stdlib.h>

#include "clock.h"
#include "engine.h"
#include "log.h"
#include "store.h"
#include "turn.h"
#include "xmalloc.h"

#define SCHED_RETRY_MS 1000
/* While the store refuses (a full disk), one warning a minute, not one a retry. */
#define SCHED_LOG_EVERY_US (60 * 1000000LL)

struct sched_idle {
	void (*fn)(void *);
	void *arg;
};

/* One batch's points, told to sched_count_fired once durable. */
struct sched_batch {
	struct sched *s;
	int n;
};

struct sched {
	struct event_base *base;
	struct store *st;
	struct engine *e;
	struct turn *t;
	const struct clock *clock;
	struct event *timer;
	int64_t armed_at;		/* the instant the timer was armed for (ms) */
	/* The head as last read (INT64_MAX: no clock, or not read yet): while nothing
	 * can be applied (the store fails) it stays, so sched_oldest_due grows. */
	int64_t head;
	/* A batch asked of the engine and not yet applied (the store answers its read
	 * later), and the instant it fires up to. */
	bool firing;
	int64_t fire_now;
	/* Batches applied in the open transaction and not yet written, their points, and
	 * that transaction's turn_seq(). */
	int open_batches;
	int64_t open_points;
	uint64_t open_seq;
	/* The open transaction is held for a catch-up (sched_hold). */
	bool holding;
	struct sched_idle *idlers;
	size_t n_idle, cap_idle;
	int64_t fired;
	struct log_limit log;
};

static void
sched_arm(struct sched *s, int64_t ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(s->timer, &tv);
}

static void
sched_run_idlers(struct sched *s)
{
	struct sched_idle *w = s->idlers;
	size_t n = s->n_idle;

	s->idlers = NULL;
	s->n_idle = s->cap_idle = 0;
	for (size_t i = 0; i < n; i++)
		w[i].fn(w[i].arg);
	free(w);
}

/* The store failed: warn (once a minute) and try again in a second. */
static void
sched_retry(struct sched *s)
{
	log_warnx_limited(&s->log, clock_mono_us(), SCHED_LOG_EVERY_US, "scheduler: %s",
	    store_error(s->st));
	sched_arm(s, SCHED_RETRY_MS);
}

static void
sched_committed(void *arg, bool ok)
{
	struct sched *s = arg;

	if (--s->open_batches == 0)
		s->holding = false;
	if (!ok) {
		sched_arm(s, SCHED_RETRY_MS);
		return;
	}
	log_limit_clear(&s->log, "scheduler");
	if (s->open_batches == 0)
		sched_kick(s);
}

/* Counted once durable, as /v1/stats and the test clock's answer tell it. */
static void
sched_count_fired(void *arg, bool ok)
{
	struct sched_batch *b = arg;

	if (ok)
		b->s->fired += b->n;
	free(b);
}

/*
 * May one more batch join the open transaction? Only while it cannot commit anyway:
 * the last commit is in flight (its durability pending), or a catch-up holds it
 * (sched_hold). Clocks that fall due meanwhile are applied at their instant and
 * committed with it, instead of waiting for that commit and then for the write of the
 * batch before them; nothing of them is told before their own commit is durable.
 * SCHED_OPEN_MAX bounds the transaction when the disk is slow.
 */
static bool
sched_may_join(const struct sched *s)
{
	if (s->firing)
		return false;
	return s->open_batches == 0 || ((turn_in_flight(s->t) || s->holding) &&
	    s->open_seq == turn_seq(s->t) && s->open_points < SCHED_OPEN_MAX);
}

/*
 * A catch-up (a batch at instant now left some of what was due then): keep the
 * transaction open for the next batches, up to SCHED_OPEN_MAX points or SCHED_HOLD_US.
 * A commit writes each page it dirtied once, however many transitions share it, and a
 * catch-up's neighbours share their pages; the loop still serves its sockets between
 * two batches.
 */
static void
sched_hold(struct sched *s, int64_t head, int64_t now)
{
	if (head > now || s->open_points >= SCHED_OPEN_MAX)
		return;
	turn_hold(s->t, SCHED_HOLD_US);
	s->holding = true;
}

/* Arm the timer on head, read at now. */
static void
sched_arm_at(struct sched *s, int64_t head, int64_t now)
{
	int64_t wait;

	s->armed_at = head < now ? now : head;
	if (head <= now) {
		/* Due now: a zero timeout, not an immediate activation, so the loop polls
		 * its sockets between two batches (a long catch-up never starves them). */
		sched_arm(s, 0);
		return;
	}
	/* Far away (or no clock at all): compare before subtracting, so nothing wraps. */
	wait = head - SCHED_MAX_SLEEP_MS > now ? SCHED_MAX_SLEEP_MS : head - now;
	sched_arm(s, wait);
}

/* The head after a batch: hold for a catch-up, and arm for the next batch. */
static void
sched_head_after_batch(void *arg, int rc, int64_t head)
{
	struct sched *s = arg;

	if (rc != 0) {
		sched_retry(s);
		return;
	}
	s->head = head;
	sched_hold(s, head, s->fire_now);
	if (sched_may_join(s))
		sched_arm_at(s, head, clock_now(s->clock));
}

static void
sched_fire_failed(struct sched *s)
{
	turn_spoil(s->t);
	log_warnx_limited(&s->log, clock_mono_us(), SCHED_LOG_EVERY_US, "scheduler: cannot "
	    "apply the clocks that are due, retrying every %d ms: %s", SCHED_RETRY_MS,
	    store_error(s->st));
	sched_arm(s, SCHED_RETRY_MS);
}

/* The engine applied a batch into the open transaction (n points) or failed. */
static void
sched_fired(void *arg, int n)
{
	struct sched *s = arg;
	struct sched_batch *b;

	s->firing = false;
	if (n < 0) {
		sched_fire_failed(s);
		return;
	}
	if (s->open_batches++ == 0) {
		s->open_seq = turn_seq(s->t);
		s->open_points = 0;
	}
	s->open_points += n;
	b = xmalloc(sizeof *b);
	*b = (struct sched_batch){ s, n };
	/* The next batch need not wait for this one's durability. */
	turn_after_write(s->t, sched_committed, s);
	turn_after(s->t, sched_count_fired, b);
	store_head(s->st, sched_head_after_batch, s);
}

static void
sched_fire_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sched *s = arg;

	if (!sched_may_join(s))
		return;
	if (turn_open(s->t) != 0) {
		sched_fire_failed(s);
		return;
	}
	s->firing = true;
	s->fire_now = clock_now(s->clock);
	engine_fire(s->e, s->fire_now, SCHED_BATCH, clock_mono_us() + SCHED_BATCH_US,
	    sched_fired, s);
}

/* The head, read by sched_kick: arm on it, and tell the idlers when nothing is due. */
static void
sched_head_read(void *arg, int rc, int64_t head)
{
	struct sched *s = arg;
	int64_t now;

	if (rc != 0) {
		sched_retry(s);
		return;
	}
	s->head = head;
	now = clock_now(s->clock);
	sched_arm_at(s, head, now);
	if (head > now && s->n_idle > 0)
		sched_run_idlers(s);
}

void
sched_kick(struct sched *s)
{
	/* A batch waits for its write: sched_committed kicks again. */
	if (s->open_batches > 0 || s->firing)
		return;
	store_head(s->st, sched_head_read, s);
}

void
sched_wake(struct sched *s, int64_t at)
{
	if (at == INT64_MIN || at < s->armed_at)
		sched_kick(s);
}

void
sched_when_idle(struct sched *s, void (*fn)(void *), void *arg)
{
	if (s->n_idle == s->cap_idle) {
		s->cap_idle = s->cap_idle ? s->cap_idle * 2 : 8;
		s->idlers = xrealloc(s->idlers, s->cap_idle * sizeof *s->idlers);
	}
	s->idlers[s->n_idle++] = (struct sched_idle){ fn, arg };
	sched_kick(s);
}

struct sched *
sched_new(struct event_base *base, struct store *st, struct engine *e, struct turn *t,
    const struct clock *clock)
{
	struct sched *s = xcalloc(1, sizeof *s);

	s->base = base;
	s->st = st;
	s->e = e;
	s->t = t;
	s->clock = clock;
	s->head = INT64_MAX;
	s->timer = evtimer_new(base, sched_fire_cb, s);
	if (s->timer == NULL)
		fatalx("scheduler: evtimer_new failed");
	return s;
}

void
sched_free(struct sched *s)
{
	if (s == NULL)
		return;
	event_free(s->timer);
	free(s->idlers);
	free(s);
}

int64_t
sched_fired_count(const struct sched *s)
{
	return s->fired;
}

int64_t
sched_oldest_due(const struct sched *s, int64_t now)
{
	return s->head < now ? now - s->head : 0;
}
