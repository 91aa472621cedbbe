#include "feed.h"

#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>

#include "http.h"
#include "log.h"
#include "render.h"
#include "history.h"
#include "store.h"
#include "xmalloc.h"

struct feed_waiter {
	struct evhttp_request *req;
	int64_t after;
	int limit;
	struct event *timer;
	struct feed_waiter *prev, *next;
};

static struct event_base *feed_base;
static struct store *feed_st;
static struct feed_waiter *feed_head;
static int feed_n;
static int64_t feed_last_seq;	/* the newest seq known committed */

struct feed_page {
	json_t *items;
	int64_t next;
};

static void
feed_add_item(const struct proto_event *ev, const char *protocol, void *arg)
{
	struct feed_page *pg = arg;

	json_array_append_new(pg->items, render_event(ev, protocol));
	pg->next = ev->seq;
}

/* Read a page: its item count, or -1 (answered with 503 then). */
static int
feed_read(struct evhttp_request *req, int64_t after, int limit, struct feed_page *pg)
{
	int n;

	pg->items = json_array();
	pg->next = after;
	if ((n = history_feed(feed_st, after, limit, feed_add_item, pg)) < 0) {
		json_decref(pg->items);
		http_reply_error(req, 503, "database_unavailable", "cannot read the feed: %s",
		    store_error(feed_st));
	}
	return n;
}

static void
feed_answer(struct evhttp_request *req, struct feed_page *pg)
{
	http_reply_json(req, 200, json_pack("{s:o, s:I}", "items", pg->items, "next",
	    (json_int_t)pg->next));
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
	event_free(w->timer);
	free(w);
	feed_n--;
}

static void
feed_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct feed_waiter *w = arg;
	struct feed_page pg;

	if (feed_read(w->req, w->after, w->limit, &pg) >= 0)
		feed_answer(w->req, &pg);
	feed_unlink(w);
}

void
feed_get(struct evhttp_request *req, int64_t after, int limit, int wait_s)
{
	struct feed_page pg;
	struct feed_waiter *w;
	struct timeval tv = { wait_s, 0 };
	int n;

	if ((n = feed_read(req, after, limit, &pg)) != 0 || wait_s <= 0) {
		if (n >= 0)
			feed_answer(req, &pg);
		return;
	}
	json_decref(pg.items);
	w = xcalloc(1, sizeof *w);
	w->req = req;
	w->after = after;
	w->limit = limit;
	w->timer = evtimer_new(feed_base, feed_timeout_cb, w);
	evtimer_add(w->timer, &tv);
	w->next = feed_head;
	if (feed_head)
		feed_head->prev = w;
	feed_head = w;
	feed_n++;
}

void
feed_notify(void)
{
	struct feed_waiter *w, *next;
	struct feed_page pg;
	int64_t last;
	int n;

	if (feed_head == NULL || history_last_seq(feed_st, &last) != 0 || last == feed_last_seq)
		return;
	feed_last_seq = last;
	for (w = feed_head; w != NULL; w = next) {
		next = w->next;
		if (w->after >= last)
			continue;
		if ((n = feed_read(w->req, w->after, w->limit, &pg)) > 0)
			feed_answer(w->req, &pg);
		else if (n == 0) {
			json_decref(pg.items);
			continue;
		}
		feed_unlink(w);
	}
}

void
feed_init(struct event_base *base, struct store *reader)
{
	feed_base = base;
	feed_st = reader;
	history_last_seq(reader, &feed_last_seq);
}

void
feed_shutdown(void)
{
	while (feed_head != NULL)
		feed_timeout_cb(-1, 0, feed_head);
}

int
feed_waiting(void)
{
	return feed_n;
}
