/*
 * Views of the daemon's objects for people. Only what the API contract promises is
 * read; whatever is missing prints as "-", so a daemon a version apart still shows.
 */

#include "ctlshow.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ctlout.h"
#include "rfc3339.h"

#define CTLSHOW_BUF CTLSHOW_CELL

/* Member key of o for people, in buf (CTLSHOW_BUF bytes). */
static const char *
ctlshow_get(const json_t *o, const char *key, char *buf)
{
	return ctlout_value(json_object_get(o, key), buf, CTLSHOW_BUF);
}

static void
ctlshow_line(const char *label, const json_t *o, const char *key)
{
	char buf[CTLSHOW_BUF];

	ctlout_kv(label, "%s", ctlshow_get(o, key, buf));
}

/* "key n, key n" of an object of counts, or "-". */
static void
ctlshow_counts(const char *label, const json_t *o)
{
	char out[CTLSHOW_BUF] = "", buf[64];
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)o, k, v)
		snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s %s",
		    out[0] != '\0' ? ", " : "", k, ctlout_value(v, buf, sizeof buf));
	ctlout_kv(label, "%s", out[0] != '\0' ? out : "-");
}

/* "a, b, c" of an array of strings, or none. */
static void
ctlshow_list(const char *label, const json_t *a, const char *none)
{
	char out[CTLSHOW_BUF] = "", buf[CTLSHOW_BUF];
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v)
		snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s",
		    i > 0 ? ", " : "", ctlout_value(v, buf, sizeof buf));
	ctlout_kv(label, "%s", out[0] != '\0' ? out : none);
}

/* The explanation's sentence (clock.explain.text), when the daemon gives one. */
static void
ctlshow_explain(const json_t *ex)
{
	const char *text = json_string_value(json_object_get(ex, "text"));

	if (text != NULL)
		ctlout_kv("explain", "%s", text);
}

static void
ctlshow_clock_lines(const json_t *clock)
{
	json_t *rem = json_object_get(clock, "remaining_s");
	char buf[CTLSHOW_BUF];
	long long s;

	if (!json_is_object(clock)) {
		ctlout_kv("clock", "none");
		return;
	}
	ctlshow_line("clock", clock, "kind");
	ctlshow_line("started at", clock, "started_at");
	ctlshow_line("due at", clock, "due_at");
	if (json_is_integer(rem)) {
		s = (long long)json_integer_value(rem);
		ctlout_kv("remaining", "%s%s", ctlout_span(s > 0 ? s : -s, buf, sizeof buf),
		    s > 0 ? "" : " overdue");
	}
	if (json_object_get(clock, "warn_at") != NULL)
		ctlshow_line("warn at", clock, "warn_at");
	ctlshow_explain(json_object_get(clock, "explain"));
}

void
ctlshow_protocol(const json_t *p, int status)
{
	char b1[CTLSHOW_BUF], b2[CTLSHOW_BUF];
	const char *state = json_string_value(json_object_get(p, "state"));
	const char *label = json_string_value(json_object_get(p, "state_label"));

	ctlshow_line("id", p, "id");
	ctlshow_line("seller", p, "seller");
	if (json_object_get(p, "marketplace") != NULL)
		ctlshow_line("marketplace", p, "marketplace");
	ctlshow_line("order", p, "order");
	ctlshow_line("origin", p, "origin");
	ctlshow_line("reason", p, "reason");
	ctlshow_line("critical", p, "critical");
	ctlshow_line("opened at", p, "opened_at");
	if (label == NULL)
		label = ctlout_state_label(state);
	ctlout_kv("state", "%s%s%s%s", ctlshow_get(p, "state", b1), label ? " (" : "",
	    label ? label : "", label ? ")" : "");
	ctlshow_clock_lines(json_object_get(p, "clock"));
	ctlshow_counts("attempts", json_object_get(p, "attempts"));
	ctlshow_list("allowed", json_object_get(p, "allowed_actions"),
	    json_is_array(json_object_get(p, "allowed_actions")) ? "none" : "-");
	ctlout_kv("version", "%s", ctlshow_get(p, "version", b2));
	ctlshow_line("updated at", p, "updated_at");
}

