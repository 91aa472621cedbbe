/*
 * benchdb: builds and reads benchmark databases directly in protocold's schema.
 *
 *   benchdb gen DB N --due-start MS --due-span MS [--prefix P] [--sellers K]
 *               [--permute] [--start-after MS]
 *       DB is a database protocold created (so the schema is the daemon's own) holding
 *       one template protocol, pending with a response clock. Adds N protocols like it,
 *       ids P00000000.., each with a running response clock due in
 *       [due-start, due-start + due-span) (evenly; --permute scatters the due order
 *       across row ids as real traffic would), each with its "create" history entry.
 *       --start-after: once the rows are written, shift every clock so that the first
 *       is due MS milliseconds after now (for scenarios on the real clock).
 *   benchdb lateness DB [--due-from MS]
 *       Percentiles of late_ms of the expiry entries (applied - due).
 *   benchdb catchup DB --due-before MS --start MS
 *       How many expiries were due before MS, and when the last of them was applied,
 *       relative to --start (the daemon's start, epoch ms).
 *
 * Prints one JSON line. Times are epoch milliseconds, as the daemon stores them.
 */

#include <getopt.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "benchtpl.h"
#include "proto.h"

struct bdb_opts {
	const char *prefix;
	int sellers;
	int64_t due_start, due_span, start_after, due_from, due_before, start;
	bool permute, has_start_after, has_due_start, has_due_span, incremental;
};

static struct bdb_opts bo = { .prefix = "G", .sellers = 1000, .due_from = INT64_MIN };

static void
bdb_die(sqlite3 *db, const char *what)
{
	fprintf(stderr, "benchdb: %s: %s\n", what, db ? sqlite3_errmsg(db) : "failed");
	exit(1);
}

static int64_t
bdb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double
bdb_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
bdb_exec(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		bdb_die(db, sql);
}

static sqlite3_stmt *
bdb_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		bdb_die(db, sql);
	return s;
}

static sqlite3 *
bdb_open(const char *path, bool write)
{
	sqlite3 *db;

	if (sqlite3_open_v2(path, &db, write ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY,
	    NULL) != SQLITE_OK)
		bdb_die(db, path);
	sqlite3_busy_timeout(db, 10000);
	return db;
}

static char *
bdb_text(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	return t ? strdup((const char *)t) : NULL;
}

static int64_t
bdb_gcd(int64_t a, int64_t b)
{
	while (b != 0) {
		int64_t r = a % b;

		a = b;
		b = r;
	}
	return a;
}

/* A multiplier that permutes 0..n-1 (i -> i * m mod n). */
static int64_t
bdb_multiplier(int64_t n)
{
	int64_t m = 2654435761LL % n;

	if (m < 2)
		m = 2;
	while (n > 1 && bdb_gcd(m, n) != 1)
		m++;
	return m;
}

static void
bdb_insert_all(sqlite3 *db, const struct benchtpl *t, int64_t n)
{
	sqlite3_stmt *ins = bdb_prepare(db, BENCHTPL_INSERT);
	sqlite3_stmt *hist = bdb_prepare(db, BENCHTPL_ENTRY);
	int64_t mult = bdb_multiplier(n);
	char id[PROTO_ID_MAX + 1], seller[32];

	for (int64_t i = 0; i < n; i++) {
		int64_t slot = bo.permute ? (int64_t)(((__int128)i * mult) % n) : i;
		int64_t due = bo.due_start + (int64_t)((__int128)slot * bo.due_span / n);
		int64_t opened = due - t->resp_ms;

		snprintf(id, sizeof id, "%s%08" PRId64, bo.prefix, i);
		snprintf(seller, sizeof seller, "S%04" PRId64, i % bo.sellers);
		benchtpl_bind_row(ins, t, id, seller, true, opened, due);
		if (sqlite3_step(ins) != SQLITE_DONE)
			bdb_die(db, "insert protocol");
		sqlite3_reset(ins);
		benchtpl_bind_entry(hist, t, sqlite3_last_insert_rowid(db), opened);
		if (sqlite3_step(hist) != SQLITE_DONE)
			bdb_die(db, "insert history");
		sqlite3_reset(hist);
	}
	sqlite3_finalize(ins);
	sqlite3_finalize(hist);
}

