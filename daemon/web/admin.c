#include "admin.h"

#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "clock.h"
#include "duration.h"
#include "feed.h"
#include "http.h"
#include "metrics.h"
#include "render.h"
#include "rfc3339.h"
#include "sched.h"
#include "store.h"
#include "turn.h"
#include "web_int.h"
#include "xmalloc.h"

#define ADMIN_VERSION "0.1.0"
#define ADMIN_API_VERSION "1"

static void
admin_unavailable(struct web *web, struct evhttp_request *req)
{
	http_reply_error(web->http, req, 503, "database_unavailable", "%s",
	    store_error(web->st));
}

/* "clocks": the running clocks by kind and the next one due. */
static void
admin_stats_clocks(struct jsonw *w, const struct store_stats *s)
{
	int64_t running = 0;

	for (int c = PROTO_CLOCK_NONE + 1; c < PROTO_N_CLOCKS; c++)
		running += s->by_clock[c];
	jsonw_obj(w);
	jsonw_key(w, "running");
	jsonw_int(w, running);
	jsonw_key(w, "by_kind");
	jsonw_obj(w);
	for (int c = PROTO_CLOCK_NONE + 1; c < PROTO_N_CLOCKS; c++) {
		jsonw_key(w, proto_clock_name(c));
		jsonw_int(w, s->by_clock[c]);
	}
	jsonw_obj_end(w);
	jsonw_key(w, "next_due");
	if (s->has_next) {
		jsonw_obj(w);
		jsonw_key(w, "protocol");
		jsonw_str(w, s->next_id);
		jsonw_key(w, "kind");
		jsonw_str(w, proto_clock_name(s->next_clock));
		jsonw_key(w, "at");
		render_time(w, s->next_at);
		jsonw_obj_end(w);
	} else
		jsonw_null(w);
	jsonw_obj_end(w);
}

static void
admin_stats_body(struct web *web, struct jsonw *w, const struct store_stats *s)
{
	int64_t total = 0;

	for (int i = 0; i < PROTO_N_STATES; i++)
		total += s->by_state[i];
	jsonw_obj(w);
	jsonw_key(w, "protocols");
	jsonw_obj(w);
	jsonw_key(w, "total");
	jsonw_int(w, total);
	jsonw_key(w, "by_state");
	render_state_counts(w, s->by_state);
	jsonw_obj_end(w);
	jsonw_key(w, "clocks");
	admin_stats_clocks(w, s);
	jsonw_key(w, "expirations_fired");
	jsonw_int(w, s->by_cause[PROTO_CAUSE_EXPIRY]);
	jsonw_key(w, "warnings_fired");
	jsonw_int(w, s->by_cause[PROTO_CAUSE_WARNING]);
	jsonw_key(w, "fired_since_start");
	jsonw_int(w, sched_fired_count(web->sched));
	jsonw_key(w, "uptime_s");
	jsonw_int(w, clock_uptime_s(web->clock));
	jsonw_key(w, "now");
	render_time(w, clock_now(web->clock));
	jsonw_key(w, "feed_waiting");
	jsonw_int(w, feed_waiting(web->feed));
	jsonw_obj_end(w);
}

void
admin_stats(struct web *web, struct evhttp_request *req, const char *unused)
{
	struct store_stats s;
	struct jsonw w;

	if (store_stats(web->st, &s) != 0) {
		admin_unavailable(web, req);
		return;
	}
	jsonw_init(&w, web->pool);
	admin_stats_body(web, &w, &s);
	http_reply_jsonw(web->http, req, 200, &w);
	jsonw_free(&w);
}

/* Answer {"status": status}. */
static void
admin_status(struct web *web, struct evhttp_request *req, const char *status)
{
	struct jsonw w;

	jsonw_init(&w, web->pool);
	jsonw_obj(&w);
	jsonw_key(&w, "status");
	jsonw_str(&w, status);
	jsonw_obj_end(&w);
	http_reply_jsonw(web->http, req, 200, &w);
	jsonw_free(&w);
}

void
admin_live(struct web *web, struct evhttp_request *req, const char *unused)
{
	admin_status(web, req, "live");
}

void
admin_ready(struct web *web, struct evhttp_request *req, const char *unused)
{
	/* The socket is served only once the database and configuration are loaded. */
	if (web->cfg == NULL) {
		http_reply_error(web->http, req, 503, "not_ready", "the configuration is not "
		    "loaded");
		return;
	}
	admin_status(web, req, "ready");
}

