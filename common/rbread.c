#include "rbread.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "conffile.h"
#include "confline.h"
#include "rbkeys.h"
#include "xmalloc.h"

/* Errors */

void
rbread_error(const struct rbread_errors *err, const char *path, int line, const char *where,
    const char *fmt, ...)
{
	char lbuf[32] = "", *msg, *all;
	va_list ap;

	if ((*err->n)++ >= err->max)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (line > 0)
		snprintf(lbuf, sizeof lbuf, ":%d", line);
	all = xasprintf("%s%s%s: %s%s%s\n", *err->text ? *err->text : "", path, lbuf,
	    where ? where : "", where ? ": " : "", msg);
	free(*err->text);
	free(msg);
	*err->text = all;
}

/* An error about key in the current section, on the current line. */
void
rbread_key_error(struct rbread *r, const char *key, const char *fmt, ...)
{
	char *where, *msg;
	va_list ap;

	/* Before any section: an indented line continuing a key outside one. */
	where = r->section ? xasprintf("[%s] %s", r->section, key) : xstrdup(key);
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	rbread_error(r->err, r->b->path, confline_lineno(r->lines), where, "%s", msg);
	free(msg);
	free(where);
}

static void
rbread_line_error(void *arg, int line, const char *fmt, ...)
{
	struct rbread *r = arg;
	char *msg;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	rbread_error(r->err, r->b->path, line, NULL, "%s", msg);
	free(msg);
}

/* Names */

bool
rbread_id_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= RULEBOOK_ID_MAX && s[0] >= 'a' && s[0] <= 'z' &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* Sections */

/* The line a section of that kind and name was first opened on, or 0. */
static int
rbread_opened(struct rbread *r, enum rbread_sec kind, const char *name)
{
	struct rulebook *b = r->b;

	if (kind == SEC_ACTION)
		for (size_t i = 0; i < b->n_actions; i++)
			if (strcmp(b->actions[i].name, name) == 0)
				return b->actions[i].line;
	if (kind == SEC_EVENT)
		for (size_t i = 0; i < b->n_events; i++)
			if (strcmp(b->events[i].name, name) == 0)
				return b->events[i].line;
	if (kind == SEC_REASON)
		for (size_t i = 0; i < b->n_reasons; i++)
			if (strcmp(b->reasons[i].name, name) == 0)
				return b->reasons[i].line;
	if (kind == SEC_MARKET)
		return r->market_line;
	return 0;
}

/* A new action, event or reason called name, opened on line: its index. */
static int
rbread_add(struct rbread *r, enum rbread_sec kind, const char *name, int line)
{
	struct rulebook *b = r->b;

	if (kind == SEC_ACTION) {
		b->actions = xrealloc(b->actions, (b->n_actions + 1) * sizeof *b->actions);
		b->actions[b->n_actions] = (struct rulebook_action){ .name = xstrdup(name),
		    .line = line, .to = -1, .wait_param = -1, .on_timeout = r->st->pending,
		    .attempts = true, .envvias = true };
		return (int)b->n_actions++;
	}
	if (kind == SEC_EVENT) {
		b->events = xrealloc(b->events, (b->n_events + 1) * sizeof *b->events);
		b->events[b->n_events] = (struct rulebook_event){ .name = xstrdup(name),
		    .line = line };
		return (int)b->n_events++;
	}
	b->reasons = xrealloc(b->reasons, (b->n_reasons + 1) * sizeof *b->reasons);
	b->reasons[b->n_reasons] = (struct rulebook_reason){ .name = xstrdup(name),
	    .line = line };
	return (int)b->n_reasons++;
}

static size_t
rbread_count(const struct rulebook *b, enum rbread_sec kind)
{
	return kind == SEC_ACTION ? b->n_actions : kind == SEC_EVENT ? b->n_events :
	    b->n_reasons;
}

