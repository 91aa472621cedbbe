#include "testclock.h"

#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "api.h"
#include "clock.h"
#include "duration.h"
#include "http.h"
#include "render.h"
#include "rfc3339.h"
#include "sched.h"
#include "store.h"
#include "turn.h"
#include "web_int.h"
#include "xmalloc.h"

static bool
testclock_enabled(struct web *web, struct evhttp_request *req)
{
	if (clock_is_test(web->clock))
		return true;
	http_reply_error(web->http, req, 404, "test_clock_disabled", "/v1/clock exists only "
	    "when protocold runs with --test-clock");
	return false;
}

/* Answer {"now": …} (and "applied": applied, unless negative). */
static void
testclock_reply(struct web *web, struct evhttp_request *req, int64_t applied)
{
	struct jsonw w;

	jsonw_init(&w, web->pool);
	jsonw_obj(&w);
	jsonw_key(&w, "now");
	render_time(&w, clock_now(web->clock));
	if (applied >= 0) {
		jsonw_key(&w, "applied");
		jsonw_int(&w, applied);
	}
	jsonw_obj_end(&w);
	http_reply_jsonw(web->http, req, 200, &w);
	jsonw_free(&w);
}

void
testclock_get(struct web *web, struct evhttp_request *req, const char *unused)
{
	if (testclock_enabled(web, req))
		testclock_reply(web, req, -1);
}

/* A clock request waits for the scheduler at most this long without progress: while
 * the database refuses writes (a full disk, a server gone) the due clocks cannot be
 * applied, and the request is answered 503 instead of never (the scheduler keeps
 * retrying). A drain that commits points meanwhile (a million of them take 40 s on
 * PostgreSQL here) is waited for. */
#define TESTCLOCK_MAX_WAIT_S 30

/* A commit that was to keep the clock failed (a full disk): saved again this often, as
 * the scheduler retries its clocks. */
#define TESTCLOCK_RETRY_MS 1000

/*
 * A clock request on its way. It is answered once two things are over: a commit that
 * keeps the new instant in the database (kept: one that fails is retried, the clock
 * having moved already, as the scheduler retries the clocks due by it), and the
 * scheduler's work at the new time, idle and durable (applied). Each of the two is
 * over once (owed); the last one frees it.
 */
struct testclock_wait {
	struct web *web;
	struct evhttp_request *req;	/* NULL once answered (the timer ran out) */
	int64_t fired_before;
	int64_t fired_seen;		/* at the last look of the timer */
	bool kept, applied;
	int owed;
	struct event *timer;
	struct event *retry;		/* the next save, after a failed commit */
	struct event *poll;		/* the next look at the other instances */
	int64_t to;			/* the instant asked */
	struct testclock_wait *prev, *next;	/* in web->clock_waits */
};

static void
testclock_free(struct testclock_wait *cw)
{
	if (cw->prev != NULL)
		cw->prev->next = cw->next;
	else
		cw->web->clock_waits = cw->next;
	if (cw->next != NULL)
		cw->next->prev = cw->prev;
	event_free(cw->timer);
	event_free(cw->retry);
	event_free(cw->poll);
	free(cw);
}

/* One of the two is over: answer when both are, free after the last. */
static void
testclock_settle(struct testclock_wait *cw)
{
	if (cw->kept && cw->applied)
		evtimer_del(cw->timer);
	if (cw->req != NULL && cw->kept && cw->applied) {
		testclock_reply(cw->web, cw->req, sched_fired_count(cw->web->sched) -
		    cw->fired_before);
		cw->req = NULL;
	}
	if (--cw->owed == 0)
		testclock_free(cw);
}

static void testclock_kept(void *arg, bool ok);

/* Keep the clock as it is now in this turn's transaction: 0, or -1 (the store refused:
 * the transaction is spoiled if it was open). */
static int
testclock_save(struct web *web)
{
	if (turn_open(web->turn) != 0)
		return -1;
	if (store_clock_save(web->st, clock_now(web->clock)) == 0)
		return 0;
	turn_spoil(web->turn);
	return -1;
}

static void
testclock_resave(evutil_socket_t fd, short what, void *arg)
{
	struct testclock_wait *cw = arg;
	struct timeval retry = { TESTCLOCK_RETRY_MS / 1000, TESTCLOCK_RETRY_MS % 1000 * 1000 };

	if (testclock_save(cw->web) == 0)
		turn_after(cw->web->turn, testclock_kept, cw);
	else
		evtimer_add(cw->retry, &retry);
}

/* The commit that holds the clock: durable, or failed (nothing of it kept: saved again
 * in a moment; the turn said why). */
static void
testclock_kept(void *arg, bool ok)
{
	struct testclock_wait *cw = arg;
	struct timeval retry = { TESTCLOCK_RETRY_MS / 1000, TESTCLOCK_RETRY_MS % 1000 * 1000 };

	if (!ok) {
		evtimer_add(cw->retry, &retry);
		return;
	}
	cw->kept = true;
	testclock_settle(cw);
}

/* How often a clock request on a cluster looks whether the others are done. */
#define TESTCLOCK_POLL_MS 10

static void testclock_look(evutil_socket_t fd, short what, void *arg);

/* The other instances sharing the database (a cluster): have they all taken the clock,
 * and applied what it made due? (At once on a store of one instance.) */
static void
testclock_looked(void *arg, int rc, bool settled)
{
	struct testclock_wait *cw = arg;
	struct timeval poll = { 0, TESTCLOCK_POLL_MS * 1000 };

	if (rc != 0 || !settled) {
		evtimer_add(cw->poll, &poll);
		return;
	}
	cw->applied = true;
	testclock_settle(cw);
}

