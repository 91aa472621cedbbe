#include "api.h"

#include <errno.h>
#include <event2/http.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "browse.h"
#include "civil.h"
#include "clock.h"
#include "cluster.h"
#include "engine.h"
#include "feed.h"
#include "import.h"
#include "market.h"
#include "page.h"
#include "render.h"
#include "rfc3339.h"
#include "store.h"
#include "testclock.h"
#include "turn.h"
#include "web_int.h"
#include "webbackup.h"
#include "webread.h"
#include "xmalloc.h"

#define API_DAY_MS (24 * 3600 * 1000LL)

#define API_HISTORY_MAX 1000

/* A write on its way: what the engine is given (it may answer after the handler has
 * returned, so its request lives here), then the answer, held until the commit. */
struct api_write {
	struct web *web;
	struct evhttp_request *req;
	json_t *o;			/* the body the request points into */
	char id[PROTO_ID_MAX + 1];	/* the path's {id} */
	struct engine_create create;
	struct engine_act act;
	struct rules_args args;
	char *detail;
	bool envvias;			/* PUT /v1/sellers/{id} */
	int status;
	bool has_body;
	struct jsonw body;
	struct problem pb;
};

/* A write of req's, its body o taken (NULL: none), on the path's id (or NULL). */
static struct api_write *
api_write_new(struct web *web, struct evhttp_request *req, json_t *o, const char *id)
{
	struct api_write *aw = xcalloc(1, sizeof *aw);

	aw->web = web;
	aw->req = req;
	aw->o = o;
	if (id != NULL)
		snprintf(aw->id, sizeof aw->id, "%s", id);
	return aw;
}

static void
api_write_free(struct api_write *aw)
{
	json_decref(aw->o);
	free(aw->detail);
	if (aw->has_body)
		jsonw_free(&aw->body);
	free(aw);
}

static void
api_pending_done(void *arg, bool ok)
{
	struct api_write *aw = arg;
	struct web *web = aw->web;

	if (!ok)
		http_reply_error(web->http, aw->req, 503, "database_unavailable", "the change "
		    "was not committed (%s); nothing was changed, retry later",
		    store_error(web->st));
	else if (aw->has_body)
		http_reply_jsonw(web->http, aw->req, aw->status, &aw->body);
	else
		http_reply_problem(web->http, aw->req, &aw->pb);
	api_write_free(aw);
}

/*
 * The engine decided: answer after the turn's commit, with the protocol as it now
 * stands or the refusal. A refusal waits too: it may rest on a change of that commit
 * (a conflict with a protocol just created), which nobody hears of before it is
 * durable; and a commit that failed makes it a 503 like the rest.
 */
static void
api_decided(void *arg, const struct engine_result *r)
{
	struct api_write *aw = arg;
	struct web *web = aw->web;

	aw->status = r->status;
	if (r->status >= 300)
		aw->pb = r->pb;
	else {
		aw->has_body = true;
		jsonw_init(&aw->body, web->pool);
		render_protocol(web->render, &aw->body, &r->p, r->envvias,
		    clock_now(web->clock), web->cal);
	}
	turn_after(web->turn, api_pending_done, aw);
}

/* Open the turn's transaction, or answer 503: true when the write may go on. */
static bool
api_begin_write(struct web *web, struct evhttp_request *req)
{
	if (turn_open(web->turn) == 0)
		return true;
	http_reply_error(web->http, req, 503, "database_unavailable", "the database cannot "
	    "take writes now: %s", store_error(web->st));
	return false;
}

/* A string member: 1 (set *out), 0 (absent or null), -1 (wrong type, *pb set). */
int
api_member_str(json_t *o, const char *key, const char **out, struct problem *pb)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return problem_set(pb, 422, "invalid_field", "%s must be a string", key);
	*out = json_string_value(v);
	return 1;
}

static int
api_member_required(json_t *o, const char *key, const char **out, struct problem *pb)
{
	int rc = api_member_str(o, key, out, pb);

	if (rc == 0)
		return problem_set(pb, 422, "missing_field", "%s is required", key);
	return rc < 0 ? -1 : 0;
}

