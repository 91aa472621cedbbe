#ifndef HTTPC_H
#define HTTPC_H

/*
 * A small blocking HTTP/1.1 client over a Unix stream socket: one request per
 * connection (Connection: close), the whole answer read into memory (httpc_do), or the
 * pieces a stream reader (httpstream) is made of.
 */

#include <stddef.h>
#include <sys/types.h>

#include "httpmsg.h"

struct httpc_request {
	const char *method;	/* "GET", "POST", "PUT" */
	const char *target;	/* "/v1/stats?x=1": already encoded */
	const char *body;	/* NULL: no body */
	size_t body_len;
	const char *content_type;	/* of body; NULL: application/json */
	const char *accept;	/* NULL: application/json */
	int connect_timeout_ms;
	int io_timeout_ms;	/* the longest wait for any progress while sending or reading */
};

/* How a failure looks to a user. */
enum httpc_fail {
	HTTPC_FAIL_NODAEMON,	/* the socket does not exist or nobody listens on it */
	HTTPC_FAIL_DENIED,	/* no permission to connect */
	HTTPC_FAIL_OTHER
};

/*
 * Connect to the socket at path, send req, read the whole answer. 0 and *resp set
 * (free with httpmsg_free), or a negative errno and *cause set to a malloc'd sentence
 * that starts with path: the connect(2) errno for connection failures, -ETIMEDOUT,
 * httpmsg_parse's errors for a bad or truncated answer, or a failed send/recv's.
 */
int httpc_do(const char *path, const struct httpc_request *req, struct httpmsg **resp,
    char **cause);
/*
 * Connect to the socket at path and send req: a connected non-blocking socket (the
 * caller closes it), or a negative errno and *cause as httpc_do. A peer that closes
 * before it has read the whole request may have answered: that is not an error here.
 */
int httpc_open(const char *path, const struct httpc_request *req, char **cause);
/*
 * Wait up to timeout_ms (negative: without a limit) for bytes on fd and read up to len
 * of them: how many, 0 at the end of the stream, or a negative errno (-ETIMEDOUT).
 */
ssize_t httpc_recv(int fd, char *buf, size_t len, int timeout_ms);
/* A malloc'd sentence for a negative errno of this module or of httpmsg, naming path. */
char *httpc_cause(const char *path, int err, int timeout_ms);
/* Classify a negative errno returned by httpc_do. */
enum httpc_fail httpc_classify(int err);
/* s percent-encoded for a query value (RFC 3986 unreserved kept). Malloc'd. */
char *httpc_urlencode(const char *s);

#endif
