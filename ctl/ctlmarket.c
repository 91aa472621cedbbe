/*
 * marketplaces: the loaded rulebooks as a table (GET /v1/marketplaces), or one of them
 * (GET /v1/marketplaces/NAME) as its deadlines, then tables of its actions, events and
 * reasons. As in ctlshow, whatever member is missing prints as "-".
 */

#include "ctlmarket.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlarg.h"
#include "ctlout.h"
#include "ctlreq.h"
#include "xmalloc.h"

/* A cell: a reason's actions may name 64 actions of up to 48 characters. */
#define CTLMARKET_CELL 4096
#define CTLMARKET_COLS 9
#define CTLMARKET_WORD 64	/* a value ctlout_value writes: a number, yes/no */

struct ctlmarket_row {
	const char *cell[CTLMARKET_COLS];
	char buf[CTLMARKET_COLS][CTLMARKET_CELL];
};

/* Member key of o for people, in buf (CTLMARKET_CELL bytes). */
static const char *
ctlmarket_get(const json_t *o, const char *key, char *buf)
{
	return ctlout_value(json_object_get(o, key), buf, CTLMARKET_CELL);
}

/* How many members the array key of o has, or "-". */
static const char *
ctlmarket_count(const json_t *o, const char *key, char *buf)
{
	const json_t *a = json_object_get(o, key);

	if (!json_is_array(a))
		return "-";
	snprintf(buf, CTLMARKET_CELL, "%zu", json_array_size(a));
	return buf;
}

/* Append ", " (after the first) and s to buf (CTLMARKET_CELL bytes). */
static void
ctlmarket_append(char *buf, size_t i, const char *s)
{
	size_t n = strlen(buf);

	snprintf(buf + n, CTLMARKET_CELL - n, "%s%s", i > 0 ? ", " : "", s);
}

/* "a, b, c" of an array of strings; none for null or missing, "-" when empty. */
static const char *
ctlmarket_names(const json_t *a, const char *none, char *buf)
{
	char word[CTLMARKET_WORD];
	const json_t *v;
	size_t i;

	if (!json_is_array(a))
		return none;
	buf[0] = '\0';
	json_array_foreach(a, i, v)
		ctlmarket_append(buf, i, ctlout_value(v, word, sizeof word));
	return buf[0] != '\0' ? buf : "-";
}

/* An action's parameters: "pickup_date:date_future, note:text", or "-". */
static const char *
ctlmarket_params(const json_t *params, char *buf)
{
	char w1[CTLMARKET_WORD], w2[CTLMARKET_WORD], one[2 * CTLMARKET_WORD + 2];
	const json_t *p;
	size_t i;

	buf[0] = '\0';
	json_array_foreach(params, i, p) {
		snprintf(one, sizeof one, "%s:%s",
		    ctlout_value(json_object_get(p, "name"), w1, sizeof w1),
		    ctlout_value(json_object_get(p, "type"), w2, sizeof w2));
		ctlmarket_append(buf, i, one);
	}
	return buf[0] != '\0' ? buf : "-";
}

/* An event's moves: "awaiting -> pending, awaiting.request_photos -> resolved". */
static const char *
ctlmarket_moves(const json_t *moves, char *buf)
{
	char w1[CTLMARKET_WORD], w2[CTLMARKET_WORD], one[CTLMARKET_CELL / 8];
	const json_t *m;
	const char *on;
	size_t i;

	buf[0] = '\0';
	json_array_foreach(moves, i, m) {
		on = json_string_value(json_object_get(m, "waiting_on"));
		snprintf(one, sizeof one, "%s%s%s -> %s",
		    ctlout_value(json_object_get(m, "from"), w1, sizeof w1),
		    on != NULL ? "." : "", on != NULL ? on : "",
		    ctlout_value(json_object_get(m, "to"), w2, sizeof w2));
		ctlmarket_append(buf, i, one);
	}
	return buf[0] != '\0' ? buf : "-";
}

/* Add a row per element of the array key of o, made by fill. */
static void
ctlmarket_rows(struct ctlout_table *t, const json_t *o, const char *key,
    void (*fill)(const json_t *, struct ctlmarket_row *))
{
	struct ctlmarket_row *r = xcalloc(1, sizeof *r);
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(o, key), i, v) {
		fill(v, r);
		ctlout_table_add(t, r->cell);
	}
	free(r);
}

static void
ctlmarket_book_row(const json_t *b, struct ctlmarket_row *r)
{
	static const char *const keys[] = { "name", "title", "default", "file" };
	size_t c;

	for (c = 0; c < 4; c++)
		r->cell[c] = ctlmarket_get(b, keys[c], r->buf[c]);
	r->cell[4] = ctlmarket_count(b, "actions", r->buf[4]);
	r->cell[5] = ctlmarket_count(b, "events", r->buf[5]);
	r->cell[6] = ctlmarket_count(b, "reasons", r->buf[6]);
	r->cell[7] = ctlmarket_get(b, "response", r->buf[7]);
	r->cell[8] = ctlmarket_get(b, "response_critical", r->buf[8]);
}

