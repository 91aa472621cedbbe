#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <event2/event.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cal.h"
#include "clock.h"
#include "config.h"
#include "engine.h"
#include "fakestore.h"
#include "metrics.h"
#include "rfc3339.h"
#include "sched.h"
#include "store.h"
#include "tmpdir.h"
#include "turn.h"
#include "tz.h"
#include "web.h"
#include "web_int.h"
#include "webread.h"

/*
 * The web wing over HTTP on a Unix socket, on the in-memory store, in the mode where
 * the store answers its reads later (fakestore_defer_reads: a client-server backend)
 * as well as at once: every read's continuation, a client that leaves before its
 * answer, reads that chain (a protocol, then its history), the feed sharing one page
 * read between long-polls, the stop with reads on their way, readiness, and the test
 * clock kept in the store. The test is the client: it writes requests on a socket and
 * runs the loop until their answers are whole.
 */

#define T0_TEXT "2026-03-02T12:00:00-03:00"

struct fx {
	char dir[256];
	char sock[300];
	struct event_base *base;
	struct fakestore *fs;
	struct store *st;
	struct metrics *m;
	struct clock *clock;
	struct config *cfg;
	struct cal *cal;
	struct turn *t;
	struct engine *e;
	struct sched *s;
	struct web *web;
};

/* A commit is durable: as the app does, wake the feed and the scheduler. */
static void
on_told(void *arg, const struct turn_line *lines, size_t n)
{
	struct fx *fx = arg;

	web_feed_notify(fx->web);
	sched_kick(fx->s);
}

static void
reload(void *arg, web_reload_done *done, void *done_arg)
{
	done(done_arg, 0, NULL);
}

static bool
reload_status(void *arg, int64_t *success_at)
{
	*success_at = 0;
	return true;
}

static struct web *
start_web(struct fx *fx, char **cause)
{
	struct web_deps deps = {
		.store = fx->st, .engine = fx->e, .turn = fx->t, .sched = fx->s,
		.clock = fx->clock, .metrics = fx->m, .app = { reload, reload_status, fx },
	};

	return web_new(fx->base, -1, -1, fx->cfg, fx->cal, &deps, cause);
}

/* Everything but the web (start_web). */
static int
setup_core(void **state)
{
	struct fx *fx = calloc(1, sizeof *fx);
	char path[300], *errors = NULL, *cause = NULL;
	int64_t t0 = 0;
	FILE *f;

	if (fx == NULL || tmpdir_make(fx->dir, sizeof fx->dir, "test_web") != 0)
		return -1;
	snprintf(path, sizeof path, "%s/protocold.ini", fx->dir);
	snprintf(fx->sock, sizeof fx->sock, "%s/api.sock", fx->dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "[daemon]\nsocket = %s\ndatabase = %s/db\n", fx->sock, fx->dir);
	fclose(f);
	if ((fx->cfg = config_load(path, &errors)) == NULL ||
	    tz_set(fx->cfg->timezone, &cause) != 0 || rfc3339_parse(T0_TEXT, &t0) != 0) {
		print_error("setup: %s%s\n", errors ? errors : "", cause ? cause : "");
		return -1;
	}
	fx->base = event_base_new();
	fx->fs = fakestore_new();
	fx->st = fakestore_store(fx->fs);
	fx->m = metrics_new();
	fx->clock = clock_new(true, t0);
	fx->cal = cal_new(fx->cfg->holidays, NULL, 0);
	fx->t = turn_new(fx->base, fx->st, fx->m, on_told, fx);
	fx->e = engine_new(fx->st, fx->t, fx->clock, fx->m);
	engine_configure(fx->e, fx->cfg, fx->cal);
	fx->s = sched_new(fx->base, fx->st, fx->e, fx->t, fx->clock);
	*state = fx;
	return 0;
}

