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

struct store;
struct turn;

/* The one-line status systemd shows ("1234 protocols, 210 awaiting, ..."), asked for
 * with a receiver: done(done_arg, text) once, when it is known (text NULL: none). */
typedef void sysd_text_fn(void *done_arg, const char *text);
typedef void sysd_status_fn(void *arg, sysd_text_fn *done, void *done_arg);

struct sysd;

/* The listening sockets systemd passed (socket activation), or -1 each: *api the Unix
 * socket, *http the read-only TCP one (FileDescriptorName=http). */
void sysd_listen_fds(int *api, int *http);
/* When systemd asks for a watchdog (WatchdogSec=), ping it from base's loop at half
 * the interval (not while a commit has waited that long to be durable: a disk that no
 * longer writes), so a stuck daemon gets killed and restarted; and refresh STATUS=
 * with status_fn's text every 10 s, read once st's reads may run. Never NULL. */
struct sysd *sysd_new(struct event_base *base, struct store *st, struct turn *turn,
    sysd_status_fn *status_fn, void *status_arg);
/* NULL is a no-op. */
void sysd_free(struct sysd *sd);
/* READY=1 with a status line. */
void sysd_ready(const char *status);
/* RELOADING=1 with MONOTONIC_USEC=, before a reload. */
void sysd_reloading(void);
/* READY=1 after it, with the status text once what is committed is durable, after
 * "reload failed, previous configuration kept; " when it failed. */
void sysd_reloaded(struct sysd *sd, bool failed);
/* STATUS= text. */
void sysd_status(const char *status);
/* STOPPING=1; no STATUS= after it (sd may be NULL). */
void sysd_stopping(struct sysd *sd);
/* Log one committed transition: to the journal with PROTOCOL_ID=, FROM=, TO=, CAUSE=,
 * NAME= (and LATE_MS=) fields when journald reads us (sd not NULL: systemd's part was
 * started), else as a log line. info picks
 * the priority (info, else debug; debug entries only when debug logging is on). */
void sysd_transition(const struct sysd *sd, bool info, const char *id, const char *from,
    const char *to, const char *cause, const char *name, int64_t late_ms, bool has_late);

#endif