/* GET /v1/marketplaces: a row per rulebook. */
static void
ctlmarket_show_list(const json_t *answer, int status)
{
	static const char *const header[] = { "NAME", "TITLE", "DEFAULT", "FILE",
	    "ACTIONS", "EVENTS", "REASONS", "RESPONSE", "CRITICAL" };
	struct ctlout_table *t = ctlout_table_new(9, header);

	ctlmarket_rows(t, answer, "items", ctlmarket_book_row);
	ctlout_table_print(t, stdout);
	ctlout_table_free(t);
}

static void
ctlmarket_action_row(const json_t *a, struct ctlmarket_row *r)
{
	r->cell[0] = ctlmarket_get(a, "name", r->buf[0]);
	r->cell[1] = ctlmarket_get(a, "label", r->buf[1]);
	r->cell[2] = ctlmarket_get(a, "to", r->buf[2]);
	r->cell[3] = ctlmarket_get(a, "wait", r->buf[3]);
	r->cell[4] = ctlmarket_params(json_object_get(a, "params"), r->buf[4]);
}

static void
ctlmarket_event_row(const json_t *e, struct ctlmarket_row *r)
{
	r->cell[0] = ctlmarket_get(e, "name", r->buf[0]);
	r->cell[1] = ctlmarket_moves(json_object_get(e, "moves"), r->buf[1]);
}

/* A reason's actions: null means all of the rulebook's. */
static void
ctlmarket_reason_row(const json_t *rs, struct ctlmarket_row *r)
{
	r->cell[0] = ctlmarket_get(rs, "name", r->buf[0]);
	r->cell[1] = ctlmarket_get(rs, "origin", r->buf[1]);
	r->cell[2] = ctlmarket_get(rs, "label", r->buf[2]);
	r->cell[3] = ctlmarket_get(rs, "response", r->buf[3]);
	r->cell[4] = ctlmarket_get(rs, "response_critical", r->buf[4]);
	r->cell[5] = ctlmarket_names(json_object_get(rs, "actions"), "all", r->buf[5]);
}

/* A blank line, then a table of the array key of b. */
static void
ctlmarket_table(const json_t *b, const char *key, size_t ncols,
    const char *const *header, void (*fill)(const json_t *, struct ctlmarket_row *))
{
	struct ctlout_table *t = ctlout_table_new(ncols, header);

	ctlmarket_rows(t, b, key, fill);
	printf("\n");
	ctlout_table_print(t, stdout);
	ctlout_table_free(t);
}

static void
ctlmarket_line(const char *label, const json_t *o, const char *key)
{
	char buf[CTLMARKET_CELL];

	ctlout_kv(label, "%s", ctlmarket_get(o, key, buf));
}

/* The rulebook's own lines: what it is, and its deadlines. */
static void
ctlmarket_deadlines(const json_t *b)
{
	ctlmarket_line("marketplace", b, "name");
	ctlmarket_line("title", b, "title");
	ctlmarket_line("default", b, "default");
	ctlmarket_line("file", b, "file");
	ctlmarket_line("calendar", b, "calendar");
	ctlmarket_line("response", b, "response");
	ctlmarket_line("response critical", b, "response_critical");
	ctlmarket_line("warn before", b, "warn_before");
	ctlmarket_line("reply window", b, "reply_window");
}

/* GET /v1/marketplaces/NAME: the deadlines, then actions, events, reasons. */
static void
ctlmarket_show_book(const json_t *b, int status)
{
	static const char *const actions[] = { "ACTION", "LABEL", "TO", "WAIT", "PARAMS" };
	static const char *const events[] = { "EVENT", "MOVES" };
	static const char *const reasons[] = { "REASON", "ORIGIN", "LABEL", "RESPONSE",
	    "CRITICAL", "ACTIONS" };

	ctlmarket_deadlines(b);
	ctlmarket_table(b, "actions", 5, actions, ctlmarket_action_row);
	ctlmarket_table(b, "events", 2, events, ctlmarket_event_row);
	ctlmarket_table(b, "reasons", 6, reasons, ctlmarket_reason_row);
}

int
ctlmarket_marketplaces(struct ctl_opts *o, int argc, char **argv)
{
	static const struct option opts[] = { CTLARG_LONGOPTS };
	struct ctlreq rq = { .method = "GET", .target = "/v1/marketplaces",
	    .show = ctlmarket_show_list };
	char *target = NULL;
	int rc;

	if ((rc = ctlarg_parse(o, argc, argv, opts, NULL, NULL)) != CTL_EXIT_OK ||
	    (rc = ctlarg_count(argc, argv, 0, 1)) != CTL_EXIT_OK)
		return rc;
	if (optind < argc) {
		if ((rc = ctlarg_market("marketplace", argv[optind])) != CTL_EXIT_OK)
			return rc;
		rq.target = target = xasprintf("/v1/marketplaces/%s", argv[optind]);
		rq.show = ctlmarket_show_book;
	}
	rc = ctlreq_run(o, &rq);
	free(target);
	return rc;
}