static void
rbread_enter(struct rbread *r, const char *header)
{
	static const struct { const char *prefix; enum rbread_sec kind; size_t max; } secs[] = {
		{ "action.", SEC_ACTION, RULEBOOK_MAX_ACTIONS },
		{ "event.", SEC_EVENT, RULEBOOK_MAX_EVENTS },
		{ "reason.", SEC_REASON, RULEBOOK_MAX_REASONS },
	};
	int line = confline_lineno(r->lines), first;

	free(r->section);
	r->section = xstrdup(header);
	for (size_t i = 0; i < r->n_seen; i++)
		free(r->seen_key[i]);
	r->n_seen = 0;
	r->kind = SEC_SKIP;
	if (strcmp(header, "marketplace") == 0) {
		if ((first = rbread_opened(r, SEC_MARKET, NULL)) != 0)
			rbread_error(r->err, r->b->path, line, NULL, "[%s]: duplicate section "
			    "(already on line %d; keep one)", header, first);
		else {
			r->market_line = line;
			r->kind = SEC_MARKET;
		}
		return;
	}
	for (size_t i = 0; i < sizeof secs / sizeof secs[0]; i++) {
		const char *name = header + strlen(secs[i].prefix);

		if (strncmp(header, secs[i].prefix, strlen(secs[i].prefix)) != 0)
			continue;
		if (!rbread_id_ok(name))
			rbread_error(r->err, r->b->path, line, NULL, "[%s]: \"%s\" is not a "
			    "name ([a-z][a-z0-9_]{0,47}, e.g. request_photos)", header, name);
		else if ((first = rbread_opened(r, secs[i].kind, name)) != 0)
			rbread_error(r->err, r->b->path, line, NULL, "[%s]: duplicate section "
			    "(already on line %d; keep one)", header, first);
		else if (rbread_count(r->b, secs[i].kind) >= secs[i].max)
			rbread_error(r->err, r->b->path, line, NULL, "[%s]: too many (at most "
			    "%zu)", header, secs[i].max);
		else {
			r->kind = secs[i].kind;
			r->cur = rbread_add(r, r->kind, name, line);
		}
		return;
	}
	rbread_error(r->err, r->b->path, line, NULL, "[%s]: unknown section (known: "
	    "[marketplace], [action.NAME], [event.NAME], [reason.NAME])", header);
}

static char *
rbread_reader(char *buf, int size, void *arg)
{
	struct rbread *r = arg;
	const char *header;

	if (confline_read(r->lines, buf, size) == NULL)
		return NULL;
	if ((header = confline_header(r->lines)) == NULL)
		return buf;
	if (confline_kind(r->lines) == CONFLINE_SECTION)
		rbread_enter(r, header);
	else
		r->kind = SEC_SKIP;	/* a malformed header, reported: skip its keys */
	return buf;
}

/* 0, or -1 when key was set before in this section (reported). Only known keys
 * come here (and an event's), so RBREAD_KEYS of them are remembered at least: an
 * unknown key cannot take the place of one that must not repeat. */
static int
rbread_once(struct rbread *r, const char *key)
{
	for (size_t i = 0; i < r->n_seen; i++)
		if (strcmp(r->seen_key[i], key) == 0) {
			rbread_key_error(r, key, "duplicate key (already set on line %d; keep "
			    "one)", r->seen_line[i]);
			return -1;
		}
	if (r->n_seen < RBREAD_KEYS) {
		r->seen_key[r->n_seen] = xstrdup(key);
		r->seen_line[r->n_seen++] = confline_lineno(r->lines);
	}
	return 0;
}

