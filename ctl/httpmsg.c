/*
 * Parsing an HTTP/1.1 answer held in one buffer that grows as it is read. The parser
 * parses the head once, then only checks whether the body is all there; the body is
 * copied out (and de-chunked) once, by httpmsg_take. A stream takes the head alone and
 * decodes the chunked coding as it arrives, with httpmsg_dechunk.
 */

#include "httpmsg.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xmalloc.h"

#define HTTPMSG_MAX_HEAD (64 * 1024)

#define HTTPMSG_MAX_LINE 4096	/* a chunk-size or trailer line */

struct httpmsg_parser {
	struct httpmsg *msg;	/* NULL until the head is parsed */
	size_t body_off;
	enum httpmsg_framing framing;
	size_t clen;
	struct httpmsg_dechunk dc;	/* HTTPMSG_CHUNKED: how far the body is checked */
	size_t dc_used, dc_len;
};

enum { HTTPMSG_DC_SIZE, HTTPMSG_DC_DATA, HTTPMSG_DC_CRLF, HTTPMSG_DC_TRAILER, HTTPMSG_DC_DONE };

/* The hex size at the start of a chunk-size line that ends at nl: 0, or -1. */
static int
httpmsg_chunk_size(const char *p, const char *nl, size_t *size)
{
	const char *start = p;
	int digit;

	for (*size = 0; p < nl && isxdigit((unsigned char)*p); p++) {
		digit = isdigit((unsigned char)*p) ? *p - '0' :
		    tolower((unsigned char)*p) - 'a' + 10;
		if (*size > (SIZE_MAX - 15) / 16)
			return -1;
		*size = *size * 16 + (size_t)digit;
	}
	return p == start ? -1 : 0;
}

/* A chunk-size or trailer line at in[*pos]: 1 consumed, 0 incomplete, -EPROTO. */
static int
httpmsg_dechunk_line(struct httpmsg_dechunk *d, const char *in, size_t inlen, size_t *pos)
{
	const char *line = in + *pos, *nl = memchr(line, '\n', inlen - *pos);

	if (nl == NULL)
		return inlen - *pos > HTTPMSG_MAX_LINE ? -EPROTO : 0;
	if (d->state == HTTPMSG_DC_TRAILER) {
		if (nl == line || (nl == line + 1 && *line == '\r'))
			d->state = HTTPMSG_DC_DONE;
	} else if (httpmsg_chunk_size(line, nl, &d->left) != 0)
		return -EPROTO;
	else
		d->state = d->left == 0 ? HTTPMSG_DC_TRAILER : HTTPMSG_DC_DATA;
	*pos = (size_t)(nl - in) + 1;
	return 1;
}

/* The line end after a chunk's data: 1 consumed, 0 incomplete, -EPROTO. */
static int
httpmsg_dechunk_crlf(struct httpmsg_dechunk *d, const char *in, size_t inlen, size_t *pos)
{
	size_t n = in[*pos] == '\r' ? 2 : 1;

	if (inlen - *pos < n)
		return 0;
	if (in[*pos + n - 1] != '\n')
		return -EPROTO;
	*pos += n;
	d->state = HTTPMSG_DC_SIZE;
	return 1;
}

int
httpmsg_dechunk(struct httpmsg_dechunk *d, const char *in, size_t inlen, size_t *used,
    char *out, size_t *outlen)
{
	size_t pos = 0, n;
	int r = 1;

	while (r > 0 && d->state != HTTPMSG_DC_DONE) {
		if (d->state == HTTPMSG_DC_DATA) {
			n = d->left < inlen - pos ? d->left : inlen - pos;
			if (out != NULL)
				memcpy(out + *outlen, in + pos, n);
			*outlen += n;
			pos += n;
			if ((d->left -= n) == 0)
				d->state = HTTPMSG_DC_CRLF;
			else
				r = 0;
		} else if (pos == inlen)
			r = 0;
		else if (d->state == HTTPMSG_DC_CRLF)
			r = httpmsg_dechunk_crlf(d, in, inlen, &pos);
		else
			r = httpmsg_dechunk_line(d, in, inlen, &pos);
	}
	*used = pos;
	return r < 0 ? r : d->state == HTTPMSG_DC_DONE;
}

