#include "api.h"

#include "admin.h"
#include "browse.h"
#include "import.h"

#include <errno.h>
#include <event2/http.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "browse.h"
#include "import.h"
#include "civil.h"
#include "clock.h"
#include "commit.h"
#include "engine.h"
#include "feed.h"
#include "render.h"
#include "rfc3339.h"
#include "runconf.h"
#include "history.h"
#include "sellers.h"
#include "rows.h"
#include "sqlite.h"
#include "xmalloc.h"

#define API_DAY_MS (24 * 3600 * 1000LL)

#define API_HISTORY_MAX 1000

static struct store *api_rd;	/* reads: committed data only */
static struct store *api_wr;	/* writes, inside the turn's transaction */

void
api_init(struct store *reader, struct store *writer)
{
	api_rd = reader;
	api_wr = writer;
}

/* A write's answer, held until its commit. */
struct api_pending {
	struct evhttp_request *req;
	int status;
	bool has_body;
	struct jsonw body;
	struct problem pb;
};

static void
api_pending_done(void *arg, bool ok)
{
	struct api_pending *w = arg;

	if (!ok)
		http_reply_error(w->req, 503, "database_unavailable", "the change was not "
		    "committed (%s); nothing was changed, retry later", store_error(api_wr));
	else if (w->has_body)
		http_reply_jsonw(w->req, w->status, &w->body);
	else
		http_reply_problem(w->req, &w->pb);
	if (w->has_body)
		jsonw_free(&w->body);
	free(w);
}

/* Answer req after the commit: with p rendered (rc >= 0; 0 means 200) or *pb. */
static void
api_after_commit(struct evhttp_request *req, int rc, const struct protocol *p,
    const struct problem *pb)
{
	struct api_pending *w = xcalloc(1, sizeof *w);
	bool envvias = false;

	w->req = req;
	if (rc < 0)
		w->pb = *pb;
	else {
		sellers_get(api_wr, p->seller, &envvias);
		w->status = rc == 0 ? 200 : rc;
		w->has_body = true;
		jsonw_init(&w->body);
		render_protocol(&w->body, p, envvias, clock_now(), runconf_cal());
	}
	commit_after(api_pending_done, w);
}

/* Open the turn's transaction, or answer 503: true when the write may go on. */
static bool
api_begin_write(struct evhttp_request *req)
{
	if (commit_open() == 0)
		return true;
	http_reply_error(req, 503, "database_unavailable", "the database cannot take "
	    "writes now: %s", store_error(api_wr));
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
api_create(struct evhttp_request *req, const char *unused)
{
	struct engine_create r;
	struct protocol p;
	struct problem pb;
	json_t *o = http_body_object(req, &pb);
	int rc;

	if (o == NULL || api_decode_create(o, &r, &pb) != 0) {
		http_reply_problem(req, &pb);
		json_decref(o);
		return;
	}
	if (api_begin_write(req)) {
		rc = engine_create(&r, &p, &pb);
		api_after_commit(req, rc, &p, &pb);
	}
	json_decref(o);
}

static void
api_get(struct evhttp_request *req, const char *id)
{
	struct protocol p;
	struct jsonw w;
	bool envvias;
	int rc = rows_get(api_rd, id, &p);

	if (rc == 0)
		http_reply_error(req, 404, "protocol_not_found", "no protocol %s", id);
	else if (rc < 0 || sellers_get(api_rd, p.seller, &envvias) < 0)
		http_reply_error(req, 503, "database_unavailable", "%s", store_error(api_rd));
	else {
		jsonw_init(&w);
		render_protocol(&w, &p, envvias, clock_now(), runconf_cal());
		http_reply_jsonw(req, 200, &w);
		jsonw_free(&w);
	}
}

/* The action's parameters as a JSON object, for its history entry. */
static char *
api_action_detail(const char *action, const struct rules_args *args)
{
	int i = rules_action_index(action);
	json_t *d;
	char *s;

	if (i < 0 || rules_action(i)->n_params == 0)
		return NULL;
	d = json_object();
	for (size_t k = 0; k < rules_action(i)->n_params; k++) {
		const char *name = rules_action(i)->params[k].name;
		const char *v = rules_arg(args, name);

		if (v != NULL)
			json_object_set_new(d, name, json_string(v));
	}
	s = json_dumps(d, JSON_COMPACT);
	json_decref(d);
	return s;
}

/* The action's declared parameters as found in the body (a non-string value is kept
 * as NULL so the rules can say so); every other member is ignored. */
static void
api_collect_args(json_t *o, const char *action, struct rules_args *args)
{
	int i = rules_action_index(action);
	json_t *v;

	args->n = 0;
	for (size_t k = 0; i >= 0 && k < rules_action(i)->n_params; k++) {
		const char *name = rules_action(i)->params[k].name;

		if ((v = json_object_get(o, name)) == NULL)
			continue;
		args->name[args->n] = name;
		args->value[args->n] = json_is_string(v) ? json_string_value(v) : NULL;
		args->n++;
	}
}

static void
api_act(struct evhttp_request *req, const char *id)
{
	struct problem pb;
	struct protocol p;
	struct rules_args args;
	const char *action;
	char *detail;
	int64_t if_version;
	json_t *o = http_body_object(req, &pb);
	int rc;

	if (o == NULL || api_member_required(o, "action", &action, &pb) != 0 ||
	    api_if_version(o, &if_version, &pb) != 0) {
		http_reply_problem(req, &pb);
		json_decref(o);
		return;
	}
	api_collect_args(o, action, &args);
	if (api_begin_write(req)) {
		detail = api_action_detail(action, &args);
		rc = engine_act(id, action, &args, if_version, detail, &p, &pb);
		api_after_commit(req, rc, &p, &pb);
		free(detail);
	}
	json_decref(o);
}

static void
api_event(struct evhttp_request *req, const char *id)
{
	struct problem pb;
	struct protocol p;
	const char *event;
	int64_t if_version;
	json_t *o = http_body_object(req, &pb);
	int rc;

	if (o == NULL || api_member_required(o, "event", &event, &pb) != 0 ||
	    api_if_version(o, &if_version, &pb) != 0) {
		http_reply_problem(req, &pb);
		json_decref(o);
		return;
	}
	if (api_begin_write(req)) {
		rc = engine_event(id, event, if_version, &p, &pb);
		api_after_commit(req, rc, &p, &pb);
	}
	json_decref(o);
}

struct api_events {
	json_t *items;
	int64_t last;
};

static void
api_add_event(const struct proto_event *ev, const char *protocol, void *arg)
{
	struct api_events *e = arg;

	json_array_append_new(e->items, render_event(ev, protocol));
	e->last = ev->seq;
}

static int api_query_int(struct evhttp_request *, const char *, int64_t, int64_t,
    int64_t, int64_t *);

static void
api_history(struct evhttp_request *req, const char *id)
{
	struct protocol p;
	struct api_events e = { 0 };
	int64_t after, limit;
	int rc, n;

	if (api_query_int(req, "after", 0, INT64_MAX, 0, &after) != 0 ||
	    api_query_int(req, "limit", 1, API_HISTORY_MAX, API_HISTORY_MAX, &limit) != 0)
		return;
	if ((rc = rows_get(api_rd, id, &p)) == 0) {
		http_reply_error(req, 404, "protocol_not_found", "no protocol %s", id);
		return;
	}
	e.items = json_array();
	if (rc < 0 || (n = history_of(api_rd, p.rid, after, (int)limit, api_add_event,
	    &e)) < 0) {
		json_decref(e.items);
		http_reply_error(req, 503, "database_unavailable", "%s", store_error(api_rd));
		return;
	}
	http_reply_json(req, 200, json_pack("{s:o, s:o}", "items", e.items, "next",
	    n == limit ? json_integer(e.last) : json_null()));
}

/* An integer query parameter in [min, max] (dflt when absent): 0, or -1 answered. */
static int
api_query_int(struct evhttp_request *req, const char *key, int64_t min, int64_t max,
    int64_t dflt, int64_t *out)
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
		http_reply_error(req, 400, "invalid_query", "%s must be an integer from %lld "
		    "to %lld", key, (long long)min, (long long)max);
		return -1;
	}
	*out = n;
	return 0;
}

