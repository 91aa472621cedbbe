#include "durable.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "worker.h"
#include "xmalloc.h"

struct durable {
	struct worker *w;
	char *wal;
	int fd;			/* the WAL, opened at the start, never again by name */
	durable_done_fn *done;
	void *arg;
};

/* fsync a directory, so that a file just created in it is found after a crash. */
static int
durable_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = 0;

	if (fd == -1)
		return errno;
	if (fsync(fd) != 0)
		err = errno;
	close(fd);
	return err;
}

/*
 * The WAL is the file SQLite has open only while its name still leads to it. A WAL
 * removed (or replaced) by something else lives on, unlinked, in SQLite's descriptor:
 * our fdatasync would succeed and a crash would lose everything in it. So after each
 * sync the name is compared with the descriptor opened at the start.
 */
static int
durable_still_named(const struct durable *d)
{
	struct stat now, ours;

	if (fstat(d->fd, &ours) != 0)
		return errno;
	if (stat(d->wal, &now) != 0 || now.st_ino != ours.st_ino ||
	    now.st_dev != ours.st_dev || ours.st_nlink == 0)
		return DURABLE_WAL_GONE;
	return 0;
}

/* The worker's job: sync the WAL now: 0, an errno, or DURABLE_WAL_GONE. */
static int
durable_sync_now(void *arg)
{
	struct durable *d = arg;

	if (fdatasync(d->fd) != 0)
		return errno;
	return durable_still_named(d);
}

static void
durable_done(void *arg, int err)
{
	struct durable *d = arg;

	d->done(d->arg, err);
}

static void
durable_release(struct durable *d)
{
	if (d->fd != -1)
		close(d->fd);
	free(d->wal);
	free(d);
}

/* Open the WAL and sync its directory: 0, or -1 with *cause. */
static int
durable_open(struct durable *d, const char *db_path, char **cause)
{
	char *copy = xstrdup(db_path);
	const char *dir = dirname(copy);
	int err;

	/* The writer has the database open in WAL mode: its WAL exists. Synced with
	 * its directory once, so that its name survives a crash too. */
	if ((d->fd = open(d->wal, O_RDONLY | O_CLOEXEC)) == -1)
		*cause = xasprintf("syncer: %s: %s", d->wal, strerror(errno));
	else if ((err = durable_sync_dir(dir)) != 0)
		*cause = xasprintf("syncer: %s: %s", dir, strerror(err));
	free(copy);
	return d->fd == -1 || *cause != NULL ? -1 : 0;
}

struct durable *
durable_new(struct event_base *base, const char *db_path, durable_done_fn *done,
    void *arg, char **cause)
{
	struct durable *d = xcalloc(1, sizeof *d);

	d->wal = xasprintf("%s-wal", db_path);
	d->done = done;
	d->arg = arg;
	*cause = NULL;
	if (durable_open(d, db_path, cause) != 0 ||
	    (d->w = worker_new("syncer", base, durable_sync_now, durable_done, d,
	    cause)) == NULL) {
		durable_release(d);
		return NULL;
	}
	return d;
}

void
durable_request(struct durable *d)
{
	worker_request(d->w);
}

int
durable_wait(struct durable *d)
{
	return worker_wait(d->w);
}

void
durable_free(struct durable *d)
{
	if (d == NULL)
		return;
	worker_free(d->w);
	durable_release(d);
}
