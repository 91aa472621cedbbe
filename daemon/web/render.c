#include "render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "deadline.h"
#include "rfc3339.h"
#include "rules.h"
#include "xmalloc.h"

/*
 * The arrays of allowed actions are written by their set: protocols share a handful
 * of sets, and writing a dozen names one by one cost 2k instructions of a GET. Loop
 * thread only, as every rendering.
 */
#define RENDER_ALLOWED_SLOTS 8
#define RENDER_ALLOWED_LEN 4096

/* A set of a rulebook's actions, as allowed_actions and allowed_action_labels. */
struct render_allowed {
	bool used;
	const struct rulebook *book;
	uint64_t mask;
	size_t len;
	char text[RENDER_ALLOWED_LEN];
};

struct render {
	const struct config *cfg;	/* the rulebooks (render_configure) */
	struct render_allowed memo[RENDER_ALLOWED_SLOTS];
	size_t next;		/* the slot the next new set takes */
};

struct render *
render_new(void)
{
	return xcalloc(1, sizeof(struct render));
}

void
render_configure(struct render *r, const struct config *cfg)
{
	/* The sets name the rulebooks of the configuration they were written under. */
	memset(r->memo, 0, sizeof r->memo);
	r->next = 0;
	r->cfg = cfg;
}

void
render_free(struct render *r)
{
	free(r);
}

void
render_time(struct jsonw *w, int64_t ms)
{
	char buf[RFC3339_LEN];

	jsonw_str(w, rfc3339_format(ms, buf));
}

