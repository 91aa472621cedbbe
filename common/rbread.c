#include "rbread.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "conffile.h"
#include "confline.h"
#include "confval.h"
#include "rbcheck.h"
#include "xmalloc.h"

enum rbread_sec { SEC_NONE, SEC_MARKET, SEC_ACTION, SEC_EVENT, SEC_REASON, SEC_SKIP };

#define RBREAD_KEYS (8 + RULEBOOK_MAX_ACTIONS)	/* keys remembered per section, for
					 * duplicates: an event has up to 6 + one
					 * awaiting.ACTION per action */

struct rbread {
	struct rulebook *b;
	struct rbread_refs refs;	/* names to resolve once all is read (rbcheck.h) */
	const struct rulebook_states *st;
	const struct rbread_errors *err;
	int errors_before;
	struct confline *lines;
	char *section;			/* as written; NULL before the first header */
	enum rbread_sec kind;
	int cur;			/* the index of the section's action/event/reason */
	int market_line;		/* of [marketplace], 0 if none */
	char *seen_key[RBREAD_KEYS];
	int seen_line[RBREAD_KEYS];
	size_t n_seen;
};

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
static void rbread_key_error(struct rbread *, const char *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
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

/* Values */

/* The state v, one of allowed (names separated by one space): its index, or -2
 * (reported). */
static int
rbread_state(struct rbread *r, const char *key, const char *v, const char *allowed)
{
	char words[128], list[128], *names[16], *save = NULL;
	const char *near;
	size_t n = 0;

	snprintf(words, sizeof words, "%s", allowed);
	for (char *w = strtok_r(words, " ", &save); w && n < 16; w = strtok_r(NULL, " ", &save))
		names[n++] = w;
	for (size_t k = 0; k < n; k++)
		if (strcmp(names[k], v) == 0)
			for (size_t i = 0; i < r->st->n; i++)
				if (strcmp(r->st->names[i], v) == 0)
					return (int)i;
	near = rulebook_suggest(v, (const char *const *)names, n);
	snprintf(list, sizeof list, "%s", allowed);
	for (char *c = list; *c; c++)
		if (*c == ' ')
			*c = '|';
	rbread_key_error(r, key, "\"%s\" is not a state this can lead to (%s%s%s%s)", v,
	    near ? "did you mean " : "", near ? near : "", near ? "? " : "", list);
	return -2;	/* reported: not "unset" (-1) */
}

static int
rbread_bool(struct rbread *r, const char *key, const char *v, bool *out)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0)
		*out = true;
	else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0)
		*out = false;
	else {
		rbread_key_error(r, key, "\"%s\" is not yes or no", v);
		return -1;
	}
	return 0;
}

static void
rbread_duration(struct rbread *r, const char *key, const char *v, bool zero_ok,
    struct rulebook_dl *out)
{
	static const struct duration eg = { .ms = 48 * 3600 * 1000LL, .text = "48h" };
	char *why = NULL;

	if (confval_deadline(v, zero_ok, &eg, &out->d, &why) == 0) {
		out->line = confline_lineno(r->lines);
		return;
	}
	rbread_key_error(r, key, "%s", why);
	free(why);
}

bool
rbread_id_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= RULEBOOK_ID_MAX && s[0] >= 'a' && s[0] <= 'z' &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static char *
rbread_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/* The sections' keys */

static const char *const rbread_market_keys[] = { "name", "title", "response",
    "response_critical", "warn_before", "reply_window", "calendar", "extra_holidays" };
static const char *const rbread_action_keys[] = { "label", "to", "wait", "on_timeout",
    "attempts", "params", "envvias", "clock", "config_key" };
static const char *const rbread_reason_keys[] = { "label", "origin", "actions",
    "response", "response_critical" };
#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
rbread_unknown_key(struct rbread *r, const char *key, const char *const *known, size_t n)
{
	const char *near = rulebook_suggest(key, known, n);
	char list[256] = "";

	for (size_t i = 0; i < n; i++)
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
		    known[i]);
	if (near != NULL)
		rbread_key_error(r, key, "unknown key (did you mean %s? known here: %s)", near,
		    list);
	else
		rbread_key_error(r, key, "unknown key (known here: %s)", list);
}