static int
setup(void **state)
{
	struct fx *fx;
	char *cause = NULL;

	if (setup_core(state) != 0)
		return -1;
	fx = *state;
	if ((fx->web = start_web(fx, &cause)) == NULL) {
		print_error("web_new: %s\n", cause);
		free(cause);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	/* The stop, in the app's order; the store answers what is queued at its close. */
	if (fx->web != NULL)
		web_shutdown_feed(fx->web);
	turn_free(fx->t);
	web_free(fx->web);
	sched_free(fx->s);
	engine_free(fx->e);
	while (fakestore_flush(fx->fs) > 0)
		;
	assert_int_equal(fakestore_violations(fx->fs), 0);
	fakestore_free(fx->fs);
	cal_free(fx->cal);
	clock_free(fx->clock);
	metrics_free(fx->m);
	config_free(fx->cfg);
	event_base_free(fx->base);
	tmpdir_remove(fx->dir);
	free(fx);
	return 0;
}

/* ------------------------------------------------------------- the client */

/* An answer as the client read it. */
struct reply {
	int status;
	char head[2048];
	char body[16384];
	size_t body_len;
};

static int
cl_connect(struct fx *fx)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_true(strlen(fx->sock) < sizeof sa.sun_path);
	memcpy(sa.sun_path, fx->sock, strlen(fx->sock) + 1);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	return fd;
}

/* Send a request (body: JSON or NULL) on a new connection: its descriptor. */
static int
cl_send(struct fx *fx, const char *method, const char *target, const char *body)
{
	char req[4096];
	int fd = cl_connect(fx), n;

	n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: t\r\nContent-Length: %zu\r\n"
	    "\r\n%s", method, target, body ? strlen(body) : 0, body ? body : "");
	assert_int_equal(write(fd, req, (size_t)n), n);
	return fd;
}

/* Run the loop once, without waiting. */
static void
spin(struct fx *fx)
{
	event_base_loop(fx->base, EVLOOP_NONBLOCK);
}

/* Run the loop and read fd until `len` bytes came or `tries` turns passed. */
static size_t
cl_read(struct fx *fx, int fd, char *buf, size_t len, size_t have, int tries)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	for (int i = 0; i < tries && have < len; i++) {
		spin(fx);
		if (poll(&p, 1, 2) <= 0)
			continue;
		if ((n = recv(fd, buf + have, len - have, MSG_DONTWAIT)) <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
	}
	return have;
}

/* The whole answer on fd (failing the test when none comes). */
static void
cl_answer(struct fx *fx, int fd, struct reply *r)
{
	char buf[sizeof r->head + sizeof r->body];
	size_t have = 0, want = sizeof buf - 1, hlen;
	const char *end = NULL, *cl;

	memset(r, 0, sizeof *r);
	for (int i = 0; i < 3000 && (end == NULL || have < want); i++) {
		have = cl_read(fx, fd, buf, want, have, 1);
		buf[have] = '\0';
		if (end == NULL && (end = strstr(buf, "\r\n\r\n")) != NULL) {
			hlen = (size_t)(end - buf) + 4;
			cl = strcasestr(buf, "Content-Length:");
			assert_non_null(cl);
			want = hlen + strtoul(cl + 15, NULL, 10);
			assert_true(want < sizeof buf);
		}
	}
	assert_non_null(end);
	assert_int_equal(have, want);
	hlen = (size_t)(end - buf) + 4;
	memcpy(r->head, buf, hlen);
	r->body_len = have - hlen;
	memcpy(r->body, buf + hlen, r->body_len);
	r->status = atoi(buf + 9);
}

/* Nothing comes on fd while the loop runs a while. */
static void
cl_nothing(struct fx *fx, int fd)
{
	char buf[64];

	assert_int_equal(cl_read(fx, fd, buf, sizeof buf - 1, 0, 30), 0);
}

/* One request, answered: the reply in r (its connection closed). */
static void
request(struct fx *fx, const char *method, const char *target, const char *body,
    struct reply *r)
{
	int fd = cl_send(fx, method, target, body);

	cl_answer(fx, fd, r);
	close(fd);
}

/* Run the loop until the store has n answers queued (the requests reached it). */
static void
until_queued(struct fx *fx, int n)
{
	for (int i = 0; i < 1000 && fakestore_queued(fx->fs) < n; i++) {
		struct pollfd p = { .fd = -1 };

		spin(fx);
		poll(&p, 0, 1);
	}
	assert_int_equal(fakestore_queued(fx->fs), n);
}

/* A protocol created through the API (writes answer at once; reads as set). */
static void
create(struct fx *fx, const char *id)
{
	char body[200];
	struct reply r;

	snprintf(body, sizeof body, "{\"id\":\"%s\",\"seller\":\"S1\",\"reason\":\"r\"}", id);
	request(fx, "POST", "/v1/protocols", body, &r);
	if (r.status != 201 && r.status != 200)
		fail_msg("create %s: %d %s", id, r.status, r.body);
}

