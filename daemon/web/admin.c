#include "admin.h"

#include <event2/event.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cluster.h"
#include "feed.h"
#include "http.h"
#include "metrics.h"
#include "procstat.h"
#include "render.h"
#include "sched.h"
#include "store.h"
#include "rules.h"
#include "strcopy.h"
#include "tally.h"
#include "web_int.h"
#include "webread.h"
#include "xmalloc.h"

#define ADMIN_VERSION "0.1.0"
#define ADMIN_API_VERSION "1"

static void
admin_unavailable(struct web *web, struct evhttp_request *req)
{
	http_reply_error(web->http, req, 503, "database_unavailable", "%s",
	    store_error(web->st));
}

/* "clocks": the running clocks by kind and the next one due. */
static void
admin_stats_clocks(struct web *web, struct jsonw *w, const struct store_stats *s)
{
	struct tally_count *t = xcalloc(STORE_STATS_MAX, sizeof *t);
	size_t n = tally_clocks(web->cfg, s, t, STORE_STATS_MAX);
	const char *next;
	int64_t running = 0;

	for (size_t i = 0; i < n; i++)
		running += t[i].n;
	jsonw_obj(w);
	jsonw_key(w, "running");
	jsonw_int(w, running);
	jsonw_key(w, "by_kind");
	jsonw_obj(w);
	for (size_t i = 0; i < n; i++) {
		jsonw_key(w, t[i].name);
		jsonw_int(w, t[i].n);
	}
	jsonw_obj_end(w);
	free(t);
	jsonw_key(w, "next_due");
	if (s->has_next) {
		next = rules_kind_name(web->cfg, s->next_clock);
		jsonw_obj(w);
		jsonw_key(w, "protocol");
		jsonw_str(w, s->next_id);
		jsonw_key(w, "kind");
		jsonw_str(w, next != NULL ? next : "clock");
		jsonw_key(w, "at");
		render_time(w, s->next_at);
		jsonw_obj_end(w);
	} else
		jsonw_null(w);
	jsonw_obj_end(w);
}

/* "marketplaces": each loaded one's protocols, in total and by state. */
static void
admin_stats_markets(struct web *web, struct jsonw *w, const struct store_stats *s)
{
	struct tally_count t[PROTO_N_STATES * 64];
	size_t n = tally_markets(web->cfg, s, t, sizeof t / sizeof t[0]);
	int64_t by_state[PROTO_N_STATES], total;

	jsonw_obj(w);
	for (size_t i = 0; i + PROTO_N_STATES <= n; i += PROTO_N_STATES) {
		total = 0;
		for (int st = 0; st < PROTO_N_STATES; st++)
			total += by_state[st] = t[i + (size_t)st].n;
		jsonw_key(w, t[i].name);
		jsonw_obj(w);
		jsonw_key(w, "total");
		jsonw_int(w, total);
		jsonw_key(w, "by_state");
		render_state_counts(w, by_state);
		jsonw_obj_end(w);
	}
	jsonw_obj_end(w);
}

static void
admin_stats_body(struct web *web, struct jsonw *w, const struct store_stats *s,
    int64_t fired)
{
	int64_t total = 0;

	for (int i = 0; i < PROTO_N_STATES; i++)
		total += s->by_state[i];
	jsonw_obj(w);
	jsonw_key(w, "protocols");
	jsonw_obj(w);
	jsonw_key(w, "total");
	jsonw_int(w, total);
	jsonw_key(w, "by_state");
	render_state_counts(w, s->by_state);
	jsonw_obj_end(w);
	jsonw_key(w, "marketplaces");
	admin_stats_markets(web, w, s);
	jsonw_key(w, "clocks");
	admin_stats_clocks(web, w, s);
	jsonw_key(w, "expirations_fired");
	jsonw_int(w, s->by_cause[PROTO_CAUSE_EXPIRY]);
	jsonw_key(w, "warnings_fired");
	jsonw_int(w, s->by_cause[PROTO_CAUSE_WARNING]);
	jsonw_key(w, "fired_since_start");
	jsonw_int(w, fired);
	jsonw_key(w, "uptime_s");
	jsonw_int(w, clock_uptime_s(web->clock));
	jsonw_key(w, "now");
	render_time(w, clock_now(web->clock));
	jsonw_key(w, "feed_waiting");
	jsonw_int(w, feed_waiting(web->feed));
	jsonw_key(w, "feed_last_seq");
	jsonw_int(w, feed_last_seq(web->feed));
	jsonw_obj_end(w);
}

