#ifndef WAL_H
#define WAL_H

struct conn;

/*
 * The writer's WAL and its name. What a commit writes lives in the WAL until a
 * checkpoint copies it into the database file; a WAL whose name was removed (or now
 * leads to another file: not protocold's doing) lives on only in SQLite's descriptor,
 * and a crash would lose what it holds. So the writer notes which file its WAL is at
 * open, checks after each commit that the name still leads there (durable.h does the
 * same after each fsync), and, when it does not, the store saves the WAL through the
 * descriptor and stops.
 */

/* Remember which file c's WAL is now (conn_open does, for a writer). */
void wal_note(struct conn *c);
/* c's WAL is still the file noted: 0, or -1 (wal_gone) when its name was removed or
 * now leads to another file. The caller must not acknowledge anything more, and
 * wal_save() saves what it holds. */
int wal_check(struct conn *c);
/* Record that the WAL's name was lost as c's error; returns -1. */
int wal_gone(struct conn *c);
/* Copy the whole WAL into the database file and sync it (through the descriptor
 * SQLite holds, so also a WAL whose name was lost), once no other connection reads
 * or checkpoints; an open transaction is rolled back first. 0 when everything
 * committed is in the database file, else -1 with *cause (malloc'd). */
int wal_save(struct conn *c, char **cause);

#endif
