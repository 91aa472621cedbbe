#include "httpconn.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "xmalloc.h"

#define HTTPCONN_BUCKETS 4096		/* of the table by connection (a power of 2) */
#define HTTPCONN_RECHECK_MS 250		/* over the budget, nobody stalled yet: again */
#define HTTPCONN_TRIM_MIN (8u << 20)	/* output freed since its peak: give memory back */
#define HTTPCONN_TRIM_CLOSES 256	/* connections closed (their buffers): likewise */
#define HTTPCONN_TRIM_DELAY_MS 1000	/* ... a moment later, once a second at most */
#define HTTPCONN_MMAP_MIN (256 * 1024)	/* allocations this big are returned on free */

struct httpconn {
	struct httpconn_set *set;
	struct evhttp_connection *evcon;	/* NULL until its birth is handled */
	struct bufferevent *bev;
	struct evbuffer *out;		/* its bufferevent's output */
	struct evbuffer_cb_entry *watch;	/* our callback on out */
	struct evbuffer *in;		/* its input, watched from birth (else NULL) */
	struct evbuffer_cb_entry *watch_in;
	size_t queued;			/* bytes in out */
	int64_t still_since_us;		/* out last gave bytes away, or filled from empty */
	bool answering;			/* an answer is on its way: it may be dropped */
	bool ours;			/* a request reached the daemon: its answer's
					 * status line is counted by http.c */
	httpconn_close_fn *onclose;	/* the holder of its request, if any */
	void *onclose_arg;
	struct httpconn *hnext;		/* in its bucket */
	struct httpconn *prev, *next;	/* in the set */
};

struct httpconn_set {
	struct metrics *metrics;
	httpconn_input_fn *input;	/* told of every connection's input */
	void *input_arg;
	struct event *born_ev;		/* made active when a connection is born */
	struct httpconn **born;		/* born, evcon not known yet */
	size_t n_born, cap_born;
	struct event *sweep;
	int64_t sweep_due_us;		/* when it is armed for, if pending */
	struct httpconn *bucket[HTTPCONN_BUCKETS];
	struct httpconn *head;
	size_t n;
	size_t queued;			/* the sum of every connection's queued */
	size_t peak;			/* the most queued since memory was last given back */
	size_t closed;			/* connections closed since then */
	bool over;			/* over the budget, the sweep knows */
};

static void
httpconn_arm(struct httpconn_set *set, int64_t delay_ms)
{
	int64_t due = clock_mono_us() + delay_ms * 1000;
	struct timeval tv = { delay_ms / 1000, delay_ms % 1000 * 1000 };

	if (evtimer_pending(set->sweep, NULL) && set->sweep_due_us <= due)
		return;
	set->sweep_due_us = due;
	evtimer_add(set->sweep, &tv);
}

/* The total changed: look at it at once when it goes over the budget (the sweep then
 * looks again as long as it stays over), give memory back soon when much was freed. */
static void
httpconn_total_changed(struct httpconn_set *set)
{
	if (set->queued > set->peak)
		set->peak = set->queued;
	if (set->queued > HTTPCONN_BUDGET) {
		if (!set->over)
			httpconn_arm(set, 0);
		set->over = true;
	} else if (set->peak - set->queued >= HTTPCONN_TRIM_MIN ||
	    set->closed >= HTTPCONN_TRIM_CLOSES)
		httpconn_arm(set, HTTPCONN_TRIM_DELAY_MS);
}

/*
 * The answers libevent makes itself (a malformed request line or header block: 400, a
 * header block or body over its limit: 413, a method it does not know: 501) never
 * reach the daemon's handlers: there is no hook for them in libevent 2.1. They are seen
 * here, as their status line enters the connection's output while no request of this
 * connection reached the daemon since our last answer (c->ours), and counted like the
 * daemon's own. A status line is added alone by evhttp (evhttp_make_header), never in
 * a body; an interim 100 Continue is no answer.
 */
static void
httpconn_count_foreign(struct httpconn *c, struct evbuffer *out, size_t added)
{
	struct evbuffer_ptr at;
	char line[13];
	int status;

	if (added < sizeof line - 1 || evbuffer_ptr_set(out, &at, evbuffer_get_length(out) -
	    added, EVBUFFER_PTR_SET) != 0 ||
	    evbuffer_copyout_from(out, &at, line, sizeof line - 1) != sizeof line - 1)
		return;
	line[sizeof line - 1] = '\0';
	if (strncmp(line, "HTTP/1.", 7) != 0 || line[8] != ' ' ||
	    sscanf(line + 9, "%3d", &status) != 1 || status < 200)
		return;
	if (c->ours)
		c->ours = false;	/* the daemon's answer, counted by http.c */
	else
		metrics_http(c->set->metrics, status, 0);
}

