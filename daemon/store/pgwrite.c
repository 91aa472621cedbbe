#include "pgwrite.h"

#include <event2/event.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "pg_int.h"
#include "pgcluster.h"
#include "pgconn.h"
#include "pgdoubt.h"
#include "pgsql.h"
#include "pgtxn.h"
#include "pgwrite_int.h"
#include "strcopy.h"
#include "xmalloc.h"

/*
 * A transaction is the statements sent on the writer between two syncs: PostgreSQL
 * runs them as one implicit transaction, which the sync commits (or rolls back, when
 * one of them failed: the server then skips the rest up to the sync, and the next
 * transaction starts clean). An explicit BEGIN … COMMIT would leave the session in a
 * failed transaction after an error, and the next transaction, already sent behind
 * it, would fail too.
 *
 * A commit is told once its sync's answer came (synchronous_commit = on: it is
 * durable then), written() then durable(). If the connection is lost before that
 * answer, the commit is in doubt; it is told only once the writer is back and has
 * settled it (pgdoubt.c).
 */

/* At the stop (the loop gone), the commit in flight is waited for this long. */
#define PGWRITE_STOP_WAIT_US (10 * 1000000LL)


/* An answer of the write path: whom it goes to. */
struct pg_call {
	struct pg_txn *t;		/* NULL: a head read outside a transaction */
	store_load_fn *load;
	store_insert_fn *insert;
	store_due_fn *due;
	store_head_fn *head;
	void *arg;
	struct pg_store *s_outside;	/* a head read outside a transaction: its store */
	struct protocol *p;		/* insert: the protocol; due: where the rows go */
	int n;				/* due: at most */
	bool waits;			/* the commit waits for it */
};

/* ------------------------------------------------------ the transaction */

static struct pg_txn *
pg_txn_new(struct pg_store *s)
{
	struct pg_txn *t = xcalloc(1, sizeof *t);

	t->s = s;
	t->w = pgtxn_new();
	t->gen = pgconn_generation(s->writer);
	t->token = ++s->token;
	strcopy(t->session, sizeof t->session, pgconn_name(s->writer));
	t->wake_others = t->wake_any = INT64_MAX;
	t->owned_gen = pgcluster_generation(s->cluster);
	return t;
}

/* Free it once it is over and nothing more will answer it. */
void
pgwrite_txn_unref(struct pg_txn *t)
{
	if (t->over && t->owed == 0) {
		pgtxn_free(t->w);
		free(t);
	}
}

/* Whether its connection is still the writer's, and up. */
bool
pgwrite_txn_alive(const struct pg_txn *t)
{
	return t->gen == pgconn_generation(t->s->writer) && pgconn_is_up(t->s->writer);
}

void
pgwrite_txn_fail(struct pg_txn *t, const char *err)
{
	if (!t->failed) {
		t->failed = true;
		strcopy(t->error, sizeof t->error, err != NULL ? err : "failed");
	}
}

/* Why its writes cannot go on: its connection was lost, or a statement failed. */
static int
pg_txn_refuse(struct pg_txn *t)
{
	struct pg_store *s = t->s;
	char msg[sizeof s->error];

	if (!pgwrite_txn_alive(t)) {
		snprintf(msg, sizeof msg, "the connection to the database server was lost "
		    "(%s): the transaction is rolled back", pgconn_why(s->writer));
		pgwrite_txn_fail(t, msg);
		return pg_fail(s, msg);
	}
	return pg_fail(s, t->error);
}

/* The open transaction, alive: 0, or -1 with store_error() saying why not. */
static int
pg_open_ready(struct pg_store *s)
{
	if (s->open == NULL)
		return pg_fail(s, "no transaction is open");
	if (!pgwrite_txn_alive(s->open))
		return pg_txn_refuse(s->open);
	return 0;
}

/* Send a statement of t: 0, or -1 (down). */
static int
pg_send(struct pg_txn *t, struct pg_call *call, const char *name, int n,
    const char *const *v, pgconn_fn *fn, void *arg)
{
	if (pgconn_send(t->s->writer, name, n, v, fn, arg) != 0)
		return -1;
	t->owed++;
	if (call != NULL && call->waits)
		t->waits++;
	return 0;
}

