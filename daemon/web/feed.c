#include "feed.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "http.h"
#include "jsonw.h"
#include "log.h"
#include "render.h"
#include "store.h"
#include "xmalloc.h"

struct feed_waiter {
	struct evhttp_request *req;
	int64_t after;		/* the last seq this waiter has (been sent) */
	int limit;
	int want;		/* a follower's: entries to read when the cache has none */
	bool follow;
	bool sending;		/* a follower's chunk is on its way */
	struct event *timer;	/* a long-poll's wait */
	struct feed *feed;
	struct feed_waiter *prev, *next;
};

/* One entry of a page: its line, text[off, off + len), a newline after it. */
struct feed_entry {
	int64_t seq;
	size_t off, len;
};

/*
 * The last page read, shared by every waiter at its position (and by the followers
 * sent part of it): its entries already written as JSON, each line followed by a
 * newline, so a follower's chunk is a run of the text as it is and a long-poll's items
 * are its lines.
 */
struct feed_page {
	int64_t after;		/* -1: none */
	bool whole;		/* all a long-poll at `after` may take */
	struct feed_entry *v;	/* up to FEED_MAX_LIMIT entries after `after` */
	size_t n, cap;
	struct jsonw text;
};

struct feed {
	struct event_base *base;
	struct store *st;
	struct http *http;
	struct jsonw_pool *pool;
	struct event *sweeper;
	struct feed_waiter *head;
	int n;
	int64_t last;		/* the newest seq known committed */
	struct feed_page cache;
};

#define FEED_SWEEP_S 5	/* how often waiting connections are checked for a hang-up */
#define FEED_FOLLOW_READ 64	/* a new follower's first read, in entries */

static void
feed_cache_clear(struct feed *f)
{
	jsonw_free(&f->cache.text);
	f->cache.n = 0;
	f->cache.after = -1;
}

static void
feed_add_item(const struct proto_event *ev, const char *protocol, void *arg)
{
	struct feed_page *pg = arg;
	struct feed_entry *e;

	if (pg->n == pg->cap) {
		pg->cap = pg->cap ? pg->cap * 2 : 64;
		pg->v = xrealloc(pg->v, pg->cap * sizeof *pg->v);
	}
	e = &pg->v[pg->n++];
	e->seq = ev->seq;
	e->off = pg->text.len;
	render_event(&pg->text, ev, protocol);
	e->len = pg->text.len - e->off;
	jsonw_newline(&pg->text);
}

/* Whether the cached page serves a reader after `after`: read there (and whole, for a
 * long-poll), or for a follower (part) holding entries after it; *from is the first of
 * them. */
static bool
feed_cached(const struct feed_page *pg, int64_t after, bool part, size_t *from)
{
	size_t lo = 0, hi = pg->n;

	*from = 0;
	if (pg->after < 0 || after < pg->after)
		return false;
	if (after == pg->after)
		return part || pg->whole;
	if (!part || hi == 0 || pg->v[hi - 1].seq <= after)
		return false;
	while (lo < hi) {	/* the first entry past `after` (seqs ascend) */
		size_t mid = lo + (hi - lo) / 2;

		if (pg->v[mid].seq <= after)
			lo = mid + 1;
		else
			hi = mid;
	}
	*from = lo;
	return true;
}

/*
 * The page of entries after `after`, from index *from on; NULL on error. A long-poll
 * (part false) gets a page read at `after`, of up to FEED_MAX_LIMIT entries. A follower
 * (part) may get the rest of a page read before, and on a miss `want` entries are read,
 * about what its next chunk takes: followers at different places would otherwise each
 * read a whole page for every chunk they are sent.
 */
static const struct feed_page *
feed_page(struct feed *f, int64_t after, bool part, int want, size_t *from)
{
	struct feed_page *pg = &f->cache;
	int n;

	if (feed_cached(pg, after, part, from))
		return pg;
	if (!part)
		want = FEED_MAX_LIMIT;
	feed_cache_clear(f);
	jsonw_init(&pg->text, NULL);
	if ((n = store_feed(f->st, after, want, feed_add_item, pg)) < 0) {
		log_warnx("feed: %s", store_error(f->st));
		feed_cache_clear(f);
		return NULL;
	}
	pg->after = after;
	/* Up to the end of the feed, a short page is whole too (a commit clears it). */
	pg->whole = want == FEED_MAX_LIMIT || n < want;
	return pg;
}

