#ifndef SYSD_H
#define SYSD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;

/*
 * The systemd glue: socket activation, sd_notify (READY, RELOADING, STATUS, STOPPING,
 * WATCHDOG) and structured journal entries. Harmless outside systemd.
 */

/* The listening socket systemd passed (socket activation), or -1. */
int sysd_listen_fd(void);
/* READY=1 with a status line. */
void sysd_ready(const char *status);
/* RELOADING=1 with MONOTONIC_USEC=, before a reload. */
void sysd_reloading(void);
/* READY=1 after it, with the status_fn's counts (sysd_start) once what is committed is
 * on disk, after "reload failed, previous configuration kept; " when it failed. */
void sysd_reloaded(bool failed);
/* STATUS= text. */
void sysd_status(const char *status);
/* STOPPING=1. */
void sysd_stopping(void);
/* When systemd asks for a watchdog (WatchdogSec=), ping it from base's loop at half
 * the interval, so a stuck loop gets the service killed and restarted; and refresh
 * STATUS= with status_fn's text every few seconds. */
void sysd_start(struct event_base *base, void (*status_fn)(char *buf, size_t len));
void sysd_shutdown(void);
/* Log one committed transition: to the journal with PROTOCOL_ID=, FROM=, TO=, CAUSE=,
 * NAME= (and LATE_MS=) fields when journald reads us, else as a log line. info picks
 * the priority (info, else debug; debug entries only when debug logging is on). */
void sysd_transition(bool info, const char *id, const char *from, const char *to,
    const char *cause, const char *name, int64_t late_ms, bool has_late);

#endif
