#include "pgconn.h"

#include <errno.h>
#include <event2/event.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "pgsweep.h"
#include "strcopy.h"
#include "xmalloc.h"

/* Between two attempts to connect: from the first to the longest. */
#define PGCONN_RETRY_MIN_US 50000
#define PGCONN_RETRY_MAX_US 2000000
/* One attempt, from the socket to its set-up done (libpq's connect_timeout is not
 * kept by an asynchronous connection: this is). */
#define PGCONN_ATTEMPT_US (10 * 1000000LL)
/* An answer owed, and nothing heard from the server for this long: it is taken for
 * unreachable (a host gone without a word, a network cut, a frozen server), and the
 * connection is dropped and made anew, rather than keep a write waiting. */
#define PGCONN_ANSWER_US (10 * 1000000LL)
/* TCP: what was sent and not acknowledged for this long drops the connection (libpq's
 * tcp_user_timeout, ms). */
#define PGCONN_TCP_USER_TIMEOUT "10000"
/* pgconn_wait asks its done() at least this often. */
#define PGCONN_WAIT_SLICE_US 20000

enum pgconn_state { PGCONN_DOWN, PGCONN_CONNECTING, PGCONN_SETUP, PGCONN_UP };

/* One answer owed, in the order sent. */
struct pgconn_op {
	pgconn_fn *fn;
	void *arg;
	bool sync;
	PGresult *res;		/* a statement's result, kept until the NULL that ends it */
	char *err;		/* a sync's: the error the server sent before it */
};

/* A statement or a sync kept while the connection holds (pgconn_hold). */
struct pgconn_held {
	const char *name;	/* NULL: a sync */
	int n;
	char **v;
	pgconn_fn *fn;
	void *arg;
};

/* A ring of the answers owed. */
struct pgconn_queue {
	struct pgconn_op *v;
	size_t head, n, cap;
};

struct pgconn {
	struct event_base *base;
	char *uri;
	struct pgconn_def def;
	PGconn *pg;
	enum pgconn_state state;
	PostgresPollingStatusType poll;	/* CONNECTING: what libpq waits for */
	int fd;
	struct event *rev, *wev;	/* the socket, readable and writable */
	struct event *timer;		/* DOWN: the next attempt; UP: an answer
					 * owed for too long; else: its end */
	struct event *flush_ev;		/* the end of the turn: send what it asked */
	struct event *lost_ev;		/* a send failed: lose it from the loop */
	struct pgconn_queue q;
	struct pgconn_held *held;	/* kept while holding, in order */
	size_t nheld, capheld;
	bool holding;
	bool unflushed;			/* statements sent since a flush or a sync */
	bool out_pending;		/* libpq holds output the socket did not take */
	bool broken;			/* lost, not yet told (lost_ev) */
	bool setup_failed;
	int64_t retry_us;		/* the wait before the next attempt */
	int64_t deadline_us;		/* the attempt's end, or the next attempt */
	uint64_t gen;
	char name[64];			/* its application_name, per connection */
	char why[256];
	char version[64];
};

static void pgconn_io_cb(evutil_socket_t, short, void *);
static void pgconn_lost(struct pgconn *c, const char *why);

/* ---------------------------------------------------------- the queue */

static void
pgconn_push(struct pgconn *c, pgconn_fn *fn, void *arg, bool sync)
{
	struct pgconn_queue *q = &c->q;

	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 64;
		struct pgconn_op *v = xcalloc(cap, sizeof *v);

		for (size_t i = 0; i < q->n; i++)
			v[i] = q->v[(q->head + i) % q->cap];
		free(q->v);
		q->v = v;
		q->cap = cap;
		q->head = 0;
	}
	q->v[(q->head + q->n++) % q->cap] = (struct pgconn_op){ fn, arg, sync, NULL, NULL };
}

static struct pgconn_op *
pgconn_head(struct pgconn *c)
{
	return &c->q.v[c->q.head];
}

