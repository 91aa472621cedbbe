#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "dburi.h"

/* The `database` setting: which store it names, and how it is shown (no password). */

static void
dburi__a_uri_or_a_path__told_apart_and_shown_without_password(void **state)
{
	char *shown;

	assert_true(dburi_is_pg("postgres://u@h/db"));
	assert_false(dburi_is_pg("/var/lib/protocold/protocold.db"));
	shown = dburi_shown("postgresql://pd:s3cret@db:5432/pd?password=x&"
	    "sslmode=require&password=y");
	assert_string_equal(shown, "postgresql://pd:***@db:5432/pd?password=***&"
	    "sslmode=require&password=***");
	free(shown);
	shown = dburi_shown("postgresql://pd@db/pd?host=/a:b@c");
	assert_string_equal(shown, "postgresql://pd@db/pd?host=/a:b@c");
	free(shown);
	shown = dburi_shown("/var/lib/pd:x@y.db");
	assert_string_equal(shown, "/var/lib/pd:x@y.db");
	free(shown);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dburi__a_uri_or_a_path__told_apart_and_shown_without_password),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
