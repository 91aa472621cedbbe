#include "pg.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "clock.h"
#include "dburi.h"
#include "pg_int.h"
#include "pgcluster.h"
#include "pgconn.h"
#include "pgdoubt.h"
#include "pgread.h"
#include "pgschema.h"
#include "pgsql.h"
#include "pgsweep.h"
#include "pgwrite.h"
#include "sqlite.h"
#include "strcopy.h"
#include "xmalloc.h"

int
pg_fail(struct pg_store *s, const char *msg)
{
	if (msg != s->error)
		strcopy(s->error, sizeof s->error, msg);
	s->error[strcspn(s->error, "\n")] = '\0';
	return -1;
}

int
pg_unreachable(struct pg_store *s, const struct pgconn *c)
{
	snprintf(s->error, sizeof s->error, "the database server is unreachable: %s; "
	    "reconnecting", pgconn_why(c));
	return -1;
}

/* ------------------------------------------------------------ the ops */

static void
pg_cursor_key(struct store *st, store_key_fn *fn, void *arg)
{
	/* Made once, read at the open: at hand. */
	fn(arg, 0, pg_of(st)->key);
}

static void
pg_info(struct store *st, struct store_info *out)
{
	*out = (struct store_info){ .name = "postgresql",
	    .version = pgconn_server_version(pg_of(st)->writer),
	    .sqlite = sqlite_library_version(), .wal_bytes = -1 };
}

static bool
pg_health(struct store *st, char *why, size_t len)
{
	struct pg_store *s = pg_of(st);
	struct pgconn *down = !pgconn_is_up(s->writer) ? s->writer :
	    !pgconn_is_up(s->reader) ? s->reader : NULL;

	if (down == NULL)
		return true;
	snprintf(why, len, "the database server is unreachable: %s; reconnecting",
	    pgconn_why(down));
	return false;
}

/* Nothing is lost that would need salvaging: a commit is told only once the
 * server has it (STORE_LOST is SQLite's). */
static int
pg_salvage(struct store *st, char **cause)
{
	*cause = xstrdup("PostgreSQL keeps every commit it answered: nothing to salvage");
	return -1;
}

/* A read sees only committed data, on a connection of its own. */
static bool
pg_reads_ready(struct store *st)
{
	return true;
}

static const char *
pg_error(const struct store *st)
{
	return pg_of_const(st)->error;
}

static bool
pg_error_is_full(const struct store *st)
{
	const char *e = pg_of_const(st)->error;

	return strstr(e, "No space left on device") != NULL ||
	    strstr(e, "could not extend file") != NULL;
}

static void
pg_close(struct store *st)
{
	struct pg_store *s = pg_of(st);

	/* An open transaction is rolled back by the server when its connection
	 * closes; what the connections still owe is freed, told to no one. */
	pgwrite_drop(s);
	/* The hand-over: after the last commit (store_wait_durable came first). */
	pgcluster_free(s->cluster);
	pgconn_free(s->writer);
	pgconn_free(s->reader);
	if (s->doubt_ev != NULL)
		event_free(s->doubt_ev);
	free(s);
}

static void
pg_cluster(struct store *st, struct store_cluster *out)
{
	pgcluster_view(pg_of(st)->cluster, out);
}

static void
pg_advertise(struct store *st, const char *fingerprint)
{
	pgcluster_set_config(pg_of(st)->cluster, fingerprint);
}

static const struct store_ops pg_ops = {
	.begin = pgwrite_begin, .in_txn = pgwrite_in_txn, .rollback = pgwrite_rollback,
	.commit = pgwrite_commit, .wait_durable = pgwrite_wait_durable,
	.salvage = pg_salvage, .reads_ready = pg_reads_ready,
	.load = pgwrite_load, .insert_new = pgwrite_insert_new, .due = pgwrite_due,
	.head = pgwrite_head, .save = pgwrite_save, .seller_put = pgwrite_seller_put,
	.get = pgread_get, .history = pgread_history, .feed = pgread_feed,
	.last_seq = pgread_last_seq, .list = pgread_list, .forecast = pgread_forecast,
	.stats = pgread_stats, .seller = pgread_seller, .cursor_key = pg_cursor_key,
	.info = pg_info, .cluster = pg_cluster, .advertise = pg_advertise,
	.settled = pgread_settled,
	.health = pg_health, .clock_load = pgread_clock_load,
	.clock_save = pgwrite_clock_save, .error = pg_error,
	.error_is_full = pg_error_is_full, .close = pg_close,
};

/* ------------------------------------------------------- open */

static struct store *
pg_refuse(struct pg_store *s, const char *uri, char *why, char **cause)
{
	char *shown = dburi_shown(uri);

	*cause = xasprintf("%s: %s", shown, why);
	free(shown);
	free(why);
	pg_close(&s->st);
	return NULL;
}

struct store *
pg_store_open(const char *uri, const char *instance, struct event_base *base,
    char **cause)
{
	struct pg_store *s = xcalloc(1, sizeof *s);
	struct pgconn_def w = { "writer", pgsql_writer_setup, NULL, 0, pgwrite_up,
	    pgwrite_down, s, NULL };
	struct pgconn_def r = { "reader", pgsql_reader_setup, NULL, 0, NULL, NULL, s, NULL };
	char *why = NULL;
	uint64_t start;

	s->st.ops = &pg_ops;
	s->base = base;
	pgsweep_name(s->name, sizeof s->name);
	/* The marks of one daemon's commits (pgdoubt.c): from a random start, so that a
	 * restart under the same name (a container's pid) never repeats its last one. */
	if (getrandom(&start, sizeof start, 0) != sizeof start)
		start = (uint64_t)clock_mono_us() ^ ((uint64_t)getpid() << 32);
	s->token = (int64_t)(start >> 2);
	s->doubt_ev = evtimer_new(base, pgdoubt_cb, s);
	w.stmts = pgsql_writer_stmts(&w.nstmts);
	r.stmts = pgsql_reader_stmts(&r.nstmts);
	if (pgsweep_run(uri, &why) != 0 || pgschema_open(uri, s->key, &why) != 0 ||
	    (s->writer = pgconn_open(base, uri, &w, &why)) == NULL ||
	    (s->reader = pgconn_open(base, uri, &r, &why)) == NULL ||
	    (s->cluster = pgcluster_open(base, uri, instance, &s->st, &why)) == NULL)
		return pg_refuse(s, uri, why, cause);
	return &s->st;
}
