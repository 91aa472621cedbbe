#include "conffile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xmalloc.h"

/* What a file that is not a regular one is, for the message. */
static const char *
conffile_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	return "of an unknown type";
}

/* Open path if it is a regular file of at most max bytes: the fd and its size, or -1
 * with *why. O_NONBLOCK keeps the open of a FIFO from waiting for a writer (it is then
 * refused by its type); O_NOCTTY keeps a terminal from becoming ours. */
static int
conffile_open(const char *path, size_t max, size_t *size, char **why)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	struct stat st;

	if (fd == -1) {
		*why = xasprintf("cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1)
		*why = xasprintf("cannot open: %s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		*why = xasprintf("not a regular file (%s); the configuration must be a "
		    "regular file", conffile_kind(st.st_mode));
	else if ((uintmax_t)st.st_size > max)
		*why = xasprintf("too large: %jd bytes (a configuration is at most %zu "
		    "bytes)", (intmax_t)st.st_size, max);
	else {
		*size = (size_t)st.st_size;
		return fd;
	}
	close(fd);
	return -1;
}

/* Read fd, whose size was size, into *text (malloc'd, NUL after the bytes): the count,
 * or -1 with *why. It may have grown since: up to one byte more than max is read, so
 * that one grown past max is seen to. */
static ssize_t
conffile_slurp(int fd, size_t size, size_t max, char **text, char **why)
{
	size_t len = 0, cap = size + 1;
	ssize_t n;

	*text = xmalloc(cap + 1);
	while (len <= max && (n = read(fd, *text + len, cap - len)) != 0) {
		if (n < 0 && errno != EINTR) {
			*why = xasprintf("cannot read: %s", strerror(errno));
			return -1;
		}
		len += n > 0 ? (size_t)n : 0;
		if (len == cap && cap <= max) {
			cap = cap * 2 < max + 1 ? cap * 2 : max + 1;
			*text = xrealloc(*text, cap + 1);
		}
	}
	if (len > max) {
		*why = xasprintf("too large: it grew past %zu bytes while it was read (a "
		    "configuration is at most %zu bytes)", max, max);
		return -1;
	}
	(*text)[len] = '\0';
	return (ssize_t)len;
}

char *
conffile_read(const char *path, size_t max, size_t *len, char **why)
{
	size_t size;
	int fd = conffile_open(path, max, &size, why);
	char *text = NULL;
	ssize_t n;

	if (fd == -1)
		return NULL;
	n = conffile_slurp(fd, size, max, &text, why);
	close(fd);
	if (n == -1) {
		free(text);
		return NULL;
	}
	*len = (size_t)n;
	return text;
}
