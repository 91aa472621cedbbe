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
#include "pgschema.h"

/*
 * The PostgreSQL store's schema at open (daemon/store/pgschema.c), against a
 * throw-away server: a fresh database migrated to the current version, the cursors'
 * secret made once, a newer schema and a foreign database refused, and daemons
 * opening one database at the same moment migrating it once.
 */

static struct pgfx fx;

static void
open_ok(const char *uri, uint8_t key[STORE_KEY_LEN])
{
	char *cause = NULL;

	if (pgschema_open(uri, key, &cause) != 0)
		fail_msg("pgschema_open: %s", cause);
}

static void
pgschema_open__a_fresh_database__is_migrated_to_the_current_version(void **state)
{
	const char *uri = pgfx_newdb(&fx);
	uint8_t key[STORE_KEY_LEN], zero[STORE_KEY_LEN] = { 0 };

	open_ok(uri, key);
	assert_int_equal(pgfx_value(uri, "SELECT max(version) FROM schema_version"),
	    pgschema_count());
	assert_int_equal(pgfx_value(uri, "SELECT count(*) FROM schema_version"),
	    pgschema_count());
	/* Keys 0..299 (migration 1), and casas-bahia's six states (3: counts.h). */
	assert_int_equal(pgfx_value(uri, "SELECT count(*) FROM counters WHERE k BETWEEN 0 "
	    "AND 299 AND n = 0"), 300);
	assert_int_equal(pgfx_value(uri, "SELECT count(*) FROM counters WHERE k BETWEEN "
	    "1291024 AND 1291029 AND n = 0"), 6);
	assert_int_equal(pgfx_value(uri, "SELECT count(*) FROM counters"), 306);
	assert_int_equal(pgfx_value(uri, "SELECT last FROM history_seq"), 0);
	/* The timer index carries the rid, as SQLite's carries the rowid. */
	assert_int_equal(pgfx_value(uri, "SELECT count(*) FROM pg_indexes WHERE indexname = "
	    "'protocols_next' AND indexdef LIKE '%(clock_next, rid)%'"), 1);
	assert_memory_not_equal(key, zero, STORE_KEY_LEN);
}

static void
pgschema_open__a_version_2_database__is_casas_bahia_s_and_counted_for_it(void **state)
{
	const char *uri = pgfx_newdb(&fx);
	uint8_t key[STORE_KEY_LEN];
	char sql[160];

	assert_int_equal(pgfx_make_v2(uri), 0);
	open_ok(uri, key);
	assert_int_equal(pgfx_value(uri, "SELECT max(version) FROM schema_version"),
	    pgschema_count());
	assert_int_equal(pgschema_count(), 3);
	assert_int_equal(pgfx_value(uri, "SELECT count(*) FROM protocols WHERE "
	    "marketplace = 'casas-bahia'"), 3);
	assert_int_equal(pgfx_value(uri, "SELECT count(*) FROM protocols"), 3);
	/* The marketplace's counts are the states'. */
	for (int s = 0; s < 6; s++) {
		snprintf(sql, sizeof sql, "SELECT n FROM counters WHERE k = %d", 1291024 + s);
		assert_int_equal(pgfx_value(uri, sql), s == 0 || s == 1 || s == 4 ? 1 : 0);
		snprintf(sql, sizeof sql, "SELECT count(*) FROM counters a JOIN counters b ON "
		    "b.k = a.k + 1291024 WHERE a.k = %d AND a.n = b.n", s);
		assert_int_equal(pgfx_value(uri, sql), 1);
	}
	assert_int_equal(pgfx_value(uri, "SELECT n FROM counters WHERE k = 200"), 3);
	assert_int_equal(pgfx_value(uri, "SELECT count(*) FROM counters"), 306);
	/* Opened again: migrated once. */
	open_ok(uri, key);
	assert_int_equal(pgfx_value(uri, "SELECT n FROM counters WHERE k = 1291024"), 1);
	assert_int_equal(pgfx_value(uri, "SELECT count(*) FROM counters"), 306);
}

static void
pgschema_open__again__keeps_the_schema_and_the_cursors_secret(void **state)
{
	const char *uri = pgfx_newdb(&fx);
	uint8_t k1[STORE_KEY_LEN], k2[STORE_KEY_LEN];

	open_ok(uri, k1);
	assert_int_equal(pgfx_exec(uri, "INSERT INTO sellers VALUES ('S-1', true)"), 0);
	open_ok(uri, k2);
	assert_memory_equal(k1, k2, STORE_KEY_LEN);
	assert_int_equal(pgfx_value(uri, "SELECT count(*) FROM sellers"), 1);
	assert_int_equal(pgfx_value(uri, "SELECT count(*) FROM schema_version"),
	    pgschema_count());
}

