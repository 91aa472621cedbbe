#include "feed.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "history.h"
#include "http.h"
#include "log.h"
#include "render.h"
#include "sqlite.h"
#include "xmalloc.h"

struct feed_waiter {
	struct evhttp_request *req;
	int64_t after;		/* the last seq this waiter has (been sent) */
	int limit;
	int want;		/* a follower's: entries to read when the cache has none */
	bool follow;
	bool sending;		/* a follower's chunk is on its way */
	struct event *timer;	/* a long-poll's wait */
	struct feed_waiter *prev, *next;
};

#define FEED_SWEEP_S 5	/* how often waiting connections are checked for a hang-up */
#define FEED_FOLLOW_READ 64	/* a new follower's first read, in entries */

static struct event_base *feed_base;
static struct event *feed_sweeper;
static struct store *feed_st;
static struct feed_waiter *feed_head;
static int feed_n;
static int64_t feed_last;	/* the newest seq known committed */

/* The last page read, shared by every waiter at its position (and by the followers
 * sent part of it), and where followers' lines are rendered. */
static struct {
	int64_t after;
	json_t *items;		/* up to FEED_MAX_LIMIT entries after `after` */
	bool whole;		/* all a long-poll at `after` may take */
	char *scratch;		/* where a follower's line is rendered */
	size_t scratch_cap;
} feed_cache = { -1, NULL, false, NULL, 0 };

static void
feed_cache_clear(void)
{
	json_decref(feed_cache.items);
	feed_cache.items = NULL;
	feed_cache.after = -1;
}

static void
feed_add_item(const struct proto_event *ev, const char *protocol, void *arg)
{
	json_array_append_new(arg, render_event(ev, protocol));
}

static int64_t
feed_item_seq(json_t *items, size_t i)
{
	return json_integer_value(json_object_get(json_array_get(items, i), "seq"));
}

/* Whether the cached page serves a reader after `after`: read there (and whole, for a
 * long-poll), or for a follower (part) holding entries after it; *from is the first of
 * them. */
static bool
feed_cached(int64_t after, bool part, size_t *from)
{
	size_t lo = 0, hi;

	*from = 0;
	if (feed_cache.items == NULL || after < feed_cache.after)
		return false;
	if (after == feed_cache.after)
		return part || feed_cache.whole;
	hi = json_array_size(feed_cache.items);
	if (!part || hi == 0 || feed_item_seq(feed_cache.items, hi - 1) <= after)
		return false;
	while (lo < hi) {	/* the first entry past `after` (seqs ascend) */
		size_t mid = lo + (hi - lo) / 2;

		if (feed_item_seq(feed_cache.items, mid) <= after)
			lo = mid + 1;
		else
			hi = mid;
	}
	*from = lo;
	return true;
}

/*
 * The entries after `after`, borrowed, from index *from on; NULL on error. A long-poll
 * (part false) gets a page read at `after`, of up to FEED_MAX_LIMIT entries. A follower
 * (part) may get the rest of a page read before, and on a miss `want` entries are read,
 * about what its next chunk takes: followers at different places would otherwise each
 * read a whole page for every chunk they are sent.
 */
static json_t *
feed_page(int64_t after, bool part, int want, size_t *from)
{
	json_t *items;

	if (feed_cached(after, part, from))
		return feed_cache.items;
	if (!part)
		want = FEED_MAX_LIMIT;
	items = json_array();
	if (history_feed(feed_st, after, want, feed_add_item, items) < 0) {
		log_warnx("feed: %s", store_error(feed_st));
		json_decref(items);
		return NULL;
	}
	feed_cache_clear();
	feed_cache.after = after;
	feed_cache.items = items;
	/* Up to the end of the feed, a short page is whole too (a commit clears it). */
	feed_cache.whole = want == FEED_MAX_LIMIT || json_array_size(items) < (size_t)want;
	return items;
}

static void
feed_link(struct feed_waiter *w)
{
	w->next = feed_head;
	if (feed_head)
		feed_head->prev = w;
	feed_head = w;
	feed_n++;
}

static void
feed_unlink(struct feed_waiter *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		feed_head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	if (w->timer)
		event_free(w->timer);
	free(w);
	feed_n--;
}

/* Answer a long-poll with the first limit entries of items. */
static void
feed_answer(struct evhttp_request *req, json_t *items, int limit, int64_t after)
{
	json_t *page = json_array();
	size_t n = json_array_size(items);

	for (size_t i = 0; i < n && i < (size_t)limit; i++)
		json_array_append(page, json_array_get(items, i));
	http_reply_json(req, 200, json_pack("{s:o, s:I}", "items", page, "next",
	    (json_int_t)(json_array_size(page) ? feed_item_seq(page,
	    json_array_size(page) - 1) : after)));
}

