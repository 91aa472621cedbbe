#ifndef SNAPSHOT_H
#define SNAPSHOT_H

struct event_base;
struct store;

/*
 * The reads of one loop turn share one read transaction on the reader connection:
 * SQLite otherwise takes and drops its WAL read lock (two fcntl calls and a look at
 * the WAL index) around every statement. The transaction ends at the end of the turn,
 * or at once when the writer commits, so no read ever misses a committed change it
 * was told about.
 */

void snapshot_init(struct event_base *base, struct store *reader);
void snapshot_shutdown(void);
/* The reads that follow, until the end of this turn, see one snapshot. */
void snapshot_hold(void);
/* End the shared snapshot now (a commit happened: later reads must see it). */
void snapshot_release(void);

#endif
