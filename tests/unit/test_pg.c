#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <event2/event.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pg.h"
#include "pg_int.h"
#include "pgconn.h"
#include "pgfx.h"
#include "pgschema.h"
#include "proto.h"
#include "store.h"
#include "storefx.h"

/*
 * The PostgreSQL store through the core's interface (core/store.h), against a
 * throw-away server, each test on a fresh database: the write path and its commit
 * (answers in the order asked, the seq block, the counters, a failed transaction),
 * every read, and the faults: a connection killed (what it owed fails at once, the
 * store refuses at once while down, reconnects by itself), a commit in doubt found
 * committed or rolled back by its transaction's id once the writer is back, a
 * schema newer than the program refused.
 */

static struct pgfx fx;

struct tp {
	struct event_base *base;
	struct event *tick;
	struct store *st;
	const char *uri;
	/* What callbacks told, in order. */
	int n;
	char what[64][48];
};

static struct pg_store *
pgs(struct tp *t)
{
	return (struct pg_store *)t->st;
}

static void
told(struct tp *t, const char *fmt, ...)
{
	va_list ap;

	assert_true(t->n < 64);
	va_start(ap, fmt);
	vsnprintf(t->what[t->n++], sizeof t->what[0], fmt, ap);
	va_end(ap);
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
}

/* Run the loop until t->n >= want (or fail after 10 s). */
static void
run_until(struct tp *t, int want)
{
	struct timespec t0, now;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (t->n < want) {
		event_base_loop(t->base, EVLOOP_ONCE);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > 10)
			fail_msg("waited 10 s for answer %d (have %d)", want, t->n);
	}
}

/* Run the loop for ms milliseconds. */
static void
run_for(struct tp *t, int ms)
{
	pgfx_run_for(t->base, ms);
}

static struct store *
open_store(struct tp *t)
{
	char *cause = NULL;
	struct store *st = pg_store_open(t->uri, NULL, t->base, &cause);

	if (st == NULL)
		fail_msg("pg_store_open: %s", cause);
	return st;
}

static int
setup(void **state)
{
	struct tp *t = calloc(1, sizeof *t);
	struct timeval tv = { 0, 10000 };

	t->uri = pgfx_newdb(&fx);
	assert_non_null(t->uri);
	t->base = event_base_new();
	t->tick = event_new(t->base, -1, EV_PERSIST, tick_cb, NULL);
	event_add(t->tick, &tv);
	t->st = open_store(t);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct tp *t = *state;

	store_close(t->st);
	event_free(t->tick);
	event_base_free(t->base);
	free(t);
	return 0;
}

/* ------------------------------------------------------- the helpers */

/* A protocol of FX_MARKET (storefx.h) with clock kind c (FX_CLOCK_*). */
static struct protocol
mkp(const char *id, const char *seller, enum proto_state s, int c, int64_t next)
{
	struct protocol p;

	memset(&p, 0, sizeof p);
	snprintf(p.id, sizeof p.id, "%s", id);
	snprintf(p.seller, sizeof p.seller, "%s", seller);
	snprintf(p.marketplace, sizeof p.marketplace, "%s", FX_MARKET);
	p.opened_at = 1790000000000;
	p.state = s;
	p.clock = c;
	if (c != PROTO_CLOCK_NONE) {
		p.clock_start = p.opened_at;
		p.clock_due = next;
		p.clock_next = next;
		snprintf(p.clock_rule, sizeof p.clock_rule, "response 2 business days");
	}
	snprintf(p.attempts, sizeof p.attempts, "confirm_address=2");
	p.version = 1;
	p.updated_at = p.opened_at;
	return p;
}

static struct proto_event
mkev(const struct protocol *p, int from, enum proto_cause cause, const char *name,
    int64_t due)
{
	return (struct proto_event){ .rid = p->rid, .at = p->updated_at, .from = from,
	    .to = p->state, .cause = cause, .name = name, .due_at = due,
	    .late_ms = due != 0 ? p->updated_at - due : 0, .detail = NULL };
}

struct outcome {
	struct tp *t;
};

static void
on_written(void *arg, enum store_outcome o)
{
	told(arg, "written %s", o == STORE_OK ? "OK" : "FAILED");
}

static void
on_durable(void *arg, enum store_outcome o)
{
	told(arg, "durable %s", o == STORE_OK ? "OK" : "LOST");
}

/* Commit and wait for its outcome: "written OK" (then durable OK) or "written
 * FAILED". */
static const char *
commit(struct tp *t)
{
	int at = t->n;

	store_commit(t->st, on_written, on_durable, t);
	run_until(t, at + 1);
	if (strcmp(t->what[at], "written OK") == 0) {
		run_until(t, at + 2);
		assert_string_equal(t->what[at + 1], "durable OK");
	}
	return t->what[at];
}

struct ins {
	struct tp *t;
	int rc;
	struct protocol existing;
	bool envvias;
};

static void
on_inserted(void *arg, int rc, const struct protocol *existing, bool envvias)
{
	struct ins *in = arg;

	in->rc = rc;
	in->envvias = envvias;
	if (existing != NULL)
		in->existing = *existing;
	told(in->t, "insert %d", rc);
}

/* Insert p in the open transaction: its rc (1, 0 with in->existing, -1). */
static int
insert(struct tp *t, struct protocol *p, struct ins *in)
{
	int at = t->n;

	in->t = t;
	store_insert_new(t->st, p, on_inserted, in);
	run_until(t, at + 1);
	return in->rc;
}

/* A protocol created in a transaction of its own, with its create entry. */
static struct protocol
create(struct tp *t, const char *id, const char *seller, int64_t next)
{
	struct protocol p = mkp(id, seller, PROTO_PENDING, FX_CLOCK_RESPONSE, next);
	struct proto_event ev;
	struct ins in;

	assert_int_equal(store_begin(t->st), 0);
	assert_int_equal(insert(t, &p, &in), 1);
	ev = mkev(&p, -1, PROTO_CAUSE_CREATE, "create", 0);
	assert_int_equal(store_save(t->st, &p, &ev, 1, STORE_SAVE_ENTRIES), 0);
	assert_string_equal(commit(t), "written OK");
	return p;
}

struct loaded {
	struct tp *t;
	struct store_loaded r;
};

static void
on_loaded(void *arg, const struct store_loaded *r)
{
	struct loaded *l = arg;

	l->r = *r;
	told(l->t, "load %d", r->rc);
}

static int
load(struct tp *t, const char *id, struct loaded *l)
{
	int at = t->n;

	l->t = t;
	store_load(t->st, id, on_loaded, l);
	run_until(t, at + 1);
	return l->r.rc;
}

struct got {
	struct tp *t;
	int rc;
	struct protocol p;
	bool envvias;
};

static void
on_got(void *arg, int rc, const struct protocol *p, bool envvias)
{
	struct got *g = arg;

	g->rc = rc;
	if (p != NULL)
		g->p = *p;
	g->envvias = envvias;
	told(g->t, "get %d", rc);
}