/* if_version: -1 when absent; else a non-negative integer. */
static int
api_if_version(json_t *o, int64_t *out, struct problem *pb)
{
	json_t *v = json_object_get(o, "if_version");

	*out = -1;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return problem_set(pb, 422, "invalid_field", "if_version must be a "
		    "non-negative integer (the protocol's version you last read)");
	*out = json_integer_value(v);
	return 0;
}

static int
api_decode_origin(json_t *o, struct engine_create *r, struct problem *pb)
{
	const char *origin;
	json_t *crit = json_object_get(o, "critical");

	if (api_member_str(o, "origin", &origin, pb) < 0)
		return -1;
	if (origin == NULL || strcmp(origin, "customer") == 0)
		r->origin = PROTO_CUSTOMER;
	else if (strcmp(origin, "preventive") == 0)
		r->origin = PROTO_PREVENTIVE;
	else
		return problem_set(pb, 422, "invalid_field", "origin must be customer or "
		    "preventive");
	if (crit != NULL && !json_is_null(crit) && !json_is_boolean(crit))
		return problem_set(pb, 422, "invalid_field", "critical must be true or false");
	r->critical = crit != NULL && json_is_true(crit);
	return 0;
}

int
api_decode_create(json_t *o, struct engine_create *r, struct problem *pb)
{
	const char *opened;
	char first[RFC3339_LEN];

	memset(r, 0, sizeof *r);
	if (api_member_required(o, "id", &r->id, pb) != 0 ||
	    api_member_required(o, "seller", &r->seller, pb) != 0 ||
	    api_member_str(o, "order", &r->order, pb) < 0 ||
	    api_member_str(o, "reason", &r->reason, pb) < 0 ||
	    api_member_str(o, "marketplace", &r->marketplace, pb) < 0 ||
	    api_member_str(o, "opened_at", &opened, pb) < 0 ||
	    api_decode_origin(o, r, pb) != 0)
		return -1;
	if (opened != NULL && rfc3339_parse(opened, &r->opened_at) != 0)
		return problem_set(pb, 422, "invalid_field", "opened_at must be an RFC 3339 "
		    "instant with an offset, like 2026-11-23T15:00:00-03:00");
	/* The future is the engine's to refuse (it knows now); the past is bounded here,
	 * for create and import alike (civil.h says why). */
	if (opened != NULL && r->opened_at < CIVIL_GIVEN_MIN_MS)
		return problem_set(pb, 422, "invalid_field", "opened_at %.40s is too old: it "
		    "must be %s or later", opened, rfc3339_format_utc(CIVIL_GIVEN_MIN_MS,
		    first));
	r->has_opened_at = opened != NULL;
	return 0;
}

static void
api_create(struct web *web, struct evhttp_request *req, const char *unused)
{
	struct problem pb;
	struct api_write *aw;
	json_t *o = http_body_object(req, &pb);

	if (o == NULL) {
		http_reply_problem(web->http, req, &pb);
		return;
	}
	aw = api_write_new(web, req, o, NULL);
	if (api_decode_create(o, &aw->create, &pb) != 0) {
		http_reply_problem(web->http, req, &pb);
		api_write_free(aw);
		return;
	}
	if (!api_begin_write(web, req)) {
		api_write_free(aw);
		return;
	}
	engine_create(web->engine, &aw->create, api_decided, aw);
}

/* A read of the API on its way (webread.h): what its answer needs. */
struct api_read {
	struct webread r;		/* first */
	struct evhttp_request *req;
	char id[PROTO_ID_MAX + 1];	/* the path's {id}, for the store and the answer */
	int64_t after, limit;		/* history: the page asked */
	struct jsonw w;			/* history: the answer so far */
	bool has_w;
	int64_t last;			/* history: the last entry's seq */
};

static struct api_read *
api_read_new(struct web *web, struct evhttp_request *req, const char *id)
{
	struct api_read *ar = xcalloc(1, sizeof *ar);

	webread_start(web, &ar->r, NULL);
	ar->req = req;
	snprintf(ar->id, sizeof ar->id, "%s", id);
	return ar;
}

static void
api_read_free(struct api_read *ar)
{
	if (ar->has_w)
		jsonw_free(&ar->w);
	free(ar);
}

static void
api_unavailable(struct web *web, struct evhttp_request *req)
{
	http_reply_error(web->http, req, 503, "database_unavailable", "%s",
	    store_error(web->st));
}

