#ifndef WEB_H
#define WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cal.h"
#include "config.h"

struct clock;
struct engine;
struct event_base;
struct metrics;
struct sched;
struct store;
struct turn;

/*
 * The web wing: the HTTP/1.1 API on the Unix socket (spec.md §8), its handlers, the
 * transition feed and the import. It reads committed data through the store (each read
 * answers through a callback, before the call returns or later: webread.h says how a
 * request waits for it), writes through the engine (answering once the turn's commit
 * is durable), and gets what the app owns (the configuration and its reload) through
 * web_deps and web_reconfigure.
 *
 * The app starts it last (after the store, turn, engine, scheduler and clock: the
 * handlers call them) and, at the stop: turn_drain, web_shutdown_feed,
 * web_stop_listening (the loop then runs a moment for the answers to leave); once the
 * loop is over: turn_free, web_free, then sched_free and the rest.
 */

/* A reload's outcome: rc 0, after which web_reconfigure has been called with the new
 * configuration, or -1 and the errors (one per line), the old one kept. */
typedef void web_reload_done(void *arg, int rc, const char *errors);

/* What the app does for the web. */
struct web_app {
	/* Reload the configuration (POST /v1/reload; SIGHUP does the same); done is
	 * called once, maybe from the loop later (the store is asked whether protocols
	 * use a marketplace it drops). Either outcome is logged by the app. */
	void (*reload)(void *arg, web_reload_done *done, void *done_arg);
	/* Whether the last reload succeeded, and when (UTC ms) the configuration was
	 * last loaded successfully (the start counts): for /metrics. */
	bool (*reload_status)(void *arg, int64_t *success_at);
	void *arg;
};

/* What the handlers use; each must outlive the web. */
struct web_deps {
	struct store *store;		/* reads of committed data, and store_error() */
	struct engine *engine;		/* every write */
	struct turn *turn;		/* when to answer a write; a read that waits */
	struct sched *sched;		/* POST /v1/clock waits for it; its count */
	struct clock *clock;		/* now; --test-clock's /v1/clock */
	struct metrics *metrics;	/* counted here, rendered by /metrics */
	struct web_app app;
};

struct web;

/* Serve the API on fd (>= 0, from systemd) or on the socket cfg names (bound with its
 * mode and group), and its reads alone on http_fd (>= 0, from systemd) or cfg's
 * http_listen (http.h), with cfg and cal (valid until the next web_reconfigure). The
 * cursors' secret is asked from the store now: when the store answers before
 * returning (SQLite) and fails, NULL with *cause (malloc'd); when it answers later,
 * connections wait in the socket's backlog until it has (nothing is served before the
 * web can sign a list's cursor; an answer that failed is logged, the connections are
 * then taken, lists answer 503 and ask again). The web, or NULL with *cause. */
struct web *web_new(struct event_base *base, int fd, int http_fd,
    const struct config *cfg, const struct cal *cal, const struct web_deps *deps, char **cause);
/* Drop the imports in progress (their committed batches stay), answer the waiting
 * feed requests, cancel the store's reads still on their way (their requests are
 * never answered; their callbacks, when they come, touch nothing of the web:
 * webread.h), close every connection and the listener (unlinking the socket file it
 * bound); NULL is a no-op. Once the loop is over, after turn_free: the answers its
 * waiters send need the connections. */
void web_free(struct web *w);
/* Use cfg and cal from now on (a reload): the clocks the answers explain, the write
 * group, the idle timeout and the connection limit. */
void web_reconfigure(struct web *w, const struct config *cfg, const struct cal *cal);

/* A commit is durable and the reads see it (the turn's told callback): wake the feed's
 * waiters. Also re-reads where the feed ends, so it may be called after the database
 * was emptied behind the daemon's back (the HTTP fuzzer). NULL is a no-op (a commit
 * before the web is started: web_new reads where the feed ends itself). */
void web_feed_notify(struct web *w);
/* Another instance committed: the feed ends at seq last now (at least). */
void web_feed_moved(struct web *w, int64_t last);
/* Answer every long-poll now and end every stream (at the stop; the feed still takes
 * requests afterwards). */
void web_shutdown_feed(struct web *w);
/* Take no new connection (the open ones are still served). */
void web_stop_listening(struct web *w);

/* Where we listen, for people: the path bound, or that systemd passed the socket. */
const char *web_socket_name(const struct web *w);
/* The status line's receiver: text is valid during the call only; NULL when the web
 * was freed before the store answered (send nothing). */
typedef void web_status_fn(void *arg, const char *text);
/* One line for systemd's STATUS=: "1234 protocols, 210 awaiting, next due in 3h12m",
 * or "database unavailable: …", told to fn(arg, text) exactly once: before returning
 * when the store answers at once (SQLite), else later from the loop, or with NULL
 * from web_free. The caller checks that reads may run (store_reads_ready). */
void web_status_text(struct web *w, web_status_fn *fn, void *arg);

#endif
