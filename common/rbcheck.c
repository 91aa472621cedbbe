#include "rbcheck.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

enum rbcheck_what { NOTE_WAIT, NOTE_KEY, NOTE_MOVE, NOTE_ACTIONS };

struct rbcheck_note {
	enum rbcheck_what what;
	int index;		/* the action, event or reason */
	char *text;		/* the wait, the key, the awaited action or the list */
	int from, to, line;	/* NOTE_KEY: from is its enum rbcheck_owner */
};

/* What rbcheck_all works with. */
struct rbcheck {
	struct rbread_refs *refs;
	struct rulebook *b;
	const struct rulebook_states *st;
	const struct rbread_errors *err;
};

static void
rbcheck_note(struct rbread_refs *refs, struct rbcheck_note n)
{
	if (refs->n == refs->cap) {
		refs->cap = refs->cap ? refs->cap * 2 : 16;
		refs->notes = xrealloc(refs->notes, refs->cap * sizeof *refs->notes);
	}
	refs->notes[refs->n++] = n;
}

void
rbcheck_wait_text(struct rbread_refs *refs, int action, const char *text, int line)
{
	rbcheck_note(refs, (struct rbcheck_note){ NOTE_WAIT, action, xstrdup(text), 0, 0,
	    line });
}

void
rbcheck_key_line(struct rbread_refs *refs, enum rbcheck_owner owner, int index,
    const char *key, int line)
{
	rbcheck_note(refs, (struct rbcheck_note){ NOTE_KEY, index, xstrdup(key),
	    (int)owner, 0, line });
}

void
rbcheck_move(struct rbread_refs *refs, struct rulebook *b, int event, int from,
    const char *action, int to, int line)
{
	(void)b;
	rbcheck_note(refs, (struct rbcheck_note){ NOTE_MOVE, event,
	    action ? xstrdup(action) : NULL, from, to, line });
}

void
rbcheck_reason_actions(struct rbread_refs *refs, int reason, const char *text, int line)
{
	rbcheck_note(refs, (struct rbcheck_note){ NOTE_ACTIONS, reason, xstrdup(text), 0, 0,
	    line });
}

void
rbcheck_refs_free(struct rbread_refs *refs)
{
	for (size_t i = 0; i < refs->n; i++)
		free(refs->notes[i].text);
	free(refs->notes);
	refs->notes = NULL;
	refs->n = refs->cap = 0;
}

/* Errors */

static void rbcheck_error(struct rbcheck *, int, const char *, const char *, const char *,
    ...) __attribute__((format(printf, 5, 6)));

/* "[section] key: …" on line. */
static void
rbcheck_error(struct rbcheck *c, int line, const char *section, const char *key,
    const char *fmt, ...)
{
	char where[160], *msg;
	va_list ap;

	snprintf(where, sizeof where, "[%s]%s%s", section, key ? " " : "", key ? key : "");
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	rbread_error(c->err, c->b->path, line, where, "%s", msg);
	free(msg);
}

/* The line a key of the [marketplace] (index 0), an action or a reason was written on
 * (whatever its value), or 0. */
static int
rbcheck_key_at(const struct rbcheck *c, enum rbcheck_owner owner, int index,
    const char *key)
{
	for (size_t i = 0; i < c->refs->n; i++) {
		const struct rbcheck_note *n = &c->refs->notes[i];

		if (n->what == NOTE_KEY && n->from == (int)owner && n->index == index &&
		    strcmp(n->text, key) == 0)
			return n->line;
	}
	return 0;
}

/* The line an action's key was written on, or 0. */
static int
rbcheck_line_of(const struct rbcheck *c, int action, const char *key)
{
	return rbcheck_key_at(c, RBCHECK_ACTION, action, key);
}

/* reply_window is in [marketplace]: set, or written with a bad value (reported). */
static bool
rbcheck_has_reply_window(const struct rbcheck *c)
{
	return c->b->has_reply_window ||
	    rbcheck_key_at(c, RBCHECK_MARKET, 0, "reply_window") != 0;
}

/* The names of b's actions, for suggestions (n of them into names). */
static size_t
rbcheck_action_names(const struct rulebook *b, const char **names)
{
	for (size_t i = 0; i < b->n_actions; i++)
		names[i] = b->actions[i].name;
	return b->n_actions;
}

/* ", did you mean X?" for an unknown action name, or "". */
static const char *
rbcheck_near(const struct rulebook *b, const char *name, char *buf, size_t len)
{
	const char *names[RULEBOOK_MAX_ACTIONS];
	const char *near = rulebook_suggest(name, names, rbcheck_action_names(b, names));

	if (near == NULL)
		return "";
	snprintf(buf, len, "; did you mean %s?", near);
	return buf;
}

/* [marketplace] */