static int
get(struct tp *t, const char *id, struct got *g)
{
	int at = t->n;

	g->t = t;
	store_get(t->st, id, on_got, g);
	run_until(t, at + 1);
	return g->rc;
}

/* The entries a history or feed read gave: "seq:id:name". */
struct events {
	struct tp *t;
	int n, rc;
	char e[32][64];
	struct proto_event last;
};

static void
on_event(const struct proto_event *ev, const char *id, void *arg)
{
	struct events *es = arg;

	assert_true(es->n < 32);
	snprintf(es->e[es->n++], sizeof es->e[0], "%lld:%s:%s", (long long)ev->seq, id,
	    ev->name);
	es->last = *ev;
	es->last.name = NULL;
	es->last.detail = NULL;
}

static void
on_rows(void *arg, int n)
{
	struct events *es = arg;

	es->rc = n;
	told(es->t, "rows %d", n);
}

static int
feed(struct tp *t, int64_t after, int limit, struct events *es)
{
	int at = t->n;

	memset(es, 0, sizeof *es);
	es->t = t;
	store_feed(t->st, after, limit, on_event, on_rows, es);
	run_until(t, at + 1);
	return es->rc;
}

struct intv {
	struct tp *t;
	int rc;
	int64_t v;
};

static void
on_int(void *arg, int rc, int64_t v)
{
	struct intv *iv = arg;

	iv->rc = rc;
	iv->v = v;
	told(iv->t, "int %d", rc);
}

static int64_t
last_seq(struct tp *t)
{
	struct intv iv = { .t = t, .rc = -2 };
	int at = t->n;

	store_last_seq(t->st, on_int, &iv);
	run_until(t, at + 1);
	assert_int_equal(iv.rc, 0);
	return iv.v;
}

struct statsv {
	struct tp *t;
	int rc;
	struct store_stats s;
};

static void
on_stats(void *arg, int rc, const struct store_stats *s)
{
	struct statsv *sv = arg;

	sv->rc = rc;
	sv->s = *s;
	told(sv->t, "stats %d", rc);
}

static struct store_stats
stats(struct tp *t)
{
	struct statsv sv = { .t = t, .rc = -2 };
	int at = t->n;

	store_stats(t->st, on_stats, &sv);
	run_until(t, at + 1);
	assert_int_equal(sv.rc, 0);
	return sv.s;
}

/* ------------------------------------------------------- the commit */

static void
store_commit__a_new_protocol__is_written_then_durable_and_read_as_saved(void **state)
{
	struct tp *t = *state;
	struct protocol p = create(t, "P-1", "S-1", 1790000100000);
	struct got g;

	assert_true(p.rid > 0);
	assert_int_equal(get(t, "P-1", &g), 1);
	assert_int_equal(g.p.rid, p.rid);
	assert_string_equal(g.p.seller, "S-1");
	assert_string_equal(g.p.order, "");
	assert_int_equal(g.p.state, PROTO_PENDING);
	assert_int_equal(g.p.clock, FX_CLOCK_RESPONSE);
	assert_int_equal(g.p.clock_next, 1790000100000);
	assert_string_equal(g.p.attempts, "confirm_address=2");
	assert_string_equal(g.p.marketplace, "casas-bahia");
	assert_string_equal(g.p.clock_rule, "response 2 business days");
	assert_false(g.envvias);
	assert_int_equal(get(t, "P-2", &g), 0);
	assert_int_equal(last_seq(t), 1);
}

static void
store_insert_new__an_existing_id__answers_the_row_as_stored(void **state)
{
	struct tp *t = *state;
	struct protocol p = create(t, "P-1", "S-1", 1790000100000);
	struct protocol again = mkp("P-1", "S-2", PROTO_AWAITING, PROTO_CLOCK_NONE, 0);
	struct ins in;

	assert_int_equal(store_begin(t->st), 0);
	assert_int_equal(store_seller_put(t->st, "S-1", true), 0);
	assert_int_equal(insert(t, &again, &in), 0);
	assert_int_equal(in.existing.rid, p.rid);
	assert_string_equal(in.existing.seller, "S-1");
	assert_int_equal(in.existing.state, PROTO_PENDING);
	/* Its seller's flag, as the transaction has it. */
	assert_true(in.envvias);
	assert_string_equal(commit(t), "written OK");
	assert_int_equal(last_seq(t), 1);
}

static void
store_load__in_the_transaction__sees_its_writes_and_locks_the_row(void **state)
{
	struct tp *t = *state;
	struct protocol p = create(t, "P-1", "S-1", 1790000100000);
	struct proto_event ev;
	struct loaded l;
	struct got g;

	assert_int_equal(store_begin(t->st), 0);
	assert_int_equal(load(t, "P-1", &l), 1);
	p = l.r.p;
	p.state = PROTO_MEDIATION;
	p.clock = PROTO_CLOCK_NONE;
	p.version++;
	ev = mkev(&p, PROTO_PENDING, PROTO_CAUSE_EXPIRY, "response", 1790000100000);
	assert_int_equal(store_save(t->st, &p, &ev, 1, STORE_SAVE_ROW), 0);
	assert_int_equal(store_seller_put(t->st, "S-1", true), 0);
	assert_int_equal(load(t, "P-1", &l), 1);
	assert_int_equal(l.r.p.state, PROTO_MEDIATION);
	assert_int_equal(l.r.p.clock_next, 0);
	assert_string_equal(l.r.p.clock_rule, "");
	assert_true(l.r.envvias);
	assert_int_equal(load(t, "nope", &l), 0);
	/* Another session waits for the row until the commit. */
	assert_int_equal(pgfx_value(t->uri, "SELECT rid FROM protocols WHERE id = 'P-1' "
	    "FOR UPDATE NOWAIT"), -1);
	/* The readers do not see it before the commit. */
	assert_int_equal(get(t, "P-1", &g), 1);
	assert_int_equal(g.p.state, PROTO_PENDING);
	assert_string_equal(commit(t), "written OK");
	assert_int_equal(get(t, "P-1", &g), 1);
	assert_int_equal(g.p.state, PROTO_MEDIATION);
	assert_int_equal(g.p.version, 2);
	assert_true(g.envvias);
}

static struct protocol due_out[8];

static void
on_due(void *arg, int n)
{
	struct tp *t = arg;

	told(t, "due %d", n);
}

static void
on_head(void *arg, int rc, int64_t at)
{
	struct tp *t = arg;

	told(t, "head %d %lld", rc, (long long)(at == INT64_MAX ? -1 : at));
}

