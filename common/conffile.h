#ifndef CONFFILE_H
#define CONFFILE_H

#include <stddef.h>

/*
 * A configuration file read whole, safe to do on the event loop: only a regular file is
 * read, and at most a bound of it. A FIFO, a device (/dev/zero would never end) or a
 * directory is refused before any read, and the open itself cannot block (a FIFO
 * without a writer would hold it).
 */

/* The bytes of path (malloc'd, NUL after them) and their count in *len, when it is a
 * regular file of at most max bytes; else NULL and *why, malloc'd: "cannot open: …",
 * "not a regular file (a FIFO); …", "too large: …" (also when it grows past max while
 * it is read) or "cannot read: …". */
char *conffile_read(const char *path, size_t max, size_t *len, char **why);

#endif
