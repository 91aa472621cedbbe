#include "ckpt.h"

#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "sqlite_int.h"
#include "strcopy.h"
#include "xmalloc.h"

/* What the loop thread and the checkpointer share, under mu. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t wake, idle;
	pthread_t thread;
	sqlite3 *db;		/* the checkpointer's own connection */
	sqlite3 *writer;
	int pages, max_pages;
	bool started, want, busy, stop;
	struct ckpt_stats stats;
	char error[200];	/* the last failure, logged by the loop thread */
	bool error_new;
} ck = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.wake = PTHREAD_COND_INITIALIZER,
	.idle = PTHREAD_COND_INITIALIZER,
};

/* One PASSIVE checkpoint, with mu released: it copies what no reader still needs. */
static void
ckpt_run(void)
{
	int rc;

	ck.busy = true;
	pthread_mutex_unlock(&ck.mu);
	rc = sqlite3_wal_checkpoint_v2(ck.db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	pthread_mutex_lock(&ck.mu);
	ck.busy = false;
	if (rc == SQLITE_OK)
		ck.stats.runs++;
	else if (rc != SQLITE_BUSY) {
		/* The changes stay in the WAL: nothing is lost, the next wake retries. */
		ck.stats.failures++;
		strcopy(ck.error, sizeof ck.error, sqlite3_errmsg(ck.db));
		ck.error_new = true;
	}
}

static void *
ckpt_main(void *arg)
{
	pthread_mutex_lock(&ck.mu);
	for (;;) {
		while (!ck.want && !ck.stop) {
			pthread_cond_broadcast(&ck.idle);
			pthread_cond_wait(&ck.wake, &ck.mu);
		}
		if (ck.stop)
			break;
		ck.want = false;
		ckpt_run();
	}
	pthread_cond_broadcast(&ck.idle);
	pthread_mutex_unlock(&ck.mu);
	return NULL;
}

/* After each commit of the writer, on the loop thread: pages is the WAL's size. */
static int
ckpt_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	char error[sizeof ck.error];
	bool failed = false, inline_run = false;

	/* The thread never found a pause in the writes to finish in: the WAL cannot
	 * restart. Checkpoint here, between two write transactions, as SQLite would. */
	if (pages >= ck.max_pages)
		inline_run = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL,
		    NULL) == SQLITE_OK;
	pthread_mutex_lock(&ck.mu);
	ck.stats.inline_runs += inline_run;
	ck.stats.wal_pages = pages;
	if (pages >= ck.pages && !ck.want) {
		ck.want = true;
		pthread_cond_signal(&ck.wake);
	}
	if (ck.error_new) {
		strcopy(error, sizeof error, ck.error);
		ck.error_new = false;
		failed = true;
	}
	pthread_mutex_unlock(&ck.mu);
	if (failed)
		log_warnx("checkpoint failed, the changes stay in the WAL and it is retried: %s",
		    error);
	return SQLITE_OK;
}

static int
ckpt_open(const char *path, char **cause)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

	if (sqlite3_open_v2(path, &ck.db, flags, NULL) != SQLITE_OK ||
	    sqlite3_exec(ck.db, "PRAGMA synchronous = FULL; PRAGMA cache_size = -256", NULL,
	    NULL, NULL) != SQLITE_OK) {
		*cause = xasprintf("checkpointer: %s: %s", path, ck.db ? sqlite3_errmsg(ck.db) :
		    "cannot open");
		sqlite3_close(ck.db);
		ck.db = NULL;
		return -1;
	}
	return 0;
}

int
ckpt_start(struct store *writer, const char *path, int pages, int max_pages, char **cause)
{
	return ckpt_start_db(writer->db, path, pages, max_pages, cause);
}

int
ckpt_start_db(sqlite3 *writer, const char *path, int pages, int max_pages, char **cause)
{
	sigset_t all, old;
	int rc;

	if (ckpt_open(path, cause) != 0)
		return -1;
	ck.writer = writer;
	ck.pages = pages;
	ck.max_pages = max_pages;
	ck.want = ck.stop = ck.error_new = false;
	ck.stats = (struct ckpt_stats){ 0 };
	/* Signals are the loop's: the thread starts with all of them blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&ck.thread, NULL, ckpt_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		*cause = xasprintf("checkpointer: cannot start a thread");
		sqlite3_close(ck.db);
		ck.db = NULL;
		return -1;
	}
	ck.started = true;
	/* Replaces SQLite's automatic checkpoint (itself a WAL hook). */
	sqlite3_wal_hook(writer, ckpt_hook, NULL);
	return 0;
}

void
ckpt_stop(void)
{
	if (!ck.started)
		return;
	pthread_mutex_lock(&ck.mu);
	ck.stop = true;
	pthread_cond_signal(&ck.wake);
	pthread_mutex_unlock(&ck.mu);
	pthread_join(ck.thread, NULL);
	ck.started = false;
	sqlite3_close(ck.db);
	ck.db = NULL;
	sqlite3_wal_autocheckpoint(ck.writer, STORE_WAL_AUTOCHECKPOINT);
}

void
ckpt_wait_idle(void)
{
	pthread_mutex_lock(&ck.mu);
	while (ck.started && (ck.want || ck.busy))
		pthread_cond_wait(&ck.idle, &ck.mu);
	pthread_mutex_unlock(&ck.mu);
}

void
ckpt_get_stats(struct ckpt_stats *out)
{
	pthread_mutex_lock(&ck.mu);
	*out = ck.stats;
	pthread_mutex_unlock(&ck.mu);
}