static void
feed_link(struct feed *f, struct feed_waiter *w)
{
	w->feed = f;
	w->next = f->head;
	if (f->head)
		f->head->prev = w;
	f->head = w;
	f->n++;
}

static void
feed_unlink(struct feed_waiter *w)
{
	struct feed *f = w->feed;

	if (w->prev)
		w->prev->next = w->next;
	else
		f->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	if (w->timer)
		event_free(w->timer);
	free(w);
	f->n--;
}

/* Answer a long-poll with the first limit entries of pg (none when pg is NULL). */
static void
feed_answer(struct feed *f, struct evhttp_request *req, const struct feed_page *pg,
    int limit, int64_t after)
{
	size_t n = pg != NULL ? pg->n : 0;
	struct jsonw w;

	if (n > (size_t)limit)
		n = (size_t)limit;
	jsonw_init(&w, f->pool);
	jsonw_obj(&w);
	jsonw_key(&w, "items");
	jsonw_arr(&w);
	for (size_t i = 0; i < n; i++)
		jsonw_raw(&w, pg->text.buf + pg->v[i].off, pg->v[i].len);
	jsonw_arr_end(&w);
	jsonw_key(&w, "next");
	jsonw_int(&w, n > 0 ? pg->v[n - 1].seq : after);
	jsonw_obj_end(&w);
	http_reply_jsonw(f->http, req, 200, &w);
	jsonw_free(&w);
}

/* Answer a long-poll now if it has something (or must stop): true when answered. */
static bool
feed_poll_ready(struct feed_waiter *w, bool timeout)
{
	struct feed *f = w->feed;
	size_t from;	/* 0: a long-poll is answered from a page read at its position */
	const struct feed_page *pg = feed_page(f, w->after, false, FEED_MAX_LIMIT, &from);

	if (pg == NULL) {
		http_reply_error(f->http, w->req, 503, "database_unavailable", "cannot read the "
		    "feed: %s", store_error(f->st));
		return true;
	}
	if (pg->n == 0 && !timeout)
		return false;
	feed_answer(f, w->req, pg, w->limit, w->after);
	return true;
}

static void
feed_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct feed_waiter *w = arg;

	feed_poll_ready(w, true);
	feed_unlink(w);
}

void
feed_get(struct feed *f, struct evhttp_request *req, int64_t after, int limit, int wait_s)
{
	struct feed_waiter *w = xcalloc(1, sizeof *w);
	struct timeval tv = { wait_s, 0 };

	w->req = req;
	w->after = after;
	w->limit = limit;
	w->feed = f;
	if (feed_poll_ready(w, wait_s <= 0)) {
		free(w);
		return;
	}
	w->timer = evtimer_new(f->base, feed_timeout_cb, w);
	evtimer_add(w->timer, &tv);
	feed_link(f, w);
}

static void feed_push(struct feed_waiter *w);

static void
feed_sent(struct evhttp_connection *conn, void *arg)
{
	struct feed_waiter *w = arg;

	w->sending = false;
	feed_push(w);
}

/* The follower's connection closed: the peer left, or the daemon dropped it as a slow
 * reader (http.h), or it shuts down. */
static void
feed_gone(void *arg)
{
	struct feed_waiter *w = arg;

	/* A peer that went away leaves the request detached and ours to free; a dropped
	 * connection, or one closed at shutdown, still holds it and frees it. */
	if (evhttp_request_get_connection(w->req) == NULL)
		evhttp_request_free(w->req);
	feed_unlink(w);
}

/* The NDJSON lines of pg from i on, whole, added to buf until it holds
 * FEED_CHUNK_BYTES (the lines and their newlines follow each other in the page's text:
 * one copy): the index after the last one, or i when nothing could be added. */
static size_t
feed_chunk(struct evbuffer *buf, const struct feed_page *pg, size_t i)
{
	size_t end = i, len = 0;

	while (end < pg->n && len < FEED_CHUNK_BYTES)
		len += pg->v[end++].len + 1;
	/* Out of memory: the next push tries again from this entry. */
	if (evbuffer_add(buf, pg->text.buf + pg->v[i].off, len) != 0)
		return i;
	return end;
}

