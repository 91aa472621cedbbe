#include "render.h"

#include <stdio.h>

#include "civil.h"
#include "deadline.h"
#include "rfc3339.h"
#include "rules.h"

json_t *
render_time(int64_t ms)
{
	char buf[RFC3339_LEN];

	return json_string(rfc3339_format(ms, buf));
}

static json_t *
render_opt_string(const char *s)
{
	return s[0] ? json_string(s) : json_null();
}

static json_t *
render_skips(const struct deadline_explain *ex)
{
	json_t *a = json_array();
	char date[CIVIL_DATE_LEN];

	for (size_t i = 0; i < ex->n_skips && i < DEADLINE_MAX_SKIPS; i++) {
		civil_format_date(ex->skips[i].days, date);
		json_array_append_new(a, json_pack("{s:s, s:s}", "date", date, "why",
		    ex->skips[i].why));
	}
	return a;
}

/* One sentence: "photos_wait = 48h ([deadlines]) from … → due …". */
static json_t *
render_explain_text(const struct protocol *p, const struct deadline_explain *ex)
{
	char from[RFC3339_LEN], due[RFC3339_LEN], date[CIVIL_DATE_LEN], text[512];
	size_t n;

	n = (size_t)snprintf(text, sizeof text, "%s = %s (%s)", ex->rule, ex->value,
	    ex->source);
	if (ex->pickup_day != INT64_MIN) {
		civil_format_date(ex->pickup_day, date);
		n += (size_t)snprintf(text + n, sizeof text - n, " after 00:00 of the pickup "
		    "date %s", date);
	} else
		n += (size_t)snprintf(text + n, sizeof text - n, " from %s",
		    rfc3339_format(p->clock_start, from));
	if (ex->calendar[0] && n < sizeof text)
		n += (size_t)snprintf(text + n, sizeof text - n, ", business days on %s "
		    "skipping %zu day%s", ex->calendar, ex->n_skips, ex->n_skips == 1 ? "" : "s");
	if (n < sizeof text)
		snprintf(text + n, sizeof text - n, " → due %s", rfc3339_format(p->clock_due, due));
	return json_string(text);
}

static json_t *
render_explain(const struct protocol *p, const struct cal *cal)
{
	struct deadline_explain ex;
	char date[CIVIL_DATE_LEN];
	json_t *o;

	if (deadline_explain(p, cal, &ex) != 0)
		return NULL;
	o = json_pack("{s:s, s:s, s:s, s:o, s:o}", "rule", ex.rule, "value", ex.value,
	    "source", ex.source, "started_at", render_time(p->clock_start), "due_at",
	    render_time(p->clock_due));
	if (ex.calendar[0]) {
		json_object_set_new(o, "calendar", json_string(ex.calendar));
		json_object_set_new(o, "skipped", render_skips(&ex));
	}
	if (ex.pickup_day != INT64_MIN) {
		civil_format_date(ex.pickup_day, date);
		json_object_set_new(o, "pickup_date", json_string(date));
	}
	json_object_set_new(o, "text", render_explain_text(p, &ex));
	return o;
}

static json_t *
render_clock(const struct protocol *p, int64_t now, const struct cal *cal)
{
	json_t *explain;
	json_t *c;
	int64_t left = p->clock_due - now;

	if (p->clock == PROTO_CLOCK_NONE)
		return json_null();
	c = json_pack("{s:s, s:o, s:o, s:I}", "kind", proto_clock_name(p->clock),
	    "started_at", render_time(p->clock_start), "due_at", render_time(p->clock_due),
	    /* Rounded up, so a clock with time left never shows 0. */
	    "remaining_s", (json_int_t)(left > 0 ? (left + 999) / 1000 : 0));
	if (p->clock_next < p->clock_due)
		json_object_set_new(c, "warn_at", render_time(p->clock_next));
	if ((explain = render_explain(p, cal)) != NULL)
		json_object_set_new(c, "explain", explain);
	return c;
}

static json_t *
render_attempts(const struct protocol *p)
{
	json_t *o = json_object();

	for (int i = 0; i < PROTO_N_ACTIONS; i++)
		if (p->attempts[i] > 0)
			json_object_set_new(o, rules_action(i)->name,
			    json_integer(p->attempts[i]));
	return o;
}

static json_t *
render_allowed(const struct protocol *p, bool envvias)
{
	const char *names[PROTO_N_ACTIONS];
	size_t n = rules_allowed_actions(p, envvias, names, PROTO_N_ACTIONS);
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(names[i]));
	return a;
}

json_t *
render_protocol(const struct protocol *p, bool envvias, int64_t now, const struct cal *cal)
{
	return json_pack("{s:s, s:s, s:o, s:s, s:o, s:b, s:o, s:s, s:s, s:o, s:o, s:o, "
	    "s:I, s:o}",
	    "id", p->id, "seller", p->seller, "order", render_opt_string(p->order),
	    "origin", proto_origin_name(p->origin), "reason", render_opt_string(p->reason),
	    "critical", p->critical, "opened_at", render_time(p->opened_at),
	    "state", proto_state_name(p->state), "state_label", proto_state_label(p->state),
	    "clock", render_clock(p, now, cal), "attempts", render_attempts(p),
	    "allowed_actions", render_allowed(p, envvias),
	    "version", (json_int_t)p->version, "updated_at", render_time(p->updated_at));
}

json_t *
render_event(const struct proto_event *ev, const char *protocol)
{
	json_t *o = json_pack("{s:I, s:s, s:o, s:o, s:s, s:s, s:s}",
	    "seq", (json_int_t)ev->seq, "protocol", protocol, "at", render_time(ev->at),
	    "from", ev->from >= 0 ? json_string(proto_state_name(ev->from)) : json_null(),
	    "to", proto_state_name(ev->to), "cause", proto_cause_name(ev->cause),
	    "name", ev->name);
	json_t *detail;

	if (ev->due_at != 0) {
		json_object_set_new(o, "due_at", render_time(ev->due_at));
		json_object_set_new(o, "late_ms", json_integer(ev->late_ms));
	}
	if (ev->detail != NULL && (detail = json_loads(ev->detail, 0, NULL)) != NULL)
		json_object_set_new(o, "detail", detail);
	return o;
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

json_t *
render_problem(const struct problem *pb)
{
	json_t *o = json_pack("{s:s+, s:s, s:i, s:s, s:s}",
	    "type", "urn:protocold:problem:", pb->code, "title",
	    render_status_title(pb->status), "status", pb->status, "detail", pb->detail,
	    "code", pb->code);

	if (pb->list_allowed) {
		json_t *a = json_array();

		for (size_t i = 0; i < pb->n_allowed; i++)
			json_array_append_new(a, json_string(pb->allowed[i]));
		json_object_set_new(o, "allowed", a);
	}
	return o;
}

json_t *
render_state_counts(const int64_t *counts)
{
	json_t *o = json_object();

	for (int s = 0; s < PROTO_N_STATES; s++)
		json_object_set_new(o, proto_state_name(s), json_integer(counts[s]));
	return o;
}