static void
pgschema_open__a_newer_schema__is_refused_and_left_as_it_is(void **state)
{
	const char *uri = pgfx_newdb(&fx);
	uint8_t key[STORE_KEY_LEN];
	char sql[128], *cause = NULL;

	open_ok(uri, key);
	snprintf(sql, sizeof sql, "INSERT INTO schema_version (version) VALUES (%d)",
	    pgschema_count() + 1);
	assert_int_equal(pgfx_exec(uri, sql), 0);
	assert_int_equal(pgschema_open(uri, key, &cause), -1);
	assert_non_null(strstr(cause, "newer protocold"));
	assert_non_null(strstr(cause, "refusing"));
	free(cause);
	assert_int_equal(pgfx_value(uri, "SELECT max(version) FROM schema_version"),
	    pgschema_count() + 1);
}

static void
pgschema_open__tables_of_our_names_not_made_by_us__are_refused(void **state)
{
	const char *uri = pgfx_newdb(&fx);
	uint8_t key[STORE_KEY_LEN];
	char *cause = NULL;

	assert_int_equal(pgfx_exec(uri, "CREATE TABLE protocols (x int)"), 0);
	assert_int_equal(pgschema_open(uri, key, &cause), -1);
	assert_non_null(strstr(cause, "not protocold's"));
	free(cause);
	assert_int_equal(pgfx_value(uri, "SELECT count(*) FROM pg_tables WHERE tablename = "
	    "'schema_version'"), 0);
}

static void
pgschema_open__a_role_that_may_not_create__is_refused_with_the_servers_reason(void **state)
{
	const char *uri = pgfx_newdb(&fx);
	char ro[256], db[32], *cause = NULL;
	uint8_t key[STORE_KEY_LEN];

	/* PostgreSQL 15: only the database's owner creates in public. */
	assert_int_equal(pgfx_exec(uri, "CREATE ROLE reader LOGIN"), 0);
	snprintf(db, sizeof db, "t%d", fx.ndb);
	pgfx_uri_of(&fx, db, ro, sizeof ro);
	*strstr(ro, "user=postgres") = '\0';
	strcat(ro, "user=reader");
	assert_int_equal(pgschema_open(ro, key, &cause), -1);
	assert_non_null(strstr(cause, "permission denied"));
	free(cause);
}

/* Children opening uri together (released at once by a pipe): each child's exit
 * status is 0 when its open succeeded. */
static void
pgschema_open__several_daemons_at_once__migrate_it_once(void **state)
{
	const char *uri = pgfx_newdb(&fx);
	int go[2], status, ok = 0;
	pid_t kids[6];
	char c;

	assert_int_equal(pipe(go), 0);
	for (int i = 0; i < 6; i++) {
		if ((kids[i] = fork()) == 0) {
			uint8_t key[STORE_KEY_LEN];
			char *cause = NULL;

			close(go[1]);
			if (read(go[0], &c, 1) != 0)
				_exit(2);
			if (pgschema_open(uri, key, &cause) != 0) {
				fprintf(stderr, "child: %s\n", cause);
				_exit(1);
			}
			_exit(0);
		}
		assert_true(kids[i] > 0);
	}
	close(go[0]);
	close(go[1]);	/* all start now */
	for (int i = 0; i < 6; i++) {
		assert_int_equal(waitpid(kids[i], &status, 0), kids[i]);
		ok += WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	assert_int_equal(ok, 6);
	assert_int_equal(pgfx_value(uri, "SELECT count(*) FROM schema_version"),
	    pgschema_count());
	assert_int_equal(pgfx_value(uri, "SELECT count(*) FROM meta"), 1);
}

static void
pgschema_open__no_server__says_it_is_unreachable(void **state)
{
	uint8_t key[STORE_KEY_LEN];
	char *cause = NULL;

	assert_int_equal(pgschema_open("postgresql:///x?host=/nonexistent&user=postgres",
	    key, &cause), -1);
	assert_non_null(strstr(cause, "unreachable"));
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pgschema_open__a_fresh_database__is_migrated_to_the_current_version),
		cmocka_unit_test(pgschema_open__again__keeps_the_schema_and_the_cursors_secret),
		cmocka_unit_test(pgschema_open__a_version_2_database__is_casas_bahia_s_and_counted_for_it),
		cmocka_unit_test(pgschema_open__a_newer_schema__is_refused_and_left_as_it_is),
		cmocka_unit_test(pgschema_open__tables_of_our_names_not_made_by_us__are_refused),
		cmocka_unit_test(pgschema_open__a_role_that_may_not_create__is_refused_with_the_servers_reason),
		cmocka_unit_test(pgschema_open__several_daemons_at_once__migrate_it_once),
		cmocka_unit_test(pgschema_open__no_server__says_it_is_unreachable),
	};
	int rc;

	if (!pgfx_installed())
		return pgfx_skip_all("test_pgschema");
	if (pgfx_start(&fx) != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	pgfx_stop(&fx);
	return rc;
}
