/* protocold: keeps the deadlines of marketplace customer-service protocols. */

#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "ckpt.h"
#include "clock.h"
#include "commit.h"
#include "config.h"
#include "durable.h"
#include "engine.h"
#include "feed.h"
#include "http.h"
#include "import.h"
#include "log.h"
#include "rfc3339.h"
#include "runconf.h"
#include "sched.h"
#include "snapshot.h"
#include "wire.h"
#include "sqlite.h"
#include "sysd.h"

#define EXIT_CONFIG 6

struct options {
	const char *config;
	bool check_config;
	bool test_clock;
	const char *test_start;
	bool debug;
};

struct daemon {
	struct event_base *base;
	struct store *writer;
	struct store *reader;
	struct event *sig_term, *sig_int, *sig_hup;
	bool stopping;
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: protocold [-c FILE] [--test-clock[=INSTANT]] [--check-config] "
	    "[--debug]\n");
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "test-clock", optional_argument, NULL, 'T' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	*o = (struct options){ .config = CONFIG_DEFAULT_PATH };
	while ((ch = getopt_long(argc, argv, "c:dh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'C': o->check_config = true; break;
		case 'T': o->test_clock = true; o->test_start = optarg; break;
		case 'd': o->debug = true; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("protocold 0.1.0\n"); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind != argc) {
		usage(stderr);
		exit(2);
	}
}

static void
load_config(const struct options *o)
{
	char *errors = NULL;

	if (runconf_init(o->config, &errors) != 0) {
		fprintf(stderr, "%s", errors);
		if (errors[0] && errors[strlen(errors) - 1] != '\n')
			fputc('\n', stderr);
		exit(EXIT_CONFIG);
	}
	if (o->check_config) {
		printf("%s: ok\n", o->config);
		runconf_shutdown();
		exit(0);
	}
}

static void
start_clock(const struct options *o)
{
	int64_t start = clock_wall();

	if (o->test_start != NULL && rfc3339_parse(o->test_start, &start) != 0)
		fatalx("--test-clock=%s: not an RFC 3339 instant with an offset", o->test_start);
	clock_init(o->test_clock, start);
	if (o->test_clock)
		log_info("test clock on: time moves only through POST /v1/clock");
}

static void
on_stop(evutil_socket_t sig, short what, void *arg)
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
	sysd_stopping();
	/* Commit and answer what is in flight (its fsync done), answer the long-polls,
	 * take no new connections, and give the answers a moment to leave. */
	commit_drain();
	feed_shutdown();
	http_stop_listening();
	event_base_loopexit(d->base, &drain);
}

static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	char *errors = NULL;

	admin_do_reload(&errors);	/* logs a failure, as for POST /v1/reload */
	free(errors);
}

static void
open_stores(struct daemon *d)
{
	const struct config *cfg = runconf_get();
	char *cause = NULL;

	d->writer = store_open(cfg->database, false, cfg->sync_full, &cause);
	if (d->writer == NULL)
		fatalx("database %s", cause);
	d->reader = store_open(cfg->database, true, cfg->sync_full, &cause);
	if (d->reader == NULL)
		fatalx("database (reader) %s", cause);
	if (store_set_map(d->reader, cfg->read_map_mib) != 0)
		log_warnx("read_map: %s; reads copy pages instead", store_error(d->reader));
	if (ckpt_start(d->writer, cfg->database, CKPT_PAGES, CKPT_MAX_PAGES, &cause) != 0) {
		log_warnx("%s; the commits checkpoint the WAL themselves", cause);
		free(cause);
	}
}

/* synchronous = full: the WAL's fsync in a thread, commits told once it is over. */
static void
start_syncer(struct daemon *d)
{
	const struct config *cfg = runconf_get();
	char *cause = NULL;

	if (!cfg->sync_full)
		return;
	if (durable_start(d->base, cfg->database, commit_synced, &cause) != 0) {
		log_warnx("%s; each commit syncs the WAL itself", cause);
		free(cause);
		return;
	}
	if (store_set_sync(d->writer, false) != 0) {
		log_warnx("%s; each commit syncs the WAL itself", store_error(d->writer));
		durable_stop();
		return;
	}
	commit_durable();
}

