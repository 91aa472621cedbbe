#include "peer.h"

#include <grp.h>
#include <pwd.h>
#include <stddef.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

void
peer_set_write_group(struct peer *pe, const char *group)
{
	struct group *gr = group ? getgrnam(group) : NULL;

	pe->has_group = gr != NULL;
	pe->write_gid = gr ? gr->gr_gid : 0;
	if (group != NULL && gr == NULL)
		log_warnx("write_group %s does not exist: only root and the daemon's user "
		    "may write", group);
}

/* The groups the peer process really has (SO_PEERGROUPS: also those it got at run
 * time, e.g. from a unit's SupplementaryGroups=); -1 when the kernel cannot say. */
static int
peer_groups(int fd, gid_t *groups, int max)
{
	socklen_t len = (socklen_t)(max * sizeof(gid_t));

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) != 0)
		return -1;
	return (int)(len / sizeof(gid_t));
}

/* The groups of uid as the user database lists them (the fallback). */
static int
peer_user_groups(uid_t uid, gid_t primary, gid_t *groups, int max)
{
	struct passwd *pw = getpwuid(uid);
	int n = max;

	if (pw == NULL || getgrouplist(pw->pw_name, primary, groups, &n) < 0)
		return 0;
	return n;
}

static bool
peer_in_group(const struct peer *pe, int fd, const struct ucred *uc)
{
	gid_t groups[256];
	int n;

	if (uc->gid == pe->write_gid)
		return true;
	if ((n = peer_groups(fd, groups, 256)) < 0)
		n = peer_user_groups(uc->uid, uc->gid, groups, 256);
	for (int i = 0; i < n; i++)
		if (groups[i] == pe->write_gid)
			return true;
	return false;
}

/* Root, the daemon's own user and members of write_group may write. */
bool
peer_may_write(const struct peer *pe, int fd)
{
	struct ucred uc;
	socklen_t len = sizeof uc;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) != 0)
		return false;
	if (uc.uid == 0 || uc.uid == geteuid())
		return true;
	return pe->has_group && peer_in_group(pe, fd, &uc);
}
