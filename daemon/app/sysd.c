#include "sysd.h"

#include <event2/event.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "log.h"
#include "store.h"
#include "turn.h"
#include "xmalloc.h"

#define SYSD_STATUS_EVERY_S 10

struct sysd {
	struct store *st;
	struct turn *turn;
	struct event *watchdog_ev, *status_ev;
	int64_t watchdog_half_us;
	sysd_status_fn *status_fn;	/* NULL once stopping: no STATUS= after it */
	void *status_arg;
	bool journal;			/* our stderr goes to journald */
};

/* Whether fd is a listening stream socket of family (AF_UNIX, or AF_UNSPEC: an INET
 * one). */
static bool
sysd_is_listener(int fd, int family)
{
	if (family == AF_UNIX)
		return sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) > 0;
	return sd_is_socket_inet(fd, AF_UNSPEC, SOCK_STREAM, 1, 0) > 0;
}

/*
 * The sockets systemd passed, told apart by their FileDescriptorName=: "http" is the
 * read-only TCP listener (protocold-http.socket), any other name the API's Unix
 * socket (protocold.socket: "api", or systemd's default, the unit's name).
 */
void
sysd_listen_fds(int *api, int *http)
{
	char **names = NULL;
	int n = sd_listen_fds_with_names(1, &names);

	*api = *http = -1;
	for (int i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;
		bool is_http = names != NULL && strcmp(names[i], "http") == 0;
		int *slot = is_http ? http : api;

		if (!sysd_is_listener(fd, is_http ? AF_UNSPEC : AF_UNIX))
			log_warnx("the socket systemd passed as \"%s\" is not a listening %s "
			    "stream socket; ignored", names != NULL ? names[i] : "?",
			    is_http ? "TCP" : "Unix");
		else if (*slot >= 0)
			log_warnx("systemd passed more than one %s socket; using the first",
			    is_http ? "http" : "API");
		else
			*slot = fd;
	}
	if (names != NULL)
		for (int i = 0; i < n; i++)
			free(names[i]);
	free(names);
}

void
sysd_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void
sysd_reloading(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000 + (unsigned long long)ts.tv_nsec / 1000);
}

void
sysd_status(const char *status)
{
	sd_notifyf(0, "STATUS=%s", status);
}

void
sysd_stopping(struct sysd *sd)
{
	sd_notify(0, "STOPPING=1");
	if (sd != NULL)
		sd->status_fn = NULL;
}

/*
 * The loop answers, but a commit whose fsync has run for half the watchdog's interval
 * means a disk that no longer writes: no ping, so that systemd restarts the daemon
 * (as when the fsync ran on the loop thread and blocked it).
 */
static void
sysd_watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sysd *sd = arg;
	int64_t age = turn_in_flight_us(sd->turn);

	if (age > sd->watchdog_half_us) {
		log_warnx("watchdog: the commit in flight has waited %lld ms to be durable; "
		    "not telling systemd all is well", (long long)(age / 1000));
		return;
	}
	sd_notify(0, "WATCHDOG=1");
}

/*
 * May the counts be read now? While a commit is not yet durable and no read from
 * before it is under way, they would show what a crash could still take back, so
 * fn(arg) is queued for the end of that commit, as a read over HTTP waits. Nothing is
 * sent once stopping.
 */
static bool
sysd_counts_ready(struct sysd *sd, turn_fn *fn, void *arg)
{
	if (sd->status_fn == NULL)
		return false;
	if (store_reads_ready(sd->st))
		return true;
	turn_after_sync(sd->turn, fn, arg);
	return false;
}

static void
sysd_status_got(void *arg, const char *text)
{
	struct sysd *sd = arg;

	if (text != NULL && sd->status_fn != NULL)
		sysd_status(text);
}

static void
sysd_status_send(void *arg, bool ok)
{
	struct sysd *sd = arg;

	if (sysd_counts_ready(sd, sysd_status_send, sd))
		sd->status_fn(sd->status_arg, sysd_status_got, sd);
}

static void
sysd_status_cb(evutil_socket_t fd, short what, void *arg)
{
	sysd_status_send(arg, true);
}

/* READY=1 after a reload, with the counts as on disk. */
struct sysd_reload {
	struct sysd *sd;
	bool failed;
};

