#include "sysd.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "commit.h"
#include "log.h"
#include "snapshot.h"

#define SYSD_STATUS_EVERY_S 10

static struct event *sysd_watchdog_ev, *sysd_status_ev;
static int64_t sysd_watchdog_half_us;
static void (*sysd_status_fn)(char *, size_t);
static bool sysd_journal;

int
sysd_listen_fd(void)
{
	int n = sd_listen_fds(1);

	if (n <= 0)
		return -1;
	if (n > 1)
		log_warnx("systemd passed %d sockets; using the first", n);
	if (sd_is_socket_unix(SD_LISTEN_FDS_START, SOCK_STREAM, 1, NULL, 0) <= 0) {
		log_warnx("the socket systemd passed is not a listening Unix stream socket");
		return -1;
	}
	return SD_LISTEN_FDS_START;
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
sysd_stopping(void)
{
	sd_notify(0, "STOPPING=1");
	sysd_status_fn = NULL;	/* no STATUS= after it */
}

/*
 * The loop answers, but a commit whose fsync has run for half the watchdog's interval
 * means a disk that no longer writes: no ping, so that systemd restarts the daemon
 * (as when the fsync ran on the loop thread and blocked it).
 */
static void
sysd_watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	int64_t age = commit_sync_age_us();

	if (age > sysd_watchdog_half_us) {
		log_warnx("watchdog: the WAL's fsync has run for %lld ms; not telling systemd "
		    "all is well", (long long)(age / 1000));
		return;
	}
	sd_notify(0, "WATCHDOG=1");
}

/*
 * May the counts be read now? They come from the reader connection: while a commit's
 * fsync runs and no snapshot from before it is held, they would show what a crash
 * could still take back, so fn(arg) is queued for the end of that sync, as a read
 * over HTTP waits. Nothing is sent once stopping (no status_fn).
 */
static bool
sysd_counts_ready(commit_fn *fn, void *arg)
{
	if (sysd_status_fn == NULL)
		return false;
	if (snapshot_hold())
		return true;
	commit_after_sync(fn, arg);
	return false;
}

static void
sysd_status_send(void *arg, bool ok)
{
	char buf[256];

	if (!sysd_counts_ready(sysd_status_send, arg))
		return;
	sysd_status_fn(buf, sizeof buf);
	sysd_status(buf);
}

static void
sysd_status_cb(evutil_socket_t fd, short what, void *arg)
{
	sysd_status_send(NULL, true);
}

/* READY=1 after a reload, with the counts as on disk; arg is non-NULL when the reload
 * failed. */
static void
sysd_reloaded_send(void *arg, bool ok)
{
	char counts[200], status[256];

	if (!sysd_counts_ready(sysd_reloaded_send, arg))
		return;
	sysd_status_fn(counts, sizeof counts);
	snprintf(status, sizeof status, "%s%s", arg != NULL ?
	    "reload failed, previous configuration kept; " : "", counts);
	sysd_ready(status);
}

void
sysd_reloaded(bool failed)
{
	sysd_reloaded_send(failed ? (void *)sysd_reloaded : NULL, true);
}

void
sysd_start(struct event_base *base, void (*status_fn)(char *, size_t))
{
	struct timeval every = { SYSD_STATUS_EVERY_S, 0 };
	uint64_t usec;

	/* JOURNAL_STREAM: our stderr goes to journald, so the journal is there. */
	sysd_journal = getenv("JOURNAL_STREAM") != NULL;
	sysd_status_fn = status_fn;
	sysd_status_ev = event_new(base, -1, EV_PERSIST, sysd_status_cb, NULL);
	event_add(sysd_status_ev, &every);
	if (sd_watchdog_enabled(0, &usec) > 0) {
		struct timeval half = { (time_t)(usec / 2 / 1000000),
		    (suseconds_t)(usec / 2 % 1000000) };

		sysd_watchdog_half_us = (int64_t)(usec / 2);
		sysd_watchdog_ev = event_new(base, -1, EV_PERSIST, sysd_watchdog_cb, NULL);
		event_add(sysd_watchdog_ev, &half);
		sd_notify(0, "WATCHDOG=1");
		log_info("watchdog: pinging systemd every %llu ms",
		    (unsigned long long)(usec / 2000));
	}
}

void
sysd_shutdown(void)
{
	if (sysd_watchdog_ev != NULL)
		event_free(sysd_watchdog_ev);
	if (sysd_status_ev != NULL)
		event_free(sysd_status_ev);
	sysd_watchdog_ev = sysd_status_ev = NULL;
	sysd_status_fn = NULL;
}

void
sysd_transition(bool info, const char *id, const char *from, const char *to,
    const char *cause, const char *name, int64_t late_ms, bool has_late)
{
	if (!info && !log_debug_enabled())
		return;
	if (!sysd_journal) {
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
