#include "sqlite.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "conn.h"
#include "durable.h"
#include "history.h"
#include "log.h"
#include "meta.h"
#include "rows.h"
#include "sqlbackup.h"
#include "sellers.h"
#include "snapshot.h"
#include "sqlite_int.h"
#include "sqlread.h"
#include "wal.h"
#include "xmalloc.h"

int
sqlite_rc(struct sqlite_store *s, const struct conn *c, int rc)
{
	if (rc < 0)
		s->failed = c;
	return rc;
}

/* rc of a write into the open transaction: one that failed may have left part of a
 * change (a row without its history entry), so nothing of the transaction is kept. */
static int
sqlite_wrote(struct sqlite_store *s, int rc)
{
	if (rc < 0)
		s->spoiled = true;
	return sqlite_rc(s, s->writer, rc);
}

/* ------------------------------------------------------------ the commit */

static int
sqlite_begin(struct store *st)
{
	struct sqlite_store *s = sqlite_of(st);

	s->spoiled = false;
	return sqlite_rc(s, s->writer, conn_begin(s->writer));
}

static bool
sqlite_in_txn(const struct store *st)
{
	return conn_in_txn(sqlite_of_const(st)->writer);
}

static void
sqlite_rollback(struct store *st)
{
	struct sqlite_store *s = sqlite_of(st);

	s->spoiled = false;
	conn_rollback(s->writer);
}

/* COMMIT the open transaction, or roll it back when a write of it failed: 0 or -1. */
static int
sqlite_end(struct sqlite_store *s)
{
	if (s->spoiled) {
		s->spoiled = false;
		conn_rollback(s->writer);	/* the failed write's error stays */
		return -1;
	}
	return conn_commit(s->writer);
}

/*
 * The WAL's fsync failed: the kernel may have dropped the pages it could not write,
 * and a later fsync could succeed without them. Nothing of that commit has been told
 * to anyone; a restart reads what really is on disk.
 */
static void
sqlite_sync_failed(int err)
{
	fatalx("fsync of the WAL failed (%s): the last commit may not be on disk, and "
	    "nothing of it was acknowledged; stopping so that the restart recovers what "
	    "is", strerror(err));
}

/*
 * The commit written is durable (err 0), or its WAL lost its name (DURABLE_WAL_GONE:
 * the commit, and every one not yet in the database file, lives only in an unlinked
 * file; the readers keep out of it, and store_salvage copies it). Tell its durable().
 */
static void
sqlite_durable(struct sqlite_store *s, int err)
{
	store_outcome_fn *fn = s->pending;
	void *arg = s->pending_arg;

	s->pending = NULL;
	s->pending_arg = NULL;
	if (err == DURABLE_WAL_GONE) {
		s->failed = s->writer;
		wal_gone(s->writer);
		fn(arg, STORE_LOST);
		return;
	}
	if (err != 0)
		sqlite_sync_failed(err);
	/* The snapshot first: the reads that waited for this commit must see it. */
	snapshot_release(s->snap);
	fn(arg, STORE_OK);
}

/* The syncer's done(), on the loop: the fsync durable_request asked for is over. */
static void
sqlite_synced(void *arg, int err)
{
	struct sqlite_store *s = arg;

	if (s->pending != NULL)
		sqlite_durable(s, err);
}

static void
sqlite_commit(struct store *st, store_outcome_fn *written, store_outcome_fn *durable,
    void *arg)
{
	struct sqlite_store *s = sqlite_of(st);

	if (s->pending != NULL)
		fatalx("store: a commit while the last one's fsync is in flight");
	/* Its fsync runs in the thread: the readers keep what is on disk until then. */
	if (s->durable != NULL)
		snapshot_block(s->snap);
	if (sqlite_end(s) != 0) {
		s->failed = s->writer;
		snapshot_unblock(s->snap);
		written(arg, STORE_FAILED);
		return;
	}
	written(arg, STORE_OK);
	s->pending = durable;
	s->pending_arg = arg;
	if (s->durable != NULL)
		durable_request(s->durable);
	else
		sqlite_durable(s, wal_check(s->writer) != 0 ? DURABLE_WAL_GONE : 0);
}

static void
sqlite_wait_durable(struct store *st)
{
	struct sqlite_store *s = sqlite_of(st);

	if (s->pending != NULL && s->durable != NULL)
		sqlite_durable(s, durable_wait(s->durable));
}

