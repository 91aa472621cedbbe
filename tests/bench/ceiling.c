/*
 * ceiling: what SQLite allows for protocold's transitions, with no daemon around it.
 *
 *   ceiling DB [--at MS] [--batch N] [--bare]
 *   ceiling DB --import N [--batch N] [--bare]
 *
 * DB is a protocold database (the daemon's schema and indexes) whose
 * protocols are pending with response clocks due at or before --at (default: all).
 * Opened with the daemon's settings (WAL, synchronous = FULL, the same cache, the
 * checkpoints in a thread of their own: daemon/store/ckpt.c), it applies each expiry
 * with only the work a transition cannot avoid: read the due rows from the timer
 * index, UPDATE the protocol's state and clock, INSERT its history (feed) entry;
 * SCHED_BATCH transitions per transaction, as the scheduler does.
 * Prints one JSON line with transitions/s.
 *
 * --bare first drops what the schema keeps beyond the timer index and the history's
 * per-protocol index (the seller and state indexes, and the counter triggers of
 * databases before schema 3): what those extras cost each transition.
 *
 * --import N: the same for an import. DB holds one protocol the daemon created (the
 * bench's template); N protocols like it (ids I00000000.., 1000 sellers, opened now)
 * are inserted as the daemon's import inserts them: the protocol row (the id's unique
 * index telling a new one) and its "create" history entry, IMPORT_TXN_LINES (or
 * --batch) per transaction, as `POST /v1/protocols:import` does, with no JSON, HTTP
 * or rules around them. Prints lines/s. With --bare, without the seller and state
 * indexes.
 */

#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "benchtpl.h"
#include "ckpt.h"
#include "conn.h"
#include "import.h"
#include "proto.h"
#include "sched.h"

#define CEIL_STR(x) #x
#define CEIL_XSTR(x) CEIL_STR(x)

struct ceil_row {
	int64_t rid, due;
	int state;
};

struct ceil_opts {
	const char *path;
	int64_t at, import;
	int batch;
	bool bare;
};

static sqlite3 *ceil_db;
static struct ckpt *ceil_ckpt;
static sqlite3_stmt *ceil_due, *ceil_upd, *ceil_hist;

static void
ceil_die(const char *what)
{
	fprintf(stderr, "ceiling: %s: %s\n", what, sqlite3_errmsg(ceil_db));
	exit(1);
}

static void
ceil_exec(const char *sql)
{
	if (sqlite3_exec(ceil_db, sql, NULL, NULL, NULL) != SQLITE_OK)
		ceil_die(sql);
}

static sqlite3_stmt *
ceil_prepare(const char *sql)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v3(ceil_db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) !=
	    SQLITE_OK)
		ceil_die(sql);
	return s;
}

static double
ceil_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t
ceil_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Drop the counter triggers and the secondary indexes a transition updates. */
static void
ceil_bare(void)
{
	ceil_exec("DROP TRIGGER IF EXISTS protocols_ins; DROP TRIGGER IF EXISTS protocols_state;"
	    "DROP TRIGGER IF EXISTS protocols_clock; DROP TRIGGER IF EXISTS history_ins;"
	    "DROP INDEX IF EXISTS protocols_seller; DROP INDEX IF EXISTS protocols_state;");
}

static void
ceil_step(sqlite3_stmt *s, const char *what)
{
	if (sqlite3_step(s) != SQLITE_DONE)
		ceil_die(what);
	sqlite3_reset(s);
}

static void
ceil_usage(void)
{
	fprintf(stderr, "usage: ceiling DB [--at MS] [--batch N] [--bare]\n"
	    "       ceiling DB --import N [--batch N] [--bare]\n");
	exit(2);
}

static void
ceil_args(int argc, char **argv, struct ceil_opts *o)
{
	static const struct option longopts[] = {
		{ "at", required_argument, NULL, 'a' },
		{ "batch", required_argument, NULL, 'b' },
		{ "bare", no_argument, NULL, 'B' },
		{ "import", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	*o = (struct ceil_opts){ .at = INT64_MAX, .batch = -1 };
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == 'a')
			o->at = strtoll(optarg, NULL, 10);
		else if (ch == 'b' && atoi(optarg) > 0)
			o->batch = atoi(optarg);
		else if (ch == 'B')
			o->bare = true;
		else if (ch == 'i' && strtoll(optarg, NULL, 10) > 0)
			o->import = strtoll(optarg, NULL, 10);
		else
			ceil_usage();
	}
	if (argc - optind != 1)
		ceil_usage();
	if (o->batch < 0)
		o->batch = o->import > 0 ? IMPORT_TXN_LINES : SCHED_BATCH;
	o->path = argv[optind];
}

