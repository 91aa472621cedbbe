#include "daemon.h"

#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "dburi.h"
#include "engine.h"
#include "log.h"
#include "metrics.h"
#include "pg.h"
#include "reload.h"
#include "runconf.h"
#include "sched.h"
#include "sqlite.h"
#include "store.h"
#include "sysd.h"
#include "turn.h"
#include "web.h"
#include "xmalloc.h"

int
daemon_configure(struct daemon *d, const char *path, char **errors)
{
	d->conf = runconf_new(path, errors);
	return d->conf == NULL ? -1 : 0;
}

/*
 * A commit is durable, and the readers see it (turn.h, step 1): its transitions are
 * logged, then the feed and the scheduler are woken, in this order — the feed's
 * followers never get ahead of the log, and the scheduler looks at a head that the
 * commit may have moved. The answers come after (turn.h, step 2).
 */
static void
daemon_told(void *arg, const struct turn_line *lines, size_t n)
{
	struct daemon *d = arg;

	for (size_t i = 0; i < n; i++) {
		const struct turn_line *l = &lines[i];
		const char *from = l->from >= 0 ? proto_state_name(l->from) : "-";

		sysd_transition(d->sysd, l->info, l->id, from, proto_state_name(l->to),
		    proto_cause_name(l->cause), l->name, l->late_ms, l->has_late);
	}
	web_feed_notify(d->web);
	sched_kick(d->sched);
}

/* The others sharing the database see what decides our due instants. */
static void
daemon_advertise(struct daemon *d, const struct config *cfg)
{
	char fp[17];

	config_fingerprint(cfg, fp);
	store_advertise(d->store, fp);
}

/* A reloaded configuration goes to its users. */
static void
daemon_apply(void *arg, const struct config *cfg, const struct cal *cal)
{
	struct daemon *d = arg;

	engine_configure(d->engine, cfg, cal);
	daemon_advertise(d, cfg);
	web_reconfigure(d->web, cfg, cal);
}

/* A reload on its way: whom to tell. */
struct daemon_reloading {
	struct daemon *d;
	web_reload_done *done;
	void *arg;
};

static void
daemon_reloaded(void *arg, int rc, const char *errors)
{
	struct daemon_reloading *r = arg;

	if (r->d->sysd != NULL)
		sysd_reloaded(r->d->sysd, rc != 0);
	if (r->done != NULL)
		r->done(r->arg, rc, errors);
	free(r);
}

/* A reload (SIGHUP, POST /v1/reload): reload.h, and systemd hears of it. */
static void
daemon_reload(void *arg, web_reload_done *done, void *done_arg)
{
	struct daemon *d = arg;
	struct daemon_reloading *r = xmalloc(sizeof *r);
	struct reload_deps deps = { d->conf, d->store, daemon_apply, d };

	*r = (struct daemon_reloading){ d, done, done_arg };
	sysd_reloading();
	reload_start(&deps, daemon_reloaded, r);
}

static bool
daemon_reload_status(void *arg, int64_t *success_at)
{
	struct daemon *d = arg;

	return runconf_last_ok(d->conf, success_at);
}