static void
start_signals(struct daemon *d)
{
	signal(SIGPIPE, SIG_IGN);
	d->sig_term = evsignal_new(d->base, SIGTERM, on_stop, d);
	d->sig_int = evsignal_new(d->base, SIGINT, on_stop, d);
	d->sig_hup = evsignal_new(d->base, SIGHUP, on_hup, d);
	evsignal_add(d->sig_term, NULL);
	evsignal_add(d->sig_int, NULL);
	evsignal_add(d->sig_hup, NULL);
}

static void
start(struct daemon *d)
{
	struct event_config *ec = event_config_new();
	char *cause = NULL;

	/* Deadlines want sub-millisecond timers, not epoll's millisecond rounding. */
	event_config_set_flag(ec, EVENT_BASE_FLAG_PRECISE_TIMER);
	event_config_set_flag(ec, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	d->base = event_base_new_with_config(ec);
	event_config_free(ec);
	if (d->base == NULL)
		fatalx("cannot create the event loop");
	open_stores(d);
	if (wire_start(d->base, d->writer, d->reader, sysd_listen_fd(), &cause) != 0)
		fatalx("%s", cause);
	start_syncer(d);
	start_signals(d);
	sysd_start(d->base, admin_status_text);
	/* Whatever expired while we were down is applied first, in due order. */
	sched_kick();
}

/*
 * The WAL's name was lost while SQLite writes it (commit.h): copy it into the database
 * through the descriptor SQLite holds, tell the writes of the last commit that they
 * are durable, give the answers a moment to leave, and stop for a restart that makes
 * a new WAL. Every other connection to the database is idle first.
 */
static void
save_lost_wal(struct daemon *d)
{
	struct timeval drain = { 0, 200000 };
	char *cause = NULL;
	bool saved;

	sysd_stopping();
	http_stop_listening();
	ckpt_stop();
	snapshot_release();
	saved = store_checkpoint_all(d->writer, &cause) == 0;
	if (saved)
		log_info("everything committed is now in %s; stopping (exit status 1) so "
		    "that a restart opens a new WAL", runconf_get()->database);
	else {
		log_warnx("%s: the last commit was not acknowledged and may be lost", cause);
		free(cause);
	}
	commit_lost_saved(saved);
	event_base_loopexit(d->base, &drain);
	event_base_dispatch(d->base);
}

static void
stop(struct daemon *d)
{
	event_free(d->sig_term);
	event_free(d->sig_int);
	event_free(d->sig_hup);
	/* Commit before the HTTP server goes: its waiters answer requests it owns. */
	commit_shutdown();
	durable_stop();
	import_shutdown();
	feed_shutdown();
	sched_shutdown();
	http_shutdown();
	snapshot_shutdown();
	sysd_shutdown();
	engine_shutdown();
	ckpt_stop();
	store_close(d->reader);
	store_close(d->writer);
	runconf_shutdown();
	event_base_free(d->base);
	libevent_global_shutdown();
}

int
main(int argc, char **argv)
{
	struct options o;
	struct daemon d = { 0 };
	char status[256];

	parse_args(argc, argv, &o);
	log_init("protocold", o.debug);
	load_config(&o);
	start_clock(&o);
	start(&d);
	log_info("ready: database %s, socket %s", runconf_get()->database,
	    http_socket_name());
	admin_status_text(status, sizeof status);
	sysd_ready(status);
	event_base_dispatch(d.base);
	if (commit_is_lost())
		save_lost_wal(&d);
	stop(&d);
	log_info("stopped");
	return commit_is_lost() ? 1 : 0;
}