/* A read of the operator's endpoints on its way (webread.h). */
struct admin_read {
	struct webread r;	/* first */
	struct evhttp_request *req;
	int64_t fired;		/* the stats' fired_since_start, taken when asked */
};

static struct admin_read *
admin_read_new(struct web *web, struct evhttp_request *req)
{
	struct admin_read *ar = xcalloc(1, sizeof *ar);

	webread_start(web, &ar->r, NULL);
	ar->req = req;
	return ar;
}

static void
admin_stats_read(void *arg, int rc, const struct store_stats *s)
{
	struct admin_read *ar = arg;
	struct web *web = webread_end(&ar->r);
	struct jsonw w;

	if (web == NULL)
		;
	else if (rc != 0)
		admin_unavailable(web, ar->req);
	else {
		jsonw_init(&w, web->pool);
		admin_stats_body(web, &w, s, ar->fired);
		http_reply_jsonw(web->http, ar->req, 200, &w);
		jsonw_free(&w);
	}
	free(ar);
}

void
admin_stats(struct web *web, struct evhttp_request *req, const char *unused)
{
	struct admin_read *ar = admin_read_new(web, req);

	/* Taken before the read: every point it counts was told, so is committed and
	 * seen by a read that starts now; one told while the read is on its way would
	 * not be in the counters it answers. */
	ar->fired = sched_fired_count(web->sched);
	store_stats(web->st, admin_stats_read, ar);
}

/* Answer {"status": status}. */
static void
admin_status(struct web *web, struct evhttp_request *req, const char *status)
{
	struct jsonw w;

	jsonw_init(&w, web->pool);
	jsonw_obj(&w);
	jsonw_key(&w, "status");
	jsonw_str(&w, status);
	jsonw_obj_end(&w);
	http_reply_jsonw(web->http, req, 200, &w);
	jsonw_free(&w);
}

void
admin_live(struct web *web, struct evhttp_request *req, const char *unused)
{
	admin_status(web, req, "live");
}

void
admin_ready(struct web *web, struct evhttp_request *req, const char *unused)
{
	char why[256];

	/* The socket is served only once the database and configuration are loaded. */
	if (web->cfg == NULL) {
		http_reply_error(web->http, req, 503, "not_ready", "the configuration is not "
		    "loaded");
		return;
	}
	if (!store_health(web->st, why, sizeof why)) {
		http_reply_error(web->http, req, 503, "not_ready", "%s", why[0] ? why : "the "
		    "database cannot be reached");
		return;
	}
	/* Lists need it: asked again if the store could not give it at the start. */
	web_cursor_key_read(web);
	if (!web->has_key) {
		http_reply_error(web->http, req, 503, "not_ready", "the database's cursor "
		    "secret is not read yet: lists cannot be served");
		return;
	}
	admin_status(web, req, "ready");
}

void
admin_version(struct web *web, struct evhttp_request *req, const char *unused)
{
	struct store_info info;
	struct jsonw w;

	store_info(web->st, &info);
	jsonw_init(&w, web->pool);
	jsonw_obj(&w);
	jsonw_key(&w, "version");
	jsonw_str(&w, ADMIN_VERSION);
	jsonw_key(&w, "api_version");
	jsonw_str(&w, ADMIN_API_VERSION);
	jsonw_key(&w, "sqlite");
	jsonw_str(&w, info.sqlite);
	/* Beyond spec.md §7: which store, and a server's version (doc/postgresql.md). */
	jsonw_key(&w, "store");
	jsonw_str(&w, info.name);
	if (strcmp(info.name, "sqlite") != 0) {
		jsonw_key(&w, info.name);
		jsonw_str(&w, info.version);
	}
	jsonw_key(&w, "libevent");
	jsonw_str(&w, event_get_version());
	jsonw_obj_end(&w);
	http_reply_jsonw(web->http, req, 200, &w);
	jsonw_free(&w);
}