static struct pgconn_op
pgconn_pop(struct pgconn *c)
{
	struct pgconn_op op = c->q.v[c->q.head];

	c->q.head = (c->q.head + 1) % c->q.cap;
	c->q.n--;
	return op;
}

/* --------------------------------------------------------- messages */

/* The first line of a libpq message, without "ERROR:  " or "FATAL:  ". */
static void
pgconn_set_why(struct pgconn *c, const char *msg)
{
	size_t n;

	if (msg == NULL || msg[0] == '\0')
		msg = "the connection was lost";
	if (strncmp(msg, "ERROR:  ", 8) == 0 || strncmp(msg, "FATAL:  ", 8) == 0)
		msg += 8;
	strcopy(c->why, sizeof c->why, msg);
	n = strcspn(c->why, "\n");
	c->why[n] = '\0';
}

/* A result's error: the server's primary message, or what libpq says. */
static const char *
pgconn_result_error(const PGresult *r, char *buf, size_t len)
{
	const char *m = r != NULL ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	if (r != NULL && PQresultStatus(r) == PGRES_PIPELINE_ABORTED)
		m = "not run: an earlier statement of its transaction failed";
	if (m == NULL)
		m = r != NULL ? PQresultErrorMessage(r) : "no answer";
	strcopy(buf, len, m);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static void
pgconn_notice(void *arg, const char *msg)
{
	struct pgconn *c = arg;

	log_debug("database (%s): %.*s", c->def.role, (int)strcspn(msg, "\n"), msg);
}

/* -------------------------------------------------------- the events */

static void
pgconn_event_set(struct event *ev, bool want)
{
	bool pending = event_pending(ev, EV_READ | EV_WRITE, NULL);

	if (want && !pending)
		event_add(ev, NULL);
	else if (!want && pending)
		event_del(ev);
}

/* Watch the socket for what the connection waits for now. */
static void
pgconn_arm(struct pgconn *c)
{
	bool r = false, w = false;

	if (c->rev == NULL)
		return;
	if (c->state == PGCONN_CONNECTING) {
		r = c->poll == PGRES_POLLING_READING;
		w = c->poll == PGRES_POLLING_WRITING;
	} else if (c->state != PGCONN_DOWN) {
		r = true;
		w = c->out_pending;
	}
	pgconn_event_set(c->rev, r);
	pgconn_event_set(c->wev, w);
}

static void
pgconn_drop_events(struct pgconn *c)
{
	if (c->rev != NULL)
		event_free(c->rev);
	if (c->wev != NULL)
		event_free(c->wev);
	c->rev = c->wev = NULL;
	c->fd = -1;
}

/* libpq may change the socket while it connects. */
static void
pgconn_set_fd(struct pgconn *c, int fd)
{
	if (fd == c->fd)
		return;
	pgconn_drop_events(c);
	if (fd < 0)
		return;
	c->fd = fd;
	c->rev = event_new(c->base, fd, EV_READ | EV_PERSIST, pgconn_io_cb, c);
	c->wev = event_new(c->base, fd, EV_WRITE, pgconn_io_cb, c);
	if (c->rev == NULL || c->wev == NULL)
		fatalx("database: event_new failed");
}

static void
pgconn_timer_at(struct pgconn *c, int64_t us_from_now)
{
	struct timeval tv = { us_from_now / 1000000, us_from_now % 1000000 };

	c->deadline_us = clock_mono_us() + us_from_now;
	evtimer_add(c->timer, &tv);
}

/* UP: while answers are owed, the server has PGCONN_ANSWER_US from now to be heard
 * from (called when something is owed anew and when something arrives). */
static void
pgconn_watch(struct pgconn *c)
{
	if (c->state != PGCONN_UP)
		return;
	if (c->q.n > 0)
		pgconn_timer_at(c, PGCONN_ANSWER_US);
	else
		evtimer_del(c->timer);
}

/* ------------------------------------------------------- the answers */

/* A statement's answer is complete: tell it. */
static void
pgconn_complete(struct pgconn *c)
{
	struct pgconn_op op = pgconn_pop(c);
	ExecStatusType s = op.res != NULL ? PQresultStatus(op.res) : PGRES_FATAL_ERROR;
	char err[256];

	if (op.fn != NULL) {
		if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK)
			op.fn(op.arg, PGCONN_OK, op.res, NULL);
		else
			op.fn(op.arg, PGCONN_ERROR, NULL,
			    pgconn_result_error(op.res, err, sizeof err));
	}
	PQclear(op.res);
}

