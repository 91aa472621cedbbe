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
#include "tally.h"
#include "web_int.h"
#include "webread.h"
#include "xmalloc.h"

#define BROWSE_DEFAULT_LIMIT 100
#define BROWSE_MAX_LIMIT 1000

_Static_assert(CURSOR_KEY_LEN == STORE_KEY_LEN, "the store keeps the cursors' secret");

/* A list read on its way (webread.h): the page so far and what its cursor needs. */
struct browse_page {
	struct webread r;	/* first */
	struct evhttp_request *req;
	struct store_filter f;	/* f.seller points into seller, f.marketplace market */
	char seller[128];
	char market[64];
	uint64_t filters;
	int limit;
	struct jsonw w;		/* the page so far: {"items":[… */
	int64_t last;
	int n;
};

static void
browse_add(const struct protocol *p, bool envvias, void *arg)
{
	struct browse_page *pg = arg;
	struct web *web = webread_live(&pg->r);

	if (web == NULL)
		return;
	render_protocol(web->render, &pg->w, p, envvias, clock_now(web->clock), web->cal);
	pg->last = p->rid;
	pg->n++;
}

/* Decode the filters of the query; 0, or -1 (answered 400). */
static int
browse_filters(struct web *web, struct evhttp_request *req, struct store_filter *f,
    char *seller, size_t len, char *market, size_t mlen, char *text, size_t tlen)
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
	if ((f->marketplace = http_query(req, "marketplace", market, mlen)) != NULL &&
	    !rulebook_name_ok(market)) {
		http_reply_error(web->http, req, 400, "invalid_query", "marketplace must be "
		    "a marketplace's name (1 to 32 of a-z 0-9 -)");
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
	snprintf(text, tlen, "state=%d&seller=%s&due=%d:%lld%s%s", f->state,
	    f->seller ? f->seller : "", f->has_due, (long long)f->due_before,
	    f->marketplace ? "&marketplace=" : "", f->marketplace ? f->marketplace : "");
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

/* The list read's end: the page and its cursor, or 503. */
static void
browse_listed(void *arg, int n)
{
	struct browse_page *pg = arg;
	struct web *web = webread_end(&pg->r);
	char next[CURSOR_LEN];

	if (web == NULL)
		;
	else if (n < 0)
		http_reply_error(web->http, pg->req, 503, "database_unavailable", "%s",
		    store_error(web->st));
	else {
		jsonw_arr_end(&pg->w);
		/* A short page is the last one; a full one may be followed by nothing. */
		jsonw_key(&pg->w, "next");
		if (pg->n == pg->limit)
			jsonw_str(&pg->w, cursor_encode(&web->cursor, pg->last, pg->filters,
			    next));
		else
			jsonw_null(&pg->w);
		jsonw_obj_end(&pg->w);
		http_reply_jsonw(web->http, pg->req, 200, &pg->w);
	}
	jsonw_free(&pg->w);
	free(pg);
}

/* Lists need the cursors' secret: true when it is known (asked again if not: it is
 * not yet when the store could not give it at the start). */
static bool
browse_has_key(struct web *web, struct evhttp_request *req)
{
	web_cursor_key_read(web);
	if (web->has_key)
		return true;
	if (web->key_asked)
		http_reply_error(web->http, req, 503, "database_unavailable", "the "
		    "database's cursor secret is being read: retry");
	else
		http_reply_error(web->http, req, 503, "database_unavailable", "the "
		    "database's cursor secret cannot be read: %s", store_error(web->st));
	return false;
}

void
browse_list(struct web *web, struct evhttp_request *req, const char *unused)
{
	struct browse_page *pg;
	struct store_filter f;
	char seller[128], market[64], text[256];
	uint64_t filters;
	int64_t after;
	int limit;

	if (!browse_has_key(web, req) || browse_filters(web, req, &f, seller, sizeof seller,
	    market, sizeof market, text, sizeof text) != 0)
		return;
	filters = cursor_filters(&web->cursor, text);
	if (browse_position(web, req, filters, &limit, &after) != 0)
		return;
	pg = xcalloc(1, sizeof *pg);
	webread_start(web, &pg->r, NULL);
	pg->req = req;
	pg->f = f;
	if (f.seller != NULL) {
		memcpy(pg->seller, seller, sizeof pg->seller);
		pg->f.seller = pg->seller;
	}
	if (f.marketplace != NULL) {
		memcpy(pg->market, market, sizeof pg->market);
		pg->f.marketplace = pg->market;
	}
	pg->filters = filters;
	pg->limit = limit;
	jsonw_init(&pg->w, web->pool);
	jsonw_obj(&pg->w);
	jsonw_key(&pg->w, "items");
	jsonw_arr(&pg->w);
	store_list(web->st, &pg->f, after, limit, browse_add, browse_listed, pg);
}

/* {"mediation":…, "pending":…, "resolved":…}: where the clocks lead. */
static void
browse_outcomes(struct jsonw *w, const int64_t to[PROTO_N_STATES])
{
	jsonw_obj(w);
	jsonw_key(w, "mediation");
	jsonw_int(w, to[PROTO_MEDIATION]);
	jsonw_key(w, "pending");
	jsonw_int(w, to[PROTO_PENDING]);
	jsonw_key(w, "resolved");
	jsonw_int(w, to[PROTO_RESOLVED]);
	jsonw_obj_end(w);
}

/* "total", "by_kind" and "by_outcome" of marketplace name's clocks (NULL: all). */
static void
browse_counts(struct web *web, struct jsonw *w, const struct store_forecast *f,
    const char *name)
{
	struct tally_count *t = xcalloc(STORE_FORECAST_MAX, sizeof *t);
	size_t n = tally_forecast(web->cfg, f, name, t, STORE_FORECAST_MAX);
	int64_t total = 0, to[PROTO_N_STATES];

	for (size_t i = 0; i < n; i++)
		total += t[i].n;
	jsonw_key(w, "total");
	jsonw_int(w, total);
	jsonw_key(w, "by_kind");
	jsonw_obj(w);
	for (size_t i = 0; i < n; i++) {
		jsonw_key(w, t[i].name);
		jsonw_int(w, t[i].n);
	}
	jsonw_obj_end(w);
	free(t);
	tally_outcomes(web->cfg, f, name, to);
	jsonw_key(w, "by_outcome");
	browse_outcomes(w, to);
}

static void
browse_forecast_body(struct web *web, struct jsonw *w, int64_t now, int64_t until,
    const char *within, const char *who, const char *market,
    const struct store_forecast *f)
{
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
	jsonw_key(w, "marketplace");
	if (market != NULL)
		jsonw_str(w, market);
	else
		jsonw_null(w);
	browse_counts(web, w, f, market);
	jsonw_key(w, "by_marketplace");
	jsonw_obj(w);
	for (size_t i = 0; i < web->cfg->n_books; i++) {
		const char *name = web->cfg->books[i]->name;

		if (market != NULL && strcmp(market, name) != 0)
			continue;
		jsonw_key(w, name);
		jsonw_obj(w);
		browse_counts(web, w, f, name);
		jsonw_obj_end(w);
	}
	jsonw_obj_end(w);
	jsonw_obj_end(w);
}

/* A forecast read on its way (webread.h). */
struct browse_forecast_read {
	struct webread r;	/* first */
	struct evhttp_request *req;
	int64_t now, until;
	char within[64];
	char seller[128];
	bool has_seller;
	char market[64];
	bool has_market;
};

static void
browse_forecast_got(void *arg, int rc, const struct store_forecast *f)
{
	struct browse_forecast_read *bf = arg;
	struct web *web = webread_end(&bf->r);
	struct jsonw w;

	if (web == NULL)
		;
	else if (rc != 0)
		http_reply_error(web->http, bf->req, 503, "database_unavailable", "%s",
		    store_error(web->st));
	else {
		jsonw_init(&w, web->pool);
		browse_forecast_body(web, &w, bf->now, bf->until, bf->within,
		    bf->has_seller ? bf->seller : NULL, bf->has_market ? bf->market : NULL, f);
		http_reply_jsonw(web->http, bf->req, 200, &w);
		jsonw_free(&w);
	}
	free(bf);
}

void
browse_forecast(struct web *web, struct evhttp_request *req, const char *unused)
{
	char within[64] = "24h", seller[128], market[64], err[DURATION_ERR_LEN];
	const char *who = http_query(req, "seller", seller, sizeof seller);
	const char *mk = http_query(req, "marketplace", market, sizeof market);
	int64_t now = clock_now(web->clock);
	struct browse_forecast_read *bf;
	struct duration d;

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
	if (mk != NULL && !rulebook_name_ok(mk)) {
		http_reply_error(web->http, req, 400, "invalid_query", "marketplace must be "
		    "a marketplace's name (1 to 32 of a-z 0-9 -)");
		return;
	}
	bf = xcalloc(1, sizeof *bf);
	webread_start(web, &bf->r, NULL);
	if ((bf->has_market = mk != NULL))
		memcpy(bf->market, market, sizeof bf->market);
	bf->req = req;
	bf->now = now;
	bf->until = now + d.ms;
	memcpy(bf->within, within, sizeof bf->within);
	if ((bf->has_seller = who != NULL))
		memcpy(bf->seller, seller, sizeof bf->seller);
	store_forecast(web->st, bf->until, bf->has_seller ? bf->seller : NULL,
	    browse_forecast_got, bf);
}