/* Open the file with the daemon's connection settings (daemon/store/conn.c). */
static void
ceil_open(const struct ceil_opts *o)
{
	char *cause = NULL;

	if (sqlite3_open_v2(o->path, &ceil_db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		ceil_die(o->path);
	sqlite3_busy_timeout(ceil_db, 5000);
	ceil_exec("PRAGMA temp_store = MEMORY");
	ceil_exec("PRAGMA cache_size = -" CEIL_XSTR(CONN_WRITER_CACHE_KIB));
	ceil_exec("PRAGMA journal_mode = WAL");
	ceil_exec("PRAGMA wal_autocheckpoint = " CEIL_XSTR(CKPT_AUTO_PAGES));
	ceil_exec("PRAGMA synchronous = FULL");
	ceil_ckpt = ckpt_new(ceil_db, o->path, CKPT_PAGES, CKPT_MAX_PAGES, &cause);
	if (ceil_ckpt == NULL) {
		fprintf(stderr, "ceiling: %s\n", cause);
		exit(1);
	}
	if (o->bare)
		ceil_bare();
}

static void
ceil_prepare_drain(void)
{
	ceil_due = ceil_prepare("SELECT rid, state, clock_due FROM protocols WHERE clock_next "
	    "IS NOT NULL AND clock_next <= ?1 ORDER BY clock_next, rid LIMIT ?2");
	ceil_upd = ceil_prepare("UPDATE protocols SET state = ?2, clock = ?3, clock_start = "
	    "NULL, clock_due = NULL, clock_next = NULL, clock_rule = NULL, version = version + "
	    "1, updated_at = ?4 WHERE rid = ?1");
	ceil_hist = ceil_prepare("INSERT INTO history (rid, at, from_state, to_state, cause, "
	    "name, due_at, late_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
}

/* Up to max due rows, earliest first, into rows: their count. */
static int
ceil_read_due(int64_t at, int max, struct ceil_row *rows)
{
	int n;

	sqlite3_bind_int64(ceil_due, 1, at);
	sqlite3_bind_int(ceil_due, 2, max);
	for (n = 0; n < max && sqlite3_step(ceil_due) == SQLITE_ROW; n++) {
		rows[n].rid = sqlite3_column_int64(ceil_due, 0);
		rows[n].state = sqlite3_column_int(ceil_due, 1);
		rows[n].due = sqlite3_column_int64(ceil_due, 2);
	}
	sqlite3_reset(ceil_due);
	return n;
}

/* A response clock that runs out: pending -> mediation, no clock, and its entry. */
static void
ceil_transition(const struct ceil_row *r, int64_t now)
{
	sqlite3_bind_int64(ceil_upd, 1, r->rid);
	sqlite3_bind_int(ceil_upd, 2, PROTO_MEDIATION);
	sqlite3_bind_int(ceil_upd, 3, PROTO_CLOCK_NONE);
	sqlite3_bind_int64(ceil_upd, 4, now);
	ceil_step(ceil_upd, "update protocol");
	sqlite3_bind_int64(ceil_hist, 1, r->rid);
	sqlite3_bind_int64(ceil_hist, 2, now);
	sqlite3_bind_int(ceil_hist, 3, r->state);
	sqlite3_bind_int(ceil_hist, 4, PROTO_MEDIATION);
	sqlite3_bind_int(ceil_hist, 5, PROTO_CAUSE_EXPIRY);
	sqlite3_bind_text(ceil_hist, 6, "response", -1, SQLITE_STATIC);
	sqlite3_bind_int64(ceil_hist, 7, r->due);
	sqlite3_bind_int64(ceil_hist, 8, now - r->due);
	ceil_step(ceil_hist, "insert history");
}

/* One transaction of at most max transitions: how many. */
static int
ceil_batch(int64_t at, int max, struct ceil_row *rows)
{
	int64_t now = ceil_wall_ms();
	int n;

	ceil_exec("BEGIN IMMEDIATE");
	n = ceil_read_due(at, max, rows);
	for (int i = 0; i < n; i++)
		ceil_transition(&rows[i], now);
	ceil_exec("COMMIT");
	return n;
}

/* The drain: SCHED_BATCH transitions per transaction until none is due. */
static void
ceil_drain(const struct ceil_opts *o)
{
	struct ceil_row *rows;
	int64_t total = 0, commits = 0;
	double t0, t1;
	int n;

	ceil_prepare_drain();
	if ((rows = calloc((size_t)o->batch, sizeof *rows)) == NULL)
		ceil_die("out of memory");
	t0 = ceil_mono();
	do {
		n = ceil_batch(o->at, o->batch, rows);
		total += n;
		commits++;
	} while (n == o->batch);
	t1 = ceil_mono();
	sqlite3_finalize(ceil_due);
	sqlite3_finalize(ceil_upd);
	sqlite3_finalize(ceil_hist);
	free(rows);
	printf("{\"bare\":%s,\"transitions\":%" PRId64 ",\"batch\":%d,\"commits\":%" PRId64
	    ",\"elapsed_s\":%.3f,\"tps\":%.1f}\n", o->bare ? "true" : "false", total, o->batch,
	    commits, t1 - t0, t1 > t0 ? (double)total / (t1 - t0) : 0);
}

/* Protocol i, opened at now: its row and its entry, as the import writes them. */
static void
ceil_import_one(sqlite3_stmt *ins, sqlite3_stmt *hist, const struct benchtpl *t,
    int64_t i, int64_t now)
{
	char id[PROTO_ID_MAX + 1], seller[16];

	snprintf(id, sizeof id, "I%08" PRId64, i);
	snprintf(seller, sizeof seller, "S%04d", (int)(i % 1000));
	benchtpl_bind_row(ins, t, id, seller, false, now, now + t->resp_ms);
	ceil_step(ins, "insert protocol");
	if (sqlite3_changes(ceil_db) != 1)
		ceil_die("a generated id exists already");
	benchtpl_bind_entry(hist, t, sqlite3_last_insert_rowid(ceil_db), now);
	ceil_step(hist, "insert history");
}

static void
ceil_import(const struct ceil_opts *o)
{
	struct benchtpl t;
	sqlite3_stmt *ins, *hist;
	int64_t i = 0, commits = 0;
	double t0, t1;
	char err[256];

	if (benchtpl_read(ceil_db, &t, err, sizeof err) != 0) {
		fprintf(stderr, "ceiling: %s\n", err);
		exit(1);
	}
	/* The daemon's import tells a new id by the insert itself (rows.c). */
	ins = ceil_prepare(BENCHTPL_INSERT " ON CONFLICT (id) DO NOTHING");
	hist = ceil_prepare(BENCHTPL_ENTRY);
	t0 = ceil_mono();
	while (i < o->import) {
		int64_t now = ceil_wall_ms();

		ceil_exec("BEGIN IMMEDIATE");
		for (int k = 0; k < o->batch && i < o->import; k++, i++)
			ceil_import_one(ins, hist, &t, i, now);
		ceil_exec("COMMIT");
		commits++;
	}
	t1 = ceil_mono();
	sqlite3_finalize(ins);
	sqlite3_finalize(hist);
	printf("{\"lines\":%" PRId64 ",\"per_txn\":%d,\"commits\":%" PRId64 ",\"elapsed_s\":"
	    "%.3f,\"lps\":%.1f}\n", i, o->batch, commits, t1 - t0,
	    t1 > t0 ? (double)i / (t1 - t0) : 0);
}

int
main(int argc, char **argv)
{
	struct ceil_opts o;

	ceil_args(argc, argv, &o);
	ceil_open(&o);
	if (o.import > 0)
		ceil_import(&o);
	else
		ceil_drain(&o);
	ckpt_free(ceil_ckpt);
	sqlite3_close(ceil_db);
	return 0;
}
