#include "rbkeys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confline.h"
#include "confval.h"
#include "rbcheck.h"
#include "xmalloc.h"

/* Values */

/* The state v, one of allowed (names separated by one space): its index, or -2
 * (reported). */
static int
rbkeys_state(struct rbread *r, const char *key, const char *v, const char *allowed)
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
rbkeys_bool(struct rbread *r, const char *key, const char *v, bool *out)
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
rbkeys_duration(struct rbread *r, const char *key, const char *v, bool zero_ok,
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

static char *
rbkeys_trim(char *s)
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

static const char *const rbkeys_market_keys[] = { "name", "title", "response",
    "response_critical", "warn_before", "reply_window", "calendar", "extra_holidays" };
static const char *const rbkeys_action_keys[] = { "label", "to", "wait", "on_timeout",
    "attempts", "params", "envvias", "clock", "config_key" };
static const char *const rbkeys_reason_keys[] = { "label", "origin", "actions",
    "response", "response_critical" };
#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
rbkeys_unknown_key(struct rbread *r, const char *key, const char *const *known, size_t n)
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

void
rbkeys_market(struct rbread *r, const char *key, const char *v)
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
		rbkeys_duration(r, key, v, false, &b->response);
	else if (strcmp(key, "response_critical") == 0)
		rbkeys_duration(r, key, v, false, &b->response_critical);
	else if (strcmp(key, "warn_before") == 0)
		rbkeys_duration(r, key, v, true, &b->warn_before);
	else if (strcmp(key, "reply_window") == 0) {
		rbkeys_duration(r, key, v, false, &b->reply_window);
		b->has_reply_window = b->reply_window.line > 0;
	} else if (strcmp(key, "calendar") == 0) {
		if (confval_holidays(v, &b->calendar, &why) == 0)
			b->has_calendar = true;
	} else if (strcmp(key, "extra_holidays") == 0)
		confval_extra_holidays(v, &b->extra_holidays, &b->n_extra_holidays, &why);
	else
		rbkeys_unknown_key(r, key, rbkeys_market_keys, N(rbkeys_market_keys));
	if (why != NULL) {
		for (char *line = strtok(why, "\n"); line; line = strtok(NULL, "\n"))
			rbread_key_error(r, key, "%s", line);
		free(why);
	}
}

static void
rbkeys_param(struct rbread *r, struct rulebook_action *a, char *item)
{
	static const char *const types[] = { "text", "longtext", "code", "date",
	    "date_future", "url" };
	char *colon = strchr(item, ':'), *name = item, *type = NULL;
	struct rulebook_param *p;

	if (colon != NULL) {
		*colon = '\0';
		type = rbkeys_trim(colon + 1);
		name = rbkeys_trim(name);
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
rbkeys_params(struct rbread *r, struct rulebook_action *a, const char *v)
{
	char *copy = xstrdup(v), *save = NULL;

	for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save))
		if (*(item = rbkeys_trim(item)) != '\0')
			rbkeys_param(r, a, item);
	free(copy);
}

void
rbkeys_action(struct rbread *r, const char *key, const char *v)
{
	struct rulebook_action *a = &r->b->actions[r->cur];
	int line = confline_lineno(r->lines);

	if (strcmp(key, "label") == 0)
		a->label = xstrdup(v);
	else if (strcmp(key, "to") == 0)
		a->to = rbkeys_state(r, key, v, "awaiting closed resolved pending");
	else if (strcmp(key, "wait") == 0)
		rbcheck_wait_text(&r->refs, r->cur, v, line);
	else if (strcmp(key, "on_timeout") == 0)
		a->on_timeout = rbkeys_state(r, key, v, "pending mediation resolved");
	else if (strcmp(key, "attempts") == 0)
		rbkeys_bool(r, key, v, &a->attempts);
	else if (strcmp(key, "envvias") == 0)
		rbkeys_bool(r, key, v, &a->envvias);
	else if (strcmp(key, "params") == 0)
		rbkeys_params(r, a, v);
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
		rbkeys_unknown_key(r, key, rbkeys_action_keys, N(rbkeys_action_keys));
}

void
rbkeys_event(struct rbread *r, const char *key, const char *v)
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
	if ((to = rbkeys_state(r, key, v,
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

void
rbkeys_reason(struct rbread *r, const char *key, const char *v)
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
		rbkeys_duration(r, key, v, false, &s->response);
	else if (strcmp(key, "response_critical") == 0)
		rbkeys_duration(r, key, v, false, &s->response_critical);
	else
		rbkeys_unknown_key(r, key, rbkeys_reason_keys, N(rbkeys_reason_keys));
}

/* 0 when key is one of the current section's ([event.NAME] takes any: its keys are
 * checked as moves), else -1 (reported). */
int
rbkeys_known(struct rbread *r, const char *key)
{
	static const struct { enum rbread_sec kind; const char *const *keys; size_t n; }
	    secs[] = {
		{ SEC_MARKET, rbkeys_market_keys, N(rbkeys_market_keys) },
		{ SEC_ACTION, rbkeys_action_keys, N(rbkeys_action_keys) },
		{ SEC_REASON, rbkeys_reason_keys, N(rbkeys_reason_keys) },
	};

	for (size_t i = 0; i < N(secs); i++) {
		if (secs[i].kind != r->kind)
			continue;
		for (size_t k = 0; k < secs[i].n; k++)
			if (strcmp(secs[i].keys[k], key) == 0)
				return 0;
		rbkeys_unknown_key(r, key, secs[i].keys, secs[i].n);
		return -1;
	}
	return 0;
}

