#include "http.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "httpconn.h"
#include "listen.h"
#include "jsonw.h"
#include "log.h"
#include "metrics.h"
#include "peer.h"
#include "proto.h"
#include "render.h"
#include "reqcheck.h"
#include "store.h"
#include "turn.h"
#include "xmalloc.h"

#define HTTP_TRACK 4096		/* requests whose start time is kept (a power of 2) */

struct http_track {
	const void *req;
	int64_t start_us;
};

struct http {
	struct http_deps deps;
	struct evhttp *server;
	struct evconnlistener *listener;
	struct evconnlistener *tcp;	/* the read-only listener, if any (evhttp's) */
	char *tcp_name;			/* where it listens, for people */
	struct httpconn_set *conns;	/* the connections, the output budget */
	const struct http_route *routes;
	size_t n_routes;
	struct peer peer;		/* who may write */
	struct listen bound;		/* the socket file we bound, if any */
	bool stopped;			/* http_stop_listening: never accept again */
	struct timeval idle;		/* idle_timeout */
	/* When each request in progress arrived, for the latency metric: an
	 * open-addressing table keyed by the request's address (no user data can hang
	 * on an evhttp request). */
	struct http_track track[HTTP_TRACK];
};

/* Whether fd came through the read-only listener: any socket but a Unix one. A TCP
 * peer has no credentials to check, and a bridge to it may carry anyone. */
static bool
http_fd_read_only(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	return getsockname(fd, (struct sockaddr *)&ss, &len) != 0 || ss.ss_family != AF_UNIX;
}

static bool
http_fd_may_write(struct http *h, int fd)
{
	return !http_fd_read_only(fd) && peer_may_write(&h->peer, fd);
}

static int
http_req_fd(struct evhttp_request *req)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);

	return conn != NULL ? bufferevent_getfd(evhttp_connection_get_bufferevent(conn)) : -1;
}

static bool
http_peer_may_write(struct http *h, struct evhttp_request *req)
{
	int fd = http_req_fd(req);

	return fd >= 0 && http_fd_may_write(h, fd);
}

/*
 * libevent 2.1 reads a whole body before the daemon sees its request, up to the
 * connection's limit. So that only a writer importing may make it buffer a bulk body,
 * the limit is chosen as each request starts to arrive, from its request line and the
 * peer: HTTP_MAX_BULK_BODY for a writer's POST /v1/protocols:import, else
 * HTTP_MAX_READ (bodies between HTTP_MAX_BODY and it get the daemon's 413; past it,
 * libevent's own).
 */
static void
http_input(void *arg, struct evhttp_connection *conn, struct evbuffer *in,
    const struct evbuffer_cb_info *info)
{
	static const char import[] = "POST /v1/protocols:import";
	struct http *h = arg;
	struct bufferevent *bev = evhttp_connection_get_bufferevent(conn);
	char head[sizeof import];
	bool bulk;

	if (info->n_added == 0 || evbuffer_get_length(in) < sizeof import - 1)
		return;
	/* Only where a request starts: a body being read never begins with a method. */
	evbuffer_copyout(in, head, sizeof head - 1);
	head[sizeof head - 1] = '\0';
	if (head[0] < 'A' || head[0] > 'Z' || strchr(head, ' ') == NULL)
		return;
	bulk = strcmp(head, import) == 0 && http_fd_may_write(h, bufferevent_getfd(bev));
	evhttp_connection_set_max_body_size(conn, bulk ? HTTP_MAX_BULK_BODY : HTTP_MAX_READ);
}

/* evhttp's bevcb: a connection accepted; its input is watched from its first byte
 * (httpconn_born). */
static struct bufferevent *
http_new_bev(struct event_base *base, void *arg)
{
	struct http *h = arg;
	struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);

	if (bev != NULL)
		httpconn_born(h->conns, bev);
	return bev;
}

static size_t
http_track_slot(const void *req)
{
	return ((uintptr_t)req >> 4) * 0x9E3779B97F4A7C15ULL >> 52 & (HTTP_TRACK - 1);
}