/* Move every generated clock by d milliseconds. */
static void
bdb_shift(sqlite3 *db, int64_t after_rid, int64_t d)
{
	sqlite3_stmt *s = bdb_prepare(db, "UPDATE protocols SET opened_at = opened_at + ?1, "
	    "clock_start = clock_start + ?1, clock_due = clock_due + ?1, "
	    "clock_next = clock_next + ?1, updated_at = updated_at + ?1 WHERE rid > ?2");

	sqlite3_bind_int64(s, 1, d);
	sqlite3_bind_int64(s, 2, after_rid);
	if (sqlite3_step(s) != SQLITE_DONE)
		bdb_die(db, "shift clocks");
	sqlite3_finalize(s);
	s = bdb_prepare(db, "UPDATE history SET at = at + ?1 WHERE rid > ?2");
	sqlite3_bind_int64(s, 1, d);
	sqlite3_bind_int64(s, 2, after_rid);
	if (sqlite3_step(s) != SQLITE_DONE)
		bdb_die(db, "shift history");
	sqlite3_finalize(s);
}

/* The schema's indexes and triggers on protocols and history, in creation order. */
struct bdb_ddl {
	char *name[32], *sql[32];
	bool trigger[32];
	int n;
};

/* Drop the secondary indexes and the triggers for the load (a bulk insert then an
 * index build is several times faster than keeping them up to date row by row). */
static void
bdb_drop_ddl(sqlite3 *db, struct bdb_ddl *d)
{
	sqlite3_stmt *s = bdb_prepare(db, "SELECT type, name, sql FROM sqlite_schema WHERE "
	    "type IN ('index', 'trigger') AND sql IS NOT NULL AND tbl_name IN ('protocols', "
	    "'history') ORDER BY rowid");
	char sql[256];

	d->n = 0;
	while (sqlite3_step(s) == SQLITE_ROW && d->n < 32) {
		d->trigger[d->n] = strcmp((const char *)sqlite3_column_text(s, 0), "trigger") == 0;
		d->name[d->n] = bdb_text(s, 1);
		d->sql[d->n] = bdb_text(s, 2);
		d->n++;
	}
	sqlite3_finalize(s);
	for (int i = 0; i < d->n; i++) {
		snprintf(sql, sizeof sql, "DROP %s \"%s\"", d->trigger[i] ? "TRIGGER" : "INDEX",
		    d->name[i]);
		bdb_exec(db, sql);
	}
}

/* Create them again, and count the new rows as the triggers would have (the counters
 * table: k = state, 100 + clock, 200 + cause; see daemon/schema.c). */
static void
bdb_restore_ddl(sqlite3 *db, struct bdb_ddl *d, const struct benchtpl *t, int64_t n)
{
	sqlite3_stmt *s;

	for (int i = 0; i < d->n; i++) {
		bdb_exec(db, d->sql[i]);
		free(d->name[i]);
		free(d->sql[i]);
	}
	s = bdb_prepare(db, "UPDATE counters SET n = n + ?1 WHERE k IN (?2, 100 + ?3, "
	    "200 + ?4)");
	sqlite3_bind_int64(s, 1, n);
	sqlite3_bind_int(s, 2, t->state);
	sqlite3_bind_int(s, 3, t->clock);
	sqlite3_bind_int(s, 4, t->hist_cause);
	if (sqlite3_step(s) != SQLITE_DONE)
		bdb_die(db, "counters");
	sqlite3_finalize(s);
}

static int
bdb_gen(const char *path, int64_t n)
{
	sqlite3 *db = bdb_open(path, true);
	struct benchtpl t;
	struct bdb_ddl ddl;
	double t0 = bdb_mono();
	char err[256];

	if (!bo.has_due_start || !bo.has_due_span || n < 1) {
		fprintf(stderr, "benchdb gen: N >= 1, --due-start and --due-span are required\n");
		return 2;
	}
	if (benchtpl_read(db, &t, err, sizeof err) != 0) {
		fprintf(stderr, "benchdb: %s\n", err);
		return 1;
	}
	/* Bulk load: no WAL, no sync, a big cache; the file goes back to WAL at the end. */
	bdb_exec(db, "PRAGMA journal_mode = DELETE");
	bdb_exec(db, "PRAGMA synchronous = OFF");
	bdb_exec(db, "PRAGMA cache_size = -1048576");
	bdb_exec(db, "PRAGMA temp_store = MEMORY");
	bdb_exec(db, "BEGIN IMMEDIATE");
	ddl.n = 0;
	if (!bo.incremental)
		bdb_drop_ddl(db, &ddl);
	bdb_insert_all(db, &t, n);
	if (bo.has_start_after) {
		int64_t d = bdb_now_ms() + bo.start_after - bo.due_start;

		bdb_shift(db, t.rid, d);
		bo.due_start += d;
	}
	if (!bo.incremental)
		bdb_restore_ddl(db, &ddl, &t, n);
	bdb_exec(db, "COMMIT");
	bdb_exec(db, "PRAGMA journal_mode = WAL");
	if (sqlite3_close(db) != SQLITE_OK)
		bdb_die(db, "close");
	/* lead_left_ms: how long before the first clock is due the file was ready. */
	printf("{\"rows\":%" PRId64 ",\"gen_s\":%.3f,\"due_start\":%" PRId64 ","
	    "\"due_span\":%" PRId64 ",\"lead_left_ms\":%" PRId64 "}\n", n, bdb_mono() - t0,
	    bo.due_start, bo.due_span, bo.due_start - bdb_now_ms());
	return 0;
}

