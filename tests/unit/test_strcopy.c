#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "strcopy.h"

/* A bounded copy: whole when it fits, cut and terminated when it does not. */

static void
strcopy__fits__copies_all(void **state)
{
	char buf[8];

	memset(buf, 'x', sizeof buf);
	assert_int_equal(strcopy(buf, sizeof buf, "abc"), 3);
	assert_string_equal(buf, "abc");
	assert_int_equal(strcopy(buf, sizeof buf, "1234567"), 7);
	assert_string_equal(buf, "1234567");
	assert_int_equal(strcopy(buf, sizeof buf, ""), 0);
	assert_string_equal(buf, "");
}

static void
strcopy__too_long__cut_and_terminated(void **state)
{
	char buf[8], one[1];

	assert_int_equal(strcopy(buf, sizeof buf, "12345678"), 7);
	assert_string_equal(buf, "1234567");
	assert_int_equal(strcopy(buf, sizeof buf, "a string much longer than eight"), 7);
	assert_string_equal(buf, "a strin");
	assert_int_equal(strcopy(one, sizeof one, "abc"), 0);
	assert_string_equal(one, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(strcopy__fits__copies_all),
		cmocka_unit_test(strcopy__too_long__cut_and_terminated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
