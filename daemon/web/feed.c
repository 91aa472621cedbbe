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
	bool due;		/* a long-poll to look at: new, woken, its wait over */
	bool timeout;		/* ... to answer with what there is, even nothing */
	uint64_t stuck;		/* a follower whose page read failed in this generation */
	struct event *timer;	/* a long-poll's wait */
	struct feed *feed;
	struct feed_waiter *prev, *next;
};

/* A request whose `after` is past the end the feed knows: where the store's feed ends
 * is read before it is taken (feed_check_start). */
struct feed_check {
	struct feed *feed;	/* NULL once the feed is freed: the answer is dropped */
	struct evhttp_request *req;
	int64_t after;
	int limit, wait_s;
	bool follow;
	struct feed_check *prev, *next;
};

/* One entry of a page: its line, text[off, off + len), a newline after it. */
struct feed_entry {
	int64_t seq;
	size_t off, len;
};

/*
 * A page read, shared by every waiter at its position (and by the followers sent part
 * of it): its entries already written as JSON, each line followed by a newline, so a
 * follower's chunk is a run of the text as it is and a long-poll's items are its lines.
 */
struct feed_page {
	int64_t after;		/* -1: none */
	bool whole;		/* all a long-poll at `after` may take */
	uint64_t gen;		/* the feed's generation when it was asked */
	struct feed_entry *v;	/* up to FEED_MAX_LIMIT entries after `after` */
	size_t n, cap;
	struct jsonw text;
};

/* A read of the store on its way: a page, or where the feed ends. */
struct feed_read {
	struct feed *feed;	/* NULL once the feed is freed: the answer is dropped */
	int want;		/* a page's: the entries asked */
	struct feed_page pg;	/* a page's, as it arrives */
};

/*
 * The store answers a read before it returns (SQLite) or later from the loop
 * (client-server); the feed works either way, with these rules:
 *
 * - One page read at a time (f->reading): a waiter whose page is neither cached nor
 *   on its way while another read is, waits, and every waiter is looked at again
 *   (a round) when a read's answer comes later. So the same page is never read twice
 *   at once, and a page is the cache as soon as it has come.
 * - gen counts the moves of `last` (a commit seen). A page asked in an older
 *   generation holds true entries in seq order, but not that nothing follows them: it
 *   is never "whole" by being short, and one with nothing past a reader's position is
 *   not an answer (it is read again).
 * - Serving runs under f->busy: whatever asks for more serving meanwhile (an answer
 *   that came before its read returned, a commit seen) makes one more round at the end,
 *   never a nested one, so a waiter is never freed under the code serving it.
 * - A page read that failed (f->failed, for the rest of that serving): the long-polls
 *   at its position get a 503, the followers there wait for the next commit (stuck).
 */
struct feed {
	struct event_base *base;
	struct store *st;
	struct http *http;
	struct jsonw_pool *pool;
	struct event *sweeper;
	struct feed_waiter *head;
	int n;
	int64_t last;		/* the newest seq known committed */
	uint64_t gen;
	struct feed_page cache;
	struct feed_read *reading;	/* the page read on its way */
	bool asking;		/* in store_feed: its answer comes before it returns */
	bool failed;		/* the last page read failed, at fail_after */
	int64_t fail_after;
	struct feed_read *last_read;	/* the read of where the feed ends, on its way */
	bool last_again;	/* a commit came meanwhile: read it again after */
	bool has_last;		/* an answer of it, to apply: new_last */
	int64_t new_last;
	bool busy, again;
	bool clear_after;	/* a commit was seen: let the cache go after serving */
	struct feed_check *checks;	/* requests past the end known, asking the store */
	struct event *beat;	/* the followers' heartbeat */
	struct timeval beat_every;
};

#define FEED_SWEEP_S 5	/* how often waiting connections are checked for a hang-up */
#define FEED_FOLLOW_READ 64	/* a new follower's first read, in entries */
#define FEED_BEAT_MAX_MS 30000	/* the followers' heartbeat, at most this far apart */
#define FEED_BEAT_MIN_MS 250	/* ... and at least */