static void
sysd_reloaded_got(void *arg, const char *counts)
{
	struct sysd_reload *r = arg;
	char status[320];

	if (counts != NULL) {
		snprintf(status, sizeof status, "%s%s", r->failed ?
		    "reload failed, previous configuration kept; " : "", counts);
		sysd_ready(status);
	}
	free(r);
}

static void
sysd_reloaded_send(void *arg, bool ok)
{
	struct sysd_reload *r = arg;

	if (sysd_counts_ready(r->sd, sysd_reloaded_send, r))
		r->sd->status_fn(r->sd->status_arg, sysd_reloaded_got, r);
	else if (r->sd->status_fn == NULL)
		free(r);
}

void
sysd_reloaded(struct sysd *sd, bool failed)
{
	struct sysd_reload *r = xmalloc(sizeof *r);

	*r = (struct sysd_reload){ sd, failed };
	sysd_reloaded_send(r, true);
}

/* Ping systemd's watchdog at half its interval, when it asks for one (WatchdogSec=). */
static void
sysd_start_watchdog(struct sysd *sd, struct event_base *base)
{
	uint64_t usec;
	struct timeval half;

	if (sd_watchdog_enabled(0, &usec) <= 0)
		return;
	half = (struct timeval){ (time_t)(usec / 2 / 1000000),
	    (suseconds_t)(usec / 2 % 1000000) };
	sd->watchdog_half_us = (int64_t)(usec / 2);
	sd->watchdog_ev = event_new(base, -1, EV_PERSIST, sysd_watchdog_cb, sd);
	event_add(sd->watchdog_ev, &half);
	sd_notify(0, "WATCHDOG=1");
	log_info("watchdog: pinging systemd every %llu ms", (unsigned long long)(usec / 2000));
}

struct sysd *
sysd_new(struct event_base *base, struct store *st, struct turn *turn,
    sysd_status_fn *status_fn, void *status_arg)
{
	struct sysd *sd = xcalloc(1, sizeof *sd);
	struct timeval every = { SYSD_STATUS_EVERY_S, 0 };

	sd->st = st;
	sd->turn = turn;
	/* JOURNAL_STREAM: our stderr goes to journald, so the journal is there. */
	sd->journal = getenv("JOURNAL_STREAM") != NULL;
	sd->status_fn = status_fn;
	sd->status_arg = status_arg;
	sd->status_ev = event_new(base, -1, EV_PERSIST, sysd_status_cb, sd);
	event_add(sd->status_ev, &every);
	sysd_start_watchdog(sd, base);
	return sd;
}

void
sysd_free(struct sysd *sd)
{
	if (sd == NULL)
		return;
	if (sd->watchdog_ev != NULL)
		event_free(sd->watchdog_ev);
	if (sd->status_ev != NULL)
		event_free(sd->status_ev);
	free(sd);
}

void
sysd_transition(const struct sysd *sd, bool info, const char *id, const char *from,
    const char *to, const char *cause, const char *name, int64_t late_ms, bool has_late)
{
	if (!info && !log_debug_enabled())
		return;
	if (sd == NULL || !sd->journal) {
		if (info)
			log_info("%s: %s -> %s (%s %s)", id, from, to, cause, name);
		else
			log_debug("%s: %s -> %s (%s %s)", id, from, to, cause, name);
		return;
	}
	if (has_late)
		sd_journal_send("MESSAGE=%s: %s -> %s (%s %s, %lld ms late)", id, from, to,
		    cause, name, (long long)late_ms, "PRIORITY=%d", info ? LOG_INFO : LOG_DEBUG,
		    "PROTOCOL_ID=%s", id, "FROM=%s", from, "TO=%s", to, "CAUSE=%s", cause,
		    "NAME=%s", name, "LATE_MS=%lld", (long long)late_ms, NULL);
	else
		sd_journal_send("MESSAGE=%s: %s -> %s (%s %s)", id, from, to, cause, name,
		    "PRIORITY=%d", info ? LOG_INFO : LOG_DEBUG, "PROTOCOL_ID=%s", id,
		    "FROM=%s", from, "TO=%s", to, "CAUSE=%s", cause, "NAME=%s", name, NULL);
}