static void
testclock_look(evutil_socket_t fd, short what, void *arg)
{
	struct testclock_wait *cw = arg;

	store_settled(cw->web->st, cw->to, testclock_looked, cw);
}

static void
testclock_answer(void *arg, bool ok)
{
	testclock_look(-1, 0, arg);
}

/* Nothing is due any more: answer once what was applied is durable (the scheduler
 * goes on as soon as its batches are written). */
static void
testclock_idle(void *arg)
{
	struct testclock_wait *cw = arg;

	turn_after(cw->web->turn, testclock_answer, cw);
}

/* The scheduler could not apply everything due in time, or the clock could not be
 * kept: say so; the wait itself ends (and is freed) once both are done at last. */
static void
testclock_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct testclock_wait *cw = arg;
	struct timeval wait = { TESTCLOCK_MAX_WAIT_S, 0 };
	int64_t fired = sched_fired_count(cw->web->sched);
	char now[RFC3339_LEN];

	if (cw->req == NULL)
		return;
	if (cw->kept && fired > cw->fired_seen) {
		cw->fired_seen = fired;
		evtimer_add(cw->timer, &wait);
		return;
	}
	if (!cw->kept)
		http_reply_error(cw->web->http, cw->req, 503, "database_unavailable", "the "
		    "clock is at %s, but it could not be kept in the database within %d s (it "
		    "refuses writes: see the daemon's log); it is kept, and the clocks due "
		    "applied, once it accepts them again", rfc3339_format(clock_now(
		    cw->web->clock), now), TESTCLOCK_MAX_WAIT_S);
	else
		http_reply_error(cw->web->http, cw->req, 503, "database_unavailable", "the "
		    "clock is at %s, but no clock due by then could be applied for %d s (the "
		    "database refuses writes: see the daemon's log); they are applied once it "
		    "accepts them again", rfc3339_format(clock_now(
		    cw->web->clock), now), TESTCLOCK_MAX_WAIT_S);
	cw->req = NULL;
}

/* The new instant of a clock request: {"now": RFC 3339} or {"advance": duration}. */
static int
testclock_target(struct web *web, json_t *o, int64_t *to, struct problem *pb)
{
	const char *now, *adv;
	struct duration d;
	char err[DURATION_ERR_LEN], why[256];

	if (api_member_str(o, "now", &now, pb) < 0 || api_member_str(o, "advance", &adv, pb) < 0)
		return -1;
	if ((now == NULL) == (adv == NULL))
		return problem_set(pb, 422, "invalid_field", "give either now (an RFC 3339 "
		    "instant) or advance (a duration like 48h)");
	if (now != NULL && rfc3339_parse(now, to) != 0)
		return problem_set(pb, 422, "invalid_field", "now must be an RFC 3339 instant "
		    "with an offset");
	/* Bounded so that every deadline started at the new now can be written. */
	if (now != NULL && clock_test_check(*to, why, sizeof why) != 0)
		return problem_set(pb, 422, "invalid_field", "now: %s", why);
	if (adv == NULL)
		return 0;
	if (duration_parse(adv, &d, err) != 0)
		return problem_set(pb, 422, "invalid_field", "advance: %s", err);
	if (duration_is_bdays(&d))
		return problem_set(pb, 422, "invalid_field", "advance takes plain time "
		    "(s, min, h, d, w), not business days");
	*to = clock_now(web->clock) + d.ms;
	if (clock_test_check(*to, why, sizeof why) != 0)
		return problem_set(pb, 422, "invalid_field", "advance %.24s goes too far: %s",
		    adv, why);
	return 0;
}

/* Move the test clock to `to` and keep it in the database, in this turn's transaction
 * (the instances sharing it share the clock): true, or false answered 503 with the
 * clock unchanged. */
static bool
testclock_move(struct web *web, struct evhttp_request *req, int64_t to)
{
	int64_t before = clock_now(web->clock);

	clock_test_set(web->clock, to);
	if (testclock_save(web) == 0)
		return true;
	clock_test_set(web->clock, before);
	http_reply_error(web->http, req, 503, "database_unavailable", "the database cannot "
	    "keep the clock now (%s); it is unchanged", store_error(web->st));
	return false;
}

void
testclock_post(struct web *web, struct evhttp_request *req, const char *unused)
{
	struct problem pb;
	struct timeval wait = { TESTCLOCK_MAX_WAIT_S, 0 };
	struct testclock_wait *cw;
	int64_t to;
	json_t *o;

	if (!testclock_enabled(web, req))
		return;
	if ((o = http_body_object(req, &pb)) == NULL ||
	    testclock_target(web, o, &to, &pb) != 0) {
		http_reply_problem(web->http, req, &pb);
		json_decref(o);
		return;
	}
	json_decref(o);
	if (!testclock_move(web, req, to))
		return;
	/* Answer once it is kept and every clock due at the new time is applied and
	 * committed. */
	cw = xcalloc(1, sizeof *cw);
	cw->web = web;
	cw->req = req;
	cw->fired_before = cw->fired_seen = sched_fired_count(web->sched);
	cw->owed = 2;
	cw->timer = evtimer_new(web->base, testclock_timeout, cw);
	cw->retry = evtimer_new(web->base, testclock_resave, cw);
	cw->poll = evtimer_new(web->base, testclock_look, cw);
	cw->to = to;
	cw->next = web->clock_waits;
	if (cw->next != NULL)
		cw->next->prev = cw;
	web->clock_waits = cw;
	turn_after(web->turn, testclock_kept, cw);
	evtimer_add(cw->timer, &wait);
	sched_when_idle(web->sched, testclock_idle, cw);
}

void
testclock_shutdown(struct web *web)
{
	while (web->clock_waits != NULL)
		testclock_free(web->clock_waits);
}