static void
http_track_start(struct http *h, const void *req)
{
	size_t i = http_track_slot(req);

	for (size_t n = 0; n < HTTP_TRACK; n++, i = (i + 1) & (HTTP_TRACK - 1))
		if (h->track[i].req == NULL) {
			h->track[i].req = req;
			h->track[i].start_us = clock_mono_us();
			return;
		}
}

/* The latency of req in µs (and forget it), or -1 when it was not tracked. */
static int64_t
http_track_end(struct http *h, const void *req)
{
	struct http_track *t = h->track;
	size_t i = http_track_slot(req);
	int64_t start;

	for (size_t n = 0; n < HTTP_TRACK && t[i].req != NULL; n++,
	    i = (i + 1) & (HTTP_TRACK - 1)) {
		if (t[i].req != req)
			continue;
		start = t[i].start_us;
		/* Backward-shift deletion keeps every probe chain intact. */
		for (size_t j = (i + 1) & (HTTP_TRACK - 1); t[j].req != NULL;
		    j = (j + 1) & (HTTP_TRACK - 1)) {
			size_t home = http_track_slot(t[j].req);

			if (((j - home) & (HTTP_TRACK - 1)) >= ((j - i) & (HTTP_TRACK - 1))) {
				t[i] = t[j];
				i = j;
			}
		}
		t[i].req = NULL;
		return clock_mono_us() - start;
	}
	return -1;
}

/* Count an answer in the metrics (and stop tracking its request); it starts now, so
 * from now its connection may be dropped if it stops reading (httpconn.h). */
static void
http_count(struct http *h, struct evhttp_request *req, int status)
{
	int64_t us = http_track_end(h, req);

	metrics_http(h->deps.metrics, status, us < 0 ? 0 : us);
	httpconn_answer(h->conns, evhttp_request_get_connection(req), NULL, NULL);
}

bool
http_is_head(struct evhttp_request *req)
{
	return evhttp_request_get_command(req) == EVHTTP_REQ_HEAD;
}

/* Send buf (emptied, freed) as the answer. */
static void
http_send_buffer(struct http *h, struct evhttp_request *req, int status, const char *type,
    struct evbuffer *buf)
{
	char len[24];

	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", type);
	/* A HEAD gets the fields of the GET (RFC 9110 §9.3.2), its length too, and no
	 * body: libevent 2.1 would send one (it only leaves out the length). */
	if (http_is_head(req)) {
		snprintf(len, sizeof len, "%zu", evbuffer_get_length(buf));
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Length",
		    len);
		evbuffer_drain(buf, evbuffer_get_length(buf));
	}
	http_count(h, req, status);
	evhttp_send_reply(req, status, render_status_title(status), buf);
	evbuffer_free(buf);
}

/*
 * A stream's client only reads, maybe for days: its silence is no idleness, so the read
 * timeout (idle_timeout, which libevent does not restart on a write) is lifted for
 * the stream's life. The write timeout stays: output its peer has not taken for that
 * long still ends it, and the stream's heartbeats (feed.c) make sure a dead peer is
 * found out so.
 */
static void
http_stream_timeouts(struct http *h, struct evhttp_request *req, bool streaming)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);

	if (conn != NULL)
		bufferevent_set_timeouts(evhttp_connection_get_bufferevent(conn),
		    streaming ? NULL : &h->idle, &h->idle);
}

void
http_stream_start(struct http *h, struct evhttp_request *req, const char *type,
    http_close_fn *fn, void *arg)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", type);
	http_count(h, req, 200);
	http_stream_timeouts(h, req, true);
	/* Dropped or gone, the connection takes the request with it: tell its holder. */
	httpconn_answer(h->conns, evhttp_request_get_connection(req), fn, arg);
	evhttp_send_reply_start(req, 200, "OK");
}

void
http_stream_end(struct http *h, struct evhttp_request *req)
{
	/* Its holder lets go: the connection goes on without telling anyone. */
	httpconn_answer(h->conns, evhttp_request_get_connection(req), NULL, NULL);
	http_stream_timeouts(h, req, false);
	evhttp_send_reply_end(req);
}

void
http_reply_text(struct http *h, struct evhttp_request *req, int status, const char *type,
    const char *text, size_t len)
{
	struct evbuffer *buf = evbuffer_new();

	evbuffer_add(buf, text, len);
	http_send_buffer(h, req, status, type, buf);
}

