#include "jsonw.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "problem.h"
#include "xmalloc.h"

void
jsonw_init(struct jsonw *w)
{
	memset(w, 0, sizeof *w);
	w->cap = 1024;
	w->buf = xmalloc(w->cap);
	w->buf[0] = '\0';
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
jsonw_free(struct jsonw *w)
{
	free(w->buf);
	w->buf = NULL;
}

static void
jsonw_put(struct jsonw *w, const char *s, size_t n)
{
	if (w->len + n + 1 > w->cap) {
		while (w->len + n + 1 > w->cap)
			w->cap *= 2;
		w->buf = xrealloc(w->buf, w->cap);
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

/* Before a value (or a key): the comma that separates it from the one before. */
static void
jsonw_sep(struct jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth > 0 && !w->first[w->depth - 1])
		jsonw_put(w, ",", 1);
	if (w->depth > 0)
		w->first[w->depth - 1] = false;
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

/* s as a JSON string (quotes included). */
static void
jsonw_quoted(struct jsonw *w, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;
	char esc[8];
	size_t n;

	jsonw_put(w, "\"", 1);
	while (*p) {
		if (*p >= 0x20 && *p != '"' && *p != '\\' && *p < 0x80) {
			p++;
			continue;
		}
		if (*p >= 0x80 && (n = problem_utf8_len(p)) > 0) {
			p += n;
			continue;
		}
		jsonw_put(w, (const char *)run, (size_t)(p - run));
		if (*p == '"' || *p == '\\')
			snprintf(esc, sizeof esc, "\\%c", *p);
		else if (*p < 0x20)
			snprintf(esc, sizeof esc, "\\u%04x", *p);
		else
			snprintf(esc, sizeof esc, "?");
		jsonw_put(w, esc, strlen(esc));
		run = ++p;
	}
	jsonw_put(w, (const char *)run, (size_t)(p - run));
	jsonw_put(w, "\"", 1);
}

void
jsonw_key(struct jsonw *w, const char *key)
{
	jsonw_sep(w);
	jsonw_quoted(w, key);
	jsonw_put(w, ":", 1);
	w->after_key = true;
}

void
jsonw_str(struct jsonw *w, const char *s)
{
	jsonw_sep(w);
	jsonw_quoted(w, s);
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
	int n = snprintf(buf, sizeof buf, "%" PRId64, v);

	jsonw_sep(w);
	jsonw_put(w, buf, (size_t)n);
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