/* A result while a sync heads the queue: the sync itself, or an error the server
 * sent at it (its commit failed), which the sync then tells. */
static void
pgconn_sync_result(struct pgconn *c, PGresult *r)
{
	struct pgconn_op *op = pgconn_head(c);
	struct pgconn_op done;
	char err[256];

	if (PQresultStatus(r) != PGRES_PIPELINE_SYNC) {
		if (op->err == NULL)
			op->err = xstrdup(pgconn_result_error(r, err, sizeof err));
		PQclear(r);
		return;
	}
	PQclear(r);
	done = pgconn_pop(c);
	if (done.fn != NULL)
		done.fn(done.arg, done.err == NULL ? PGCONN_OK : PGCONN_ERROR, NULL, done.err);
	free(done.err);
}

/* Tell every answer that has arrived, in order. A callback may send (appending to
 * the queue) or lose the connection (then this stops). */
static void
pgconn_dispatch(struct pgconn *c)
{
	uint64_t gen = c->gen;
	int nulls = 0;
	PGresult *r;

	pgconn_watch(c);
	while (c->gen == gen && c->pg != NULL && !c->broken && c->q.n > 0 &&
	    !PQisBusy(c->pg)) {
		r = PQgetResult(c->pg);
		if (pgconn_head(c)->sync) {
			/* Only the NULL after an error at the sync: never twice running. */
			if (r == NULL && ++nulls > 1)
				break;
			if (r != NULL) {
				nulls = 0;
				pgconn_sync_result(c, r);
			}
		} else if (r != NULL) {
			if (pgconn_head(c)->res == NULL)
				pgconn_head(c)->res = r;
			else
				PQclear(r);
		} else
			pgconn_complete(c);
	}
}

/* Tell every answer owed that the connection was lost (or closed: st). */
static void
pgconn_fail_all(struct pgconn_queue *q, enum pgconn_status st, const char *why)
{
	for (size_t i = 0; i < q->n; i++) {
		struct pgconn_op *op = &q->v[(q->head + i) % q->cap];

		if (op->fn != NULL)
			op->fn(op->arg, st, NULL, why);
		PQclear(op->res);
		free(op->err);
	}
	free(q->v);
}

/* --------------------------------------------------------- holding */

static void
pgconn_held_free(struct pgconn_held *h)
{
	for (int i = 0; i < h->n; i++)
		free(h->v[i]);
	free(h->v);
}

static void
pgconn_keep(struct pgconn *c, const char *name, int n, const char *const *values,
    pgconn_fn *fn, void *arg)
{
	struct pgconn_held *h;

	if (c->nheld == c->capheld) {
		c->capheld = c->capheld ? c->capheld * 2 : 16;
		c->held = xrealloc(c->held, c->capheld * sizeof *c->held);
	}
	h = &c->held[c->nheld++];
	*h = (struct pgconn_held){ name, n, n > 0 ? xcalloc((size_t)n, sizeof(char *)) :
	    NULL, fn, arg };
	for (int i = 0; i < n; i++)
		h->v[i] = values[i] != NULL ? xstrdup(values[i]) : NULL;
}

/* Take what is held (the caller tells or sends it, then frees it). */
static struct pgconn_held *
pgconn_take_held(struct pgconn *c, size_t *n)
{
	struct pgconn_held *v = c->held;

	*n = c->nheld;
	c->held = NULL;
	c->nheld = c->capheld = 0;
	c->holding = false;
	return v;
}

