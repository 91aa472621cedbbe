#include "durable.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "xmalloc.h"

/* What the loop thread and the syncer share, under mu. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t wake, idle;
	pthread_t thread;
	bool started, want, busy, stop;
	int err;		/* the last sync's result, for the loop */
	char *wal, *dir;
	int fd;			/* the WAL, opened at the start, never again by name */
	int pipe[2];		/* the syncer writes a byte when a sync is over */
	struct event *ev;
	void (*done)(int err);
} du = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.wake = PTHREAD_COND_INITIALIZER,
	.idle = PTHREAD_COND_INITIALIZER,
	.fd = -1,
	.pipe = { -1, -1 },
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
durable_still_named(void)
{
	struct stat now, ours;

	if (fstat(du.fd, &ours) != 0)
		return errno;
	if (stat(du.wal, &now) != 0 || now.st_ino != ours.st_ino ||
	    now.st_dev != ours.st_dev || ours.st_nlink == 0)
		return DURABLE_WAL_GONE;
	return 0;
}

/* Sync the WAL now: 0, an errno, or DURABLE_WAL_GONE. */
static int
durable_sync_now(void)
{
	if (fdatasync(du.fd) != 0)
		return errno;
	return durable_still_named();
}

static void *
durable_main(void *arg)
{
	int err;

	pthread_mutex_lock(&du.mu);
	for (;;) {
		while (!du.want && !du.stop)
			pthread_cond_wait(&du.wake, &du.mu);
		if (du.stop)
			break;
		du.want = false;
		du.busy = true;
		pthread_mutex_unlock(&du.mu);
		err = durable_sync_now();
		pthread_mutex_lock(&du.mu);
		du.busy = false;
		du.err = err;
		pthread_cond_broadcast(&du.idle);
		/* A pipe of one byte per sync, one sync at a time: it never fills. */
		if (write(du.pipe[1], "s", 1) != 1)
			log_warn("syncer: cannot wake the loop");
	}
	pthread_mutex_unlock(&du.mu);
	return NULL;
}

static void
durable_done_cb(evutil_socket_t fd, short what, void *arg)
{
	char b[16];
	int err;

	if (read(fd, b, sizeof b) <= 0)
		return;
	pthread_mutex_lock(&du.mu);
	err = du.err;
	pthread_mutex_unlock(&du.mu);
	du.done(err);
}

/* Free what durable_start made. */
static void
durable_release(void)
{
	if (du.ev != NULL)
		event_free(du.ev);
	du.ev = NULL;
	for (int i = 0; i < 2; i++)
		if (du.pipe[i] != -1)
			close(du.pipe[i]);
	du.pipe[0] = du.pipe[1] = -1;
	free(du.wal);
	free(du.dir);
	du.wal = du.dir = NULL;
	if (du.fd != -1)
		close(du.fd);
	du.fd = -1;
}

static int
durable_fail(char **cause, const char *what)
{
	*cause = xasprintf("syncer: %s: %s", what, strerror(errno));
	durable_release();
	return -1;
}

int
durable_start(struct event_base *base, const char *db_path, void (*done)(int err),
    char **cause)
{
	char *copy = xstrdup(db_path);
	sigset_t all, old;
	int rc;

	du.wal = xasprintf("%s-wal", db_path);
	du.dir = xstrdup(dirname(copy));
	free(copy);
	du.done = done;
	/* The writer has the database open in WAL mode: its WAL exists. Synced with
	 * its directory once, so that its name survives a crash too. */
	if ((du.fd = open(du.wal, O_RDONLY | O_CLOEXEC)) == -1)
		return durable_fail(cause, du.wal);
	if ((rc = durable_sync_dir(du.dir)) != 0) {
		errno = rc;
		return durable_fail(cause, du.dir);
	}
	du.want = du.busy = du.stop = false;
	if (pipe2(du.pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		return durable_fail(cause, "pipe");
	du.ev = event_new(base, du.pipe[0], EV_READ | EV_PERSIST, durable_done_cb, NULL);
	if (du.ev == NULL || event_add(du.ev, NULL) != 0)
		return durable_fail(cause, "event");
	/* Signals are the loop's: the thread starts with all of them blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&du.thread, NULL, durable_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		errno = rc;
		return durable_fail(cause, "cannot start a thread");
	}
	du.started = true;
	return 0;
}

void
durable_request(void)
{
	pthread_mutex_lock(&du.mu);
	du.want = true;
	pthread_cond_signal(&du.wake);
	pthread_mutex_unlock(&du.mu);
}

int
durable_wait(void)
{
	char b[16];
	int err;

	pthread_mutex_lock(&du.mu);
	while (du.want || du.busy)
		pthread_cond_wait(&du.idle, &du.mu);
	err = du.err;
	pthread_mutex_unlock(&du.mu);
	/* Its byte is read here, so the loop (if it runs again) is not told twice. */
	while (read(du.pipe[0], b, sizeof b) > 0)
		continue;
	return err;
}

void
durable_stop(void)
{
	if (!du.started)
		return;
	pthread_mutex_lock(&du.mu);
	du.stop = true;
	pthread_cond_signal(&du.wake);
	pthread_mutex_unlock(&du.mu);
	pthread_join(du.thread, NULL);
	du.started = false;
	durable_release();
}
