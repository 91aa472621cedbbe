#include "pgdoubt.h"

#include <event2/event.h>
#include <stdio.h>

#include "clock.h"
#include "log.h"
#include "pg_int.h"
#include "pgconn.h"
#include "pgsql.h"
#include "pgwrite_int.h"

/* A commit in doubt still running in the server: ask again after this; end its
 * server process after that. */
#define PGDOUBT_RETRY_US 50000
#define PGDOUBT_END_US (5 * 1000000LL)

/*
 * A commit in doubt is settled by its mark, not by its transaction's id
 * (pg_xact_status): after a crash of the server, the id of a transaction whose
 * records never reached the disk may be given again, to one that commits, and would
 * read "committed". Once the writer is back:
 *
 * 1. Is the session it ran on (by its name, one per connection: pgconn.c) still
 *    there? Its server process ends the transaction once it notices that we are
 *    gone, when it next reads or writes; until then the outcome may still change, so
 *    we ask again; one that waits for a client that will never speak (a peer lost on
 *    TCP, a lock) is ended by us after PGDOUBT_END_US.
 * 2. Once it is gone, the outcome is final: our row in commit_marks holds the
 *    transaction's token if and only if it committed (it is written with it, and no
 *    other transaction of ours commits before this one is settled).
 */

/* Ask again after PGDOUBT_RETRY_US (the loop's timer, or pg_flight_over). */
static void
pg_doubt_later(struct pg_store *s)
{
	struct timeval tv = { 0, PGDOUBT_RETRY_US };

	s->flight->doubt_next = clock_mono_us() + PGDOUBT_RETRY_US;
	evtimer_add(s->doubt_ev, &tv);
}

/* Its session is still there: ask again, and end it once it has had its time. */
static void
pg_doubt_running(struct pg_store *s, struct pg_txn *t)
{
	struct pgsql_params pp;

	if (!t->terminated && clock_mono_us() - t->doubt_since > PGDOUBT_END_US) {
		pgsql_params_init(&pp);
		pgsql_param_text(&pp, t->session);
		if (pgconn_send(s->writer, PGSQL_TERMINATE, pp.n, pp.v, NULL, NULL) == 0) {
			t->terminated = true;
			log_warnx("database: the session of the commit in doubt (%s) is still "
			    "there after %d s: ending it", t->session,
			    (int)(PGDOUBT_END_US / 1000000));
			if (s->open == NULL || !pgwrite_txn_alive(s->open))
				pgconn_sync(s->writer, NULL, NULL);
		}
	}
	pg_doubt_later(s);
}

/* The first answer: whether its session is still there. */
static void
pg_doubt_runs(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	struct pg_store *s = arg;
	struct pg_txn *t = s->flight;

	if (st == PGCONN_CLOSED || t == NULL || !t->in_doubt)
		return;
	/* Not known: as if it were, so that the mark is not read too early. */
	t->runs = st != PGCONN_OK || PQntuples(r) != 1 || pgsql_i64(r, 0, 0) > 0;
}

/* The second answer: its mark. */
static void
pg_doubt_answer(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	struct pg_store *s = arg;
	struct pg_txn *t = s->flight;

	if (st == PGCONN_CLOSED || t == NULL || !t->in_doubt)
		return;
	t->asking = false;
	if (st == PGCONN_LOST)
		return;	/* lost again: asked once it is back */
	if (st != PGCONN_OK || PQntuples(r) != 1 || t->runs) {
		pg_doubt_running(s, t);
		return;
	}
	t->in_doubt = false;
	if (pgsql_i64(r, 0, 0) == 1) {
		log_info("database: the commit in doubt was committed; telling it now");
		pgwrite_txn_tell(t, STORE_OK);
	} else {
		pgwrite_txn_fail(t, "the connection to the database server was lost during the "
		    "commit, which was rolled back");
		log_info("database: the commit in doubt was rolled back; telling it now");
		pgwrite_txn_tell(t, STORE_FAILED);
	}
	pgwrite_txn_unref(t);
}

/* Ask about the commit in doubt: a fresh look at the sessions, is its own still
 * there, and its mark (read after that look, so that a commit made before its
 * session ended is seen). Alone, a batch of its own; else it joins the open
 * transaction's (read committed: each statement sees what committed before it). */
void
pgdoubt_ask(struct pg_store *s)
{
	struct pg_txn *t = s->flight;
	char token[24];
	const char *runs[1] = { t->session }, *mark[2] = { s->name, token };

	if (t->asking)
		return;
	snprintf(token, sizeof token, "%lld", (long long)t->token);
	if (pgconn_send(s->writer, PGSQL_DOUBT_CLEAR, 0, NULL, NULL, NULL) != 0 ||
	    pgconn_send(s->writer, PGSQL_DOUBT_RUNS, 1, runs, pg_doubt_runs, s) != 0 ||
	    pgconn_send(s->writer, PGSQL_DOUBT_MARK, 2, mark, pg_doubt_answer, s) != 0)
		return;
	t->asking = true;
	if (s->open == NULL || !pgwrite_txn_alive(s->open))
		pgconn_sync(s->writer, NULL, NULL);
}

void
pgdoubt_cb(int fd, short what, void *arg)
{
	struct pg_store *s = arg;

	if (s->flight != NULL && s->flight->in_doubt && pgconn_is_up(s->writer))
		pgdoubt_ask(s);
}