static void
store_due__earliest_first__ties_in_rid_order__at_most_max(void **state)
{
	struct tp *t = *state;

	create(t, "A", "S", 3000);
	create(t, "B", "S", 1000);
	create(t, "C", "S", 2000);
	create(t, "D", "S", 1000);
	create(t, "E", "S", 9000);
	store_head(t->st, on_head, t);
	run_until(t, t->n + 1);
	assert_string_equal(t->what[t->n - 1], "head 0 1000");
	assert_int_equal(store_begin(t->st), 0);
	store_due(t->st, 3000, 3, due_out, on_due, t);
	run_until(t, t->n + 1);
	assert_string_equal(t->what[t->n - 1], "due 3");
	assert_string_equal(due_out[0].id, "B");
	assert_string_equal(due_out[1].id, "D");
	assert_string_equal(due_out[2].id, "C");
	/* The head in the transaction sees what it saved. */
	due_out[0].clock = PROTO_CLOCK_NONE;
	due_out[0].state = PROTO_MEDIATION;
	due_out[1].clock_next = 1500;
	assert_int_equal(store_save(t->st, &due_out[0], NULL, 0, STORE_SAVE_ROW), 0);
	assert_int_equal(store_save(t->st, &due_out[1], NULL, 0, STORE_SAVE_NEXT), 0);
	store_head(t->st, on_head, t);
	run_until(t, t->n + 1);
	assert_string_equal(t->what[t->n - 1], "head 0 1500");
	assert_string_equal(commit(t), "written OK");
}

static void
store_callbacks__are_called_in_the_order_asked(void **state)
{
	struct tp *t = *state;
	struct protocol q = mkp("Q", "S", PROTO_PENDING, FX_CLOCK_RESPONSE, 500);
	struct loaded l1, l2;
	struct ins in = { .t = t, .rc = -2 };

	int n0;

	create(t, "A", "S", 1000);
	n0 = t->n;
	assert_int_equal(store_begin(t->st), 0);
	l1.t = l2.t = t;
	store_load(t->st, "A", on_loaded, &l1);
	store_insert_new(t->st, &q, on_inserted, &in);
	store_due(t->st, 2000, 8, due_out, on_due, t);
	store_head(t->st, on_head, t);
	store_load(t->st, "nope", on_loaded, &l2);
	/* Nothing before the loop runs: the answers come from it. */
	assert_int_equal(t->n, n0);
	run_until(t, n0 + 5);
	assert_string_equal(t->what[n0], "load 1");
	assert_string_equal(t->what[n0 + 1], "insert 1");
	assert_string_equal(t->what[n0 + 2], "due 2");
	assert_string_equal(t->what[n0 + 3], "head 0 500");
	assert_string_equal(t->what[n0 + 4], "load 0");
	assert_string_equal(commit(t), "written OK");
}

static void
store_save__counts_moves_and_entries__stats_from_the_counters(void **state)
{
	struct tp *t = *state;
	struct protocol a = create(t, "A", "S", 1000);
	struct protocol b;
	struct proto_event ev;
	struct store_stats s;
	struct loaded l;

	create(t, "B", "S", 2000);
	assert_int_equal(store_begin(t->st), 0);
	assert_int_equal(load(t, "B", &l), 1);
	b = l.r.p;
	b.state = PROTO_MEDIATION;
	b.clock = PROTO_CLOCK_NONE;
	ev = mkev(&b, PROTO_PENDING, PROTO_CAUSE_EXPIRY, "response", 2000);
	assert_int_equal(store_save(t->st, &b, &ev, 1, STORE_SAVE_ROW), 0);
	/* Saved twice in one transaction: the last one is the row. */
	b.state = PROTO_RESOLVED;
	ev = mkev(&b, PROTO_MEDIATION, PROTO_CAUSE_ACTION, "resolve", 0);
	assert_int_equal(store_save(t->st, &b, &ev, 1, STORE_SAVE_ROW), 0);
	assert_string_equal(commit(t), "written OK");
	s = stats(t);
	assert_int_equal(s.by_state[PROTO_PENDING], 1);
	assert_int_equal(s.by_state[PROTO_MEDIATION], 0);
	assert_int_equal(s.by_state[PROTO_RESOLVED], 1);
	assert_int_equal(storefx_markets(&s, FX_MARKET, PROTO_PENDING), 1);
	assert_int_equal(storefx_markets(&s, FX_MARKET, PROTO_MEDIATION), 0);
	assert_int_equal(storefx_markets(&s, FX_MARKET, PROTO_RESOLVED), 1);
	assert_int_equal(storefx_clocks(&s, FX_CLOCK_RESPONSE), 1);
	/* No clock: counted (key 100 + 0), not shown among the running ones. */
	assert_int_equal(pgfx_value(t->uri, "SELECT n FROM counters WHERE k = 100"), 1);
	assert_int_equal(storefx_clocks(&s, PROTO_CLOCK_NONE), 0);
	assert_int_equal(s.by_cause[PROTO_CAUSE_CREATE], 2);
	assert_int_equal(s.by_cause[PROTO_CAUSE_EXPIRY], 1);
	assert_int_equal(s.by_cause[PROTO_CAUSE_ACTION], 1);
	assert_true(s.has_next);
	assert_string_equal(s.next_id, a.id);
	assert_int_equal(s.next_at, 1000);
	assert_int_equal(s.next_clock, FX_CLOCK_RESPONSE);
	assert_int_equal(pgfx_value(t->uri, "SELECT state FROM protocols WHERE id = 'B'"),
	    PROTO_RESOLVED);
}

static void
store_commit__seqs__a_block_per_commit__none_taken_by_a_rollback(void **state)
{
	struct tp *t = *state;
	struct protocol a = create(t, "A", "S", 1000);
	struct proto_event ev[3];
	struct events es;

	create(t, "B", "S", 1000);
	/* A transaction that rolls back takes no seq. */
	assert_int_equal(store_begin(t->st), 0);
	ev[0] = mkev(&a, PROTO_PENDING, PROTO_CAUSE_EVENT, "lost", 0);
	assert_int_equal(store_save(t->st, &a, ev, 1, STORE_SAVE_ENTRIES), 0);
	store_rollback(t->st);
	assert_false(store_in_txn(t->st));
	assert_int_equal(store_begin(t->st), 0);
	for (int i = 0; i < 3; i++)
		ev[i] = mkev(&a, PROTO_PENDING, PROTO_CAUSE_WARNING, i == 1 ? "w2" : "w", 0);
	assert_int_equal(store_save(t->st, &a, ev, 3, STORE_SAVE_ENTRIES), 0);
	assert_string_equal(commit(t), "written OK");
	assert_int_equal(feed(t, 0, 10, &es), 5);
	assert_string_equal(es.e[0], "1:A:create");
	assert_string_equal(es.e[1], "2:B:create");
	assert_string_equal(es.e[2], "3:A:w");
	assert_string_equal(es.e[3], "4:A:w2");
	assert_string_equal(es.e[4], "5:A:w");
	assert_int_equal(feed(t, 3, 1, &es), 1);
	assert_string_equal(es.e[0], "4:A:w2");
	assert_int_equal(last_seq(t), 5);
	assert_int_equal(pgfx_value(t->uri, "SELECT last FROM history_seq"), 5);
}

