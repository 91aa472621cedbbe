#include "dblock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "xmalloc.h"

char *
dblock_path(const char *db_path)
{
	return xasprintf("%s.lock", db_path);
}

/* The pid written in a lock file held by someone else, or 0. */
static long
dblock_holder(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

/* Open (or create) the lock file. A file left by another user may only be readable to
 * us: flock works on a read-only descriptor too. */
static int
dblock_open(const char *path, bool *created)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);

	*created = fd != -1;
	if (fd == -1 && errno == EEXIST)
		fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1 && (errno == EACCES || errno == EROFS))
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	return fd;
}

/* Write our pid for the next one's message; a read-only lock file keeps the old one. */
static void
dblock_write_pid(int fd)
{
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());

	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, n, 0) == n)
		return;
	/* A short write: rather no pid than a wrong one. Best effort, as the pid only
	 * serves the refusal's message (a cast to void does not silence glibc's
	 * warn_unused_result under _FORTIFY_SOURCE). */
	if (ftruncate(fd, 0) == -1)
		return;
}

/* Why the lock was refused (err: flock's errno), malloc'd. */
static char *
dblock_refusal(int fd, int err, const char *db_path, const char *path)
{
	char who[48] = "another process";
	long pid = dblock_holder(fd);

	if (err != EWOULDBLOCK)
		return xasprintf("%s: cannot lock %s: %s", db_path, path, strerror(err));
	if (pid > 0)
		snprintf(who, sizeof who, "pid %ld", pid);
	return xasprintf("%s is in use by another protocold (%s holds %s); one database "
	    "takes one daemon: stop the other one, or give this one its own database",
	    db_path, who, path);
}

int
dblock_take(const char *db_path, bool *created, char **cause)
{
	char *path = dblock_path(db_path);
	int fd = dblock_open(path, created);

	if (fd == -1)
		*cause = xasprintf("%s: cannot open its lock file %s: %s", db_path, path,
		    strerror(errno));
	else if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		*cause = dblock_refusal(fd, errno, db_path, path);
		close(fd);
		fd = -1;
	} else
		dblock_write_pid(fd);
	free(path);
	return fd;
}

void
dblock_release(int fd)
{
	if (fd != -1)
		close(fd);
}