/* Answer a long-poll now if it has something (or must stop): true when answered. */
static bool
feed_poll_ready(struct feed_waiter *w, bool timeout)
{
	size_t from;	/* 0: a long-poll is answered from a page read at its position */
	json_t *items = feed_page(w->after, false, FEED_MAX_LIMIT, &from);

	if (items == NULL) {
		http_reply_error(w->req, 503, "database_unavailable", "cannot read the feed: "
		    "%s", store_error(feed_st));
		return true;
	}
	if (json_array_size(items) == 0 && !timeout)
		return false;
	feed_answer(w->req, items, w->limit, w->after);
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
feed_get(struct evhttp_request *req, int64_t after, int limit, int wait_s)
{
	struct feed_waiter *w = xcalloc(1, sizeof *w);
	struct timeval tv = { wait_s, 0 };

	w->req = req;
	w->after = after;
	w->limit = limit;
	if (feed_poll_ready(w, wait_s <= 0)) {
		free(w);
		return;
	}
	w->timer = evtimer_new(feed_base, feed_timeout_cb, w);
	evtimer_add(w->timer, &tv);
	feed_link(w);
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

/* Entry e as one NDJSON line in the scratch buffer: its length with the newline, or 0 on
 * error. The buffer is reused, so a burst of chunks (one for each of many followers)
 * leaves no discarded steps of growing strings between their chains in the heap. */
static size_t
feed_line(json_t *e)
{
	size_t k = json_dumpb(e, feed_cache.scratch, feed_cache.scratch_cap, JSON_COMPACT);

	if (k != 0 && k + 1 > feed_cache.scratch_cap) {
		feed_cache.scratch_cap = k * 2 > 16384 ? k * 2 : 16384;
		feed_cache.scratch = xrealloc(feed_cache.scratch, feed_cache.scratch_cap);
		k = json_dumpb(e, feed_cache.scratch, feed_cache.scratch_cap, JSON_COMPACT);
	}
	if (k == 0)
		return 0;
	feed_cache.scratch[k] = '\n';
	return k + 1;
}

/* The NDJSON lines of items from i on, whole, added to buf until it holds
 * FEED_CHUNK_BYTES: the index after the last one. */
static size_t
feed_chunk(struct evbuffer *buf, json_t *items, size_t i, size_t n)
{
	size_t len;

	for (; i < n && evbuffer_get_length(buf) < FEED_CHUNK_BYTES; i++)
		/* Out of memory: the next push tries again from this entry. */
		if ((len = feed_line(json_array_get(items, i))) == 0 ||
		    evbuffer_add(buf, feed_cache.scratch, len) != 0)
			break;
	return i;
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
	json_t *items;
	struct evbuffer *buf;
	size_t i, n, end;

	if (w->sending || w->after >= feed_last ||
	    (items = feed_page(w->after, true, w->want, &i)) == NULL ||
	    i >= (n = json_array_size(items)))
		return;
	buf = evbuffer_new();
	if ((end = feed_chunk(buf, items, i, n)) == i) {
		evbuffer_free(buf);
		return;
	}
	w->after = feed_item_seq(items, end - 1);
	feed_adapt(w, end - i, evbuffer_get_length(buf) >= FEED_CHUNK_BYTES);
	w->sending = true;
	evhttp_send_reply_chunk_with_cb(w->req, buf, feed_sent, w);
	evbuffer_free(buf);
}

void
feed_follow(struct evhttp_request *req, int64_t after)
{
	struct feed_waiter *w = xcalloc(1, sizeof *w);

	w->req = req;
	w->after = after;
	w->want = FEED_FOLLOW_READ;
	w->follow = true;
	feed_link(w);
	http_stream_start(req, "application/x-ndjson", feed_gone, w);
	feed_push(w);
}

void
feed_notify(void)
{
	struct feed_waiter *w, *next;
	int64_t last;

	/* Kept current even with no one waiting, so a new follower knows where the
	 * feed ends. */
	if (history_last_seq(feed_st, &last) != 0 || last == feed_last)
		return;
	feed_last = last;
	feed_cache_clear();
	for (w = feed_head; w != NULL; w = next) {
		next = w->next;
		if (w->follow)
			feed_push(w);
		else if (w->after < last && feed_poll_ready(w, false))
			feed_unlink(w);
	}
	feed_cache_clear();
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
	struct feed_waiter *w, *next;

	for (w = feed_head; w != NULL; w = next) {
		next = w->next;
		if (!feed_hung_up(w->req))
			continue;
		if (w->follow)
			http_stream_end(w->req);	/* frees it when detached */
		else
			http_reply_json(w->req, 200, json_pack("{s:[], s:I}", "items", "next",
			    (json_int_t)w->after));
		feed_unlink(w);
	}
}

void
feed_init(struct event_base *base, struct store *reader)
{
	struct timeval every = { FEED_SWEEP_S, 0 };

	feed_base = base;
	feed_st = reader;
	history_last_seq(reader, &feed_last);
	feed_sweeper = event_new(base, -1, EV_PERSIST, feed_sweep, NULL);
	event_add(feed_sweeper, &every);
}

void
feed_shutdown(void)
{
	while (feed_head != NULL) {
		if (feed_head->follow)
			http_stream_end(feed_head->req);
		else
			feed_poll_ready(feed_head, true);
		feed_unlink(feed_head);
	}
	feed_cache_clear();
	free(feed_cache.scratch);
	feed_cache.scratch = NULL;
	feed_cache.scratch_cap = 0;
	if (feed_sweeper != NULL)
		event_free(feed_sweeper);
	feed_sweeper = NULL;
}

int
feed_waiting(void)
{
	return feed_n;
}