/* Let every read queued so far answer, then the loop carry it out. */
static void
answer_reads(struct fx *fx)
{
	fakestore_flush(fx->fs);
	spin(fx);
}

/* ----------------------------------------------------------- the reads */

static void
get__store_answers_later__answered_when_the_answer_comes(void **state)
{
	struct fx *fx = *state;
	struct reply r;
	int fd;

	create(fx, "P1");
	fakestore_defer_reads(fx->fs, true);
	fd = cl_send(fx, "GET", "/v1/protocols/P1", NULL);
	until_queued(fx, 1);
	cl_nothing(fx, fd);
	assert_int_equal(webread_pending(fx->web), 1);
	fakestore_flush(fx->fs);
	cl_answer(fx, fd, &r);
	close(fd);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"id\":\"P1\""));
	assert_int_equal(webread_pending(fx->web), 0);
}

static void
get__client_left_before_the_answer__answer_dropped_server_goes_on(void **state)
{
	struct fx *fx = *state;
	struct reply r;
	int fd;

	create(fx, "P1");
	fakestore_defer_reads(fx->fs, true);
	fd = cl_send(fx, "GET", "/v1/protocols/P1", NULL);
	until_queued(fx, 1);
	close(fd);
	for (int i = 0; i < 20; i++)
		spin(fx);
	/* The answer goes to a connection whose peer is gone: libevent frees both. */
	fakestore_flush(fx->fs);
	for (int i = 0; i < 20; i++)
		spin(fx);
	assert_int_equal(webread_pending(fx->web), 0);
	fakestore_defer_reads(fx->fs, false);
	request(fx, "GET", "/v1/protocols/P1", NULL, &r);
	assert_int_equal(r.status, 200);
}

static void
get__missing_and_failing__404_and_503_database_unavailable(void **state)
{
	struct fx *fx = *state;
	struct reply r;
	int fd;

	fakestore_defer_reads(fx->fs, true);
	fd = cl_send(fx, "GET", "/v1/protocols/NOPE", NULL);
	until_queued(fx, 1);
	fakestore_flush(fx->fs);
	cl_answer(fx, fd, &r);
	close(fd);
	assert_int_equal(r.status, 404);
	assert_non_null(strstr(r.body, "protocol_not_found"));
	fakestore_fail(fx->fs, FAKESTORE_READ, 1);
	fd = cl_send(fx, "GET", "/v1/protocols/P1", NULL);
	until_queued(fx, 1);
	fakestore_flush(fx->fs);
	cl_answer(fx, fd, &r);
	close(fd);
	assert_int_equal(r.status, 503);
	assert_non_null(strstr(r.body, "database_unavailable"));
	assert_non_null(strstr(r.body, "fakestore: read failed"));
}

static void
history__get_then_history__each_answer_later_chains_the_next(void **state)
{
	struct fx *fx = *state;
	struct reply r;
	int fd;

	create(fx, "P1");
	fakestore_defer_reads(fx->fs, true);
	fd = cl_send(fx, "GET", "/v1/protocols/P1/history?limit=5", NULL);
	until_queued(fx, 1);
	fakestore_flush(fx->fs);	/* the protocol: its history is asked */
	assert_int_equal(fakestore_queued(fx->fs), 1);
	cl_nothing(fx, fd);
	assert_int_equal(webread_pending(fx->web), 1);
	fakestore_flush(fx->fs);	/* the entries */
	cl_answer(fx, fd, &r);
	close(fd);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"items\":[{"));
	assert_non_null(strstr(r.body, "\"protocol\":\"P1\""));
	assert_non_null(strstr(r.body, "\"next\":null"));
	/* No such protocol: 404 after the first read, no second. */
	fd = cl_send(fx, "GET", "/v1/protocols/NOPE/history", NULL);
	until_queued(fx, 1);
	fakestore_flush(fx->fs);
	assert_int_equal(fakestore_queued(fx->fs), 0);
	cl_answer(fx, fd, &r);
	close(fd);
	assert_int_equal(r.status, 404);
}

