#include "sqlbackup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "strcopy.h"
#include "worker.h"
#include "xmalloc.h"

/* Pages copied per step (4 KiB each): between two, the stop is looked at. */
#define SQLBACKUP_STEP_PAGES 2048

struct sqlbackup {
	char *path;
	struct event_base *base;
	struct worker *w;		/* from the first copy on */
	atomic_bool stop;
	/* The copy asked: its caller, and what the thread made (handed over by the
	 * worker's run, read on the loop in its done()). */
	store_backup_fn *fn;
	void *arg;
	struct store_backup out;
};

/* The copy's work in progress, on the thread. */
struct sqlbackup_run {
	sqlite3 *src, *dst;
	char *tmp;
	int fd;
};

static int
sqlbackup_fail(struct sqlbackup *b, const char *what, const char *why)
{
	snprintf(b->out.error, sizeof b->out.error, "%s: %s", what, why);
	b->out.rc = STORE_BACKUP_FAILED;
	return -1;
}

static int
sqlbackup_fail_db(struct sqlbackup *b, sqlite3 *db, const char *what)
{
	return sqlbackup_fail(b, what, db != NULL ? sqlite3_errmsg(db) : "out of memory");
}

/* The source: a connection of our own, in a read transaction that fixes its snapshot,
 * and the feed's last seq in that snapshot. */
static int
sqlbackup_open_src(struct sqlbackup *b, struct sqlbackup_run *r)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_open_v2(b->path, &r->src, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
	    NULL) != SQLITE_OK || sqlite3_busy_timeout(r->src, 5000) != SQLITE_OK ||
	    sqlite3_exec(r->src, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r->src, "SELECT coalesce(max(seq), 0) FROM history", -1, &s,
	    NULL) != SQLITE_OK)
		return sqlbackup_fail_db(b, r->src, b->path);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		b->out.seq = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : sqlbackup_fail_db(b, r->src, b->path);
}

/* The destination: a new empty file beside the database, written without a journal
 * or a sync (it is a temp file until its reader has it). */
static int
sqlbackup_open_dst(struct sqlbackup *b, struct sqlbackup_run *r)
{
	r->tmp = xasprintf("%s-backup-XXXXXX", b->path);
	if ((r->fd = mkostemp(r->tmp, O_CLOEXEC)) == -1) {
		sqlbackup_fail(b, r->tmp, strerror(errno));
		free(r->tmp);
		r->tmp = NULL;
		return -1;
	}
	if (sqlite3_open_v2(r->tmp, &r->dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
	    NULL) != SQLITE_OK || sqlite3_exec(r->dst, "PRAGMA journal_mode = OFF; "
	    "PRAGMA synchronous = OFF", NULL, NULL, NULL) != SQLITE_OK)
		return sqlbackup_fail_db(b, r->dst, r->tmp);
	return 0;
}

/* Copy every page of the source's snapshot: the read transaction stays open across
 * the steps, so they all copy the same one. */
static int
sqlbackup_copy(struct sqlbackup *b, struct sqlbackup_run *r)
{
	sqlite3_backup *bk = sqlite3_backup_init(r->dst, "main", r->src, "main");
	int rc = SQLITE_OK;

	if (bk == NULL)
		return sqlbackup_fail_db(b, r->dst, r->tmp);
	while (rc == SQLITE_OK && !atomic_load(&b->stop))
		rc = sqlite3_backup_step(bk, SQLBACKUP_STEP_PAGES);
	sqlite3_backup_finish(bk);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc == SQLITE_OK)
		return sqlbackup_fail(b, "backup", "the daemon is stopping");
	return sqlbackup_fail(b, r->tmp, sqlite3_errstr(rc));
}

/* Close the connections (the copy is whole on disk once dst is closed). */
static int
sqlbackup_close(struct sqlbackup *b, struct sqlbackup_run *r)
{
	int rc = sqlite3_close(r->dst);

	r->dst = NULL;
	sqlite3_close(r->src);	/* its read transaction ends with it */
	r->src = NULL;
	if (rc != SQLITE_OK)
		return sqlbackup_fail(b, r->tmp, sqlite3_errstr(rc));
	return 0;
}

/* The copy made: its size, its descriptor at offset 0. */
static int
sqlbackup_hand_over(struct sqlbackup *b, struct sqlbackup_run *r)
{
	struct stat sb;

	if (fstat(r->fd, &sb) != 0 || lseek(r->fd, 0, SEEK_SET) != 0)
		return sqlbackup_fail(b, r->tmp, strerror(errno));
	b->out.size = sb.st_size;
	b->out.type = "application/vnd.sqlite3";
	b->out.fd = r->fd;
	b->out.rc = STORE_BACKUP_OK;
	r->fd = -1;
	return 0;
}

