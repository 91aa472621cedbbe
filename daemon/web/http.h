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

/*
 * The HTTP/1.1 server on the Unix socket (evhttp): listening (a socket passed by
 * systemd, or the configured path), routing to the API's handlers, the write
 * permission check (SO_PEERCRED), and the helpers every handler answers with.
 */

#define HTTP_MAX_BODY (64 * 1024)		/* a request's body, in general */
#define HTTP_MAX_BULK_BODY (8 * 1024 * 1024)	/* the body of a bulk route (import) */
#define HTTP_MAX_READ (1024 * 1024)	/* what is read of another body before refusing */

/* A handler gets the request and the {id} segment of its path (or NULL). */
typedef void http_handler(struct evhttp_request *req, const char *id);

struct http_route {
	const char *method;	/* "GET", "POST", "PUT" */
	const char *pattern;	/* "/v1/protocols/{id}/actions" */
	http_handler *fn;
	bool write;		/* only for peers allowed to write */
	bool bulk;		/* takes bodies up to HTTP_MAX_BULK_BODY */
};

/* Serve routes on fd (>= 0, from systemd) or on the socket cfg names (bound with its
 * mode and group), with cfg's connection limits. 0, or -1 with *cause. */
int http_init(struct event_base *base, int fd, const struct config *cfg,
    const struct http_route *routes, size_t n_routes, char **cause);
/* Where we listen, for people: the path we bound, or "the socket systemd passed". */
const char *http_socket_name(void);
/* Stop accepting connections (the open ones are still served). */
void http_stop_listening(void);
/* Close the listener and every connection (and unlink the path it bound). */
void http_shutdown(void);
/* Apply a reloaded configuration's write group, idle timeout and connection limit. */
void http_reconfigure(const struct config *cfg);

/* Answer with JSON (takes the reference) or a problem document. */
void http_reply_json(struct evhttp_request *req, int status, json_t *body);
/* Answer with the JSON text written to w (its buffer is taken). */
void http_reply_jsonw(struct evhttp_request *req, int status, struct jsonw *w);
void http_reply_problem(struct evhttp_request *req, const struct problem *pb);
/* Answer with a problem document built by the caller (takes the reference). */
void http_reply_problem_doc(struct evhttp_request *req, int status, json_t *doc);
void http_reply_error(struct evhttp_request *req, int status, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The body as a JSON object, or NULL with *pb (400). */
json_t *http_body_object(struct evhttp_request *req, struct problem *pb);
/* A query parameter of the request, copied to buf; NULL when absent. */
const char *http_query(struct evhttp_request *req, const char *key, char *buf, size_t len);
/* Count an answer sent without http_reply_* in the metrics, just before it is sent
 * (from then on its connection is dropped if its client stops reading while the
 * daemon's output is over its budget: httpconn.h). */
void http_count(struct evhttp_request *req, int status);

/* What the holder of a stream hears when its connection closes first (the peer left,
 * the daemon dropped it as a slow reader, or at shutdown): the request may be detached
 * then (ours to free) or still attached (the connection frees it); fn must not answer
 * it or touch its connection. */
typedef void http_close_fn(void *arg);
/* Start a streamed answer (200, chunked) of Content-Type type; fn(arg) is called once
 * if the connection closes before http_stream_end. The chunks are the holder's to send
 * (evhttp_send_reply_chunk_with_cb); like every answer, a stream that stalls while the
 * daemon's output is over its budget is dropped (httpconn.h). */
void http_stream_start(struct evhttp_request *req, const char *type, http_close_fn *fn,
    void *arg);
/* End a stream normally (or free its request when its peer has gone). */
void http_stream_end(struct evhttp_request *req);
/* True when the request's connection is still open. */
bool http_request_alive(struct evhttp_request *req);

#endif