static void
api_got(void *arg, int rc, const struct protocol *p, bool envvias)
{
	struct api_read *ar = arg;
	struct web *web = webread_end(&ar->r);
	struct jsonw w;

	if (web == NULL)
		;
	else if (rc == 0)
		http_reply_error(web->http, ar->req, 404, "protocol_not_found", "no protocol %s",
		    ar->id);
	else if (rc < 0)
		api_unavailable(web, ar->req);
	else {
		jsonw_init(&w, web->pool);
		render_protocol(web->render, &w, p, envvias, clock_now(web->clock), web->cal);
		http_reply_jsonw(web->http, ar->req, 200, &w);
		jsonw_free(&w);
	}
	api_read_free(ar);
}

static void
api_get(struct web *web, struct evhttp_request *req, const char *id)
{
	struct api_read *ar = api_read_new(web, req, id);

	store_get(web->st, ar->id, api_got, ar);
}

/* The action's parameters as a JSON object, for its history entry (as jansson's
 * compact dump wrote it: render_event copies it into the history's answers). */
static char *
api_action_detail(const struct rules_args *args)
{
	struct jsonw w;
	size_t len;

	if (args->n == 0)
		return NULL;
	jsonw_init(&w, NULL);
	jsonw_obj(&w);
	for (size_t k = 0; k < args->n; k++) {
		const char *name = args->name[k];
		const char *v = args->value[k];

		if (v != NULL) {
			jsonw_key(&w, name);
			jsonw_str(&w, v);
		}
	}
	jsonw_obj_end(&w);
	return jsonw_take(&w, &len);
}

/* The action's declared parameters (in any rulebook: the protocol's is not known yet)
 * as found in the body (a non-string value is kept as NULL so the rules can say so);
 * every other member is ignored. The names point into cfg, which outlives the write
 * (the engine copies them). */
static void
api_collect_args(const struct config *cfg, json_t *o, const char *action,
    struct rules_args *args)
{
	const char *names[RULES_MAX_ARGS];
	size_t n = rules_param_names(cfg, action, names, RULES_MAX_ARGS);
	json_t *v;

	args->n = 0;
	for (size_t k = 0; k < n; k++) {
		const char *name = names[k];

		if ((v = json_object_get(o, name)) == NULL)
			continue;
		args->name[args->n] = name;
		args->value[args->n] = json_is_string(v) ? json_string_value(v) : NULL;
		args->n++;
	}
}

/* The body of a write on a protocol, with its member `verb` (action, event) and
 * if_version: the write (the body taken), or NULL when answered. */
static struct api_write *
api_write_body(struct web *web, struct evhttp_request *req, const char *id,
    const char *verb, const char **name, int64_t *if_version)
{
	struct problem pb;
	json_t *o = http_body_object(req, &pb);

	if (o == NULL || api_member_required(o, verb, name, &pb) != 0 ||
	    api_if_version(o, if_version, &pb) != 0) {
		http_reply_problem(web->http, req, &pb);
		json_decref(o);
		return NULL;
	}
	return api_write_new(web, req, o, id);
}

static void
api_act(struct web *web, struct evhttp_request *req, const char *id)
{
	struct api_write *aw;
	const char *action;
	int64_t if_version;

	if ((aw = api_write_body(web, req, id, "action", &action, &if_version)) == NULL)
		return;
	api_collect_args(web->cfg, aw->o, action, &aw->args);
	if (!api_begin_write(web, req)) {
		api_write_free(aw);
		return;
	}
	aw->detail = api_action_detail(&aw->args);
	aw->act = (struct engine_act){ .id = aw->id, .action = action, .args = &aw->args,
	    .if_version = if_version, .detail = aw->detail };
	engine_act(web->engine, &aw->act, api_decided, aw);
}

static void
api_event(struct web *web, struct evhttp_request *req, const char *id)
{
	struct api_write *aw;
	const char *event;
	int64_t if_version;

	if ((aw = api_write_body(web, req, id, "event", &event, &if_version)) == NULL)
		return;
	if (!api_begin_write(web, req)) {
		api_write_free(aw);
		return;
	}
	engine_event(web->engine, aw->id, event, if_version, api_decided, aw);
}

static void
api_add_event(const struct proto_event *ev, const char *protocol, void *arg)
{
	struct api_read *ar = arg;

	if (webread_live(&ar->r) == NULL)
		return;
	render_event(&ar->w, ev, protocol);
	ar->last = ev->seq;
}