static void
store_commit__a_statement_refused__fails_it_whole_and_the_next_commits(void **state)
{
	struct tp *t = *state;
	struct protocol a = create(t, "A", "S", 1000);
	struct proto_event ev;
	struct loaded l;
	struct got g;

	assert_int_equal(pgfx_exec(t->uri, "ALTER TABLE sellers ADD CHECK (id <> 'BAD')"), 0);
	assert_int_equal(store_begin(t->st), 0);
	a.state = PROTO_CLOSED;
	a.clock = PROTO_CLOCK_NONE;
	ev = mkev(&a, PROTO_PENDING, PROTO_CAUSE_ACTION, "close", 0);
	assert_int_equal(store_save(t->st, &a, &ev, 1, STORE_SAVE_ROW), 0);
	assert_int_equal(store_seller_put(t->st, "BAD", true), 0);
	assert_string_equal(commit(t), "written FAILED");
	assert_non_null(strstr(store_error(t->st), "check constraint"));
	assert_int_equal(get(t, "A", &g), 1);
	assert_int_equal(g.p.state, PROTO_PENDING);
	assert_int_equal(last_seq(t), 1);
	/* The session is clean: the next transaction commits (the engine loads
	 * again: the failed save counted its move from what it had loaded). */
	assert_int_equal(store_begin(t->st), 0);
	assert_int_equal(load(t, "A", &l), 1);
	a = l.r.p;
	a.state = PROTO_CLOSED;
	a.clock = PROTO_CLOCK_NONE;
	assert_int_equal(store_save(t->st, &a, &ev, 1, STORE_SAVE_ROW), 0);
	assert_string_equal(commit(t), "written OK");
	assert_int_equal(get(t, "A", &g), 1);
	assert_int_equal(g.p.state, PROTO_CLOSED);
	assert_int_equal(last_seq(t), 2);
	assert_int_equal(stats(t).by_state[PROTO_CLOSED], 1);
}

static void
store_commit__a_protocol_gone__fails_it_whole(void **state)
{
	struct tp *t = *state;
	struct protocol a = create(t, "A", "S", 1000);
	struct protocol ghost = a;

	ghost.rid = 999;
	assert_int_equal(store_begin(t->st), 0);
	a.version = 7;
	assert_int_equal(store_save(t->st, &a, NULL, 0, STORE_SAVE_ROW), 0);
	assert_int_equal(store_save(t->st, &ghost, NULL, 0, STORE_SAVE_ROW), 0);
	assert_string_equal(commit(t), "written FAILED");
	assert_non_null(strstr(store_error(t->st), "1 of 2 rows found"));
	assert_int_equal(pgfx_value(t->uri, "SELECT version FROM protocols"), 1);
}

static void
store_commit__writes_alone__wait_for_the_transactions_id_then_commit(void **state)
{
	struct tp *t = *state;
	struct loaded l = { .t = t };

	create(t, "A", "S", 1000);
	assert_int_equal(store_begin(t->st), 0);
	assert_int_equal(store_seller_put(t->st, "S", true), 0);
	assert_int_equal(store_clock_save(t->st, 1234), 0);
	store_commit(t->st, on_written, on_durable, t);
	/* The next transaction's statements go after the commit. */
	assert_int_equal(store_begin(t->st), 0);
	store_load(t->st, "A", on_loaded, &l);
	run_until(t, t->n + 3);
	assert_string_equal(t->what[t->n - 3], "written OK");
	assert_string_equal(t->what[t->n - 2], "durable OK");
	assert_string_equal(t->what[t->n - 1], "load 1");
	assert_true(l.r.envvias);
	assert_string_equal(commit(t), "written OK");
	assert_int_equal(pgfx_value(t->uri, "SELECT ms FROM test_clock"), 1234);
}

static bool
no_commit_in_flight(void *arg)
{
	return pgs(arg)->flight == NULL;
}

static void
store_wait_durable__without_the_loop__tells_the_commit(void **state)
{
	struct tp *t = *state;
	struct protocol p = mkp("A", "S", PROTO_PENDING, FX_CLOCK_RESPONSE, 1000);
	struct ins in;

	assert_int_equal(store_begin(t->st), 0);
	assert_int_equal(insert(t, &p, &in), 1);
	store_commit(t->st, on_written, on_durable, t);
	store_wait_durable(t->st);
	assert_true(no_commit_in_flight(t));
	assert_string_equal(t->what[t->n - 2], "written OK");
	assert_string_equal(t->what[t->n - 1], "durable OK");
}

/* ---------------------------------------------------------- the reads */

struct listv {
	struct tp *t;
	int n, rc;
	char ids[16][PROTO_ID_MAX + 1];
	bool envvias[16];
};

static void
on_protocol(const struct protocol *p, bool envvias, void *arg)
{
	struct listv *lv = arg;

	assert_true(lv->n < 16);
	snprintf(lv->ids[lv->n], sizeof lv->ids[0], "%s", p->id);
	lv->envvias[lv->n++] = envvias;
}

static void
on_list_done(void *arg, int n)
{
	struct listv *lv = arg;

	lv->rc = n;
	told(lv->t, "list %d", n);
}

static const char *
list_f(struct tp *t, const struct store_filter *f, int64_t after, int limit,
    struct listv *lv)
{
	static char joined[128];
	int at = t->n;

	memset(lv, 0, sizeof *lv);
	lv->t = t;
	store_list(t->st, f, after, limit, on_protocol, on_list_done, lv);
	run_until(t, at + 1);
	assert_int_equal(lv->rc, lv->n);
	joined[0] = '\0';
	for (int i = 0; i < lv->n; i++) {
		strcat(joined, i ? "," : "");
		strcat(joined, lv->ids[i]);
	}
	return joined;
}

static const char *
list(struct tp *t, int state_, const char *seller, bool has_due, int64_t due,
    int64_t after, int limit, struct listv *lv)
{
	struct store_filter f = { .state = state_, .seller = seller, .has_due = has_due,
	    .due_before = due };

	return list_f(t, &f, after, limit, lv);
}

static void
store_list__each_filter__in_rid_order_after_the_cursor(void **state)
{
	struct tp *t = *state;
	struct protocol b;
	struct listv lv;
	struct loaded l;

	create(t, "A", "S1", 1000);
	create(t, "B", "S2", 5000);
	create(t, "C", "S1", 3000);
	assert_int_equal(store_begin(t->st), 0);
	assert_int_equal(store_seller_put(t->st, "S2", true), 0);
	assert_int_equal(load(t, "B", &l), 1);
	b = l.r.p;
	b.state = PROTO_MEDIATION;
	b.clock = PROTO_CLOCK_NONE;
	assert_int_equal(store_save(t->st, &b, NULL, 0, STORE_SAVE_ROW), 0);
	assert_string_equal(commit(t), "written OK");
	assert_string_equal(list(t, -1, NULL, false, 0, 0, 10, &lv), "A,B,C");
	assert_true(lv.envvias[1]);
	assert_false(lv.envvias[0]);
	assert_string_equal(list(t, -1, NULL, false, 0, 0, 2, &lv), "A,B");
	assert_string_equal(list(t, -1, NULL, false, 0, b.rid, 10, &lv), "C");
	assert_string_equal(list(t, PROTO_PENDING, NULL, false, 0, 0, 10, &lv), "A,C");
	assert_string_equal(list(t, -1, "S1", false, 0, 0, 10, &lv), "A,C");
	assert_string_equal(list(t, PROTO_MEDIATION, "S2", false, 0, 0, 10, &lv), "B");
	assert_string_equal(list(t, -1, NULL, true, 3000, 0, 10, &lv), "A");
	assert_string_equal(list(t, -1, NULL, true, 3001, 0, 10, &lv), "A,C");
	assert_string_equal(list(t, PROTO_PENDING, NULL, true, 9999, 0, 10, &lv), "A,C");
	assert_string_equal(list(t, -1, "S1", true, 2000, 0, 10, &lv), "A");
	assert_string_equal(list(t, PROTO_PENDING, "S1", true, 9999, 0, 1, &lv), "A");
	assert_string_equal(list(t, PROTO_CLOSED, "S1", true, 9999, 0, 10, &lv), "");
}