/* A text of the first size goes back to the pool it came from (arg) once sent. */
static void
http_free_text(const void *data, size_t len, void *arg)
{
	jsonw_recycle(arg, (char *)data, arg != NULL ? JSONW_INIT_CAP : 0);
}

/* Send the text of w and a newline as the answer. */
static void
http_send_jsonw(struct http *h, struct evhttp_request *req, int status, const char *type,
    struct jsonw *w)
{
	struct evbuffer *buf = evbuffer_new();
	struct jsonw_pool *pool;
	size_t len;
	char *text;

	/* The text is handed to the connection, not copied: it goes back to its pool
	 * once sent or dropped (the pool waits for it, even past web_free: jsonw.h). */
	jsonw_newline(w);
	pool = w->cap == JSONW_INIT_CAP ? w->pool : NULL;
	text = jsonw_take(w, &len);
	if (evbuffer_add_reference(buf, text, len, http_free_text, pool) != 0) {
		evbuffer_add(buf, text, len);
		jsonw_recycle(pool, text, JSONW_INIT_CAP);
	}
	http_send_buffer(h, req, status, type, buf);
}

void
http_reply_jsonw(struct http *h, struct evhttp_request *req, int status, struct jsonw *w)
{
	http_send_jsonw(h, req, status, "application/json", w);
}

void
http_reply_problem_jsonw(struct http *h, struct evhttp_request *req, int status,
    struct jsonw *w)
{
	http_send_jsonw(h, req, status, "application/problem+json", w);
}

void
http_reply_problem(struct http *h, struct evhttp_request *req, const struct problem *pb)
{
	struct jsonw w;

	jsonw_init(&w, h->deps.pool);
	render_problem(&w, pb);
	http_reply_problem_jsonw(h, req, pb->status, &w);
	jsonw_free(&w);
}

void
http_reply_error(struct http *h, struct evhttp_request *req, int status, const char *code,
    const char *fmt, ...)
{
	struct problem pb = { .status = status, .code = code };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pb.detail, sizeof pb.detail, fmt, ap);
	va_end(ap);
	problem_clean(pb.detail);
	http_reply_problem(h, req, &pb);
}

json_t *
http_body_object(struct evhttp_request *req, struct problem *pb)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	json_error_t err;
	json_t *o;

	if (len == 0) {
		problem_set(pb, 400, "invalid_json", "the request needs a JSON object body");
		return NULL;
	}
	o = json_loadb((const char *)evbuffer_pullup(in, len), len, JSON_REJECT_DUPLICATES,
	    &err);
	if (o == NULL) {
		problem_set(pb, 400, "invalid_json", "the body is not valid JSON: %s (line %d, "
		    "column %d)", err.text, err.line, err.column);
		return NULL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		problem_set(pb, 400, "invalid_json", "the body must be a JSON object");
		return NULL;
	}
	return o;
}

const char *
http_query(struct evhttp_request *req, const char *key, char *buf, size_t len)
{
	const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq params;
	const char *v;

	if (q == NULL || evhttp_parse_query_str(q, &params) != 0)
		return NULL;
	v = evhttp_find_header(&params, key);
	if (v != NULL)
		snprintf(buf, len, "%s", v);
	evhttp_clear_headers(&params);
	return v ? buf : NULL;
}

/* Match path against pattern; on success *id is the {id} segment (or NULL). */
static bool
http_match(const char *pattern, const char *path, char *id, size_t idlen, bool *has_id)
{
	*has_id = false;
	while (*pattern && *path) {
		if (*pattern == '{' && strncmp(pattern, "{id}", 4) == 0) {
			size_t n = strcspn(path, "/");

			if (n == 0 || n >= idlen)
				return false;
			memcpy(id, path, n);
			id[n] = '\0';
			*has_id = true;
			pattern += 4;
			path += n;
			continue;
		}
		if (*pattern++ != *path++)
			return false;
	}
	return *pattern == '\0' && *path == '\0';
}

static const char *
http_method_name(enum evhttp_cmd_type t)
{
	switch (t) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_PATCH: return "PATCH";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	default: return "OTHER";
	}
}

/* A read that waits for the commit in flight to be durable. */
struct http_deferred {
	struct http *h;
	struct evhttp_request *req;
	const struct http_route *route;
	bool has_id;
	char id[];
};

