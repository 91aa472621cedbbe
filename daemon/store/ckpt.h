#ifndef CKPT_H
#define CKPT_H

#include <sqlite3.h>
#include <stdint.h>

/*
 * WAL checkpoints in a thread of their own (worker.h). SQLite's automatic checkpoint
 * runs inside the commit that crosses its threshold, on the loop thread: it copies
 * tens of MiB into the database file and fsyncs it while no client is served and no
 * clock fires. Here the writer's commits only wake a checkpointer thread (its own
 * connection, a PASSIVE checkpoint: it never blocks the writer or the readers). When
 * writes never pause long enough for it to finish, the WAL cannot restart and grows;
 * past CKPT_MAX_PAGES the writer checkpoints at its commit itself, as SQLite would, so
 * the WAL stays bounded.
 */

/* Wake the thread when the WAL holds CKPT_PAGES pages (4 KiB each); the writer
 * checkpoints itself past CKPT_MAX_PAGES. */
#define CKPT_PAGES 4000
#define CKPT_MAX_PAGES 20000
/* SQLite's own checkpoint threshold (pages), when no checkpointer thread runs. */
#define CKPT_AUTO_PAGES 10000

struct ckpt_stats {
	int64_t runs;		/* checkpoints the thread completed */
	int64_t failures;	/* checkpoints that failed (a full disk, I/O) */
	int64_t inline_runs;	/* checkpoints the writer had to run itself */
	int64_t wal_pages;	/* the WAL's size after the writer's last commit */
};

struct ckpt;

/* Checkpoint path (which the connection writer has open) from a thread, woken at
 * pages, the writer taking over past max_pages: the checkpointer, or NULL with *cause
 * (allocated). Without it the writer checkpoints at its commits as SQLite does by
 * default. */
struct ckpt *ckpt_new(sqlite3 *writer, const char *path, int pages, int max_pages,
    char **cause);
/* Finish the checkpoint in progress, stop the thread, close its connection (before
 * the writer closes, so that the last close removes the WAL), and give the writer
 * back SQLite's own checkpoints. NULL is a no-op. */
void ckpt_free(struct ckpt *c);
/* Wait until the thread has nothing to do (for tests). */
void ckpt_wait_idle(struct ckpt *c);
/* Counted since ckpt_new. */
void ckpt_stats(struct ckpt *c, struct ckpt_stats *out);

#endif
