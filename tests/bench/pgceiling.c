/*
 * pgceiling: what PostgreSQL allows for protocold's transitions, with no daemon around
 * it (the PostgreSQL counterpart of ceiling.c).
 *
 *   pgceiling URI [--at MS] [--batch N] [--now MS]
 *   pgceiling URI --fill N [--at MS]
 *
 * URI is a protocold database on PostgreSQL (the daemon made its schema: it opened it
 * once) whose protocols are pending with response clocks due at or before --at
 * (default: all). It drains them with the writes the daemon's scheduler makes
 * (daemon/store/pgsql.c: the same statements, kept the same here), and nothing else:
 * per transaction of --batch (SCHED_BATCH) transitions, read the due rows from the
 * timer index, locked (FOR UPDATE); UPDATE them all in one statement (pending ->
 * mediation, no clock); add to the counters; take the block of seqs and INSERT the
 * history (feed) entries; commit (synchronous_commit = on). One connection in
 * pipeline mode: a batch's writes, its commit and the next batch's read leave in one
 * write, and the loop waits only for the rows it needs. No commit mark, no head
 * read: those are the daemon's. Prints one JSON line with transitions/s.
 *
 * --fill N: first insert N protocols like the daemon's import makes them (ids
 * I00000000.., 1000 sellers, pending, their response clocks due at --at, default
 * 1790000000000), their create entries and counters, in one transaction; then exit.
 * Prints {"filled":N}.
 */

#include <getopt.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto.h"
#include "rulebook.h"
#include "sched.h"

struct pgc_opts {
	const char *uri;
	int64_t at, now, fill;
	int batch;
};

/* A growing text: an array literal, or a number. */
struct pgc_buf {
	char *s;
	size_t len, cap;
	int n;
};

/* The daemon's statements (daemon/store/pgsql.c), word for word. */
static const char *const pgc_due_sql = "SELECT p.rid, p.state, p.clock_due, p.attempts, "
    "p.version FROM protocols p WHERE p.clock_next IS NOT NULL AND p.clock_next <= $1 "
    "ORDER BY p.clock_next, p.rid LIMIT $2 FOR UPDATE";
static const char *const pgc_update_sql = "WITH w AS (UPDATE protocols p SET state = "
    "u.state, clock = u.clock, clock_start = u.cs, clock_due = u.cd, clock_next = u.cn, "
    "attempts = u.att, version = u.v, updated_at = u.ua, clock_rule = u.rule FROM unnest("
    "$1::bigint[], $2::smallint[], $3::smallint[], $4::bigint[], $5::bigint[], "
    "$6::bigint[], $7::text[], $8::bigint[], $9::bigint[], $10::text[]) AS "
    "u(rid, state, clock, cs, cd, cn, att, v, ua, rule) WHERE p.rid = u.rid "
    "RETURNING 1) SELECT CASE WHEN count(*) = $11::bigint THEN count(*) ELSE "
    "('update protocols: ' || count(*) || ' of ' || $11::bigint || ' rows "
    "found')::bigint END FROM w";
static const char *const pgc_counters_sql = "UPDATE counters c SET n = c.n + u.d FROM "
    "unnest($1::int[], $2::bigint[]) AS u(k, d) WHERE c.k = u.k";
static const char *const pgc_history_sql = "WITH b AS (UPDATE history_seq SET last = "
    "last + $1 RETURNING last) INSERT INTO history (seq, rid, at, from_state, to_state, "
    "cause, name, due_at, late_ms, detail) SELECT b.last - $1 + row_number() OVER (ORDER BY "
    "u.at, u.o), u.rid, u.at, u.f, "
    "u.t, u.c, u.n, u.d, u.l, u.x FROM b, unnest($2::bigint[], $3::bigint[], "
    "$4::smallint[], $5::smallint[], $6::smallint[], $7::text[], $8::bigint[], "
    "$9::bigint[], $10::text[]) WITH ORDINALITY AS u(rid, at, f, t, c, n, d, l, x, o)";

static PGconn *pgc;

