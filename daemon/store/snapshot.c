#include "snapshot.h"

#include <event2/event.h>

#include "log.h"
#include "sqlite.h"

static struct store *snapshot_st;
static struct event *snapshot_ev;
static bool snapshot_held;
/* The writer committed and its fsync is running: no new snapshot may begin. */
static bool snapshot_blocked;

static void
snapshot_end(void)
{
	if (!snapshot_held)
		return;
	snapshot_held = false;
	store_read_end(snapshot_st);
}

static void
snapshot_end_cb(evutil_socket_t fd, short what, void *arg)
{
	snapshot_end();
}

void
snapshot_init(struct event_base *base, struct store *reader)
{
	snapshot_st = reader;
	snapshot_blocked = false;
	snapshot_ev = event_new(base, -1, 0, snapshot_end_cb, NULL);
	if (snapshot_ev == NULL)
		fatalx("snapshot: event_new failed");
}

void
snapshot_shutdown(void)
{
	snapshot_release();
	event_free(snapshot_ev);
	snapshot_ev = NULL;
}

bool
snapshot_hold(void)
{
	if (snapshot_held || snapshot_ev == NULL)
		return true;
	if (snapshot_blocked)
		return false;
	/* A failure only costs speed: the reads then run one statement at a time. */
	if (store_read_begin(snapshot_st) != 0)
		return true;
	snapshot_held = true;
	/* Runs after the callbacks already queued in this turn: they share it. */
	event_active(snapshot_ev, 0, 0);
	return true;
}

void
snapshot_block(void)
{
	if (snapshot_ev == NULL)
		return;
	/* The turn's snapshot may not have read yet (SQLite takes it at a first read):
	 * taken now, before the commit, or ended, so that no read sees the commit. */
	if (snapshot_held && store_read_begin_now(snapshot_st) != 0)
		snapshot_end();
	snapshot_blocked = true;
}

void
snapshot_unblock(void)
{
	snapshot_blocked = false;
}

void
snapshot_release(void)
{
	snapshot_blocked = false;
	snapshot_end();
}
