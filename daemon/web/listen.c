#include "listen.h"

#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "confval.h"
#include "log.h"
#include "xmalloc.h"

/* Remove a stale socket file left by a dead daemon; refuse to steal a live one. */
static int
listen_clear_path(const struct sockaddr_un *sun, char **cause)
{
	struct stat sb;
	int fd, rc;

	if (lstat(sun->sun_path, &sb) != 0)
		return errno == ENOENT ? 0 : (*cause = xasprintf("%s: %s", sun->sun_path,
		    strerror(errno)), -1);
	if (!S_ISSOCK(sb.st_mode)) {
		*cause = xasprintf("%s exists and is not a socket; not replacing it",
		    sun->sun_path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	rc = connect(fd, (const struct sockaddr *)sun, sizeof *sun);
	close(fd);
	if (rc == 0) {
		*cause = xasprintf("%s: another daemon is listening there", sun->sun_path);
		return -1;
	}
	unlink(sun->sun_path);
	return 0;
}

int
listen_bind_path(struct listen *l, const char *path, unsigned mode, const char *group,
    char **cause)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat sb;
	struct group *gr;
	int fd;

	if (strlen(path) >= sizeof sun.sun_path) {
		*cause = xasprintf("%s: a socket path must be shorter than %zu bytes", path,
		    sizeof sun.sun_path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if (listen_clear_path(&sun, cause) != 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0 ||
	    chmod(path, mode) != 0 || listen(fd, 1024) != 0) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (group != NULL && (gr = getgrnam(group)) != NULL && chown(path, -1, gr->gr_gid) != 0)
		log_warn("%s: cannot give the socket to group %s", path, group);
	l->path = xstrdup(path);
	if (lstat(path, &sb) != 0)
		memset(&sb, 0, sizeof sb);
	l->dev = sb.st_dev;
	l->ino = sb.st_ino;
	return fd;
}

int
listen_bind_tcp(const char *addr, char **cause)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE }, *ai;
	char host[64], port[8];
	unsigned p;
	int fd, rc, one = 1;

	if (confval_split_hostport(addr, host, sizeof host, &p) != 0) {
		*cause = xasprintf("http_listen %s: not HOST:PORT", addr);
		return -1;
	}
	snprintf(port, sizeof port, "%u", p);
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
		*cause = xasprintf("http_listen %s: %s", addr, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (fd >= 0 && ai->ai_family == AF_INET6)	/* [::] means IPv6 alone, as written */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
		*cause = xasprintf("http_listen %s: %s", addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* The kernel enforces max_connections: the descriptors the process may open are the
 * connections plus a reserve for the database, the journal and the loop. */
#define LISTEN_FD_RESERVE 64

void
listen_limit_connections(unsigned max)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	rl.rlim_cur = (rlim_t)max + LISTEN_FD_RESERVE;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max) {
		log_warnx("max_connections %u is above the hard limit of open files (%llu); "
		    "using that", max, (unsigned long long)rl.rlim_max);
		rl.rlim_cur = rl.rlim_max;
	}
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		log_warn("cannot set the limit of open files for max_connections");
}

const char *
listen_bound_path(const struct listen *l)
{
	return l->path;
}

void
listen_unlink(struct listen *l)
{
	struct stat sb;

	/* Another daemon may have replaced a socket file it thought stale: leave its. */
	if (l->path != NULL && lstat(l->path, &sb) == 0 && sb.st_ino == l->ino &&
	    sb.st_dev == l->dev)
		unlink(l->path);
	free(l->path);
	l->path = NULL;
}