static void http_defer(struct http *h, struct evhttp_request *req,
    const struct http_route *r, const char *id);

static void
http_deferred_run(void *arg, bool ok)
{
	struct http_deferred *d = arg;
	const char *id = d->has_id ? d->id : NULL;

	/* Told once that commit is durable, so the reads may begin; the check stays, in
	 * case a waiter before this one committed again. */
	if (!store_reads_ready(d->h->deps.st))
		http_defer(d->h, d->req, d->route, id);
	else
		d->route->fn(d->h->deps.ctx, d->req, id);
	free(d);
}

/*
 * A commit is written but not durable yet (SQLite: its WAL's fsync runs) and this turn
 * reads nothing from before it: a read now would see what a crash could take back. The
 * request is served once the commit is durable (about a millisecond; never longer than
 * a commit took with SQLite's own FULL).
 */
static void
http_defer(struct http *h, struct evhttp_request *req, const struct http_route *r,
    const char *id)
{
	size_t n = id != NULL ? strlen(id) + 1 : 1;
	struct http_deferred *d = xmalloc(sizeof *d + n);

	d->h = h;
	d->req = req;
	d->route = r;
	d->has_id = id != NULL;
	memcpy(d->id, id != NULL ? id : "", n);
	turn_after_sync(h->deps.turn, http_deferred_run, d);
}

static void
http_dispatch_route(struct http *h, struct evhttp_request *req, const struct http_route *r,
    const char *id, bool has_id)
{
	if (has_id && !proto_valid_id(id)) {
		http_reply_error(h, req, 404, "invalid_id", "\"%.64s\" is not an id: ids are 1 "
		    "to 64 characters of A-Z a-z 0-9 . _ : -", id);
		return;
	}
	if (!r->bulk && evbuffer_get_length(evhttp_request_get_input_buffer(req)) >
	    HTTP_MAX_BODY) {
		http_reply_error(h, req, 413, "body_too_large", "a request body may have at "
		    "most %d bytes here (POST /v1/protocols:import takes up to %d)",
		    HTTP_MAX_BODY, HTTP_MAX_BULK_BODY);
		return;
	}
	if (r->write && !http_peer_may_write(h, req)) {
		http_reply_error(h, req, 403, "forbidden", "%s", http_req_fd(req) >= 0 &&
		    http_fd_read_only(http_req_fd(req)) ? "the TCP listener only reads; this "
		    "needs the Unix socket and a peer that may write" : "writes need root, the "
		    "daemon's user or a member of the configured write_group; this peer may "
		    "only read");
		return;
	}
	if (!r->write && !store_reads_ready(h->deps.st)) {
		http_defer(h, req, r, has_id ? id : NULL);
		return;
	}
	r->fn(h->deps.ctx, req, has_id ? id : NULL);
}

/*
 * The TCP listener serves reads alone, whoever the peer: any other method than GET and
 * HEAD is refused before routing (405, whatever the path), so no write, reload or
 * clock move can come through it.
 */
static bool
http_read_only_refused(struct http *h, struct evhttp_request *req)
{
	enum evhttp_cmd_type t = evhttp_request_get_command(req);
	int fd = http_req_fd(req);

	if (t == EVHTTP_REQ_GET || t == EVHTTP_REQ_HEAD || fd < 0 || !http_fd_read_only(fd))
		return false;
	evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
	http_reply_error(h, req, 405, "method_not_allowed", "%s is not allowed here: this "
	    "TCP listener (http_listen) serves only GET and HEAD; writes go through the "
	    "daemon's Unix socket", http_method_name(t));
	return true;
}

/* A request the server refuses before routing: answered (400, 405), true. */
static bool
http_refused(struct http *h, struct evhttp_request *req)
{
	char why[160];

	if (reqcheck_framing_bad(req, why, sizeof why)) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
		http_reply_error(h, req, 400, "invalid_request", "%s; this connection is "
		    "closed", why);
		return true;
	}
	if (reqcheck_host_missing(req)) {
		http_reply_error(h, req, 400, "invalid_request", "an HTTP/1.1 request needs a "
		    "Host header field (RFC 9112 §3.2), e.g. \"Host: localhost\"");
		return true;
	}
	return http_read_only_refused(h, req);
}

