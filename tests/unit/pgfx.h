#ifndef PGFX_H
#define PGFX_H

/*
 * The PostgreSQL store's tests: a throw-away server of their own (tests/pgtmp.sh:
 * initdb in a temporary directory, Unix socket only), a fresh database for each test,
 * and plain blocking libpq to look behind the store. Included by the test_pg*.c files
 * only (static functions: the Makefile links no fixture of theirs).
 */

#include <event2/event.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pgschema.h"

#define PGFX_BIN "/usr/lib/postgresql/15/bin"

struct pgfx {
	char dir[64];		/* the server's directory */
	char base[256];		/* its URI (database postgres) */
	char uri[256];		/* the test's own database */
	int ndb;
};

/* Whether PostgreSQL is installed: when not, the tests say "skip". */
static inline int
pgfx_installed(void)
{
	return access(PGFX_BIN "/initdb", X_OK) == 0 &&
	    access(PGFX_BIN "/pg_ctl", X_OK) == 0;
}

/* The TAP line of a binary that cannot run (cmocka's skip() is "not ok"). */
static inline int
pgfx_skip_all(const char *name)
{
	printf("1..1\nok 1 - %s # SKIP PostgreSQL 15 is not installed (%s)\n", name,
	    PGFX_BIN);
	return 0;
}

/* Run tests/pgtmp.sh CMD on the server's directory: 0 or -1. */
static inline int
pgfx_ctl(struct pgfx *fx, const char *cmd, char *out, size_t len)
{
	char sh[256];
	FILE *f;
	int rc;

	snprintf(sh, sizeof sh, "sh %s %s %s", getenv("PGTMP") != NULL ?
	    getenv("PGTMP") : "tests/pgtmp.sh", cmd, fx->dir);
	if ((f = popen(sh, "r")) == NULL)
		return -1;
	if (out != NULL && fgets(out, (int)len, f) != NULL)
		out[strcspn(out, "\n")] = '\0';
	while (fgetc(f) != EOF)
		;
	rc = pclose(f);
	return rc == 0 ? 0 : -1;
}

/* Start a server in a new directory: 0, or -1. */
static inline int
pgfx_start(struct pgfx *fx)
{
	memset(fx, 0, sizeof *fx);
	/* Short: the socket's path (DIR/sock/.s.PGSQL.5432) must fit sun_path. */
	strcpy(fx->dir, "/tmp/pgfx.XXXXXX");
	if (mkdtemp(fx->dir) == NULL || chmod(fx->dir, 0755) != 0)
		return -1;
	if (pgfx_ctl(fx, "start", fx->base, sizeof fx->base) != 0) {
		fprintf(stderr, "pgfx: the server did not start (see %s)\n", fx->dir);
		return -1;
	}
	return 0;
}

/* Stop the server (its data stays): for the outage tests. */
static inline void
pgfx_pause(struct pgfx *fx)
{
	pgfx_ctl(fx, "stop", NULL, 0);
}

static inline int
pgfx_resume(struct pgfx *fx)
{
	return pgfx_ctl(fx, "start", NULL, 0);
}

/* Stop the server and remove its directory. */
static inline void
pgfx_stop(struct pgfx *fx)
{
	char sh[128];

	if (fx->dir[0] == '\0')
		return;
	pgfx_ctl(fx, "stop", NULL, 0);
	snprintf(sh, sizeof sh, "rm -rf %s", fx->dir);
	if (system(sh) != 0)
		fprintf(stderr, "pgfx: could not remove %s\n", fx->dir);
}

/* The URI of database db on the server. */
static inline void
pgfx_uri_of(const struct pgfx *fx, const char *db, char *out, size_t len)
{
	snprintf(out, len, "postgresql:///%s?host=%s/sock&user=postgres", db, fx->dir);
}

