#include "ckpt.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>

#include "log.h"
#include "strcopy.h"
#include "worker.h"
#include "xmalloc.h"

struct ckpt {
	struct worker *w;
	sqlite3 *db;		/* the checkpointer's own connection (its thread's) */
	sqlite3 *writer;
	int pages, max_pages;
	/* What the thread tells the loop, under mu. */
	pthread_mutex_t mu;
	struct ckpt_stats stats;
	char error[200];	/* the last failure, logged by the loop thread */
	bool error_new;
};

/* The worker's job: one PASSIVE checkpoint, which copies what no reader still needs. */
static int
ckpt_run(void *arg)
{
	struct ckpt *c = arg;
	int rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL,
	    NULL);

	pthread_mutex_lock(&c->mu);
	if (rc == SQLITE_OK)
		c->stats.runs++;
	else if (rc != SQLITE_BUSY) {
		/* The changes stay in the WAL: nothing is lost, the next wake retries. */
		c->stats.failures++;
		strcopy(c->error, sizeof c->error, sqlite3_errmsg(c->db));
		c->error_new = true;
	}
	pthread_mutex_unlock(&c->mu);
	return rc;
}

/* After each commit of the writer, on the loop thread: pages is the WAL's size. */
static int
ckpt_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct ckpt *c = arg;
	char error[sizeof c->error];
	bool failed = false, inline_run = false;

	/* The thread never found a pause in the writes to finish in: the WAL cannot
	 * restart. Checkpoint here, between two write transactions, as SQLite would. */
	if (pages >= c->max_pages)
		inline_run = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL,
		    NULL) == SQLITE_OK;
	pthread_mutex_lock(&c->mu);
	c->stats.inline_runs += inline_run;
	c->stats.wal_pages = pages;
	if (c->error_new) {
		strcopy(error, sizeof error, c->error);
		c->error_new = false;
		failed = true;
	}
	pthread_mutex_unlock(&c->mu);
	if (pages >= c->pages)
		worker_request(c->w);
	if (failed)
		log_warnx("checkpoint failed, the changes stay in the WAL and it is retried: %s",
		    error);
	return SQLITE_OK;
}

static int
ckpt_open(struct ckpt *c, const char *path, char **cause)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

	if (sqlite3_open_v2(path, &c->db, flags, NULL) != SQLITE_OK ||
	    sqlite3_exec(c->db, "PRAGMA synchronous = FULL; PRAGMA cache_size = -256", NULL,
	    NULL, NULL) != SQLITE_OK) {
		*cause = xasprintf("checkpointer: %s: %s", path, c->db ?
		    sqlite3_errmsg(c->db) : "cannot open");
		return -1;
	}
	return 0;
}

static void
ckpt_release(struct ckpt *c)
{
	sqlite3_close(c->db);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

struct ckpt *
ckpt_new(sqlite3 *writer, const char *path, int pages, int max_pages, char **cause)
{
	struct ckpt *c = xcalloc(1, sizeof *c);

	pthread_mutex_init(&c->mu, NULL);
	c->writer = writer;
	c->pages = pages;
	c->max_pages = max_pages;
	if (ckpt_open(c, path, cause) != 0 ||
	    (c->w = worker_new("checkpointer", NULL, ckpt_run, NULL, c, cause)) == NULL) {
		ckpt_release(c);
		return NULL;
	}
	/* Replaces SQLite's automatic checkpoint (itself a WAL hook). */
	sqlite3_wal_hook(writer, ckpt_hook, c);
	return c;
}

void
ckpt_free(struct ckpt *c)
{
	if (c == NULL)
		return;
	worker_free(c->w);
	sqlite3_wal_autocheckpoint(c->writer, CKPT_AUTO_PAGES);
	ckpt_release(c);
}

void
ckpt_wait_idle(struct ckpt *c)
{
	worker_wait(c->w);
}

void
ckpt_stats(struct ckpt *c, struct ckpt_stats *out)
{
	pthread_mutex_lock(&c->mu);
	*out = c->stats;
	pthread_mutex_unlock(&c->mu);
}
