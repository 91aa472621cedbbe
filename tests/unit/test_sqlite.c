#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <event2/event.h>
#include <sqlite3.h>	/* to end a transaction and to fill the disk behind the store */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "proto.h"
#include "sqlite.h"
#include "sqlite_int.h"
#include "store.h"
#include "storefx.h"

/*
 * The SQLite store through the core's interface (core/store.h), on a temporary
 * database and a test event loop: the commit (written, then durable: at once, or once
 * the WAL's fsync in its thread is over; the readers kept off a commit until then), a
 * failed commit, the WAL lost and salvaged, and every op of the write path and of the
 * reads.
 */

/* What a commit told, in order. */
struct told {
	int n;
	char what[8][16];	/* "written OK", "durable LOST", … */
};

static const char *
outcome_name(enum store_outcome o)
{
	return o == STORE_OK ? "OK" : o == STORE_FAILED ? "FAILED" : "LOST";
}

static void
told_add(struct told *t, const char *kind, enum store_outcome o)
{
	assert_true(t->n < 8);
	snprintf(t->what[t->n++], sizeof t->what[0], "%s %s", kind, outcome_name(o));
}

static void
on_written(void *arg, enum store_outcome o)
{
	told_add(arg, "written", o);
}

static void
on_durable(void *arg, enum store_outcome o)
{
	told_add(arg, "durable", o);
}

/* Run the loop until t holds n entries. */
static void
loop_until(struct storefx *fx, struct told *t, int n)
{
	while (t->n < n)
		assert_int_equal(event_base_loop(fx->base, EVLOOP_ONCE), 0);
}

static struct sqlite_store *
sq(struct storefx *fx)
{
	return (struct sqlite_store *)fx->st;
}

/* Insert a new protocol through the port (its callback must run before the call
 * returns: SQLite's do). */
static void
inserted(void *arg, int rc, const struct protocol *existing, bool envvias)
{
	*(int *)arg = rc;
}

static void
insert(struct storefx *fx, struct protocol *p)
{
	int rc = -2;

	store_insert_new(fx->st, p, inserted, &rc);
	if (rc != 1)
		fail_msg("store_insert_new %s: %d (%s)", p->id, rc, store_error(fx->st));
}

/* The reads of committed data, as SQLite answers them: before the call returns. */
struct got {
	int calls, rc;
	struct protocol p;
	bool envvias;
	int64_t v;
	int64_t counts[PROTO_N_STATES];
	struct store_forecast forecast;
	struct store_stats stats;
	uint8_t key[STORE_KEY_LEN];
};

static void
on_get(void *arg, int rc, const struct protocol *p, bool envvias)
{
	struct got *g = arg;

	g->calls++;
	g->rc = rc;
	if (rc == 1)
		g->p = *p;
	g->envvias = envvias;
}

/* store_get: 1, 0 or -1 (*p and *envvias set when 1). */
static int
get_now(struct storefx *fx, const char *id, struct protocol *p, bool *envvias)
{
	struct got g = { 0 };

	store_get(fx->st, id, on_get, &g);
	assert_int_equal(g.calls, 1);
	*p = g.p;
	*envvias = g.envvias;
	return g.rc;
}

static void
on_int(void *arg, int rc, int64_t v)
{
	struct got *g = arg;

	g->calls++;
	g->rc = rc;
	g->v = v;
}

static void
on_seller(void *arg, int rc, bool envvias, const int64_t counts[PROTO_N_STATES],
    int64_t mediations)
{
	struct got *g = arg;

	g->calls++;
	g->rc = rc;
	g->envvias = envvias;
	memcpy(g->counts, counts, sizeof g->counts);
	g->v = mediations;
}

/* store_seller: 0 or -1. */
static int
seller_now(struct storefx *fx, const char *id, int64_t since, bool *envvias,
    int64_t counts[PROTO_N_STATES], int64_t *mediations)
{
	struct got g = { 0 };

	store_seller(fx->st, id, since, on_seller, &g);
	assert_int_equal(g.calls, 1);
	*envvias = g.envvias;
	memcpy(counts, g.counts, sizeof g.counts);
	*mediations = g.v;
	return g.rc;
}

static void
on_stats(void *arg, int rc, const struct store_stats *s)
{
	struct got *g = arg;

	g->calls++;
	g->rc = rc;
	g->stats = *s;
}

/* store_stats: 0 or -1. */
static int
stats_now(struct storefx *fx, struct store_stats *out)
{
	struct got g = { 0 };

	store_stats(fx->st, on_stats, &g);
	assert_int_equal(g.calls, 1);
	*out = g.stats;
	return g.rc;
}

static void
on_forecast(void *arg, int rc, const struct store_forecast *f)
{
	struct got *g = arg;

	g->calls++;
	g->rc = rc;
	g->forecast = *f;
}

