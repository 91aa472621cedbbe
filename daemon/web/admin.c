#include "admin.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "ckpt.h"
#include "clock.h"
#include "commit.h"
#include "duration.h"
#include "feed.h"
#include "http.h"
#include "metrics.h"
#include "render.h"
#include "rfc3339.h"
#include "runconf.h"
#include "sched.h"
#include "listing.h"
#include "sqlite.h"
#include "sysd.h"
#include "xmalloc.h"

#define ADMIN_VERSION "0.1.0"
#define ADMIN_API_VERSION "1"

static struct store *admin_rd;

void
admin_init(struct store *reader)
{
	admin_rd = reader;
}

static json_t *
admin_stats_clocks(const struct listing_stats *s)
{
	json_t *kinds = json_object(), *next = json_null();
	int64_t running = 0;

	for (int c = PROTO_CLOCK_NONE + 1; c < PROTO_N_CLOCKS; c++) {
		json_object_set_new(kinds, proto_clock_name(c), json_integer(s->by_clock[c]));
		running += s->by_clock[c];
	}
	if (s->has_next)
		next = json_pack("{s:s, s:s, s:o}", "protocol", s->next_id, "kind",
		    proto_clock_name(s->next_clock), "at", render_time(s->next_at));
	return json_pack("{s:I, s:o, s:o}", "running", (json_int_t)running, "by_kind", kinds,
	    "next_due", next);
}

void
admin_stats(struct evhttp_request *req, const char *unused)
{
	struct listing_stats s;
	int64_t total = 0;

	if (listing_stats(admin_rd, &s) != 0) {
		http_reply_error(req, 503, "database_unavailable", "%s", store_error(admin_rd));
		return;
	}
	for (int i = 0; i < PROTO_N_STATES; i++)
		total += s.by_state[i];
	http_reply_json(req, 200, json_pack("{s:{s:I, s:o}, s:o, s:I, s:I, s:I, s:I, s:o, "
	    "s:i}", "protocols", "total", (json_int_t)total, "by_state",
	    render_state_counts(s.by_state), "clocks", admin_stats_clocks(&s),
	    "expirations_fired", (json_int_t)s.by_cause[PROTO_CAUSE_EXPIRY],
	    "warnings_fired", (json_int_t)s.by_cause[PROTO_CAUSE_WARNING],
	    "fired_since_start", (json_int_t)sched_fired_count(),
	    "uptime_s", (json_int_t)clock_uptime_s(), "now", render_time(clock_now()),
	    "feed_waiting", feed_waiting()));
}

void
admin_live(struct evhttp_request *req, const char *unused)
{
	http_reply_json(req, 200, json_pack("{s:s}", "status", "live"));
}

void
admin_ready(struct evhttp_request *req, const char *unused)
{
	/* The socket is served only once the database and configuration are loaded. */
	if (runconf_get() == NULL) {
		http_reply_error(req, 503, "not_ready", "the configuration is not loaded");
		return;
	}
	http_reply_json(req, 200, json_pack("{s:s}", "status", "ready"));
}

void
admin_version(struct evhttp_request *req, const char *unused)
{
	http_reply_json(req, 200, json_pack("{s:s, s:s, s:s, s:s}", "version",
	    ADMIN_VERSION, "api_version", ADMIN_API_VERSION, "sqlite", store_sqlite_version(),
	    "libevent", event_get_version()));
}

/* text (a file's path, an error that quotes the file) as a JSON string: its bytes that
 * are not UTF-8 become '?', as jansson takes nothing else (and would give NULL). */
static json_t *
admin_json_text(const char *text, size_t len)
{
	char *copy = xstrndup(text, len);
	json_t *s;

	problem_clean(copy);
	s = json_string(copy);
	free(copy);
	return s;
}

/* The reload's errors, one per line, as a problem with an "errors" list. */
static void
admin_reload_failed(struct evhttp_request *req, const char *errors)
{
	struct problem pb;
	json_t *doc, *list = json_array();
	const char *line = errors;

	problem_set(&pb, 422, "config_invalid", "the configuration file has errors; the "
	    "running configuration is unchanged");
	while (line != NULL && *line) {
		size_t n = strcspn(line, "\n");

		json_array_append_new(list, admin_json_text(line, n));
		line += n + (line[n] == '\n');
	}
	doc = render_problem(&pb);
	json_object_set_new(doc, "errors", list);
	http_reply_problem_doc(req, 422, doc);
}

/* Reload the configuration (also what SIGHUP does): 0 or -1 with *errors, which
 * runconf_reload has logged. */
int
admin_do_reload(char **errors)
{
	int rc;

	sysd_reloading();
	rc = runconf_reload(errors);
	sysd_reloaded(rc != 0);
	return rc;
}

void
admin_reload(struct evhttp_request *req, const char *unused)
{
	char *errors = NULL;

	if (admin_do_reload(&errors) == 0)
		http_reply_json(req, 200, json_pack("{s:b, s:o}", "reloaded", 1, "config",
		    admin_json_text(runconf_get()->path, strlen(runconf_get()->path))));
	else
		admin_reload_failed(req, errors);
	free(errors);
}

static bool
admin_clock_enabled(struct evhttp_request *req)
{
	if (clock_is_test())
		return true;
	http_reply_error(req, 404, "test_clock_disabled", "/v1/clock exists only when "
	    "protocold runs with --test-clock");
	return false;
}

void
admin_clock_get(struct evhttp_request *req, const char *unused)
{
	if (admin_clock_enabled(req))
		http_reply_json(req, 200, json_pack("{s:o}", "now", render_time(clock_now())));
}

