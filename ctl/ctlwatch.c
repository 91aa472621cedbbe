/*
 * watch. Each connection asks for the feed after the last seq printed, prints each
 * entry as it arrives (and flushes), and skips any seq it has printed already, so
 * nothing is repeated or skipped across reconnections. When the connection ends or
 * cannot be made, it tries again every CTLWATCH_RETRY_MS, for up to --retry-for
 * seconds from the moment the daemon went away.
 *
 * SIGINT and SIGTERM end the process at once with exit 0 (_exit from the handler);
 * they are blocked while a line is printed, so a line is printed whole or not at all.
 */

#include "ctlwatch.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "ctlarg.h"
#include "ctlout.h"
#include "ctlreq.h"
#include "ctlshow.h"
#include "httpstream.h"
#include "log.h"
#include "xmalloc.h"

#define CTLWATCH_RETRY_MS 500
#define CTLWATCH_RETRY_S 60	/* --retry-for's default */
#define CTLWATCH_NDJSON "application/x-ndjson"

/* A connection's outcome besides the exit codes: it ended or could not be made. */
#define CTLWATCH_LOST (-100)

struct ctlwatch {
	const struct ctl_opts *o;
	long long after;	/* the last seq printed (or --after); -1: none yet */
	long long retry_s;
	int64_t lost_at;	/* when the daemon went away (monotonic ms); -1: it is here */
	int told;		/* whether the user was told it went away */
	int up;			/* whether the current connection got to the feed */
	int lines;		/* entries printed by the current connection */
	struct ctlout_table *t;	/* for people */
	sigset_t stop;
};

static int64_t
ctlwatch_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
ctlwatch_signal(int sig)
{
	_exit(CTL_EXIT_OK);
}

