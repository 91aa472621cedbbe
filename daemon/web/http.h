#ifndef HTTP_H
#define HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "jsonw.h"
#include "problem.h"

struct event_base;
struct evhttp_request;
struct metrics;
struct store;
struct turn;
struct web;

/*
 * The HTTP/1.1 server on the Unix socket (evhttp): listening (a socket passed by
 * systemd, or the configured path), routing to the handlers, the write permission
 * check (SO_PEERCRED), the reads held while a commit is made durable, and the helpers
 * every handler answers with.
 */

#define HTTP_MAX_BODY (64 * 1024)		/* a request's body, in general */
#define HTTP_MAX_BULK_BODY (8 * 1024 * 1024)	/* the body of a bulk route (import) */
#define HTTP_MAX_READ (1024 * 1024)	/* what is read of another body before refusing */

/* A handler gets the web, the request and the {id} segment of its path (or NULL; valid
 * during the call only). */
typedef void http_handler(struct web *web, struct evhttp_request *req, const char *id);

struct http_route {
	const char *method;	/* "GET", "POST", "PUT" */
	const char *pattern;	/* "/v1/protocols/{id}/actions" */
	http_handler *fn;
	bool write;		/* only for peers allowed to write */
	bool bulk;		/* takes bodies up to HTTP_MAX_BULK_BODY */
};

/* What the server needs besides its routes; each must outlive it. */
struct http_deps {
	struct web *ctx;		/* handed to every handler */
	struct store *st;		/* a read route waits while its reads may not run */
	struct turn *turn;		/* ... for the commit in flight (turn_after_sync) */
	struct metrics *metrics;	/* every answer and dropped connection counted */
	struct jsonw_pool *pool;	/* the answers' buffers */
};

struct http;

/* Serve routes on fd (>= 0, from systemd) or on the socket cfg names (bound with its
 * mode and group), and on http_fd (>= 0, from systemd) or cfg's http_listen (when
 * set) a TCP listener that serves GET and HEAD alone (any other method: 405), with
 * cfg's connection limits: the server, or NULL with *cause. */
struct http *http_new(struct event_base *base, int fd, int http_fd,
    const struct config *cfg,
    const struct http_route *routes, size_t n_routes, const struct http_deps *deps,
    char **cause);
/* Close every connection and the listener (and unlink the path it bound); NULL is a
 * no-op. */
void http_free(struct http *h);
/* Where we listen, for people: the path we bound, or "passed by systemd …". */
const char *http_socket_name(const struct http *h);
/* Hold back new connections (on false: they wait in the socket's backlog) or accept
 * them again (on true), unless http_stop_listening came first. */
void http_accepting(struct http *h, bool on);
/* Stop accepting connections for good (the open ones are still served). */
void http_stop_listening(struct http *h);
/* Apply a reloaded configuration's write group, idle timeout and connection limit. */
void http_reconfigure(struct http *h, const struct config *cfg);

/* Answer with the JSON text written to w (its buffer is taken), as application/json. */
void http_reply_jsonw(struct http *h, struct evhttp_request *req, int status,
    struct jsonw *w);
/* The same as application/problem+json: a problem document the caller wrote. */
void http_reply_problem_jsonw(struct http *h, struct evhttp_request *req, int status,
    struct jsonw *w);
/* Answer with pb's problem document (its status). */
void http_reply_problem(struct http *h, struct evhttp_request *req,
    const struct problem *pb);
/* Answer with a problem of status and code whose detail is printf'd (then made valid
 * UTF-8). */
void http_reply_error(struct http *h, struct evhttp_request *req, int status,
    const char *code, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Answer with len bytes of text of Content-Type type, as they are. */
void http_reply_text(struct http *h, struct evhttp_request *req, int status,
    const char *type, const char *text, size_t len);
/* Whether req is a HEAD (served as a GET, without the body). */
bool http_is_head(struct evhttp_request *req);
/* The body as a JSON object, or NULL with *pb (400). */
json_t *http_body_object(struct evhttp_request *req, struct problem *pb);
/* A query parameter of the request, copied to buf; NULL when absent. */
const char *http_query(struct evhttp_request *req, const char *key, char *buf, size_t len);

/* What the holder of a stream hears when its connection closes first (the peer left,
 * the daemon dropped it as a slow reader, or at shutdown): the request may be detached
 * then (ours to free) or still attached (the connection frees it); fn must not answer
 * it or touch its connection. */
typedef void http_close_fn(void *arg);
/* Start a streamed answer (200, chunked) of Content-Type type; fn(arg) is called once
 * if the connection closes before http_stream_end. The chunks are the holder's to send
 * (evhttp_send_reply_chunk_with_cb); like every answer, a stream that stalls while the
 * daemon's output is over its budget is dropped (httpconn.h). */
void http_stream_start(struct http *h, struct evhttp_request *req, const char *type,
    http_close_fn *fn, void *arg);
/* End a stream normally (or free its request when its peer has gone). */
void http_stream_end(struct http *h, struct evhttp_request *req);

#endif