static void
store_history__one_protocols_entries_after_seq(void **state)
{
	struct tp *t = *state;
	struct protocol a = create(t, "A", "S", 1000);
	struct proto_event ev[2];
	struct events es = { 0 };
	int at;

	create(t, "B", "S", 1000);
	assert_int_equal(store_begin(t->st), 0);
	ev[0] = mkev(&a, PROTO_PENDING, PROTO_CAUSE_EXPIRY, "response", 1000);
	ev[0].detail = "{\"say\":\"a \\\"quote\\\", a \\\\ and Ünïcödé\"}";
	ev[1] = mkev(&a, PROTO_PENDING, PROTO_CAUSE_ACTION, "respond", 0);
	assert_int_equal(store_save(t->st, &a, ev, 2, STORE_SAVE_ENTRIES), 0);
	assert_string_equal(commit(t), "written OK");
	es.t = t;
	at = t->n;
	store_history(t->st, a.rid, 1, 10, on_event, on_rows, &es);
	run_until(t, at + 1);
	assert_int_equal(es.rc, 2);
	assert_string_equal(es.e[0], "3:A:response");
	assert_string_equal(es.e[1], "4:A:respond");
	assert_int_equal(es.last.from, PROTO_PENDING);
	assert_int_equal(es.last.due_at, 0);
	assert_int_equal(pgfx_value(t->uri, "SELECT count(*) FROM history WHERE detail = "
	    "'{\"say\":\"a \\\"quote\\\", a \\\\ and Ünïcödé\"}' AND due_at = 1000"),
	    1);
	memset(&es, 0, sizeof es);
	es.t = t;
	store_history(t->st, a.rid, 0, 1, on_event, on_rows, &es);
	run_until(t, at + 2);
	assert_string_equal(es.e[0], "1:A:create");
	assert_int_equal(es.last.from, -1);
}

static void
on_forecast(void *arg, int rc, const struct store_forecast *f)
{
	struct tp *t = arg;

	told(t, "forecast %d %lld %lld", rc,
	    (long long)storefx_forecast(f, FX_MARKET, FX_CLOCK_RESPONSE),
	    (long long)storefx_forecast(f, FX_MARKET, FX_CLOCK_PHOTOS));
}

/* The whole forecast, kept for the test to look at. */
static struct store_forecast forecast_got;

static void
on_forecast_keep(void *arg, int rc, const struct store_forecast *f)
{
	struct tp *t = arg;

	forecast_got = *f;
	told(t, "forecast %d", rc);
}

static void
on_seller(void *arg, int rc, bool envvias, const int64_t counts[PROTO_N_STATES],
    int64_t mediations)
{
	struct tp *t = arg;

	told(t, "seller %d %d %lld %lld %lld", rc, envvias,
	    (long long)counts[PROTO_PENDING], (long long)counts[PROTO_MEDIATION],
	    (long long)mediations);
}

static void
store_forecast_and_seller__count_as_sqlite_does(void **state)
{
	struct tp *t = *state;
	struct protocol b;
	struct proto_event ev;
	struct loaded l;

	create(t, "A", "S1", 1000);
	create(t, "B", "S1", 2000);
	create(t, "C", "S2", 3000);
	store_forecast(t->st, 2500, NULL, on_forecast, t);
	store_forecast(t->st, 9000, "S2", on_forecast, t);
	run_until(t, t->n + 2);
	assert_string_equal(t->what[t->n - 2], "forecast 0 2 0");
	assert_string_equal(t->what[t->n - 1], "forecast 0 1 0");
	assert_int_equal(store_begin(t->st), 0);
	assert_int_equal(store_seller_put(t->st, "S1", true), 0);
	assert_int_equal(load(t, "B", &l), 1);
	b = l.r.p;
	b.state = PROTO_MEDIATION;
	b.clock = PROTO_CLOCK_NONE;
	b.updated_at = 2500;
	ev = mkev(&b, PROTO_PENDING, PROTO_CAUSE_EXPIRY, "response", 2000);
	assert_int_equal(store_save(t->st, &b, &ev, 1, STORE_SAVE_ROW), 0);
	assert_string_equal(commit(t), "written OK");
	/* Mediations at or after since, by their due instant. */
	store_seller(t->st, "S1", 2000, on_seller, t);
	store_seller(t->st, "S1", 2001, on_seller, t);
	store_seller(t->st, "nobody", 0, on_seller, t);
	run_until(t, t->n + 3);
	assert_string_equal(t->what[t->n - 3], "seller 0 1 1 1 1");
	assert_string_equal(t->what[t->n - 2], "seller 0 1 1 1 0");
	assert_string_equal(t->what[t->n - 1], "seller 0 0 0 0 0");
}

/* A protocol of marketplace market created in a transaction of its own. */
static struct protocol
create_in(struct tp *t, const char *id, const char *seller, const char *market,
    enum proto_state st, int clock, int64_t next)
{
	struct protocol p = mkp(id, seller, st, clock, next);
	struct ins in;

	snprintf(p.marketplace, sizeof p.marketplace, "%s", market);
	assert_int_equal(store_begin(t->st), 0);
	assert_int_equal(insert(t, &p, &in), 1);
	assert_string_equal(commit(t), "written OK");
	return p;
}