const char *const ctlshow_feed_header[] = {
	"SEQ", "AT", "PROTOCOL", "FROM", "TO", "CAUSE", "NAME", "LATE"
};
const char *const ctlshow_history_header[] = {
	"SEQ", "AT", "FROM", "TO", "CAUSE", "NAME", "LATE"
};
const char *const ctlshow_list_header[] = {
	"ID", "SELLER", "STATE", "CLOCK", "DUE_AT", "VERSION", "MARKETPLACE"
};

size_t
ctlshow_entry_row(const json_t *e, int with_protocol, struct ctlshow_row *r)
{
	static const char *const keys[] = {
		"seq", "at", "protocol", "from", "to", "cause", "name"
	};
	json_t *late = json_object_get(e, "late_ms");
	size_t c, n;

	for (c = 0, n = 0; c < 7; c++)
		if (with_protocol || c != 2) {
			r->cell[n] = ctlshow_get(e, keys[c], r->buf[n]);
			n++;
		}
	r->cell[n] = json_is_integer(late) ? ctlout_span_ms(
	    (long long)json_integer_value(late), r->buf[n], CTLSHOW_CELL) : "-";
	return n + 1;
}

size_t
ctlshow_list_row(const json_t *p, struct ctlshow_row *r)
{
	const json_t *clock = json_object_get(p, "clock");

	r->cell[0] = ctlshow_get(p, "id", r->buf[0]);
	r->cell[1] = ctlshow_get(p, "seller", r->buf[1]);
	r->cell[2] = ctlshow_get(p, "state", r->buf[2]);
	r->cell[3] = ctlshow_get(clock, "kind", r->buf[3]);
	r->cell[4] = ctlshow_get(clock, "due_at", r->buf[4]);
	r->cell[5] = ctlshow_get(p, "version", r->buf[5]);
	r->cell[6] = ctlshow_get(p, "marketplace", r->buf[6]);
	return CTLSHOW_LIST_COLS;
}

void
ctlshow_events(const json_t *answer, int status)
{
	struct ctlout_table *t = ctlout_table_new(8, ctlshow_feed_header);
	struct ctlshow_row r;
	char buf[CTLSHOW_BUF];
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(answer, "items"), i, e) {
		ctlshow_entry_row(e, 1, &r);
		ctlout_table_add(t, r.cell);
	}
	ctlout_table_print(t, stdout);
	ctlout_table_free(t);
	if (ctlout_has_legend())
		printf("next: %s\n", ctlshow_get(answer, "next", buf));
}

static int
ctlshow_known(const char *key, const char *const *order)
{
	for (; *order != NULL; order++)
		if (strcmp(key, *order) == 0)
			return 1;
	return 0;
}

void
ctlshow_by(const json_t *counts, const char *const *order, int all)
{
	char label[80], buf[64];
	const char *k;
	json_t *v;
	size_t i;

	for (i = 0; order[i] != NULL; i++) {
		v = json_object_get(counts, order[i]);
		snprintf(label, sizeof label, "  %s", order[i]);
		if (v != NULL)
			ctlout_kv(label, "%s", ctlout_value(v, buf, sizeof buf));
		else if (all)
			ctlout_kv(label, "0");
	}
	json_object_foreach((json_t *)counts, k, v) {
		snprintf(label, sizeof label, "  %s", k);
		if (!ctlshow_known(k, order))
			ctlout_kv(label, "%s", ctlout_value(v, buf, sizeof buf));
	}
}

static void
ctlshow_next_due(const json_t *nd, const json_t *now)
{
	char b1[CTLSHOW_BUF], b2[CTLSHOW_BUF], b3[CTLSHOW_BUF], span[64] = "";
	const char *at = json_string_value(json_object_get(nd, "at"));
	int64_t at_ms, now_ms;

	if (!json_is_object(nd)) {
		ctlout_kv("next due", "none");
		return;
	}
	if (at != NULL && json_is_string(now) && rfc3339_parse(at, &at_ms) == 0 &&
	    rfc3339_parse(json_string_value(now), &now_ms) == 0) {
		strcpy(span, at_ms >= now_ms ? " (in " : " (overdue by ");
		ctlout_span((at_ms > now_ms ? at_ms - now_ms : now_ms - at_ms) / 1000,
		    span + strlen(span), sizeof span - strlen(span) - 1);
		strcat(span, ")");
	}
	ctlout_kv("next due", "%s %s at %s%s", ctlshow_get(nd, "protocol", b1),
	    ctlshow_get(nd, "kind", b2), ctlshow_get(nd, "at", b3), span);
}