/* The history read's end: the page, or 503. */
static void
api_history_read(void *arg, int n)
{
	struct api_read *ar = arg;
	struct web *web = webread_end(&ar->r);

	if (web == NULL) {
		api_read_free(ar);
		return;
	}
	if (n < 0) {
		api_unavailable(web, ar->req);
		api_read_free(ar);
		return;
	}
	jsonw_arr_end(&ar->w);
	jsonw_key(&ar->w, "next");
	if (n == ar->limit)
		jsonw_int(&ar->w, ar->last);
	else
		jsonw_null(&ar->w);
	jsonw_obj_end(&ar->w);
	http_reply_jsonw(web->http, ar->req, 200, &ar->w);
	api_read_free(ar);
}

/* The protocol of a history request: its entries are read next (by its rid). */
static void
api_history_got(void *arg, int rc, const struct protocol *p, bool envvias)
{
	struct api_read *ar = arg;
	struct web *web = webread_live(&ar->r);

	if (web == NULL || rc != 1) {
		web = webread_end(&ar->r);
		if (web != NULL && rc == 0)
			http_reply_error(web->http, ar->req, 404, "protocol_not_found", "no "
			    "protocol %s", ar->id);
		else if (web != NULL)
			api_unavailable(web, ar->req);
		api_read_free(ar);
		return;
	}
	jsonw_init(&ar->w, web->pool);
	ar->has_w = true;
	jsonw_obj(&ar->w);
	jsonw_key(&ar->w, "items");
	jsonw_arr(&ar->w);
	store_history(web->st, p->rid, ar->after, (int)ar->limit, api_add_event,
	    api_history_read, ar);
}

static int api_query_int(struct web *, struct evhttp_request *, const char *, int64_t,
    int64_t, int64_t, int64_t *);

/* GET …/history: the protocol (404 when none), then a page of its entries. */
static void
api_history(struct web *web, struct evhttp_request *req, const char *id)
{
	struct api_read *ar;
	int64_t after, limit;

	if (api_query_int(web, req, "after", 0, INT64_MAX, 0, &after) != 0 ||
	    api_query_int(web, req, "limit", 1, API_HISTORY_MAX, API_HISTORY_MAX, &limit) != 0)
		return;
	ar = api_read_new(web, req, id);
	ar->after = after;
	ar->limit = limit;
	store_get(web->st, ar->id, api_history_got, ar);
}

/* An integer query parameter in [min, max] (dflt when absent): 0, or -1 answered. */
static int
api_query_int(struct web *web, struct evhttp_request *req, const char *key, int64_t min,
    int64_t max, int64_t dflt, int64_t *out)
{
	char buf[32], *end;
	const char *v = http_query(req, key, buf, sizeof buf);
	long long n;

	*out = dflt;
	if (v == NULL)
		return 0;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || n < min || n > max) {
		http_reply_error(web->http, req, 400, "invalid_query", "%s must be an integer "
		    "from %lld to %lld", key, (long long)min, (long long)max);
		return -1;
	}
	*out = n;
	return 0;
}

static void
api_events(struct web *web, struct evhttp_request *req, const char *unused)
{
	int64_t after, limit, wait, follow;

	if (api_query_int(web, req, "after", 0, INT64_MAX, 0, &after) != 0 ||
	    api_query_int(web, req, "limit", 1, FEED_MAX_LIMIT, FEED_DEFAULT_LIMIT,
	    &limit) != 0 ||
	    api_query_int(web, req, "wait", 0, FEED_MAX_WAIT_S, 0, &wait) != 0 ||
	    api_query_int(web, req, "follow", 0, 1, 0, &follow) != 0)
		return;
	if (follow)
		feed_follow(web->feed, req, after);
	else
		feed_get(web->feed, req, after, (int)limit, (int)wait);
}

static void
api_seller_decided(void *arg, const struct engine_result *r)
{
	struct api_write *aw = arg;
	struct web *web = aw->web;

	aw->status = r->status;
	if (r->status >= 300)
		aw->pb = r->pb;
	else {
		aw->has_body = true;
		jsonw_init(&aw->body, web->pool);
		jsonw_obj(&aw->body);
		jsonw_key(&aw->body, "id");
		jsonw_str(&aw->body, aw->id);
		jsonw_key(&aw->body, "envvias");
		jsonw_bool(&aw->body, aw->envvias);
		jsonw_obj_end(&aw->body);
	}
	turn_after(web->turn, api_pending_done, aw);
}

