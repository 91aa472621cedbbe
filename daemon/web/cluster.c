#include "cluster.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "http.h"
#include "jsonw.h"
#include "render.h"
#include "store.h"
#include "strcopy.h"
#include "web_int.h"

/* This instance's name when the store names none: the configured, or hostname:pid
 * (as pgcluster.c makes it). */
static void
cluster_self_name(const struct web *web, char *buf, size_t len)
{
	char host[64];

	if (web->cfg->instance != NULL) {
		strcopy(buf, len, web->cfg->instance);
		return;
	}
	if (gethostname(host, sizeof host) != 0)
		strcopy(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	snprintf(buf, len, "%.40s:%d", host, (int)getpid());
}

/* A store of one instance: this one, alive now, owning everything. */
static void
cluster_alone(const struct web *web, struct store_cluster *c)
{
	struct store_member *m = &c->m[0];
	int64_t now = clock_wall();

	*m = (struct store_member){ .pid = (int)getpid(), .self = true, .alive = true,
	    .shards = 1, .beat_at = now };
	cluster_self_name(web, m->name, sizeof m->name);
	if (gethostname(m->host, sizeof m->host) != 0)
		strcopy(m->host, sizeof m->host, "localhost");
	m->host[sizeof m->host - 1] = '\0';
	m->started_at = now - clock_uptime_s(web->clock) * 1000;
	config_fingerprint(web->cfg, m->config);
	c->instance = m->name;
	c->n = 1;
}

bool
cluster_config_same(const struct store_cluster *c)
{
	const char *first = NULL;

	for (int i = 0; i < c->n; i++) {
		if (!c->m[i].alive || c->m[i].config[0] == '\0')
			continue;
		if (first == NULL)
			first = c->m[i].config;
		else if (strcmp(first, c->m[i].config) != 0)
			return false;
	}
	return true;
}

void
cluster_view(const struct web *web, struct store_cluster *out)
{
	store_cluster(web->st, out);
	if (out->n == 0 && out->instance == NULL)
		cluster_alone(web, out);
}

static void
cluster_member(struct jsonw *w, const struct store_member *m, int shards)
{
	int owned = 0;

	jsonw_obj(w);
	jsonw_key(w, "instance");
	jsonw_str(w, m->name);
	jsonw_key(w, "self");
	jsonw_bool(w, m->self);
	jsonw_key(w, "alive");
	jsonw_bool(w, m->alive);
	jsonw_key(w, "host");
	jsonw_str(w, m->host);
	jsonw_key(w, "pid");
	jsonw_int(w, m->pid);
	jsonw_key(w, "epoch");
	jsonw_int(w, m->epoch);
	jsonw_key(w, "started_at");
	render_time(w, m->started_at);
	jsonw_key(w, "heartbeat_at");
	render_time(w, m->beat_at);
	jsonw_key(w, "shards");
	jsonw_arr(w);
	for (int s = 0; s < shards && s < 64; s++)
		if ((m->shards >> s) & 1) {
			jsonw_int(w, s);
			owned++;
		}
	jsonw_arr_end(w);
	jsonw_key(w, "owned");
	jsonw_int(w, owned);
	jsonw_key(w, "config");
	if (m->config[0] != '\0')
		jsonw_str(w, m->config);
	else
		jsonw_null(w);
	jsonw_obj_end(w);
}

void
cluster_get(struct web *web, struct evhttp_request *req, const char *unused)
{
	struct store_cluster c;
	struct store_info info;
	struct jsonw w;

	store_info(web->st, &info);
	cluster_view(web, &c);
	jsonw_init(&w, web->pool);
	jsonw_obj(&w);
	jsonw_key(&w, "store");
	jsonw_str(&w, info.name);
	jsonw_key(&w, "instance");
	jsonw_str(&w, c.instance);
	jsonw_key(&w, "shards");
	jsonw_int(&w, c.shards);
	jsonw_key(&w, "lease_ms");
	jsonw_int(&w, c.lease_ms);
	jsonw_key(&w, "takeovers");
	jsonw_int(&w, c.takeovers);
	jsonw_key(&w, "rejoins");
	jsonw_int(&w, c.rejoins);
	jsonw_key(&w, "config_same");
	jsonw_bool(&w, cluster_config_same(&c));
	jsonw_key(&w, "instances");
	jsonw_arr(&w);
	for (int i = 0; i < c.n; i++)
		cluster_member(&w, &c.m[i], c.shards);
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	http_reply_jsonw(web->http, req, 200, &w);
	jsonw_free(&w);
}