static void
list_forecast_seller_stats_metrics__answer_later_as_at_once(void **state)
{
	static const char *const targets[] = { "/v1/protocols?limit=1", "/v1/forecast",
		"/v1/sellers/S1", "/v1/stats", "/metrics" };
	struct fx *fx = *state;
	struct reply now, later;
	int fd;

	create(fx, "P1");
	create(fx, "P2");
	for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
		fakestore_defer_reads(fx->fs, false);
		request(fx, "GET", targets[i], NULL, &now);
		fakestore_defer_reads(fx->fs, true);
		fd = cl_send(fx, "GET", targets[i], NULL);
		until_queued(fx, 1);
		cl_nothing(fx, fd);
		fakestore_flush(fx->fs);
		cl_answer(fx, fd, &later);
		close(fd);
		assert_int_equal(now.status, 200);
		assert_int_equal(later.status, 200);
		/* The stats have an uptime, /metrics latencies: their store's counts. */
		if (i == 3)
			assert_non_null(strstr(later.body, "\"total\":2"));
		else if (i == 4)
			assert_non_null(strstr(later.body,
			    "protocold_protocols{state=\"pending\"} 2"));
		else
			assert_string_equal(now.body, later.body);
	}
	assert_non_null(strstr(later.body, "protocold_feed_waiters"));
}

/* ------------------------------------------------------------- the feed */

static void
events__two_long_polls_at_one_position__share_one_page_read(void **state)
{
	struct fx *fx = *state;
	struct reply a, b;
	long reads;
	int fa, fb;

	create(fx, "P1");
	fakestore_defer_reads(fx->fs, true);
	reads = fakestore_reads(fx->fs);
	fa = cl_send(fx, "GET", "/v1/events?after=0&wait=30", NULL);
	fb = cl_send(fx, "GET", "/v1/events?after=0&wait=30", NULL);
	until_queued(fx, 1);
	for (int i = 0; i < 20; i++)
		spin(fx);
	/* The second waits for the page the first asked. */
	assert_int_equal(fakestore_queued(fx->fs), 1);
	assert_int_equal(fakestore_reads(fx->fs) - reads, 1);
	fakestore_flush(fx->fs);
	cl_answer(fx, fa, &a);
	cl_answer(fx, fb, &b);
	close(fa);
	close(fb);
	assert_int_equal(a.status, 200);
	assert_string_equal(a.body, b.body);
	assert_non_null(strstr(a.body, "\"protocol\":\"P1\""));
	assert_int_equal(fakestore_reads(fx->fs) - reads, 1);
}

/* The feed's end, as GET /v1/events?after=0 says it ("next"). */
static int64_t
feed_end(struct fx *fx)
{
	struct reply r;
	const char *next;

	request(fx, "GET", "/v1/events?after=0&limit=1000", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(next = strstr(r.body, "\"next\":"));
	return strtoll(next + 7, NULL, 10);
}

static void
events__long_poll_waits__a_commit_wakes_it_through_later_reads(void **state)
{
	struct fx *fx = *state;
	char target[64];
	struct reply r;
	int64_t end;
	int fd;

	create(fx, "P1");
	end = feed_end(fx);
	assert_true(end > 0);
	fakestore_defer_reads(fx->fs, true);
	/* At the end of the feed: it waits (its empty page came). */
	snprintf(target, sizeof target, "/v1/events?after=%lld&wait=30", (long long)end);
	fd = cl_send(fx, "GET", target, NULL);
	until_queued(fx, 1);
	answer_reads(fx);
	cl_nothing(fx, fd);
	/* A commit: where the feed ends is read, then the page, each later. */
	create(fx, "P2");
	for (int i = 0; i < 5 && fakestore_queued(fx->fs) > 0; i++)
		answer_reads(fx);
	cl_answer(fx, fd, &r);
	close(fd);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"protocol\":\"P2\""));
	assert_null(strstr(r.body, "\"protocol\":\"P1\""));
}

static void
events__follow_with_later_reads__every_entry_once_in_seq_order(void **state)
{
	struct fx *fx = *state;
	char buf[65536] = "";
	size_t have = 0;
	const char *p;
	int64_t seq = 0;
	int fd;

	fakestore_defer_reads(fx->fs, true);
	fd = cl_send(fx, "GET", "/v1/events?after=0&follow=1", NULL);
	for (int k = 0; k < 6; k++) {
		char id[16];

		snprintf(id, sizeof id, "F%d", k);
		create(fx, id);
		for (int i = 0; i < 3; i++) {
			answer_reads(fx);
			have = cl_read(fx, fd, buf, sizeof buf - 1, have, 3);
		}
	}
	for (int i = 0; i < 10; i++) {
		answer_reads(fx);
		have = cl_read(fx, fd, buf, sizeof buf - 1, have, 3);
	}
	close(fd);
	fakestore_defer_reads(fx->fs, false);
	/* Each entry's seq, in order, none twice, none missing, up to the end. */
	for (p = buf; (p = strstr(p, "\"seq\":")) != NULL; p++) {
		int64_t s = strtoll(p + 6, NULL, 10);

		assert_int_equal(s, seq + 1);
		seq = s;
	}
	assert_int_equal(seq, feed_end(fx));
	assert_true(seq >= 6);
}

