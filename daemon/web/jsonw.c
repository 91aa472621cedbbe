#include "jsonw.h"

#include <stdlib.h>
#include <string.h>

#include "problem.h"
#include "xmalloc.h"

struct jsonw_pool {
	char *spares[JSONW_MAX_SPARES];
	size_t n;
	size_t lent;		/* buffers of the first size out with writers and answers */
	bool closing;		/* jsonw_pool_free was called: free it once none is lent */
};

struct jsonw_pool *
jsonw_pool_new(void)
{
	return xcalloc(1, sizeof(struct jsonw_pool));
}

static void
jsonw_pool_clear(struct jsonw_pool *pool)
{
	while (pool->n > 0)
		free(pool->spares[--pool->n]);
}

void
jsonw_pool_free(struct jsonw_pool *pool)
{
	if (pool == NULL)
		return;
	jsonw_pool_clear(pool);
	pool->closing = true;
	if (pool->lent == 0)
		free(pool);
}

size_t
jsonw_pool_spares(const struct jsonw_pool *pool)
{
	return pool->n;
}

/* One buffer pool lent is back (or left it, grown): the last one frees a closing
 * pool. */
static void
jsonw_pool_back(struct jsonw_pool *pool)
{
	if (--pool->lent == 0 && pool->closing)
		free(pool);
}

void
jsonw_init(struct jsonw *w, struct jsonw_pool *pool)
{
	memset(w, 0, sizeof *w);
	w->pool = pool;
	w->cap = JSONW_INIT_CAP;
	w->buf = pool != NULL && pool->n > 0 ? pool->spares[--pool->n] : xmalloc(w->cap);
	w->buf[0] = '\0';
	if (pool != NULL)
		pool->lent++;
}

char *
jsonw_take(struct jsonw *w, size_t *len)
{
	char *s = w->buf;

	*len = w->len;
	w->buf = NULL;
	w->len = w->cap = 0;
	return s;
}

void
jsonw_recycle(struct jsonw_pool *pool, char *text, size_t cap)
{
	if (pool == NULL || text == NULL || cap != JSONW_INIT_CAP) {
		free(text);
		return;
	}
	if (!pool->closing && pool->n < JSONW_MAX_SPARES)
		pool->spares[pool->n++] = text;
	else
		free(text);
	jsonw_pool_back(pool);
}

void
jsonw_free(struct jsonw *w)
{
	jsonw_recycle(w->pool, w->buf, w->cap);
	w->buf = NULL;
	w->len = w->cap = 0;
}

static void __attribute__((noinline))
jsonw_grow(struct jsonw *w, size_t n)
{
	/* Grown, the buffer is no longer one of the pool's. */
	if (w->pool != NULL) {
		jsonw_pool_back(w->pool);
		w->pool = NULL;
	}
	while (w->len + n + 1 > w->cap)
		w->cap *= 2;
	w->buf = xrealloc(w->buf, w->cap);
}

/* Room for n more bytes and the NUL. */
static inline void
jsonw_reserve(struct jsonw *w, size_t n)
{
	if (w->len + n + 1 > w->cap)
		jsonw_grow(w, n);
}

