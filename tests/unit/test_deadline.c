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
#include "clockrule.h"
#include "config.h"
#include "deadline.h"
#include "proto.h"
#include "rfc3339.h"
#include "rulebook.h"
#include "tmpdir.h"
#include "tz.h"

/*
 * When a clock is due (the default deadlines of spec.md §7, the built-in casas-bahia
 * rulebook's, in America/Sao_Paulo, on the national calendar, with a [reason.x]
 * override of the main file), and a clock's explanation, read back from the rule text
 * kept with it: the fields the daemon writes, and text it never writes (a database
 * edited by hand) that must give an explanation or none, never a crash or a field cut
 * past its size.
 */

#define H (3600 * 1000LL)

/* The clock kinds of casas-bahia's waits, as the store keeps them (rulebook.h). */
#define KIND_PHOTOS 2
#define KIND_POSTING 4
#define KIND_PICKUP 5
#define KIND_LETTER 6

static struct cal *cal;
static struct config *cfg;
static char dir[256];
static char path[300];

static int
setup(void **state)
{
	char *errors = NULL, *cause = NULL;
	FILE *f;

	cal = cal_new(CAL_BR_NATIONAL, NULL, 0);
	if (cal == NULL || tmpdir_make(dir, sizeof dir, "test_deadline") != 0)
		return -1;
	snprintf(path, sizeof path, "%s/protocold.ini", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs("[reason.x]\nphotos_wait = 2bd\nwarn_before = 1h\n", f);
	fclose(f);
	if ((cfg = config_load(path, &errors)) == NULL ||
	    tz_set(cfg->timezone, &cause) != 0) {
		print_error("setup: %s%s\n", errors ? errors : "", cause ? cause : "");
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	cal_free(cal);
	config_free(cfg);
	tmpdir_remove(dir);
	return 0;
}

static int64_t
at(const char *s)
{
	int64_t ms = 0;

	if (rfc3339_parse(s, &ms) != 0)
		fail_msg("bad instant %s", s);
	return ms;
}

static struct protocol
customer(const char *reason, bool critical)
{
	struct protocol p;

	memset(&p, 0, sizeof p);
	snprintf(p.marketplace, sizeof p.marketplace, "casas-bahia");
	snprintf(p.reason, sizeof p.reason, "%s", reason);
	p.critical = critical;
	return p;
}

/* The rule clock kind starts under for p: the response's (pending), the reply
 * window's (closed), or the wait of the action whose clock it is. */
static struct clockrule
rule_of(const struct protocol *p, int kind)
{
	const struct rulebook *b = config_default_book(cfg);
	const struct rulebook_action *a;
	struct clockrule c;

	if (kind == RULEBOOK_KIND_RESPONSE)
		clockrule_entry(cfg, cal, b, p, PROTO_PENDING, &c);
	else if (kind == RULEBOOK_KIND_REPLY)
		clockrule_entry(cfg, cal, b, p, PROTO_CLOSED, &c);
	else if ((a = rulebook_kind_action(b, kind)) != NULL)
		clockrule_wait(cfg, cal, b, p, rulebook_action_index(b, a->name), &c);
	else
		fail_msg("no clock of kind %d", kind);
	assert_int_equal(c.kind, kind);
	return c;
}

/* When clock kind of p started at start is due (date_day: its date param's). */
static int64_t
due(const struct protocol *p, int kind, int64_t start, int64_t date_day)
{
	struct clockrule c = rule_of(p, kind);

	return deadline_due(&c, start, date_day);
}

static int64_t
next(const struct protocol *p, int kind, int64_t start, int64_t due_at)
{
	struct clockrule c = rule_of(p, kind);

	return deadline_next(&c, start, due_at);
}

static void
deadline_due__plain_durations__added_to_the_start(void **state)
{
	struct protocol p = customer("", false);
	int64_t t = at("2026-03-02T12:00:00-03:00");

	assert_int_equal(due(&p, RULEBOOK_KIND_RESPONSE, t, 0), t + 48 * H);
	assert_int_equal(due(&p, KIND_PHOTOS, t, 0), t + 48 * H);
	assert_int_equal(due(&p, KIND_POSTING, t, 0),
	    t + 15 * 24 * H);
	assert_int_equal(due(&p, RULEBOOK_KIND_REPLY, t, 0),
	    t + 60 * 24 * H);
	p.critical = true;
	assert_int_equal(due(&p, RULEBOOK_KIND_RESPONSE, t, 0), t + 24 * H);
}

/* Six business days from Friday the 17th of April 2026: Tiradentes (Tuesday the 21st)
 * and the weekend are skipped; due at the end of Tuesday the 28th. */
static void
deadline_due__business_days__skip_weekends_and_holidays(void **state)
{
	struct protocol p = customer("", false);

	assert_int_equal(due(&p, KIND_LETTER, at("2026-04-17T10:00:00-03:00"), 0),
	    at("2026-04-29T00:00:00-03:00"));
}

static void
deadline_due__pickup__midnight_of_the_date_plus_the_grace(void **state)
{
	struct protocol p = customer("", false);

	assert_int_equal(due(&p, KIND_PICKUP, at("2026-03-02T12:00:00-03:00"),
	    civil_days(2026, 3, 20)), at("2026-03-21T00:00:00-03:00"));
}

static void
deadline_due__a_reason_section__overrides_the_default(void **state)
{
	struct protocol p = customer("x", false);
	char rule[PROTO_RULE_MAX + 1], want[1024];
	struct clockrule c;

	/* Monday noon + 2 business days: the end of Wednesday. */
	assert_int_equal(due(&p, KIND_PHOTOS, at("2026-03-02T12:00:00-03:00"), 0),
	    at("2026-03-05T00:00:00-03:00"));
	c = rule_of(&p, KIND_PHOTOS);
	deadline_rule(&c, 0, p.marketplace, rule, sizeof rule);
	/* What it was, then where it leads and where its value was written (the kind's
	 * name and the rulebook left out: its number and the protocol say them). */
	snprintf(want, sizeof want, "rule=photos_wait;value=2bd;source=[reason.x];"
	    "calendar=br-national;to=pending;attempt=request_photos;"
	    "line=2;file=%s", path);
	assert_string_equal(rule, want);
}

static void
deadline_next__response__the_warning_before_due_other_clocks_due(void **state)
{
	struct protocol p = customer("", false), x = customer("x", false);
	int64_t t = at("2026-03-02T12:00:00-03:00");

	assert_int_equal(next(&p, RULEBOOK_KIND_RESPONSE, t, t + 48 * H), t + 44 * H);
	assert_int_equal(next(&x, RULEBOOK_KIND_RESPONSE, t, t + 48 * H), t + 47 * H);
	assert_int_equal(next(&p, KIND_PHOTOS, t, t + 48 * H), t + 48 * H);
	/* A warning that would fall at or before the start is no point of its own. */
	assert_int_equal(next(&p, RULEBOOK_KIND_RESPONSE, t, t + 4 * H), t + 4 * H);
}

static struct protocol
with_rule(const char *rule)
{
	struct protocol p;

	memset(&p, 0, sizeof p);
	p.clock = KIND_LETTER;
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
	/* A text written before rulebooks: its date is the pickup date, and it says
	 * nothing of where it leads or of a rulebook. */
	assert_string_equal(ex.date_param, "pickup_date");
	assert_string_equal(ex.to, "");
	assert_string_equal(ex.attempt, "");
	assert_string_equal(ex.book, "");
	assert_string_equal(ex.file, "");
	assert_int_equal(ex.line, 0);
	/* From 00:00 of the pickup date: the weekend of the 12th and 13th is skipped. */
	assert_true(ex.n_skips >= 2);
}

static void
deadline_explain__the_fields_rulebooks_added__read_back(void **state)
{
	struct protocol p = with_rule("rule=visit_wait;value=2bd;source=[reason.x];"
	    "calendar=br-national;date=visit_date:2026-09-10;to=mediation;attempt=remind;"
	    "book=testmarket;line=12;file=/etc/protocold/rules/test market.ini");
	struct deadline_explain ex;

	assert_int_equal(deadline_explain(&p, cal, &ex), 0);
	assert_string_equal(ex.rule, "visit_wait");
	assert_string_equal(ex.value, "2bd");
	assert_string_equal(ex.source, "[reason.x]");
	assert_string_equal(ex.date_param, "visit_date");
	assert_int_equal(ex.pickup_day, civil_days(2026, 9, 10));
	assert_string_equal(ex.to, "mediation");
	assert_string_equal(ex.attempt, "remind");
	assert_string_equal(ex.book, "testmarket");
	assert_int_equal(ex.line, 12);
	assert_string_equal(ex.file, "/etc/protocold/rules/test market.ini");
	/* From 00:00 of that date: Thursday the 10th, then the weekend is skipped. */
	assert_true(ex.n_skips >= 2);
}

/* The rule text of the pickup wait: its date by the name of its param, its
 * rulebook's file and the line of its wait. */
static void
deadline_rule__param_plus_duration__keeps_the_param_and_its_date(void **state)
{
	struct protocol p = customer("", false);
	struct clockrule c = rule_of(&p, KIND_PICKUP);
	char rule[PROTO_RULE_MAX + 1], want[1024];
	const char *wait = strstr(rulebook_builtin_text, "wait = pickup_date + 1d");
	struct deadline_explain ex;
	int line = 1;

	assert_non_null(wait);
	for (const char *t = rulebook_builtin_text; t < wait; t++)
		line += *t == '\n';
	deadline_rule(&c, civil_days(2026, 3, 20), p.marketplace, rule, sizeof rule);
	/* The built-in file is left out, and put back by explain. */
	snprintf(want, sizeof want, "rule=pickup_grace;value=1d;source=default;"
	    "date=pickup_date:2026-03-20;to=pending;attempt=inform_pickup_date;line=%d",
	    line);
	assert_string_equal(rule, want);
	p.clock = KIND_PICKUP;
	strcpy(p.clock_rule, rule);
	assert_int_equal(deadline_explain(&p, cal, &ex), 0);
	assert_string_equal(ex.date_param, "pickup_date");
	assert_int_equal(ex.pickup_day, civil_days(2026, 3, 20));
	assert_string_equal(ex.file, RULEBOOK_BUILTIN_PATH);
	assert_int_equal(ex.line, line);
}

/* A wait of "PARAM + DURATION" counts from 00:00 local of the param's date, whatever
 * the param is called. */
static void
deadline_due__param_plus_duration__from_midnight_of_that_date(void **state)
{
	struct clockrule c;

	memset(&c, 0, sizeof c);
	c.kind = 9999;
	c.date_param = "visit_date";
	c.cal = cal;
	c.d.ms = 2 * 24 * H + 6 * H;
	assert_int_equal(deadline_due(&c, at("2026-03-02T12:00:00-03:00"),
	    civil_days(2026, 3, 20)), at("2026-03-22T06:00:00-03:00"));
	/* Without a date param, the same duration runs from the start. */
	c.date_param = NULL;
	assert_int_equal(deadline_due(&c, at("2026-03-02T12:00:00-03:00"), 0),
	    at("2026-03-04T18:00:00-03:00"));
	/* A clock that does not warn is next due at its end. */
	assert_int_equal(deadline_next(&c, 0, 10 * H), 10 * H);
}

/* The file last: a path too long for the text loses its end, nothing else. */
static void
deadline_rule__a_long_file_path__only_its_end_is_cut(void **state)
{
	struct protocol p = customer("", false);
	struct clockrule c = rule_of(&p, KIND_PHOTOS);
	char rule[PROTO_RULE_MAX + 1], file[600];

	memset(file, 'f', sizeof file - 1);
	file[0] = '/';
	file[sizeof file - 1] = '\0';
	c.file = file;
	deadline_rule(&c, 0, "elsewhere", rule, sizeof rule);
	assert_int_equal(strlen(rule), PROTO_RULE_MAX);
	assert_non_null(strstr(rule, "rule=photos_wait;value=48h;source=default;to=pending;"
	    "attempt=request_photos;book=casas-bahia;line="));
	assert_non_null(strstr(rule, ";file=/fff"));
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

static void
deadline_rule__a_response_clock__keeps_only_what_its_kind_does_not_say(void **state)
{
	struct protocol p = customer("", false);
	struct clockrule c = rule_of(&p, RULEBOOK_KIND_RESPONSE);
	struct deadline_explain ex;
	char to[16], attempt[RULEBOOK_ID_MAX + 1];

	p.clock = RULEBOOK_KIND_RESPONSE;
	deadline_rule(&c, 0, p.marketplace, p.clock_rule, sizeof p.clock_rule);
	assert_null(strstr(p.clock_rule, "to="));
	assert_null(strstr(p.clock_rule, "kind="));
	assert_null(strstr(p.clock_rule, "book="));
	assert_null(strstr(p.clock_rule, "file="));
	assert_int_equal(deadline_explain(&p, cal, &ex), 0);
	assert_string_equal(ex.to, "mediation");
	assert_string_equal(ex.book, "casas-bahia");
	assert_string_equal(ex.file, RULEBOOK_BUILTIN_PATH);
	assert_int_equal(deadline_expiry(&p, to, sizeof to, attempt, sizeof attempt), 0);
	assert_string_equal(to, "mediation");
	assert_string_equal(attempt, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(deadline_due__plain_durations__added_to_the_start),
		cmocka_unit_test(deadline_due__business_days__skip_weekends_and_holidays),
		cmocka_unit_test(deadline_due__pickup__midnight_of_the_date_plus_the_grace),
		cmocka_unit_test(deadline_due__a_reason_section__overrides_the_default),
		cmocka_unit_test(deadline_next__response__the_warning_before_due_other_clocks_due),
		cmocka_unit_test(deadline_explain__every_field__read_back),
		cmocka_unit_test(deadline_explain__the_fields_rulebooks_added__read_back),
		cmocka_unit_test(deadline_rule__param_plus_duration__keeps_the_param_and_its_date),
		cmocka_unit_test(deadline_due__param_plus_duration__from_midnight_of_that_date),
		cmocka_unit_test(deadline_rule__a_long_file_path__only_its_end_is_cut),
		cmocka_unit_test(deadline_explain__fields_in_any_order_without_calendar__no_skips),
		cmocka_unit_test(deadline_explain__no_rule_or_no_clock__is_minus_1),
		cmocka_unit_test(deadline_explain__odd_text__first_field_wins_and_long_values_are_cut),
		cmocka_unit_test(deadline_rule__a_response_clock__keeps_only_what_its_kind_does_not_say),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