static void
api_events(struct evhttp_request *req, const char *unused)
{
	int64_t after, limit, wait, follow;

	if (api_query_int(req, "after", 0, INT64_MAX, 0, &after) != 0 ||
	    api_query_int(req, "limit", 1, FEED_MAX_LIMIT, FEED_DEFAULT_LIMIT, &limit) != 0 ||
	    api_query_int(req, "wait", 0, FEED_MAX_WAIT_S, 0, &wait) != 0 ||
	    api_query_int(req, "follow", 0, 1, 0, &follow) != 0)
		return;
	if (follow)
		feed_follow(req, after);
	else
		feed_get(req, after, (int)limit, (int)wait);
}

static void
api_seller_put(struct evhttp_request *req, const char *id)
{
	struct problem pb;
	json_t *o = http_body_object(req, &pb), *v;
	struct api_pending *w;

	if (o == NULL || !json_is_boolean(v = json_object_get(o, "envvias"))) {
		if (o != NULL)
			problem_set(&pb, 422, "invalid_field", "envvias must be true or false");
		http_reply_problem(req, &pb);
		json_decref(o);
		return;
	}
	if (api_begin_write(req)) {
		w = xcalloc(1, sizeof *w);
		w->req = req;
		if (engine_seller_put(id, json_is_true(v), &w->pb) == 0) {
			w->status = 200;
			w->has_body = true;
			jsonw_init(&w->body);
			jsonw_obj(&w->body);
			jsonw_key(&w->body, "id");
			jsonw_str(&w->body, id);
			jsonw_key(&w->body, "envvias");
			jsonw_bool(&w->body, json_is_true(v));
			jsonw_obj_end(&w->body);
		}
		commit_after(api_pending_done, w);
	}
	json_decref(o);
}

static void
api_seller_get(struct evhttp_request *req, const char *id)
{
	int64_t counts[PROTO_N_STATES], mediations;
	bool envvias;

	if (sellers_get(api_rd, id, &envvias) < 0 ||
	    sellers_counts(api_rd, id, clock_now() - 30 * API_DAY_MS, counts,
	    &mediations) < 0) {
		http_reply_error(req, 503, "database_unavailable", "%s", store_error(api_rd));
		return;
	}
	http_reply_json(req, 200, json_pack("{s:s, s:b, s:o, s:I}", "id", id, "envvias",
	    envvias, "counts", render_state_counts(counts), "mediations_30d",
	    (json_int_t)mediations));
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
	{ "POST", "/v1/reload", admin_reload, true, false },
	{ "GET", "/v1/clock", admin_clock_get, false, false },
	{ "POST", "/v1/clock", admin_clock_post, true, false },
};

const struct http_route *
api_routes(size_t *n)
{
	*n = sizeof api_table / sizeof api_table[0];
	return api_table;
}
