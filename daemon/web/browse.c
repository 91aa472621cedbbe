#include "browse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cursor.h"
#include "duration.h"
#include "http.h"
#include "render.h"
#include "rfc3339.h"
#include "rules.h"
#include "store.h"
#include "web_int.h"

#define BROWSE_DEFAULT_LIMIT 100
#define BROWSE_MAX_LIMIT 1000

_Static_assert(CURSOR_KEY_LEN == STORE_KEY_LEN, "the store keeps the cursors' secret");

struct browse_page {
	struct web *web;
	struct jsonw w;		/* the page so far: {"items":[… */
	int64_t last;
	int n;
};

static void
browse_add(const struct protocol *p, bool envvias, void *arg)
{
	struct browse_page *pg = arg;
	struct web *web = pg->web;

	render_protocol(web->render, &pg->w, p, envvias, clock_now(web->clock), web->cal);
	pg->last = p->rid;
	pg->n++;
}

/* Decode the filters of the query; 0, or -1 (answered 400). */
static int
browse_filters(struct web *web, struct evhttp_request *req, struct store_filter *f,
    char *seller, size_t len, char *text, size_t tlen)
{
	char state[32], due[64];

	memset(f, 0, sizeof *f);
	f->state = -1;
	if (http_query(req, "state", state, sizeof state) != NULL &&
	    (f->state = proto_state_parse(state)) < 0) {
		http_reply_error(web->http, req, 400, "invalid_query", "state must be one of "
		    "pending, awaiting, closed, unresolved, mediation, resolved");
		return -1;
	}
	if ((f->seller = http_query(req, "seller", seller, len)) != NULL &&
	    !proto_valid_id(seller)) {
		http_reply_error(web->http, req, 400, "invalid_query", "seller must be a "
		    "seller id");
		return -1;
	}
	if (http_query(req, "due_before", due, sizeof due) != NULL) {
		if (rfc3339_parse(due, &f->due_before) != 0) {
			http_reply_error(web->http, req, 400, "invalid_query", "due_before must "
			    "be an RFC 3339 instant with an offset");
			return -1;
		}
		f->has_due = true;
	}
	/* The cursor is bound to exactly these filters. */
	snprintf(text, tlen, "state=%d&seller=%s&due=%d:%lld", f->state,
	    f->seller ? f->seller : "", f->has_due, (long long)f->due_before);
	return 0;
}

/* limit and the cursor's position; 0, or -1 (answered 400). */
static int
browse_position(struct web *web, struct evhttp_request *req, uint64_t filters, int *limit,
    int64_t *after)
{
	char buf[64], *end;
	const char *v;
	long n;

	*limit = BROWSE_DEFAULT_LIMIT;
	*after = 0;
	if ((v = http_query(req, "limit", buf, sizeof buf)) != NULL) {
		n = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || n < 1 || n > BROWSE_MAX_LIMIT) {
			http_reply_error(web->http, req, 400, "invalid_query", "limit must be an "
			    "integer from 1 to %d", BROWSE_MAX_LIMIT);
			return -1;
		}
		*limit = (int)n;
	}
	if ((v = http_query(req, "after", buf, sizeof buf)) != NULL &&
	    cursor_decode(&web->cursor, v, filters, after) != 0) {
		http_reply_error(web->http, req, 400, "invalid_cursor", "after is not a cursor "
		    "this list gave out (altered, or made for other filters): start again "
		    "without it");
		return -1;
	}
	return 0;
}