/* A cursor past the end the feed knows is judged by where the store's feed ends
 * (another instance may have committed further): served when the store has it, 409
 * cursor_ahead, naming the last seq, when the store ends before it. */
static void
events__after_past_the_end_known__the_store_decides(void **state)
{
	struct fx *fx = *state;
	char target[64], want[64];
	struct reply r;
	int64_t end;
	int fd;

	create(fx, "P1");
	end = feed_end(fx);
	fakestore_defer_reads(fx->fs, true);
	create(fx, "P2");	/* the feed reads its new end later */
	snprintf(target, sizeof target, "/v1/events?after=%lld", (long long)end + 1);
	fd = cl_send(fx, "GET", target, NULL);
	for (int i = 0; i < 8; i++)
		answer_reads(fx);
	cl_answer(fx, fd, &r);
	close(fd);
	assert_int_equal(r.status, 200);
	snprintf(want, sizeof want, "\"next\":%lld", (long long)end + 1);
	assert_non_null(strstr(r.body, want));
	snprintf(target, sizeof target, "/v1/events?after=%lld&follow=1", (long long)end + 9);
	fd = cl_send(fx, "GET", target, NULL);
	until_queued(fx, 1);
	cl_nothing(fx, fd);	/* not refused before the store said where it ends */
	for (int i = 0; i < 8; i++)
		answer_reads(fx);
	cl_answer(fx, fd, &r);
	close(fd);
	assert_int_equal(r.status, 409);
	assert_non_null(strstr(r.body, "\"code\":\"cursor_ahead\""));
	snprintf(want, sizeof want, "ends at seq %lld", (long long)end + 1);
	assert_non_null(strstr(r.body, want));
	fakestore_defer_reads(fx->fs, false);
}

/* Read the head of an answer on fd (to the empty line) into buf: its length. */
static size_t
cl_head(struct fx *fx, int fd, char *buf, size_t len)
{
	size_t have = 0;

	for (int i = 0; i < 3000 && strstr(buf, "\r\n\r\n") == NULL; i++)
		have = cl_read(fx, fd, buf, len - 1, have, 1);
	assert_non_null(strstr(buf, "\r\n\r\n"));
	return have;
}

/* HEAD is GET without the body (and its length); HTTP/1.1 needs a Host. */
static void
head__as_get_without_body__and_host_required(void **state)
{
	struct fx *fx = *state;
	static const char head[] = "HEAD /v1/version HTTP/1.1\r\nHost: t\r\n\r\n";
	static const char nohost[] = "GET /v1/version HTTP/1.1\r\n\r\n";
	char buf[4096] = "", want[64];
	struct reply get;
	size_t n;
	int fd;

	request(fx, "GET", "/v1/version", NULL, &get);
	assert_int_equal(get.status, 200);
	fd = cl_connect(fx);
	assert_int_equal(write(fd, head, sizeof head - 1), (ssize_t)(sizeof head - 1));
	n = cl_head(fx, fd, buf, sizeof buf);
	assert_int_equal(n, (size_t)(strstr(buf, "\r\n\r\n") - buf) + 4);	/* no body */
	assert_int_equal(atoi(buf + 9), 200);
	snprintf(want, sizeof want, "Content-Length: %zu\r\n", get.body_len);
	assert_non_null(strstr(buf, want));
	cl_nothing(fx, fd);
	close(fd);
	memset(buf, 0, sizeof buf);
	fd = cl_connect(fx);
	assert_int_equal(write(fd, nohost, sizeof nohost - 1), (ssize_t)(sizeof nohost - 1));
	cl_head(fx, fd, buf, sizeof buf);
	assert_int_equal(atoi(buf + 9), 400);
	close(fd);
}

/* --------------------------------------------------- the stop, the status */

