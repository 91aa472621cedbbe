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
 * transaction, is ended (its transaction rolled back) and waited for; one of a live
 * process, of another host, or of no protocold is left alone.
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
	PGconn *orphan, *live, *other, *stranger;

	assert_int_equal(pgfx_exec(uri, "CREATE TABLE t (x int)"), 0);
	assert_int_equal(gethostname(host, sizeof host), 0);
	host[40] = '\0';
	snprintf(name, sizeof name, "protocold/%.40s/%ld", host, gone_pid());
	orphan = session(uri, name);
	snprintf(name, sizeof name, "protocold/%.40s/%ld", host, (long)getppid());
	live = session(uri, name);
	other = session(uri, "protocold/another-host/1");
	stranger = session(uri, "psql");
	pgsweep_name(mine, sizeof mine);
	snprintf(name, sizeof name, "protocold/%.40s/%ld", host, (long)getpid());
	assert_string_equal(mine, name);

	if (pgsweep_run(uri, &cause) != 0)
		fail_msg("pgsweep_run: %s", cause);
	assert_false(alive(orphan));
	assert_true(alive(live) && alive(other) && alive(stranger));
	/* The orphan's row was never committed. */
	PQfinish(live);
	PQfinish(other);
	PQfinish(stranger);
	assert_int_equal(pgfx_value(uri, "SELECT count(*) FROM t"), 0);
	PQfinish(orphan);
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