static void
rbcheck_market(struct rbcheck *c, int market_line)
{
	struct rulebook *b = c->b;
	int line = market_line > 0 ? market_line : 1;

	if (market_line == 0)
		rbcheck_error(c, 1, "marketplace", NULL, "missing (a rulebook has a "
		    "[marketplace] section with its name and response deadline)");
	else if (b->name == NULL && rbcheck_key_at(c, RBCHECK_MARKET, 0, "name") == 0)
		rbcheck_error(c, line, "marketplace", "name", "missing (required, e.g. "
		    "name = madeiramadeira)");
	if (market_line != 0 && b->response.line == 0 &&
	    rbcheck_key_at(c, RBCHECK_MARKET, 0, "response") == 0)
		rbcheck_error(c, line, "marketplace", "response", "missing (required: how "
		    "long the seller has to act, e.g. response = 48h)");
	if (b->response_critical.line == 0)
		b->response_critical.d = b->response.d;
	if (b->warn_before.line == 0)
		b->warn_before.d = (struct duration){ .ms = 4 * 3600 * 1000LL, .text = "4h" };
	if (b->name != NULL && b->title == NULL)
		b->title = xstrdup(b->name);
	if (b->name != NULL)
		b->market = rulebook_market_number(b->name);
}

/* A response warning must fall after its clock starts (as config.c checks it). */
static void
rbcheck_warn(struct rbcheck *c)
{
	const struct rulebook *b = c->b;
	const struct rulebook_dl *resp[] = { &b->response, &b->response_critical };
	const char *keys[] = { "response", "response_critical" };

	for (size_t i = 0; i < 2; i++) {
		const struct duration *d = &resp[i]->d;
		int64_t span = d->bdays ? d->bdays * 24 * 3600 * 1000LL : d->ms;

		if (b->warn_before.d.ms > 0 && resp[i]->line && b->warn_before.d.ms >= span)
			rbcheck_error(c, b->warn_before.line ? b->warn_before.line :
			    resp[i]->line, "marketplace", b->warn_before.line ? "warn_before" :
			    keys[i], "the response warning (warn_before, 4h unless set) must be "
			    "shorter than %s", keys[i]);
	}
}

/* Actions */

/* "PARAM + DURATION" or "DURATION" of action i into its wait. */
static void
rbcheck_wait(struct rbcheck *c, int i, const char *text, int line)
{
	struct rulebook_action *a = &c->b->actions[i];
	char sec[80], param[64] = "", err[DURATION_ERR_LEN], buf[80];
	const char *plus = strchr(text, '+'), *dur = text;

	snprintf(sec, sizeof sec, "action.%s", a->name);
	a->has_wait = true;
	a->wait.line = line;
	if (plus != NULL) {
		size_t n = (size_t)(plus - text);

		while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t'))
			n--;
		snprintf(param, sizeof param, "%.*s", (int)(n < 63 ? n : 63), text);
		for (dur = plus + 1; *dur == ' ' || *dur == '\t'; dur++)
			;
		for (size_t k = 0; k < a->n_params; k++)
			if (strcmp(a->params[k].name, param) == 0 &&
			    (a->params[k].type == RULEBOOK_DATE ||
			    a->params[k].type == RULEBOOK_DATE_FUTURE))
				a->wait_param = (int)k;
		if (a->wait_param < 0) {
			const char *names[RULEBOOK_MAX_PARAMS], *near;
			size_t n_names = 0;

			for (size_t k = 0; k < a->n_params; k++)	/* its date params */
				if (a->params[k].type == RULEBOOK_DATE ||
				    a->params[k].type == RULEBOOK_DATE_FUTURE)
					names[n_names++] = a->params[k].name;
			near = rulebook_suggest(param, names, n_names);
			snprintf(buf, sizeof buf, "; did you mean %s?", near ? near : "");
			rbcheck_error(c, line, sec, "wait", "%s is not one of its date parameters "
			    "(PARAM + DURATION counts from 00:00 local of a date the action "
			    "takes: params = %s:date_future%s)", param, param, near ? buf : "");
		}
	}
	if (duration_parse(dur, &a->wait.d, err) != 0)
		rbcheck_error(c, line, sec, "wait", "%s", err);
	else if (plus == NULL && a->wait.d.ms == 0 && a->wait.d.bdays == 0)
		rbcheck_error(c, line, sec, "wait", "must be more than 0 (e.g. 48h)");
}

