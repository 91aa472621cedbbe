#ifndef SYSD_H
#define SYSD_H

/* The systemd glue: socket activation and sd_notify. Harmless outside systemd. */

/* The listening socket systemd passed (socket activation), or -1. */
int sysd_listen_fd(void);
/* READY=1 with a status line. */
void sysd_ready(const char *status);
/* RELOADING=1 with MONOTONIC_USEC=, before a reload. */
void sysd_reloading(void);
/* STATUS= text. */
void sysd_status(const char *status);
/* STOPPING=1. */
void sysd_stopping(void);

#endif