/* Tell the commit's outcome: written(), then durable() after a success. */
void
pgwrite_txn_tell(struct pg_txn *t, enum store_outcome o)
{
	struct pg_store *s = t->s;
	store_outcome_fn *written = t->written, *durable = t->durable;
	void *arg = t->arg;

	t->over = true;
	if (s->flight == t)
		s->flight = NULL;
	if (o != STORE_OK) {
		pg_fail(s, t->error[0] ? t->error : "the commit failed");
		written(arg, STORE_FAILED);
		return;
	}
	written(arg, STORE_OK);
	durable(arg, STORE_OK);
}

static void pg_txn_settle(struct pg_txn *t);

/* ---------------------------------------------------- plain writes */

/* The answer of a write of t (nobody waits for it but its commit). */
static void
pg_wrote(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	struct pg_txn *t = arg;

	t->owed--;
	/* Lost: whether it ran is the commit's question (in doubt once its sync was
	 * sent; else it cannot commit). */
	if (st == PGCONN_ERROR)
		pgwrite_txn_fail(t, err);
	pg_txn_settle(t);
}

/* Send the protocols saved since the last UPDATE (before a read sees them, and at
 * the commit): 0, or -1 (down). */
static int
pg_flush_rows(struct pg_txn *t)
{
	if (pgtxn_rows_pending(t->w) == 0)
		return 0;
	if (pgtxn_send_rows(t->w, t->s->writer, pg_wrote, t) != 0)
		return -1;
	t->owed++;
	return 0;
}

/* --------------------------------------------------------- the commit */

/* The sync's answer: the commit's outcome, or its doubt. */
static void
pg_committed(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	struct pg_txn *t = arg;

	t->owed--;
	if (st == PGCONN_CLOSED || t->over) {
		pgwrite_txn_unref(t);
		return;
	}
	if (st == PGCONN_LOST && !t->failed) {
		/* Sent, never answered: it may have committed. */
		t->in_doubt = true;
		t->doubt_since = clock_mono_us();
		log_warnx("database: the connection was lost before the commit was answered; "
		    "its outcome is asked of the server once reconnected, and told only then");
		return;
	}
	if (st != PGCONN_OK)
		pgwrite_txn_fail(t, err);
	pgwrite_txn_tell(t, t->failed ? STORE_FAILED : STORE_OK);
	pgwrite_txn_unref(t);
}

/* Send t's mark: the row of this daemon in commit_marks gets t's token, committed
 * with t or not at all. 0, or -1 (down). */
static int
pg_mark(struct pg_txn *t)
{
	struct pgsql_params pp;

	pgsql_params_init(&pp);
	pgsql_param_text(&pp, t->s->name);
	pgsql_param_i64(&pp, t->token);
	return pg_send(t, NULL, PGSQL_MARK, pp.n, pp.v, pg_wrote, t);
}

/*
 * What the others hear of this commit (doc/cluster.md, "Wake-up" and "The feed"): one
 * notification "EPOCH AT LAST", sent by the history's statement with the feed's new end
 * (LAST), when others are alive and it wrote history (their feeds' waiters), or when it
 * moved a clock of a shard another owns (AT; "-" when none) — any shard, when what we
 * own changed while it was open. Into tell (NULL: nothing to tell); a commit without
 * history that moved such a clock tells them by a statement of its own. 0, or -1 (down).
 */
static int
pg_tell(struct pg_txn *t, char *tell, size_t len, const char **out)
{
	struct pgcluster *c = t->s->cluster;
	int64_t at = t->owned_gen == pgcluster_generation(c) ? t->wake_others :
	    t->wake_any;
	bool feed = pgtxn_entries(t->w) > 0 && !pgcluster_alone(c);

	*out = NULL;
	if (!feed && at == INT64_MAX)
		return 0;
	if (at == INT64_MAX)
		snprintf(tell, len, "%s -", pgcluster_epoch(c));
	else
		snprintf(tell, len, "%s %" PRId64, pgcluster_epoch(c), at);
	if (pgtxn_entries(t->w) > 0) {
		*out = tell;
		return 0;
	}
	return pg_send(t, NULL, PGSQL_WAKE, 1, (const char *[]){ tell }, pg_wrote, t);
}