static void
rbread_market(struct rbread *r, const char *key, const char *v)
{
	struct rulebook *b = r->b;
	char *why = NULL;

	if (strcmp(key, "name") == 0) {
		size_t n = strlen(v);

		if (n < 1 || n > RULEBOOK_NAME_MAX ||
		    strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789-") != n)
			rbread_key_error(r, key, "\"%s\" is not a marketplace name (1 to %d of "
			    "a-z 0-9 -, e.g. madeiramadeira)", v, RULEBOOK_NAME_MAX);
		else {
			b->name = xstrdup(v);
			b->line = confline_lineno(r->lines);
		}
	} else if (strcmp(key, "title") == 0)
		b->title = xstrdup(v);
	else if (strcmp(key, "response") == 0)
		rbread_duration(r, key, v, false, &b->response);
	else if (strcmp(key, "response_critical") == 0)
		rbread_duration(r, key, v, false, &b->response_critical);
	else if (strcmp(key, "warn_before") == 0)
		rbread_duration(r, key, v, true, &b->warn_before);
	else if (strcmp(key, "reply_window") == 0) {
		rbread_duration(r, key, v, false, &b->reply_window);
		b->has_reply_window = b->reply_window.line > 0;
	} else if (strcmp(key, "calendar") == 0) {
		if (confval_holidays(v, &b->calendar, &why) == 0)
			b->has_calendar = true;
	} else if (strcmp(key, "extra_holidays") == 0)
		confval_extra_holidays(v, &b->extra_holidays, &b->n_extra_holidays, &why);
	else
		rbread_unknown_key(r, key, rbread_market_keys, N(rbread_market_keys));
	if (why != NULL) {
		for (char *line = strtok(why, "\n"); line; line = strtok(NULL, "\n"))
			rbread_key_error(r, key, "%s", line);
		free(why);
	}
}

static void
rbread_param(struct rbread *r, struct rulebook_action *a, char *item)
{
	static const char *const types[] = { "text", "longtext", "code", "date",
	    "date_future", "url" };
	char *colon = strchr(item, ':'), *name = item, *type = NULL;
	struct rulebook_param *p;

	if (colon != NULL) {
		*colon = '\0';
		type = rbread_trim(colon + 1);
		name = rbread_trim(name);
	}
	if (!rbread_id_ok(name) || strcmp(name, "action") == 0 ||
	    strcmp(name, "if_version") == 0) {
		rbread_key_error(r, "params", "\"%s\" is not a parameter name ([a-z][a-z0-9_]"
		    "{0,47}, not action or if_version)", name);
		return;
	}
	for (size_t i = 0; i < a->n_params; i++)
		if (strcmp(a->params[i].name, name) == 0) {
			rbread_key_error(r, "params", "%s is listed twice", name);
			return;
		}
	if (a->n_params == RULEBOOK_MAX_PARAMS) {
		rbread_key_error(r, "params", "too many (at most %d)", RULEBOOK_MAX_PARAMS);
		return;
	}
	p = &a->params[a->n_params];
	p->type = RULEBOOK_TEXT;
	for (size_t t = 0; type != NULL && t <= N(types); t++) {
		if (t == N(types)) {
			const char *near = rulebook_suggest(type, types, N(types));

			rbread_key_error(r, "params", "%s: unknown type \"%s\" (%s%s%stext, "
			    "longtext, code, date, date_future or url)", name, type,
			    near ? "did you mean " : "", near ? near : "", near ? "? " : "");
			return;
		}
		if (strcmp(types[t], type) == 0) {
			p->type = (enum rulebook_ptype)t;
			break;
		}
	}
	p->name = xstrdup(name);
	a->n_params++;
}

static void
rbread_params(struct rbread *r, struct rulebook_action *a, const char *v)
{
	char *copy = xstrdup(v), *save = NULL;

	for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save))
		if (*(item = rbread_trim(item)) != '\0')
			rbread_param(r, a, item);
	free(copy);
}