/* store_forecast: 0 or -1. */
static int
forecast_now(struct storefx *fx, int64_t until, const char *seller,
    struct store_forecast *out)
{
	static struct got g;

	memset(&g, 0, sizeof g);
	store_forecast(fx->st, until, seller, on_forecast, &g);
	assert_int_equal(g.calls, 1);
	*out = g.forecast;
	return g.rc;
}

static void
on_key(void *arg, int rc, const uint8_t key[])
{
	struct got *g = arg;

	g->calls++;
	g->rc = rc;
	memcpy(g->key, key, STORE_KEY_LEN);
}

/* store_cursor_key: 0 or -1. */
static int
key_now(struct storefx *fx, uint8_t key[STORE_KEY_LEN])
{
	struct got g = { 0 };

	store_cursor_key(fx->st, on_key, &g);
	assert_int_equal(g.calls, 1);
	memcpy(key, g.key, STORE_KEY_LEN);
	return g.rc;
}

/* Whether the readers find id now. */
static bool
readable(struct storefx *fx, const char *id)
{
	struct protocol p;
	bool envvias;
	int rc = get_now(fx, id, &p, &envvias);

	if (rc < 0)
		fail_msg("store_get %s: %s", id, store_error(fx->st));
	return rc == 1;
}

/* One new protocol in a transaction of its own, committed through the port. */
static void
commit_one(struct storefx *fx, const char *id, struct told *t)
{
	struct protocol p = storefx_mkp(id, "S-1", PROTO_PENDING, FX_CLOCK_RESPONSE, 5000);

	assert_int_equal(store_begin(fx->st), 0);
	insert(fx, &p);
	store_commit(fx->st, on_written, on_durable, t);
}

/* ------------------------------------------------------------ the commit */

static void
store_commit__without_the_syncer__is_written_then_durable_before_it_returns(void **state)
{
	struct storefx *fx = *state;
	struct told t = { 0 };

	storefx_open_store(fx, false);
	assert_null(sq(fx)->durable);
	commit_one(fx, "P-1", &t);
	assert_int_equal(t.n, 2);
	assert_string_equal(t.what[0], "written OK");
	assert_string_equal(t.what[1], "durable OK");
	assert_false(store_in_txn(fx->st));
	assert_true(store_reads_ready(fx->st));
	assert_true(readable(fx, "P-1"));
}

static void
store_commit__with_the_syncer__is_durable_once_the_fsync_is_over(void **state)
{
	struct storefx *fx = *state;
	struct told t = { 0 };

	storefx_open_store(fx, true);
	assert_non_null(sq(fx)->durable);
	commit_one(fx, "P-1", &t);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.what[0], "written OK");
	/* No snapshot is held: none may begin before the fsync is over. */
	assert_false(store_reads_ready(fx->st));
	/* The next transaction fills meanwhile. */
	assert_int_equal(store_begin(fx->st), 0);
	loop_until(fx, &t, 2);
	assert_string_equal(t.what[1], "durable OK");
	assert_true(store_reads_ready(fx->st));
	assert_true(readable(fx, "P-1"));
	assert_true(store_in_txn(fx->st));
}

static void
store_commit__with_the_syncer__a_snapshot_held_keeps_out_the_commit_until_durable(
    void **state)
{
	struct storefx *fx = *state;
	struct told t = { 0 };

	storefx_open_store(fx, true);
	/* A read of this turn holds the snapshot before the commit (it has not read
	 * yet: the commit takes it now). */
	assert_true(store_reads_ready(fx->st));
	commit_one(fx, "P-1", &t);
	assert_true(store_reads_ready(fx->st));
	assert_false(readable(fx, "P-1"));
	loop_until(fx, &t, 2);
	assert_string_equal(t.what[1], "durable OK");
	assert_true(readable(fx, "P-1"));
}

static void
store_wait_durable__waits_for_the_fsync_and_tells_durable_once(void **state)
{
	struct storefx *fx = *state;
	struct told t = { 0 };

	storefx_open_store(fx, true);
	store_wait_durable(fx->st);	/* nothing in flight: nothing to do */
	commit_one(fx, "P-1", &t);
	store_wait_durable(fx->st);
	assert_int_equal(t.n, 2);
	assert_string_equal(t.what[1], "durable OK");
	assert_true(readable(fx, "P-1"));
	assert_int_equal(event_base_loop(fx->base, EVLOOP_NONBLOCK), 0);
	assert_int_equal(t.n, 2);
}

