#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <event2/event.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conn.h"
#include "sellers.h"
#include "sqlbackup.h"
#include "tmpdir.h"

/*
 * The SQLite store's online copy: one snapshot (what was committed when it began, not
 * what a transaction still open writes), the feed's last seq in that snapshot, an
 * unlinked file handed over as a descriptor, one copy at a time, and a stop that
 * tells a pending copy it failed.
 */

struct fx {
	char dir[256], path[300], out[310];
	struct event_base *base;
	struct conn *c;			/* the writer */
	struct sqlbackup *b;
	int told;
	struct store_backup got;
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof *fx);
	char *cause = NULL;

	if (fx == NULL || tmpdir_make(fx->dir, sizeof fx->dir, "test_sqlbackup") != 0) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof fx->path, "%s/protocold.db", fx->dir);
	snprintf(fx->out, sizeof fx->out, "%s/copy.db", fx->dir);
	if ((fx->c = conn_open(fx->path, false, true, &cause)) == NULL) {
		print_error("conn_open: %s\n", cause);
		return -1;
	}
	fx->base = event_base_new();
	fx->b = sqlbackup_new(fx->path, fx->base);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	sqlbackup_free(fx->b);
	if (fx->got.fd != -1)
		close(fx->got.fd);
	conn_close(fx->c);
	event_base_free(fx->base);
	tmpdir_remove(fx->dir);
	free(fx);
	return 0;
}

static void
on_backup(void *arg, const struct store_backup *b)
{
	struct fx *fx = arg;

	fx->told++;
	fx->got = *b;
}

/* n sellers and n history entries, committed. */
static void
write_rows(struct fx *fx, int from, int n)
{
	char id[48], sql[200];

	assert_int_equal(conn_begin(fx->c), 0);
	for (int i = from; i < from + n; i++) {
		snprintf(id, sizeof id, "SELLER-%d", i);
		assert_int_equal(sellers_put(fx->c, id, false), 0);
		snprintf(sql, sizeof sql, "INSERT INTO history (rid, at, to_state, cause, name) "
		    "VALUES (%d, 0, 0, 0, 'create')", i);
		assert_int_equal(conn_exec(fx->c, sql), 0);
	}
	assert_int_equal(conn_commit(fx->c), 0);
}

static void
wait_told(struct fx *fx)
{
	while (fx->told == 0)
		assert_int_equal(event_base_loop(fx->base, EVLOOP_ONCE), 0);
}

