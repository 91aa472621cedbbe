#include "snapshot.h"

#include <event2/event.h>
#include <stdlib.h>

#include "conn.h"
#include "log.h"
#include "xmalloc.h"

struct snapshot {
	struct conn *reader;
	struct event *ev;	/* the end of the turn that took it */
	bool held;
	/* The writer committed and its fsync is running: no new snapshot may begin. */
	bool blocked;
};

static void
snapshot_end(struct snapshot *s)
{
	if (!s->held)
		return;
	s->held = false;
	conn_read_end(s->reader);
}

static void
snapshot_end_cb(evutil_socket_t fd, short what, void *arg)
{
	struct snapshot *s = arg;

	snapshot_end(s);
}

struct snapshot *
snapshot_new(struct event_base *base, struct conn *reader)
{
	struct snapshot *s = xcalloc(1, sizeof *s);

	s->reader = reader;
	s->ev = event_new(base, -1, 0, snapshot_end_cb, s);
	if (s->ev == NULL)
		fatalx("snapshot: event_new failed");
	return s;
}

void
snapshot_free(struct snapshot *s)
{
	if (s == NULL)
		return;
	snapshot_release(s);
	event_free(s->ev);
	free(s);
}

bool
snapshot_hold(struct snapshot *s)
{
	if (s->held)
		return true;
	if (s->blocked)
		return false;
	/* A failure only costs speed: the reads then run one statement at a time. */
	if (conn_read_begin(s->reader) != 0)
		return true;
	s->held = true;
	/* Runs after the callbacks already queued in this turn: they share it. */
	event_active(s->ev, 0, 0);
	return true;
}

void
snapshot_block(struct snapshot *s)
{
	/* The turn's snapshot may not have read yet (SQLite takes it at a first read):
	 * taken now, before the commit, or ended, so that no read sees the commit. */
	if (s->held && conn_read_begin_now(s->reader) != 0)
		snapshot_end(s);
	s->blocked = true;
}

void
snapshot_unblock(struct snapshot *s)
{
	s->blocked = false;
}

void
snapshot_release(struct snapshot *s)
{
	s->blocked = false;
	snapshot_end(s);
}