/* Send the commit: the writes still gathered, its mark, the counters, the history
 * with its block of seqs, then the sync that commits them all; or, once a statement
 * failed, the rollback. (The caller frees t, if it is over.) */
static void
pg_commit_send(void *arg)
{
	struct pg_txn *t = arg;
	struct pg_store *s = t->s;
	int rc = 0;
	char tellbuf[64];
	const char *tell = NULL;

	if (!pgwrite_txn_alive(t)) {
		pg_txn_refuse(t);
		pgwrite_txn_tell(t, STORE_FAILED);
		return;
	}
	if (t->failed)
		rc = pg_send(t, NULL, PGSQL_ROLLBACK, 0, NULL, pg_wrote, t);
	/*
	 * The seqs are taken here, last before the commit, from one counter row
	 * (history_seq): a sequence would skip the numbers of a transaction that
	 * rolls back, and the row's lock, held until the commit, orders the commits
	 * that take seqs, so that no reader sees a later seq committed before an
	 * earlier one. (With several writers it serializes their commits: the next
	 * issue revisits it.)
	 */
	else if ((rc = pg_flush_rows(t)) == 0 && (rc = pg_mark(t)) == 0 &&
	    (rc = pg_tell(t, tellbuf, sizeof tellbuf, &tell)) == 0) {
		int sent = pgtxn_send_commit(t->w, s->writer, tell, pg_wrote, t);

		rc = sent < 0 ? -1 : 0;
		t->owed += sent > 0 ? sent : 0;
	}
	if (rc != 0 || pgconn_sync(s->writer, pg_committed, t) != 0) {
		pg_txn_refuse(t);
		pgwrite_txn_tell(t, STORE_FAILED);
		return;
	}
	t->owed++;
	t->synced = true;
}

/* After each answer of t: a commit that waited for the answers it needs is sent
 * once they came; t is freed once over and answered. */
static void
pg_txn_settle(struct pg_txn *t)
{
	if (t->committing && t->holding && t->waits == 0 && !t->over) {
		t->holding = false;
		pgconn_release(t->s->writer, pg_commit_send, t);
	}
	pgwrite_txn_unref(t);
}

void
pgwrite_commit(struct store *st, store_outcome_fn *written, store_outcome_fn *durable,
    void *arg)
{
	struct pg_store *s = pg_of(st);
	struct pg_txn *t = s->open;

	if (s->flight != NULL)
		fatalx("store: a commit while the last one's outcome is pending");
	if (t == NULL) {
		pg_fail(s, "no transaction is open");
		written(arg, STORE_FAILED);
		return;
	}
	s->open = NULL;
	s->flight = t;
	t->committing = true;
	t->written = written;
	t->durable = durable;
	t->arg = arg;
	/* Its inserts' answers must have come before the sync goes (they change the
	 * counters): until then, what the next transaction sends waits behind it. */
	if (t->waits > 0 && pgwrite_txn_alive(t)) {
		t->holding = true;
		pgconn_hold(s->writer);
		return;
	}
	pg_commit_send(t);
	pgwrite_txn_unref(t);	/* told already (failed at once): freed */
}

void
pgwrite_up(void *arg)
{
	struct pg_store *s = arg;

	if (s->flight != NULL && s->flight->in_doubt)
		pgdoubt_ask(s);
}

void
pgwrite_down(void *arg)
{
	struct pg_store *s = arg;

	/* What the open transaction sent is gone with the connection: its requests are
	 * told so now, not once the commit in flight (maybe in doubt) is settled. */
	if (s->open != NULL) {
		pg_txn_refuse(s->open);
		store_txn_lost(&s->st);
	}
	if (s->flight != NULL)
		s->flight->asking = false;
}

