#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "duration.h"

#define S 1000LL
#define MIN (60 * S)
#define H (60 * MIN)
#define D (24 * H)
#define W (7 * D)

/* Parse text that must be valid and return its milliseconds (business days: -bdays). */
static int64_t
parse_ok(const char *text)
{
	struct duration d;
	char err[DURATION_ERR_LEN];

	if (duration_parse(text, &d, err) != 0)
		fail_msg("\"%s\" was refused: %s", text, err);
	return d.bdays > 0 ? -d.bdays : d.ms;
}

/* Parse text that must be refused; the message must name every word given
 * (NULL-terminated) and the units that exist. */
static void
assert_refused(const char *text, ...)
{
	struct duration d;
	char err[DURATION_ERR_LEN];
	const char *word;
	va_list ap;

	if (duration_parse(text, &d, err) != -1)
		fail_msg("\"%s\" was accepted", text);
	assert_true(strlen(err) < DURATION_ERR_LEN);
	assert_non_null(strstr(err, "units: s, min, h, d, w"));
	assert_non_null(strstr(err, "bd"));
	va_start(ap, text);
	while ((word = va_arg(ap, const char *)) != NULL) {
		if (strstr(err, word) == NULL)
			fail_msg("error for \"%s\" lacks \"%s\": %s", text, word, err);
	}
	va_end(ap);
}

static const char *
format(int64_t ms, int bdays)
{
	static char buf[64];
	struct duration d = { .ms = ms, .bdays = bdays };

	return duration_format(&d, buf, sizeof(buf));
}

static void
duration_parse__each_unit__has_its_length(void **state)
{
	assert_int_equal(parse_ok("30s"), 30 * S);
	assert_int_equal(parse_ok("90min"), 90 * MIN);
	assert_int_equal(parse_ok("48h"), 48 * H);
	assert_int_equal(parse_ok("15d"), 15 * D);
	assert_int_equal(parse_ok("2w"), 2 * W);
	assert_int_equal(parse_ok("6bd"), -6);
}

static void
duration_parse__zero__is_accepted(void **state)
{
	assert_int_equal(parse_ok("0s"), 0);
	assert_int_equal(parse_ok("0h"), 0);
	assert_int_equal(parse_ok("0d 0min"), 0);
}

static void
duration_parse__combinations__add_up_with_or_without_spaces(void **state)
{
	assert_int_equal(parse_ok("1d 12h"), 36 * H);
	assert_int_equal(parse_ok("1d12h"), 36 * H);
	assert_int_equal(parse_ok("1h 30min"), 90 * MIN);
	assert_int_equal(parse_ok("1h30min"), 90 * MIN);
	assert_int_equal(parse_ok("1w 2d 3h 4min 5s"), W + 2 * D + 3 * H + 4 * MIN + 5 * S);
	assert_int_equal(parse_ok("1w2d3h4min5s"), W + 2 * D + 3 * H + 4 * MIN + 5 * S);
	assert_int_equal(parse_ok("30min 1h"), 90 * MIN);
	assert_int_equal(parse_ok("1d\t12h"), 36 * H);
}

static void
duration_parse__surrounding_and_inner_blanks__are_allowed(void **state)
{
	assert_int_equal(parse_ok("  48h  "), 48 * H);
	assert_int_equal(parse_ok("48 h"), 48 * H);
	assert_int_equal(parse_ok(" 6 bd "), -6);
}

static void
duration_parse__empty__is_an_error_naming_the_units(void **state)
{
	assert_refused("", "empty", NULL);
	assert_refused("   ", "empty", NULL);
}

static void
duration_parse__bare_number__is_an_error_naming_the_units(void **state)
{
	assert_refused("48", "\"48\" needs a unit", "could mean anything", NULL);
	assert_refused("0", "needs a unit", NULL);
}

static void
duration_parse__number_without_unit_after_others__is_an_error(void **state)
{
	assert_refused("1h30", "30 needs a unit", NULL);
	assert_refused("1d 12", "12 needs a unit", NULL);
}

static void
duration_parse__m__is_ambiguous(void **state)
{
	assert_refused("5m", "\"m\"", "ambiguous", "min", NULL);
}

static void
duration_parse__months_and_years__do_not_exist(void **state)
{
	assert_refused("1M", "\"M\"", "months", NULL);
	assert_refused("1y", "\"y\"", "years", NULL);
}