void
browse_list(struct web *web, struct evhttp_request *req, const char *unused)
{
	struct store_filter f;
	struct browse_page pg = { .web = web };
	char seller[128], text[256], next[CURSOR_LEN];
	uint64_t filters;
	int64_t after;
	int limit;

	if (browse_filters(web, req, &f, seller, sizeof seller, text, sizeof text) != 0)
		return;
	filters = cursor_filters(&web->cursor, text);
	if (browse_position(web, req, filters, &limit, &after) != 0)
		return;
	jsonw_init(&pg.w, web->pool);
	jsonw_obj(&pg.w);
	jsonw_key(&pg.w, "items");
	jsonw_arr(&pg.w);
	if (store_list(web->st, &f, after, limit, browse_add, &pg) < 0) {
		jsonw_free(&pg.w);
		http_reply_error(web->http, req, 503, "database_unavailable", "%s",
		    store_error(web->st));
		return;
	}
	jsonw_arr_end(&pg.w);
	/* A short page is the last one; a full one may be followed by nothing. */
	jsonw_key(&pg.w, "next");
	if (pg.n == limit)
		jsonw_str(&pg.w, cursor_encode(&web->cursor, pg.last, filters, next));
	else
		jsonw_null(&pg.w);
	jsonw_obj_end(&pg.w);
	http_reply_jsonw(web->http, req, 200, &pg.w);
	jsonw_free(&pg.w);
}

/* {"mediation":…, "pending":…, "resolved":…}: where the clocks by kind lead. */
static void
browse_outcomes(struct jsonw *w, const int64_t *by_kind)
{
	int64_t to[PROTO_N_STATES] = { 0 };

	for (int c = PROTO_CLOCK_NONE + 1; c < PROTO_N_CLOCKS; c++)
		to[rules_clock(c)->on_expiry] += by_kind[c];
	jsonw_obj(w);
	jsonw_key(w, "mediation");
	jsonw_int(w, to[PROTO_MEDIATION]);
	jsonw_key(w, "pending");
	jsonw_int(w, to[PROTO_PENDING]);
	jsonw_key(w, "resolved");
	jsonw_int(w, to[PROTO_RESOLVED]);
	jsonw_obj_end(w);
}

static void
browse_kinds(struct jsonw *w, const int64_t *by_kind)
{
	jsonw_obj(w);
	for (int c = PROTO_CLOCK_NONE + 1; c < PROTO_N_CLOCKS; c++) {
		jsonw_key(w, proto_clock_name(c));
		jsonw_int(w, by_kind[c]);
	}
	jsonw_obj_end(w);
}

static void
browse_forecast_body(struct jsonw *w, int64_t now, int64_t until, const char *within,
    const char *who, const int64_t *by_kind)
{
	int64_t total = 0;

	for (int c = PROTO_CLOCK_NONE + 1; c < PROTO_N_CLOCKS; c++)
		total += by_kind[c];
	jsonw_obj(w);
	jsonw_key(w, "from");
	render_time(w, now);
	jsonw_key(w, "until");
	render_time(w, until);
	jsonw_key(w, "within");
	jsonw_str(w, within);
	jsonw_key(w, "seller");
	if (who != NULL)
		jsonw_str(w, who);
	else
		jsonw_null(w);
	jsonw_key(w, "total");
	jsonw_int(w, total);
	jsonw_key(w, "by_kind");
	browse_kinds(w, by_kind);
	jsonw_key(w, "by_outcome");
	browse_outcomes(w, by_kind);
	jsonw_obj_end(w);
}

void
browse_forecast(struct web *web, struct evhttp_request *req, const char *unused)
{
	char within[64] = "24h", seller[128], err[DURATION_ERR_LEN];
	const char *who = http_query(req, "seller", seller, sizeof seller);
	int64_t by_kind[PROTO_N_CLOCKS], now = clock_now(web->clock);
	struct duration d;
	struct jsonw w;

	http_query(req, "within", within, sizeof within);
	if (duration_parse(within, &d, err) != 0 || duration_is_bdays(&d)) {
		http_reply_error(web->http, req, 400, "invalid_query", "within must be a plain "
		    "duration like 24h or 7d: %s", err[0] ? err : "business days are not a "
		    "horizon");
		return;
	}
	if (who != NULL && !proto_valid_id(who)) {
		http_reply_error(web->http, req, 400, "invalid_query", "seller must be a "
		    "seller id");
		return;
	}
	if (store_forecast(web->st, now + d.ms, who, by_kind) != 0) {
		http_reply_error(web->http, req, 503, "database_unavailable", "%s",
		    store_error(web->st));
		return;
	}
	jsonw_init(&w, web->pool);
	browse_forecast_body(&w, now, now + d.ms, within, who, by_kind);
	http_reply_jsonw(web->http, req, 200, &w);
	jsonw_free(&w);
}
