/*
 * Reading an answer as it arrives. Bytes read go to raw; the body's framing is undone
 * from raw into data as soon as they are there (httpmsg_dechunk for the chunked
 * coding), and lines are cut out of data in place. A failure is kept in err and told
 * only once the lines that arrived before it have been returned.
 */

#include "httpstream.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmalloc.h"

#define HTTPSTREAM_READ 65536

struct httpstream {
	int fd;
	char *path;
	struct httpmsg *head;
	enum httpmsg_framing framing;
	size_t left;			/* HTTPMSG_LENGTH: body bytes still to come */
	struct httpmsg_dechunk dc;	/* HTTPMSG_CHUNKED */
	char *raw;			/* read, not yet decoded */
	size_t raw_len, raw_cap;
	char *data;			/* decoded, from data_off on not yet returned */
	size_t data_off, data_len, data_cap;
	bool eof;			/* the connection has ended */
	bool done;			/* the body has ended */
	int err;			/* the first failure (a negative errno), or 0 */
};

/* Room in *buf (of *cap bytes, used of them in use) for n more bytes. */
static void
httpstream_room(char **buf, size_t *cap, size_t used, size_t n)
{
	if (*cap - used >= n)
		return;
	while (*cap - used < n)
		*cap = *cap == 0 ? HTTPSTREAM_READ : *cap * 2;
	*buf = xrealloc(*buf, *cap);
}

/* Move what raw holds of the body into data, as its framing says. */
static void
httpstream_decode(struct httpstream *s)
{
	size_t used = 0;
	int r;

	httpstream_room(&s->data, &s->data_cap, s->data_len, s->raw_len + 1);
	if (s->framing == HTTPMSG_CHUNKED) {
		r = httpmsg_dechunk(&s->dc, s->raw, s->raw_len, &used, s->data,
		    &s->data_len);
		if (r < 0)
			s->err = -EPROTO;
		s->done = r == 1;
	} else if (s->framing == HTTPMSG_NONE)
		s->done = true;
	else {
		used = s->raw_len;
		if (s->framing == HTTPMSG_LENGTH && s->left < used)
			used = s->left;
		memcpy(s->data + s->data_len, s->raw, used);
		s->data_len += used;
		s->left -= s->framing == HTTPMSG_LENGTH ? used : 0;
		s->done = s->framing == HTTPMSG_LENGTH ? s->left == 0 : s->eof;
	}
	memmove(s->raw, s->raw + used, s->raw_len - used);
	s->raw_len -= used;
	if (!s->done && s->eof && s->err == 0)
		s->err = -ECONNABORTED;
}

/* Read what comes within timeout_ms into raw: its size, or a negative errno. */
static ssize_t
httpstream_recv(struct httpstream *s, int timeout_ms)
{
	ssize_t n;

	httpstream_room(&s->raw, &s->raw_cap, s->raw_len, HTTPSTREAM_READ);
	n = httpc_recv(s->fd, s->raw + s->raw_len, s->raw_cap - s->raw_len, timeout_ms);
	if (n >= 0) {
		s->raw_len += (size_t)n;
		s->eof = n == 0;
	}
	return n;
}

/* Read more of the body and decode it; a failure is kept in s->err. */
static void
httpstream_fill(struct httpstream *s, int timeout_ms)
{
	ssize_t n;

	if ((n = httpstream_recv(s, timeout_ms)) < 0)
		s->err = (int)n;
	else
		httpstream_decode(s);
}

static int
httpstream_read_head(struct httpstream *s, int timeout_ms)
{
	struct httpmsg_parser *p = httpmsg_parser_new();
	size_t off, clen;
	ssize_t n;
	int r;

	do {
		if ((n = httpstream_recv(s, timeout_ms)) < 0)
			r = (int)n;
		else
			r = httpmsg_parse_head(p, s->raw, s->raw_len, s->eof);
	} while (r == 0);
	if (r == 1) {
		s->head = httpmsg_take_head(p, &off, &s->framing, &clen);
		s->left = clen;
		memmove(s->raw, s->raw + off, s->raw_len - off);
		s->raw_len -= off;
		httpstream_decode(s);
		r = 0;
	}
	httpmsg_parser_free(p);
	return r;
}

