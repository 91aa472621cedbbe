#ifndef LISTEN_H
#define LISTEN_H

#include <sys/types.h>

/*
 * The listening socket's file and limits (when systemd does not pass a socket): bind
 * the configured path — replacing a stale file a dead daemon left, never a live
 * daemon's socket or a file that is not a socket —, and the open-files limit that
 * enforces max_connections.
 */

/* The socket file we bound (the server embeds it; zeroed: none). */
struct listen {
	char *path;
	dev_t dev;		/* what we bound, so we unlink only that */
	ino_t ino;
};

/* A listening, non-blocking socket bound at path with mode and group, kept in l: its
 * fd, or -1 with *cause (malloc'd). */
int listen_bind_path(struct listen *l, const char *path, unsigned mode, const char *group,
    char **cause);
/* A listening, non-blocking TCP socket bound at addr ("HOST:PORT", as confval_hostport
 * took it): its fd, or -1 with *cause (malloc'd). */
int listen_bind_tcp(const char *addr, char **cause);
/* The path l bound, or NULL. */
const char *listen_bound_path(const struct listen *l);
/* Remove the socket file l bound (if it is still ours), and forget it. */
void listen_unlink(struct listen *l);
/* Let the process open max connections (plus a reserve for everything else). */
void listen_limit_connections(unsigned max);

#endif
