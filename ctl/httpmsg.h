#ifndef HTTPMSG_H
#define HTTPMSG_H

/*
 * An HTTP/1.1 answer: the parsed value, a parser that says when the bytes read so far
 * hold a complete head or a complete answer (Content-Length, chunked coding, or end of
 * stream), and an incremental decoder of the chunked coding for bodies read as a stream.
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

/* How a body is delimited (RFC 9112 §6.3). */
enum httpmsg_framing {
	HTTPMSG_NONE,		/* no body (1xx, 204, 304) */
	HTTPMSG_LENGTH,		/* Content-Length */
	HTTPMSG_CHUNKED,	/* Transfer-Encoding: chunked */
	HTTPMSG_EOF		/* until the stream ends */
};

struct httpmsg_parser;

/* The state of a chunked body being decoded; zero it before the first call. */
struct httpmsg_dechunk {
	int state;
	size_t left;	/* bytes of the current chunk still to come */
};

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
/* Like httpmsg_parse, but 1 as soon as the head is complete (the body is not looked at). */
int httpmsg_parse_head(struct httpmsg_parser *p, const char *buf, size_t len, bool eof);
/*
 * After httpmsg_parse_head returned 1 for buf: the head as an answer with an empty body
 * (owned by the caller), where the body starts in buf, how it is delimited and, for
 * HTTPMSG_LENGTH, its length.
 */
struct httpmsg *httpmsg_take_head(struct httpmsg_parser *p, size_t *body_off,
    enum httpmsg_framing *framing, size_t *clen);
/*
 * Decode the chunked bytes in[0..inlen) that follow those of earlier calls: consumes
 * what it can (*used; an incomplete size or trailer line is left for the next call),
 * appends the data to out (when not NULL; room for inlen bytes) and adds its length to
 * *outlen. 1 once the last chunk and the trailer are consumed, 0 when more is needed,
 * -EPROTO for bytes that are not the chunked coding.
 */
int httpmsg_dechunk(struct httpmsg_dechunk *d, const char *in, size_t inlen,
    size_t *used, char *out, size_t *outlen);
/* The first header named name (case-insensitive), or NULL. */
const char *httpmsg_header(const struct httpmsg *m, const char *name);
/* Free; NULL is a no-op. */
void httpmsg_free(struct httpmsg *m);

#endif