static void
pgc_die(const char *what, const char *msg)
{
	fprintf(stderr, "pgceiling: %s: %s\n", what, msg != NULL ? msg : PQerrorMessage(pgc));
	exit(1);
}

static double
pgc_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t
pgc_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------ texts */

static void
pgc_put(struct pgc_buf *b, const char *s)
{
	size_t n = strlen(s);

	if (b->len + n + 2 > b->cap) {
		b->cap = (b->len + n + 2) * 2;
		if ((b->s = realloc(b->s, b->cap)) == NULL)
			pgc_die("memory", "out of memory");
	}
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

/* One element of an array literal (NULL for SQL NULL; quoted: text of ours with no
 * quote or backslash). */
static void
pgc_elem(struct pgc_buf *b, const char *v, bool quote)
{
	pgc_put(b, b->n++ == 0 ? "{" : ",");
	if (v == NULL)
		pgc_put(b, "NULL");
	else {
		pgc_put(b, quote ? "\"" : "");
		pgc_put(b, v);
		pgc_put(b, quote ? "\"" : "");
	}
}

static void
pgc_elem_i64(struct pgc_buf *b, int64_t v)
{
	char s[24];

	snprintf(s, sizeof s, "%" PRId64, v);
	pgc_elem(b, s, false);
}

static const char *
pgc_end(struct pgc_buf *b)
{
	pgc_put(b, b->n == 0 ? "{}" : "}");
	return b->s;
}

static void
pgc_clear(struct pgc_buf *b, int n)
{
	for (int i = 0; i < n; i++)
		b[i].len = b[i].n = 0;
}

/* --------------------------------------------------------- pipeline */

static void
pgc_prepare(const char *name, const char *sql)
{
	PGresult *r = PQprepare(pgc, name, sql, 0, NULL);

	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		pgc_die(name, NULL);
	PQclear(r);
}

static void
pgc_send(const char *name, int n, const char *const *v)
{
	if (PQsendQueryPrepared(pgc, name, n, v, NULL, NULL, 0) != 1)
		pgc_die(name, NULL);
}

/* The next result (blocking: nothing else to do meanwhile), then the NULL after it. */
static PGresult *
pgc_result(const char *what, ExecStatusType want)
{
	PGresult *r = PQgetResult(pgc);

	if (r == NULL || PQresultStatus(r) != want)
		pgc_die(what, r != NULL ? PQresultErrorMessage(r) : NULL);
	if (want != PGRES_PIPELINE_SYNC && PQgetResult(pgc) != NULL)
		pgc_die(what, "more than one result");
	return r;
}

static void
pgc_send_due(const struct pgc_opts *o)
{
	char at[24], max[16];
	const char *v[2] = { at, max };

	snprintf(at, sizeof at, "%" PRId64, o->at);
	snprintf(max, sizeof max, "%d", o->batch);
	pgc_send("due", 2, v);
	if (PQsendFlushRequest(pgc) != 1 || PQflush(pgc) != 0)
		pgc_die("flush", NULL);
}

/* ------------------------------------------------------------ drain */

/* The UPDATE of the n rows of r: pending -> mediation, no clock, version + 1. */
static void
pgc_send_update(const PGresult *r, int n, int64_t now, struct pgc_buf *col)
{
	const char *v[11];
	char count[16];

	pgc_clear(col, 10);
	for (int i = 0; i < n; i++) {
		pgc_elem(&col[0], PQgetvalue(r, i, 0), false);
		pgc_elem_i64(&col[1], PROTO_MEDIATION);
		pgc_elem_i64(&col[2], PROTO_CLOCK_NONE);
		pgc_elem(&col[3], NULL, false);
		pgc_elem(&col[4], NULL, false);
		pgc_elem(&col[5], NULL, false);
		pgc_elem(&col[6], PQgetisnull(r, i, 3) ? NULL : PQgetvalue(r, i, 3), true);
		pgc_elem_i64(&col[7], strtoll(PQgetvalue(r, i, 4), NULL, 10) + 1);
		pgc_elem_i64(&col[8], now);
		pgc_elem(&col[9], NULL, false);
	}
	for (int i = 0; i < 10; i++)
		v[i] = pgc_end(&col[i]);
	snprintf(count, sizeof count, "%d", n);
	v[10] = count;
	pgc_send("update", 11, v);
}

/* The counters of n expiries from pending with a response clock. */
static void
pgc_send_counters(int n)
{
	char d[128];
	const char *v[2] = { "{0,4,100,101,203}", d };

	snprintf(d, sizeof d, "{%d,%d,%d,%d,%d}", -n, n, n, -n, n);
	pgc_send("counters", 2, v);
}

/* The history entries of the n transitions, with their block of seqs. */
static void
pgc_send_history(const PGresult *r, int n, int64_t now, struct pgc_buf *col)
{
	const char *v[10];
	char count[16];
	int64_t due;

	pgc_clear(col, 9);
	for (int i = 0; i < n; i++) {
		due = strtoll(PQgetvalue(r, i, 2), NULL, 10);
		pgc_elem(&col[0], PQgetvalue(r, i, 0), false);
		pgc_elem_i64(&col[1], now);
		pgc_elem(&col[2], PQgetvalue(r, i, 1), false);
		pgc_elem_i64(&col[3], PROTO_MEDIATION);
		pgc_elem_i64(&col[4], PROTO_CAUSE_EXPIRY);
		pgc_elem(&col[5], "response", true);
		pgc_elem_i64(&col[6], due);
		pgc_elem_i64(&col[7], now - due);
		pgc_elem(&col[8], NULL, false);
	}
	snprintf(count, sizeof count, "%d", n);
	v[0] = count;
	for (int i = 0; i < 9; i++)
		v[1 + i] = pgc_end(&col[i]);
	pgc_send("history", 10, v);
}

/* Batches until one comes short: each one's writes and commit go with the next
 * one's read. */
static void
pgc_drain(const struct pgc_opts *o)
{
	struct pgc_buf col[10] = { { 0 } };
	int64_t total = 0, commits = 0, now;
	double t0, t1;
	PGresult *r;
	int n;

	pgc_prepare("due", pgc_due_sql);
	pgc_prepare("update", pgc_update_sql);
	pgc_prepare("counters", pgc_counters_sql);
	pgc_prepare("history", pgc_history_sql);
	if (PQenterPipelineMode(pgc) != 1)
		pgc_die("pipeline mode", NULL);
	t0 = pgc_mono();
	pgc_send_due(o);
	for (;;) {
		r = pgc_result("due", PGRES_TUPLES_OK);
		if ((n = PQntuples(r)) == 0) {
			PQclear(r);
			break;
		}
		now = o->now != 0 ? o->now : pgc_wall_ms();
		pgc_send_update(r, n, now, col);
		pgc_send_counters(n);
		pgc_send_history(r, n, now, col);
		if (PQpipelineSync(pgc) != 1)
			pgc_die("commit", NULL);
		if (n == o->batch)
			pgc_send_due(o);
		PQclear(r);
		PQclear(pgc_result("update", PGRES_TUPLES_OK));
		PQclear(pgc_result("counters", PGRES_COMMAND_OK));
		PQclear(pgc_result("history", PGRES_COMMAND_OK));
		PQclear(pgc_result("commit", PGRES_PIPELINE_SYNC));
		total += n;
		commits++;
		if (n < o->batch)
			break;
	}
	t1 = pgc_mono();
	for (int i = 0; i < 10; i++)
		free(col[i].s);
	printf("{\"transitions\":%" PRId64 ",\"batch\":%d,\"commits\":%" PRId64
	    ",\"elapsed_s\":%.3f,\"tps\":%.1f}\n", total, o->batch, commits, t1 - t0,
	    t1 > t0 ? (double)total / (t1 - t0) : 0);
}

/* ------------------------------------------------------------- fill */

static void
pgc_exec(const char *sql)
{
	PGresult *r = PQexec(pgc, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		pgc_die(sql, NULL);
	PQclear(r);
}

/* N protocols as the import makes them, after those there are. */
static void
pgc_fill(const struct pgc_opts *o)
{
	char sql[2048];
	int64_t at = o->at != INT64_MAX ? o->at : 1790000000000;
	int64_t opened = at - 172800000;

	pgc_exec("BEGIN");
	snprintf(sql, sizeof sql, "INSERT INTO protocols (id, seller, origin, critical, "
	    "opened_given, opened_at, state, clock, clock_start, clock_due, clock_next, "
	    "version, updated_at, clock_rule) SELECT 'I' || lpad(i::text, 8, '0'), 'S' || "
	    "lpad((i %% 1000)::text, 4, '0'), %d, false, false, %" PRId64 ", %d, %d, %"
	    PRId64 ", %" PRId64 ", %" PRId64 ", 1, %" PRId64 ", 'response 48h' FROM "
	    "generate_series(0, %" PRId64 " - 1) AS i", PROTO_CUSTOMER, opened, PROTO_PENDING,
	    RULEBOOK_KIND_RESPONSE, opened, at, at, opened, o->fill);
	pgc_exec(sql);
	snprintf(sql, sizeof sql, "WITH b AS (UPDATE history_seq SET last = last + %" PRId64
	    " RETURNING last) INSERT INTO history (seq, rid, at, from_state, to_state, cause, "
	    "name) SELECT b.last - %" PRId64 " + row_number() OVER (ORDER BY p.rid), p.rid, "
	    "p.opened_at, NULL, %d, %d, 'create' FROM b, protocols p WHERE p.id LIKE 'I%%' "
	    "AND NOT EXISTS (SELECT 1 FROM history h WHERE h.rid = p.rid)", o->fill, o->fill,
	    PROTO_PENDING, PROTO_CAUSE_CREATE);
	pgc_exec(sql);
	snprintf(sql, sizeof sql, "UPDATE counters SET n = n + %" PRId64 " WHERE k IN (%d, "
	    "%d, %d)", o->fill, PROTO_PENDING, 100 + RULEBOOK_KIND_RESPONSE,
	    200 + PROTO_CAUSE_CREATE);
	pgc_exec(sql);
	pgc_exec("COMMIT");
	pgc_exec("VACUUM ANALYZE");
	printf("{\"filled\":%" PRId64 "}\n", o->fill);
}

/* ------------------------------------------------------------- main */

static void
pgc_usage(void)
{
	fprintf(stderr, "usage: pgceiling URI [--at MS] [--batch N] [--now MS]\n"
	    "       pgceiling URI --fill N [--at MS]\n");
	exit(2);
}

static void
pgc_args(int argc, char **argv, struct pgc_opts *o)
{
	static const struct option longopts[] = {
		{ "at", required_argument, NULL, 'a' },
		{ "batch", required_argument, NULL, 'b' },
		{ "now", required_argument, NULL, 'n' },
		{ "fill", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	*o = (struct pgc_opts){ .at = INT64_MAX, .batch = SCHED_BATCH };
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == 'a')
			o->at = strtoll(optarg, NULL, 10);
		else if (ch == 'b' && atoi(optarg) > 0)
			o->batch = atoi(optarg);
		else if (ch == 'n')
			o->now = strtoll(optarg, NULL, 10);
		else if (ch == 'f' && strtoll(optarg, NULL, 10) > 0)
			o->fill = strtoll(optarg, NULL, 10);
		else
			pgc_usage();
	}
	if (argc - optind != 1)
		pgc_usage();
	o->uri = argv[optind];
}

int
main(int argc, char **argv)
{
	struct pgc_opts o;
	PGresult *r;

	pgc_args(argc, argv, &o);
	pgc = PQconnectdb(o.uri);
	if (PQstatus(pgc) != CONNECTION_OK)
		pgc_die(o.uri, NULL);
	/* The daemon's settings: a commit is durable when answered. */
	r = PQexec(pgc, "SET synchronous_commit = on");
	PQclear(r);
	if (o.fill > 0)
		pgc_fill(&o);
	else
		pgc_drain(&o);
	PQfinish(pgc);
	return 0;
}
