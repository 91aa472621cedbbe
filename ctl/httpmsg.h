#ifndef HTTPMSG_H
#define HTTPMSG_H

/*
 * An HTTP/1.1 answer: the parsed value, and a parser that says when the bytes read so
 * far hold a complete one (Content-Length, chunked coding, or end of stream).
 */

#include <stdbool.h>
#include <stddef.h>

struct httpmsg_header {
	char *name;
	char *value;
};

struct httpmsg {
	int status;
	char *reason;			/* the status line's reason phrase */
	struct httpmsg_header *headers;
	size_t n_headers;
	char *body;			/* NUL-terminated, chunked coding removed */
	size_t body_len;
};

/* The most body bytes an answer may have (EMSGSIZE beyond). */
#define HTTPMSG_MAX_BODY (64u * 1024 * 1024)

struct httpmsg_parser;

/* A parser for one answer. */
struct httpmsg_parser *httpmsg_parser_new(void);
/* Free; NULL is a no-op. */
void httpmsg_parser_free(struct httpmsg_parser *p);
/*
 * Given all the bytes of the stream so far (buf, len; the same prefix on every call)
 * and whether the stream has ended: 1 when they hold a complete answer, 0 when more
 * must be read, -EPROTO for bytes that are not an HTTP/1.x answer, -ENODATA for a
 * stream that ended empty, -ECONNABORTED for one that ended within the answer,
 * -EMSGSIZE for a body over HTTPMSG_MAX_BODY.
 */
int httpmsg_parse(struct httpmsg_parser *p, const char *buf, size_t len, bool eof);
/* After httpmsg_parse returned 1 for buf: the answer, owned by the caller. */
struct httpmsg *httpmsg_take(struct httpmsg_parser *p, const char *buf, size_t len);
/* The first header named name (case-insensitive), or NULL. */
const char *httpmsg_header(const struct httpmsg *m, const char *name);
/* Free; NULL is a no-op. */
void httpmsg_free(struct httpmsg *m);

#endif