static void
rbread_action(struct rbread *r, const char *key, const char *v)
{
	struct rulebook_action *a = &r->b->actions[r->cur];
	int line = confline_lineno(r->lines);

	if (strcmp(key, "label") == 0)
		a->label = xstrdup(v);
	else if (strcmp(key, "to") == 0)
		a->to = rbread_state(r, key, v, "awaiting closed resolved pending");
	else if (strcmp(key, "wait") == 0)
		rbcheck_wait_text(&r->refs, r->cur, v, line);
	else if (strcmp(key, "on_timeout") == 0)
		a->on_timeout = rbread_state(r, key, v, "pending mediation resolved");
	else if (strcmp(key, "attempts") == 0)
		rbread_bool(r, key, v, &a->attempts);
	else if (strcmp(key, "envvias") == 0)
		rbread_bool(r, key, v, &a->envvias);
	else if (strcmp(key, "params") == 0)
		rbread_params(r, a, v);
	else if (strcmp(key, "clock") == 0 || strcmp(key, "config_key") == 0) {
		if (!rbread_id_ok(v))
			rbread_key_error(r, key, "\"%s\" is not a name ([a-z][a-z0-9_]{0,47})", v);
		else if (key[0] == 'c' && key[1] == 'l') {
			free(a->clock);
			a->clock = xstrdup(v);
		} else {
			free(a->config_key);
			a->config_key = xstrdup(v);
		}
	} else
		rbread_unknown_key(r, key, rbread_action_keys, N(rbread_action_keys));
}

static void
rbread_event(struct rbread *r, const char *key, const char *v)
{
	char from[64];
	const char *dot = strchr(key, '.');
	size_t n = dot ? (size_t)(dot - key) : strlen(key);
	int f = -1, to;

	if (n < sizeof from) {
		memcpy(from, key, n);
		from[n] = '\0';
		for (size_t i = 0; i < r->st->n; i++)
			if (strcmp(r->st->names[i], from) == 0)
				f = (int)i;
	}
	if (f < 0) {
		const char *near = rulebook_suggest(n < sizeof from ? from : key, r->st->names,
		    r->st->n);

		rbread_key_error(r, key, "not a state (a key here is FROM or awaiting.ACTION, "
		    "FROM one of pending, awaiting, closed, unresolved, mediation, resolved%s%s%s)",
		    near ? "; did you mean " : "", near ? near : "", near ? "?" : "");
		return;
	}
	if ((to = rbread_state(r, key, v,
	    "pending awaiting closed unresolved mediation resolved")) < 0)
		return;
	if (dot != NULL && f != r->st->awaiting) {
		rbread_key_error(r, key, "only awaiting can name the action waited on "
		    "(awaiting.ACTION)");
		return;
	}
	rbcheck_move(&r->refs, r->b, r->cur, f, dot ? dot + 1 : NULL, to,
	    confline_lineno(r->lines));
}

static void
rbread_reason(struct rbread *r, const char *key, const char *v)
{
	struct rulebook_reason *s = &r->b->reasons[r->cur];

	if (strcmp(key, "label") == 0)
		s->label = xstrdup(v);
	else if (strcmp(key, "origin") == 0) {
		if (strcmp(v, "preventive") == 0)
			s->preventive = true;
		else if (strcmp(v, "customer") != 0)
			rbread_key_error(r, key, "\"%s\" is not an origin (customer or "
			    "preventive)", v);
	} else if (strcmp(key, "actions") == 0)
		rbcheck_reason_actions(&r->refs, r->cur, v, confline_lineno(r->lines));
	else if (strcmp(key, "response") == 0)
		rbread_duration(r, key, v, false, &s->response);
	else if (strcmp(key, "response_critical") == 0)
		rbread_duration(r, key, v, false, &s->response_critical);
	else
		rbread_unknown_key(r, key, rbread_reason_keys, N(rbread_reason_keys));
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
	for (size_t i = 0; i < N(secs); i++) {
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

/* 0 when key is one of the current section's ([event.NAME] takes any: its keys are
 * checked as moves), else -1 (reported). */
static int
rbread_known(struct rbread *r, const char *key)
{
	static const struct { enum rbread_sec kind; const char *const *keys; size_t n; }
	    secs[] = {
		{ SEC_MARKET, rbread_market_keys, N(rbread_market_keys) },
		{ SEC_ACTION, rbread_action_keys, N(rbread_action_keys) },
		{ SEC_REASON, rbread_reason_keys, N(rbread_reason_keys) },
	};

	for (size_t i = 0; i < N(secs); i++) {
		if (secs[i].kind != r->kind)
			continue;
		for (size_t k = 0; k < secs[i].n; k++)
			if (strcmp(secs[i].keys[k], key) == 0)
				return 0;
		rbread_unknown_key(r, key, secs[i].keys, secs[i].n);
		return -1;
	}
	return 0;
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
	if (rbread_known(r, key) != 0 || rbread_once(r, key) != 0)
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
		rbread_market(r, key, value);
	else if (r->kind == SEC_ACTION)
		rbread_action(r, key, value);
	else if (r->kind == SEC_EVENT)
		rbread_event(r, key, value);
	else
		rbread_reason(r, key, value);
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
