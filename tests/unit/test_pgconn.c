#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <event2/event.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pgconn.h"
#include "pgfx.h"

/*
 * One PostgreSQL connection on the loop (daemon/store/pgconn.c), against a throw-away
 * server: a pipeline answered in order, a sync that commits its batch (or rolls it
 * back), a connection killed or a server stopped (what was owed is lost at once, then
 * it reconnects by itself), holding, and running without the loop.
 */

static struct pgfx fx;

static const char *const test_setup[] = { "SET synchronous_commit = on", NULL };
static const struct pgconn_stmt test_stmts[] = {
	{ "t_echo", "SELECT $1::int" },
	{ "t_sleep", "SELECT pg_sleep($1::float8)" },
	{ "t_ins", "INSERT INTO t VALUES ($1::int)" },
	{ "t_count", "SELECT count(*) FROM t" },
};

struct rec {
	int n, ups, downs;
	char what[256][24];
};

struct tc {
	struct event_base *base;
	struct event *tick;
	struct pgconn *c;
	const char *uri;
	struct rec rec;
};

static void
rec_add(struct rec *r, const char *fmt, const char *v)
{
	assert_true(r->n < 256);
	snprintf(r->what[r->n++], sizeof r->what[0], fmt, v);
}

static void
answer(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	struct rec *rec = arg;

	if (st == PGCONN_OK)
		rec_add(rec, "OK %s", r != NULL && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "-");
	else
		rec_add(rec, "%s", st == PGCONN_ERROR ? "ERROR" : st == PGCONN_LOST ? "LOST" :
		    "CLOSED");
}

static void
on_up(void *arg)
{
	((struct tc *)arg)->rec.ups++;
}

static void
on_down(void *arg)
{
	((struct tc *)arg)->rec.downs++;
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
}

/* Run the loop until *n >= want, for at most ms: whether it got there. */
static bool
run_until(struct tc *t, const int *n, int want, int ms)
{
	struct timespec t0, now;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (*n < want) {
		event_base_loop(t->base, EVLOOP_ONCE);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000 > ms)
			return false;
	}
	return true;
}

static int
setup(void **state)
{
	struct tc *t = calloc(1, sizeof *t);
	struct timeval tv = { 0, 20000 };
	struct pgconn_def def = { "test", test_setup, test_stmts,
	    sizeof test_stmts / sizeof test_stmts[0], on_up, on_down, NULL, NULL };
	char *cause = NULL;

	t->uri = pgfx_newdb(&fx);
	assert_non_null(t->uri);
	assert_int_equal(pgfx_exec(t->uri, "CREATE TABLE t (x int PRIMARY KEY);"
	    "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN "
	    "RAISE EXCEPTION 'refused at the commit'; END$$;"
	    "CREATE CONSTRAINT TRIGGER boom AFTER INSERT ON t DEFERRABLE INITIALLY "
	    "DEFERRED FOR EACH ROW WHEN (NEW.x = 666) EXECUTE FUNCTION boom()"), 0);
	t->base = event_base_new();
	t->tick = event_new(t->base, -1, EV_PERSIST, tick_cb, NULL);
	event_add(t->tick, &tv);
	def.arg = t;
	t->c = pgconn_open(t->base, t->uri, &def, &cause);
	if (t->c == NULL)
		fail_msg("pgconn_open: %s", cause);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct tc *t = *state;

	pgconn_free(t->c);
	event_free(t->tick);
	event_base_free(t->base);
	free(t);
	return 0;
}

static void
send_echo(struct tc *t, int v)
{
	char s[16];
	const char *p[1] = { s };

	snprintf(s, sizeof s, "%d", v);
	assert_int_equal(pgconn_send(t->c, "t_echo", 1, p, answer, &t->rec), 0);
}

static void
send_ins(struct tc *t, int v)
{
	char s[16];
	const char *p[1] = { s };

	snprintf(s, sizeof s, "%d", v);
	assert_int_equal(pgconn_send(t->c, "t_ins", 1, p, answer, &t->rec), 0);
}

/* A statement cut off: LOST, or ERROR when the server said why first ("terminating
 * connection due to administrator command"). */
static bool
lost_or_error(const char *what)
{
	return strcmp(what, "LOST") == 0 || strcmp(what, "ERROR") == 0;
}

/* ----------------------------------------------------------------- */

static void
pgconn_send__a_pipeline_of_statements__is_answered_in_the_order_sent(void **state)
{
	struct tc *t = *state;
	char want[24];

	for (int i = 0; i < 200; i++)
		send_echo(t, i);
	assert_int_equal(pgconn_sync(t->c, answer, &t->rec), 0);
	/* Nothing is answered before the loop runs. */
	assert_int_equal(t->rec.n, 0);
	assert_true(run_until(t, &t->rec.n, 201, 5000));
	for (int i = 0; i < 200; i++) {
		snprintf(want, sizeof want, "OK %d", i);
		assert_string_equal(t->rec.what[i], want);
	}
	assert_string_equal(t->rec.what[200], "OK -");
}