static int
rbread_handler(void *arg, const char *section, const char *key, const char *value)
{
	struct rbread *r = arg;
	char *why = NULL;

	if (confline_kind(r->lines) == CONFLINE_MORE) {
		rbread_key_error(r, confline_key(r->lines), "duplicate value from the indented "
		    "line \"%s\" (an indented line continues the previous value; remove the "
		    "indentation)", value);
		return 1;
	}
	if (confline_kind(r->lines) != CONFLINE_KEY || r->kind == SEC_SKIP)
		return 1;
	if (r->section == NULL) {
		rbread_error(r->err, r->b->path, confline_lineno(r->lines), key, "key outside "
		    "any section (start with [marketplace])");
		return 1;
	}
	if (rbkeys_known(r, key) != 0 || rbread_once(r, key) != 0)
		return 1;
	/* Written, even with a bad value (reported): not "missing" too. */
	rbcheck_key_line(&r->refs, r->kind == SEC_MARKET ? RBCHECK_MARKET :
	    r->kind == SEC_ACTION ? RBCHECK_ACTION : r->kind == SEC_EVENT ? RBCHECK_EVENT :
	    RBCHECK_REASON, r->kind == SEC_MARKET ? 0 : r->cur, key,
	    confline_lineno(r->lines));
	if (*value == '\0' && strcmp(key, "extra_holidays") != 0) {
		rbread_key_error(r, key, "empty value (give one, or remove the line)");
		return 1;
	}
	if (confline_hash_comment(value, &why) != 0) {
		rbread_key_error(r, key, "%s", why);
		free(why);
		return 1;
	}
	if (r->kind == SEC_MARKET)
		rbkeys_market(r, key, value);
	else if (r->kind == SEC_ACTION)
		rbkeys_action(r, key, value);
	else if (r->kind == SEC_EVENT)
		rbkeys_event(r, key, value);
	else
		rbkeys_reason(r, key, value);
	return 1;
}

/* Reading */

static void
rbread_text(struct rbread *r, const char *text, size_t len)
{
	FILE *fp = fmemopen((void *)text, len ? len : 1, "r");
	int rc, err;

	if (fp == NULL) {
		rbread_error(r->err, r->b->path, 0, NULL, "cannot read: %s", strerror(errno));
		return;
	}
	r->lines = confline_new(fp, rbread_line_error, r);
	rc = len ? ini_parse_stream(rbread_reader, r, rbread_handler, r) : 0;
	if ((err = confline_errno(r->lines)) != 0)
		rbread_error(r->err, r->b->path, 0, NULL, "cannot read: %s", strerror(err));
	else if (rc != 0 && rc != confline_first_bad(r->lines))
		rbread_error(r->err, r->b->path, rc > 0 ? rc : 0, NULL, "inih cannot parse "
		    "this (%d)", rc);
	confline_free(r->lines);
	r->lines = NULL;
	fclose(fp);
}

struct rulebook *
rbread_parse(const char *path, const char *text, size_t len,
    const struct rulebook_states *states, const struct rbread_errors *err)
{
	struct rbread r = { .st = states, .err = err, .errors_before = *err->n };

	r.b = xcalloc(1, sizeof *r.b);
	r.b->path = xstrdup(path);
	r.b->digest = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < len; i++)
		r.b->digest = (r.b->digest ^ (unsigned char)text[i]) * 0x100000001b3ULL;
	rbread_text(&r, text, len);
	rbcheck_all(&r.refs, r.b, states, err, r.market_line);
	rbcheck_refs_free(&r.refs);
	free(r.section);
	for (size_t i = 0; i < r.n_seen; i++)
		free(r.seen_key[i]);
	if (*err->n != r.errors_before) {
		rulebook_free(r.b);
		return NULL;
	}
	return r.b;
}

struct rulebook *
rbread_load(const char *path, const struct rulebook_states *states,
    const struct rbread_errors *err)
{
	struct rulebook *b;
	char *why = NULL, *text;
	size_t len;

	if ((text = conffile_read(path, RULEBOOK_MAX_BYTES, &len, &why)) == NULL) {
		rbread_error(err, path, 0, NULL, "%s", why);
		free(why);
		return NULL;
	}
	b = rbread_parse(path, text, len, states, err);
	free(text);
	return b;
}

struct rulebook *
rbread_builtin(const struct rulebook_states *states, const struct rbread_errors *err)
{
	return rbread_parse(RULEBOOK_BUILTIN_PATH, rulebook_builtin_text,
	    strlen(rulebook_builtin_text), states, err);
}
