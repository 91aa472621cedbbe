#ifndef PGSWEEP_H
#define PGSWEEP_H

#include <stddef.h>

/*
 * The sessions a killed daemon left behind. The daemon's sessions are named
 * protocold/HOST/PID.START/CONN (application_name; START is when the process started,
 * so that a pid names one life of it; CONN tells its connections apart: pgconn.c). A
 * daemon killed with kill -9 leaves its server sessions running until they next touch
 * its gone socket, and one may be in the middle of a transaction that would commit
 * after the new daemon's first ones, its history entries after newer ones. At the
 * start, before the store writes, the sessions of this database named after this host
 * and a process life that is over (gone, or its pid reused: a container restarts with
 * the same one) are ended and waited for. Sessions of a live process, our own
 * included, or of another host, are left alone (doc/postgresql.md).
 */

/* This process's name, into buf: "protocold/HOST/PID.START" (HOST cut at 24 bytes,
 * START in hex: a session's name is 63 bytes at most). Its sessions' names start with
 * it. */
void pgsweep_name(char *buf, size_t len);

/* Connect to uri (blocking: the start), end the sessions a gone daemon of this host
 * left and wait for them: 0, or -1 with *cause (allocated) when they did not end
 * within a few seconds. A role that may not end them is warned about, not refused. */
int pgsweep_run(const char *uri, char **cause);

#endif
