/*
 * Paged lists. A pager asks for pages of at most CTLLIST_PAGE items, hands every item
 * to its emit function and follows next (an opaque cursor: a string or a number,
 * passed back as it came) until it is null or the cap is reached. Tables for people
 * are printed a page at a time, so a long list needs no more memory than a page.
 */

#include "ctllist.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctlarg.h"
#include "ctlout.h"
#include "ctlreq.h"
#include "ctlshow.h"
#include "httpc.h"
#include "log.h"
#include "rfc3339.h"
#include "xmalloc.h"

#define CTLLIST_PAGE 1000	/* the API's largest limit */

struct ctllist_pager;
typedef void ctllist_emit_fn(struct ctllist_pager *pg, const json_t *item);

struct ctllist_pager {
	const struct ctl_opts *o;
	const char *base;	/* path and query, ending in '?' or '&' */
	long long cap;		/* the most items to emit; -1: all */
	long long count;	/* emitted so far */
	ctllist_emit_fn *emit;
	struct ctlout_table *t;	/* for people */
	json_t *all;		/* history --json: every item */
};

/* The target of the page after cursor (NULL: the first page). */
static char *
ctllist_target(const struct ctllist_pager *pg, const json_t *cursor)
{
	long long want = CTLLIST_PAGE;
	char *after = NULL, *t;

	if (pg->cap >= 0 && pg->cap - pg->count < want)
		want = pg->cap - pg->count;
	if (json_is_string(cursor))
		after = httpc_urlencode(json_string_value(cursor));
	else if (json_is_integer(cursor))
		after = xasprintf("%lld", (long long)json_integer_value(cursor));
	t = xasprintf("%slimit=%lld%s%s", pg->base, want, after != NULL ? "&after=" : "",
	    after != NULL ? after : "");
	free(after);
	return t;
}

static int
ctllist_capped(const struct ctllist_pager *pg)
{
	return pg->cap >= 0 && pg->count >= pg->cap;
}

/* Emit a page's items; its cursor into *next (a new reference, NULL at the end). */
static int
ctllist_items(struct ctllist_pager *pg, const json_t *page, json_t **next)
{
	const json_t *items = json_object_get(page, "items");
	json_t *item, *n = json_object_get(page, "next");
	size_t i;

	if (!json_is_array(items)) {
		log_warnx("the daemon's answer has no \"items\" list");
		return CTL_EXIT_REFUSED;
	}
	json_array_foreach(items, i, item) {
		if (ctllist_capped(pg))
			break;
		pg->emit(pg, item);
		pg->count++;
	}
	if (pg->t != NULL)
		ctlout_table_flush(pg->t, stdout);
	if (n == NULL || json_is_null(n) || ctllist_capped(pg))
		return CTL_EXIT_OK;
	if (!json_is_string(n) && !json_is_integer(n)) {
		log_warnx("the daemon's \"next\" is neither a cursor nor null");
		return CTL_EXIT_REFUSED;
	}
	*next = json_incref(n);
	return CTL_EXIT_OK;
}

static int
ctllist_page(struct ctllist_pager *pg, const json_t *cursor, json_t **next)
{
	struct ctlreq rq = { .method = "GET" };
	json_t *page;
	char *target;
	int rc, status;

	*next = NULL;
	rq.target = target = ctllist_target(pg, cursor);
	if ((rc = ctlreq_fetch(pg->o, &rq, &page, &status)) == CTL_EXIT_OK)
		rc = ctllist_items(pg, page, next);
	json_decref(page);
	free(target);
	return rc;
}

static int
ctllist_run(struct ctllist_pager *pg)
{
	json_t *cursor = NULL, *next;
	int rc;

	do {
		rc = ctllist_page(pg, cursor, &next);
		if (next != NULL && cursor != NULL && json_equal(next, cursor)) {
			log_warnx("the daemon gave the same cursor twice: stopping");
			rc = CTL_EXIT_REFUSED;
		}
		json_decref(cursor);
		cursor = next;
	} while (rc == CTL_EXIT_OK && cursor != NULL);
	json_decref(cursor);
	fflush(stdout);
	return rc;
}

static void
ctllist_emit_ndjson(struct ctllist_pager *pg, const json_t *item)
{
	ctlout_json(item);
}

static void
ctllist_emit_protocol(struct ctllist_pager *pg, const json_t *item)
{
	struct ctlshow_row r;

	ctlshow_list_row(item, &r);
	ctlout_table_add(pg->t, r.cell);
}

static void
ctllist_emit_entry(struct ctllist_pager *pg, const json_t *item)
{
	struct ctlshow_row r;

	ctlshow_entry_row(item, 0, &r);
	ctlout_table_add(pg->t, r.cell);
}

static void
ctllist_emit_collect(struct ctllist_pager *pg, const json_t *item)
{
	json_array_append(pg->all, (json_t *)item);
}

/* The list's filters, as given. */
struct ctllist_filter {
	const char *state, *seller, *market, *due_before;
	long long limit;
};