/* An action's keys that go together. */
static void
rbcheck_action(struct rbcheck *c, int i)
{
	struct rulebook_action *a = &c->b->actions[i];
	char sec[80];
	int to_line = rbcheck_line_of(c, i, "to");

	snprintf(sec, sizeof sec, "action.%s", a->name);
	if (a->label == NULL && rbcheck_line_of(c, i, "label") == 0)
		rbcheck_error(c, a->line, sec, "label", "missing (required: the portal's "
		    "wording for the action)");
	if (a->to == -1 && to_line == 0)
		rbcheck_error(c, a->line, sec, "to", "missing (required: awaiting, closed, "
		    "resolved or pending)");
	if (a->to == c->st->awaiting && !a->has_wait && rbcheck_line_of(c, i, "wait") == 0)
		rbcheck_error(c, to_line, sec, "wait", "missing (required with to = "
		    "awaiting: how long, e.g. 48h, or PARAM + DURATION)");
	if (a->to >= 0 && a->to != c->st->awaiting) {
		static const char *const only_awaiting[] = { "wait", "on_timeout", "clock",
		    "attempts", "config_key" };

		for (size_t k = 0; k < sizeof only_awaiting / sizeof only_awaiting[0]; k++) {
			int line = rbcheck_line_of(c, i, only_awaiting[k]);

			if (line != 0)
				rbcheck_error(c, line, sec, only_awaiting[k], "only an action "
				    "with to = awaiting has it (this one leads to %s)",
				    c->st->names[a->to]);
		}
	}
	if (a->to == c->st->closed && !rbcheck_has_reply_window(c))
		rbcheck_error(c, to_line, sec, "to", "closed needs reply_window in "
		    "[marketplace] (how long the customer may still answer, e.g. 60d)");
	if (a->clock == NULL)
		a->clock = xstrdup(a->name);
	if ((a->clock_line = rbcheck_line_of(c, i, "clock")) == 0)
		a->clock_line = a->line;
	if (a->config_key == NULL)
		a->config_key = xstrdup(a->clock);
	a->kind = a->has_wait ? rulebook_kind_number(a->clock) : 0;
}

/* Clocks: no two waits of one rulebook share a name, and no two names a number. */
static void
rbcheck_clocks(struct rbcheck *c)
{
	const struct rulebook *b = c->b;

	for (size_t i = 0; i < b->n_actions; i++) {
		const struct rulebook_action *a = &b->actions[i];
		int line = rbcheck_line_of(c, (int)i, "clock");
		char sec[80];

		if (!a->has_wait || a->to != c->st->awaiting)
			continue;	/* a wait elsewhere is reported by rbcheck_action */
		snprintf(sec, sizeof sec, "action.%s", a->name);
		if (a->kind == RULEBOOK_KIND_RESPONSE || a->kind == RULEBOOK_KIND_REPLY) {
			rbcheck_error(c, line ? line : a->line, sec, "clock", "%s is the name "
			    "of the %s clock (name the wait otherwise)", a->clock,
			    a->kind == RULEBOOK_KIND_REPLY ? "reply window's" : "response");
			continue;
		}
		for (size_t j = 0; j < i; j++) {
			const struct rulebook_action *o = &b->actions[j];

			if (!o->has_wait || o->kind != a->kind)
				continue;
			if (strcmp(o->clock, a->clock) == 0)
				rbcheck_error(c, line ? line : a->line, sec, "clock", "%s is "
				    "also the wait of [action.%s] (each wait has a clock name of "
				    "its own)", a->clock, o->name);
			else
				rbcheck_error(c, line ? line : a->line, sec, "clock", "%s gets "
				    "the same number as %s of [action.%s] (rename one)", a->clock,
				    o->clock, o->name);
			break;
		}
	}
}

/* Events and reasons */

static void
rbcheck_one_move(struct rbcheck *c, const struct rbcheck_note *n)
{
	struct rulebook_event *e = &c->b->events[n->index];
	struct rulebook_move m = { n->from, -1, n->to, n->line };
	char sec[80], key[128], near[80];

	snprintf(sec, sizeof sec, "event.%s", e->name);
	snprintf(key, sizeof key, "%s%s%s", c->st->names[n->from], n->text ? "." : "",
	    n->text ? n->text : "");
	if (n->text != NULL) {
		m.only_action = rulebook_action_index(c->b, n->text);
		if (m.only_action < 0) {
			rbcheck_error(c, n->line, sec, key, "%s is not an action of this "
			    "rulebook%s", n->text, rbcheck_near(c->b, n->text, near,
			    sizeof near));
			return;
		}
		if (c->b->actions[m.only_action].to != c->st->awaiting) {
			rbcheck_error(c, n->line, sec, key, "%s does not lead to awaiting, so "
			    "no protocol waits on it", n->text);
			return;
		}
	}
	if (n->from == n->to)
		rbcheck_error(c, n->line, sec, key, "leads nowhere (%s to %s)",
		    c->st->names[n->from], c->st->names[n->to]);
	else if (n->to == c->st->awaiting)
		rbcheck_error(c, n->line, sec, key, "an event cannot lead to awaiting: a wait "
		    "belongs to the action that starts it, and the protocol would wait on "
		    "nothing (lead to pending, closed, unresolved, mediation or resolved)");
	else if (n->to == c->st->closed && !rbcheck_has_reply_window(c))
		rbcheck_error(c, n->line, sec, key, "closed needs reply_window in "
		    "[marketplace]");
	e->moves = xrealloc(e->moves, (e->n_moves + 1) * sizeof *e->moves);
	e->moves[e->n_moves++] = m;
}