/* The WAL lost its name: copy it into the database through the descriptor SQLite
 * holds, once no other connection reads or checkpoints. */
static int
sqlite_salvage(struct store *st, char **cause)
{
	struct sqlite_store *s = sqlite_of(st);

	ckpt_free(s->ckpt);
	s->ckpt = NULL;
	snapshot_release(s->snap);
	return wal_save(s->writer, cause);
}

static bool
sqlite_reads_ready(struct store *st)
{
	return snapshot_hold(sqlite_of(st)->snap);
}

/* -------------------------------------------------------- the write path */

static void
sqlite_load(struct store *st, const char *id, store_load_fn *fn, void *arg)
{
	struct sqlite_store *s = sqlite_of(st);
	struct store_loaded r = { 0 };

	r.rc = rows_get(s->writer, id, &r.p);
	if (r.rc == 1 && sellers_get(s->writer, r.p.seller, &r.envvias) < 0)
		r.rc = -1;
	sqlite_rc(s, s->writer, r.rc);
	fn(arg, &r);
}

static void
sqlite_insert_new(struct store *st, struct protocol *p, store_insert_fn *fn, void *arg)
{
	struct sqlite_store *s = sqlite_of(st);
	struct protocol existing;
	bool envvias = false;
	int rc = rows_insert_new(s->writer, p);

	if (rc == 0 && rows_get(s->writer, p->id, &existing) != 1)
		rc = -1;
	if (rc >= 0 && sellers_get(s->writer, rc == 1 ? p->seller : existing.seller,
	    &envvias) < 0)
		rc = -1;
	sqlite_wrote(s, rc);
	fn(arg, rc, rc == 0 ? &existing : NULL, envvias);
}

static void
sqlite_due(struct store *st, int64_t limit, int max, struct protocol *out,
    store_due_fn *fn, void *arg)
{
	struct sqlite_store *s = sqlite_of(st);

	fn(arg, sqlite_rc(s, s->writer, rows_due(s->writer, limit, max, out)));
}

static void
sqlite_head(struct store *st, store_head_fn *fn, void *arg)
{
	struct sqlite_store *s = sqlite_of(st);
	int64_t at = INT64_MAX;
	int rc = sqlite_rc(s, s->writer, rows_head(s->writer, &at));

	fn(arg, rc, at);
}

static int
sqlite_save(struct store *st, struct protocol *p, const struct proto_event *ev, size_t n,
    enum store_save what)
{
	struct sqlite_store *s = sqlite_of(st);
	struct proto_event e;
	int rc = what == STORE_SAVE_ROW ? rows_update(s->writer, p) :
	    what == STORE_SAVE_NEXT ? rows_update_next(s->writer, p) : 0;

	for (size_t i = 0; rc == 0 && i < n; i++) {
		e = ev[i];	/* history_add numbers it: a copy of ours */
		rc = history_add(s->writer, &e);
	}
	return sqlite_wrote(s, rc);
}

static int
sqlite_seller_put(struct store *st, const char *id, bool envvias)
{
	struct sqlite_store *s = sqlite_of(st);

	if (conn_check_txn(s->writer) != 0)
		return sqlite_wrote(s, -1);
	return sqlite_wrote(s, sellers_put(s->writer, id, envvias));
}

/* ------------------------------------------------------------ the backend */

/* A file on this machine: reachable as long as the daemon runs (a failing disk shows
 * in the writes' errors). */
static bool
sqlite_health(struct store *st, char *why, size_t len)
{
	if (len > 0)
		why[0] = '\0';
	return true;
}

/* On the writer: the clock is its to keep (sqlite_clock_save), read at the start. */
static void
sqlite_clock_load(struct store *st, store_int_fn *fn, void *arg)
{
	struct sqlite_store *s = sqlite_of(st);
	int64_t ms = 0;
	int rc = meta_clock_load(s->writer, &ms);

	fn(arg, sqlite_rc(s, s->writer, rc), ms);
}

static int
sqlite_clock_save(struct store *st, int64_t ms)
{
	struct sqlite_store *s = sqlite_of(st);

	if (conn_check_txn(s->writer) != 0)
		return sqlite_wrote(s, -1);
	return sqlite_wrote(s, meta_clock_save(s->writer, ms));
}