static void
duration_parse__subsecond_units__do_not_exist(void **state)
{
	assert_refused("500ms", "\"ms\"", "below a second", NULL);
	assert_refused("5us", "\"us\"", "below a second", NULL);
	assert_refused("5ns", "\"ns\"", "below a second", NULL);
}

static void
duration_parse__unknown_unit__is_named(void **state)
{
	assert_refused("2hours", "unknown unit \"hours\"", NULL);
	assert_refused("48H", "unknown unit \"H\"", NULL);
	assert_refused("1sec", "unknown unit \"sec\"", NULL);
	assert_refused("48µs", "unexpected", NULL);
}

static void
duration_parse__fraction__is_an_error_that_says_the_whole_form(void **state)
{
	assert_refused("1.5h", "fractions are not allowed", "write 1h 30min", NULL);
	assert_refused("0.5d", "fractions", "write 12h", NULL);
	assert_refused("1d 1.25min", "fractions", "write 1min 15s", NULL);
	assert_refused("1.0001s", "fractions", "whole numbers", NULL);
	assert_refused("1.5bd", "business days are whole", NULL);
}

static void
duration_parse__negative__is_an_error(void **state)
{
	assert_refused("-1h", "negative", NULL);
	assert_refused("1h -30min", "negative", NULL);
}

static void
duration_parse__business_days_mixed_with_others__is_an_error(void **state)
{
	assert_refused("1bd 2h", "cannot be combined", "alone", NULL);
	assert_refused("2h 1bd", "cannot be combined", NULL);
	assert_refused("1bd1bd", "cannot be combined", NULL);
}

static void
duration_parse__zero_business_days__is_an_error(void **state)
{
	assert_refused("0bd", "0bd", "1bd", NULL);
}

static void
duration_parse__ten_years__is_the_longest_in_every_unit(void **state)
{
	assert_int_equal(parse_ok("3660d"), 3660 * D);
	assert_int_equal(parse_ok("522w 6d"), 3660 * D);
	assert_int_equal(parse_ok("87840h"), 3660 * D);
	assert_int_equal(parse_ok("5270400min"), 3660 * D);
	assert_int_equal(parse_ok("316224000s"), 3660 * D);
	assert_int_equal(parse_ok("2610bd"), -2610);
}

static void
duration_parse__more_than_ten_years__is_an_error_that_says_the_bound(void **state)
{
	assert_refused("3661d", "too long", "10 years", "3660d", "522w 6d", "87840h", NULL);
	assert_refused("3660d 1s", "too long", "3660d", NULL);
	assert_refused("523w", "too long", "3660d", NULL);
	assert_refused("87841h", "too long", "3660d", NULL);
	assert_refused("316224001s", "too long", "3660d", NULL);
	/* The old bound, a century, is refused now. */
	assert_refused("36525d", "too long", "3660d", NULL);
	assert_refused("99999999999999999999999h", "too long", "3660d", NULL);
	assert_refused("2611bd", "too long", "10 years", "2610bd", NULL);
	assert_refused("26000bd", "too long", "2610bd", NULL);
}

static void
duration_parse__trailing_junk__is_an_error(void **state)
{
	assert_refused("48h # note", "\"# note\"", "only ';'", NULL);
	assert_refused("48h#note", "'#'", NULL);
	assert_refused("48h, 2d", "unexpected", NULL);
	assert_refused("48h x", "unexpected \"x\"", NULL);
	assert_refused("+48h", "unexpected", NULL);
}

static void
duration_parse__every_error__fits_and_ends_with_the_units(void **state)
{
	static const char *bad[] = {
		"", "48", "1M", "2hours", "1.5h", "-1h", "1bd 2h", "0bd", "36526d",
		"48h # a very long comment that goes on and on and on and on and on",
		"1.123456789012345678901234567890h", "123456789012345678901234567890",
	};
	struct duration d;
	char err[DURATION_ERR_LEN];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(duration_parse(bad[i], &d, err), -1);
		assert_true(strlen(err) < DURATION_ERR_LEN);
		assert_non_null(strstr(err, "(units: s, min, h, d, w; or Nbd alone"));
		assert_int_equal(err[strlen(err) - 1], ')');
	}
}