static void
store_marketplaces__kept__listed__forecast_and_counted_apart(void **state)
{
	struct tp *t = *state;
	struct protocol b;
	struct store_filter f;
	struct store_stats s;
	struct listv lv;
	struct loaded l;
	struct got g;

	create_in(t, "A", "S", FX_MARKET, PROTO_PENDING, FX_CLOCK_RESPONSE, 300);
	create_in(t, "B", "S", "madeiramadeira", PROTO_PENDING, FX_CLOCK_RESPONSE, 100);
	create_in(t, "C", "T", "madeiramadeira", PROTO_AWAITING, 30001, 200);
	create_in(t, "D", "S", "madeiramadeira", PROTO_AWAITING, 30001, 900);
	create_in(t, "E", "S", FX_MARKET, PROTO_AWAITING, FX_CLOCK_PHOTOS, 150);
	assert_int_equal(get(t, "B", &g), 1);
	assert_string_equal(g.p.marketplace, "madeiramadeira");
	assert_int_equal(get(t, "C", &g), 1);
	assert_string_equal(g.p.marketplace, "madeiramadeira");
	assert_int_equal(g.p.clock, 30001);
	assert_int_equal(get(t, "A", &g), 1);
	assert_string_equal(g.p.marketplace, "casas-bahia");

	f = (struct store_filter){ .state = -1, .marketplace = "madeiramadeira" };
	assert_string_equal(list_f(t, &f, 0, 10, &lv), "B,C,D");
	f = (struct store_filter){ .state = -1, .marketplace = FX_MARKET };
	assert_string_equal(list_f(t, &f, 0, 10, &lv), "A,E");
	f = (struct store_filter){ .state = PROTO_AWAITING, .marketplace = "madeiramadeira" };
	assert_string_equal(list_f(t, &f, 0, 10, &lv), "C,D");
	f = (struct store_filter){ .state = -1, .seller = "S", .marketplace =
	    "madeiramadeira" };
	assert_string_equal(list_f(t, &f, 0, 10, &lv), "B,D");
	f = (struct store_filter){ .state = PROTO_PENDING, .seller = "S", .marketplace =
	    "madeiramadeira" };
	assert_string_equal(list_f(t, &f, 0, 10, &lv), "B");
	f = (struct store_filter){ .state = -1, .marketplace = "madeiramadeira", .has_due =
	    true, .due_before = 300 };
	assert_string_equal(list_f(t, &f, 0, 10, &lv), "B,C");
	f = (struct store_filter){ .state = PROTO_AWAITING, .marketplace = "madeiramadeira",
	    .has_due = true, .due_before = 300 };
	assert_string_equal(list_f(t, &f, 0, 10, &lv), "C");
	f = (struct store_filter){ .state = -1, .seller = "S", .marketplace =
	    "madeiramadeira", .has_due = true, .due_before = 1000 };
	assert_string_equal(list_f(t, &f, 0, 10, &lv), "B,D");
	f = (struct store_filter){ .state = PROTO_AWAITING, .seller = "S", .marketplace =
	    "madeiramadeira", .has_due = true, .due_before = 1000 };
	assert_string_equal(list_f(t, &f, 0, 10, &lv), "D");
	f = (struct store_filter){ .state = -1, .marketplace = "madeiramadeira" };
	assert_string_equal(list_f(t, &f, 0, 1, &lv), "B");
	f = (struct store_filter){ .state = -1, .marketplace = "nowhere" };
	assert_string_equal(list_f(t, &f, 0, 10, &lv), "");

	store_forecast(t->st, 1000, NULL, on_forecast_keep, t);
	run_until(t, t->n + 1);
	assert_string_equal(t->what[t->n - 1], "forecast 0");
	assert_int_equal(storefx_forecast_total(&forecast_got), 5);
	assert_int_equal(storefx_forecast(&forecast_got, FX_MARKET, FX_CLOCK_RESPONSE), 1);
	assert_int_equal(storefx_forecast(&forecast_got, FX_MARKET, FX_CLOCK_PHOTOS), 1);
	assert_int_equal(storefx_forecast(&forecast_got, "madeiramadeira",
	    FX_CLOCK_RESPONSE), 1);
	assert_int_equal(storefx_forecast(&forecast_got, "madeiramadeira", 30001), 2);
	store_forecast(t->st, 250, "T", on_forecast_keep, t);
	run_until(t, t->n + 1);
	assert_int_equal(storefx_forecast_total(&forecast_got), 1);
	assert_int_equal(storefx_forecast(&forecast_got, "madeiramadeira", 30001), 1);

	/* Keys no counter row had before (a new marketplace's, a hashed kind's) are
	 * counted from their first commit. */
	s = stats(t);
	assert_int_equal(s.by_state[PROTO_PENDING], 2);
	assert_int_equal(s.by_state[PROTO_AWAITING], 3);
	assert_int_equal(storefx_markets(&s, FX_MARKET, PROTO_PENDING), 1);
	assert_int_equal(storefx_markets(&s, FX_MARKET, PROTO_AWAITING), 1);
	assert_int_equal(storefx_markets(&s, "madeiramadeira", PROTO_PENDING), 1);
	assert_int_equal(storefx_markets(&s, "madeiramadeira", PROTO_AWAITING), 2);
	assert_int_equal(storefx_clocks(&s, FX_CLOCK_RESPONSE), 2);
	assert_int_equal(storefx_clocks(&s, FX_CLOCK_PHOTOS), 1);
	assert_int_equal(storefx_clocks(&s, 30001), 2);
	assert_int_equal(pgfx_value(t->uri, "SELECT n FROM counters WHERE k = 40001"), 2);

	/* C's wait expires: its marketplace's counters move, not casas-bahia's. */
	assert_int_equal(store_begin(t->st), 0);
	assert_int_equal(load(t, "C", &l), 1);
	b = l.r.p;
	b.state = PROTO_PENDING;
	b.clock = FX_CLOCK_RESPONSE;
	assert_int_equal(store_save(t->st, &b, NULL, 0, STORE_SAVE_ROW), 0);
	assert_string_equal(commit(t), "written OK");
	s = stats(t);
	assert_int_equal(storefx_markets(&s, "madeiramadeira", PROTO_PENDING), 2);
	assert_int_equal(storefx_markets(&s, "madeiramadeira", PROTO_AWAITING), 1);
	assert_int_equal(storefx_markets(&s, FX_MARKET, PROTO_PENDING), 1);
	assert_int_equal(storefx_markets(&s, FX_MARKET, PROTO_AWAITING), 1);
	assert_int_equal(storefx_clocks(&s, 30001), 1);
	assert_int_equal(storefx_clocks(&s, FX_CLOCK_RESPONSE), 3);
	assert_int_equal(pgfx_value(t->uri, "SELECT count(*) FROM protocols WHERE id = 'C' "
	    "AND marketplace = 'madeiramadeira'"), 1);
}

static void
on_key(void *arg, int rc, const uint8_t key[])
{
	memcpy(arg, key, STORE_KEY_LEN);
}

static void
store_backend__clock_key_and_info(void **state)
{
	struct tp *t = *state;
	struct intv iv = { .t = t, .rc = -2, .v = -1 };
	struct store_info info;
	uint8_t k1[STORE_KEY_LEN], k2[STORE_KEY_LEN];
	char why[128];

	store_clock_load(t->st, on_int, &iv);
	run_until(t, t->n + 1);
	assert_int_equal(iv.rc, 0);
	assert_int_equal(iv.v, 0);
	assert_int_equal(store_begin(t->st), 0);
	assert_int_equal(store_clock_save(t->st, 1790000000123), 0);
	assert_string_equal(commit(t), "written OK");
	store_clock_load(t->st, on_int, &iv);
	run_until(t, t->n + 1);
	assert_int_equal(iv.v, 1790000000123);
	store_cursor_key(t->st, on_key, k1);
	store_close(t->st);
	t->st = open_store(t);
	store_cursor_key(t->st, on_key, k2);
	assert_memory_equal(k1, k2, STORE_KEY_LEN);
	store_info(t->st, &info);
	assert_string_equal(info.name, "postgresql");
	assert_int_equal(strncmp(info.version, "15", 2), 0);
	assert_true(store_health(t->st, why, sizeof why));
	assert_true(store_reads_ready(t->st));
}