/* The reload's errors, one per line, as a problem with an "errors" list (a line's bytes
 * that are not UTF-8 become '?': it may quote the file). */
static void
admin_reload_failed(struct web *web, struct evhttp_request *req, const char *errors)
{
	struct problem pb;
	struct jsonw w;
	const char *line = errors;

	problem_set(&pb, 422, "config_invalid", "the configuration file has errors; the "
	    "running configuration is unchanged");
	jsonw_init(&w, web->pool);
	render_problem_open(&w, &pb);
	jsonw_key(&w, "errors");
	jsonw_arr(&w);
	while (line != NULL && *line) {
		size_t n = strcspn(line, "\n");

		jsonw_str_n(&w, line, n);
		line += n + (line[n] == '\n');
	}
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	http_reply_problem_jsonw(web->http, req, 422, &w);
	jsonw_free(&w);
}

/* The reload's answer, once the app has done it (maybe from the loop later). */
static void
admin_reloaded(void *arg, int rc, const char *errors)
{
	struct admin_read *ar = arg;
	struct web *web = webread_end(&ar->r);
	struct jsonw w;

	if (web == NULL)
		;
	else if (rc != 0)
		admin_reload_failed(web, ar->req, errors);
	else {
		/* The running configuration's path (the app gave us the new one). */
		jsonw_init(&w, web->pool);
		jsonw_obj(&w);
		jsonw_key(&w, "reloaded");
		jsonw_bool(&w, true);
		jsonw_key(&w, "config");
		jsonw_str(&w, web->cfg->path);
		jsonw_obj_end(&w);
		http_reply_jsonw(web->http, ar->req, 200, &w);
		jsonw_free(&w);
	}
	free(ar);
}

void
admin_reload(struct web *web, struct evhttp_request *req, const char *unused)
{
	web->app.reload(web->app.arg, admin_reloaded, admin_read_new(web, req));
}

/* What /metrics shows besides the counters kept in memory, with the store's counts. */
/* The instance's name and its part of the cluster (cluster.c). */
static void
admin_cluster(struct web *web, struct metrics_snapshot *snap)
{
	struct store_cluster *c = xmalloc(sizeof *c);

	cluster_view(web, c);
	strcopy(snap->instance, sizeof snap->instance, c->instance);
	snap->cluster_shards = c->shards;
	snap->cluster_takeovers = c->takeovers;
	snap->cluster_rejoins = c->rejoins;
	snap->cluster_config_differs = !cluster_config_same(c);
	for (int i = 0; i < c->n; i++) {
		snap->cluster_instances += c->m[i].alive;
		if (c->m[i].self)
			snap->cluster_shards_owned = __builtin_popcountll(c->m[i].shards);
	}
	free(c);
}

/* The clocks by kind and the protocols by marketplace, named. */
static void
admin_snapshot_counts(struct web *web, const struct store_stats *st,
    struct metrics_snapshot *snap)
{
	struct tally_count *t = xcalloc(METRICS_MAX_COUNTS, sizeof *t);
	size_t n = tally_clocks(web->cfg, st, t, METRICS_MAX_COUNTS);

	/* The names point into the configuration, which outlives the render; a kind
	 * no rulebook loaded names (clocks started under a dropped one) is left out. */
	for (size_t i = 0; i < n; i++)
		if (t[i].name != t[i].own)
			snap->clocks[snap->n_clocks++] = (struct metrics_count){ t[i].name, 0,
			    t[i].n };
	n = tally_markets(web->cfg, st, t, METRICS_MAX_COUNTS);
	for (size_t i = 0; i < n; i++)
		snap->markets[snap->n_markets++] = (struct metrics_count){ t[i].name,
		    t[i].state, t[i].n };
	free(t);
}

/* What the daemon knows without the database: the scheduler's backlog, connections,
 * the process's figures (st NULL: the database's counts could not be read). */
