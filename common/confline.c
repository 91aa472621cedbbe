#include "confline.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

struct confline {
	FILE *fp;
	confline_error_fn *error;
	void *arg;
	/* The line being read, its first CONFLINE_MAX + 1 bytes at most (the rest is
	 * counted, not kept): an endless line costs no memory. */
	char line[CONFLINE_MAX + 2];
	int lineno;
	enum confline_kind kind;
	char *header;		/* see confline_header() */
	char *key;		/* what an indented line continues */
	int first_bad;		/* the first line inih must find malformed, 0 if none */
	int read_errno;
};

struct confline *
confline_new(FILE *fp, confline_error_fn *error, void *arg)
{
	struct confline *cl = xcalloc(1, sizeof(*cl));

	cl->fp = fp;
	cl->error = error;
	cl->arg = arg;
	return cl;
}

void
confline_free(struct confline *cl)
{
	if (cl == NULL)
		return;
	free(cl->header);
	free(cl->key);
	free(cl);
}

/* Classifying */

/* The first of chars or of an inline comment (';' after a space) in s, as inih
 * finds it; the terminating NUL when neither is there. */
static char *
confline_find(char *s, const char *chars)
{
	bool was_space = false;

	while (*s != '\0' && strchr(chars, *s) == NULL && !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s);
		s++;
	}
	return s;
}

/* The current line is one that inih also finds malformed (and has been reported). */
static void
confline_bad(struct confline *cl)
{
	cl->kind = CONFLINE_BAD;
	if (cl->first_bad == 0)
		cl->first_bad = cl->lineno;
}

/* A line that starts with '['. */
static void
confline_header_line(struct confline *cl, char *s)
{
	char *end = confline_find(s + 1, "]"), *rest;

	if (*end != ']') {
		cl->error(cl->arg, cl->lineno, "%s: a section header needs a closing ']' "
		    "(e.g. [daemon])", s);
		confline_bad(cl);
		cl->header = xstrdup(s);
		return;
	}
	for (rest = end + 1; isspace((unsigned char)*rest); rest++)
		continue;
	if (*rest != '\0' && *rest != ';' && *rest != '#')
		cl->error(cl->arg, cl->lineno, "%.*s: unexpected \"%s\" after the section "
		    "header (a comment starts with ';')", (int)(end - s + 1), s, rest);
	cl->kind = CONFLINE_SECTION;
	cl->header = xstrndup(s + 1, end - s - 1);
	free(cl->key);
	cl->key = NULL;
}

/* A line that is no comment, header or continuation: "key = value". */
static void
confline_key_line(struct confline *cl, char *s)
{
	char *end = confline_find(s, "=:");

	if (*end != '=' && *end != ':') {
		cl->error(cl->arg, cl->lineno, "\"%s\": not a \"key = value\", a [section] "
		    "header or a comment (comments start with ';' or '#')", s);
		confline_bad(cl);
		return;
	}
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	free(cl->key);
	cl->key = end > s ? xstrndup(s, end - s) : NULL;
	cl->kind = end > s ? CONFLINE_KEY : CONFLINE_BAD;
	if (end == s)
		cl->error(cl->arg, cl->lineno, "\"%s\": the key name is missing (write "
		    "key = value)", s);
}

/* Classify line as inih (r55) will: what its handler is then called for. */
static void
confline_classify(struct confline *cl, char *line)
{
	char *s = line;

	if (cl->lineno == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0' || *s == ';' || *s == '#')
		cl->kind = CONFLINE_BLANK;
	else if (cl->key != NULL && s > line)
		cl->kind = CONFLINE_MORE;
	else if (*s == '[')
		confline_header_line(cl, s);
	else
		confline_key_line(cl, s);
}

/* Reading */

/* The line just read is over-long (n bytes): reported, and handed on empty. */
static char *
confline_long(struct confline *cl, size_t n, char *buf)
{
	char *s = cl->line + strspn(cl->line, " \t");

	cl->error(cl->arg, cl->lineno, "line too long: %zu bytes (at most %d; shorten it)",
	    n, CONFLINE_MAX);
	cl->kind = CONFLINE_LONG;
	if (*s == '[')
		cl->header = xstrdup(s);
	buf[0] = '\0';
	return buf;
}

/* The next line into cl->line, as much of it as fits, '\n' dropped, and its whole
 * length in *len (what did not fit is counted and skipped): false at the end or on a
 * read error. */
static bool
confline_getline(struct confline *cl, size_t *len)
{
	size_t n = 0, keep = sizeof(cl->line) - 1;
	int c;

	while ((c = getc(cl->fp)) != EOF && c != '\n') {
		if (n < keep)
			cl->line[n] = (char)c;
		n++;
	}
	if (ferror(cl->fp)) {
		cl->read_errno = errno ? errno : EIO;
		return false;
	}
	cl->line[n < keep ? n : keep] = '\0';
	*len = n;
	return c != EOF || n > 0;
}

char *
confline_read(struct confline *cl, char *buf, int size)
{
	size_t n;

	free(cl->header);
	cl->header = NULL;
	if (!confline_getline(cl, &n))
		return NULL;
	cl->lineno++;
	if (n > CONFLINE_MAX || size < 1 || n >= (size_t)size)
		return confline_long(cl, n, buf);
	memcpy(buf, cl->line, n + 1);
	confline_classify(cl, buf);
	return buf;
}

/* Results */

int
confline_lineno(const struct confline *cl)
{
	return cl->lineno;
}

enum confline_kind
confline_kind(const struct confline *cl)
{
	return cl->kind;
}

const char *
confline_header(const struct confline *cl)
{
	return cl->header;
}

const char *
confline_key(const struct confline *cl)
{
	return cl->key;
}

int
confline_first_bad(const struct confline *cl)
{
	return cl->first_bad;
}

int
confline_errno(const struct confline *cl)
{
	return cl->read_errno;
}

/* Values */

/* Where value has a '#' that its writer surely meant as a comment, or -1. */
static int
confline_hash_at(const char *value)
{
	const char *p;

	for (p = value; (p = strchr(p, '#')) != NULL; p++) {
		if (p == value || isspace((unsigned char)p[-1]))
			return (int)(p - value);
	}
	return -1;
}

int
confline_hash_comment(const char *value, char **why)
{
	int hash = confline_hash_at(value), end = hash;

	if (hash == -1)
		return 0;
	while (end > 0 && isspace((unsigned char)value[end - 1]))
		end--;
	*why = xasprintf("\"%s\": '#' starts no comment inside a line, only ';' after a "
	    "space does (write \"%.*s ;%s\")", value, end, value, value + hash + 1);
	return -1;
}