/* The connection was lost (or closed: st) while holding: what was held too. */
static void
pgconn_fail_held(struct pgconn_held *v, size_t n, enum pgconn_status st, const char *why)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i].fn != NULL)
			v[i].fn(v[i].arg, st, NULL, why);
		pgconn_held_free(&v[i]);
	}
	free(v);
}

void
pgconn_hold(struct pgconn *c)
{
	c->holding = true;
}

void
pgconn_release(struct pgconn *c, void (*first)(void *arg), void *arg)
{
	struct pgconn_held *v;
	size_t n;

	c->holding = false;
	if (first != NULL)
		first(arg);
	v = pgconn_take_held(c, &n);
	for (size_t i = 0; i < n; i++) {
		int rc = v[i].name != NULL ? pgconn_send(c, v[i].name, v[i].n,
		    (const char *const *)v[i].v, v[i].fn, v[i].arg) :
		    pgconn_sync(c, v[i].fn, v[i].arg);

		/* Down since: it is told as what was sent before it was. */
		if (rc != 0 && v[i].fn != NULL)
			v[i].fn(v[i].arg, PGCONN_LOST, NULL, c->why);
		pgconn_held_free(&v[i]);
	}
	free(v);
}

/* -------------------------------------------------------- the output */

static void
pgconn_flush(struct pgconn *c)
{
	int rc;

	if (c->pg == NULL || c->broken || c->state < PGCONN_SETUP)
		return;
	if (c->unflushed && PQsendFlushRequest(c->pg) == 0) {
		pgconn_lost(c, PQerrorMessage(c->pg));
		return;
	}
	c->unflushed = false;
	if ((rc = PQflush(c->pg)) < 0) {
		pgconn_lost(c, PQerrorMessage(c->pg));
		return;
	}
	c->out_pending = rc == 1;
	pgconn_arm(c);
}

static void
pgconn_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	pgconn_flush(arg);
}

static void
pgconn_lost_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pgconn *c = arg;

	if (c->broken)
		pgconn_lost(c, c->why);
}

/* libpq refused a send: the connection is broken. What was sent before it and this
 * one are told in order, from the loop. */
static void
pgconn_break(struct pgconn *c)
{
	if (!c->broken) {
		pgconn_set_why(c, PQerrorMessage(c->pg));
		c->broken = true;
		event_active(c->lost_ev, 0, 0);
	}
}

/* ------------------------------------------------------ the set-up */

static void
pgconn_setup_stmt(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	struct pgconn *c = arg;

	if (st == PGCONN_ERROR && !c->setup_failed) {
		c->setup_failed = true;
		pgconn_set_why(c, err);
	}
}

static void
pgconn_setup_done(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	struct pgconn *c = arg;
	const char *v;

	if (st == PGCONN_LOST || st == PGCONN_CLOSED)
		return;
	if (st != PGCONN_OK || c->setup_failed) {
		pgconn_lost(c, c->setup_failed ? c->why : err);
		return;
	}
	c->state = PGCONN_UP;
	c->why[0] = '\0';
	c->retry_us = PGCONN_RETRY_MIN_US;
	evtimer_del(c->timer);
	/* "15.5 (Debian 15.5-0+deb12u1)": the version is its first word. */
	if ((v = PQparameterStatus(c->pg, "server_version")) != NULL) {
		strcopy(c->version, sizeof c->version, v);
		c->version[strcspn(c->version, " ")] = '\0';
	}
	if (c->def.up != NULL)
		c->def.up(c->def.arg);
}

/* Connected: pipeline mode, the SETs and the statements, then a sync. */
static void
pgconn_setup(struct pgconn *c)
{
	bool ok = PQsetnonblocking(c->pg, 1) == 0 && PQenterPipelineMode(c->pg) == 1;

	PQsetNoticeProcessor(c->pg, pgconn_notice, c);
	c->state = PGCONN_SETUP;
	c->setup_failed = false;
	for (size_t i = 0; ok && c->def.setup[i] != NULL; i++) {
		ok = PQsendQueryParams(c->pg, c->def.setup[i], 0, NULL, NULL, NULL, NULL, 0);
		pgconn_push(c, pgconn_setup_stmt, c, false);
	}
	for (size_t i = 0; ok && i < c->def.nstmts; i++) {
		ok = PQsendPrepare(c->pg, c->def.stmts[i].name, c->def.stmts[i].sql, 0, NULL);
		pgconn_push(c, pgconn_setup_stmt, c, false);
	}
	if (!ok || PQpipelineSync(c->pg) != 1) {
		pgconn_lost(c, PQerrorMessage(c->pg));
		return;
	}
	pgconn_push(c, pgconn_setup_done, c, true);
	c->out_pending = PQflush(c->pg) == 1;
	pgconn_arm(c);
}

