#include "web.h"

#include <stdint.h>
#include <stdlib.h>

#include "admin.h"
#include "api.h"
#include "cursor.h"
#include "feed.h"
#include "http.h"
#include "import.h"
#include "render.h"
#include "store.h"
#include "web_int.h"
#include "xmalloc.h"

_Static_assert(CURSOR_KEY_LEN == STORE_KEY_LEN, "the store keeps the cursors' secret");

/* The cursors' secret, from the store: 0, or -1 with *cause. */
static int
web_cursor_key(struct web *w, char **cause)
{
	uint8_t key[STORE_KEY_LEN];

	if (store_cursor_key(w->st, key) != 0) {
		*cause = xasprintf("database: cannot read the cursor secret: %s",
		    store_error(w->st));
		return -1;
	}
	cursor_init(&w->cursor, key);
	return 0;
}

struct web *
web_new(struct event_base *base, int fd, const struct config *cfg, const struct cal *cal,
    const struct web_deps *deps, char **cause)
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
	if (web_cursor_key(w, cause) != 0) {
		free(w);
		return NULL;
	}
	w->render = render_new();
	w->pool = hd.pool = jsonw_pool_new();
	routes = api_routes(&n);
	/* Nothing is served before the loop runs: the feed may come after the server. */
	if ((w->http = http_new(base, fd, cfg, routes, n, &hd, cause)) == NULL) {
		web_free(w);
		return NULL;
	}
	w->feed = feed_new(base, w->st, w->http, w->pool);
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
	admin_shutdown(w);
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
	http_reconfigure(w->http, cfg);
}

void
web_feed_notify(struct web *w)
{
	if (w != NULL)
		feed_notify(w->feed);
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
web_status_text(struct web *w, char *buf, size_t len)
{
	admin_status_text(w, buf, len);
}