/* A clock request waits for the scheduler at most this long: while the database
 * refuses writes (a full disk) the due clocks cannot be applied, and the request is
 * answered 503 instead of never (the scheduler keeps retrying). */
#define ADMIN_CLOCK_MAX_WAIT_S 30

struct admin_clock_wait {
	struct evhttp_request *req;	/* NULL once answered (the timer ran out) */
	int64_t fired_before;
	struct event *timer;
};

static void
admin_clock_free(struct admin_clock_wait *w)
{
	event_free(w->timer);
	free(w);
}

static void
admin_clock_answer(void *arg, bool ok)
{
	struct admin_clock_wait *w = arg;

	if (w->req != NULL)
		http_reply_json(w->req, 200, json_pack("{s:o, s:I}", "now",
		    render_time(clock_now()), "applied",
		    (json_int_t)(sched_fired_count() - w->fired_before)));
	admin_clock_free(w);
}

/* Nothing is due any more: answer once what was applied is durable (the scheduler
 * goes on as soon as its batches are written). */
static void
admin_clock_idle(void *arg)
{
	struct admin_clock_wait *w = arg;

	evtimer_del(w->timer);
	commit_after(admin_clock_answer, arg);
}

/* The scheduler could not apply everything due in time: say so; the wait itself ends
 * (and is freed) when the scheduler is idle at last. */
static void
admin_clock_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct admin_clock_wait *w = arg;
	char now[RFC3339_LEN];

	http_reply_error(w->req, 503, "database_unavailable", "the clock is at %s, but the "
	    "clocks due by then could not all be applied within %d s (the database refuses "
	    "writes: see the daemon's log); they are applied once it accepts them again",
	    rfc3339_format(clock_now(), now), ADMIN_CLOCK_MAX_WAIT_S);
	w->req = NULL;
}

/* The new instant of a clock request: {"now": RFC 3339} or {"advance": duration}. */
static int
admin_clock_target(json_t *o, int64_t *to, struct problem *pb)
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
	*to = clock_now() + d.ms;
	if (clock_test_check(*to, why, sizeof why) != 0)
		return problem_set(pb, 422, "invalid_field", "advance %.24s goes too far: %s",
		    adv, why);
	return 0;
}

void
admin_clock_post(struct evhttp_request *req, const char *unused)
{
	struct problem pb;
	struct timeval wait = { ADMIN_CLOCK_MAX_WAIT_S, 0 };
	struct admin_clock_wait *w;
	int64_t to;
	json_t *o;

	if (!admin_clock_enabled(req))
		return;
	if ((o = http_body_object(req, &pb)) == NULL || admin_clock_target(o, &to, &pb) != 0) {
		http_reply_problem(req, &pb);
		json_decref(o);
		return;
	}
	json_decref(o);
	clock_test_set(to);
	/* Answer once every clock due at the new time is applied and committed. */
	w = xcalloc(1, sizeof *w);
	w->req = req;
	w->fired_before = sched_fired_count();
	w->timer = evtimer_new(evhttp_connection_get_base(evhttp_request_get_connection(req)),
	    admin_clock_timeout, w);
	evtimer_add(w->timer, &wait);
	sched_when_idle(admin_clock_idle, w);
}


void
admin_metrics(struct evhttp_request *req, const char *unused)
{
	struct metrics_snapshot snap = { 0 };
	struct listing_stats st;
	struct ckpt_stats ck;
	struct evbuffer *buf;
	int64_t success_at;
	char *text;

	if (listing_stats(admin_rd, &st) != 0) {
		http_reply_error(req, 503, "database_unavailable", "%s", store_error(admin_rd));
		return;
	}
	memcpy(snap.protocols, st.by_state, sizeof snap.protocols);
	memcpy(snap.clocks, st.by_clock, sizeof snap.clocks);
	memcpy(snap.transitions, st.by_cause, sizeof snap.transitions);
	snap.feed_waiters = feed_waiting();
	ckpt_get_stats(&ck);
	snap.checkpoints_ok = ck.runs;
	snap.checkpoints_failed = ck.failures;
	snap.checkpoints_inline = ck.inline_runs;
	snap.wal_pages = ck.wal_pages;
	snap.uptime_seconds = (double)clock_uptime_s();
	snap.config_last_reload_successful = runconf_last_ok(&success_at);
	snap.config_last_reload_success_timestamp_seconds = (double)success_at / 1000;
	snap.version = ADMIN_VERSION;
	snap.sqlite_version = store_sqlite_version();
	snap.libevent_version = event_get_version();
	text = metrics_render(&snap);
	buf = evbuffer_new();
	evbuffer_add(buf, text, strlen(text));
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
	    "text/plain; version=0.0.4; charset=utf-8");
	http_count(req, 200);
	evhttp_send_reply(req, 200, "OK", buf);
	evbuffer_free(buf);
	free(text);
}

void
admin_status_text(char *buf, size_t len)
{
	struct listing_stats st;
	int64_t total = 0, in;

	if (listing_stats(admin_rd, &st) != 0) {
		snprintf(buf, len, "database unavailable: %s", store_error(admin_rd));
		return;
	}
	for (int i = 0; i < PROTO_N_STATES; i++)
		total += st.by_state[i];
	if (!st.has_next) {
		snprintf(buf, len, "%lld protocols, %lld awaiting, no clock running",
		    (long long)total, (long long)st.by_state[PROTO_AWAITING]);
		return;
	}
	in = (st.next_at - clock_now()) / 60000;
	if (in < 0)
		in = 0;
	snprintf(buf, len, "%lld protocols, %lld awaiting, next due in %lldh%02lldm",
	    (long long)total, (long long)st.by_state[PROTO_AWAITING], (long long)(in / 60),
	    (long long)(in % 60));
}