/* ------------------------------------------------------ connecting */

static void
pgconn_connect_step(struct pgconn *c)
{
	c->poll = PQconnectPoll(c->pg);
	pgconn_set_fd(c, PQsocket(c->pg));
	if (c->poll == PGRES_POLLING_FAILED)
		pgconn_lost(c, PQerrorMessage(c->pg));
	else if (c->poll == PGRES_POLLING_OK)
		pgconn_setup(c);
	else
		pgconn_arm(c);
}

/* Start an attempt; it goes on from the socket's events (or pgconn_wait). */
static void
pgconn_connect(struct pgconn *c)
{
	/* The keepalives first: what the URI says wins over them (they find a dead
	 * peer on TCP; a Unix socket has none). */
	static const char *const keys[] = { "keepalives_idle", "keepalives_interval",
	    "keepalives_count", "tcp_user_timeout", "dbname", "application_name", NULL };
	char name[64];
	const char *values[] = { "10", "5", "3", PGCONN_TCP_USER_TIMEOUT, c->uri, c->name,
	    NULL };

	/* After dbname, so that it wins: the next start finds our sessions by it, and
	 * a commit in doubt its connection (pgdoubt.c). */
	c->gen++;
	pgsweep_name(name, sizeof name);
	snprintf(c->name, sizeof c->name, "%.52s/%c%llu", name, c->def.role[0],
	    (unsigned long long)c->gen);
	c->pg = PQconnectStartParams(keys, values, 1);
	if (c->pg == NULL) {
		pgconn_lost(c, "out of memory");
		return;
	}
	if (PQstatus(c->pg) == CONNECTION_BAD) {
		pgconn_lost(c, PQerrorMessage(c->pg));
		return;
	}
	c->state = PGCONN_CONNECTING;
	c->poll = PGRES_POLLING_WRITING;
	pgconn_timer_at(c, PGCONN_ATTEMPT_US);
	pgconn_set_fd(c, PQsocket(c->pg));
	pgconn_arm(c);
}

/* The connection is gone (or an attempt failed): tell what was owed, then the owner
 * if it was up, and try again after the backoff. */
static void
pgconn_lost(struct pgconn *c, const char *why)
{
	bool was_up = c->state == PGCONN_UP;
	struct pgconn_queue q = c->q;
	struct pgconn_held *held;
	size_t nheld;

	if (why != c->why)
		pgconn_set_why(c, why);
	c->q = (struct pgconn_queue){ 0 };
	held = pgconn_take_held(c, &nheld);
	pgconn_drop_events(c);
	PQfinish(c->pg);
	c->pg = NULL;
	c->gen++;
	c->state = PGCONN_DOWN;
	c->broken = c->unflushed = c->out_pending = false;
	pgconn_timer_at(c, c->retry_us);
	c->retry_us = c->retry_us * 2 > PGCONN_RETRY_MAX_US ? PGCONN_RETRY_MAX_US :
	    c->retry_us * 2;
	if (was_up)
		log_warnx("database (%s): %s; reconnecting", c->def.role, c->why);
	pgconn_fail_all(&q, PGCONN_LOST, c->why);
	pgconn_fail_held(held, nheld, PGCONN_LOST, c->why);
	if (was_up && c->def.down != NULL)
		c->def.down(c->def.arg);
}