static void
api_seller_put(struct web *web, struct evhttp_request *req, const char *id)
{
	struct problem pb;
	struct api_write *aw;
	json_t *o = http_body_object(req, &pb), *v;

	if (o == NULL || !json_is_boolean(v = json_object_get(o, "envvias"))) {
		if (o != NULL)
			problem_set(&pb, 422, "invalid_field", "envvias must be true or false");
		http_reply_problem(web->http, req, &pb);
		json_decref(o);
		return;
	}
	aw = api_write_new(web, req, o, id);
	aw->envvias = json_is_true(v);
	if (!api_begin_write(web, req)) {
		api_write_free(aw);
		return;
	}
	engine_seller_put(web->engine, aw->id, aw->envvias, api_seller_decided, aw);
}

static void
api_seller_got(void *arg, int rc, bool envvias, const int64_t counts[PROTO_N_STATES],
    int64_t mediations)
{
	struct api_read *ar = arg;
	struct web *web = webread_end(&ar->r);
	struct jsonw w;

	if (web == NULL)
		;
	else if (rc < 0)
		api_unavailable(web, ar->req);
	else {
		jsonw_init(&w, web->pool);
		jsonw_obj(&w);
		jsonw_key(&w, "id");
		jsonw_str(&w, ar->id);
		jsonw_key(&w, "envvias");
		jsonw_bool(&w, envvias);
		jsonw_key(&w, "counts");
		render_state_counts(&w, counts);
		jsonw_key(&w, "mediations_30d");
		jsonw_int(&w, mediations);
		jsonw_obj_end(&w);
		http_reply_jsonw(web->http, ar->req, 200, &w);
		jsonw_free(&w);
	}
	api_read_free(ar);
}

static void
api_seller_get(struct web *web, struct evhttp_request *req, const char *id)
{
	struct api_read *ar = api_read_new(web, req, id);

	store_seller(web->st, ar->id, clock_now(web->clock) - 30 * API_DAY_MS, api_seller_got,
	    ar);
}

static const struct http_route api_table[] = {
	{ "POST", "/v1/protocols", api_create, true, false },
	{ "POST", "/v1/protocols:import", import_post, true, true },
	{ "GET", "/v1/protocols", browse_list, false, false },
	{ "GET", "/v1/forecast", browse_forecast, false, false },
	{ "GET", "/v1/protocols/{id}", api_get, false, false },
	{ "POST", "/v1/protocols/{id}/actions", api_act, true, false },
	{ "POST", "/v1/protocols/{id}/events", api_event, true, false },
	{ "GET", "/v1/protocols/{id}/history", api_history, false, false },
	{ "GET", "/v1/events", api_events, false, false },
	{ "PUT", "/v1/sellers/{id}", api_seller_put, true, false },
	{ "GET", "/v1/sellers/{id}", api_seller_get, false, false },
	{ "GET", "/v1/stats", admin_stats, false, false },
	{ "GET", "/metrics", admin_metrics, false, false },
	{ "GET", "/v1/health/live", admin_live, false, false },
	{ "GET", "/v1/health/ready", admin_ready, false, false },
	{ "GET", "/v1/version", admin_version, false, false },
	{ "GET", "/v1/cluster", cluster_get, false, false },
	{ "GET", "/v1/marketplaces", market_list, false, false },
	{ "GET", "/v1/marketplaces/{id}", market_get, false, false },
	{ "POST", "/v1/reload", admin_reload, true, false },
	{ "GET", "/v1/backup", webbackup_get, true, false },
	{ "GET", "/v1/clock", testclock_get, false, false },
	{ "POST", "/v1/clock", testclock_post, true, false },
	{ "GET", "/", page_index, false, false },
	{ "GET", "/ui/app.js", page_app_js_get, false, false },
	{ "GET", "/ui/app.css", page_app_css_get, false, false },
	{ "GET", "/ui/chart.js", page_chartjs_get, false, false },
};

const struct http_route *
api_routes(size_t *n)
{
	*n = sizeof api_table / sizeof api_table[0];
	return api_table;
}
