#ifndef WORKER_H
#define WORKER_H

struct event_base;

/*
 * A thread of its own for work that must not hold up the loop (the WAL's fsync:
 * durable.h; the checkpoints: ckpt.h). It runs its job each time it is asked; asking
 * again while the job runs asks for one more run after it (requests fold, they do not
 * queue). A worker given a done() tells the loop after each run, through a pipe its
 * event_base watches: done(arg, the job's result) then runs on the loop. The thread
 * blocks every signal: signals are the loop's.
 */

/* The job, on the worker's thread: an int for done(). */
typedef int worker_job_fn(void *arg);
/* After a run, on the loop. */
typedef void worker_done_fn(void *arg, int result);

struct worker;

/* Start a worker running job(arg); with done (may be NULL: nobody is told, base is
 * unused) called on base's loop. The worker, or NULL with *cause (allocated, naming
 * it as name). */
struct worker *worker_new(const char *name, struct event_base *base, worker_job_fn *job,
    worker_done_fn *done, void *arg, char **cause);
/* Ask for a run (after the one under way, if any). */
void worker_request(struct worker *w);
/* Wait, blocking the calling thread, until no run is asked for or under way, and
 * return the last run's result (0 when none ran). done() is not called for it, even
 * when the loop runs again: the caller has the result (the stop; tests). */
int worker_wait(struct worker *w);
/* Stop the thread: the run under way finishes, a run only asked for is dropped.
 * NULL is a no-op. */
void worker_free(struct worker *w);

#endif