static void
admin_snapshot(struct web *web, const struct store_stats *st, struct metrics_snapshot *snap)
{
	struct store_info info;
	int64_t success_at = 0;

	store_info(web->st, &info);
	if (st != NULL) {
		snap->has_counts = true;
		memcpy(snap->protocols, st->by_state, sizeof snap->protocols);
		admin_snapshot_counts(web, st, snap);
		memcpy(snap->transitions, st->by_cause, sizeof snap->transitions);
	}
	snap->scheduler_oldest_due_seconds = (double)sched_oldest_due(web->sched,
	    clock_now(web->clock)) / 1000;
	snap->http_connections_max = web->cfg != NULL ? web->cfg->max_connections : 0;
	snap->has_process = procstat_read(&snap->process) == 0;
	snap->has_wal_bytes = info.wal_bytes >= 0;
	snap->wal_bytes = info.wal_bytes;
	snap->feed_waiters = feed_waiting(web->feed);
	snap->checkpoints_ok = info.checkpoints_ok;
	snap->checkpoints_failed = info.checkpoints_failed;
	snap->checkpoints_inline = info.checkpoints_inline;
	snap->wal_pages = info.wal_pages;
	snap->uptime_seconds = (double)clock_uptime_s(web->clock);
	snap->config_last_reload_successful = web->app.reload_status(web->app.arg,
	    &success_at);
	snap->config_last_reload_success_timestamp_seconds = (double)success_at / 1000;
	snap->version = ADMIN_VERSION;
	snap->sqlite_version = info.sqlite;
	snap->libevent_version = event_get_version();
	admin_cluster(web, snap);
}

static void
admin_metrics_read(void *arg, int rc, const struct store_stats *st)
{
	struct admin_read *ar = arg;
	struct web *web = webread_end(&ar->r);
	struct metrics_snapshot snap = { 0 };
	char *text;

	/* A database that cannot be reached leaves out its counts, not the rest: the
	 * scheduler's backlog and protocold_database_up are what tell it. */
	if (web != NULL) {
		admin_snapshot(web, rc == 0 ? st : NULL, &snap);
		text = metrics_render(web->metrics, &snap);
		http_reply_text(web->http, ar->req, 200, "text/plain; version=0.0.4; "
		    "charset=utf-8", text, strlen(text));
		free(text);
	}
	free(ar);
}

void
admin_metrics(struct web *web, struct evhttp_request *req, const char *unused)
{
	store_stats(web->st, admin_metrics_read, admin_read_new(web, req));
}

/* A status line on its way (webread.h): its receiver. */
struct admin_status_read {
	struct webread r;	/* first */
	web_status_fn *fn;
	void *arg;
};

/* The line from the counts: "1234 protocols, 210 awaiting, next due in 3h12m". */
static void
admin_status_line(struct web *web, const struct store_stats *st, char *buf, size_t len)
{
	int64_t total = 0, in;

	for (int i = 0; i < PROTO_N_STATES; i++)
		total += st->by_state[i];
	if (!st->has_next) {
		snprintf(buf, len, "%lld protocols, %lld awaiting, no clock running",
		    (long long)total, (long long)st->by_state[PROTO_AWAITING]);
		return;
	}
	in = (st->next_at - clock_now(web->clock)) / 60000;
	if (in < 0)
		in = 0;
	snprintf(buf, len, "%lld protocols, %lld awaiting, next due in %lldh%02lldm",
	    (long long)total, (long long)st->by_state[PROTO_AWAITING], (long long)(in / 60),
	    (long long)(in % 60));
}

static void
admin_status_read(void *arg, int rc, const struct store_stats *st)
{
	struct admin_status_read *sr = arg;
	struct web *web = webread_end(&sr->r);
	char buf[256];

	if (web != NULL) {
		if (rc != 0)
			snprintf(buf, sizeof buf, "database unavailable: %s",
			    store_error(web->st));
		else
			admin_status_line(web, st, buf, sizeof buf);
		sr->fn(sr->arg, buf);
	}
	free(sr);
}

/* web_free came first: its caller hears NULL (the struct waits for the answer). */
static void
admin_status_cancel(struct webread *r)
{
	struct admin_status_read *sr = (struct admin_status_read *)r;

	sr->fn(sr->arg, NULL);
}

void
admin_status_text(struct web *web, web_status_fn *fn, void *arg)
{
	struct admin_status_read *sr = xcalloc(1, sizeof *sr);

	webread_start(web, &sr->r, admin_status_cancel);
	sr->fn = fn;
	sr->arg = arg;
	store_stats(web->st, admin_status_read, sr);
}