void
admin_version(struct web *web, struct evhttp_request *req, const char *unused)
{
	struct store_info info;
	struct jsonw w;

	store_info(web->st, &info);
	jsonw_init(&w, web->pool);
	jsonw_obj(&w);
	jsonw_key(&w, "version");
	jsonw_str(&w, ADMIN_VERSION);
	jsonw_key(&w, "api_version");
	jsonw_str(&w, ADMIN_API_VERSION);
	jsonw_key(&w, "sqlite");
	jsonw_str(&w, info.version);
	jsonw_key(&w, "libevent");
	jsonw_str(&w, event_get_version());
	jsonw_obj_end(&w);
	http_reply_jsonw(web->http, req, 200, &w);
	jsonw_free(&w);
}

/* The reload's errors, one per line, as a problem with an "errors" list (a line's bytes
 * that are not UTF-8 become '?': it may quote the file). */
static void
admin_reload_failed(struct web *web, struct evhttp_request *req, const char *errors)
{
	struct problem pb;
	struct jsonw w;
	const char *line = errors;

	problem_set(&pb, 422, "config_invalid", "the configuration file has errors; the "
	    "running configuration is unchanged");
	jsonw_init(&w, web->pool);
	render_problem_open(&w, &pb);
	jsonw_key(&w, "errors");
	jsonw_arr(&w);
	while (line != NULL && *line) {
		size_t n = strcspn(line, "\n");

		jsonw_str_n(&w, line, n);
		line += n + (line[n] == '\n');
	}
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	http_reply_problem_jsonw(web->http, req, 422, &w);
	jsonw_free(&w);
}

void
admin_reload(struct web *web, struct evhttp_request *req, const char *unused)
{
	char *errors = NULL;
	struct jsonw w;

	if (web->app.reload(web->app.arg, &errors) != 0) {
		admin_reload_failed(web, req, errors);
		free(errors);
		return;
	}
	free(errors);
	/* The running configuration's path (the app gave us the new one). */
	jsonw_init(&w, web->pool);
	jsonw_obj(&w);
	jsonw_key(&w, "reloaded");
	jsonw_bool(&w, true);
	jsonw_key(&w, "config");
	jsonw_str(&w, web->cfg->path);
	jsonw_obj_end(&w);
	http_reply_jsonw(web->http, req, 200, &w);
	jsonw_free(&w);
}

static bool
admin_clock_enabled(struct web *web, struct evhttp_request *req)
{
	if (clock_is_test(web->clock))
		return true;
	http_reply_error(web->http, req, 404, "test_clock_disabled", "/v1/clock exists only "
	    "when protocold runs with --test-clock");
	return false;
}

/* Answer {"now": …} (and "applied": applied, unless negative). */
static void
admin_clock_reply(struct web *web, struct evhttp_request *req, int64_t applied)
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
admin_clock_get(struct web *web, struct evhttp_request *req, const char *unused)
{
	if (admin_clock_enabled(web, req))
		admin_clock_reply(web, req, -1);
}

/* A clock request waits for the scheduler at most this long: while the database
 * refuses writes (a full disk) the due clocks cannot be applied, and the request is
 * answered 503 instead of never (the scheduler keeps retrying). */
#define ADMIN_CLOCK_MAX_WAIT_S 30

struct admin_clock_wait {
	struct web *web;
	struct evhttp_request *req;	/* NULL once answered (the timer ran out) */
	int64_t fired_before;
	struct event *timer;
	struct admin_clock_wait *prev, *next;	/* in web->clock_waits */
};

static void
admin_clock_free(struct admin_clock_wait *cw)
{
	if (cw->prev != NULL)
		cw->prev->next = cw->next;
	else
		cw->web->clock_waits = cw->next;
	if (cw->next != NULL)
		cw->next->prev = cw->prev;
	event_free(cw->timer);
	free(cw);
}

static void
admin_clock_answer(void *arg, bool ok)
{
	struct admin_clock_wait *cw = arg;

	if (cw->req != NULL)
		admin_clock_reply(cw->web, cw->req, sched_fired_count(cw->web->sched) -
		    cw->fired_before);
	admin_clock_free(cw);
}

/* Nothing is due any more: answer once what was applied is durable (the scheduler
 * goes on as soon as its batches are written). */
static void
admin_clock_idle(void *arg)
{
	struct admin_clock_wait *cw = arg;

	evtimer_del(cw->timer);
	turn_after(cw->web->turn, admin_clock_answer, cw);
}

/* The scheduler could not apply everything due in time: say so; the wait itself ends
 * (and is freed) when the scheduler is idle at last. */
