#include "snapshot.h"

#include <event2/event.h>
#include <stdbool.h>

#include "log.h"
#include "store.h"

static struct store *snapshot_st;
static struct event *snapshot_ev;
static bool snapshot_held;

static void
snapshot_end_cb(evutil_socket_t fd, short what, void *arg)
{
	snapshot_release();
}

void
snapshot_init(struct event_base *base, struct store *reader)
{
	snapshot_st = reader;
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

void
snapshot_hold(void)
{
	if (snapshot_held || snapshot_ev == NULL)
		return;
	/* A failure only costs speed: the reads then run one statement at a time. */
	if (store_read_begin(snapshot_st) != 0)
		return;
	snapshot_held = true;
	/* Runs after the callbacks already queued in this turn: they share it. */
	event_active(snapshot_ev, 0, 0);
}

void
snapshot_release(void)
{
	if (!snapshot_held)
		return;
	snapshot_held = false;
	store_read_end(snapshot_st);
}