static void
render_skips(struct jsonw *w, const struct deadline_explain *ex)
{
	char date[CIVIL_DATE_LEN];

	jsonw_arr(w);
	for (size_t i = 0; i < ex->n_skips && i < DEADLINE_MAX_SKIPS; i++) {
		civil_format_date(ex->skips[i].days, date);
		jsonw_obj(w);
		jsonw_key(w, "date");
		jsonw_str(w, date);
		jsonw_key(w, "why");
		jsonw_str(w, ex->skips[i].why);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
}

#define RENDER_TEXT_LEN 512

/* Appends s to text (of size RENDER_TEXT_LEN) at *n, cut at the end. */
static void
render_cat(char *text, size_t *n, const char *s)
{
	size_t len = strlen(s);

	if (len > RENDER_TEXT_LEN - 1 - *n)
		len = RENDER_TEXT_LEN - 1 - *n;
	memcpy(text + *n, s, len);
	*n += len;
	text[*n] = '\0';
}

/* One sentence: "photos_wait = 48h ([deadlines]) from … → due …". Pieces appended by
 * hand: with snprintf they cost a fifth of a GET's rendering. */
static void
render_explain_text(struct jsonw *w, const struct deadline_explain *ex, const char *from,
    const char *due)
{
	char date[CIVIL_DATE_LEN], text[RENDER_TEXT_LEN], num[24];
	size_t n = 0;

	render_cat(text, &n, ex->rule);
	render_cat(text, &n, " = ");
	render_cat(text, &n, ex->value);
	render_cat(text, &n, " (");
	render_cat(text, &n, ex->source);
	render_cat(text, &n, ")");
	if (ex->pickup_day != INT64_MIN) {
		civil_format_date(ex->pickup_day, date);
		render_cat(text, &n, strcmp(ex->date_param, "pickup_date") == 0 ?
		    " after 00:00 of the pickup date " : " after 00:00 of ");
		if (strcmp(ex->date_param, "pickup_date") != 0) {
			render_cat(text, &n, ex->date_param);
			render_cat(text, &n, " ");
		}
		render_cat(text, &n, date);
	} else {
		render_cat(text, &n, " from ");
		render_cat(text, &n, from);
	}
	if (ex->calendar[0]) {
		snprintf(num, sizeof num, "%zu", ex->n_skips);
		render_cat(text, &n, ", business days on ");
		render_cat(text, &n, ex->calendar);
		render_cat(text, &n, " skipping ");
		render_cat(text, &n, num);
		render_cat(text, &n, ex->n_skips == 1 ? " day" : " days");
	}
	render_cat(text, &n, " → due ");
	render_cat(text, &n, due);
	jsonw_str(w, text);
}

/* The rule the clock started under, as it keeps it (doc/rules.md): where it leads,
 * the attempt it counts, and the rulebook, file and line of its value. */
static void
render_explain_book(struct jsonw *w, const struct deadline_explain *ex)
{
	if (ex->to[0]) {
		jsonw_key(w, "on_expiry");
		jsonw_str(w, ex->to);
	}
	if (ex->attempt[0]) {
		jsonw_key(w, "counts_attempt_of");
		jsonw_str(w, ex->attempt);
	}
	if (!ex->book[0])
		return;
	jsonw_key(w, "rulebook");
	jsonw_str(w, ex->book);
	jsonw_key(w, "file");
	jsonw_str(w, ex->file);
	jsonw_key(w, "line");
	jsonw_int(w, ex->line);
}

/* The "explain" member of the clock, when the clock has its rule text; from and due
 * are the clock's start and due instants, already written. */
static void
render_explain(struct jsonw *w, const struct protocol *p, const struct cal *cal,
    const char *from, const char *due)
{
	struct deadline_explain ex;
	char date[CIVIL_DATE_LEN];

	if (deadline_explain(p, cal, &ex) != 0)
		return;
	jsonw_key(w, "explain");
	jsonw_obj(w);
	jsonw_key(w, "rule");
	jsonw_str(w, ex.rule);
	jsonw_key(w, "value");
	jsonw_str(w, ex.value);
	jsonw_key(w, "source");
	jsonw_str(w, ex.source);
	jsonw_key(w, "started_at");
	jsonw_str(w, from);
	jsonw_key(w, "due_at");
	jsonw_str(w, due);
	if (ex.calendar[0]) {
		jsonw_key(w, "calendar");
		jsonw_str(w, ex.calendar);
		jsonw_key(w, "skipped");
		render_skips(w, &ex);
	}
	if (ex.pickup_day != INT64_MIN) {
		civil_format_date(ex.pickup_day, date);
		jsonw_key(w, ex.date_param);
		jsonw_str(w, date);
	}
	render_explain_book(w, &ex);
	jsonw_key(w, "text");
	render_explain_text(w, &ex, from, due);
	jsonw_obj_end(w);
}

/* The name of p's clock kind (as the rulebooks loaded call it, else as its rule text
 * keeps it), in buf when it comes from there. */
static const char *
render_kind(const struct render *r, const struct protocol *p, char *buf, size_t len)
{
	const char *name = r->cfg != NULL ? rules_kind_name(r->cfg, p->clock) : NULL;

	if (name != NULL)
		return name;
	deadline_kind(p, buf, len);
	return buf[0] ? buf : "clock";
}

static void
render_clock(struct render *r, struct jsonw *w, const struct protocol *p, int64_t now,
    const struct cal *cal)
{
	const struct rulebook *b = r->cfg != NULL ? rules_book(r->cfg, p) : NULL;
	char from[RFC3339_LEN], due[RFC3339_LEN], kind[RULEBOOK_ID_MAX + 1];
	int64_t left = p->clock_due - now;

	if (p->clock == PROTO_CLOCK_NONE) {
		jsonw_null(w);
		return;
	}
	/* Each instant is shown twice (here and in the explanation): written once. */
	rfc3339_format(p->clock_start, from);
	rfc3339_format(p->clock_due, due);
	jsonw_obj(w);
	jsonw_key(w, "kind");
	jsonw_str(w, render_kind(r, p, kind, sizeof kind));
	jsonw_key(w, "started_at");
	jsonw_str(w, from);
	jsonw_key(w, "due_at");
	jsonw_str(w, due);
	/* Rounded up, so a clock with time left never shows 0. */
	jsonw_key(w, "remaining_s");
	jsonw_int(w, left > 0 ? (left + 999) / 1000 : 0);
	if (p->clock_next < p->clock_due) {
		jsonw_key(w, "warn_at");
		render_time(w, p->clock_next);
	}
	/* Business days counted on the calendar of its rulebook. */
	render_explain(w, p, b != NULL && b->cal != NULL ? b->cal : cal, from, due);
	jsonw_obj_end(w);
}

static void
render_attempt(const char *name, size_t len, unsigned n, void *arg)
{
	struct jsonw *w = arg;
	char key[RULEBOOK_ID_MAX + 1];

	if (len > RULEBOOK_ID_MAX || n == 0)
		return;
	memcpy(key, name, len);
	key[len] = '\0';
	jsonw_key(w, key);
	jsonw_int(w, n);
}

static void
render_attempts(struct jsonw *w, const struct protocol *p)
{
	jsonw_obj(w);
	rules_attempts_each(p->attempts, render_attempt, w);
	jsonw_obj_end(w);
}

/* "allowed_actions": [names…], "allowed_action_labels": {name: label…} of b's
 * actions in mask. */
static void
render_allowed_members(struct jsonw *w, const struct rulebook *b, uint64_t mask)
{
	jsonw_key(w, "allowed_actions");
	jsonw_arr(w);
	for (size_t i = 0; b != NULL && i < b->n_actions; i++)
		if (mask & (UINT64_C(1) << i))
			jsonw_str(w, b->actions[i].name);
	jsonw_arr_end(w);
	jsonw_key(w, "allowed_action_labels");
	jsonw_obj(w);
	for (size_t i = 0; b != NULL && i < b->n_actions; i++)
		if (mask & (UINT64_C(1) << i)) {
			jsonw_key(w, b->actions[i].name);
			jsonw_str(w, b->actions[i].label);
		}
	jsonw_obj_end(w);
}

/* The allowed actions of p, from r's memo or written there. */
static void
render_allowed(struct render *r, struct jsonw *w, const struct protocol *p, bool envvias)
{
	const struct rulebook *b = r->cfg != NULL ? rules_book(r->cfg, p) : NULL;
	uint64_t mask = rules_allowed_mask(b, p, envvias);
	struct render_allowed *m;
	struct jsonw a;

	for (size_t i = 0; i < RENDER_ALLOWED_SLOTS; i++) {
		m = &r->memo[i];
		if (m->used && m->book == b && m->mask == mask) {
			jsonw_raw(w, m->text, m->len);
			return;
		}
	}
	jsonw_init(&a, w->pool);
	/* Written as members of an object, the object's braces left out. */
	jsonw_obj(&a);
	render_allowed_members(&a, b, mask);
	jsonw_obj_end(&a);
	m = &r->memo[r->next];
	if (a.len - 2 < sizeof m->text) {
		memcpy(m->text, a.buf + 1, a.len - 2);
		m->len = a.len - 2;
		m->book = b;
		m->mask = mask;
		m->used = true;
		r->next = (r->next + 1) % RENDER_ALLOWED_SLOTS;
	}
	jsonw_raw(w, a.buf + 1, a.len - 2);
	jsonw_free(&a);
}

void
render_protocol(struct render *r, struct jsonw *w, const struct protocol *p, bool envvias,
    int64_t now, const struct cal *cal)
{
	jsonw_obj(w);
	jsonw_key(w, "id");
	jsonw_str(w, p->id);
	jsonw_key(w, "seller");
	jsonw_str(w, p->seller);
	jsonw_key(w, "marketplace");
	jsonw_str(w, p->marketplace);
	jsonw_key(w, "order");
	jsonw_str_or_null(w, p->order);
	jsonw_key(w, "origin");
	jsonw_str(w, proto_origin_name(p->origin));
	jsonw_key(w, "reason");
	jsonw_str_or_null(w, p->reason);
	jsonw_key(w, "critical");
	jsonw_bool(w, p->critical);
	jsonw_key(w, "opened_at");
	render_time(w, p->opened_at);
	jsonw_key(w, "state");
	jsonw_str(w, proto_state_name(p->state));
	jsonw_key(w, "state_label");
	jsonw_str(w, proto_state_label(p->state));
	jsonw_key(w, "clock");
	render_clock(r, w, p, now, cal);
	jsonw_key(w, "attempts");
	render_attempts(w, p);
	render_allowed(r, w, p, envvias);
	jsonw_key(w, "version");
	jsonw_int(w, p->version);
	jsonw_key(w, "updated_at");
	render_time(w, p->updated_at);
	jsonw_obj_end(w);
}

/*
 * The members are those jansson wrote before (json_pack in this order, then due_at and
 * late_ms, then detail). detail is JSON object text the API wrote with a compact dump
 * (api.c): parsed and dumped again it was the same text, so it is copied as it is; text
 * that is not an object is left out, as a failed parse left it out.
 */
void
render_event(struct jsonw *w, const struct proto_event *ev, const char *protocol)
{
	size_t n = ev->detail != NULL ? strlen(ev->detail) : 0;

	jsonw_obj(w);
	jsonw_key(w, "seq");
	jsonw_int(w, ev->seq);
	jsonw_key(w, "protocol");
	jsonw_str(w, protocol);
	jsonw_key(w, "at");
	render_time(w, ev->at);
	jsonw_key(w, "from");
	if (ev->from >= 0)
		jsonw_str(w, proto_state_name(ev->from));
	else
		jsonw_null(w);
	jsonw_key(w, "to");
	jsonw_str(w, proto_state_name(ev->to));
	jsonw_key(w, "cause");
	jsonw_str(w, proto_cause_name(ev->cause));
	jsonw_key(w, "name");
	jsonw_str(w, ev->name);
	if (ev->due_at != 0) {
		jsonw_key(w, "due_at");
		render_time(w, ev->due_at);
		jsonw_key(w, "late_ms");
		jsonw_int(w, ev->late_ms);
	}
	if (n >= 2 && ev->detail[0] == '{' && ev->detail[n - 1] == '}') {
		jsonw_key(w, "detail");
		jsonw_raw(w, ev->detail, n);
	}
	jsonw_obj_end(w);
}

const char *
render_status_title(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 422: return "Unprocessable Content";
	case 503: return "Service Unavailable";
	default: return status >= 500 ? "Internal Server Error" : "Error";
	}
}