/* At the stop: whether the commit in flight was told (a commit in doubt is asked
 * about again when due: no loop runs its timer now). */
static bool
pg_flight_over(void *arg)
{
	struct pg_store *s = arg;
	struct pg_txn *t = s->flight;

	if (t == NULL)
		return true;
	if (t->in_doubt && clock_mono_us() >= t->doubt_next)
		pgdoubt_cb(-1, 0, s);
	return false;
}

void
pgwrite_wait_durable(struct store *st)
{
	struct pg_store *s = pg_of(st);

	if (s->flight == NULL)
		return;
	if (pgconn_wait(s->writer, pg_flight_over, s, PGWRITE_STOP_WAIT_US) != 0)
		log_warnx("database: the outcome of the last commit is still unknown (%s): "
		    "its requests are not answered", pgconn_is_up(s->writer) ?
		    "the server did not answer" : pgconn_why(s->writer));
}

void
pgwrite_drop(struct pg_store *s)
{
	struct pg_txn *t[2] = { s->open, s->flight };

	s->open = s->flight = NULL;
	for (int i = 0; i < 2; i++)
		if (t[i] != NULL) {
			t[i]->over = true;
			pgwrite_txn_unref(t[i]);
		}
}

/* --------------------------------------------------- the transaction */

int
pgwrite_begin(struct store *st)
{
	struct pg_store *s = pg_of(st);

	if (!pgconn_is_up(s->writer))
		return pg_unreachable(s, s->writer);
	/* Nothing to send yet: its statements are the transaction, up to its sync. */
	s->open = pg_txn_new(s);
	return 0;
}

bool
pgwrite_in_txn(const struct store *st)
{
	return pg_of_const(st)->open != NULL;
}

void
pgwrite_rollback(struct store *st)
{
	struct pg_store *s = pg_of(st);
	struct pg_txn *t = s->open;

	if (t == NULL)
		return;
	s->open = NULL;
	t->over = true;
	/* Skipped by the server when a statement of it failed: the sync then rolls it
	 * back by itself. */
	if (pgwrite_txn_alive(t) && pg_send(t, NULL, PGSQL_ROLLBACK, 0, NULL, pg_wrote, t) == 0 &&
	    pgconn_sync(s->writer, pg_wrote, t) == 0)
		t->owed++;
	pgwrite_txn_unref(t);
}

/* ------------------------------------------------- the write path's reads */

static struct pg_call *
pg_call_new(struct pg_txn *t, void *arg)
{
	struct pg_call *call = xcalloc(1, sizeof *call);

	call->t = t;
	call->arg = arg;
	return call;
}

/* Send a read of the open transaction, after the writes it must see: 0, or -1
 * (store_error() says why; call is freed). */
static int
pg_read(struct pg_store *s, struct pg_call *call, const char *name, int n,
    const char *const *v, pgconn_fn *fn)
{
	if (pg_open_ready(s) != 0 || pg_flush_rows(s->open) != 0 ||
	    pg_send(s->open, call, name, n, v, fn, call) != 0) {
		if (s->open != NULL && pg_open_ready(s) == 0)
			pg_unreachable(s, s->writer);
		free(call);
		return -1;
	}
	return 0;
}

/* An answer to call has come: the error kept (when it failed). It is still owed
 * until pg_txn_answered, after its callback: the callback may end t (a rollback),
 * which must not free it under us. */
static void
pg_answered(struct pg_call *call, enum pgconn_status st, const char *err)
{
	struct pg_txn *t = call->t;

	if (t == NULL)
		return;
	if (call->waits)
		t->waits--;
	if (st == PGCONN_ERROR) {
		pgwrite_txn_fail(t, err);
		pg_fail(t->s, t->error);	/* the first error of t: the cause */
	} else if (st == PGCONN_LOST)
		pg_fail(t->s, err);
}