/* ------------------------------------------------------------ faults */

static void
store_writer_killed__what_it_owed_fails__refused_at_once_until_it_is_back(void **state)
{
	struct tp *t = *state;
	struct loaded l = { .t = t };
	char why[256];
	int pid = pgconn_backend_pid(pgs(t)->writer);

	create(t, "A", "S", 1000);
	assert_int_equal(store_begin(t->st), 0);
	/* Its server process is gone: what is asked of it fails (from the loop). */
	assert_int_equal(pgfx_kill(t->uri, pid), 0);
	store_load(t->st, "A", on_loaded, &l);
	run_until(t, t->n + 1);
	assert_string_equal(t->what[t->n - 1], "load -1");
	/* Down: everything fails at once, and says why. */
	while (store_health(t->st, why, sizeof why))
		run_for(t, 1);
	assert_false(pgconn_is_up(pgs(t)->writer));
	assert_non_null(strstr(why, "the database server is unreachable: "));
	assert_non_null(strstr(why, "; reconnecting"));
	assert_int_equal(store_save(t->st, &l.r.p, NULL, 0, STORE_SAVE_ROW), -1);
	assert_string_equal(commit(t), "written FAILED");
	assert_int_equal(store_begin(t->st), -1);
	assert_non_null(strstr(store_error(t->st), "unreachable"));
	/* Back by itself. */
	while (!pgconn_is_up(pgs(t)->writer))
		run_for(t, 20);
	if (!store_health(t->st, why, sizeof why))
		fail_msg("health: %s", why);
	assert_int_equal(store_begin(t->st), 0);
	assert_int_equal(load(t, "A", &l), 1);
	assert_string_equal(commit(t), "written OK");
}

static void
store_reader_killed__reads_fail_at_once_until_it_is_back(void **state)
{
	struct tp *t = *state;
	struct got g1 = { .t = t, .rc = -2 }, g2 = { .t = t, .rc = -2 };
	int pid = pgconn_backend_pid(pgs(t)->reader);

	create(t, "A", "S", 1000);
	assert_int_equal(pgfx_kill(t->uri, pid), 0);
	store_get(t->st, "A", on_got, &g1);
	run_until(t, t->n + 1);
	assert_int_equal(g1.rc, -1);
	while (pgconn_is_up(pgs(t)->reader))
		run_for(t, 1);
	store_get(t->st, "A", on_got, &g2);
	if (g2.rc != -1)
		fail_msg("%d: %s", g2.rc, t->what[t->n - 1]);	/* at once */
	assert_non_null(strstr(store_error(t->st), "unreachable"));
	/* Writes go on meanwhile. */
	create(t, "B", "S", 1000);
	while (!pgconn_is_up(pgs(t)->reader))
		run_for(t, 20);
	assert_int_equal(get(t, "B", &g2), 1);
}

static void
store_server_stopped__health_says_why__all_refused_at_once__then_back(void **state)
{
	struct tp *t = *state;
	struct got g = { .t = t, .rc = -2 };
	char why[256];

	create(t, "A", "S", 1000);
	pgfx_pause(&fx);
	while (store_health(t->st, why, sizeof why))
		run_for(t, 20);
	run_for(t, 200);
	assert_false(store_health(t->st, why, sizeof why));
	assert_non_null(strstr(why, "unreachable"));
	assert_int_equal(store_begin(t->st), -1);
	store_get(t->st, "A", on_got, &g);
	assert_int_equal(g.rc, -1);
	assert_int_equal(pgfx_resume(&fx), 0);
	while (!store_health(t->st, why, sizeof why))
		run_for(t, 20);
	assert_int_equal(get(t, "A", &g), 1);
	create(t, "B", "S", 1000);
}

/* Hold history_seq's row in another session: the commit's last statement waits. */
static PGconn *
block_commits(struct tp *t)
{
	PGconn *c = PQconnectdb(t->uri);

	PQclear(PQexec(c, "BEGIN"));
	PQclear(PQexec(c, "SELECT last FROM history_seq FOR UPDATE"));
	return c;
}

/* The commit of one create, stuck behind block_commits. */
static void
stuck_commit(struct tp *t, const char *id)
{
	struct protocol p = mkp(id, "S", PROTO_PENDING, FX_CLOCK_RESPONSE, 1000);
	struct proto_event ev;
	struct ins in;

	assert_int_equal(store_begin(t->st), 0);
	assert_int_equal(insert(t, &p, &in), 1);
	ev = mkev(&p, -1, PROTO_CAUSE_CREATE, "create", 0);
	assert_int_equal(store_save(t->st, &p, &ev, 1, STORE_SAVE_ENTRIES), 0);
	store_commit(t->st, on_written, on_durable, t);
	run_for(t, 100);
	assert_non_null(pgs(t)->flight);
}

/* Cut the writer's socket under libpq: the answer can never come (the server's
 * process, waiting for the lock, notices only when it writes). */
static void
cut_writer(struct tp *t)
{
	assert_int_equal(shutdown(pgconn_socket(pgs(t)->writer), SHUT_RDWR), 0);
}

static void
store_commit_in_doubt__committed_meanwhile__is_told_ok_once_known(void **state)
{
	struct tp *t = *state;
	PGconn *blocker = block_commits(t);
	int n0;

	stuck_commit(t, "A");
	n0 = t->n;
	cut_writer(t);
	/* In doubt: the server process still waits for the lock ("in progress"), and
	 * nothing is told. */
	run_for(t, 400);
	assert_true(pgconn_is_up(pgs(t)->writer));
	if (t->n != n0)
		fail_msg("told %s (%s)", t->what[n0], store_error(t->st));
	assert_non_null(pgs(t)->flight);
	PQclear(PQexec(blocker, "COMMIT"));
	PQfinish(blocker);
	run_until(t, n0 + 2);
	assert_string_equal(t->what[n0], "written OK");
	assert_string_equal(t->what[n0 + 1], "durable OK");
	assert_int_equal(pgfx_value(t->uri, "SELECT count(*) FROM history"), 1);
	assert_int_equal(last_seq(t), 1);
}

static void
store_commit_in_doubt__rolled_back__is_told_failed_once_known(void **state)
{
	struct tp *t = *state;
	PGconn *blocker = block_commits(t);
	int n0, pid = pgconn_backend_pid(pgs(t)->writer);
	struct got g = { .t = t, .rc = -2 };

	stuck_commit(t, "A");
	n0 = t->n;
	cut_writer(t);
	assert_int_equal(pgfx_kill(t->uri, pid), 0);
	run_until(t, n0 + 1);
	assert_string_equal(t->what[n0], "written FAILED");
	if (strstr(store_error(t->st), "rolled back") == NULL)
		fail_msg("%s", store_error(t->st));
	PQclear(PQexec(blocker, "COMMIT"));
	PQfinish(blocker);
	assert_int_equal(get(t, "A", &g), 0);
	assert_int_equal(pgfx_value(t->uri, "SELECT last FROM history_seq"), 0);
	/* The next commit takes seq 1. */
	create(t, "B", "S", 1000);
	assert_int_equal(last_seq(t), 1);
}