void
ctlshow_stats(const json_t *st, int status)
{
	const json_t *prot = json_object_get(st, "protocols");
	const json_t *clocks = json_object_get(st, "clocks");
	const json_t *up = json_object_get(st, "uptime_s");
	char buf[64];

	ctlshow_line("protocols", prot, "total");
	ctlshow_by(json_object_get(prot, "by_state"), ctlout_states, 1);
	ctlshow_line("clocks running", clocks, "running");
	ctlshow_by(json_object_get(clocks, "by_kind"), ctlout_kinds, 0);
	ctlshow_next_due(json_object_get(clocks, "next_due"), json_object_get(st, "now"));
	ctlshow_line("expirations fired", st, "expirations_fired");
	ctlshow_line("warnings fired", st, "warnings_fired");
	ctlout_kv("uptime", "%s", json_is_integer(up) ?
	    ctlout_span((long long)json_integer_value(up), buf, sizeof buf) : "-");
	ctlshow_line("daemon time", st, "now");
}

/* GET /v1/cluster: a line on the whole, then a row per instance. */
void
ctlshow_cluster(const json_t *c, int status)
{
	static const char *const header[] = { "INSTANCE", "ALIVE", "SHARDS", "HEARTBEAT",
	    "HOST", "PID" };
	struct ctlout_table *t = ctlout_table_new(6, header);
	const json_t *m;
	size_t i;
	char name[96], owned[16], pid[16];

	ctlshow_line("store", c, "store");
	ctlshow_line("this instance", c, "instance");
	ctlshow_line("shards", c, "shards");
	json_array_foreach(json_object_get(c, "instances"), i, m) {
		const char *cells[6] = { name,
			json_is_true(json_object_get(m, "alive")) ? "yes" : "no", owned,
			json_string_value(json_object_get(m, "heartbeat_at")),
			json_string_value(json_object_get(m, "host")), pid };

		snprintf(name, sizeof name, "%s%s",
		    json_string_value(json_object_get(m, "instance")),
		    json_is_true(json_object_get(m, "self")) ? " (this one)" : "");
		snprintf(owned, sizeof owned, "%lld",
		    (long long)json_integer_value(json_object_get(m, "owned")));
		snprintf(pid, sizeof pid, "%lld",
		    (long long)json_integer_value(json_object_get(m, "pid")));
		ctlout_table_add(t, cells);
	}
	printf("\n");
	ctlout_table_print(t, stdout);
	ctlout_table_free(t);
}

void
ctlshow_seller(const json_t *s, int status)
{
	const json_t *counts = json_object_get(s, "counts");

	ctlshow_line("seller", s, "id");
	ctlshow_line("envvias", s, "envvias");
	if (json_is_object(counts)) {
		ctlout_kv("protocols", "%s", "");
		ctlshow_by(counts, ctlout_states, 1);
	}
	if (json_object_get(s, "mediations_30d") != NULL)
		ctlshow_line("mediations (30 d)", s, "mediations_30d");
}

void
ctlshow_clock(const json_t *c, int status)
{
	const json_t *applied = json_object_get(c, "applied");
	char buf[CTLSHOW_BUF];

	if (json_is_integer(applied))	/* after a move: the clocks it made fire */
		printf("%s (%lld fired)\n", ctlshow_get(c, "now", buf),
		    (long long)json_integer_value(applied));
	else
		printf("%s\n", ctlshow_get(c, "now", buf));
}

void
ctlshow_reload(const json_t *r, int status)
{
	char buf[CTLSHOW_BUF];

	printf("reloaded %s\n", ctlshow_get(r, "config", buf));
}
