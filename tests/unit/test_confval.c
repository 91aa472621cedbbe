#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "confval.h"

#define H (3600 * 1000LL)

/* Assert that rc is -1 and *why is exactly text; frees it. (why by address: the
 * call that sets it is an argument too.) */
static void
assert_why(int rc, char **why, const char *text)
{
	assert_int_equal(rc, -1);
	assert_non_null(*why);
	assert_string_equal(*why, text);
	free(*why);
	*why = NULL;
}

static int64_t
day(const char *s)
{
	int64_t d;

	assert_int_equal(civil_parse_date(s, &d), 0);
	return d;
}

static void
confval_path__relative__is_resolved_against_dir_with_dots_folded(void **state)
{
	char *out = NULL, *why = NULL;

	assert_int_equal(confval_path("/etc/protocold", "./x.db", &out, &why), 0);
	assert_string_equal(out, "/etc/protocold/x.db");
	free(out);
	assert_int_equal(confval_path("/etc/protocold", "../../../x.db", &out, &why), 0);
	assert_string_equal(out, "/x.db");
	free(out);
	assert_int_equal(confval_path("/", "run/s.sock", &out, &why), 0);
	assert_string_equal(out, "/run/s.sock");
	free(out);
	assert_int_equal(confval_path("/etc", "/var/x.db", &out, &why), 0);
	assert_string_equal(out, "/var/x.db");
	free(out);
	assert_null(why);
}

static void
confval_database__a_postgresql_uri__is_kept_as_written(void **state)
{
	char *out = NULL, *why = NULL;

	assert_int_equal(confval_database("/etc", "postgresql:///pd?host=/run/pg", &out,
	    &why), 0);
	assert_string_equal(out, "postgresql:///pd?host=/run/pg");
	free(out);
	assert_int_equal(confval_database("/etc", "pd.db", &out, &why), 0);
	assert_string_equal(out, "/etc/pd.db");
	free(out);
	assert_int_equal(confval_database("/etc", "postgres://u@h/d b", &out, &why), -1);
	assert_non_null(strstr(why, "%20"));
	free(why);
}

static void
confval_socket__longer_than_sun_path__says_how_long(void **state)
{
	char value[200], *out = NULL, *why = NULL;

	value[0] = '/';
	memset(value + 1, 'a', 107);
	value[108] = '\0';
	assert_int_equal(confval_socket("/", value, &out, &why), -1);
	assert_null(out);
	assert_non_null(strstr(why, "is 108 bytes long, more than the 107 a Unix socket "
	    "path may have (choose a shorter path)"));
	free(why);
	value[107] = '\0';
	assert_int_equal(confval_socket("/", value, &out, &why), 0);
	assert_string_equal(out, value);
	free(out);
}

static void
confval_hostport__ipv4_or_bracketed_ipv6_and_a_port__only(void **state)
{
	static const char *good[] = { "127.0.0.1:9464", "0.0.0.0:1", "[::1]:9464",
	    "[::]:65535", "[fe80::1]:80" };
	static const char *bad[] = { "127.0.0.1", "localhost:9464", "127.0.0.1:0",
	    "127.0.0.1:65536", "::1:9464", "[::1]9464", "[::1]:", "127.0.0.1:x",
	    "127.0.0.1:94 64", "[127.0.0.1]:80", ":9464", "256.0.0.1:80", "" };
	char *out, *why, host[64];
	unsigned port;

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		out = why = NULL;
		assert_int_equal(confval_hostport(good[i], &out, &why), 0);
		assert_string_equal(out, good[i]);
		free(out);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		out = why = NULL;
		assert_int_equal(confval_hostport(bad[i], &out, &why), -1);
		assert_null(out);
		assert_non_null(strstr(why, "e.g. 127.0.0.1:9464 or [::1]:9464"));
		free(why);
	}
	assert_int_equal(confval_split_hostport("[::1]:9464", host, sizeof host, &port), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 9464);
}

static void
confval_mode__octal_up_to_0777__is_accepted_else_explained(void **state)
{
	unsigned mode = 1;
	char *why = NULL;

	assert_int_equal(confval_mode("0660", &mode, &why), 0);
	assert_int_equal(mode, 0660);
	assert_int_equal(confval_mode("0", &mode, &why), 0);
	assert_int_equal(mode, 0);
	assert_why(confval_mode("01000", &mode, &why), &why,
	    "\"01000\" is not an octal mode from 0 to 0777 (e.g. 0660)");
	assert_why(confval_mode("0680", &mode, &why), &why,
	    "\"0680\" is not an octal mode from 0 to 0777 (e.g. 0660)");
	assert_int_equal(mode, 0);
}

static void
confval_group__missing_group__is_explained(void **state)
{
	char *out = NULL, *why = NULL;

	assert_int_equal(confval_group("root", &out, &why), 0);
	assert_string_equal(out, "root");
	free(out);
	assert_why(confval_group("no-such-group-confval-test", &out, &why), &why,
	    "group \"no-such-group-confval-test\" does not exist (create it, or leave "
	    "write_group out: then only root and the daemon's user may write)");
}

static void
confval_timezone__unknown_zone__suggests_one(void **state)
{
	char *out = NULL, *why = NULL;

	assert_int_equal(confval_timezone("UTC", &out, &why), 0);
	assert_string_equal(out, "UTC");
	free(out);
	assert_int_equal(confval_timezone("America/Atlantis", &out, &why), -1);
	assert_non_null(strstr(why, "America/Atlantis"));
	assert_non_null(strstr(why, " (a zone of the tz database, e.g. America/Sao_Paulo)"));
	free(why);
}

