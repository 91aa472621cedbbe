#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <event2/event.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>

#include "worker.h"

/*
 * The worker thread of the fsync and the checkpoints: a job run when asked, requests
 * folded while it runs, the loop told of each run's result (or the waiter given it
 * instead), signals left to the loop.
 */

struct job {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	int started, runs;
	bool hold;		/* the job waits while this is true */
	int result;		/* what each run returns */
	/* done(), on the loop */
	int told, last;
};

static int
setup(void **state)
{
	struct job *j = calloc(1, sizeof *j);

	if (j == NULL)
		return -1;
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->cond, NULL);
	*state = j;
	return 0;
}

static int
teardown(void **state)
{
	struct job *j = *state;

	pthread_cond_destroy(&j->cond);
	pthread_mutex_destroy(&j->mu);
	free(j);
	return 0;
}

static int
job_run(void *arg)
{
	struct job *j = arg;
	int result;

	pthread_mutex_lock(&j->mu);
	j->started++;
	pthread_cond_broadcast(&j->cond);
	while (j->hold)
		pthread_cond_wait(&j->cond, &j->mu);
	result = j->result + j->runs++;
	pthread_mutex_unlock(&j->mu);
	return result;
}

static void
job_done(void *arg, int result)
{
	struct job *j = arg;

	j->told++;
	j->last = result;
}

/* Run base's loop until done() was told n times. */
static void
loop_until_told(struct event_base *base, struct job *j, int n)
{
	while (j->told < n)
		assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
}

static struct worker *
start(struct event_base *base, struct job *j, worker_done_fn *done)
{
	char *cause = NULL;
	struct worker *w = worker_new("test", base, job_run, done, j, &cause);

	if (w == NULL)
		fail_msg("worker_new: %s", cause);
	return w;
}

static void
worker_request__runs_the_job__and_tells_the_loop_its_result(void **state)
{
	struct job *j = *state;
	struct event_base *base = event_base_new();
	struct worker *w;

	j->result = 40;
	w = start(base, j, job_done);
	assert_int_equal(j->told, 0);
	worker_request(w);
	loop_until_told(base, j, 1);
	assert_int_equal(j->last, 40);
	worker_request(w);
	loop_until_told(base, j, 2);
	assert_int_equal(j->last, 41);
	assert_int_equal(j->runs, 2);
	worker_free(w);
	event_base_free(base);
}

static void
worker_request__while_the_job_runs__asks_for_exactly_one_more_run(void **state)
{
	struct job *j = *state;
	struct event_base *base = event_base_new();
	struct worker *w = start(base, j, job_done);

	j->hold = true;
	worker_request(w);
	pthread_mutex_lock(&j->mu);
	while (j->started < 1)
		pthread_cond_wait(&j->cond, &j->mu);
	pthread_mutex_unlock(&j->mu);
	/* Three requests while the first run is held: they fold into one. */
	worker_request(w);
	worker_request(w);
	worker_request(w);
	pthread_mutex_lock(&j->mu);
	j->hold = false;
	pthread_cond_broadcast(&j->cond);
	pthread_mutex_unlock(&j->mu);
	assert_int_equal(worker_wait(w), 1);
	assert_int_equal(j->runs, 2);
	worker_free(w);
	event_base_free(base);
}

static void
worker_wait__returns_the_last_result__and_the_loop_is_not_told_of_it(void **state)
{
	struct job *j = *state;
	struct event_base *base = event_base_new();
	struct worker *w;

	j->result = 7;
	w = start(base, j, job_done);
	assert_int_equal(worker_wait(w), 0);	/* nothing ran yet */
	worker_request(w);
	assert_int_equal(worker_wait(w), 7);
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	assert_int_equal(j->told, 0);
	/* The next run is told as usual. */
	worker_request(w);
	loop_until_told(base, j, 1);
	assert_int_equal(j->last, 8);
	worker_free(w);
	event_base_free(base);
}

static void
worker_new__without_done__runs_with_no_loop(void **state)
{
	struct job *j = *state;
	struct worker *w = start(NULL, j, NULL);

	j->result = 3;
	worker_request(w);
	assert_int_equal(worker_wait(w), 3);
	assert_int_equal(j->told, 0);
	worker_free(w);
	worker_free(NULL);
}

static void
worker_free__with_a_run_under_way__lets_it_finish(void **state)
{
	struct job *j = *state;
	struct worker *w = start(NULL, j, NULL);

	worker_request(w);
	worker_free(w);		/* joins: the run asked for has run or was dropped */
	assert_true(j->runs <= 1);
	assert_int_equal(j->runs, j->started);
}

/* Whether SIGTERM is blocked on the calling thread. */
static int
job_sigterm_blocked(void *arg)
{
	sigset_t cur;

	pthread_sigmask(SIG_SETMASK, NULL, &cur);
	return sigismember(&cur, SIGTERM);
}

static void
worker_new__the_thread_blocks_the_loop_s_signals(void **state)
{
	char *cause = NULL;
	struct worker *w = worker_new("test", NULL, job_sigterm_blocked, NULL, NULL, &cause);
	sigset_t cur;

	assert_non_null(w);
	worker_request(w);
	assert_int_equal(worker_wait(w), 1);
	/* The caller's mask is as it was. */
	pthread_sigmask(SIG_SETMASK, NULL, &cur);
	assert_int_equal(sigismember(&cur, SIGTERM), 0);
	worker_free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(worker_request__runs_the_job__and_tells_the_loop_its_result),
		T(worker_request__while_the_job_runs__asks_for_exactly_one_more_run),
		T(worker_wait__returns_the_last_result__and_the_loop_is_not_told_of_it),
		T(worker_new__without_done__runs_with_no_loop),
		T(worker_free__with_a_run_under_way__lets_it_finish),
		T(worker_new__the_thread_blocks_the_loop_s_signals),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