static struct event_base *
daemon_loop(void)
{
	struct event_config *ec = event_config_new();
	struct event_base *base;

	/* Deadlines want sub-millisecond timers, not epoll's millisecond rounding. */
	event_config_set_flag(ec, EVENT_BASE_FLAG_PRECISE_TIMER);
	event_config_set_flag(ec, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	base = event_base_new_with_config(ec);
	event_config_free(ec);
	if (base == NULL)
		fatalx("cannot create the event loop");
	return base;
}

static int
daemon_start_web(struct daemon *d, int fd, int http_fd, char **cause)
{
	struct web_deps deps = {
		.store = d->store, .engine = d->engine, .turn = d->turn, .sched = d->sched,
		.clock = d->clock, .metrics = d->metrics,
		.app = { daemon_reload, daemon_reload_status, d },
	};

	d->web = web_new(d->base, fd, http_fd, runconf_get(d->conf), runconf_cal(d->conf), &deps,
	    cause);
	return d->web == NULL ? -1 : 0;
}

/* Another instance moved a clock of ours, or what we own changed. */
static void
daemon_peer_wake(void *arg, int64_t at)
{
	struct daemon *d = arg;

	sched_wake(d->sched, at);
}

/* Another instance moved the test clock (the database keeps it for all). */
static void
daemon_peer_clock(void *arg, int64_t ms)
{
	struct daemon *d = arg;

	if (!clock_is_test(d->clock) || ms == clock_now(d->clock))
		return;
	clock_test_set(d->clock, ms);
	sched_kick(d->sched);
}

/* Another instance committed: the feed's waiters here are served to its new end. */
static void
daemon_peer_feed(void *arg, int64_t last)
{
	struct daemon *d = arg;

	if (d->web != NULL)
		web_feed_moved(d->web, last);
}

/* The store `database` names: a PostgreSQL URI, else a SQLite file. */
static struct store *
daemon_open_store(struct daemon *d, char **why)
{
	const struct config *cfg = runconf_get(d->conf);
	struct sqlite_options so = { cfg->sync_full, cfg->read_map_mib };

	if (dburi_is_pg(cfg->database))
		return pg_store_open(cfg->database, cfg->instance, d->base, why);
	return sqlite_store_open(cfg->database, &so, d->base, why);
}

struct daemon_loaded {
	bool done;
	int rc;
	int64_t ms;
};

static void
daemon_clock_loaded(void *arg, int rc, int64_t ms)
{
	struct daemon_loaded *l = arg;

	*l = (struct daemon_loaded){ true, rc, ms };
}

/*
 * The test clock lives in the database, so that daemons sharing one share it: a start
 * at a given instant keeps that instant there (committed with the first turn), a start
 * without one goes on from the instant kept (or the real now, the first time). The
 * loop runs until the store has answered: nothing is served before.
 */
static int
daemon_test_clock(struct daemon *d, const int64_t *start, char **cause)
{
	struct daemon_loaded l = { 0 };

	if (start != NULL) {
		clock_test_set(d->clock, *start);
		if (turn_open(d->turn) == 0 && store_clock_save(d->store, *start) == 0)
			return 0;
		*cause = xasprintf("database: cannot keep the test clock: %s",
		    store_error(d->store));
		return -1;
	}
	store_clock_load(d->store, daemon_clock_loaded, &l);
	while (!l.done)
		event_base_loop(d->base, EVLOOP_ONCE);
	if (l.rc != 0) {
		*cause = xasprintf("database: cannot read the test clock: %s",
		    store_error(d->store));
		return -1;
	}
	if (l.ms != 0)
		clock_test_set(d->clock, l.ms);
	return 0;
}

int
daemon_start(struct daemon *d, bool test_clock, const int64_t *test_start, int fd,
    int http_fd, char **cause)
{
	const struct config *cfg = runconf_get(d->conf);
	char *why = NULL;

	d->base = daemon_loop();
	/* A test clock starts at the real now until daemon_test_clock has its instant. */
	d->clock = clock_new(test_clock, clock_wall());
	d->metrics = metrics_new();
	if ((d->store = daemon_open_store(d, &why)) == NULL) {
		*cause = xasprintf("database %s", why);
		free(why);
		return -1;
	}
	d->turn = turn_new(d->base, d->store, d->metrics, daemon_told, d);
	d->engine = engine_new(d->store, d->turn, d->clock, d->metrics);
	engine_configure(d->engine, cfg, runconf_cal(d->conf));
	daemon_advertise(d, cfg);
	d->sched = sched_new(d->base, d->store, d->engine, d->turn, d->clock);
	store_on_peers(d->store, &(struct store_peers){ daemon_peer_wake,
	    daemon_peer_clock, daemon_peer_feed, d });
	if (test_clock && daemon_test_clock(d, test_start, cause) != 0)
		return -1;
	reload_check_start(d->conf, d->store);
	return daemon_start_web(d, fd, http_fd, cause);
}

/* SIGTERM, SIGINT: commit and answer what is in flight (its fsync done), answer the
 * long-polls, take no new connections, and give the answers a moment to leave. */
static void
daemon_on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	struct timeval drain = { 0, 200000 };

	/* A second TERM (systemctl stop, then a kill) must not shorten the drain or log
	 * the stop twice: the first one already does all there is to do. */
	if (d->stopping) {
		log_debug("signal %d: already stopping", (int)sig);
		return;
	}
	d->stopping = true;
	log_info("signal %d: finishing the transaction in flight and stopping", (int)sig);
	sysd_stopping(d->sysd);
	turn_drain(d->turn);
	web_shutdown_feed(d->web);
	web_stop_listening(d->web);
	event_base_loopexit(d->base, &drain);
}