static const char *
sqlite_error(const struct store *st)
{
	return conn_error(sqlite_of_const(st)->failed);
}

static bool
sqlite_error_is_full(const struct store *st)
{
	return conn_error_is_full(sqlite_of_const(st)->failed);
}

/* ------------------------------------------------------- open and close */

static void
sqlite_close(struct store *st)
{
	struct sqlite_store *s = sqlite_of(st);

	/* The threads first; the checkpointer's connection (and a backup's) before the
	 * writer's, so that the last close removes the WAL. */
	sqlbackup_free(s->backup);
	durable_free(s->durable);
	snapshot_free(s->snap);
	ckpt_free(s->ckpt);
	conn_close(s->reader);
	conn_close(s->writer);
	free(s);
}

static void
sqlite_backup(struct store *st, store_backup_fn *fn, void *arg)
{
	sqlbackup_start(sqlite_of(st)->backup, fn, arg);
}

static const struct store_ops sqlite_ops = {
	.begin = sqlite_begin, .in_txn = sqlite_in_txn, .rollback = sqlite_rollback,
	.commit = sqlite_commit, .wait_durable = sqlite_wait_durable,
	.salvage = sqlite_salvage, .reads_ready = sqlite_reads_ready,
	.load = sqlite_load, .insert_new = sqlite_insert_new, .due = sqlite_due,
	.head = sqlite_head, .save = sqlite_save, .seller_put = sqlite_seller_put,
	.get = sqlread_get, .history = sqlread_history, .feed = sqlread_feed,
	.last_seq = sqlread_last_seq, .list = sqlread_list, .forecast = sqlread_forecast,
	.stats = sqlread_stats, .seller = sqlread_seller, .cursor_key = sqlread_cursor_key,
	.info = sqlread_info, .backup = sqlite_backup, .health = sqlite_health, .clock_load = sqlite_clock_load,
	.clock_save = sqlite_clock_save,
	.error = sqlite_error, .error_is_full = sqlite_error_is_full, .close = sqlite_close,
};

static void
sqlite_start_ckpt(struct sqlite_store *s, const char *path)
{
	char *cause = NULL;

	s->ckpt = ckpt_new(s->writer->db, path, CKPT_PAGES, CKPT_MAX_PAGES, &cause);
	if (s->ckpt == NULL) {
		log_warnx("%s; the commits checkpoint the WAL themselves", cause);
		free(cause);
	}
}

/* synchronous = full: the WAL's fsync in a thread, commits durable once it is over. */
static void
sqlite_start_syncer(struct sqlite_store *s, const char *path, struct event_base *base)
{
	char *cause = NULL;

	if ((s->durable = durable_new(base, path, sqlite_synced, s, &cause)) == NULL) {
		log_warnx("%s; each commit syncs the WAL itself", cause);
		free(cause);
		return;
	}
	if (conn_set_sync(s->writer, false) != 0) {
		log_warnx("%s; each commit syncs the WAL itself", conn_error(s->writer));
		durable_free(s->durable);
		s->durable = NULL;
	}
}

struct store *
sqlite_store_open(const char *path, const struct sqlite_options *o,
    struct event_base *base, char **cause)
{
	struct sqlite_store *s = xcalloc(1, sizeof *s);
	char *why = NULL;

	s->st.ops = &sqlite_ops;
	if ((s->writer = conn_open(path, false, o->sync_full, cause)) == NULL) {
		free(s);
		return NULL;
	}
	/* The WAL SQLite has just opened: its name is checked against it from now on. */
	wal_note(s->writer);
	if ((s->reader = conn_open(path, true, o->sync_full, &why)) == NULL) {
		*cause = xasprintf("(reader) %s", why);
		free(why);
		conn_close(s->writer);
		free(s);
		return NULL;
	}
	s->failed = s->writer;
	if (conn_set_map(s->reader, o->read_map_mib) != 0)
		log_warnx("read_map: %s; reads copy pages instead", conn_error(s->reader));
	sqlite_start_ckpt(s, path);
	s->backup = sqlbackup_new(path, base);
	s->snap = snapshot_new(base, s->reader);
	if (o->sync_full)
		sqlite_start_syncer(s, path, base);
	return &s->st;
}

const char *
sqlite_library_version(void)
{
	return sqlite3_libversion();
}