struct status_seen {
	int calls;
	char text[256];
	bool null;
};

static void
on_status(void *arg, const char *text)
{
	struct status_seen *s = arg;

	s->calls++;
	s->null = text == NULL;
	snprintf(s->text, sizeof s->text, "%s", text ? text : "");
}

static void
status_text__answer_later__told_once_when_it_came(void **state)
{
	struct fx *fx = *state;
	struct status_seen s = { 0 };

	create(fx, "P1");
	web_status_text(fx->web, on_status, &s);
	assert_int_equal(s.calls, 1);
	assert_string_equal(s.text, "1 protocols, 0 awaiting, next due in 44h00m");
	s.calls = 0;
	fakestore_defer_reads(fx->fs, true);
	web_status_text(fx->web, on_status, &s);
	assert_int_equal(s.calls, 0);
	fakestore_flush(fx->fs);
	assert_int_equal(s.calls, 1);
	assert_string_equal(s.text, "1 protocols, 0 awaiting, next due in 44h00m");
	fakestore_fail(fx->fs, FAKESTORE_READ, 1);
	web_status_text(fx->web, on_status, &s);
	fakestore_flush(fx->fs);
	assert_int_equal(s.calls, 2);
	assert_string_equal(s.text, "database unavailable: fakestore: read failed (as asked)");
}

static void
web_free__reads_on_their_way__cancelled_and_their_answers_dropped(void **state)
{
	struct fx *fx = *state;
	struct status_seen s = { 0 };
	int fds[4];

	create(fx, "P1");
	fakestore_defer_reads(fx->fs, true);
	fds[0] = cl_send(fx, "GET", "/v1/protocols/P1", NULL);
	fds[1] = cl_send(fx, "GET", "/v1/protocols/P1/history", NULL);
	fds[2] = cl_send(fx, "GET", "/v1/stats", NULL);
	fds[3] = cl_send(fx, "GET", "/v1/events?after=0&wait=30", NULL);
	until_queued(fx, 4);
	web_status_text(fx->web, on_status, &s);
	assert_int_equal(webread_pending(fx->web), 4);
	/* The stop: the web goes with its reads on their way. */
	web_shutdown_feed(fx->web);
	turn_free(fx->t);
	fx->t = NULL;
	web_free(fx->web);
	fx->web = NULL;
	assert_int_equal(s.calls, 1);
	assert_true(s.null);
	/* The answers come after: each frees its own and touches nothing else. */
	assert_int_equal(fakestore_flush(fx->fs), 5);
	assert_int_equal(s.calls, 1);
	for (int i = 0; i < 4; i++)
		close(fds[i]);
}

/* ----------------------------------------------- readiness, the secret */

static void
ready__store_unreachable__503_not_ready_with_why_live_still_200(void **state)
{
	struct fx *fx = *state;
	struct reply r;

	request(fx, "GET", "/v1/health/ready", NULL, &r);
	assert_int_equal(r.status, 200);
	fakestore_set_health(fx->fs, false, "the database server is unreachable: "
	    "connection refused; reconnecting");
	request(fx, "GET", "/v1/health/ready", NULL, &r);
	assert_int_equal(r.status, 503);
	assert_non_null(strstr(r.body, "\"code\":\"not_ready\""));
	assert_non_null(strstr(r.body, "unreachable: connection refused; reconnecting"));
	request(fx, "GET", "/v1/health/live", NULL, &r);
	assert_int_equal(r.status, 200);
}

static void
web_new__secret_answered_later__connections_wait_until_it_came(void **state)
{
	struct fx *fx = *state;
	char *cause = NULL;
	struct reply r;
	int fd;

	fakestore_defer_reads(fx->fs, true);
	assert_non_null(fx->web = start_web(fx, &cause));
	/* The feed's end and the secret are asked: nobody is taken meanwhile. */
	assert_int_equal(fakestore_queued(fx->fs), 2);
	fd = cl_send(fx, "GET", "/v1/health/live", NULL);
	cl_nothing(fx, fd);
	fakestore_flush(fx->fs);
	cl_answer(fx, fd, &r);
	close(fd);
	assert_int_equal(r.status, 200);
	fakestore_defer_reads(fx->fs, false);
	request(fx, "GET", "/v1/protocols", NULL, &r);
	assert_int_equal(r.status, 200);
}

