#ifndef REQCHECK_H
#define REQCHECK_H

#include <stdbool.h>
#include <stddef.h>

struct evhttp_request;

/*
 * What RFC 9112 asks of a request that libevent 2.1 accepts as it is: checked before
 * routing (http.c), each refusal a 400 with the reason.
 */

/* Whether req's body length is ambiguous (Content-Length fields that disagree or are
 * malformed, both Transfer-Encoding and Content-Length, another coding than chunked):
 * true with the reason in why (len bytes). Its connection must be closed after the
 * answer: what follows the body must never be read as the next request. */
bool reqcheck_framing_bad(struct evhttp_request *req, char *why, size_t len);
/* Whether req is HTTP/1.1 or later and names no Host (RFC 9112 §3.2). */
bool reqcheck_host_missing(struct evhttp_request *req);

#endif