/* "HTTP/1.x SSS reason" into m: 0 or -1. */
static int
httpmsg_status_line(const char *line, struct httpmsg *m)
{
	const char *p = line + 9;

	if (strncmp(line, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)line[7]) ||
	    line[8] != ' ')
		return -1;
	if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) ||
	    !isdigit((unsigned char)p[2]) || (p[3] != ' ' && p[3] != '\0'))
		return -1;
	m->status = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	m->reason = xstrdup(p[3] == ' ' ? p + 4 : "");
	return 0;
}

/* "Name: value" appended to m's headers: 0 or -1. */
static int
httpmsg_header_line(char *line, struct httpmsg *m)
{
	char *colon, *v, *end;
	struct httpmsg_header *h;

	if ((colon = strchr(line, ':')) == NULL || colon == line)
		return -1;
	*colon = '\0';
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	for (end = v + strlen(v); end > v && (end[-1] == ' ' || end[-1] == '\t'); end--)
		;
	*end = '\0';
	m->headers = xrealloc(m->headers, (m->n_headers + 1) * sizeof *h);
	h = &m->headers[m->n_headers++];
	h->name = xstrdup(line);
	h->value = xstrdup(v);
	return 0;
}

/* The head (head_len bytes, up to and with its empty line) as a new answer, or NULL. */
static struct httpmsg *
httpmsg_head(const char *buf, size_t head_len)
{
	struct httpmsg *m = xcalloc(1, sizeof *m);
	char *copy = xstrndup(buf, head_len), *line, *next;
	int r = 0, first = 1;

	for (line = copy; r == 0 && line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		line[strcspn(line, "\r")] = '\0';
		if (*line == '\0')
			break;
		r = first ? httpmsg_status_line(line, m) : httpmsg_header_line(line, m);
		first = 0;
	}
	free(copy);
	if (r != 0 || m->reason == NULL) {
		httpmsg_free(m);
		return NULL;
	}
	return m;
}