/* What a follower reads next time the cache has nothing for it: a quarter more than its
 * last chunk took when that one filled, twice as much when it ran out of entries. */
static void
feed_adapt(struct feed_waiter *w, size_t sent, bool full)
{
	size_t want = full ? sent + sent / 4 + 1 : (size_t)w->want * 2;

	w->want = want < 8 ? 8 : want > FEED_MAX_LIMIT ? FEED_MAX_LIMIT : (int)want;
}

/* Send a follower its next chunk (FEED_CHUNK_BYTES of whole entries, at least one)
 * when it has none on its way. */
static void
feed_push(struct feed_waiter *w)
{
	const struct feed_page *pg;
	struct evbuffer *buf;
	size_t i, end;

	if (w->sending || w->after >= w->feed->last ||
	    (pg = feed_page(w->feed, w->after, true, w->want, &i)) == NULL || i >= pg->n)
		return;
	buf = evbuffer_new();
	if ((end = feed_chunk(buf, pg, i)) == i) {
		evbuffer_free(buf);
		return;
	}
	w->after = pg->v[end - 1].seq;
	feed_adapt(w, end - i, evbuffer_get_length(buf) >= FEED_CHUNK_BYTES);
	w->sending = true;
	evhttp_send_reply_chunk_with_cb(w->req, buf, feed_sent, w);
	evbuffer_free(buf);
}

void
feed_follow(struct feed *f, struct evhttp_request *req, int64_t after)
{
	struct feed_waiter *w = xcalloc(1, sizeof *w);

	w->req = req;
	w->after = after;
	w->want = FEED_FOLLOW_READ;
	w->follow = true;
	feed_link(f, w);
	http_stream_start(f->http, req, "application/x-ndjson", feed_gone, w);
	feed_push(w);
}

void
feed_notify(struct feed *f)
{
	struct feed_waiter *w, *next;
	int64_t last;

	/* Kept current even with no one waiting, so a new follower knows where the
	 * feed ends. */
	if (store_last_seq(f->st, &last) != 0 || last == f->last)
		return;
	f->last = last;
	feed_cache_clear(f);
	for (w = f->head; w != NULL; w = next) {
		next = w->next;
		if (w->follow)
			feed_push(w);
		else if (w->after < last && feed_poll_ready(w, false))
			feed_unlink(w);
	}
	feed_cache_clear(f);
}

/* True when the peer of req closed its end (a read would say end of file). */
static bool
feed_hung_up(struct evhttp_request *req)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	char c;
	ssize_t n;
	int fd;

	if (conn == NULL)
		return true;
	fd = bufferevent_getfd(evhttp_connection_get_bufferevent(conn));
	n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* libevent does not read a connection while its answer is pending, so a client that
 * hangs up is not noticed by itself: look for them now and then, and let them go. */
static void
feed_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct feed *f = arg;
	struct feed_waiter *w, *next;

	for (w = f->head; w != NULL; w = next) {
		next = w->next;
		if (!feed_hung_up(w->req))
			continue;
		if (w->follow)
			http_stream_end(f->http, w->req);	/* frees it when detached */
		else
			feed_answer(f, w->req, NULL, 0, w->after);
		feed_unlink(w);
	}
}

struct feed *
feed_new(struct event_base *base, struct store *st, struct http *h,
    struct jsonw_pool *pool)
{
	struct feed *f = xcalloc(1, sizeof *f);
	struct timeval every = { FEED_SWEEP_S, 0 };

	f->base = base;
	f->st = st;
	f->http = h;
	f->pool = pool;
	f->cache.after = -1;
	store_last_seq(st, &f->last);
	f->sweeper = event_new(base, -1, EV_PERSIST, feed_sweep, f);
	event_add(f->sweeper, &every);
	return f;
}

void
feed_shutdown(struct feed *f)
{
	while (f->head != NULL) {
		if (f->head->follow)
			http_stream_end(f->http, f->head->req);
		else
			feed_poll_ready(f->head, true);
		feed_unlink(f->head);
	}
	feed_cache_clear(f);
}

void
feed_free(struct feed *f)
{
	if (f == NULL)
		return;
	feed_shutdown(f);
	free(f->cache.v);
	event_free(f->sweeper);
	free(f);
}

int
feed_waiting(const struct feed *f)
{
	return f->n;
}
