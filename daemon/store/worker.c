#include "worker.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "xmalloc.h"

/* What the loop thread and the worker's thread share, under mu. */
struct worker {
	pthread_mutex_t mu;
	pthread_cond_t wake, idle;
	pthread_t thread;
	bool want, busy, stop;
	int result;		/* the last run's, for the loop */
	worker_job_fn *job;
	worker_done_fn *done;
	void *arg;
	int pipe[2];		/* with done: the thread writes a byte after each run */
	struct event *ev;
};

/* One run, with mu released. */
static void
worker_run(struct worker *w)
{
	int result;

	w->want = false;
	w->busy = true;
	pthread_mutex_unlock(&w->mu);
	result = w->job(w->arg);
	pthread_mutex_lock(&w->mu);
	w->busy = false;
	w->result = result;
	pthread_cond_broadcast(&w->idle);
	/* A byte per run, and a run only when asked: the pipe never fills. Written under
	 * mu, so that worker_wait, woken by idle, finds it there to take. */
	if (w->done != NULL && write(w->pipe[1], "w", 1) != 1)
		log_warn("worker: cannot wake the loop");
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->want && !w->stop)
			pthread_cond_wait(&w->wake, &w->mu);
		if (w->stop)
			break;
		worker_run(w);
	}
	pthread_cond_broadcast(&w->idle);
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static void
worker_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	char b[16];
	int result;

	if (read(fd, b, sizeof b) <= 0)
		return;
	pthread_mutex_lock(&w->mu);
	result = w->result;
	pthread_mutex_unlock(&w->mu);
	w->done(w->arg, result);
}

/* Free what worker_new made (the thread is not running). */
static void
worker_release(struct worker *w)
{
	if (w->ev != NULL)
		event_free(w->ev);
	for (int i = 0; i < 2; i++)
		if (w->pipe[i] != -1)
			close(w->pipe[i]);
	pthread_cond_destroy(&w->wake);
	pthread_cond_destroy(&w->idle);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

static struct worker *
worker_fail(struct worker *w, const char *name, const char *what, int err, char **cause)
{
	*cause = xasprintf("%s: %s: %s", name, what, strerror(err));
	worker_release(w);
	return NULL;
}

/* The pipe and its event, for a worker that tells the loop: 0, or an errno. */
static int
worker_wire(struct worker *w, struct event_base *base)
{
	if (pipe2(w->pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		return errno;
	w->ev = event_new(base, w->pipe[0], EV_READ | EV_PERSIST, worker_done_cb, w);
	if (w->ev == NULL || event_add(w->ev, NULL) != 0)
		return ENOMEM;
	return 0;
}

struct worker *
worker_new(const char *name, struct event_base *base, worker_job_fn *job,
    worker_done_fn *done, void *arg, char **cause)
{
	struct worker *w = xcalloc(1, sizeof *w);
	sigset_t all, old;
	int rc;

	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->idle, NULL);
	w->job = job;
	w->done = done;
	w->arg = arg;
	w->pipe[0] = w->pipe[1] = -1;
	if (done != NULL && (rc = worker_wire(w, base)) != 0)
		return worker_fail(w, name, "cannot wake the loop", rc, cause);
	/* Signals are the loop's: the thread starts with all of them blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return worker_fail(w, name, "cannot start a thread", rc, cause);
	return w;
}

void
worker_request(struct worker *w)
{
	pthread_mutex_lock(&w->mu);
	w->want = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->mu);
}

int
worker_wait(struct worker *w)
{
	char b[16];
	int result;

	pthread_mutex_lock(&w->mu);
	while (w->want || w->busy)
		pthread_cond_wait(&w->idle, &w->mu);
	result = w->result;
	pthread_mutex_unlock(&w->mu);
	/* Its byte is read here, so the loop (if it runs again) is not told twice. */
	if (w->done != NULL)
		while (read(w->pipe[0], b, sizeof b) > 0)
			continue;
	return result;
}

void
worker_free(struct worker *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	worker_release(w);
}