/* Run sql (no rows wanted) on uri: 0, or -1 (said on stderr). */
static inline int
pgfx_exec(const char *uri, const char *sql)
{
	PGconn *c = PQconnectdb(uri);
	PGresult *r = PQstatus(c) == CONNECTION_OK ? PQexec(c, sql) : NULL;
	int rc = r != NULL && (PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK) ? 0 : -1;

	if (rc != 0)
		fprintf(stderr, "pgfx: %s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return rc;
}

/* The first value of a query on uri, as an integer (-1 on error or no row). */
static inline long long
pgfx_value(const char *uri, const char *sql)
{
	PGconn *c = PQconnectdb(uri);
	PGresult *r = PQstatus(c) == CONNECTION_OK ? PQexec(c, sql) : NULL;
	long long v = -1;

	if (r != NULL && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
		v = PQgetisnull(r, 0, 0) ? 0 : atoll(PQgetvalue(r, 0, 0));
	else
		fprintf(stderr, "pgfx: %s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return v;
}

/* A new empty database for one test: fx->uri. */
static inline const char *
pgfx_newdb(struct pgfx *fx)
{
	char sql[64], db[32];

	snprintf(db, sizeof db, "t%d", ++fx->ndb);
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", db);
	if (pgfx_exec(fx->base, sql) != 0)
		return NULL;
	pgfx_uri_of(fx, db, fx->uri, sizeof fx->uri);
	return fx->uri;
}

/* Make uri's (empty) database a version-2 one, as the daemon of that schema (before
 * rulebooks: no marketplace) left it, through pgschema_migration: OLD-1 pending on a
 * response clock (kind 1) with attempts, OLD-2 awaiting on photos_wait (kind 2),
 * OLD-3 in mediation without a clock; their create entries; the counters as that
 * daemon's commits kept them (an UPDATE of keys 0..299). 0, or -1. */
static inline int
pgfx_make_v2(const char *uri)
{
	char sql[8192];

	snprintf(sql, sizeof sql, "CREATE TABLE schema_version (version integer PRIMARY "
	    "KEY, applied_at timestamptz NOT NULL DEFAULT now());"
	    "%s;%s;"
	    "INSERT INTO schema_version (version) VALUES (1), (2);"
	    "INSERT INTO protocols (id, seller, ord, reason, origin, critical, opened_given, "
	    "opened_at, state, clock, clock_start, clock_due, clock_next, attempts, "
	    "version, updated_at, clock_rule) VALUES "
	    "('OLD-1', 'S', 'O-1', NULL, 0, true, false, 1, 0, 1, 1, 900, 800, "
	    "'request_photos=2,confirm_address=1', 3, 5, 'rule=response value=24h'),"
	    "('OLD-2', 'S', NULL, NULL, 0, false, false, 2, 1, 2, 2, 700, 700, NULL, 2, 2, "
	    "'rule=photos_wait value=48h'),"
	    "('OLD-3', 'T', NULL, 'customer_return', 1, false, true, 3, 4, 0, NULL, NULL, "
	    "NULL, NULL, 4, 9, NULL);"
	    "INSERT INTO history (seq, rid, at, to_state, cause, name) VALUES "
	    "(1, 1, 1, 0, 0, 'create'), (2, 2, 2, 0, 0, 'create'), (3, 3, 3, 0, 0, 'create');"
	    "UPDATE history_seq SET last = 3;"
	    "UPDATE counters SET n = n + 1 WHERE k IN (0, 1, 4, 100, 101, 102);"
	    "UPDATE counters SET n = n + 3 WHERE k = 200;",
	    pgschema_migration(0), pgschema_migration(1));
	return pgfx_exec(uri, sql);
}

/* Run base's loop for ms milliseconds (a test's waiting, on the loop). */
static inline void
pgfx_run_for(struct event_base *base, int ms)
{
	struct timespec t0, now;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		event_base_loop(base, EVLOOP_ONCE);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

/* End the server process pid (a lost connection), and wait until it is gone. */
static inline int
pgfx_kill(const char *uri, int pid)
{
	char sql[128];

	snprintf(sql, sizeof sql, "SELECT CASE WHEN pg_terminate_backend(%d, 5000) THEN 1 "
	    "ELSE 0 END", pid);
	return pgfx_value(uri, sql) == 1 ? 0 : -1;
}

#endif
