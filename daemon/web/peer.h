#ifndef PEER_H
#define PEER_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * Who may write: the peer of a Unix socket (SO_PEERCRED, SO_PEERGROUPS) is root, the
 * daemon's own user, or has the configured write_group among its groups.
 */

/* The group whose members may write (the server embeds it; zeroed: none). */
struct peer {
	bool has_group;
	gid_t write_gid;
};

/* The group whose members may write, besides root and the daemon's user (NULL: none;
 * a group that does not exist is logged and counts as none). */
void peer_set_write_group(struct peer *pe, const char *group);
/* True when the peer connected on fd may write. */
bool peer_may_write(const struct peer *pe, int fd);

#endif