static void
httpconn_out_cb(struct evbuffer *out, const struct evbuffer_cb_info *info, void *arg)
{
	struct httpconn *c = arg;
	size_t now = evbuffer_get_length(out);

	if (info->n_added > 0)
		httpconn_count_foreign(c, out, info->n_added);

	/* Progress is a byte taken by the socket; a queue that starts from empty starts
	 * its wait now. */
	if (info->n_deleted > 0 || info->orig_size == 0)
		c->still_since_us = clock_mono_us();
	c->set->queued = c->set->queued - c->queued + now;
	c->queued = now;
	httpconn_total_changed(c->set);
}

static struct httpconn **
httpconn_slot(struct httpconn_set *set, const struct evhttp_connection *evcon)
{
	uint64_t h = (uint64_t)((uintptr_t)evcon >> 4) * 0x9E3779B97F4A7C15ULL >> 52;
	struct httpconn **p = &set->bucket[h & (HTTPCONN_BUCKETS - 1)];

	while (*p != NULL && (*p)->evcon != evcon)
		p = &(*p)->hnext;
	return p;
}

/* Take c out of the set and free it (its connection is closing). */
static void
httpconn_forget(struct httpconn *c)
{
	struct httpconn_set *set = c->set;

	*httpconn_slot(set, c->evcon) = c->hnext;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		set->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	set->n--;
	metrics_http_connection(set->metrics, -1);
	evbuffer_remove_cb_entry(c->out, c->watch);
	if (c->watch_in != NULL)
		evbuffer_remove_cb_entry(c->in, c->watch_in);
	/* The output goes with the connection, without telling our callback. */
	set->queued -= c->queued;
	set->closed++;
	httpconn_total_changed(set);
	free(c);
}

/* evhttp's close callback: the peer left, the daemon dropped it, or it shuts down. */
static void
httpconn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct httpconn *c = arg;
	httpconn_close_fn *fn = c->onclose;
	void *fn_arg = c->onclose_arg;

	httpconn_forget(c);
	if (fn != NULL)
		fn(fn_arg);
}

/* c's connection is evcon: found by it from now on, and told when it closes. */
static void
httpconn_key(struct httpconn *c, struct evhttp_connection *evcon)
{
	c->evcon = evcon;
	c->hnext = NULL;
	*httpconn_slot(c->set, evcon) = c;	/* the end of its bucket: none has evcon */
	evhttp_connection_set_closecb(evcon, httpconn_closed, c);
}

/* A new record of bev's connection, in the set (not yet found by its evcon). */
static struct httpconn *
httpconn_new(struct httpconn_set *set, struct bufferevent *bev)
{
	struct httpconn *c = xcalloc(1, sizeof *c);

	c->set = set;
	c->bev = bev;
	c->out = bufferevent_get_output(bev);
	c->queued = evbuffer_get_length(c->out);
	c->still_since_us = clock_mono_us();
	c->watch = evbuffer_add_cb(c->out, httpconn_out_cb, c);
	c->next = set->head;
	if (set->head != NULL)
		set->head->prev = c;
	set->head = c;
	set->n++;
	metrics_http_connection(set->metrics, 1);
	set->queued += c->queued;
	return c;
}

/* The connection evcon, known from now on (from its birth, normally). */
static struct httpconn *
httpconn_get(struct httpconn_set *set, struct evhttp_connection *evcon)
{
	struct httpconn *c = *httpconn_slot(set, evcon);

	if (c != NULL)
		return c;
	c = httpconn_new(set, evhttp_connection_get_bufferevent(evcon));
	httpconn_key(c, evcon);
	return c;
}

static void
httpconn_in_cb(struct evbuffer *in, const struct evbuffer_cb_info *info, void *arg)
{
	struct httpconn *c = arg;
	void *evcon = c->evcon;

	/* Never before its birth is handled (no input is read before); but be sure. */
	if (evcon == NULL)
		bufferevent_getcb(c->bev, NULL, NULL, NULL, &evcon);
	if (evcon != NULL)
		c->set->input(c->set->input_arg, evcon, in, info);
}

/*
 * The connections born this turn: evhttp has made each one's evhttp_connection since
 * (its bufferevent's callback argument) and read nothing of it yet, for this event was
 * made active while the connection was accepted, before its socket was watched. So
 * every connection has our close callback, and leaves the set when it closes, even one
 * that never sends a byte.
 */
static void
httpconn_born_cb(evutil_socket_t fd, short what, void *arg)
{
	struct httpconn_set *set = arg;
	void *evcon;

	for (size_t i = 0; i < set->n_born; i++) {
		bufferevent_getcb(set->born[i]->bev, NULL, NULL, NULL, &evcon);
		if (evcon != NULL)
			httpconn_key(set->born[i], evcon);
	}
	set->n_born = 0;
}