static void
store_commit__transaction_sqlite_ended__fails_keeps_nothing_and_reads_go_on(void **state)
{
	struct storefx *fx = *state;
	struct told t = { 0 };

	storefx_open_store(fx, true);
	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(store_seller_put(fx->st, "S-1", true), 0);
	/* As a full disk or an I/O error would: SQLite rolls the transaction back. */
	assert_int_equal(sqlite3_exec(sq(fx)->writer->db, "ROLLBACK", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(store_seller_put(fx->st, "S-2", true), -1);
	store_commit(fx->st, on_written, on_durable, &t);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.what[0], "written FAILED");
	print_message("# failed: %s\n", store_error(fx->st));
	assert_non_null(strstr(store_error(fx->st), "rolled back"));
	assert_false(store_in_txn(fx->st));
	assert_true(store_reads_ready(fx->st));
	assert_int_equal(event_base_loop(fx->base, EVLOOP_NONBLOCK), 0);
	assert_int_equal(t.n, 1);
	{
		bool envvias = true;
		int64_t counts[PROTO_N_STATES], med;

		assert_int_equal(seller_now(fx, "S-2", 0, &envvias, counts, &med), 0);
		assert_false(envvias);
	}
	/* The next transaction commits as usual. */
	commit_one(fx, "P-1", &t);
	loop_until(fx, &t, 3);
	assert_string_equal(t.what[2], "durable OK");
}

static void
store_save__disk_full__spoils_the_transaction_and_its_commit_fails(void **state)
{
	struct storefx *fx = *state;
	struct told t = { 0 };
	struct protocol p;
	char id[PROTO_ID_MAX + 1];
	int rc = 0, n = 0;

	storefx_open_store(fx, false);
	commit_one(fx, "KEPT", &t);
	/* No page more than the file has: the next new page is a full disk. */
	assert_int_equal(sqlite3_exec(sq(fx)->writer->db, "PRAGMA max_page_count = 1; "
	    "PRAGMA max_page_count", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(store_begin(fx->st), 0);
	for (n = 0; rc >= 0 && n < 100000; n++) {
		snprintf(id, sizeof id, "FILL-%06d-%s", n, "with-a-long-id-to-fill-pages");
		p = storefx_mkp(id, "S-1", PROTO_PENDING, FX_CLOCK_RESPONSE, 5000 + n);
		store_insert_new(fx->st, &p, inserted, &rc);
		if (rc == 1)
			rc = store_save(fx->st, &p, NULL, 0, STORE_SAVE_ROW);
	}
	assert_int_equal(rc, -1);
	print_message("# full after %d: %s\n", n, store_error(fx->st));
	assert_true(store_error_is_full(fx->st));
	store_commit(fx->st, on_written, on_durable, &t);
	assert_int_equal(t.n, 3);
	assert_string_equal(t.what[2], "written FAILED");
	assert_true(store_error_is_full(fx->st));
	assert_true(readable(fx, "KEPT"));
	assert_false(readable(fx, "FILL-000000-with-a-long-id-to-fill-pages"));
}

/* --------------------------------------------------------- the WAL lost */

/* After STORE_LOST the store saves what was committed; a new open finds it. */
static void
assert_salvaged(struct storefx *fx, const char *id)
{
	char *cause = NULL;

	assert_non_null(strstr(store_error(fx->st), "removed or replaced"));
	if (store_salvage(fx->st, &cause) != 0)
		fail_msg("store_salvage: %s", cause);
	store_close(fx->st);
	fx->st = NULL;
	storefx_open_store(fx, false);
	assert_true(readable(fx, "W-0"));
	assert_true(readable(fx, id));
}

static void
store_commit__wal_removed_with_the_syncer__is_lost_then_salvaged(void **state)
{
	struct storefx *fx = *state;
	struct told t = { 0 };
	char wal[400];

	storefx_open_store(fx, true);
	commit_one(fx, "W-0", &t);
	loop_until(fx, &t, 2);
	snprintf(wal, sizeof wal, "%s-wal", fx->path);
	assert_int_equal(unlink(wal), 0);
	commit_one(fx, "W-1", &t);
	assert_string_equal(t.what[2], "written OK");
	loop_until(fx, &t, 4);
	assert_string_equal(t.what[3], "durable LOST");
	assert_salvaged(fx, "W-1");
}

static void
store_commit__wal_removed_without_the_syncer__is_lost_before_it_returns(void **state)
{
	struct storefx *fx = *state;
	struct told t = { 0 };
	char wal[400];

	storefx_open_store(fx, false);
	commit_one(fx, "W-0", &t);
	snprintf(wal, sizeof wal, "%s-wal", fx->path);
	assert_int_equal(unlink(wal), 0);
	commit_one(fx, "W-1", &t);
	assert_int_equal(t.n, 4);
	assert_string_equal(t.what[2], "written OK");
	assert_string_equal(t.what[3], "durable LOST");
	assert_true(store_error_is_full(fx->st));
	assert_salvaged(fx, "W-1");
}

/* ------------------------------------------------------- the write path */

struct loaded {
	int calls;
	struct store_loaded r;
};

static void
on_loaded(void *arg, const struct store_loaded *r)
{
	struct loaded *l = arg;

	l->calls++;
	l->r = *r;
}

struct insert_seen {
	int calls, rc;
	bool has_existing, envvias;
	struct protocol existing;
};

static void
on_insert(void *arg, int rc, const struct protocol *existing, bool envvias)
{
	struct insert_seen *s = arg;

	s->calls++;
	s->rc = rc;
	s->envvias = envvias;
	s->has_existing = existing != NULL;
	if (existing != NULL)
		s->existing = *existing;
}

static void
store_load__sees_the_open_transaction_with_the_seller_s_flag(void **state)
{
	struct storefx *fx = *state;
	struct protocol p = storefx_mkp("P-1", "S-1", PROTO_PENDING, FX_CLOCK_RESPONSE, 900);
	struct loaded l = { 0 };

	storefx_open_store(fx, true);
	assert_int_equal(store_begin(fx->st), 0);
	store_load(fx->st, "P-1", on_loaded, &l);
	assert_int_equal(l.calls, 1);
	assert_int_equal(l.r.rc, 0);
	assert_int_equal(store_seller_put(fx->st, "S-1", true), 0);
	insert(fx, &p);
	store_load(fx->st, "P-1", on_loaded, &l);
	assert_int_equal(l.calls, 2);
	assert_int_equal(l.r.rc, 1);
	assert_true(l.r.envvias);
	storefx_same(&l.r.p, &p);
	/* Not committed: the readers do not see it. */
	assert_false(readable(fx, "P-1"));
	store_rollback(fx->st);
	assert_false(store_in_txn(fx->st));
	store_load(fx->st, "P-1", on_loaded, &l);
	assert_int_equal(l.r.rc, 0);
}

static void
store_insert_new__existing_id__hands_back_the_stored_one_and_writes_nothing(void **state)
{
	struct storefx *fx = *state;
	struct protocol a = storefx_mkp("P-1", "S-1", PROTO_PENDING, FX_CLOCK_RESPONSE, 900);
	struct protocol b = storefx_mkp("P-1", "S-2", PROTO_CLOSED, FX_CLOCK_REPLY, 800);
	struct insert_seen s = { 0 };
	struct store_stats stats;

	storefx_open_store(fx, false);
	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(store_seller_put(fx->st, "S-1", true), 0);
	store_insert_new(fx->st, &a, on_insert, &s);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.rc, 1);
	assert_false(s.has_existing);
	assert_true(s.envvias);
	assert_true(a.rid > 0);
	store_insert_new(fx->st, &b, on_insert, &s);
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.rc, 0);
	assert_true(s.has_existing);
	assert_true(s.envvias);	/* the stored one's seller, S-1 */
	storefx_same(&s.existing, &a);
	assert_int_equal(b.rid, 0);
	store_commit(fx->st, on_written, on_durable, &(struct told){ 0 });
	assert_int_equal(stats_now(fx, &stats), 0);
	assert_int_equal(stats.by_state[PROTO_PENDING], 1);
	assert_int_equal(stats.by_state[PROTO_CLOSED], 0);
}

static void
on_due(void *arg, int n)
{
	*(int *)arg = n;
}

struct head_seen {
	int rc;
	int64_t at;
};

static void
on_head(void *arg, int rc, int64_t at)
{
	struct head_seen *h = arg;

	h->rc = rc;
	h->at = at;
}

static void
store_due_and_head__follow_the_timer_index_in_the_open_transaction(void **state)
{
	struct storefx *fx = *state;
	struct protocol a = storefx_mkp("A", "S", PROTO_PENDING, FX_CLOCK_RESPONSE, 300);
	struct protocol b = storefx_mkp("B", "S", PROTO_AWAITING, FX_CLOCK_PHOTOS, 100);
	struct protocol c = storefx_mkp("C", "S", PROTO_CLOSED, FX_CLOCK_REPLY, 200);
	struct protocol out[4];
	struct head_seen h = { -2, 0 };
	int n = -2;

	storefx_open_store(fx, false);
	assert_int_equal(store_begin(fx->st), 0);
	store_head(fx->st, on_head, &h);
	assert_int_equal(h.rc, 0);
	assert_int_equal(h.at, INT64_MAX);
	insert(fx, &a);
	insert(fx, &b);
	insert(fx, &c);
	store_head(fx->st, on_head, &h);
	assert_int_equal(h.at, 100);
	store_due(fx->st, 250, 4, out, on_due, &n);
	assert_int_equal(n, 2);
	assert_string_equal(out[0].id, "B");
	assert_string_equal(out[1].id, "C");
	store_due(fx->st, INT64_MAX, 1, out, on_due, &n);
	assert_int_equal(n, 1);
	assert_string_equal(out[0].id, "B");
}

struct events {
	int n;
	int64_t seq[8];
	char name[8][32];
	char protocol[8][PROTO_ID_MAX + 1];
	int done, rc;		/* the read's end: how often told, and its count */
};

static void
on_events_done(void *arg, int n)
{
	struct events *e = arg;

	e->done++;
	e->rc = n;
}

/* A read of entries ended before it returned: its count. */
static int
events_told(struct events *e)
{
	assert_int_equal(e->done, 1);
	e->done = 0;
	return e->rc;
}

static void
on_event(const struct proto_event *ev, const char *protocol, void *arg)
{
	struct events *e = arg;

	assert_true(e->n < 8);
	e->seq[e->n] = ev->seq;
	snprintf(e->name[e->n], sizeof e->name[0], "%s", ev->name);
	snprintf(e->protocol[e->n++], sizeof e->protocol[0], "%s", protocol);
}

static void
store_save__writes_the_row_then_its_entries_in_order(void **state)
{
	struct storefx *fx = *state;
	struct protocol p = storefx_mkp("P-1", "S-1", PROTO_PENDING, FX_CLOCK_RESPONSE, 900);
	struct proto_event ev[2];
	struct events e = { 0 };
	struct store_stats st;
	struct protocol got;
	struct got last = { 0 };
	bool envvias;

	storefx_open_store(fx, false);
	assert_int_equal(store_begin(fx->st), 0);
	insert(fx, &p);
	ev[0] = (struct proto_event){ .rid = p.rid, .at = 1, .from = -1, .to = PROTO_PENDING,
	    .cause = PROTO_CAUSE_CREATE, .name = "create" };
	/* Settled at once: its response clock ran out (mediation, no clock). */
	p.state = PROTO_MEDIATION;
	p.clock = PROTO_CLOCK_NONE;
	p.clock_start = p.clock_due = p.clock_next = 0;
	p.version = 2;
	ev[1] = (struct proto_event){ .rid = p.rid, .at = 1000, .from = PROTO_PENDING,
	    .to = PROTO_MEDIATION, .cause = PROTO_CAUSE_EXPIRY, .name = "response",
	    .due_at = 900, .late_ms = 100 };
	assert_int_equal(store_save(fx->st, &p, ev, 2, STORE_SAVE_ROW), 0);
	assert_int_equal(p.stored_state, PROTO_MEDIATION);
	store_commit(fx->st, on_written, on_durable, &(struct told){ 0 });

	assert_int_equal(get_now(fx, "P-1", &got, &envvias), 1);
	storefx_same(&got, &p);
	assert_false(envvias);
	store_history(fx->st, p.rid, 0, 10, on_event, on_events_done, &e);
	assert_int_equal(events_told(&e), 2);
	assert_string_equal(e.name[0], "create");
	assert_string_equal(e.name[1], "response");
	store_feed(fx->st, e.seq[0], 10, on_event, on_events_done, &e);
	assert_int_equal(events_told(&e), 1);
	assert_string_equal(e.protocol[2], "P-1");
	store_last_seq(fx->st, on_int, &last);
	assert_int_equal(last.calls, 1);
	assert_int_equal(last.rc, 0);
	assert_int_equal(last.v, e.seq[1]);
	assert_int_equal(stats_now(fx, &st), 0);
	assert_int_equal(st.by_state[PROTO_MEDIATION], 1);
	assert_int_equal(st.by_state[PROTO_PENDING], 0);
	assert_int_equal(storefx_markets(&st, FX_MARKET, PROTO_MEDIATION), 1);
	assert_int_equal(storefx_markets(&st, FX_MARKET, PROTO_PENDING), 0);
	assert_int_equal(storefx_clocks(&st, FX_CLOCK_RESPONSE), 0);
	assert_int_equal(st.by_cause[PROTO_CAUSE_EXPIRY], 1);
	assert_false(st.has_next);
}

static void
store_save__next_only__writes_only_clock_next(void **state)
{
	struct storefx *fx = *state;
	struct protocol p = storefx_mkp("P-1", "S-1", PROTO_PENDING, FX_CLOCK_RESPONSE, 900);
	struct proto_event ev = { .at = 700, .from = PROTO_PENDING, .to = PROTO_PENDING,
	    .cause = PROTO_CAUSE_WARNING, .name = "response", .due_at = 700,
	    .detail = "{\"expires_at\":\"x\"}" };
	struct protocol got;
	bool envvias;

	p.clock_next = 700;
	storefx_open_store(fx, false);
	assert_int_equal(store_begin(fx->st), 0);
	insert(fx, &p);
	ev.rid = p.rid;
	p.clock_next = 900;
	p.version = 99;		/* not written: only clock_next is */
	assert_int_equal(store_save(fx->st, &p, &ev, 1, STORE_SAVE_NEXT), 0);
	store_commit(fx->st, on_written, on_durable, &(struct told){ 0 });
	assert_int_equal(get_now(fx, "P-1", &got, &envvias), 1);
	assert_int_equal(got.clock_next, 900);
	assert_int_equal(got.version, 1);
}

/* --------------------------------------------------------------- reads */

struct listed {
	int n;
	char id[8][PROTO_ID_MAX + 1];
	int64_t rid[8];
	int done, rc;		/* the read's end: how often told, and its count */
};

static void
on_listed_done(void *arg, int n)
{
	struct listed *l = arg;

	l->done++;
	l->rc = n;
}

static store_protocol_fn on_listed;

/* store_list, told before it returned: the count (l->n counts the rows too). */
static int
list_now(struct storefx *fx, const struct store_filter *f, int64_t after, int limit,
    struct listed *l)
{
	l->done = 0;
	store_list(fx->st, f, after, limit, on_listed, on_listed_done, l);
	assert_int_equal(l->done, 1);
	return l->rc;
}

static void
on_listed(const struct protocol *p, bool envvias, void *arg)
{
	struct listed *l = arg;

	assert_true(l->n < 8);
	l->rid[l->n] = p->rid;
	snprintf(l->id[l->n++], sizeof l->id[0], "%s", p->id);
}

static void
store_list_and_forecast__filter_by_state_seller_and_due(void **state)
{
	struct storefx *fx = *state;
	struct protocol p[] = {
		storefx_mkp("A", "S", PROTO_PENDING, FX_CLOCK_RESPONSE, 300),
		storefx_mkp("B", "T", PROTO_AWAITING, FX_CLOCK_PHOTOS, 100),
		storefx_mkp("C", "S", PROTO_AWAITING, FX_CLOCK_LETTER, 500),
		storefx_mkp("D", "S", PROTO_RESOLVED, PROTO_CLOCK_NONE, 0),
	};
	struct store_filter any = { .state = -1 };
	struct store_filter f;
	struct listed l = { 0 };
	static struct store_forecast fc;

	storefx_open_store(fx, false);
	assert_int_equal(store_begin(fx->st), 0);
	for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
		insert(fx, &p[i]);
	store_commit(fx->st, on_written, on_durable, &(struct told){ 0 });

	assert_int_equal(list_now(fx, &any, 0, 3, &l), 3);
	assert_string_equal(l.id[0], "A");
	assert_string_equal(l.id[2], "C");
	l.n = 0;
	assert_int_equal(list_now(fx, &any, p[2].rid, 3, &l), 1);
	assert_string_equal(l.id[0], "D");
	l.n = 0;
	f = (struct store_filter){ .state = PROTO_AWAITING, .seller = "S" };
	assert_int_equal(list_now(fx, &f, 0, 10, &l), 1);
	assert_string_equal(l.id[0], "C");
	l.n = 0;
	f = (struct store_filter){ .state = -1, .has_due = true, .due_before = 400 };
	assert_int_equal(list_now(fx, &f, 0, 10, &l), 2);
	assert_string_equal(l.id[0], "A");
	assert_string_equal(l.id[1], "B");

	assert_int_equal(forecast_now(fx, 300, NULL, &fc), 0);
	assert_int_equal(storefx_forecast(&fc, FX_MARKET, FX_CLOCK_RESPONSE), 1);
	assert_int_equal(storefx_forecast(&fc, FX_MARKET, FX_CLOCK_PHOTOS), 1);
	assert_int_equal(storefx_forecast(&fc, FX_MARKET, FX_CLOCK_LETTER), 0);
	assert_int_equal(storefx_forecast_total(&fc), 2);
	assert_int_equal(forecast_now(fx, 1000, "S", &fc), 0);
	assert_int_equal(storefx_forecast(&fc, FX_MARKET, FX_CLOCK_PHOTOS), 0);
	assert_int_equal(storefx_forecast(&fc, FX_MARKET, FX_CLOCK_LETTER), 1);
	/* No running clock is counted (D has none). */
	assert_int_equal(storefx_forecast(&fc, FX_MARKET, PROTO_CLOCK_NONE), 0);
}

static void
store_list_and_forecast__by_marketplace(void **state)
{
	struct storefx *fx = *state;
	struct protocol p[] = {
		storefx_mkp("A", "S", PROTO_PENDING, FX_CLOCK_RESPONSE, 300),
		storefx_mkp("B", "S", PROTO_PENDING, FX_CLOCK_RESPONSE, 100),
		storefx_mkp("C", "T", PROTO_AWAITING, 30001, 200),
		storefx_mkp("D", "S", PROTO_AWAITING, 30001, 900),
		storefx_mkp("E", "S", PROTO_AWAITING, FX_CLOCK_PHOTOS, 150),
	};
	struct store_filter f;
	struct listed l = { 0 };
	struct protocol got;
	static struct store_forecast fc;
	bool envvias;

	snprintf(p[1].marketplace, sizeof p[1].marketplace, "madeiramadeira");
	snprintf(p[2].marketplace, sizeof p[2].marketplace, "madeiramadeira");
	snprintf(p[3].marketplace, sizeof p[3].marketplace, "madeiramadeira");
	storefx_open_store(fx, false);
	assert_int_equal(store_begin(fx->st), 0);
	for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
		insert(fx, &p[i]);
	store_commit(fx->st, on_written, on_durable, &(struct told){ 0 });

	assert_int_equal(get_now(fx, "B", &got, &envvias), 1);
	storefx_same(&got, &p[1]);
	assert_string_equal(got.marketplace, "madeiramadeira");
	assert_int_equal(get_now(fx, "A", &got, &envvias), 1);
	assert_string_equal(got.marketplace, "casas-bahia");

	f = (struct store_filter){ .state = -1, .marketplace = "madeiramadeira" };
	assert_int_equal(list_now(fx, &f, 0, 10, &l), 3);
	assert_string_equal(l.id[0], "B");
	assert_string_equal(l.id[1], "C");
	assert_string_equal(l.id[2], "D");
	l.n = 0;
	assert_int_equal(list_now(fx, &f, p[1].rid, 1, &l), 1);
	assert_string_equal(l.id[0], "C");
	l.n = 0;
	f = (struct store_filter){ .state = -1, .marketplace = FX_MARKET };
	assert_int_equal(list_now(fx, &f, 0, 10, &l), 2);
	assert_string_equal(l.id[0], "A");
	assert_string_equal(l.id[1], "E");
	l.n = 0;
	f = (struct store_filter){ .state = PROTO_AWAITING, .marketplace = "madeiramadeira" };
	assert_int_equal(list_now(fx, &f, 0, 10, &l), 2);
	assert_string_equal(l.id[0], "C");
	assert_string_equal(l.id[1], "D");
	l.n = 0;
	f = (struct store_filter){ .state = -1, .seller = "S", .marketplace = "madeiramadeira" };
	assert_int_equal(list_now(fx, &f, 0, 10, &l), 2);
	assert_string_equal(l.id[0], "B");
	assert_string_equal(l.id[1], "D");
	l.n = 0;
	f = (struct store_filter){ .state = -1, .marketplace = "madeiramadeira",
	    .has_due = true, .due_before = 300 };
	assert_int_equal(list_now(fx, &f, 0, 10, &l), 2);
	assert_string_equal(l.id[0], "B");
	assert_string_equal(l.id[1], "C");
	l.n = 0;
	f = (struct store_filter){ .state = PROTO_AWAITING, .seller = "S",
	    .marketplace = "madeiramadeira", .has_due = true, .due_before = 1000 };
	assert_int_equal(list_now(fx, &f, 0, 10, &l), 1);
	assert_string_equal(l.id[0], "D");
	l.n = 0;
	f = (struct store_filter){ .state = -1, .marketplace = "nowhere" };
	assert_int_equal(list_now(fx, &f, 0, 10, &l), 0);

	assert_int_equal(forecast_now(fx, 1000, NULL, &fc), 0);
	assert_int_equal(storefx_forecast_total(&fc), 5);
	assert_int_equal(storefx_forecast(&fc, FX_MARKET, FX_CLOCK_RESPONSE), 1);
	assert_int_equal(storefx_forecast(&fc, FX_MARKET, FX_CLOCK_PHOTOS), 1);
	assert_int_equal(storefx_forecast(&fc, "madeiramadeira", FX_CLOCK_RESPONSE), 1);
	assert_int_equal(storefx_forecast(&fc, "madeiramadeira", 30001), 2);
	assert_int_equal(forecast_now(fx, 250, "T", &fc), 0);
	assert_int_equal(storefx_forecast_total(&fc), 1);
	assert_int_equal(storefx_forecast(&fc, "madeiramadeira", 30001), 1);
}

static void
store_seller_cursor_key_and_info__answer_from_the_reader(void **state)
{
	struct storefx *fx = *state;
	struct protocol p = storefx_mkp("P-1", "S-1", PROTO_MEDIATION, PROTO_CLOCK_NONE, 0);
	int64_t counts[PROTO_N_STATES], med = -1;
	uint8_t key[STORE_KEY_LEN], again[STORE_KEY_LEN];
	struct store_info info;
	bool envvias = false;

	storefx_open_store(fx, true);
	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(store_seller_put(fx->st, "S-1", true), 0);
	insert(fx, &p);
	store_commit(fx->st, on_written, on_durable, &(struct told){ 0 });
	store_wait_durable(fx->st);
	assert_int_equal(seller_now(fx, "S-1", 0, &envvias, counts, &med), 0);
	assert_true(envvias);
	assert_int_equal(counts[PROTO_MEDIATION], 1);
	assert_int_equal(med, 0);
	assert_int_equal(key_now(fx, key), 0);
	assert_int_equal(key_now(fx, again), 0);
	assert_memory_equal(key, again, STORE_KEY_LEN);
	store_info(fx->st, &info);
	assert_string_equal(info.name, "sqlite");
	assert_string_equal(info.version, sqlite3_libversion());
	assert_true(info.wal_pages > 0);
	assert_int_equal(info.checkpoints_failed, 0);
}

/* ------------------------------------------------------------ the backend */

static int64_t
clock_now_kept(struct storefx *fx)
{
	struct got g = { 0 };

	store_clock_load(fx->st, on_int, &g);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.rc, 0);
	return g.v;
}

