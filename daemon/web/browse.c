#include "browse.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cursor.h"
#include "duration.h"
#include "http.h"
#include "listing.h"
#include "render.h"
#include "rfc3339.h"
#include "rules.h"
#include "runconf.h"
#include "sellers.h"
#include "sqlite.h"

#define BROWSE_DEFAULT_LIMIT 100
#define BROWSE_MAX_LIMIT 1000

static struct store *browse_st;

int
browse_init(struct store *reader)
{
	uint8_t key[CURSOR_KEY_LEN];

	browse_st = reader;
	if (listing_cursor_key(reader, key) != 0)
		return -1;
	cursor_set_key(key);
	return 0;
}

struct browse_page {
	struct jsonw w;		/* the page so far: {"items":[… */
	int64_t last;
	int n;
};

static void
browse_add(const struct protocol *p, void *arg)
{
	struct browse_page *pg = arg;
	bool envvias = false;

	sellers_get(browse_st, p->seller, &envvias);
	render_protocol(&pg->w, p, envvias, clock_now(), runconf_cal());
	pg->last = p->rid;
	pg->n++;
}

/* Decode the filters of the query; 0, or -1 (answered 400). */
static int
browse_filters(struct evhttp_request *req, struct listing_filter *f, char *seller,
    size_t len, char *text, size_t tlen)
{
	char state[32], due[64];

	memset(f, 0, sizeof *f);
	f->state = -1;
	if (http_query(req, "state", state, sizeof state) != NULL &&
	    (f->state = proto_state_parse(state)) < 0) {
		http_reply_error(req, 400, "invalid_query", "state must be one of pending, "
		    "awaiting, closed, unresolved, mediation, resolved");
		return -1;
	}
	if ((f->seller = http_query(req, "seller", seller, len)) != NULL &&
	    !proto_valid_id(seller)) {
		http_reply_error(req, 400, "invalid_query", "seller must be a seller id");
		return -1;
	}
	if (http_query(req, "due_before", due, sizeof due) != NULL) {
		if (rfc3339_parse(due, &f->due_before) != 0) {
			http_reply_error(req, 400, "invalid_query", "due_before must be an RFC "
			    "3339 instant with an offset");
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
browse_position(struct evhttp_request *req, uint64_t filters, int *limit, int64_t *after)
{
	char buf[64], *end;
	const char *v;
	long n;

	*limit = BROWSE_DEFAULT_LIMIT;
	*after = 0;
	if ((v = http_query(req, "limit", buf, sizeof buf)) != NULL) {
		n = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || n < 1 || n > BROWSE_MAX_LIMIT) {
			http_reply_error(req, 400, "invalid_query", "limit must be an integer "
			    "from 1 to %d", BROWSE_MAX_LIMIT);
			return -1;
		}
		*limit = (int)n;
	}
	if ((v = http_query(req, "after", buf, sizeof buf)) != NULL &&
	    cursor_decode(v, filters, after) != 0) {
		http_reply_error(req, 400, "invalid_cursor", "after is not a cursor this list "
		    "gave out (altered, or made for other filters): start again without it");
		return -1;
	}
	return 0;
}

void
browse_list(struct evhttp_request *req, const char *unused)
{
	struct listing_filter f;
	struct browse_page pg = { 0 };
	char seller[128], text[256], next[CURSOR_LEN];
	uint64_t filters;
	int64_t after;
	int limit;

	if (browse_filters(req, &f, seller, sizeof seller, text, sizeof text) != 0)
		return;
	filters = cursor_filters(text);
	if (browse_position(req, filters, &limit, &after) != 0)
		return;
	jsonw_init(&pg.w);
	jsonw_obj(&pg.w);
	jsonw_key(&pg.w, "items");
	jsonw_arr(&pg.w);
	if (listing_protocols(browse_st, &f, after, limit, browse_add, &pg) < 0) {
		jsonw_free(&pg.w);
		http_reply_error(req, 503, "database_unavailable", "%s", store_error(browse_st));
		return;
	}
	jsonw_arr_end(&pg.w);
	/* A short page is the last one; a full one may be followed by nothing. */
	jsonw_key(&pg.w, "next");
	if (pg.n == limit)
		jsonw_str(&pg.w, cursor_encode(pg.last, filters, next));
	else
		jsonw_null(&pg.w);
	jsonw_obj_end(&pg.w);
	http_reply_jsonw(req, 200, &pg.w);
	jsonw_free(&pg.w);
}

static json_t *
browse_outcomes(const int64_t *by_kind)
{
	int64_t to[PROTO_N_STATES] = { 0 };

	for (int c = PROTO_CLOCK_NONE + 1; c < PROTO_N_CLOCKS; c++)
		to[rules_clock(c)->on_expiry] += by_kind[c];
	return json_pack("{s:I, s:I, s:I}", "mediation", (json_int_t)to[PROTO_MEDIATION],
	    "pending", (json_int_t)to[PROTO_PENDING], "resolved",
	    (json_int_t)to[PROTO_RESOLVED]);
}

static json_t *
browse_kinds(const int64_t *by_kind, int64_t *total)
{
	json_t *o = json_object();

	*total = 0;
	for (int c = PROTO_CLOCK_NONE + 1; c < PROTO_N_CLOCKS; c++) {
		json_object_set_new(o, proto_clock_name(c), json_integer(by_kind[c]));
		*total += by_kind[c];
	}
	return o;
}

void
browse_forecast(struct evhttp_request *req, const char *unused)
{
	char within[64] = "24h", seller[128], err[DURATION_ERR_LEN];
	const char *who = http_query(req, "seller", seller, sizeof seller);
	int64_t by_kind[PROTO_N_CLOCKS], now = clock_now(), total;
	struct duration d;
	json_t *kinds;

	http_query(req, "within", within, sizeof within);
	if (duration_parse(within, &d, err) != 0 || duration_is_bdays(&d)) {
		http_reply_error(req, 400, "invalid_query", "within must be a plain duration "
		    "like 24h or 7d: %s", err[0] ? err : "business days are not a horizon");
		return;
	}
	if (who != NULL && !proto_valid_id(who)) {
		http_reply_error(req, 400, "invalid_query", "seller must be a seller id");
		return;
	}
	if (listing_forecast(browse_st, now + d.ms, who, by_kind) != 0) {
		http_reply_error(req, 503, "database_unavailable", "%s", store_error(browse_st));
		return;
	}
	kinds = browse_kinds(by_kind, &total);
	http_reply_json(req, 200, json_pack("{s:o, s:o, s:s, s:o, s:I, s:o, s:o}", "from",
	    render_time(now), "until", render_time(now + d.ms), "within", within, "seller",
	    who ? json_string(who) : json_null(), "total", (json_int_t)total, "by_kind", kinds,
	    "by_outcome", browse_outcomes(by_kind)));
}