/* The answer's callback is done: t settled (sent its commit, or freed). */
static void
pg_txn_answered(struct pg_txn *t)
{
	t->owed--;
	pg_txn_settle(t);
}

static void
pg_loaded(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	struct pg_call *call = arg;
	struct pg_txn *t = call->t;
	struct store_loaded l = { .rc = -1 };

	pg_answered(call, st, err);
	if (st == PGCONN_OK) {
		l.rc = PQntuples(r) == 1;
		if (l.rc == 1) {
			pgsql_protocol(r, 0, 0, &l.p);
			l.envvias = pgsql_bool(r, 0, PGSQL_PROTO_COLS);
		}
	}
	if (st != PGCONN_CLOSED)
		call->load(call->arg, &l);
	free(call);
	pg_txn_answered(t);
}

void
pgwrite_load(struct store *st, const char *id, store_load_fn *fn, void *arg)
{
	struct pg_store *s = pg_of(st);
	struct pg_call *call = pg_call_new(s->open, arg);
	struct store_loaded l = { .rc = -1 };
	const char *v[1] = { id };

	call->load = fn;
	if (pg_read(s, call, PGSQL_LOAD, 1, v, pg_loaded) != 0)
		fn(arg, &l);
}

static void
pg_inserted(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	struct pg_call *call = arg;
	struct pg_txn *t = call->t;
	struct protocol existing;
	bool envvias = false;
	int rc = -1;
	char msg[160];

	if (st == PGCONN_OK && PQntuples(r) == 1) {
		envvias = pgsql_bool(r, 0, 1 + PGSQL_PROTO_COLS);
		if (!pgsql_null(r, 0, 0)) {
			call->p->rid = pgsql_i64(r, 0, 0);
			pgtxn_inserted(t->w, call->p);
			rc = 1;
		} else if (!pgsql_null(r, 0, 1)) {
			pgsql_protocol(r, 0, 1, &existing);
			rc = 0;
		}
	}
	if (st == PGCONN_OK && rc < 0) {
		/* Its id was taken by a transaction that committed after this statement
		 * began (another writer): neither answer would be true. */
		snprintf(msg, sizeof msg, "protocol %s was created by another writer at the "
		    "same time; try again", call->p->id);
		st = PGCONN_ERROR;
		err = msg;
	}
	pg_answered(call, st, err);
	if (st != PGCONN_CLOSED)
		call->insert(call->arg, rc, rc == 0 ? &existing : NULL, envvias);
	free(call);
	pg_txn_answered(t);
}

void
pgwrite_insert_new(struct store *st, struct protocol *p, store_insert_fn *fn, void *arg)
{
	struct pg_store *s = pg_of(st);
	struct pg_call *call = pg_call_new(s->open, arg);
	struct pgsql_params pp;

	call->insert = fn;
	call->p = p;
	call->waits = true;
	pgsql_insert_params(&pp, p);
	if (pg_read(s, call, PGSQL_INSERT_NEW, pp.n, pp.v, pg_inserted) != 0)
		fn(arg, -1, NULL, false);
}

static void
pg_due_read(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	struct pg_call *call = arg;
	struct pg_txn *t = call->t;
	int n = -1;

	pg_answered(call, st, err);
	if (st == PGCONN_OK) {
		n = PQntuples(r) < call->n ? PQntuples(r) : call->n;
		for (int i = 0; i < n; i++)
			pgsql_protocol(r, i, 0, &call->p[i]);
	}
	if (st != PGCONN_CLOSED)
		call->due(call->arg, n);
	free(call);
	pg_txn_answered(t);
}

void
pgwrite_due(struct store *st, int64_t limit, int max, struct protocol *out,
    store_due_fn *fn, void *arg)
{
	struct pg_store *s = pg_of(st);
	struct pg_call *call = pg_call_new(s->open, arg);
	struct pgsql_params pp;

	call->due = fn;
	call->p = out;
	call->n = max;
	pgsql_params_init(&pp);
	pgsql_param_i64(&pp, limit);
	pgsql_param_i64(&pp, max);
	pgsql_param_text(&pp, pgcluster_epoch(s->cluster));
	if (pg_read(s, call, pgcluster_owns_all(s->cluster) ? PGSQL_DUE_ALL : PGSQL_DUE,
	    pp.n, pp.v, pg_due_read) != 0)
		fn(arg, -1);
}