static int
bdb_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int64_t
bdb_pct(const int64_t *v, size_t n, double p)
{
	return n ? v[(size_t)(p * (double)(n - 1) + 0.5)] : 0;
}

static int
bdb_lateness(const char *path)
{
	sqlite3 *db = bdb_open(path, false);
	sqlite3_stmt *s = bdb_prepare(db, "SELECT late_ms FROM history WHERE cause = ?1 "
	    "AND due_at >= ?2");
	int64_t *v = NULL;
	size_t n = 0, cap = 0;
	double sum = 0;

	sqlite3_bind_int(s, 1, PROTO_CAUSE_EXPIRY);
	sqlite3_bind_int64(s, 2, bo.due_from);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			if ((v = realloc(v, cap * sizeof *v)) == NULL)
				bdb_die(NULL, "out of memory");
		}
		v[n] = sqlite3_column_int64(s, 0);
		sum += (double)v[n++];
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	qsort(v, n, sizeof *v, bdb_cmp);
	printf("{\"count\":%zu,\"p50_ms\":%" PRId64 ",\"p99_ms\":%" PRId64 ",\"max_ms\":%"
	    PRId64 ",\"mean_ms\":%.3f}\n", n, bdb_pct(v, n, 0.5), bdb_pct(v, n, 0.99),
	    n ? v[n - 1] : 0, n ? sum / (double)n : 0);
	free(v);
	return 0;
}

static int
bdb_catchup(const char *path)
{
	sqlite3 *db = bdb_open(path, false);
	sqlite3_stmt *s = bdb_prepare(db, "SELECT count(*), max(at) FROM history "
	    "WHERE cause = ?1 AND due_at < ?2");
	int64_t n, last;

	sqlite3_bind_int(s, 1, PROTO_CAUSE_EXPIRY);
	sqlite3_bind_int64(s, 2, bo.due_before);
	if (sqlite3_step(s) != SQLITE_ROW)
		bdb_die(db, "catchup");
	n = sqlite3_column_int64(s, 0);
	last = sqlite3_column_type(s, 1) == SQLITE_NULL ? bo.start :
	    sqlite3_column_int64(s, 1);
	sqlite3_finalize(s);
	sqlite3_close(db);
	printf("{\"count\":%" PRId64 ",\"catchup_ms\":%" PRId64 "}\n", n, last - bo.start);
	return 0;
}

static void
bdb_usage(void)
{
	fprintf(stderr, "usage: benchdb gen DB N --due-start MS --due-span MS [--prefix P] "
	    "[--sellers K] [--permute] [--start-after MS]\n"
	    "       benchdb lateness DB [--due-from MS]\n"
	    "       benchdb catchup DB --due-before MS --start MS\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "due-start", required_argument, NULL, 'a' },
		{ "due-span", required_argument, NULL, 'b' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "sellers", required_argument, NULL, 'k' },
		{ "permute", no_argument, NULL, 'r' },
		{ "start-after", required_argument, NULL, 's' },
		{ "incremental", no_argument, NULL, 'i' },
		{ "due-from", required_argument, NULL, 'f' },
		{ "due-before", required_argument, NULL, 'B' },
		{ "start", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a': bo.due_start = strtoll(optarg, NULL, 10); bo.has_due_start = true; break;
		case 'b': bo.due_span = strtoll(optarg, NULL, 10); bo.has_due_span = true; break;
		case 'p': bo.prefix = optarg; break;
		case 'k': bo.sellers = atoi(optarg) > 0 ? atoi(optarg) : 1; break;
		case 'r': bo.permute = true; break;
		case 'i': bo.incremental = true; break;
		case 's': bo.start_after = strtoll(optarg, NULL, 10); bo.has_start_after = true;
			break;
		case 'f': bo.due_from = strtoll(optarg, NULL, 10); break;
		case 'B': bo.due_before = strtoll(optarg, NULL, 10); break;
		case 'S': bo.start = strtoll(optarg, NULL, 10); break;
		default: bdb_usage();
		}
	}
	if (argc - optind == 3 && strcmp(argv[optind], "gen") == 0)
		return bdb_gen(argv[optind + 1], strtoll(argv[optind + 2], NULL, 10));
	if (argc - optind == 2 && strcmp(argv[optind], "lateness") == 0)
		return bdb_lateness(argv[optind + 1]);
	if (argc - optind == 2 && strcmp(argv[optind], "catchup") == 0)
		return bdb_catchup(argv[optind + 1]);
	bdb_usage();
	return 2;
}
