#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt.h"
#include "conn.h"
#include "sellers.h"
#include "tmpdir.h"

/*
 * The checkpointer thread: woken by the writer's commits once the WAL holds enough
 * pages, it copies them into the database file; past the high mark the writer does
 * it itself; stopped, it leaves SQLite's own checkpoints in place and the last close
 * removes the WAL.
 */

struct fx {
	char dir[256], path[300], wal[310];
	struct conn *c;		/* the writer */
	struct ckpt *ck;
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof *fx);
	char *cause = NULL;

	if (fx == NULL || tmpdir_make(fx->dir, sizeof fx->dir, "test_ckpt") != 0) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof fx->path, "%s/protocold.db", fx->dir);
	snprintf(fx->wal, sizeof fx->wal, "%s-wal", fx->path);
	if ((fx->c = conn_open(fx->path, false, true, &cause)) == NULL) {
		print_error("conn_open: %s\n", cause);
		return -1;
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	ckpt_free(fx->ck);
	conn_close(fx->c);
	tmpdir_remove(fx->dir);
	free(fx);
	return 0;
}

/* One transaction of n sellers: a few dozen WAL pages. */
static void
write_sellers(struct fx *fx, int from, int n)
{
	char id[48];

	assert_int_equal(conn_begin(fx->c), 0);
	for (int i = from; i < from + n; i++) {
		snprintf(id, sizeof id, "SELLER-%08d-with-a-long-name", i);
		assert_int_equal(sellers_put(fx->c, id, i % 2), 0);
	}
	assert_int_equal(conn_commit(fx->c), 0);
}

/* Frames in the WAL and how many of them are in the database file, seen by another
 * connection (a PASSIVE checkpoint of nothing new changes neither). */
static void
wal_state(struct fx *fx, int *log, int *done)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open_v2(fx->path, &db, SQLITE_OPEN_READWRITE, NULL),
	    SQLITE_OK);
	sqlite3_exec(db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
	assert_int_equal(sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, log,
	    done), SQLITE_OK);
	sqlite3_close(db);
}

static void
ckpt__past_its_pages__the_thread_copies_the_wal(void **state)
{
	struct fx *fx = *state;
	struct ckpt_stats s;
	char *cause = NULL;

	assert_non_null(fx->ck = ckpt_new(fx->c->db, fx->path, 8, 1000000, &cause));
	write_sellers(fx, 0, 2000);
	ckpt_wait_idle(fx->ck);
	ckpt_stats(fx->ck, &s);
	assert_true(s.runs >= 1);
	assert_int_equal(s.failures, 0);
	assert_int_equal(s.inline_runs, 0);
	/* Every sellers' page is in the database file: a checkpoint finds nothing left. */
	int log = -1, done = -2;
	wal_state(fx, &log, &done);
	assert_true(log > 0);
	assert_int_equal(log, done);
}

static void
ckpt__below_its_pages__does_not_wake_and_counts_the_wal(void **state)
{
	struct fx *fx = *state;
	struct ckpt_stats s;
	char *cause = NULL;

	assert_non_null(fx->ck = ckpt_new(fx->c->db, fx->path, 100000, 1000000, &cause));
	write_sellers(fx, 0, 10);
	ckpt_wait_idle(fx->ck);
	ckpt_stats(fx->ck, &s);
	assert_int_equal(s.runs + s.inline_runs, 0);
	/* The WAL's size as the commit left it, the same another connection sees. */
	int log = -1, done = -2;
	wal_state(fx, &log, &done);
	assert_true(s.wal_pages > 0);
	assert_int_equal(s.wal_pages, log);
}

static void
ckpt__past_the_high_mark__the_writer_checkpoints(void **state)
{
	struct fx *fx = *state;
	struct ckpt_stats s;
	char *cause = NULL;

	/* A thread that never wakes: the writer takes over past 8 pages. */
	assert_non_null(fx->ck = ckpt_new(fx->c->db, fx->path, 100000000, 8, &cause));
	write_sellers(fx, 0, 2000);
	ckpt_stats(fx->ck, &s);
	assert_int_equal(s.inline_runs, 1);
	assert_int_equal(s.runs, 0);
}

static void
ckpt_free__the_last_close__removes_the_wal(void **state)
{
	struct fx *fx = *state;
	char *cause = NULL;

	assert_non_null(fx->ck = ckpt_new(fx->c->db, fx->path, 8, 1000000, &cause));
	write_sellers(fx, 0, 500);
	ckpt_free(fx->ck);
	fx->ck = NULL;
	/* The writer goes on with SQLite's own checkpoints. */
	write_sellers(fx, 500, 500);
	assert_int_equal(access(fx->wal, F_OK), 0);
	conn_close(fx->c);
	fx->c = NULL;
	assert_int_equal(access(fx->wal, F_OK), -1);
}

static void
ckpt_new__no_such_file__fails_with_a_cause(void **state)
{
	struct fx *fx = *state;
	char path[400], *cause = NULL;

	snprintf(path, sizeof path, "%s/nope/protocold.db", fx->dir);
	assert_null(ckpt_new(fx->c->db, path, 8, 100, &cause));
	assert_non_null(cause);
	assert_non_null(strstr(cause, "checkpointer"));
	free(cause);
	/* Nothing started: the writer still commits. */
	write_sellers(fx, 0, 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(ckpt__past_its_pages__the_thread_copies_the_wal),
		T(ckpt__below_its_pages__does_not_wake_and_counts_the_wal),
		T(ckpt__past_the_high_mark__the_writer_checkpoints),
		T(ckpt_free__the_last_close__removes_the_wal),
		T(ckpt_new__no_such_file__fails_with_a_cause),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