static void
pgconn_sync__ends_the_batch__its_statements_commit_together(void **state)
{
	struct tc *t = *state;

	send_ins(t, 1);
	send_ins(t, 2);
	/* Answered before the sync, not yet committed: another session sees none. */
	assert_true(run_until(t, &t->rec.n, 2, 5000));
	assert_int_equal(pgfx_value(t->uri, "SELECT count(*) FROM t"), 0);
	assert_int_equal(pgconn_sync(t->c, answer, &t->rec), 0);
	assert_true(run_until(t, &t->rec.n, 3, 5000));
	assert_string_equal(t->rec.what[2], "OK -");
	assert_int_equal(pgfx_value(t->uri, "SELECT count(*) FROM t"), 2);
}

static void
pgconn_sync__a_failed_statement__rolls_its_batch_back_and_the_next_runs(void **state)
{
	struct tc *t = *state;

	send_ins(t, 1);
	send_ins(t, 1);		/* the same key: refused */
	send_ins(t, 2);		/* not run */
	assert_int_equal(pgconn_sync(t->c, answer, &t->rec), 0);
	send_ins(t, 3);
	assert_int_equal(pgconn_sync(t->c, answer, &t->rec), 0);
	assert_true(run_until(t, &t->rec.n, 6, 5000));
	assert_string_equal(t->rec.what[0], "OK -");
	assert_string_equal(t->rec.what[1], "ERROR");
	assert_string_equal(t->rec.what[2], "ERROR");
	assert_string_equal(t->rec.what[3], "OK -");
	assert_string_equal(t->rec.what[4], "OK -");
	assert_int_equal(pgfx_value(t->uri, "SELECT sum(x) FROM t"), 3);
}

static void
pgconn_sync__an_error_at_the_commit__is_the_answer_of_the_sync(void **state)
{
	struct tc *t = *state;

	send_ins(t, 666);	/* the deferred trigger refuses it at the commit */
	assert_int_equal(pgconn_sync(t->c, answer, &t->rec), 0);
	send_echo(t, 7);
	assert_int_equal(pgconn_sync(t->c, answer, &t->rec), 0);
	assert_true(run_until(t, &t->rec.n, 4, 5000));
	assert_string_equal(t->rec.what[0], "OK -");
	assert_string_equal(t->rec.what[1], "ERROR");
	assert_string_equal(t->rec.what[2], "OK 7");
	assert_string_equal(t->rec.what[3], "OK -");
	assert_int_equal(pgfx_value(t->uri, "SELECT count(*) FROM t"), 0);
}

static void
pgconn_lost__a_killed_server_process__loses_what_was_owed_then_reconnects(void **state)
{
	struct tc *t = *state;
	const char *p[1] = { "30" };
	int pid = pgconn_backend_pid(t->c);

	/* up was told once already: at the open. */
	assert_int_equal(t->rec.ups, 1);
	assert_true(pid > 0);
	assert_int_equal(pgconn_send(t->c, "t_sleep", 1, p, answer, &t->rec), 0);
	send_echo(t, 1);
	assert_int_equal(pgconn_sync(t->c, answer, &t->rec), 0);
	event_base_loop(t->base, EVLOOP_NONBLOCK);
	assert_int_equal(pgfx_kill(t->uri, pid), 0);
	assert_true(run_until(t, &t->rec.downs, 1, 5000));
	/* Every answer owed, in order, before the owner hears it is down (the server
	 * may have said its last word first: ERROR, and the rest of its batch was
	 * not run); the sync, never reached, is LOST. */
	assert_int_equal(t->rec.n, 3);
	assert_true(lost_or_error(t->rec.what[0]));
	assert_true(lost_or_error(t->rec.what[1]));
	assert_string_equal(t->rec.what[2], "LOST");
	assert_false(pgconn_is_up(t->c));
	assert_true(strlen(pgconn_why(t->c)) > 0);
	assert_int_equal(pgconn_send(t->c, "t_echo", 1, p, answer, &t->rec), -1);
	/* Back by itself, with its statements prepared again. */
	assert_true(run_until(t, &t->rec.ups, 2, 5000));
	assert_true(pgconn_is_up(t->c));
	assert_int_not_equal(pgconn_backend_pid(t->c), pid);
	send_echo(t, 5);
	assert_int_equal(pgconn_sync(t->c, answer, &t->rec), 0);
	assert_true(run_until(t, &t->rec.n, 5, 5000));
	assert_string_equal(t->rec.what[3], "OK 5");
}