static void
pgconn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pgconn *c = arg;

	if (c->state == PGCONN_DOWN)
		pgconn_connect(c);
	else if (c->state != PGCONN_UP)
		pgconn_lost(c, "timed out connecting to the database server");
	else if (c->q.n > 0)
		pgconn_lost(c, "the database server did not answer for 10 s");
}

/* Tell the notifications that arrived (parsed by PQisBusy, also when no answer is
 * owed); a callback may lose the connection. */
static void
pgconn_notifications(struct pgconn *c)
{
	uint64_t gen = c->gen;
	PGnotify *n;

	if (c->def.notify == NULL || c->pg == NULL || c->broken)
		return;
	(void)PQisBusy(c->pg);
	while (c->gen == gen && c->pg != NULL && (n = PQnotifies(c->pg)) != NULL) {
		c->def.notify(c->def.arg, n->relname, n->extra);
		PQfreemem(n);
	}
}

/* The socket is ready (or pgconn_wait's poll says so). */
static void
pgconn_io(struct pgconn *c, short what)
{
	if (c->state == PGCONN_CONNECTING) {
		pgconn_connect_step(c);
		return;
	}
	if (c->pg == NULL || c->broken)
		return;
	if ((what & EV_READ) && PQconsumeInput(c->pg) == 0) {
		pgconn_lost(c, PQerrorMessage(c->pg));
		return;
	}
	if (c->out_pending)
		pgconn_flush(c);
	if (c->pg != NULL && PQstatus(c->pg) == CONNECTION_BAD) {
		pgconn_lost(c, PQerrorMessage(c->pg));
		return;
	}
	pgconn_dispatch(c);
	pgconn_notifications(c);
}

static void
pgconn_io_cb(evutil_socket_t fd, short what, void *arg)
{
	pgconn_io(arg, what);
}

/* ------------------------------------------------------------ sending */

int
pgconn_send(struct pgconn *c, const char *name, int n, const char *const *values,
    pgconn_fn *fn, void *arg)
{
	if (c->state != PGCONN_UP)
		return -1;
	if (c->holding) {
		pgconn_keep(c, name, n, values, fn, arg);
		return 0;
	}
	if (!c->broken && PQsendQueryPrepared(c->pg, name, n, values, NULL, NULL, 0) != 1)
		pgconn_break(c);
	pgconn_push(c, fn, arg, false);
	if (c->q.n == 1)
		pgconn_watch(c);
	if (!c->unflushed) {
		c->unflushed = true;
		event_active(c->flush_ev, 0, 0);
	}
	return 0;
}

int
pgconn_sync(struct pgconn *c, pgconn_fn *fn, void *arg)
{
	int rc;

	if (c->state != PGCONN_UP)
		return -1;
	if (c->holding) {
		pgconn_keep(c, NULL, 0, NULL, fn, arg);
		return 0;
	}
	if (!c->broken && PQpipelineSync(c->pg) != 1)
		pgconn_break(c);
	pgconn_push(c, fn, arg, true);
	if (c->q.n == 1)
		pgconn_watch(c);
	c->unflushed = false;
	if (!c->broken) {
		if ((rc = PQflush(c->pg)) < 0)
			pgconn_break(c);
		c->out_pending = rc == 1;
		pgconn_arm(c);
	}
	return 0;
}

/* ------------------------------------------------------- without the loop */

/* Wait on the socket (or until the next attempt) for at most until_us. */
static void
pgconn_poll(struct pgconn *c, int64_t until_us)
{
	int64_t now = clock_mono_us(), end = until_us;
	struct pollfd pfd = { .fd = c->fd, .events = 0 };
	short what = 0;

	if (c->state != PGCONN_UP && c->deadline_us < end)
		end = c->deadline_us;
	if (c->state == PGCONN_CONNECTING)
		pfd.events = c->poll == PGRES_POLLING_READING ? POLLIN : POLLOUT;
	else if (c->state != PGCONN_DOWN)
		pfd.events = POLLIN | (c->out_pending ? POLLOUT : 0);
	if (poll(&pfd, c->state == PGCONN_DOWN ? 0 : 1, end > now ? (int)((end - now +
	    999) / 1000) : 0) < 0 && errno != EINTR)
		return;
	if (pfd.revents & (POLLIN | POLLHUP | POLLERR))
		what |= EV_READ;
	if (pfd.revents & POLLOUT)
		what |= EV_WRITE;
	if (what != 0)
		pgconn_io(c, what);
	else if (c->state != PGCONN_UP && clock_mono_us() >= c->deadline_us)
		pgconn_timer_cb(-1, 0, c);
}