static inline void
jsonw_put(struct jsonw *w, const char *s, size_t n)
{
	jsonw_reserve(w, n);
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

/* Whether the next value (or key) needs a comma before it; it is then no longer the
 * first of its container. */
static inline bool
jsonw_comma(struct jsonw *w)
{
	bool comma;

	if (w->after_key) {
		w->after_key = false;
		return false;
	}
	if (w->depth == 0)
		return false;
	comma = !w->first[w->depth - 1];
	w->first[w->depth - 1] = false;
	return comma;
}

/* Before a value (or a key): the comma that separates it from the one before. */
static void
jsonw_sep(struct jsonw *w)
{
	if (jsonw_comma(w))
		jsonw_put(w, ",", 1);
}

static void
jsonw_open(struct jsonw *w, const char *c)
{
	jsonw_sep(w);
	jsonw_put(w, c, 1);
	/* Deeper than any answer goes: keep writing, the commas may be off. */
	if (w->depth < JSONW_MAX_DEPTH)
		w->first[w->depth++] = true;
}

static void
jsonw_close(struct jsonw *w, const char *c)
{
	if (w->depth > 0)
		w->depth--;
	jsonw_put(w, c, 1);
}

void
jsonw_obj(struct jsonw *w)
{
	jsonw_open(w, "{");
}

void
jsonw_obj_end(struct jsonw *w)
{
	jsonw_close(w, "}");
}

void
jsonw_arr(struct jsonw *w)
{
	jsonw_open(w, "[");
}

void
jsonw_arr_end(struct jsonw *w)
{
	jsonw_close(w, "]");
}

/*
 * Eight bytes at a time: nonzero when one of them needs more than a copy (a control
 * character, '"', '\\' or a byte of a multibyte sequence). The zero-byte tests may
 * also flag a byte after one that truly needs care, never one before it, so the
 * caller goes byte by byte from the first word flagged.
 */
#define JSONW_ONES UINT64_C(0x0101010101010101)
#define JSONW_HIGH UINT64_C(0x8080808080808080)
#define JSONW_HAS_ZERO(v) (((v) - JSONW_ONES) & ~(v) & JSONW_HIGH)

static uint64_t
jsonw_word_special(uint64_t x)
{
	return (x & JSONW_HIGH) | ((x - JSONW_ONES * 0x20) & ~x & JSONW_HIGH) |
	    JSONW_HAS_ZERO(x ^ (JSONW_ONES * '"')) | JSONW_HAS_ZERO(x ^ (JSONW_ONES * '\\'));
}

/* 1 for a byte copied as it is: printable ASCII but '"' and '\\'. */
static const unsigned char jsonw_plain_byte[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x10 */
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x20 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x30 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x40 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,	/* 0x50 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x60 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x70 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x80 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x90 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xa0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xb0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xc0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xd0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xe0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xf0 */
};

/* The first byte of [p, end) that needs more than a copy, or end. Answers are mostly
 * plain ASCII, and this scan was most of a GET's rendering when it went byte by byte
 * with comparisons. */
static const unsigned char *
jsonw_plain_run(const unsigned char *p, const unsigned char *end)
{
	uint64_t x;

	while (end - p >= 8) {
		memcpy(&x, p, sizeof x);
		if (jsonw_word_special(x) != 0)
			break;
		p += 8;
	}
	while (p < end && jsonw_plain_byte[*p])
		p++;
	return p;
}

/* The escape of byte c (one that is neither plain nor part of valid UTF-8), as
 * jansson's dump writes it: the short forms where JSON has one, else \u00XX in
 * capitals. */
static void
jsonw_escape(struct jsonw *w, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	static const char short_form[] = { ['"'] = '"', ['\\'] = '\\', ['\b'] = 'b',
	    ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't' };
	char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

	if (c < sizeof short_form && short_form[c] != 0) {
		esc[1] = short_form[c];
		jsonw_put(w, esc, 2);
	} else if (c < 0x20)
		jsonw_put(w, esc, sizeof esc);
	else
		jsonw_put(w, "?", 1);
}

/* The body of s (n bytes), escaped where a byte needs more than a copy. */
static void
jsonw_escaped(struct jsonw *w, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *run = p, *end = p + n;
	size_t k;

	while ((p = jsonw_plain_run(p, end)) < end) {
		if (*p >= 0x80 && (k = problem_utf8_len(p)) > 0) {
			p += k;
			continue;
		}
		jsonw_put(w, (const char *)run, (size_t)(p - run));
		jsonw_escape(w, *p);
		run = ++p;
	}
	jsonw_put(w, (const char *)run, (size_t)(p - run));
}

/* s as a JSON string (quotes included), after its comma, and with a colon after it
 * for a key. Most strings need no escape at all: they are copied in one piece with
 * their punctuation, where a piece at a time cost a few hundred instructions for
 * every key of an answer. */
static void
jsonw_quoted(struct jsonw *w, const char *s, size_t n, bool key)
{
	bool comma = jsonw_comma(w);
	const unsigned char *p = (const unsigned char *)s;
	char *d;

	if (jsonw_plain_run(p, p + n) == p + n) {
		jsonw_reserve(w, n + 4);
		d = w->buf + w->len;
		*d = ',';
		d += comma;
		*d++ = '"';
		memcpy(d, s, n);
		d += n;
		*d++ = '"';
		*d = ':';
		d += key;
		*d = '\0';
		w->len = (size_t)(d - w->buf);
		return;
	}
	if (comma)
		jsonw_put(w, ",", 1);
	jsonw_put(w, "\"", 1);
	jsonw_escaped(w, s, n);
	jsonw_put(w, "\":", key ? 2 : 1);
}

void
jsonw_key_n(struct jsonw *w, const char *key, size_t n)
{
	jsonw_quoted(w, key, n, true);
	w->after_key = true;
}

void
jsonw_str(struct jsonw *w, const char *s)
{
	jsonw_quoted(w, s, strlen(s), false);
}

void
jsonw_str_n(struct jsonw *w, const char *s, size_t n)
{
	jsonw_quoted(w, s, n, false);
}

void
jsonw_str_or_null(struct jsonw *w, const char *s)
{
	if (s[0])
		jsonw_str(w, s);
	else
		jsonw_null(w);
}

void
jsonw_int(struct jsonw *w, int64_t v)
{
	char buf[24];
	size_t i = sizeof buf;
	/* Digits by hand: snprintf cost more than the rest of a number's writing. */
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do {
		buf[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		buf[--i] = '-';
	jsonw_sep(w);
	jsonw_put(w, buf + i, sizeof buf - i);
}

void
jsonw_newline(struct jsonw *w)
{
	jsonw_put(w, "\n", 1);
}

void
jsonw_bool(struct jsonw *w, bool v)
{
	jsonw_sep(w);
	jsonw_put(w, v ? "true" : "false", v ? 4 : 5);
}

void
jsonw_null(struct jsonw *w)
{
	jsonw_sep(w);
	jsonw_put(w, "null", 4);
}

void
jsonw_raw(struct jsonw *w, const char *json, size_t n)
{
	jsonw_sep(w);
	jsonw_put(w, json, n);
}
