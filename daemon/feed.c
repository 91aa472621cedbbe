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
#include "store.h"
#include "xmalloc.h"

struct feed_waiter {
	struct evhttp_request *req;
	int64_t after;		/* the last seq this waiter has (been sent) */
	int limit;
	bool follow;
	bool sending;		/* a follower's page is on its way */
	struct event *timer;	/* a long-poll's wait */
	struct feed_waiter *prev, *next;
};

#define FEED_SWEEP_S 5	/* how often waiting connections are checked for a hang-up */

static struct event_base *feed_base;
static struct event *feed_sweeper;
static struct store *feed_st;
static struct feed_waiter *feed_head;
static int feed_n;
static int64_t feed_last;	/* the newest seq known committed */

/* The last page read, shared by every waiter at the same position. */
static struct {
	int64_t after;
	json_t *items;		/* up to FEED_MAX_LIMIT entries after `after` */
} feed_cache = { -1, NULL };

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

/* The entries after `after` (at most FEED_MAX_LIMIT), borrowed; NULL on error. */
static json_t *
feed_page(int64_t after)
{
	json_t *items;

	if (feed_cache.items != NULL && feed_cache.after == after)
		return feed_cache.items;
	items = json_array();
	if (history_feed(feed_st, after, FEED_MAX_LIMIT, feed_add_item, items) < 0) {
		log_warnx("feed: %s", store_error(feed_st));
		json_decref(items);
		return NULL;
	}
	feed_cache_clear();
	feed_cache.after = after;
	feed_cache.items = items;
	return items;
}

static int64_t
feed_item_seq(json_t *items, size_t i)
{
	return json_integer_value(json_object_get(json_array_get(items, i), "seq"));
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
	json_t *items = feed_page(w->after);

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

static void
feed_gone(struct evhttp_connection *conn, void *arg)
{
	struct feed_waiter *w = arg;

	/* A peer that went away leaves the request detached and ours to free; at a
	 * shutdown it is still attached and the connection frees it. */
	if (evhttp_request_get_connection(w->req) == NULL)
		evhttp_request_free(w->req);
	feed_unlink(w);
}

/* Send a follower its next page when it has none on its way. */
static void
feed_push(struct feed_waiter *w)
{
	json_t *items;
	struct evbuffer *buf;
	size_t n;

	if (w->sending || w->after >= feed_last || (items = feed_page(w->after)) == NULL ||
	    (n = json_array_size(items)) == 0)
		return;
	buf = evbuffer_new();
	for (size_t i = 0; i < n; i++) {
		char *line = json_dumps(json_array_get(items, i), JSON_COMPACT);

		evbuffer_add(buf, line, strlen(line));
		evbuffer_add(buf, "\n", 1);
		free(line);
	}
	w->after = feed_item_seq(items, n - 1);
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
	w->follow = true;
	feed_link(w);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
	    "application/x-ndjson");
	http_count(req, 200);
	evhttp_send_reply_start(req, 200, "OK");
	evhttp_connection_set_closecb(evhttp_request_get_connection(req), feed_gone, w);
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
	struct evhttp_connection *conn;
	struct feed_waiter *w, *next;

	for (w = feed_head; w != NULL; w = next) {
		next = w->next;
		if (!feed_hung_up(w->req))
			continue;
		if (w->follow && (conn = evhttp_request_get_connection(w->req)) != NULL) {
			evhttp_connection_set_closecb(conn, NULL, NULL);
			evhttp_send_reply_end(w->req);
		} else if (w->follow)
			evhttp_request_free(w->req);
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

static void
feed_end_stream(struct feed_waiter *w)
{
	evhttp_connection_set_closecb(evhttp_request_get_connection(w->req), NULL, NULL);
	evhttp_send_reply_end(w->req);
}

void
feed_shutdown(void)
{
	while (feed_head != NULL) {
		if (feed_head->follow)
			feed_end_stream(feed_head);
		else
			feed_poll_ready(feed_head, true);
		feed_unlink(feed_head);
	}
	feed_cache_clear();
	if (feed_sweeper != NULL)
		event_free(feed_sweeper);
	feed_sweeper = NULL;
}

int
feed_waiting(void)
{
	return feed_n;
}