int
httpstream_open(const char *path, const struct httpc_request *req,
    struct httpstream **sp, char **cause)
{
	struct httpstream *s = xcalloc(1, sizeof *s);
	int r;

	*sp = NULL;
	s->path = xstrdup(path);
	if ((s->fd = httpc_open(path, req, cause)) < 0) {
		r = s->fd;
		httpstream_free(s);
		return r;
	}
	if ((r = httpstream_read_head(s, req->io_timeout_ms)) < 0) {
		*cause = httpc_cause(path, r, req->io_timeout_ms);
		httpstream_free(s);
		return r;
	}
	*sp = s;
	return 0;
}

const struct httpmsg *
httpstream_head(const struct httpstream *s)
{
	return s->head;
}

/* Return the line from data_off to end (a '\n', or the end of data). */
static int
httpstream_cut(struct httpstream *s, char *end, char **line, size_t *len)
{
	*line = s->data + s->data_off;
	*len = (size_t)(end - *line);
	s->data_off = (size_t)(end - s->data) + (*len < s->data_len - s->data_off);
	if (*len > 0 && (*line)[*len - 1] == '\r')
		(*len)--;
	(*line)[*len] = '\0';
	return 1;
}

int
httpstream_line(struct httpstream *s, char **line, size_t *len, int timeout_ms,
    char **cause)
{
	char *nl;

	*cause = NULL;
	for (;;) {
		nl = memchr(s->data + s->data_off, '\n', s->data_len - s->data_off);
		if (nl != NULL)
			return httpstream_cut(s, nl, line, len);
		if (s->done && s->data_len == s->data_off)
			return 0;
		if (s->done) {
			httpstream_room(&s->data, &s->data_cap, s->data_len, 1);
			return httpstream_cut(s, s->data + s->data_len, line, len);
		}
		if (s->err == 0 && s->data_len - s->data_off > HTTPSTREAM_MAX_LINE)
			s->err = -EMSGSIZE;
		if (s->err != 0) {
			*cause = httpc_cause(s->path, s->err, timeout_ms);
			return s->err;
		}
		memmove(s->data, s->data + s->data_off, s->data_len - s->data_off);
		s->data_len -= s->data_off;
		s->data_off = 0;
		httpstream_fill(s, timeout_ms);
	}
}

ssize_t
httpstream_read(struct httpstream *s, char *buf, size_t len, int timeout_ms, char **cause)
{
	size_t n;

	*cause = NULL;
	while (s->data_len == s->data_off) {
		if (s->done)
			return 0;
		if (s->err != 0) {
			*cause = httpc_cause(s->path, s->err, timeout_ms);
			return s->err;
		}
		s->data_len = s->data_off = 0;
		httpstream_fill(s, timeout_ms);
	}
	n = s->data_len - s->data_off;
	n = n < len ? n : len;
	memcpy(buf, s->data + s->data_off, n);
	s->data_off += n;
	return (ssize_t)n;
}

int
httpstream_finish(struct httpstream *s, struct httpmsg **m, int timeout_ms,
    char **cause)
{
	*m = NULL;
	*cause = NULL;
	while (!s->done && s->err == 0) {
		if (s->data_len - s->data_off > HTTPMSG_MAX_BODY)
			s->err = -EMSGSIZE;
		else
			httpstream_fill(s, timeout_ms);
	}
	if (s->err != 0 && !s->done) {
		*cause = httpc_cause(s->path, s->err, timeout_ms);
		return s->err;
	}
	*m = s->head;
	s->head = NULL;
	free((*m)->body);
	(*m)->body_len = s->data_len - s->data_off;
	(*m)->body = xmalloc((*m)->body_len + 1);
	memcpy((*m)->body, s->data + s->data_off, (*m)->body_len);
	(*m)->body[(*m)->body_len] = '\0';
	return 0;
}

void
httpstream_free(struct httpstream *s)
{
	if (s == NULL)
		return;
	if (s->fd >= 0)
		close(s->fd);
	httpmsg_free(s->head);
	free(s->path);
	free(s->raw);
	free(s->data);
	free(s);
}