/* The end of the head (after its empty line), or 0 when it is not all there yet. */
static size_t
httpmsg_head_end(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* How the body is delimited (RFC 9112 §6.3): 0, or -EPROTO / -EMSGSIZE. */
static int
httpmsg_framing(struct httpmsg_parser *p)
{
	const char *te = httpmsg_header(p->msg, "Transfer-Encoding");
	const char *cl = httpmsg_header(p->msg, "Content-Length");
	int status = p->msg->status;
	char *end;
	size_t n;

	if (status / 100 == 1 || status == 204 || status == 304)
		p->framing = HTTPMSG_NONE;
	else if (te != NULL) {
		n = strlen(te);
		p->framing = n >= 7 && strcasecmp(te + n - 7, "chunked") == 0 ?
		    HTTPMSG_CHUNKED : HTTPMSG_EOF;
	} else if (cl != NULL) {
		if (!isdigit((unsigned char)*cl))
			return -EPROTO;
		errno = 0;
		p->clen = strtoull(cl, &end, 10);
		if (*end != '\0' || errno != 0)
			return -EPROTO;
		if (p->clen > HTTPMSG_MAX_BODY)
			return -EMSGSIZE;
		p->framing = HTTPMSG_LENGTH;
	} else
		p->framing = HTTPMSG_EOF;
	return 0;
}

static int
httpmsg_read_head(struct httpmsg_parser *p, const char *buf, size_t len, bool eof)
{
	size_t end;

	if ((end = httpmsg_head_end(buf, len)) == 0 && eof)
		return len == 0 ? -ENODATA : -ECONNABORTED;
	if (end == 0)
		return len > HTTPMSG_MAX_HEAD ? -EPROTO : 0;
	if ((p->msg = httpmsg_head(buf, end)) == NULL)
		return -EPROTO;
	p->body_off = end;
	return httpmsg_framing(p);
}

struct httpmsg_parser *
httpmsg_parser_new(void)
{
	return xcalloc(1, sizeof(struct httpmsg_parser));
}

void
httpmsg_parser_free(struct httpmsg_parser *p)
{
	if (p == NULL)
		return;
	httpmsg_free(p->msg);
	free(p);
}

int
httpmsg_parse_head(struct httpmsg_parser *p, const char *buf, size_t len, bool eof)
{
	int r;

	if (p->msg == NULL && (r = httpmsg_read_head(p, buf, len, eof)) != 0)
		return r;
	return p->msg != NULL;
}

/* Whether a chunked body is complete, going on from where the last call stopped. */
static int
httpmsg_parse_chunked(struct httpmsg_parser *p, const char *body, size_t avail)
{
	size_t used;
	int r;

	r = httpmsg_dechunk(&p->dc, body + p->dc_used, avail - p->dc_used, &used, NULL,
	    &p->dc_len);
	p->dc_used += used;
	if (r < 0)
		return -EPROTO;
	if (p->dc_len > HTTPMSG_MAX_BODY || p->dc.left > HTTPMSG_MAX_BODY - p->dc_len)
		return -EMSGSIZE;
	return r;
}

int
httpmsg_parse(struct httpmsg_parser *p, const char *buf, size_t len, bool eof)
{
	size_t avail;
	int r;

	if ((r = httpmsg_parse_head(p, buf, len, eof)) <= 0)
		return r;
	avail = len - p->body_off;
	switch (p->framing) {
	case HTTPMSG_NONE:
		return 1;
	case HTTPMSG_LENGTH:
		r = avail >= p->clen;
		break;
	case HTTPMSG_CHUNKED:
		if ((r = httpmsg_parse_chunked(p, buf + p->body_off, avail)) < 0)
			return r;
		break;
	default:
		if (avail > HTTPMSG_MAX_BODY)
			return -EMSGSIZE;
		r = eof;
	}
	return r == 0 && eof ? -ECONNABORTED : r;
}

struct httpmsg *
httpmsg_take(struct httpmsg_parser *p, const char *buf, size_t len)
{
	struct httpmsg *m = p->msg;
	struct httpmsg_dechunk dc = { 0 };
	size_t avail = len - p->body_off, used;

	m->body = xmalloc(avail + 1);
	if (p->framing == HTTPMSG_CHUNKED)
		httpmsg_dechunk(&dc, buf + p->body_off, avail, &used, m->body, &m->body_len);
	else {
		m->body_len = p->framing == HTTPMSG_NONE ? 0 :
		    p->framing == HTTPMSG_LENGTH ? p->clen : avail;
		memcpy(m->body, buf + p->body_off, m->body_len);
	}
	m->body[m->body_len] = '\0';
	p->msg = NULL;
	return m;
}

struct httpmsg *
httpmsg_take_head(struct httpmsg_parser *p, size_t *body_off,
    enum httpmsg_framing *framing, size_t *clen)
{
	struct httpmsg *m = p->msg;

	m->body = xstrdup("");
	m->body_len = 0;
	*body_off = p->body_off;
	*framing = p->framing;
	*clen = p->clen;
	p->msg = NULL;
	return m;
}

const char *
httpmsg_header(const struct httpmsg *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->n_headers; i++)
		if (strcasecmp(m->headers[i].name, name) == 0)
			return m->headers[i].value;
	return NULL;
}

void
httpmsg_free(struct httpmsg *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n_headers; i++) {
		free(m->headers[i].name);
		free(m->headers[i].value);
	}
	free(m->headers);
	free(m->reason);
	free(m->body);
	free(m);
}
