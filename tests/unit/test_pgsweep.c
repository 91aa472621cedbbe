#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pgfx.h"
#include "pgsweep.h"

/*
 * The sessions a killed daemon left (daemon/store/pgsweep.c), against a throw-away
 * server: one named after a gone process of this host, in the middle of a
 * transaction, is ended (its transaction rolled back) and waited for, and so is one
 * named after an earlier life of a pid that lives again (a container's restart); one
 * of a live process (ours included), of another host, or of no protocold is left alone.
 */

static struct pgfx fx;

/* A session of uri named name, left inside an open transaction that wrote a row. */
static PGconn *
session(const char *uri, const char *name)
{
	const char *keys[] = { "dbname", "application_name", NULL };
	const char *values[] = { uri, name, NULL };
	PGconn *c = PQconnectdbParams(keys, values, 1);

	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PQclear(PQexec(c, "BEGIN"));
	PQclear(PQexec(c, "INSERT INTO t VALUES (1)"));
	return c;
}

/* A pid that no process has: a child that has ended and was reaped. */
static long
gone_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return (long)pid;
}

/* A live child's name, as pgsweep_name gives it there; the child waits on *hold (its
 * write end: closing it ends the child). */
static pid_t
live_child(char *name, size_t len, int *hold)
{
	int out[2], in[2];
	char buf;
	pid_t pid;
	ssize_t n;

	assert_int_equal(pipe(out), 0);
	assert_int_equal(pipe(in), 0);
	if ((pid = fork()) == 0) {
		close(in[1]);
		pgsweep_name(name, len);
		if (write(out[1], name, strlen(name) + 1) < 0)
			_exit(1);
		(void)!read(in[0], &buf, 1);
		_exit(0);
	}
	assert_true(pid > 0);
	close(out[1]);
	close(in[0]);
	n = read(out[0], name, len);
	assert_true(n > 0 && name[n - 1] == '\0');
	close(out[0]);
	*hold = in[1];
	return pid;
}

static bool
alive(PGconn *c)
{
	PGresult *r = PQexec(c, "SELECT 1");
	bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;

	PQclear(r);
	return ok;
}

static void
pgsweep_run__a_gone_daemons_session__is_ended_and_its_transaction_rolled_back(void **state)
{
	const char *uri = pgfx_newdb(&fx);
	char host[256], name[128], mine[64], *cause = NULL;
	PGconn *orphan, *orphan_old, *reused, *live, *ours, *other, *stranger;
	int hold;
	pid_t child;

	assert_int_equal(pgfx_exec(uri, "CREATE TABLE t (x int)"), 0);
	assert_int_equal(gethostname(host, sizeof host), 0);
	host[24] = '\0';
	snprintf(name, sizeof name, "protocold/%.24s/%ld.1f/w1", host, gone_pid());
	orphan = session(uri, name);
	/* An older protocold's name, without the start. */
	snprintf(name, sizeof name, "protocold/%.24s/%ld", host, gone_pid());
	orphan_old = session(uri, name);
	child = live_child(name, sizeof name, &hold);
	assert_int_equal(strncmp(name, "protocold/", 10), 0);
	live = session(uri, name);
	/* The same pid, another life (the start differs). */
	snprintf(name, sizeof name, "protocold/%.24s/%ld.1/r2", host, (long)child);
	reused = session(uri, name);
	other = session(uri, "protocold/another-host/1.1");
	stranger = session(uri, "psql");
	pgsweep_name(mine, sizeof mine);
	snprintf(name, sizeof name, "protocold/%.24s/%ld.", host, (long)getpid());
	assert_int_equal(strncmp(mine, name, strlen(name)), 0);
	assert_true(strlen(mine) <= 52);
	snprintf(name, sizeof name, "%s/w1", mine);
	ours = session(uri, name);

	if (pgsweep_run(uri, &cause) != 0)
		fail_msg("pgsweep_run: %s", cause);
	assert_false(alive(orphan));
	assert_false(alive(orphan_old));
	assert_false(alive(reused));
	assert_true(alive(live) && alive(ours) && alive(other) && alive(stranger));
	close(hold);
	assert_int_equal(waitpid(child, NULL, 0), child);
	/* The orphans' rows were never committed. */
	PQfinish(live);
	PQfinish(ours);
	PQfinish(other);
	PQfinish(stranger);
	assert_int_equal(pgfx_value(uri, "SELECT count(*) FROM t"), 0);
	PQfinish(orphan);
	PQfinish(orphan_old);
	PQfinish(reused);
}

static void
pgsweep_run__no_server__says_it_is_unreachable(void **state)
{
	char *cause = NULL;

	assert_int_equal(pgsweep_run("postgresql:///x?host=/nonexistent", &cause), -1);
	assert_non_null(strstr(cause, "unreachable"));
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pgsweep_run__a_gone_daemons_session__is_ended_and_its_transaction_rolled_back),
		cmocka_unit_test(pgsweep_run__no_server__says_it_is_unreachable),
	};
	int rc;

	if (!pgfx_installed())
		return pgfx_skip_all("test_pgsweep");
	if (pgfx_start(&fx) != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	pgfx_stop(&fx);
	return rc;
}