void
httpconn_born(struct httpconn_set *set, struct bufferevent *bev)
{
	struct httpconn *c = httpconn_new(set, bev);

	c->in = bufferevent_get_input(bev);
	c->watch_in = evbuffer_add_cb(c->in, httpconn_in_cb, c);
	if (set->n_born == set->cap_born) {
		set->cap_born = set->cap_born ? set->cap_born * 2 : 16;
		set->born = xrealloc(set->born, set->cap_born * sizeof *set->born);
	}
	set->born[set->n_born++] = c;
	event_active(set->born_ev, EV_TIMEOUT, 1);
}

void
httpconn_request(struct httpconn_set *set, struct evhttp_connection *evcon)
{
	struct httpconn *c;

	if (evcon == NULL)
		return;
	c = httpconn_get(set, evcon);
	c->answering = false;
	c->ours = true;
	c->onclose = NULL;
	c->onclose_arg = NULL;
}

void
httpconn_answer(struct httpconn_set *set, struct evhttp_connection *evcon,
    httpconn_close_fn *fn, void *arg)
{
	struct httpconn *c;

	if (evcon == NULL)
		return;
	c = httpconn_get(set, evcon);
	c->answering = true;
	c->onclose = fn;
	c->onclose_arg = arg;
}

/* The connections whose answer has stalled, in *v (malloc'd, or NULL when none): their
 * count. */
static size_t
httpconn_stalled(struct httpconn_set *set, struct evhttp_connection ***v)
{
	int64_t now = clock_mono_us();
	size_t n = 0;

	*v = set->n > 0 ? xcalloc(set->n, sizeof **v) : NULL;
	for (struct httpconn *c = set->head; c != NULL; c = c->next)
		if (c->answering && c->queued > 0 &&
		    now - c->still_since_us >= HTTPCONN_STALL_MS * 1000LL)
			(*v)[n++] = c->evcon;
	return n;
}

/*
 * Over the budget: close every stalled connection. Not only the largest until the total
 * is under: a stalled follower holds at most a chunk, less what its socket took, so
 * that would spare exactly the many small ones and keep the budget full of clients that
 * do not read. Called from a timer, at the top of the loop, so freeing connections is
 * safe; each one's close callback takes it out of the set (and tells the holder of a
 * stream), and nothing there frees another connection.
 */
static void
httpconn_drop_stalled(struct httpconn_set *set)
{
	struct evhttp_connection **v;
	size_t n = httpconn_stalled(set, &v), before = set->queued;

	for (size_t i = 0; i < n; i++) {
		metrics_http_dropped_slow(set->metrics);
		evhttp_connection_free(v[i]);
	}
	free(v);
	if (n > 0)
		log_warnx("dropped %zu connection%s that stopped reading: %.1f MiB of answers "
		    "queued, %.1f MiB after; the budget is %u MiB", n, n == 1 ? "" : "s",
		    before / 1048576.0, set->queued / 1048576.0, HTTPCONN_BUDGET >> 20);
}

static void
httpconn_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct httpconn_set *set = arg;

	if (set->queued > HTTPCONN_BUDGET)
		httpconn_drop_stalled(set);
	if ((set->over = set->queued > HTTPCONN_BUDGET)) {
		httpconn_arm(set, HTTPCONN_RECHECK_MS);
		return;
	}
	/* glibc keeps what was freed inside its heap: give the free pages back. */
	if (set->peak - set->queued >= HTTPCONN_TRIM_MIN ||
	    set->closed >= HTTPCONN_TRIM_CLOSES) {
		malloc_trim(0);
		set->peak = set->queued;
		set->closed = 0;
	}
}

struct httpconn_set *
httpconn_start(struct event_base *base, struct metrics *m, httpconn_input_fn *input,
    void *arg)
{
	struct httpconn_set *set = xcalloc(1, sizeof *set);

	set->metrics = m;
	set->input = input;
	set->input_arg = arg;
	set->born_ev = event_new(base, -1, 0, httpconn_born_cb, set);
	/* A fixed threshold (this also stops glibc raising it to the size of the largest
	 * block freed): the buffers of big answers are mapped apart and unmapped when
	 * freed, instead of staying in the heap after a burst of them. */
	mallopt(M_MMAP_THRESHOLD, HTTPCONN_MMAP_MIN);
	set->sweep = evtimer_new(base, httpconn_sweep, set);
	return set;
}

void
httpconn_stop(struct httpconn_set *set)
{
	struct httpconn *c, *next;

	if (set == NULL)
		return;
	/* Only those whose birth was never handled (the loop stopped first) are left, and
	 * evhttp_free has freed their buffers: nothing of libevent's is touched. */
	for (c = set->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(set->born);
	event_free(set->born_ev);
	event_free(set->sweep);
	free(set);
}