static void
duration_format__writes_largest_units_first(void **state)
{
	assert_string_equal(format(15 * D, 0), "2w 1d");
	assert_string_equal(format(36 * H, 0), "1d 12h");
	assert_string_equal(format(90 * MIN, 0), "1h 30min");
	assert_string_equal(format(48 * H, 0), "2d");
	assert_string_equal(format(W + 3 * H + 5 * S, 0), "1w 3h 5s");
	assert_string_equal(format(0, 6), "6bd");
	assert_string_equal(format(0, 0), "0s");
}

static void
duration_format__round_trips_through_parse(void **state)
{
	static const char *texts[] = { "48h", "1d 12h", "90min", "15d", "6bd", "0s",
		"1w2d3h4min5s", "60d", "3660d", "2610bd" };
	struct duration d, d2;
	char err[DURATION_ERR_LEN], buf[64];
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_int_equal(duration_parse(texts[i], &d, err), 0);
		duration_format(&d, buf, sizeof(buf));
		assert_int_equal(duration_parse(buf, &d2, err), 0);
		assert_int_equal(d.ms, d2.ms);
		assert_int_equal(d.bdays, d2.bdays);
	}
}

static void
duration_format__small_buffer__is_truncated_not_overrun(void **state)
{
	struct duration d = { .ms = W + D + H + MIN + S };
	char buf[6];

	duration_format(&d, buf, sizeof(buf));
	assert_int_equal(strlen(buf), 5);
}

static void
duration_is_bdays__tells_business_days_apart(void **state)
{
	struct duration bd = { .bdays = 6 }, cal = { .ms = 48 * H };

	assert_true(duration_is_bdays(&bd));
	assert_false(duration_is_bdays(&cal));
}

static void
duration_text__keeps_what_was_written_and_formats_the_rest(void **state)
{
	struct duration d, plain = { .ms = 48 * H };
	char err[DURATION_ERR_LEN], buf[32];

	assert_int_equal(duration_parse("  48h ", &d, err), 0);
	assert_string_equal(duration_text(&d, buf, sizeof buf), "48h");
	assert_int_equal(duration_parse("1d12h", &d, err), 0);
	assert_string_equal(duration_text(&d, buf, sizeof buf), "1d12h");
	assert_string_equal(duration_text(&plain, buf, sizeof buf), "2d");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(duration_parse__each_unit__has_its_length),
		cmocka_unit_test(duration_parse__zero__is_accepted),
		cmocka_unit_test(duration_parse__combinations__add_up_with_or_without_spaces),
		cmocka_unit_test(duration_parse__surrounding_and_inner_blanks__are_allowed),
		cmocka_unit_test(duration_parse__empty__is_an_error_naming_the_units),
		cmocka_unit_test(duration_parse__bare_number__is_an_error_naming_the_units),
		cmocka_unit_test(duration_parse__number_without_unit_after_others__is_an_error),
		cmocka_unit_test(duration_parse__m__is_ambiguous),
		cmocka_unit_test(duration_parse__months_and_years__do_not_exist),
		cmocka_unit_test(duration_parse__subsecond_units__do_not_exist),
		cmocka_unit_test(duration_parse__unknown_unit__is_named),
		cmocka_unit_test(duration_parse__fraction__is_an_error_that_says_the_whole_form),
		cmocka_unit_test(duration_parse__negative__is_an_error),
		cmocka_unit_test(duration_parse__business_days_mixed_with_others__is_an_error),
		cmocka_unit_test(duration_parse__zero_business_days__is_an_error),
		cmocka_unit_test(duration_parse__ten_years__is_the_longest_in_every_unit),
		cmocka_unit_test(duration_parse__more_than_ten_years__is_an_error_that_says_the_bound),
		cmocka_unit_test(duration_parse__trailing_junk__is_an_error),
		cmocka_unit_test(duration_parse__every_error__fits_and_ends_with_the_units),
		cmocka_unit_test(duration_format__writes_largest_units_first),
		cmocka_unit_test(duration_format__round_trips_through_parse),
		cmocka_unit_test(duration_format__small_buffer__is_truncated_not_overrun),
		cmocka_unit_test(duration_is_bdays__tells_business_days_apart),
		cmocka_unit_test(duration_text__keeps_what_was_written_and_formats_the_rest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