/* Whether route r serves method: a HEAD is served as a GET (RFC 9110 §9.3.2), and evhttp
 * sends its answer's head without the body. */
static bool
http_method_fits(const struct http_route *r, const char *method)
{
	return strcmp(r->method, method) == 0 ||
	    (strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0);
}

static void
http_gencb(struct evhttp_request *req, void *arg)
{
	struct http *h = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	const char *method = http_method_name(evhttp_request_get_command(req));
	char id[256], allow[64] = "";
	bool has_id, path_known = false;

	http_track_start(h, req);
	httpconn_request(h->conns, evhttp_request_get_connection(req));
	if (http_refused(h, req))
		return;
	for (size_t i = 0; path != NULL && i < h->n_routes; i++) {
		const struct http_route *r = &h->routes[i];

		if (!http_match(r->pattern, path, id, sizeof id, &has_id))
			continue;
		if (http_method_fits(r, method)) {
			http_dispatch_route(h, req, r, id, has_id);
			return;
		}
		path_known = true;
		snprintf(allow + strlen(allow), sizeof allow - strlen(allow), "%s%s%s",
		    allow[0] ? ", " : "", r->method,
		    strcmp(r->method, "GET") == 0 ? ", HEAD" : "");
	}
	if (!path_known) {
		http_reply_error(h, req, 404, "route_not_found", "no such endpoint: %s %.200s",
		    method, path ? path : "?");
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", allow);
	http_reply_error(h, req, 405, "method_not_allowed", "%s is not allowed on %.200s; "
	    "allowed: %s", method, path, allow);
}

/*
 * accept() failed: at the connection limit, pause accepting for a moment rather than
 * spin on the waiting connection, and say so once a minute at most. The listener's
 * argument is evhttp's, so what the warning needs to remember is where libevent keeps
 * it: the listener's error callback is the loud one, or the quiet one for a minute
 * after a warning. Those timers only run while the loop does, and no loop runs once the
 * server is freed.
 */
static void http_accept_error(struct evconnlistener *lev, void *arg);

static void
http_accept_again(evutil_socket_t fd, short what, void *arg)
{
	evconnlistener_enable(arg);
}

static void
http_accept_loud(evutil_socket_t fd, short what, void *arg)
{
	evconnlistener_set_error_cb(arg, http_accept_error);
}

static void
http_accept_pause(struct evconnlistener *lev)
{
	struct timeval pause = { 0, 100000 };

	evconnlistener_disable(lev);
	event_base_once(evconnlistener_get_base(lev), -1, EV_TIMEOUT, http_accept_again, lev,
	    &pause);
}

static void
http_accept_error_quiet(struct evconnlistener *lev, void *arg)
{
	http_accept_pause(lev);
}

static void
http_accept_error(struct evconnlistener *lev, void *arg)
{
	struct timeval minute = { 60, 0 };
	int err = EVUTIL_SOCKET_ERROR();

	log_warnx("cannot accept connections: %s%s", strerror(err),
	    err == EMFILE || err == ENFILE ? " (max_connections reached)" : "");
	evconnlistener_set_error_cb(lev, http_accept_error_quiet);
	event_base_once(evconnlistener_get_base(lev), -1, EV_TIMEOUT, http_accept_loud, lev,
	    &minute);
	http_accept_pause(lev);
}

static void
http_configure(struct http *h, const struct config *cfg)
{
	struct timeval idle = { cfg->idle_timeout_ms / 1000, cfg->idle_timeout_ms % 1000 * 1000 };

	h->idle = idle;
	evhttp_set_max_body_size(h->server, HTTP_MAX_READ);
	evhttp_set_max_headers_size(h->server, 16 * 1024);
	evhttp_set_timeout_tv(h->server, &idle);
	evhttp_set_allowed_methods(h->server, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
	    EVHTTP_REQ_PATCH);
	evhttp_set_gencb(h->server, http_gencb, h);
	evhttp_set_bevcb(h->server, http_new_bev, h);
	peer_set_write_group(&h->peer, cfg->write_group);
}

void
http_reconfigure(struct http *h, const struct config *cfg)
{
	listen_limit_connections(cfg->max_connections);
	http_configure(h, cfg);
}

/* Listen on fd, or on the path cfg names: 0, or -1 with *cause. */
static int
http_listen(struct http *h, struct event_base *base, int fd, const struct config *cfg,
    char **cause)
{
	if (fd < 0 && (fd = listen_bind_path(&h->bound, cfg->socket, cfg->socket_mode,
	    cfg->write_group, cause)) < 0)
		return -1;
	/* evconnlistener does not make a passed descriptor non-blocking itself. */
	evutil_make_socket_nonblocking(fd);
	h->listener = evconnlistener_new(base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE, 0, fd);
	h->server = evhttp_new(base);
	if (h->listener == NULL || h->server == NULL ||
	    evhttp_bind_listener(h->server, h->listener) == NULL) {
		*cause = xasprintf("cannot listen on %s", fd == 3 ? "the passed socket" :
		    cfg->socket);
		if (h->listener != NULL)
			evconnlistener_free(h->listener);	/* not the server's */
		h->listener = NULL;
		return -1;
	}
	evconnlistener_set_error_cb(h->listener, http_accept_error);
	return 0;
}

/* The read-only TCP listener on fd (>= 0, from systemd) or cfg's http_listen, if
 * either: 0, or -1 with *cause. */
static int
http_listen_tcp(struct http *h, struct event_base *base, int fd, const struct config *cfg,
    char **cause)
{
	bool passed = fd >= 0;

	if (!passed && cfg->http_listen == NULL)
		return 0;
	if (!passed && (fd = listen_bind_tcp(cfg->http_listen, cause)) < 0)
		return -1;
	/* evconnlistener does not make a passed descriptor non-blocking itself. */
	evutil_make_socket_nonblocking(fd);
	h->tcp_name = xstrdup(passed ? "the socket systemd passed" : cfg->http_listen);
	h->tcp = evconnlistener_new(base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE, 0, fd);
	if (h->tcp == NULL || evhttp_bind_listener(h->server, h->tcp) == NULL) {
		*cause = xasprintf("cannot listen on %s", h->tcp_name);
		if (h->tcp != NULL)
			evconnlistener_free(h->tcp);
		else
			close(fd);
		h->tcp = NULL;
		return -1;
	}
	evconnlistener_set_error_cb(h->tcp, http_accept_error);
	log_info("serving GET and HEAD alone on TCP %s", h->tcp_name);
	return 0;
}

struct http *
http_new(struct event_base *base, int fd, int http_fd, const struct config *cfg,
    const struct http_route *routes, size_t n_routes, const struct http_deps *deps,
    char **cause)
{
	struct http *h = xcalloc(1, sizeof *h);

	h->deps = *deps;
	h->routes = routes;
	h->n_routes = n_routes;
	listen_limit_connections(cfg->max_connections);
	if (http_listen(h, base, fd, cfg, cause) != 0 ||
	    http_listen_tcp(h, base, http_fd, cfg, cause) != 0) {
		http_free(h);
		return NULL;
	}
	h->conns = httpconn_start(base, deps->metrics, http_input, h);
	http_configure(h, cfg);
	return h;
}

const char *
http_socket_name(const struct http *h)
{
	return listen_bound_path(&h->bound) ? listen_bound_path(&h->bound) :
	    "passed by systemd (socket activation)";
}

void
http_accepting(struct http *h, bool on)
{
	if (h->listener == NULL)
		return;
	if (on && !h->stopped) {
		evconnlistener_enable(h->listener);
		if (h->tcp != NULL)
			evconnlistener_enable(h->tcp);
	} else if (!on) {
		evconnlistener_disable(h->listener);
		if (h->tcp != NULL)
			evconnlistener_disable(h->tcp);
	}
}

void
http_stop_listening(struct http *h)
{
	h->stopped = true;
	http_accepting(h, false);
}

void
http_free(struct http *h)
{
	if (h == NULL)
		return;
	/* evhttp_free frees the bound listener too. */
	if (h->server != NULL)
		evhttp_free(h->server);
	/* After the connections: each one's close callback takes it out of the set. */
	httpconn_stop(h->conns);
	listen_unlink(&h->bound);
	free(h->tcp_name);
	free(h);
}