static void
feed_page_free(struct feed_page *pg)
{
	jsonw_free(&pg->text);
	free(pg->v);
	pg->v = NULL;
	pg->n = pg->cap = 0;
	pg->after = -1;
}

static void
feed_add_item(const struct proto_event *ev, const char *protocol, void *arg)
{
	struct feed_read *rd = arg;
	struct feed_page *pg = &rd->pg;
	struct feed_entry *e;

	if (rd->feed == NULL)
		return;
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

/* The cache, if it serves a reader after `after` (feed_cached) in this generation. */
static const struct feed_page *
feed_lookup(struct feed *f, int64_t after, bool part, size_t *from)
{
	const struct feed_page *pg = &f->cache;

	if (!feed_cached(pg, after, part, from))
		return NULL;
	/* Asked before the last commit seen: nothing past `after` proves nothing. */
	if (pg->gen != f->gen && *from >= pg->n)
		return NULL;
	return pg;
}

static bool
feed_failed_at(const struct feed *f, int64_t after)
{
	return f->failed && f->fail_after == after;
}

static void feed_run(struct feed *f, struct feed_waiter *w);

/* The page read's end: it becomes the cache (or the failure is noted), and, when it
 * came later, every waiter is looked at again. */
static void
feed_page_read(void *arg, int n)
{
	struct feed_read *rd = arg;
	struct feed *f = rd->feed;

	if (f == NULL) {
		feed_page_free(&rd->pg);
		free(rd);
		return;
	}
	f->reading = NULL;
	if (n < 0) {
		log_warnx("feed: %s", store_error(f->st));
		f->failed = true;
		f->fail_after = rd->pg.after;
		feed_page_free(&rd->pg);
	} else {
		feed_page_free(&f->cache);
		f->cache = rd->pg;
		/* Up to the end of the feed, a short page is whole too (a commit clears
		 * it), if no commit was seen since it was asked. */
		f->cache.whole = rd->want == FEED_MAX_LIMIT ||
		    (n < rd->want && rd->pg.gen == f->gen);
	}
	free(rd);
	if (!f->asking)
		feed_run(f, NULL);
}

/* Read the page of want entries after `after` (no other page read is on its way). */
static void
feed_read_page(struct feed *f, int64_t after, int want)
{
	struct feed_read *rd = xcalloc(1, sizeof *rd);

	rd->feed = f;
	rd->want = want;
	rd->pg.after = after;
	rd->pg.gen = f->gen;
	jsonw_init(&rd->pg.text, NULL);
	f->reading = rd;
	f->asking = true;
	store_feed(f->st, after, want, feed_add_item, feed_page_read, rd);
	f->asking = false;
}

/*
 * The page of entries after `after`, from index *from on; NULL when it is on its way
 * (the waiter is served again once it came) or its read failed (feed_failed_at). A
 * long-poll (part false) gets a page read at `after`, of up to FEED_MAX_LIMIT entries.
 * A follower (part) may get the rest of a page read before, and on a miss `want`
 * entries are read, about what its next chunk takes: followers at different places
 * would otherwise each read a whole page for every chunk they are sent.
 */
static const struct feed_page *
feed_page(struct feed *f, int64_t after, bool part, int want, size_t *from)
{
	const struct feed_page *pg;

	if ((pg = feed_lookup(f, after, part, from)) != NULL)
		return pg;
	if (f->reading != NULL || feed_failed_at(f, after))
		return NULL;
	feed_read_page(f, after, part ? want : FEED_MAX_LIMIT);
	return f->reading != NULL ? NULL : feed_lookup(f, after, part, from);
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

/* A due long-poll: answered (and freed) when it has something, its wait is over or its
 * read failed; else it waits, for a commit or for its page. */
static void
feed_poll(struct feed *f, struct feed_waiter *w)
{
	size_t from;	/* 0: a long-poll is answered from a page read at its position */
	const struct feed_page *pg = feed_page(f, w->after, false, FEED_MAX_LIMIT, &from);

	if (pg == NULL) {
		if (!feed_failed_at(f, w->after))
			return;		/* on its way: still due */
		http_reply_error(f->http, w->req, 503, "database_unavailable", "cannot read the "
		    "feed: %s", store_error(f->st));
	} else if (pg->n == 0 && !w->timeout) {
		w->due = false;
		return;
	} else
		feed_answer(f, w->req, pg, w->limit, w->after);
	feed_unlink(w);
}

static void feed_sent(struct evhttp_connection *conn, void *arg);

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
 * when it has none on its way; a follower whose page is on its way waits for it. */
static void
feed_push(struct feed *f, struct feed_waiter *w)
{
	const struct feed_page *pg;
	struct evbuffer *buf;
	size_t i, end;

	if (w->sending || w->after >= f->last || w->stuck == f->gen)
		return;
	if ((pg = feed_page(f, w->after, true, w->want, &i)) == NULL) {
		if (feed_failed_at(f, w->after))
			w->stuck = f->gen;	/* until the next commit */
		return;
	}
	if (i >= pg->n)
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

/* Look at w: push a follower's next chunk, answer a due long-poll (it may be freed). */
static void
feed_serve(struct feed *f, struct feed_waiter *w)
{
	if (w->follow)
		feed_push(f, w);
	else if (w->due)
		feed_poll(f, w);
}

/* Where the feed ends, as last answered: a move is a new generation, the cache goes
 * (a short page is no longer the end), and the long-polls behind it are due. */
static void
feed_apply_last(struct feed *f)
{
	if (!f->has_last)
		return;
	f->has_last = false;
	if (f->new_last == f->last)
		return;
	f->last = f->new_last;
	f->gen++;
	f->clear_after = true;
	feed_page_free(&f->cache);
	for (struct feed_waiter *w = f->head; w != NULL; w = w->next)
		if (!w->follow && w->after < f->last)
			w->due = true;
}

/* Every waiter, newest first. */
static void
feed_round(struct feed *f)
{
	struct feed_waiter *w, *next;

	feed_apply_last(f);
	for (w = f->head; w != NULL; w = next) {
		next = w->next;
		feed_serve(f, w);
	}
}

/* Serve w (NULL: every waiter), then as many rounds as were asked for meanwhile; when
 * already serving, only ask for one more round. */
static void
feed_run(struct feed *f, struct feed_waiter *w)
{
	if (f->busy) {
		f->again = true;
		return;
	}
	f->busy = true;
	f->again = w == NULL;
	if (w != NULL)
		feed_serve(f, w);
	while (f->again) {
		f->again = false;
		feed_round(f);
	}
	f->failed = false;
	/* Everyone has had what a commit brought: the page's memory goes (the next
	 * request reads again), unless a read is yet to bring one. */
	if (f->clear_after) {
		f->clear_after = false;
		feed_page_free(&f->cache);
	}
	f->busy = false;
}

static void
feed_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct feed_waiter *w = arg;

	w->due = w->timeout = true;
	feed_run(w->feed, w);
}

/* Take a long-poll (its `after` is not past the feed's end). */
static void
feed_get_start(struct feed *f, struct evhttp_request *req, int64_t after, int limit,
    int wait_s)
{
	struct feed_waiter *w = xcalloc(1, sizeof *w);
	struct timeval tv = { wait_s, 0 };

	w->req = req;
	w->after = after;
	w->limit = limit;
	w->due = true;
	w->timeout = wait_s <= 0;
	if (wait_s > 0) {
		w->timer = evtimer_new(f->base, feed_timeout_cb, w);
		evtimer_add(w->timer, &tv);
	}
	feed_link(f, w);
	feed_run(f, w);
}

static void
feed_sent(struct evhttp_connection *conn, void *arg)
{
	struct feed_waiter *w = arg;

	w->sending = false;
	feed_run(w->feed, w);
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

/* Take a follower (its `after` is not past the feed's end). A HEAD gets the stream's
 * head at once and nothing more: it has no body to wait for. */
static void
feed_follow_start(struct feed *f, struct evhttp_request *req, int64_t after)
{
	struct feed_waiter *w;

	if (http_is_head(req)) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Transfer-Encoding",
		    "chunked");
		http_stream_start(f->http, req, "application/x-ndjson", NULL, NULL);
		http_stream_end(f->http, req);
		return;
	}
	w = xcalloc(1, sizeof *w);
	w->req = req;
	w->after = after;
	w->want = FEED_FOLLOW_READ;
	w->follow = true;
	feed_link(f, w);
	http_stream_start(f->http, req, "application/x-ndjson", feed_gone, w);
	feed_run(f, w);
}

static void feed_saw_last(struct feed *f, int64_t last);

static void
feed_check_unlink(struct feed_check *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else if (c->feed != NULL)
		c->feed->checks = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
}

/*
 * Where the store's feed ends, for a request past the end the feed knew. A cursor
 * past the committed end cannot be a position this feed gave: the database was
 * restored from an older copy (or the cursor is made up), and waiting would wait
 * for entries whose seqs will be other ones. So it is refused (409 cursor_ahead),
 * once the store itself says so: on a cluster another instance may have committed
 * further than this one has heard yet.
 */
static void
feed_check_got(void *arg, int rc, int64_t last)
{
	struct feed_check *c = arg;
	struct feed *f = c->feed;

	feed_check_unlink(c);
	if (f == NULL) {
		free(c);
		return;
	}
	if (rc != 0)
		http_reply_error(f->http, c->req, 503, "database_unavailable", "cannot read "
		    "where the feed ends: %s", store_error(f->st));
	else if (c->after > last)
		http_reply_error(f->http, c->req, 409, "cursor_ahead", "after=%lld is past the "
		    "end of the feed, which ends at seq %lld: the database was probably "
		    "restored from a backup; start again from after=%lld (or 0 to read the "
		    "whole feed again)", (long long)c->after, (long long)last, (long long)last);
	else {
		feed_saw_last(f, last);
		if (f->has_last)
			feed_run(f, NULL);
		if (c->follow)
			feed_follow_start(f, c->req, c->after);
		else
			feed_get_start(f, c->req, c->after, c->limit, c->wait_s);
	}
	free(c);
}

/* Ask the store where the feed ends before taking req (feed_check_got). */
static void
feed_check_start(struct feed *f, struct evhttp_request *req, int64_t after, int limit,
    int wait_s, bool follow)
{
	struct feed_check *c = xcalloc(1, sizeof *c);

	*c = (struct feed_check){ .feed = f, .req = req, .after = after, .limit = limit,
	    .wait_s = wait_s, .follow = follow, .next = f->checks };
	if (f->checks != NULL)
		f->checks->prev = c;
	f->checks = c;
	store_last_seq(f->st, feed_check_got, c);
}

/* The newest seq known committed, or about to be (an answer not yet applied). */
static int64_t
feed_known_last(const struct feed *f)
{
	return f->has_last && f->new_last > f->last ? f->new_last : f->last;
}

int64_t
feed_last_seq(const struct feed *f)
{
	return f->last;
}

void
feed_get(struct feed *f, struct evhttp_request *req, int64_t after, int limit, int wait_s)
{
	/* A HEAD has no body to wait for: it is answered at once. */
	if (http_is_head(req))
		wait_s = 0;
	if (after > feed_known_last(f))
		feed_check_start(f, req, after, limit, wait_s, false);
	else
		feed_get_start(f, req, after, limit, wait_s);
}

void
feed_follow(struct feed *f, struct evhttp_request *req, int64_t after)
{
	if (after > feed_known_last(f))
		feed_check_start(f, req, after, 0, 0, true);
	else
		feed_follow_start(f, req, after);
}

static void feed_read_last(struct feed *f);

/* The feed ends at last (a read, or another instance's commit): never back, as the
 * answers of reads and the news of commits may cross. */
static void
feed_saw_last(struct feed *f, int64_t last)
{
	int64_t known = f->has_last ? f->new_last : f->last;

	if (last <= known)
		return;
	f->new_last = last;
	f->has_last = true;
}

/* Where the feed ends: applied, and the waiters served, by a round (at once, or after
 * the serving under way); read again if a commit came meanwhile. */
static void
feed_last_read(void *arg, int rc, int64_t last)
{
	struct feed_read *rd = arg;
	struct feed *f = rd->feed;

	free(rd);
	if (f == NULL)
		return;
	f->last_read = NULL;
	/* Nothing to do when it has not moved (a commit without entries), unless an
	 * answer is still to be applied (feed_apply_last sorts them out). */
	if (rc == 0)
		feed_saw_last(f, last);
	if (f->last_again) {
		f->last_again = false;
		feed_read_last(f);
	}
	if (f->has_last)
		feed_run(f, NULL);
}

/* Ask where the feed ends, unless that is on its way (then again once it came: the
 * answer on its way may be from before the commit). */
static void
feed_read_last(struct feed *f)
{
	struct feed_read *rd;

	if (f->last_read != NULL) {
		f->last_again = true;
		return;
	}
	rd = xcalloc(1, sizeof *rd);
	rd->feed = f;
	f->last_read = rd;
	store_last_seq(f->st, feed_last_read, rd);
}

void
feed_moved(struct feed *f, int64_t last)
{
	feed_saw_last(f, last);
	if (f->has_last)
		feed_run(f, NULL);
}

void
feed_notify(struct feed *f)
{
	/* Kept current even with no one waiting, so a new follower knows where the
	 * feed ends. */
	feed_read_last(f);
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

/*
 * Every follower with no chunk on its way gets an empty line (NDJSON readers skip it):
 * a quiet feed must not look like a dead connection to what lies between (a proxy, a
 * bridge, a load balancer, the client's own timeout), and a peer that vanished without
 * closing is found out when its output stops draining (the write timeout, http.c).
 */
static void
feed_beat(evutil_socket_t fd, short what, void *arg)
{
	struct feed *f = arg;
	struct evbuffer *buf;

	for (struct feed_waiter *w = f->head; w != NULL; w = w->next) {
		if (!w->follow || w->sending)
			continue;
		buf = evbuffer_new();
		evbuffer_add(buf, "\n", 1);
		w->sending = true;
		evhttp_send_reply_chunk_with_cb(w->req, buf, feed_sent, w);
		evbuffer_free(buf);
	}
}

void
feed_configure(struct feed *f, int64_t idle_timeout_ms)
{
	int64_t ms = idle_timeout_ms / 2;

	if (ms > FEED_BEAT_MAX_MS)
		ms = FEED_BEAT_MAX_MS;
	if (ms < FEED_BEAT_MIN_MS)
		ms = FEED_BEAT_MIN_MS;
	f->beat_every = (struct timeval){ ms / 1000, ms % 1000 * 1000 };
	event_add(f->beat, &f->beat_every);
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
	f->gen = 1;
	f->sweeper = event_new(base, -1, EV_PERSIST, feed_sweep, f);
	event_add(f->sweeper, &every);
	f->beat = event_new(base, -1, EV_PERSIST, feed_beat, f);
	feed_configure(f, (int64_t)FEED_BEAT_MAX_MS * 2);
	feed_read_last(f);
	return f;
}

void
feed_shutdown(struct feed *f)
{
	struct feed_waiter *w, *next;

	for (w = f->head; w != NULL; w = next) {
		next = w->next;
		if (w->follow) {
			http_stream_end(f->http, w->req);
			feed_unlink(w);
		} else
			w->due = w->timeout = true;
	}
	feed_run(f, NULL);
	/* Those whose page is still on its way: with nothing. */
	while (f->head != NULL) {
		feed_answer(f, f->head->req, NULL, 0, f->head->after);
		feed_unlink(f->head);
	}
	feed_page_free(&f->cache);
}

void
feed_free(struct feed *f)
{
	if (f == NULL)
		return;
	feed_shutdown(f);
	/* The answers on their way find the feed gone (webread.h's rule). */
	if (f->reading != NULL)
		f->reading->feed = NULL;
	if (f->last_read != NULL)
		f->last_read->feed = NULL;
	for (struct feed_check *c = f->checks; c != NULL; c = c->next)
		c->feed = NULL;
	event_free(f->sweeper);
	event_free(f->beat);
	free(f);
}

int
feed_waiting(const struct feed *f)
{
	return f->n;
}
