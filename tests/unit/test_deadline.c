#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal.h"
#include "civil.h"
#include "deadline.h"
#include "proto.h"

/*
 * A clock's explanation, read back from the rule text kept with it: the fields the
 * daemon writes, and text it never writes (a database edited by hand) that must give
 * an explanation or none, never a crash or a field cut past its size.
 */

static struct cal *cal;

static int
setup(void **state)
{
	cal = cal_new(CAL_BR_NATIONAL, NULL, 0);
	return cal == NULL;
}

static int
teardown(void **state)
{
	cal_free(cal);
	return 0;
}

static struct protocol
with_rule(const char *rule)
{
	struct protocol p;

	memset(&p, 0, sizeof p);
	p.clock = PROTO_CLOCK_LETTER;
	p.clock_start = civil_days(2026, 9, 4) * 86400000LL + 13 * 3600000LL;
	snprintf(p.clock_rule, sizeof p.clock_rule, "%s", rule);
	return p;
}

static void
deadline_explain__every_field__read_back(void **state)
{
	struct protocol p = with_rule("rule=letter_wait;value=6bd;source=[reason.x];"
	    "calendar=br-national;pickup_date=2026-09-10");
	struct deadline_explain ex;

	assert_int_equal(deadline_explain(&p, cal, &ex), 0);
	assert_string_equal(ex.rule, "letter_wait");
	assert_string_equal(ex.value, "6bd");
	assert_string_equal(ex.source, "[reason.x]");
	assert_string_equal(ex.calendar, "br-national");
	assert_int_equal(ex.pickup_day, civil_days(2026, 9, 10));
	/* From 00:00 of the pickup date: the weekend of the 12th and 13th is skipped. */
	assert_true(ex.n_skips >= 2);
}

static void
deadline_explain__fields_in_any_order_without_calendar__no_skips(void **state)
{
	struct protocol p = with_rule("source=default;value=48h;rule=photos_wait");
	struct deadline_explain ex;

	assert_int_equal(deadline_explain(&p, cal, &ex), 0);
	assert_string_equal(ex.rule, "photos_wait");
	assert_string_equal(ex.value, "48h");
	assert_string_equal(ex.source, "default");
	assert_string_equal(ex.calendar, "");
	assert_int_equal(ex.pickup_day, INT64_MIN);
	assert_int_equal(ex.n_skips, 0);
}

static void
deadline_explain__no_rule_or_no_clock__is_minus_1(void **state)
{
	static const char *texts[] = { "", "value=48h;source=default", "rule", "rules=x",
		"rul=x", ";;;", "=x;=y" };
	struct deadline_explain ex;
	struct protocol p;

	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		p = with_rule(texts[i]);
		if (deadline_explain(&p, cal, &ex) != -1)
			fail_msg("\"%s\" explained as rule \"%s\"", texts[i], ex.rule);
	}
	p = with_rule("rule=photos_wait");
	p.clock = PROTO_CLOCK_NONE;
	assert_int_equal(deadline_explain(&p, cal, &ex), -1);
}

static void
deadline_explain__odd_text__first_field_wins_and_long_values_are_cut(void **state)
{
	char rule[PROTO_RULE_MAX + 1];
	struct deadline_explain ex;
	struct protocol p;

	p = with_rule(";rule=a=b;;value;rule=second;junk=1;value=1h;calendar=x;");
	assert_int_equal(deadline_explain(&p, cal, &ex), 0);
	assert_string_equal(ex.rule, "a=b");
	assert_string_equal(ex.value, "1h");
	assert_string_equal(ex.source, "");
	/* A calendar with a value that is not in business days counts none. */
	assert_string_equal(ex.calendar, "x");
	assert_int_equal(ex.n_skips, 0);

	memset(rule, 'v', sizeof rule - 1);
	rule[sizeof rule - 1] = '\0';
	memcpy(rule, "rule=", 5);
	p = with_rule(rule);
	assert_int_equal(deadline_explain(&p, cal, &ex), 0);
	assert_int_equal(strlen(ex.rule), sizeof ex.rule - 1);

	p = with_rule("rule=r;pickup_date=not-a-date");
	assert_int_equal(deadline_explain(&p, cal, &ex), 0);
	assert_int_equal(ex.pickup_day, INT64_MIN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(deadline_explain__every_field__read_back),
		cmocka_unit_test(deadline_explain__fields_in_any_order_without_calendar__no_skips),
		cmocka_unit_test(deadline_explain__no_rule_or_no_clock__is_minus_1),
		cmocka_unit_test(deadline_explain__odd_text__first_field_wins_and_long_values_are_cut),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