static void
daemon_on_hup(evutil_socket_t sig, short what, void *arg)
{
	/* A failure is logged by the reload itself, for SIGHUP and POST alike. */
	daemon_reload(arg, NULL, NULL);
}

static void
daemon_signals(struct daemon *d)
{
	signal(SIGPIPE, SIG_IGN);
	d->sig_term = evsignal_new(d->base, SIGTERM, daemon_on_stop, d);
	d->sig_int = evsignal_new(d->base, SIGINT, daemon_on_stop, d);
	d->sig_hup = evsignal_new(d->base, SIGHUP, daemon_on_hup, d);
	evsignal_add(d->sig_term, NULL);
	evsignal_add(d->sig_int, NULL);
	evsignal_add(d->sig_hup, NULL);
}

static void
daemon_status(void *arg, sysd_text_fn *done, void *done_arg)
{
	struct daemon *d = arg;

	web_status_text(d->web, done, done_arg);
}

/* READY=1 once the status line is known (the store may answer later). */
static void
daemon_ready_text(void *arg, const char *text)
{
	if (text != NULL)
		sysd_ready(text);
}

/*
 * The store lost a commit it had written (SQLite: the WAL's name was lost while
 * SQLite writes it): save it by other means (copy the WAL into the database through
 * the descriptor SQLite holds), tell the writes of that commit they are durable, give
 * the answers a moment to leave, and stop for a restart that makes a new WAL.
 */
static void
daemon_salvage(struct daemon *d)
{
	struct timeval drain = { 0, 200000 };
	char *cause = NULL;
	bool saved;

	sysd_stopping(d->sysd);
	web_stop_listening(d->web);
	saved = store_salvage(d->store, &cause) == 0;
	if (saved)
		log_info("everything committed is now in %s; stopping (exit status 1) so "
		    "that a restart opens a new WAL", runconf_get(d->conf)->database);	/* a file */
	else {
		log_warnx("%s: the last commit was not acknowledged and may be lost", cause);
		free(cause);
	}
	turn_lost_saved(d->turn, saved);
	event_base_loopexit(d->base, &drain);
	event_base_dispatch(d->base);
}

int
daemon_run(struct daemon *d)
{
	char *db;

	daemon_signals(d);
	d->sysd = sysd_new(d->base, d->store, d->turn, daemon_status, d);
	/* Whatever expired while we were down is applied first, in due order. */
	sched_kick(d->sched);
	db = dburi_shown(runconf_get(d->conf)->database);
	log_info("ready: database %s, socket %s", db, web_socket_name(d->web));
	free(db);
	web_status_text(d->web, daemon_ready_text, d);
	event_base_dispatch(d->base);
	if (!turn_is_lost(d->turn))
		return 0;
	daemon_salvage(d);
	return 1;
}

void
daemon_stop(struct daemon *d)
{
	struct event *sigs[] = { d->sig_term, d->sig_int, d->sig_hup };

	for (size_t i = 0; i < 3; i++)
		if (sigs[i] != NULL)
			event_free(sigs[i]);
	/* The turn's last waiters answer over the web's connections: the turn first. */
	turn_free(d->turn);
	web_free(d->web);
	sched_free(d->sched);
	engine_free(d->engine);
	sysd_free(d->sysd);
	store_close(d->store);
	metrics_free(d->metrics);
	clock_free(d->clock);
	runconf_free(d->conf);
	if (d->base != NULL)
		event_base_free(d->base);
	libevent_global_shutdown();
}