static void
admin_clock_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct admin_clock_wait *cw = arg;
	char now[RFC3339_LEN];

	http_reply_error(cw->web->http, cw->req, 503, "database_unavailable", "the clock is "
	    "at %s, but the clocks due by then could not all be applied within %d s (the "
	    "database refuses writes: see the daemon's log); they are applied once it "
	    "accepts them again", rfc3339_format(clock_now(cw->web->clock), now),
	    ADMIN_CLOCK_MAX_WAIT_S);
	cw->req = NULL;
}

/* The new instant of a clock request: {"now": RFC 3339} or {"advance": duration}. */
static int
admin_clock_target(struct web *web, json_t *o, int64_t *to, struct problem *pb)
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

void
admin_clock_post(struct web *web, struct evhttp_request *req, const char *unused)
{
	struct problem pb;
	struct timeval wait = { ADMIN_CLOCK_MAX_WAIT_S, 0 };
	struct admin_clock_wait *cw;
	int64_t to;
	json_t *o;

	if (!admin_clock_enabled(web, req))
		return;
	if ((o = http_body_object(req, &pb)) == NULL ||
	    admin_clock_target(web, o, &to, &pb) != 0) {
		http_reply_problem(web->http, req, &pb);
		json_decref(o);
		return;
	}
	json_decref(o);
	clock_test_set(web->clock, to);
	/* Answer once every clock due at the new time is applied and committed. */
	cw = xcalloc(1, sizeof *cw);
	cw->web = web;
	cw->req = req;
	cw->fired_before = sched_fired_count(web->sched);
	cw->timer = evtimer_new(web->base, admin_clock_timeout, cw);
	cw->next = web->clock_waits;
	if (cw->next != NULL)
		cw->next->prev = cw;
	web->clock_waits = cw;
	evtimer_add(cw->timer, &wait);
	sched_when_idle(web->sched, admin_clock_idle, cw);
}

void
admin_shutdown(struct web *web)
{
	while (web->clock_waits != NULL)
		admin_clock_free(web->clock_waits);
}

/* What /metrics shows besides the counters kept in memory: 0, or -1 (the store
 * failed). */
static int
admin_snapshot(struct web *web, struct metrics_snapshot *snap)
{
	struct store_stats st;
	struct store_info info;
	int64_t success_at = 0;

	if (store_stats(web->st, &st) != 0)
		return -1;
	store_info(web->st, &info);
	memcpy(snap->protocols, st.by_state, sizeof snap->protocols);
	memcpy(snap->clocks, st.by_clock, sizeof snap->clocks);
	memcpy(snap->transitions, st.by_cause, sizeof snap->transitions);
	snap->feed_waiters = feed_waiting(web->feed);
	snap->checkpoints_ok = info.checkpoints_ok;
	snap->checkpoints_failed = info.checkpoints_failed;
	snap->checkpoints_inline = info.checkpoints_inline;
	snap->wal_pages = info.wal_pages;
	snap->uptime_seconds = (double)clock_uptime_s(web->clock);
	snap->config_last_reload_successful = web->app.reload_status(web->app.arg,
	    &success_at);
	snap->config_last_reload_success_timestamp_seconds = (double)success_at / 1000;
	snap->version = ADMIN_VERSION;
	snap->sqlite_version = info.version;
	snap->libevent_version = event_get_version();
	return 0;
}

void
admin_metrics(struct web *web, struct evhttp_request *req, const char *unused)
{
	struct metrics_snapshot snap = { 0 };
	char *text;

	if (admin_snapshot(web, &snap) != 0) {
		admin_unavailable(web, req);
		return;
	}
	text = metrics_render(web->metrics, &snap);
	http_reply_text(web->http, req, 200, "text/plain; version=0.0.4; charset=utf-8", text,
	    strlen(text));
	free(text);
}

void
admin_status_text(struct web *web, char *buf, size_t len)
{
	struct store_stats st;
	int64_t total = 0, in;

	if (store_stats(web->st, &st) != 0) {
		snprintf(buf, len, "database unavailable: %s", store_error(web->st));
		return;
	}
	for (int i = 0; i < PROTO_N_STATES; i++)
		total += st.by_state[i];
	if (!st.has_next) {
		snprintf(buf, len, "%lld protocols, %lld awaiting, no clock running",
		    (long long)total, (long long)st.by_state[PROTO_AWAITING]);
		return;
	}
	in = (st.next_at - clock_now(web->clock)) / 60000;
	if (in < 0)
		in = 0;
	snprintf(buf, len, "%lld protocols, %lld awaiting, next due in %lldh%02lldm",
	    (long long)total, (long long)st.by_state[PROTO_AWAITING], (long long)(in / 60),
	    (long long)(in % 60));
}