static void
ctlwatch_signals(struct ctlwatch *w)
{
	struct sigaction sa = { .sa_handler = ctlwatch_signal };

	sigemptyset(&sa.sa_mask);
	sigemptyset(&w->stop);
	sigaddset(&w->stop, SIGINT);
	sigaddset(&w->stop, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Print entry e (its line as it came with --json), signals held off meanwhile. */
static int
ctlwatch_print(struct ctlwatch *w, const json_t *e, const char *line, size_t len)
{
	struct ctlshow_row r;
	sigset_t old;

	sigprocmask(SIG_BLOCK, &w->stop, &old);
	if (w->o->json) {
		fwrite(line, 1, len, stdout);
		fputc('\n', stdout);
	} else {
		ctlshow_entry_row(e, 1, &r);
		ctlout_table_add(w->t, r.cell);
		ctlout_table_flush(w->t, stdout);
	}
	fflush(stdout);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (ferror(stdout)) {
		log_warnx("cannot write the output");
		return CTL_EXIT_REFUSED;
	}
	return CTL_EXIT_OK;
}

/* One line of the feed: printed unless its seq was printed already. */
static int
ctlwatch_entry(struct ctlwatch *w, const char *line, size_t len)
{
	json_t *e, *seq;
	int rc = CTL_EXIT_OK;

	if (len == 0)
		return CTL_EXIT_OK;	/* a keep-alive */
	e = json_loadb(line, len, 0, NULL);
	if (!json_is_integer(seq = json_object_get(e, "seq"))) {
		log_warnx("the feed sent a line that is not an entry: %.100s", line);
		json_decref(e);
		return CTL_EXIT_REFUSED;
	}
	if (json_integer_value(seq) > w->after) {
		if ((rc = ctlwatch_print(w, e, line, len)) == CTL_EXIT_OK)
			w->after = (long long)json_integer_value(seq);
		w->lines++;
	}
	json_decref(e);
	return rc;
}

/* The answer's head: CTL_EXIT_OK for the stream, else what to do. */
static int
ctlwatch_head(struct ctlwatch *w, struct httpstream *s, char **cause)
{
	const struct httpmsg *h = httpstream_head(s);
	const char *ct = httpmsg_header(h, "Content-Type");
	struct httpmsg *m;
	int rc;

	if (h->status == 200 && ct != NULL &&
	    strncasecmp(ct, CTLWATCH_NDJSON, strlen(CTLWATCH_NDJSON)) == 0)
		return CTL_EXIT_OK;
	if (h->status == 503) {
		*cause = xasprintf("the daemon is not ready (HTTP 503)");
		return CTLWATCH_LOST;
	}
	if (h->status / 100 == 2) {
		log_warnx("the daemon does not stream the feed (HTTP %d, %s): is it older "
		    "than protocolctl?", h->status, ct != NULL ? ct : "no Content-Type");
		return CTL_EXIT_REFUSED;
	}
	if (httpstream_finish(s, &m, w->o->timeout_s * 1000, cause) < 0)
		return CTLWATCH_LOST;
	rc = ctlreq_refused(w->o, m);
	httpmsg_free(m);
	return rc;
}

/* The feed is here: say so after an outage, and show the header once. */
static void
ctlwatch_up(struct ctlwatch *w)
{
	if (w->told && w->after >= 0)
		log_info("reconnected; following after seq %lld", w->after);
	else if (w->told)
		log_info("reconnected");
	w->lost_at = -1;
	w->told = 0;
	w->up = 1;
	if (w->t != NULL) {
		ctlout_table_flush(w->t, stdout);
		fflush(stdout);
	}
}

/* Follow the stream to its end: CTLWATCH_LOST (and *cause), or an exit code. */
static int
ctlwatch_follow(struct ctlwatch *w, struct httpstream *s, char **cause)
{
	char *line;
	size_t len;
	int r, rc = CTL_EXIT_OK;

	while (rc == CTL_EXIT_OK && (r = httpstream_line(s, &line, &len, -1, cause)) > 0)
		rc = ctlwatch_entry(w, line, len);
	if (rc != CTL_EXIT_OK)
		return rc;
	if (r == 0)
		*cause = xasprintf("the daemon ended the feed");
	return CTLWATCH_LOST;
}

/* One connection: CTLWATCH_LOST (and *cause) when it ends or cannot be made. */
static int
ctlwatch_session(struct ctlwatch *w, char **cause)
{
	struct httpc_request hr = { .method = "GET", .accept = CTLWATCH_NDJSON };
	struct httpstream *s;
	char *target;
	int r, rc;

	if (w->after >= 0)
		target = xasprintf("/v1/events?follow=1&after=%lld", w->after);
	else
		target = xstrdup("/v1/events?follow=1");
	hr.target = target;
	hr.connect_timeout_ms = hr.io_timeout_ms = w->o->timeout_s * 1000;
	w->lines = 0;
	w->up = 0;
	r = httpstream_open(ctlreq_socket(w->o), &hr, &s, cause);
	free(target);
	if (r < 0)
		return httpc_classify(r) == HTTPC_FAIL_DENIED ?
		    ctlreq_unreachable(r, *cause) : CTLWATCH_LOST;
	if ((rc = ctlwatch_head(w, s, cause)) == CTL_EXIT_OK) {
		ctlwatch_up(w);
		rc = ctlwatch_follow(w, s, cause);
	}
	httpstream_free(s);
	return rc;
}

/*
 * After a lost connection: CTL_EXIT_OK to try again, or CTL_EXIT_NODAEMON. A feed that
 * ends (the daemon may close it) is taken up again at once and silently, even with
 * --retry-for 0; the user hears of an outage once a connection cannot be made.
 */
static int
ctlwatch_retry(struct ctlwatch *w, const char *cause)
{
	struct timespec pause = { 0, CTLWATCH_RETRY_MS * 1000000L };
	int64_t now = ctlwatch_now_ms();

	if (w->lost_at < 0)
		w->lost_at = now;
	if (!w->up && !w->told) {
		log_warnx("%s; retrying every %d ms for up to %lld s", cause,
		    CTLWATCH_RETRY_MS, w->retry_s);
		w->told = 1;
	}
	if (!w->up && now - w->lost_at >= w->retry_s * 1000) {
		log_warnx("giving up after %lld s without the daemon: %s", w->retry_s,
		    cause);
		return CTL_EXIT_NODAEMON;
	}
	if (!w->up || w->lines == 0)	/* at once after a feed that delivered */
		nanosleep(&pause, NULL);
	return CTL_EXIT_OK;
}

static int
ctlwatch_loop(struct ctlwatch *w)
{
	char *cause;
	int rc;

	for (;;) {
		cause = NULL;
		if ((rc = ctlwatch_session(w, &cause)) == CTLWATCH_LOST)
			rc = ctlwatch_retry(w, cause != NULL ? cause : "connection lost");
		else if (rc == CTL_EXIT_OK)
			rc = CTL_EXIT_REFUSED;	/* not reached: a session ends lost */
		free(cause);
		if (rc != CTL_EXIT_OK)
			return rc;
	}
}

enum { CTLWATCH_AFTER = CTLARG_OWN, CTLWATCH_RETRY_FOR };

static int
ctlwatch_opt(void *ctx, int ch, const char *arg)
{
	struct ctlwatch *w = ctx;

	if (ch == CTLWATCH_AFTER)
		return ctlarg_uint("--after", arg, INT64_MAX, &w->after);
	return ctlarg_uint("--retry-for", arg, 7 * 86400, &w->retry_s);
}

int
ctlwatch_watch(struct ctl_opts *o, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "after", required_argument, NULL, CTLWATCH_AFTER },
		{ "retry-for", required_argument, NULL, CTLWATCH_RETRY_FOR },
		CTLARG_LONGOPTS
	};
	/* The widths before any entry is known: SEQ, the whole instant, ids as most are,
	 * the longest state ("unresolved") and cause ("warning"), names as most are. A
	 * wider cell pushes the rest of its row only (ctlout_table_flush). */
	static const size_t minw[] = { 6, CTLSHOW_AT_WIDTH, 16, 10, 10, 7, 20, 4 };
	struct ctlwatch w = { .o = o, .after = -1, .retry_s = CTLWATCH_RETRY_S,
	    .lost_at = -1 };
	size_t i;
	int rc;

	if ((rc = ctlarg_parse(o, argc, argv, opts, ctlwatch_opt, &w)) != CTL_EXIT_OK ||
	    (rc = ctlarg_count(argc, argv, 0, 0)) != CTL_EXIT_OK)
		return rc;
	if (o->json)
		ctlout_json_lines();
	else {
		w.t = ctlout_table_new(CTLSHOW_COLS, ctlshow_feed_header);
		for (i = 0; i < CTLSHOW_COLS; i++)
			ctlout_table_min(w.t, i, minw[i]);
	}
	ctlwatch_signals(&w);
	rc = ctlwatch_loop(&w);
	ctlout_table_free(w.t);
	return rc;
}
