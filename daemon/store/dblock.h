#ifndef DBLOCK_H
#define DBLOCK_H

#include <stdbool.h>

/*
 * One daemon per database file. SQLite's own locks let two processes share a WAL
 * database, and a second protocold would then fire every clock twice, or, with the
 * -shm file gone, rebuild the WAL index under the first one's feet and corrupt the
 * file. So the writer holds an exclusive flock(2) on a lock file beside the database
 * (PATH.lock) for as long as it runs; the kernel drops it when the process dies, so a
 * kill -9 never leaves a stale lock. The file itself stays (removing it would let two
 * processes lock two different files of the same name); it holds the owner's pid, for
 * the message the next one prints.
 */

/* Lock db_path's lock file: its descriptor (the lock lasts while it is open), or -1
 * with *cause (malloc'd) naming the database and, when another process holds it, its
 * pid. *created tells whether the lock file was made now (so that a caller refusing
 * the database can leave the directory as it found it). */
int dblock_take(const char *db_path, bool *created, char **cause);
/* Release the lock (close the descriptor); -1 is a no-op. */
void dblock_release(int fd);
/* The lock file's path for db_path (malloc'd). */
char *dblock_path(const char *db_path);

#endif