/* The copy handed over, saved as fx->out: its count of sellers. */
static int64_t
copy_sellers(struct fx *fx, int64_t *last_seq)
{
	char *buf = malloc((size_t)fx->got.size);
	sqlite3 *db;
	sqlite3_stmt *s;
	int64_t n = -1;
	FILE *f;

	assert_non_null(buf);
	assert_int_equal(pread(fx->got.fd, buf, (size_t)fx->got.size, 0), fx->got.size);
	assert_memory_equal(buf, "SQLite format 3", 16);
	assert_non_null(f = fopen(fx->out, "w"));
	assert_int_equal(fwrite(buf, 1, (size_t)fx->got.size, f), (size_t)fx->got.size);
	fclose(f);
	free(buf);
	assert_int_equal(sqlite3_open_v2(fx->out, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM sellers), "
	    "(SELECT max(seq) FROM history), (SELECT * FROM pragma_integrity_check)", -1, &s,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int64(s, 0);
	*last_seq = sqlite3_column_int64(s, 1);
	assert_string_equal((const char *)sqlite3_column_text(s, 2), "ok");
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

/* Files in the directory whose name holds "-backup-". */
static int
leftovers(struct fx *fx)
{
	DIR *d = opendir(fx->dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += strstr(e->d_name, "-backup-") != NULL;
	closedir(d);
	return n;
}

static void
sqlbackup_start__committed_rows__are_copied_with_the_feeds_last_seq(void **state)
{
	struct fx *fx = *state;
	struct stat sb;
	int64_t seq = 0;

	write_rows(fx, 1, 50);
	sqlbackup_start(fx->b, on_backup, fx);
	wait_told(fx);
	assert_int_equal(fx->got.rc, STORE_BACKUP_OK);
	assert_int_equal(fx->got.seq, 50);
	assert_string_equal(fx->got.type, "application/vnd.sqlite3");
	assert_int_equal(fstat(fx->got.fd, &sb), 0);
	assert_int_equal(sb.st_nlink, 0);	/* unlinked: lives in its descriptor only */
	assert_int_equal(sb.st_size, fx->got.size);
	assert_int_equal(leftovers(fx), 0);
	assert_int_equal(copy_sellers(fx, &seq), 50);
	assert_int_equal(seq, 50);
}

static void
sqlbackup_start__a_transaction_still_open__is_not_in_the_copy(void **state)
{
	struct fx *fx = *state;
	int64_t seq = 0;

	write_rows(fx, 1, 10);
	assert_int_equal(conn_begin(fx->c), 0);
	assert_int_equal(sellers_put(fx->c, "UNCOMMITTED", true), 0);
	sqlbackup_start(fx->b, on_backup, fx);
	wait_told(fx);
	assert_int_equal(conn_commit(fx->c), 0);
	assert_int_equal(fx->got.rc, STORE_BACKUP_OK);
	assert_int_equal(copy_sellers(fx, &seq), 10);
	assert_int_equal(seq, 10);
	assert_int_equal(fx->got.seq, 10);
}

static void
sqlbackup_start__while_a_copy_is_made__answers_busy_at_once(void **state)
{
	struct fx *fx = *state;
	struct fx other = { .got.fd = -1 };

	write_rows(fx, 1, 5);
	sqlbackup_start(fx->b, on_backup, fx);
	sqlbackup_start(fx->b, on_backup, &other);
	assert_int_equal(other.told, 1);
	assert_int_equal(other.got.rc, STORE_BACKUP_BUSY);
	wait_told(fx);
	assert_int_equal(fx->got.rc, STORE_BACKUP_OK);
	/* Once it is over, the next one may start. */
	close(fx->got.fd);
	fx->got.fd = -1;
	fx->told = 0;
	sqlbackup_start(fx->b, on_backup, fx);
	wait_told(fx);
	assert_int_equal(fx->got.rc, STORE_BACKUP_OK);
}

static void
sqlbackup_free__a_copy_pending__is_told_it_failed(void **state)
{
	struct fx *fx = *state;

	write_rows(fx, 1, 5);
	sqlbackup_start(fx->b, on_backup, fx);
	sqlbackup_free(fx->b);
	fx->b = NULL;
	assert_int_equal(fx->told, 1);
	assert_int_equal(fx->got.rc, STORE_BACKUP_FAILED);
	assert_int_equal(fx->got.fd, -1);
	assert_non_null(strstr(fx->got.error, "stopping"));
	assert_int_equal(leftovers(fx), 0);
}

static void
sqlbackup_new__a_copy_left_by_a_kill__is_removed(void **state)
{
	struct fx *fx = *state;
	char left[400], other[400];
	FILE *f;

	snprintf(left, sizeof left, "%s-backup-AbC123", fx->path);
	snprintf(other, sizeof other, "%s/notes-backup-AbC123", fx->dir);
	assert_non_null(f = fopen(left, "w"));
	fclose(f);
	assert_non_null(f = fopen(other, "w"));
	fclose(f);
	sqlbackup_free(fx->b);
	fx->b = sqlbackup_new(fx->path, fx->base);
	assert_int_equal(access(left, F_OK), -1);
	assert_int_equal(access(other, F_OK), 0);	/* not the database's */
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(sqlbackup_start__committed_rows__are_copied_with_the_feeds_last_seq),
		T(sqlbackup_start__a_transaction_still_open__is_not_in_the_copy),
		T(sqlbackup_start__while_a_copy_is_made__answers_busy_at_once),
		T(sqlbackup_free__a_copy_pending__is_told_it_failed),
		T(sqlbackup_new__a_copy_left_by_a_kill__is_removed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