static void
rbcheck_reason_list(struct rbcheck *c, const struct rbcheck_note *n)
{
	struct rulebook_reason *r = &c->b->reasons[n->index];
	char *copy = xstrdup(n->text), *save = NULL, sec[80], near[80];

	snprintf(sec, sizeof sec, "reason.%s", r->name);
	r->has_actions = true;
	for (char *it = strtok_r(copy, ", ", &save); it; it = strtok_r(NULL, ", ", &save)) {
		int i = rulebook_action_index(c->b, it);

		if (i < 0)
			rbcheck_error(c, n->line, sec, "actions", "%s is not an action of this "
			    "rulebook (no [action.%s] section)%s", it, it,
			    rbcheck_near(c->b, it, near, sizeof near));
		else
			r->actions |= UINT64_C(1) << i;
	}
	free(copy);
}

/* A reason's own response must outlast the rulebook's warning, as the rulebook's
 * must (rbcheck_warn): else no response_warning could come before it. */
static void
rbcheck_reason_warn(struct rbcheck *c, const struct rulebook_reason *r, const char *sec)
{
	const struct rulebook_dl *resp[] = { &r->response, &r->response_critical };
	const char *keys[] = { "response", "response_critical" };
	int64_t warn = c->b->warn_before.d.ms;

	for (size_t i = 0; i < 2; i++) {
		const struct duration *d = &resp[i]->d;
		int64_t span = d->bdays ? d->bdays * 24 * 3600 * 1000LL : d->ms;

		if (warn > 0 && resp[i]->line && warn >= span)
			rbcheck_error(c, resp[i]->line, sec, keys[i], "must be longer than "
			    "the response warning (warn_before in [marketplace], 4h unless "
			    "set)");
	}
}

static void
rbcheck_reason(struct rbcheck *c, int i)
{
	struct rulebook_reason *r = &c->b->reasons[i];
	char sec[80];

	snprintf(sec, sizeof sec, "reason.%s", r->name);
	if (r->preventive && !r->has_actions &&
	    rbcheck_key_at(c, RBCHECK_REASON, i, "actions") == 0)
		rbcheck_error(c, r->line, sec, "actions", "missing (required for a "
		    "preventive reason: the actions the seller may take)");
	if (r->preventive && r->response.line)
		rbcheck_error(c, r->response.line, sec, "response", "a preventive protocol "
		    "has no response clock (SPEC §3)");
	if (r->preventive && r->response_critical.line)
		rbcheck_error(c, r->response_critical.line, sec, "response_critical", "a "
		    "preventive protocol has no response clock (SPEC §3)");
	if (!r->preventive)
		rbcheck_reason_warn(c, r, sec);
}

void
rbcheck_all(struct rbread_refs *refs, struct rulebook *b,
    const struct rulebook_states *st, const struct rbread_errors *err, int market_line)
{
	struct rbcheck c = { refs, b, st, err };

	rbcheck_market(&c, market_line);
	rbcheck_warn(&c);
	for (size_t i = 0; i < refs->n; i++)
		if (refs->notes[i].what == NOTE_WAIT)
			rbcheck_wait(&c, refs->notes[i].index, refs->notes[i].text,
			    refs->notes[i].line);
	for (size_t i = 0; i < b->n_actions; i++)
		rbcheck_action(&c, (int)i);
	rbcheck_clocks(&c);
	for (size_t i = 0; i < refs->n; i++) {
		if (refs->notes[i].what == NOTE_MOVE)
			rbcheck_one_move(&c, &refs->notes[i]);
		else if (refs->notes[i].what == NOTE_ACTIONS)
			rbcheck_reason_list(&c, &refs->notes[i]);
	}
	for (size_t i = 0; i < b->n_events; i++) {
		bool any = false;
		char sec[80];

		for (size_t k = 0; k < refs->n; k++)	/* a line, even a bad one */
			any |= refs->notes[k].what == NOTE_KEY &&
			    refs->notes[k].from == RBCHECK_EVENT &&
			    refs->notes[k].index == (int)i;
		snprintf(sec, sizeof sec, "event.%s", b->events[i].name);
		if (!any)
			rbcheck_error(&c, b->events[i].line, sec, NULL, "no FROM = TO line "
			    "(e.g. awaiting = pending)");
	}
	for (size_t i = 0; i < b->n_reasons; i++)
		rbcheck_reason(&c, (int)i);
}