/* The worker's job: one copy into b->out. */
static int
sqlbackup_run(void *arg)
{
	struct sqlbackup *b = arg;
	struct sqlbackup_run r = { .fd = -1 };
	int rc;

	memset(&b->out, 0, sizeof b->out);
	b->out.fd = -1;
	rc = sqlbackup_open_src(b, &r);
	if (rc == 0)
		rc = sqlbackup_open_dst(b, &r);
	if (rc == 0)
		rc = sqlbackup_copy(b, &r);
	if (sqlbackup_close(b, &r) != 0 && rc == 0)
		rc = -1;
	if (rc == 0)
		rc = sqlbackup_hand_over(b, &r);
	/* Unlinked in every case: the copy lives on in its descriptor only. */
	if (r.tmp != NULL)
		unlink(r.tmp);
	if (r.fd != -1)
		close(r.fd);
	free(r.tmp);
	return rc;
}

/* The copy is over, on the loop: tell its caller. */
static void
sqlbackup_done(void *arg, int result)
{
	struct sqlbackup *b = arg;
	store_backup_fn *fn = b->fn;

	b->fn = NULL;
	if (fn != NULL)
		fn(b->arg, &b->out);
}

/* Whether name is base's temp copy: base + "-backup-" + mkostemp's 6 characters. */
static bool
sqlbackup_is_temp(const char *name, const char *base)
{
	size_t n = strlen(base);

	return strncmp(name, base, n) == 0 && strncmp(name + n, "-backup-", 8) == 0 &&
	    strlen(name + n + 8) == 6;
}

/* Remove the temp files of copies that a kill -9 interrupted (the database is locked
 * to this process by now: no other daemon is making one). Matched by name in the
 * database's directory, not by glob(3): the path may hold '*' or '['. */
static void
sqlbackup_sweep(const char *path)
{
	char *dcopy = xstrdup(path), *bcopy = xstrdup(path), *victim;
	const char *dir = dirname(dcopy), *base = basename(bcopy);
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (!sqlbackup_is_temp(e->d_name, base))
			continue;
		victim = xasprintf("%s/%s", dir, e->d_name);
		if (unlink(victim) == 0)
			log_info("removed %s, the copy of a backup interrupted", victim);
		free(victim);
	}
	if (d != NULL)
		closedir(d);
	free(dcopy);
	free(bcopy);
}

struct sqlbackup *
sqlbackup_new(const char *path, struct event_base *base)
{
	struct sqlbackup *b = xcalloc(1, sizeof *b);

	sqlbackup_sweep(path);

	b->path = xstrdup(path);
	b->base = base;
	atomic_init(&b->stop, false);
	b->out.fd = -1;
	return b;
}

void
sqlbackup_start(struct sqlbackup *b, store_backup_fn *fn, void *arg)
{
	struct store_backup now = { .rc = STORE_BACKUP_BUSY, .fd = -1 };
	char *cause = NULL;

	if (b->fn != NULL) {
		fn(arg, &now);
		return;
	}
	if (b->w == NULL && (b->w = worker_new("backup", b->base, sqlbackup_run,
	    sqlbackup_done, b, &cause)) == NULL) {
		now.rc = STORE_BACKUP_FAILED;
		strcopy(now.error, sizeof now.error, cause);
		free(cause);
		fn(arg, &now);
		return;
	}
	b->fn = fn;
	b->arg = arg;
	b->out = (struct store_backup){ .rc = STORE_BACKUP_FAILED, .fd = -1 };
	worker_request(b->w);
}

void
sqlbackup_free(struct sqlbackup *b)
{
	store_backup_fn *fn;

	if (b == NULL)
		return;
	atomic_store(&b->stop, true);
	worker_free(b->w);	/* the copy under way stops at its next step */
	if ((fn = b->fn) != NULL) {
		if (b->out.fd != -1)
			close(b->out.fd);
		b->out = (struct store_backup){ .rc = STORE_BACKUP_FAILED, .fd = -1 };
		strcopy(b->out.error, sizeof b->out.error, "the daemon is stopping");
		b->fn = NULL;
		fn(b->arg, &b->out);
	}
	free(b->path);
	free(b);
}