static void
store_clock_save__kept_in_the_meta_table_at_commit_and_across_a_reopen(void **state)
{
	struct storefx *fx = *state;
	char why[64] = "x";

	storefx_open_store(fx, true);
	assert_true(store_health(fx->st, why, sizeof why));
	assert_string_equal(why, "");
	assert_int_equal(clock_now_kept(fx), 0);
	/* Rolled back: not kept. */
	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(store_clock_save(fx->st, 1000), 0);
	store_rollback(fx->st);
	assert_int_equal(clock_now_kept(fx), 0);
	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(store_clock_save(fx->st, 1764000000000), 0);
	assert_int_equal(store_clock_save(fx->st, 1764000000123), 0);
	store_commit(fx->st, on_written, on_durable, &(struct told){ 0 });
	store_wait_durable(fx->st);
	assert_int_equal(clock_now_kept(fx), 1764000000123);
	store_close(fx->st);
	fx->st = NULL;
	storefx_open_store(fx, false);
	assert_int_equal(clock_now_kept(fx), 1764000000123);
}

/* ------------------------------------------------------- open and close */

static void
sqlite_store_open__a_second_store_on_the_file__is_refused(void **state)
{
	struct storefx *fx = *state;
	struct sqlite_options o = { .sync_full = true };
	char *cause = NULL;

	storefx_open_store(fx, true);
	assert_null(sqlite_store_open(fx->path, &o, fx->base, &cause));
	assert_non_null(cause);
	print_message("# refused: %s\n", cause);
	assert_non_null(strstr(cause, "in use by another protocold"));
	free(cause);
}