static void
pgconn_lost__the_server_stopped__down_until_it_is_back(void **state)
{
	struct tc *t = *state;

	send_echo(t, 1);
	pgfx_pause(&fx);
	assert_int_equal(pgconn_sync(t->c, answer, &t->rec), 0);
	assert_true(run_until(t, &t->rec.downs, 1, 10000));
	assert_true(lost_or_error(t->rec.what[0]));
	assert_string_equal(t->rec.what[1], "LOST");
	/* It keeps trying (50 ms, doubling to 2 s) and stays down meanwhile, saying
	 * why. */
	assert_false(run_until(t, &t->rec.ups, 2, 300));
	assert_false(pgconn_is_up(t->c));
	assert_non_null(strstr(pgconn_why(t->c), "sock"));
	assert_int_equal(pgfx_resume(&fx), 0);
	assert_true(run_until(t, &t->rec.ups, 2, 10000));
	send_echo(t, 2);
	assert_int_equal(pgconn_sync(t->c, answer, &t->rec), 0);
	assert_true(run_until(t, &t->rec.n, 4, 5000));
	assert_string_equal(t->rec.what[2], "OK 2");
}

static void
pgconn_open__no_server__is_refused_with_its_cause(void **state)
{
	struct tc *t = *state;
	struct pgconn_def def = { "test", test_setup, NULL, 0, NULL, NULL, NULL, NULL };
	char *cause = NULL;

	assert_null(pgconn_open(t->base, "postgresql:///x?host=/nonexistent&user=postgres",
	    &def, &cause));
	assert_non_null(cause);
	assert_non_null(strstr(cause, "unreachable"));
	assert_non_null(strstr(cause, "/nonexistent"));
	free(cause);
}

static void
first_sends(void *arg)
{
	struct tc *t = arg;

	send_echo(t, 1);
}

static void
pgconn_hold__what_is_sent_waits_for_the_release__after_what_it_sends_first(void **state)
{
	struct tc *t = *state;

	pgconn_hold(t->c);
	send_echo(t, 2);
	assert_int_equal(pgconn_sync(t->c, answer, &t->rec), 0);
	event_base_loop(t->base, EVLOOP_NONBLOCK);
	usleep(50000);
	event_base_loop(t->base, EVLOOP_NONBLOCK);
	assert_int_equal(t->rec.n, 0);
	pgconn_release(t->c, first_sends, t);
	assert_true(run_until(t, &t->rec.n, 3, 5000));
	assert_string_equal(t->rec.what[0], "OK 1");
	assert_string_equal(t->rec.what[1], "OK 2");
	assert_string_equal(t->rec.what[2], "OK -");
}

static bool
three_answers(void *arg)
{
	return ((struct rec *)arg)->n >= 3;
}

static void
pgconn_wait__without_the_loop__answers_arrive(void **state)
{
	struct tc *t = *state;

	send_echo(t, 1);
	send_echo(t, 2);
	assert_int_equal(pgconn_sync(t->c, answer, &t->rec), 0);
	assert_int_equal(pgconn_wait(t->c, three_answers, &t->rec, 5000000), 0);
	assert_string_equal(t->rec.what[1], "OK 2");
}

static void
pgconn_free__answers_owed__are_closed_and_told_nothing_else(void **state)
{
	struct tc *t = *state;

	send_echo(t, 1);
	pgconn_hold(t->c);
	send_echo(t, 2);
	pgconn_free(t->c);
	t->c = NULL;
	assert_int_equal(t->rec.n, 2);
	assert_string_equal(t->rec.what[0], "CLOSED");
	assert_string_equal(t->rec.what[1], "CLOSED");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(pgconn_send__a_pipeline_of_statements__is_answered_in_the_order_sent),
		T(pgconn_sync__ends_the_batch__its_statements_commit_together),
		T(pgconn_sync__a_failed_statement__rolls_its_batch_back_and_the_next_runs),
		T(pgconn_sync__an_error_at_the_commit__is_the_answer_of_the_sync),
		T(pgconn_lost__a_killed_server_process__loses_what_was_owed_then_reconnects),
		T(pgconn_lost__the_server_stopped__down_until_it_is_back),
		T(pgconn_open__no_server__is_refused_with_its_cause),
		T(pgconn_hold__what_is_sent_waits_for_the_release__after_what_it_sends_first),
		T(pgconn_wait__without_the_loop__answers_arrive),
		T(pgconn_free__answers_owed__are_closed_and_told_nothing_else),
	};
	int rc;

	if (!pgfx_installed())
		return pgfx_skip_all("test_pgconn");
	if (pgfx_start(&fx) != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	pgfx_stop(&fx);
	return rc;
}