static void
web_new__secret_fails_later__lists_503_then_ask_again(void **state)
{
	struct fx *fx = *state;
	char *cause = NULL;
	struct reply r;

	fakestore_defer_reads(fx->fs, true);
	fakestore_fail(fx->fs, FAKESTORE_READ, -1);
	assert_non_null(fx->web = start_web(fx, &cause));
	fakestore_fail(fx->fs, FAKESTORE_READ, 0);
	fakestore_flush(fx->fs);
	fakestore_defer_reads(fx->fs, false);
	/* Taken all the same; ready says what is missing; a list asks again. */
	request(fx, "GET", "/v1/health/live", NULL, &r);
	assert_int_equal(r.status, 200);
	fakestore_fail(fx->fs, FAKESTORE_READ, 1);
	request(fx, "GET", "/v1/health/ready", NULL, &r);
	assert_int_equal(r.status, 503);
	assert_non_null(strstr(r.body, "cursor secret"));
	request(fx, "GET", "/v1/protocols", NULL, &r);
	assert_int_equal(r.status, 200);
}

static void
web_new__secret_fails_at_once__refused_with_the_cause(void **state)
{
	struct fx *fx = *state;
	char *cause = NULL;

	fakestore_fail(fx->fs, FAKESTORE_READ, -1);
	assert_null(start_web(fx, &cause));
	assert_non_null(cause);
	assert_non_null(strstr(cause, "cannot read the cursor secret: fakestore: read failed"));
	free(cause);
	fakestore_fail(fx->fs, FAKESTORE_READ, 0);
	/* The socket file went with it: a second start binds it again. */
	assert_non_null(fx->web = start_web(fx, &cause));
}

/* --------------------------------------------------------- the test clock */

static void
clock_post__kept_in_the_store__a_refused_save_is_503_and_changes_nothing(void **state)
{
	struct fx *fx = *state;
	int64_t before = clock_now(fx->clock);
	struct reply r;

	request(fx, "POST", "/v1/clock", "{\"advance\":\"1h\"}", &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(clock_now(fx->clock), before + 3600000);
	assert_int_equal(fakestore_clock(fx->fs), before + 3600000);
	fakestore_fail(fx->fs, FAKESTORE_CLOCK, 1);
	request(fx, "POST", "/v1/clock", "{\"advance\":\"1h\"}", &r);
	assert_int_equal(r.status, 503);
	assert_non_null(strstr(r.body, "database_unavailable"));
	assert_non_null(strstr(r.body, "it is unchanged"));
	assert_int_equal(clock_now(fx->clock), before + 3600000);
	assert_int_equal(fakestore_clock(fx->fs), before + 3600000);
	fakestore_fail(fx->fs, FAKESTORE_BEGIN, 1);
	request(fx, "POST", "/v1/clock", "{\"advance\":\"1h\"}", &r);
	assert_int_equal(r.status, 503);
	assert_int_equal(clock_now(fx->clock), before + 3600000);
}

static void
clock_post__its_commit_fails__saved_again_and_answered_once_kept(void **state)
{
	struct fx *fx = *state;
	int64_t before = clock_now(fx->clock);
	struct reply r;

	/* As on a full disk: the clock has moved, the scheduler and the save retry. */
	fakestore_fail(fx->fs, FAKESTORE_COMMIT, 1);
	request(fx, "POST", "/v1/clock", "{\"advance\":\"2h\"}", &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(fakestore_commits(fx->fs), 2);
	assert_int_equal(fakestore_clock(fx->fs), before + 2 * 3600000);
}

static void
clock_post__due_clocks_applied_and_committed_before_the_answer(void **state)
{
	struct fx *fx = *state;
	struct reply r;

	create(fx, "P1");
	request(fx, "POST", "/v1/clock", "{\"advance\":\"49h\"}", &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"applied\":2"));
	request(fx, "GET", "/v1/protocols/P1", NULL, &r);
	assert_non_null(strstr(r.body, "\"state\":\"mediation\""));
}

/* ------------------------------------------------------ the marketplaces */

static void
marketplaces__list_and_one__the_built_in_rulebook_and_404_for_another(void **state)
{
	struct fx *fx = *state;
	struct reply r;

	request(fx, "GET", "/v1/marketplaces", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "{\"default\":\"casas-bahia\",\"items\":[{"
	    "\"name\":\"casas-bahia\","));
	request(fx, "GET", "/v1/marketplaces/casas-bahia", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"name\":\"casas-bahia\""));
	assert_non_null(strstr(r.body, "\"wait\":\"pickup_date + 1d\""));
	request(fx, "GET", "/v1/marketplaces/nope", NULL, &r);
	assert_int_equal(r.status, 404);
	assert_non_null(strstr(r.body, "\"code\":\"marketplace_not_found\""));
}