static void
store_close__with_an_open_transaction__rolls_it_back(void **state)
{
	struct storefx *fx = *state;
	struct protocol p = storefx_mkp("P-1", "S-1", PROTO_PENDING, FX_CLOCK_RESPONSE, 900);
	char wal[400];

	storefx_open_store(fx, true);
	assert_int_equal(store_begin(fx->st), 0);
	insert(fx, &p);
	store_close(fx->st);
	fx->st = NULL;
	/* The checkpointer went first: the writer's close removed the WAL. */
	snprintf(wal, sizeof wal, "%s-wal", fx->path);
	assert_int_equal(access(wal, F_OK), -1);
	storefx_open_store(fx, false);
	assert_false(readable(fx, "P-1"));
}

#define T(name) cmocka_unit_test_setup_teardown(name, storefx_setup, storefx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(store_commit__without_the_syncer__is_written_then_durable_before_it_returns),
		T(store_commit__with_the_syncer__is_durable_once_the_fsync_is_over),
		T(store_commit__with_the_syncer__a_snapshot_held_keeps_out_the_commit_until_durable),
		T(store_wait_durable__waits_for_the_fsync_and_tells_durable_once),
		T(store_commit__transaction_sqlite_ended__fails_keeps_nothing_and_reads_go_on),
		T(store_save__disk_full__spoils_the_transaction_and_its_commit_fails),
		T(store_commit__wal_removed_with_the_syncer__is_lost_then_salvaged),
		T(store_commit__wal_removed_without_the_syncer__is_lost_before_it_returns),
		T(store_load__sees_the_open_transaction_with_the_seller_s_flag),
		T(store_insert_new__existing_id__hands_back_the_stored_one_and_writes_nothing),
		T(store_due_and_head__follow_the_timer_index_in_the_open_transaction),
		T(store_save__writes_the_row_then_its_entries_in_order),
		T(store_save__next_only__writes_only_clock_next),
		T(store_list_and_forecast__filter_by_state_seller_and_due),
		T(store_list_and_forecast__by_marketplace),
		T(store_seller_cursor_key_and_info__answer_from_the_reader),
		T(store_clock_save__kept_in_the_meta_table_at_commit_and_across_a_reopen),
		T(sqlite_store_open__a_second_store_on_the_file__is_refused),
		T(store_close__with_an_open_transaction__rolls_it_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