static void
confval_synchronous__full_or_normal__only(void **state)
{
	bool full = false;
	char *why = NULL;

	assert_int_equal(confval_synchronous("full", &full, &why), 0);
	assert_true(full);
	assert_int_equal(confval_synchronous("normal", &full, &why), 0);
	assert_false(full);
	assert_why(confval_synchronous("FULL", &full, &why), &why,
	    "\"FULL\" is not a mode (full or normal)");
}

static void
confval_deadline__positive_rule__refuses_zero_allows_business_days(void **state)
{
	struct duration eg = { .ms = 48 * H }, d = { .ms = 0 };
	char *why = NULL;

	assert_int_equal(confval_deadline("2bd", false, &eg, &d, &why), 0);
	assert_int_equal(d.bdays, 2);
	assert_why(confval_deadline("0s", false, &eg, &d, &why), &why,
	    "must be more than 0 (e.g. 2d)");
	assert_int_equal(d.bdays, 2);
}

static void
confval_deadline__zero_ok_rule__allows_zero_refuses_business_days(void **state)
{
	struct duration eg = { .ms = 4 * H }, d = { .ms = 1 };
	char *why = NULL;

	assert_int_equal(confval_deadline("0s", true, &eg, &d, &why), 0);
	assert_int_equal(d.ms, 0);
	assert_int_equal(d.bdays, 0);
	assert_why(confval_deadline("1bd", true, &eg, &d, &why), &why,
	    "business days are not allowed here (a span of time, e.g. 4h)");
	assert_int_equal(confval_deadline("48", true, &eg, &d, &why), -1);
	assert_non_null(why);
	free(why);
}

static void
confval_holidays__unknown_calendar__lists_the_known(void **state)
{
	enum cal_kind kind = CAL_NONE;
	char *why = NULL;

	assert_int_equal(confval_holidays("br-banking", &kind, &why), 0);
	assert_int_equal(kind, CAL_BR_BANKING);
	assert_why(confval_holidays("us", &kind, &why), &why,
	    "\"us\" is not a calendar (br-national, br-banking or none)");
	assert_int_equal(kind, CAL_BR_BANKING);
}

static void
confval_extra_holidays__are_sorted_without_repeats(void **state)
{
	int64_t *days = NULL;
	size_t n = 99;
	char *why = NULL;

	assert_int_equal(confval_extra_holidays("2026-07-09,2026-01-25 , ,2026-07-09, "
	    "2025-12-31", &days, &n, &why), 0);
	assert_int_equal(n, 3);
	assert_int_equal(days[0], day("2025-12-31"));
	assert_int_equal(days[1], day("2026-01-25"));
	assert_int_equal(days[2], day("2026-07-09"));
	free(days);
	assert_int_equal(confval_extra_holidays("", &days, &n, &why), 0);
	assert_int_equal(n, 0);
	free(days);
	assert_null(why);
}

static void
confval_extra_holidays__bad_dates__give_one_line_each(void **state)
{
	int64_t *days = NULL;
	size_t n = 99;
	char *why = NULL;

	assert_why(confval_extra_holidays("2026-02-30, 2026-01-25, 26-1-1", &days, &n,
	    &why), &why, "\"2026-02-30\" is not a date (YYYY-MM-DD, e.g. 2026-01-25, "
	    "separated by commas)\n\"26-1-1\" is not a date (YYYY-MM-DD, e.g. 2026-01-25, "
	    "separated by commas)");
	assert_null(days);
	assert_int_equal(n, 99);
}

static void
confval_mib__zero_or_a_number_with_its_unit__up_to_the_maximum(void **state)
{
	static const char refused[] = "\" is not a size: 0 (none), or a whole number of "
	    "MiB or GiB (\"512MiB\", \"1GiB\") up to 2047MiB";
	static const char *const bad[] = { "512", "1G", "1.5GiB", "-1MiB", "MiB", "",
	    "2GiB", "2048MiB", " 1GiB", "1GiB ", "99999999999999999999MiB" };
	char *why = NULL, want[160];
	long n = 7;

	assert_int_equal(confval_mib("0", 2047, &n, &why), 0);
	assert_int_equal(n, 0);
	assert_int_equal(confval_mib("512MiB", 2047, &n, &why), 0);
	assert_int_equal(n, 512);
	assert_int_equal(confval_mib("1GiB", 2047, &n, &why), 0);
	assert_int_equal(n, 1024);
	assert_int_equal(confval_mib("2047MiB", 2047, &n, &why), 0);
	assert_int_equal(n, 2047);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(want, sizeof want, "\"%s%s", bad[i], refused);
		assert_why(confval_mib(bad[i], 2047, &n, &why), &why, want);
		assert_int_equal(n, 2047);
	}
}

#define T(f) cmocka_unit_test(f)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(confval_path__relative__is_resolved_against_dir_with_dots_folded),
		T(confval_database__a_postgresql_uri__is_kept_as_written),
		T(confval_socket__longer_than_sun_path__says_how_long),
		T(confval_hostport__ipv4_or_bracketed_ipv6_and_a_port__only),
		T(confval_mode__octal_up_to_0777__is_accepted_else_explained),
		T(confval_group__missing_group__is_explained),
		T(confval_timezone__unknown_zone__suggests_one),
		T(confval_synchronous__full_or_normal__only),
		T(confval_deadline__positive_rule__refuses_zero_allows_business_days),
		T(confval_deadline__zero_ok_rule__allows_zero_refuses_business_days),
		T(confval_holidays__unknown_calendar__lists_the_known),
		T(confval_extra_holidays__are_sorted_without_repeats),
		T(confval_extra_holidays__bad_dates__give_one_line_each),
		T(confval_mib__zero_or_a_number_with_its_unit__up_to_the_maximum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