int
pgconn_wait(struct pgconn *c, bool (*done)(void *arg), void *arg, int64_t timeout_us)
{
	int64_t end = clock_mono_us() + timeout_us;

	while (!done(arg)) {
		if (clock_mono_us() >= end)
			return -1;
		if (c->broken)
			pgconn_lost(c, c->why);
		if (c->unflushed || c->out_pending)
			pgconn_flush(c);
		/* In slices: done() may have work of its own to do when it is asked. */
		pgconn_poll(c, end - clock_mono_us() > PGCONN_WAIT_SLICE_US ?
		    clock_mono_us() + PGCONN_WAIT_SLICE_US : end);
	}
	return 0;
}

/* ----------------------------------------------------- open and close */

struct pgconn *
pgconn_open(struct event_base *base, const char *uri, const struct pgconn_def *def,
    char **cause)
{
	struct pgconn *c = xcalloc(1, sizeof *c);

	c->base = base;
	c->uri = xstrdup(uri);
	c->def = *def;
	c->fd = -1;
	c->retry_us = PGCONN_RETRY_MIN_US;
	c->timer = evtimer_new(base, pgconn_timer_cb, c);
	c->flush_ev = event_new(base, -1, 0, pgconn_flush_cb, c);
	c->lost_ev = event_new(base, -1, 0, pgconn_lost_cb, c);
	if (c->timer == NULL || c->flush_ev == NULL || c->lost_ev == NULL)
		fatalx("database: event_new failed");
	pgconn_connect(c);
	/* The first attempt only: a server that cannot be reached at the start is
	 * reported, not waited for. */
	while (c->state == PGCONN_CONNECTING || c->state == PGCONN_SETUP)
		pgconn_poll(c, c->deadline_us);
	if (c->state != PGCONN_UP) {
		*cause = xasprintf("the database server is unreachable (%s): %s", def->role,
		    c->why);
		pgconn_free(c);
		return NULL;
	}
	return c;
}

void
pgconn_free(struct pgconn *c)
{
	struct pgconn_queue q;
	struct pgconn_held *held;
	size_t nheld;

	if (c == NULL)
		return;
	q = c->q;
	c->q = (struct pgconn_queue){ 0 };
	held = pgconn_take_held(c, &nheld);
	c->state = PGCONN_DOWN;
	pgconn_fail_all(&q, PGCONN_CLOSED, "closed");
	pgconn_fail_held(held, nheld, PGCONN_CLOSED, "closed");
	pgconn_drop_events(c);
	PQfinish(c->pg);
	event_free(c->timer);
	event_free(c->flush_ev);
	event_free(c->lost_ev);
	free(c->uri);
	free(c);
}

bool
pgconn_is_up(const struct pgconn *c)
{
	return c->state == PGCONN_UP && !c->broken;
}

const char *
pgconn_why(const struct pgconn *c)
{
	if (c->state == PGCONN_UP && !c->broken)
		return "";
	return c->why[0] ? c->why : "connecting";
}

uint64_t
pgconn_generation(const struct pgconn *c)
{
	return c->gen;
}

const char *
pgconn_server_version(const struct pgconn *c)
{
	return c->version;
}

int
pgconn_backend_pid(const struct pgconn *c)
{
	return c->state == PGCONN_UP ? PQbackendPID(c->pg) : 0;
}

int
pgconn_socket(const struct pgconn *c)
{
	return c->pg != NULL ? PQsocket(c->pg) : -1;
}

const char *
pgconn_name(const struct pgconn *c)
{
	return c->name;
}
