#ifndef HTTPC_H
#define HTTPC_H

/*
 * A small blocking HTTP/1.1 client over a Unix stream socket: one request per
 * connection (Connection: close), the whole answer read into memory.
 */

#include <stddef.h>

#include "httpmsg.h"

struct httpc_request {
	const char *method;	/* "GET", "POST", "PUT" */
	const char *target;	/* "/v1/stats?x=1": already encoded */
	const char *body;	/* sent as application/json; NULL: no body */
	size_t body_len;
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
/* Classify a negative errno returned by httpc_do. */
enum httpc_fail httpc_classify(int err);
/* s percent-encoded for a query value (RFC 3986 unreserved kept). Malloc'd. */
char *httpc_urlencode(const char *s);

#endif