enum {
	CTLLIST_STATE = CTLARG_OWN, CTLLIST_SELLER, CTLLIST_DUE_BEFORE, CTLLIST_LIMIT,
	CTLLIST_MARKET
};

static int
ctllist_state(const char *s)
{
	size_t i;

	for (i = 0; ctlout_states[i] != NULL; i++)
		if (strcmp(s, ctlout_states[i]) == 0)
			return CTL_EXIT_OK;
	return ctlarg_usage("--state \"%s\": use pending, awaiting, closed, unresolved, "
	    "mediation or resolved", s);
}

static int
ctllist_opt(void *ctx, int ch, const char *arg)
{
	struct ctllist_filter *f = ctx;
	int64_t ms;
	int rc;

	switch (ch) {
	case CTLLIST_STATE:
		f->state = arg;
		return ctllist_state(arg);
	case CTLLIST_SELLER:
		f->seller = arg;
		return ctlarg_id("--seller", arg);
	case CTLLIST_MARKET:
		f->market = arg;
		return ctlarg_market("--marketplace", arg);
	case CTLLIST_DUE_BEFORE:
		f->due_before = arg;
		if (rfc3339_parse(arg, &ms) != 0)
			return ctlarg_usage("--due-before \"%s\": expected an RFC 3339 "
			    "instant with its offset, e.g. 2026-11-25T12:00:00-03:00", arg);
		return CTL_EXIT_OK;
	default:
		if ((rc = ctlarg_uint("--limit", arg, INT64_MAX, &f->limit)) != 0)
			return rc;
		return f->limit > 0 ? CTL_EXIT_OK :
		    ctlarg_usage("--limit: must be at least 1");
	}
}

/* "/v1/protocols?state=…&seller=…&marketplace=…&due_before=…&": the filters given,
 * encoded. */
static char *
ctllist_base(const struct ctllist_filter *f)
{
	const char *names[] = { "state", "seller", "marketplace", "due_before" };
	const char *values[] = { f->state, f->seller, f->market, f->due_before };
	char *base = xstrdup("/v1/protocols?"), *v, *b;
	size_t i;

	for (i = 0; i < 4; i++) {
		if (values[i] == NULL)
			continue;
		v = httpc_urlencode(values[i]);
		b = xasprintf("%s%s=%s&", base, names[i], v);
		free(v);
		free(base);
		base = b;
	}
	return base;
}

int
ctllist_list(struct ctl_opts *o, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, CTLLIST_STATE },
		{ "seller", required_argument, NULL, CTLLIST_SELLER },
		{ "marketplace", required_argument, NULL, CTLLIST_MARKET },
		{ "due-before", required_argument, NULL, CTLLIST_DUE_BEFORE },
		{ "limit", required_argument, NULL, CTLLIST_LIMIT },
		CTLARG_LONGOPTS
	};
	struct ctllist_filter f = { .limit = -1 };
	struct ctllist_pager pg = { .o = o, .emit = ctllist_emit_ndjson };
	char *base;
	int rc;

	if ((rc = ctlarg_parse(o, argc, argv, opts, ctllist_opt, &f)) != CTL_EXIT_OK ||
	    (rc = ctlarg_count(argc, argv, 0, 0)) != CTL_EXIT_OK)
		return rc;
	pg.base = base = ctllist_base(&f);
	pg.cap = f.limit;
	if (o->json)
		ctlout_json_lines();
	else {
		pg.t = ctlout_table_new(CTLSHOW_LIST_COLS, ctlshow_list_header);
		pg.emit = ctllist_emit_protocol;
	}
	rc = ctllist_run(&pg);
	ctlout_table_free(pg.t);
	free(base);
	return rc;
}

int
ctllist_history(struct ctl_opts *o, int argc, char **argv)
{
	static const struct option opts[] = { CTLARG_LONGOPTS };
	struct ctllist_pager pg = { .o = o, .cap = -1, .emit = ctllist_emit_collect };
	json_t *whole;
	char *base;
	int rc;

	if ((rc = ctlarg_parse(o, argc, argv, opts, NULL, NULL)) != CTL_EXIT_OK ||
	    (rc = ctlarg_count(argc, argv, 1, 1)) != CTL_EXIT_OK ||
	    (rc = ctlarg_id("protocol id", argv[optind])) != CTL_EXIT_OK)
		return rc;
	pg.base = base = xasprintf("/v1/protocols/%s/history?", argv[optind]);
	if (o->json)
		pg.all = json_array();
	else {
		pg.t = ctlout_table_new(7, ctlshow_history_header);
		pg.emit = ctllist_emit_entry;
	}
	if ((rc = ctllist_run(&pg)) == CTL_EXIT_OK && pg.all != NULL) {
		whole = json_pack("{s:O, s:n}", "items", pg.all, "next");
		ctlout_json(whole);
		json_decref(whole);
	}
	json_decref(pg.all);
	ctlout_table_free(pg.t);
	free(base);
	return rc;
}