static void
protocols__marketplace__shown_after_seller_filtered_unknown_422(void **state)
{
	struct fx *fx = *state;
	struct reply r;

	create(fx, "P1");
	request(fx, "GET", "/v1/protocols/P1", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"seller\":\"S1\",\"marketplace\":\"casas-bahia\","));
	assert_non_null(strstr(r.body, "\"allowed_action_labels\":{\"request_photos\":"
	    "\"Solicitar fotos do produto ao cliente\","));
	request(fx, "POST", "/v1/protocols",
	    "{\"id\":\"P2\",\"seller\":\"S1\",\"marketplace\":\"nope\"}", &r);
	assert_int_equal(r.status, 422);
	assert_non_null(strstr(r.body, "\"code\":\"unknown_marketplace\""));
	assert_non_null(strstr(r.body, "\"allowed\":[\"casas-bahia\"]"));
	request(fx, "GET", "/v1/protocols?marketplace=casas-bahia", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"id\":\"P1\""));
	request(fx, "GET", "/v1/protocols?marketplace=other", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "\"id\":\"P1\""));
	request(fx, "GET", "/v1/protocols?marketplace=Not_A_Name", NULL, &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "\"code\":\"invalid_query\""));
}

static void
stats_and_metrics__marketplaces_and_clock_kinds__counted_by_name(void **state)
{
	struct fx *fx = *state;
	struct reply r;

	create(fx, "P1");
	create(fx, "P2");
	request(fx, "GET", "/v1/stats", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"marketplaces\":{\"casas-bahia\":{\"total\":2,"
	    "\"by_state\":{\"pending\":2,"));
	request(fx, "GET", "/metrics", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "protocold_marketplace_protocols{marketplace="
	    "\"casas-bahia\",state=\"pending\"} 2\n"));
	assert_non_null(strstr(r.body, "protocold_clocks_running{kind=\"response\"} 2\n"));
	assert_non_null(strstr(r.body, "protocold_clocks_running{kind=\"photos_wait\"} 0\n"));
	request(fx, "GET", "/v1/forecast?within=3d&marketplace=casas-bahia", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"marketplace\":\"casas-bahia\""));
	assert_non_null(strstr(r.body, "\"by_marketplace\":{\"casas-bahia\":{\"total\":2,"));
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
#define T_CORE(name) cmocka_unit_test_setup_teardown(name, setup_core, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(get__store_answers_later__answered_when_the_answer_comes),
		T(get__client_left_before_the_answer__answer_dropped_server_goes_on),
		T(get__missing_and_failing__404_and_503_database_unavailable),
		T(history__get_then_history__each_answer_later_chains_the_next),
		T(list_forecast_seller_stats_metrics__answer_later_as_at_once),
		T(events__two_long_polls_at_one_position__share_one_page_read),
		T(events__long_poll_waits__a_commit_wakes_it_through_later_reads),
		T(events__follow_with_later_reads__every_entry_once_in_seq_order),
		T(events__after_past_the_end_known__the_store_decides),
		T(head__as_get_without_body__and_host_required),
		T(status_text__answer_later__told_once_when_it_came),
		T(web_free__reads_on_their_way__cancelled_and_their_answers_dropped),
		T(ready__store_unreachable__503_not_ready_with_why_live_still_200),
		T_CORE(web_new__secret_answered_later__connections_wait_until_it_came),
		T_CORE(web_new__secret_fails_later__lists_503_then_ask_again),
		T_CORE(web_new__secret_fails_at_once__refused_with_the_cause),
		T(clock_post__kept_in_the_store__a_refused_save_is_503_and_changes_nothing),
		T(clock_post__its_commit_fails__saved_again_and_answered_once_kept),
		T(clock_post__due_clocks_applied_and_committed_before_the_answer),
		T(marketplaces__list_and_one__the_built_in_rulebook_and_404_for_another),
		T(protocols__marketplace__shown_after_seller_filtered_unknown_422),
		T(stats_and_metrics__marketplaces_and_clock_kinds__counted_by_name),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
