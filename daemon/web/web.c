#include "web.h"

#include <stdint.h>
#include <stdlib.h>

#include "admin.h"
#include "api.h"
#include "cursor.h"
#include "feed.h"
#include "http.h"
#include "import.h"
#include "log.h"
#include "render.h"
#include "store.h"
#include "testclock.h"
#include "web_int.h"
#include "webread.h"
#include "xmalloc.h"

_Static_assert(CURSOR_KEY_LEN == STORE_KEY_LEN, "the store keeps the cursors' secret");

/* The read of the cursors' secret on its way. */
struct web_key_read {
	struct webread r;	/* first */
};

/* The secret came, or not. The first answer after web_new returned, whatever it says,
 * lets the connections in (a failure is logged once: the lists' 503s say it again); an
 * answer during web_new is web_new's to tell. */
static void
web_key_got(void *arg, int rc, const uint8_t key[])
{
	struct web_key_read *kr = arg;
	struct web *w = webread_end(&kr->r);

	free(kr);
	if (w == NULL)
		return;
	w->key_asked = false;
	if (rc == 0) {
		cursor_init(&w->cursor, key);
		w->has_key = true;
	}
	if (w->starting || w->key_told)
		return;
	if (rc != 0)
		log_warnx("database: cannot read the cursor secret: %s; lists answer 503 "
		    "until it is read", store_error(w->st));
	w->key_told = true;
	http_accepting(w->http, true);
}

void
web_cursor_key_read(struct web *w)
{
	struct web_key_read *kr;

	if (w->has_key || w->key_asked)
		return;
	kr = xcalloc(1, sizeof *kr);
	webread_start(w, &kr->r, NULL);
	w->key_asked = true;
	store_cursor_key(w->st, web_key_got, kr);
}

/* Ask for the cursors' secret: when it is on its way, connections are held back until
 * it came (web_key_got); -1 with *cause when the store said at once that it cannot
 * read it. */
static int
web_cursor_key(struct web *w, char **cause)
{
	w->starting = true;
	web_cursor_key_read(w);
	w->starting = false;
	if (w->key_asked) {
		http_accepting(w->http, false);
		return 0;
	}
	w->key_told = true;
	if (w->has_key)
		return 0;
	*cause = xasprintf("database: cannot read the cursor secret: %s", store_error(w->st));
	return -1;
}

struct web *
web_new(struct event_base *base, int fd, int http_fd, const struct config *cfg,
    const struct cal *cal, const struct web_deps *deps, char **cause)
{
	struct web *w = xcalloc(1, sizeof *w);
	struct http_deps hd = { .ctx = w, .st = deps->store, .turn = deps->turn,
	    .metrics = deps->metrics };
	const struct http_route *routes;
	size_t n;

	w->base = base;
	w->st = deps->store;
	w->engine = deps->engine;
	w->turn = deps->turn;
	w->sched = deps->sched;
	w->clock = deps->clock;
	w->metrics = deps->metrics;
	w->app = deps->app;
	w->cfg = cfg;
	w->cal = cal;
	w->render = render_new();
	render_configure(w->render, cfg);
	w->pool = hd.pool = jsonw_pool_new();
	routes = api_routes(&n);
	/* Nothing is served before the loop runs: the feed and the secret may come
	 * after the server. */
	if ((w->http = http_new(base, fd, http_fd, cfg, routes, n, &hd, cause)) == NULL) {
		web_free(w);
		return NULL;
	}
	w->feed = feed_new(base, w->st, w->http, w->pool);
	feed_configure(w->feed, cfg->idle_timeout_ms);
	if (web_cursor_key(w, cause) != 0) {
		web_free(w);
		return NULL;
	}
	return w;
}

void
web_free(struct web *w)
{
	if (w == NULL)
		return;
	/* The answers the feed sends at its end need their connections: before them. */
	import_shutdown(w);
	feed_free(w->feed);
	testclock_shutdown(w);
	/* Before the server: freeing it frees the requests the reads would answer. */
	webread_cancel_all(w);
	http_free(w->http);
	render_free(w->render);
	/* The answers' texts still queued come back when libevent frees the connections'
	 * buffers, maybe only at event_base_free: the pool waits for them. */
	jsonw_pool_free(w->pool);
	free(w);
}

void
web_reconfigure(struct web *w, const struct config *cfg, const struct cal *cal)
{
	w->cfg = cfg;
	w->cal = cal;
	render_configure(w->render, cfg);
	http_reconfigure(w->http, cfg);
	feed_configure(w->feed, cfg->idle_timeout_ms);
}

void
web_feed_notify(struct web *w)
{
	if (w != NULL)
		feed_notify(w->feed);
}

void
web_feed_moved(struct web *w, int64_t last)
{
	if (w != NULL)
		feed_moved(w->feed, last);
}

void
web_shutdown_feed(struct web *w)
{
	feed_shutdown(w->feed);
}

void
web_stop_listening(struct web *w)
{
	http_stop_listening(w->http);
}

const char *
web_socket_name(const struct web *w)
{
	return http_socket_name(w->http);
}

void
web_status_text(struct web *w, web_status_fn *fn, void *arg)
{
	admin_status_text(w, fn, arg);
}
