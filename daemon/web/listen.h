#ifndef LISTEN_H
#define LISTEN_H

/*
 * The listening socket's file and limits (when systemd does not pass a socket): bind
 * the configured path — replacing a stale file a dead daemon left, never a live
 * daemon's socket or a file that is not a socket —, and the open-files limit that
 * enforces max_connections.
 */

/* A listening, non-blocking socket bound at path with mode and group: its fd, or -1
 * with *cause (malloc'd). */
int listen_bind_path(const char *path, unsigned mode, const char *group, char **cause);
/* The path listen_bind_path bound, or NULL. */
const char *listen_bound_path(void);
/* Remove the socket file we bound (if it is still ours). */
void listen_unlink(void);
/* Let the process open max connections (plus a reserve for everything else). */
void listen_limit_connections(unsigned max);

#endif