static void
store_commit_in_doubt__its_server_process_stuck__is_ended_then_told(void **state)
{
	struct tp *t = *state;
	PGconn *blocker = block_commits(t);
	struct timespec t0, t1;
	int n0;

	stuck_commit(t, "A");
	n0 = t->n;
	cut_writer(t);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* The lock is never released: after 5 s, the store ends that process. */
	run_until(t, n0 + 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_string_equal(t->what[n0], "written FAILED");
	assert_true(t1.tv_sec - t0.tv_sec >= 4);
	PQclear(PQexec(blocker, "COMMIT"));
	PQfinish(blocker);
	assert_int_equal(pgfx_value(t->uri, "SELECT count(*) FROM protocols"), 0);
}

static void
pg_store_open__a_version_2_database__is_casas_bahia_s_and_counted_for_it(void **state)
{
	struct tp *t = *state;
	struct protocol p;
	struct store_stats s;
	struct loaded l;
	struct got g;

	store_close(t->st);
	t->uri = pgfx_newdb(&fx);
	assert_non_null(t->uri);
	assert_int_equal(pgfx_make_v2(t->uri), 0);
	t->st = open_store(t);
	assert_int_equal(get(t, "OLD-1", &g), 1);
	assert_string_equal(g.p.marketplace, "casas-bahia");
	assert_string_equal(g.p.order, "O-1");
	assert_true(g.p.critical);
	assert_int_equal(g.p.state, PROTO_PENDING);
	assert_int_equal(g.p.clock, FX_CLOCK_RESPONSE);
	assert_int_equal(g.p.clock_due, 900);
	assert_int_equal(g.p.clock_next, 800);
	assert_string_equal(g.p.attempts, "request_photos=2,confirm_address=1");
	assert_string_equal(g.p.clock_rule, "rule=response value=24h");
	assert_int_equal(get(t, "OLD-2", &g), 1);
	assert_string_equal(g.p.marketplace, "casas-bahia");
	assert_int_equal(g.p.clock, FX_CLOCK_PHOTOS);
	assert_string_equal(g.p.attempts, "");
	assert_int_equal(get(t, "OLD-3", &g), 1);
	assert_string_equal(g.p.marketplace, "casas-bahia");
	assert_string_equal(g.p.reason, "customer_return");
	assert_int_equal(g.p.clock, PROTO_CLOCK_NONE);

	/* The marketplace's counts are the states'. */
	s = stats(t);
	assert_int_equal(s.by_state[PROTO_PENDING], 1);
	assert_int_equal(s.by_state[PROTO_AWAITING], 1);
	assert_int_equal(s.by_state[PROTO_MEDIATION], 1);
	for (int st = 0; st < PROTO_N_STATES; st++)
		assert_int_equal(storefx_markets(&s, FX_MARKET, st), s.by_state[st]);
	assert_int_equal(s.n_markets, PROTO_N_STATES);
	assert_int_equal(storefx_clocks(&s, FX_CLOCK_RESPONSE), 1);
	assert_int_equal(storefx_clocks(&s, FX_CLOCK_PHOTOS), 1);
	assert_int_equal(s.by_cause[PROTO_CAUSE_CREATE], 3);
	assert_string_equal(s.next_id, "OLD-2");

	/* Counted from now on, both counters of a move. */
	create(t, "NEW", "S", 5000);
	assert_int_equal(store_begin(t->st), 0);
	assert_int_equal(load(t, "OLD-2", &l), 1);
	p = l.r.p;
	p.state = PROTO_PENDING;
	p.clock = FX_CLOCK_RESPONSE;
	p.version++;
	assert_int_equal(store_save(t->st, &p, NULL, 0, STORE_SAVE_ROW), 0);
	assert_string_equal(commit(t), "written OK");
	s = stats(t);
	assert_int_equal(s.by_state[PROTO_PENDING], 3);
	assert_int_equal(s.by_state[PROTO_AWAITING], 0);
	for (int st = 0; st < PROTO_N_STATES; st++)
		assert_int_equal(storefx_markets(&s, FX_MARKET, st), s.by_state[st]);
	assert_int_equal(storefx_clocks(&s, FX_CLOCK_RESPONSE), 3);
	assert_int_equal(storefx_clocks(&s, FX_CLOCK_PHOTOS), 0);
	assert_int_equal(s.by_cause[PROTO_CAUSE_CREATE], 4);
	assert_int_equal(last_seq(t), 4);
}

static void
pg_store_open__a_newer_schema__is_refused(void **state)
{
	struct tp *t = *state;
	char sql[128], *cause = NULL;

	snprintf(sql, sizeof sql, "INSERT INTO schema_version (version) VALUES (%d)",
	    pgschema_count() + 1);
	assert_int_equal(pgfx_exec(t->uri, sql), 0);
	assert_null(pg_store_open(t->uri, NULL, t->base, &cause));
	assert_non_null(strstr(cause, "newer protocold"));
	assert_non_null(strstr(cause, "postgresql:///"));
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(store_commit__a_new_protocol__is_written_then_durable_and_read_as_saved),
		T(store_insert_new__an_existing_id__answers_the_row_as_stored),
		T(store_load__in_the_transaction__sees_its_writes_and_locks_the_row),
		T(store_due__earliest_first__ties_in_rid_order__at_most_max),
		T(store_callbacks__are_called_in_the_order_asked),
		T(store_save__counts_moves_and_entries__stats_from_the_counters),
		T(store_commit__seqs__a_block_per_commit__none_taken_by_a_rollback),
		T(store_commit__a_statement_refused__fails_it_whole_and_the_next_commits),
		T(store_commit__a_protocol_gone__fails_it_whole),
		T(store_commit__writes_alone__wait_for_the_transactions_id_then_commit),
		T(store_wait_durable__without_the_loop__tells_the_commit),
		T(store_list__each_filter__in_rid_order_after_the_cursor),
		T(store_history__one_protocols_entries_after_seq),
		T(store_forecast_and_seller__count_as_sqlite_does),
		T(store_marketplaces__kept__listed__forecast_and_counted_apart),
		T(store_backend__clock_key_and_info),
		T(store_writer_killed__what_it_owed_fails__refused_at_once_until_it_is_back),
		T(store_reader_killed__reads_fail_at_once_until_it_is_back),
		T(store_server_stopped__health_says_why__all_refused_at_once__then_back),
		T(store_commit_in_doubt__committed_meanwhile__is_told_ok_once_known),
		T(store_commit_in_doubt__rolled_back__is_told_failed_once_known),
		T(store_commit_in_doubt__its_server_process_stuck__is_ended_then_told),
		T(pg_store_open__a_newer_schema__is_refused),
		T(pg_store_open__a_version_2_database__is_casas_bahia_s_and_counted_for_it),
	};
	int rc;

	if (!pgfx_installed())
		return pgfx_skip_all("test_pg");
	if (pgfx_start(&fx) != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	pgfx_stop(&fx);
	return rc;
}