static void
pg_head_read(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	struct pg_call *call = arg;
	struct pg_txn *t = call->t;
	int64_t at = INT64_MAX;

	pg_answered(call, st, err);
	if (st == PGCONN_OK && PQntuples(r) == 1 && !pgsql_null(r, 0, 0))
		at = pgsql_i64(r, 0, 0);
	else if (st != PGCONN_OK && t == NULL && st != PGCONN_CLOSED)
		pg_fail(call->s_outside, err);
	if (st != PGCONN_CLOSED)
		call->head(call->arg, st == PGCONN_OK ? 0 : -1, at);
	free(call);
	if (t != NULL)
		pg_txn_answered(t);
}

void
pgwrite_head(struct store *st, store_head_fn *fn, void *arg)
{
	struct pg_store *s = pg_of(st);
	const char *epoch[1] = { pgcluster_epoch(s->cluster) };
	const char *name = pgcluster_owns_all(s->cluster) ? PGSQL_HEAD_ALL : PGSQL_HEAD;
	struct pg_call *call;

	/* In the open transaction, it sees what that one wrote (the scheduler's batch);
	 * outside, it is a batch of its own. */
	if (s->open != NULL) {
		call = pg_call_new(s->open, arg);
		call->head = fn;
		if (pg_read(s, call, name, 1, epoch, pg_head_read) != 0)
			fn(arg, -1, INT64_MAX);
		return;
	}
	call = pg_call_new(NULL, arg);
	call->head = fn;
	call->s_outside = s;
	if (pgconn_send(s->writer, name, 1, epoch, pg_head_read, call) != 0) {
		free(call);
		pg_unreachable(s, s->writer);
		fn(arg, -1, INT64_MAX);
		return;
	}
	pgconn_sync(s->writer, NULL, NULL);
}

/* --------------------------------------------------- the writes */

/* Keep the earliest running clock t saves, for pg_wake. */
static void
pg_clock_moved(struct pg_txn *t, const struct protocol *p)
{
	if (p->clock == PROTO_CLOCK_NONE)
		return;
	if (p->clock_next < t->wake_any)
		t->wake_any = p->clock_next;
	if (p->clock_next < t->wake_others &&
	    !pgcluster_owns(t->s->cluster, (int)(p->rid % PGSQL_SHARDS)))
		t->wake_others = p->clock_next;
}

int
pgwrite_save(struct store *st, struct protocol *p, const struct proto_event *ev,
    size_t n, enum store_save what)
{
	struct pg_store *s = pg_of(st);

	if (pg_open_ready(s) != 0)
		return -1;
	if (s->open->failed)
		return pg_txn_refuse(s->open);
	pg_clock_moved(s->open, p);
	pgtxn_save(s->open->w, p, ev, n, what);
	return 0;
}

/* A write sent at once (its answer only matters to the commit). */
static int
pg_write(struct pg_store *s, const char *name, int n, const char *const *v)
{
	if (pg_open_ready(s) != 0)
		return -1;
	if (s->open->failed)
		return pg_txn_refuse(s->open);
	if (pg_send(s->open, NULL, name, n, v, pg_wrote, s->open) != 0)
		return pg_unreachable(s, s->writer);
	return 0;
}

int
pgwrite_seller_put(struct store *st, const char *id, bool envvias)
{
	const char *v[2] = { id, envvias ? "t" : "f" };

	return pg_write(pg_of(st), PGSQL_SELLER_PUT, 2, v);
}

int
pgwrite_clock_save(struct store *st, int64_t ms)
{
	struct pgsql_params pp;

	pgsql_params_init(&pp);
	pgsql_param_i64(&pp, ms);
	return pg_write(pg_of(st), PGSQL_CLOCK_SAVE, pp.n, pp.v);
}