void
render_problem_open(struct jsonw *w, const struct problem *pb)
{
	char type[128];

	snprintf(type, sizeof type, "urn:protocold:problem:%s", pb->code);
	jsonw_obj(w);
	jsonw_key(w, "type");
	jsonw_str(w, type);
	jsonw_key(w, "title");
	jsonw_str(w, render_status_title(pb->status));
	jsonw_key(w, "status");
	jsonw_int(w, pb->status);
	jsonw_key(w, "detail");
	jsonw_str(w, pb->detail);
	jsonw_key(w, "code");
	jsonw_str(w, pb->code);
	if (pb->list_allowed) {
		jsonw_key(w, "allowed");
		jsonw_arr(w);
		for (size_t i = 0; i < pb->n_allowed; i++)
			jsonw_str(w, pb->allowed[i]);
		jsonw_arr_end(w);
	}
}

void
render_problem(struct jsonw *w, const struct problem *pb)
{
	render_problem_open(w, pb);
	jsonw_obj_end(w);
}

void
render_state_counts(struct jsonw *w, const int64_t *counts)
{
	jsonw_obj(w);
	for (int s = 0; s < PROTO_N_STATES; s++) {
		jsonw_key(w, proto_state_name(s));
		jsonw_int(w, counts[s]);
	}
	jsonw_obj_end(w);
}
