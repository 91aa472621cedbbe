#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal.h"
#include "config.h"
#include "decide.h"
#include "metrics.h"
#include "proto.h"
#include "rfc3339.h"
#include "rulebook.h"
#include "rules.h"
#include "tmpdir.h"
#include "tz.h"

/*
 * The decide step in memory, by the rules of each protocol's marketplace: casas-bahia
 * (built in, the default) and a rulebook written here, in America/Sao_Paulo. What a
 * clock's expiry does is what its rule text kept when it started, whatever the
 * rulebook says after a reload; a text written before protocold kept that (no "to=")
 * expires by the rulebook loaded now.
 */

#define H (3600 * 1000LL)
#define KIND_PHOTOS 2	/* casas-bahia's photos_wait (rulebook.h) */

/* testmarket: a wait that ends in mediation, a "PARAM + DURATION" one that counts no
 * attempt, a plain one, and an event that moves only while waiting on one action. */
static const char book_a[] =
    "[marketplace]\n"
    "name = testmarket\n"
    "response = 72h\n"
    "warn_before = 2h\n"
    "reply_window = 10d\n"
    "\n"
    "[action.ask_photos]\n"
    "label = Pedir fotos\n"
    "to = awaiting\n"
    "wait = 24h\n"
    "on_timeout = mediation\n"
    "\n"
    "[action.schedule_visit]\n"
    "label = Agendar visita\n"
    "to = awaiting\n"
    "wait = visit_date + 2d\n"
    "attempts = no\n"
    "params = visit_date:date_future\n"
    "\n"
    "[action.remind]\n"
    "label = Lembrar\n"
    "to = awaiting\n"
    "wait = 3d\n"
    "\n"
    "[event.customer_replied]\n"
    "awaiting = pending\n"
    "awaiting.schedule_visit = resolved\n";

/* The same rulebook edited: ask_photos now waits 96 h and its expiry goes back to
 * pending, counting an attempt. */
static const char book_b[] =
    "[marketplace]\n"
    "name = testmarket\n"
    "response = 72h\n"
    "warn_before = 2h\n"
    "reply_window = 10d\n"
    "\n"
    "[action.ask_photos]\n"
    "label = Pedir fotos\n"
    "to = awaiting\n"
    "wait = 96h\n"
    "\n"
    "[action.schedule_visit]\n"
    "label = Agendar visita\n"
    "to = awaiting\n"
    "wait = visit_date + 2d\n"
    "attempts = no\n"
    "params = visit_date:date_future\n"
    "\n"
    "[action.remind]\n"
    "label = Lembrar\n"
    "to = awaiting\n"
    "wait = 3d\n"
    "\n"
    "[event.customer_replied]\n"
    "awaiting = pending\n";

static char dir[256];
static struct config *cfg_a;	/* casas-bahia and testmarket (book_a) */
static struct config *cfg_b;	/* casas-bahia and testmarket (book_b) */
static struct cal *cal;
static struct metrics *m;
static struct decide *d;
static int64_t t0;		/* Monday 2026-03-02 12:00 local */

static int
write_file(const char *name, const char *text)
{
	char path[400];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static struct config *
load(const char *name)
{
	char path[400], *errors = NULL;
	struct config *c;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((c = config_load(path, &errors)) == NULL)
		print_error("%s: %s\n", name, errors ? errors : "");
	free(errors);
	return c;
}

static int
setup(void **state)
{
	char *cause = NULL;

	if (tmpdir_make(dir, sizeof dir, "test_decide") != 0 ||
	    write_file("a-casas-bahia.ini", rulebook_builtin_text) != 0 ||
	    write_file("b-casas-bahia.ini", rulebook_builtin_text) != 0 ||
	    write_file("a-testmarket.ini", book_a) != 0 ||
	    write_file("b-testmarket.ini", book_b) != 0 ||
	    write_file("a.conf", "[rules]\nfiles = a-*.ini\ndefault = casas-bahia\n") != 0 ||
	    write_file("b.conf", "[rules]\nfiles = b-*.ini\ndefault = casas-bahia\n") != 0 ||
	    (cfg_a = load("a.conf")) == NULL || (cfg_b = load("b.conf")) == NULL ||
	    tz_set(cfg_a->timezone, &cause) != 0 ||
	    rfc3339_parse("2026-03-02T12:00:00-03:00", &t0) != 0)
		return -1;
	cal = cal_new(CAL_BR_NATIONAL, NULL, 0);
	return cal != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	config_free(cfg_a);
	config_free(cfg_b);
	cal_free(cal);
	tmpdir_remove(dir);
	return 0;
}

/* Each test: a decide on cfg_a. */
static int
before(void **state)
{
	m = metrics_new();
	d = decide_new(m);
	decide_configure(d, cfg_a, cal);
	decide_begin(d);
	return 0;
}

static int
after(void **state)
{
	decide_free(d);
	metrics_free(m);
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

static struct problem
fresh_problem(void)
{
	struct problem pb;

	memset(&pb, 0, sizeof pb);
	pb.status = -7;
	return pb;
}

/* A customer protocol of market created at t0 (market NULL: the default). */
static struct protocol
created(const char *market)
{
	struct engine_create r = { .id = "P1", .seller = "S1", .marketplace = market,
	    .origin = PROTO_CUSTOMER };
	struct problem pb = fresh_problem();
	struct protocol p;

	assert_int_equal(decide_check_create(d, &r, t0, &pb), 0);
	decide_fill(d, &p, &r, t0);
	return p;
}

/* Take action name (one parameter, or none when param is NULL) at now: 0 or -1. */
static int
take(struct protocol *p, const char *name, const char *param, const char *value,
    int64_t now, struct problem *pb)
{
	struct rules_args args = { .n = param != NULL, .name = { param },
	    .value = { value } };

	*pb = fresh_problem();
	return decide_act(d, p, name, &args, -1, NULL, false, now, pb);
}

static void
take_ok(struct protocol *p, const char *name, const char *param, const char *value,
    int64_t now)
{
	struct problem pb;

	if (take(p, name, param, value, now, &pb) != 0)
		fail_msg("%s refused: %d %s: %s", name, pb.status, pb.code, pb.detail);
}

static int
tm_kind(const struct config *c, const char *action)
{
	return rulebook_action(config_book(c, "testmarket"), action)->kind;
}

/* The last entry of the decision. */
static const struct proto_event *
last_entry(void)
{
	size_t n;
	const struct proto_event *ev = decide_entries(d, &n);

	assert_true(n > 0);
	return &ev[n - 1];
}

/* Creation */

static void
decide_fill__no_marketplace__the_default_rulebook_and_its_response_clock(void **state)
{
	struct protocol p = created(NULL);

	assert_string_equal(p.marketplace, "casas-bahia");
	assert_int_equal(p.state, PROTO_PENDING);
	assert_int_equal(p.clock, RULEBOOK_KIND_RESPONSE);
	assert_int_equal(p.clock_due, t0 + 48 * H);
	assert_int_equal(p.clock_next, t0 + 44 * H);
	/* Where a response leads, its name and its rulebook go without saying (the kind,
	 * the protocol): only the line is kept. */
	assert_non_null(strstr(p.clock_rule, "rule=response_normal;value=48h;source=default;"
	    "line="));
	assert_null(strstr(p.clock_rule, "to="));
	assert_null(strstr(p.clock_rule, "book="));
}

static void
decide_fill__a_marketplace__its_rulebook_response_and_warning(void **state)
{
	struct protocol p = created("testmarket");

	assert_string_equal(p.marketplace, "testmarket");
	assert_int_equal(p.clock, RULEBOOK_KIND_RESPONSE);
	assert_int_equal(p.clock_due, t0 + 72 * H);
	assert_int_equal(p.clock_next, t0 + 70 * H);
	assert_null(strstr(p.clock_rule, "book="));
	assert_non_null(strstr(p.clock_rule, ";file="));
}

static void
decide_check_create__unknown_marketplace__422_listing_the_loaded(void **state)
{
	struct engine_create r = { .id = "P1", .seller = "S1", .marketplace = "nope",
	    .origin = PROTO_CUSTOMER };
	struct problem pb = fresh_problem();

	assert_int_equal(decide_check_create(d, &r, t0, &pb), -1);
	assert_int_equal(pb.status, 422);
	assert_string_equal(pb.code, "unknown_marketplace");
	assert_int_equal(pb.n_allowed, 2);
	assert_string_equal(pb.allowed[0], "casas-bahia");
	assert_string_equal(pb.allowed[1], "testmarket");
	/* A preventive protocol needs a preventive reason of its own marketplace's. */
	r = (struct engine_create){ .id = "P1", .seller = "S1", .marketplace = "testmarket",
	    .origin = PROTO_PREVENTIVE, .reason = "unavailable" };
	pb = fresh_problem();
	assert_int_equal(decide_check_create(d, &r, t0, &pb), -1);
	assert_string_equal(pb.code, "invalid_reason");
	assert_int_equal(pb.n_allowed, 0);
	r.marketplace = NULL;
	assert_int_equal(decide_check_create(d, &r, t0, &pb), 0);
}

static void
decide_same_create__marketplace__the_default_named_or_not_is_the_same(void **state)
{
	struct protocol p = created(NULL);
	struct engine_create r = { .id = "P1", .seller = "S1", .origin = PROTO_CUSTOMER };

	assert_true(decide_same_create(d, &r, &p));
	r.marketplace = "casas-bahia";
	assert_true(decide_same_create(d, &r, &p));
	r.marketplace = "testmarket";
	assert_false(decide_same_create(d, &r, &p));
	p = created("testmarket");
	assert_true(decide_same_create(d, &r, &p));
	r.marketplace = NULL;
	assert_false(decide_same_create(d, &r, &p));
}

/* Actions */

static void
decide_act__an_action_of_another_rulebook__422_unknown_action_listing_its_own(
    void **state)
{
	struct protocol p = created("testmarket");
	struct problem pb;

	assert_true(decide_known_action(d, "request_photos"));
	assert_true(decide_known_action(d, "ask_photos"));
	assert_false(decide_known_action(d, "fly"));
	assert_int_equal(take(&p, "request_photos", NULL, NULL, t0, &pb), -1);
	assert_int_equal(pb.status, 422);
	assert_string_equal(pb.code, "unknown_action");
	assert_int_equal(pb.n_allowed, 3);
	assert_string_equal(pb.allowed[0], "ask_photos");
	assert_string_equal(pb.allowed[1], "schedule_visit");
	assert_string_equal(pb.allowed[2], "remind");
	assert_int_equal(p.version, 1);
	assert_int_equal(p.state, PROTO_PENDING);
}

static void
decide_act__marketplace_not_loaded__409_for_actions_and_events(void **state)
{
	struct protocol p = created("testmarket");
	struct problem pb = fresh_problem();

	strcpy(p.marketplace, "gone");
	assert_int_equal(take(&p, "ask_photos", NULL, NULL, t0, &pb), -1);
	assert_int_equal(pb.status, 409);
	assert_string_equal(pb.code, "marketplace_not_loaded");
	assert_non_null(strstr(pb.detail, "gone"));
	pb = fresh_problem();
	assert_int_equal(decide_event(d, &p, "customer_replied", -1, t0, &pb), -1);
	assert_int_equal(pb.status, 409);
	assert_string_equal(pb.code, "marketplace_not_loaded");
	assert_int_equal(p.version, 1);
}

static void
decide_act__param_plus_duration__due_at_midnight_of_the_date_plus_the_wait(void **state)
{
	struct protocol p = created("testmarket");

	take_ok(&p, "schedule_visit", "visit_date", "2026-03-10", t0);
	assert_int_equal(p.state, PROTO_AWAITING);
	assert_int_equal(p.clock, tm_kind(cfg_a, "schedule_visit"));
	assert_int_equal(p.clock_start, t0);
	assert_int_equal(p.clock_due, at("2026-03-12T00:00:00-03:00"));
	assert_int_equal(p.clock_next, p.clock_due);
	assert_non_null(strstr(p.clock_rule, "rule=schedule_visit;value=2d;source=default;"
	    "date=visit_date:2026-03-10;to=pending;kind=schedule_visit;line="));
	/* attempts = no: the text names no action to count. */
	assert_null(strstr(p.clock_rule, "attempt="));
	/* Its expiry: back to pending, no attempt counted. */
	decide_begin(d);
	assert_int_equal(decide_step(d, &p, p.clock_due), DECIDE_EXPIRED);
	assert_int_equal(p.state, PROTO_PENDING);
	assert_string_equal(p.attempts, "");
	assert_int_equal(p.clock, RULEBOOK_KIND_RESPONSE);
	assert_int_equal(p.clock_start, at("2026-03-12T00:00:00-03:00"));
}

/* Events */

static void
decide_event__awaiting_action_move__only_while_waiting_on_that_action(void **state)
{
	struct protocol p = created("testmarket");
	struct problem pb = fresh_problem();

	assert_true(decide_known_event(d, "customer_replied"));
	assert_false(decide_known_event(d, "visit_done"));
	take_ok(&p, "schedule_visit", "visit_date", "2026-03-10", t0);
	assert_int_equal(decide_event(d, &p, "customer_replied", -1, t0 + H, &pb), 0);
	assert_int_equal(p.state, PROTO_RESOLVED);
	assert_int_equal(p.clock, PROTO_CLOCK_NONE);
	p = created("testmarket");
	take_ok(&p, "remind", NULL, NULL, t0);
	assert_int_equal(decide_event(d, &p, "customer_replied", -1, t0 + H, &pb), 0);
	assert_int_equal(p.state, PROTO_PENDING);
	assert_int_equal(p.clock, RULEBOOK_KIND_RESPONSE);
	assert_int_equal(p.clock_start, t0 + H);
}

/* Expiry */

static void
decide_step__on_timeout_mediation__to_mediation_counting_no_attempt(void **state)
{
	struct protocol p = created("testmarket");
	const struct proto_event *ev;

	take_ok(&p, "ask_photos", NULL, NULL, t0);
	assert_int_equal(p.clock_due, t0 + 24 * H);
	assert_non_null(strstr(p.clock_rule, ";to=mediation;kind=ask_photos;line="));
	decide_begin(d);
	assert_int_equal(decide_step(d, &p, t0 + 25 * H), DECIDE_EXPIRED);
	assert_int_equal(p.state, PROTO_MEDIATION);
	assert_int_equal(p.clock, PROTO_CLOCK_NONE);
	assert_string_equal(p.attempts, "");
	ev = last_entry();
	assert_int_equal(ev->cause, PROTO_CAUSE_EXPIRY);
	assert_string_equal(ev->name, "ask_photos");
	assert_int_equal(ev->from, PROTO_AWAITING);
	assert_int_equal(ev->to, PROTO_MEDIATION);
	assert_int_equal(ev->late_ms, H);
}

/* A reload changed ask_photos (to pending, with an attempt, after 96 h): a clock that
 * started before keeps its due instant and where it leads; one started after follows
 * the new rule, even once the old rulebook is back. */
static void
decide_step__a_kept_rule_text__decides_the_expiry_after_the_rulebook_changed(
    void **state)
{
	struct protocol before_p = created("testmarket"), after_p;

	take_ok(&before_p, "ask_photos", NULL, NULL, t0);
	decide_configure(d, cfg_b, cal);
	after_p = created("testmarket");
	take_ok(&after_p, "ask_photos", NULL, NULL, t0);
	assert_int_equal(before_p.clock_due, t0 + 24 * H);
	assert_int_equal(after_p.clock_due, t0 + 96 * H);
	decide_begin(d);
	decide_step(d, &before_p, before_p.clock_due);
	assert_int_equal(before_p.state, PROTO_MEDIATION);
	assert_string_equal(before_p.attempts, "");
	decide_configure(d, cfg_a, cal);
	decide_begin(d);
	decide_step(d, &after_p, after_p.clock_due);
	assert_int_equal(after_p.state, PROTO_PENDING);
	assert_string_equal(after_p.attempts, "ask_photos=1");
}

/* casas-bahia's photos_wait goes back to pending by its rulebook; a text that says
 * to=mediation is followed. */
static struct protocol
awaiting_photos(const char *rule)
{
	struct protocol p = created(NULL);

	p.state = PROTO_AWAITING;
	p.clock = KIND_PHOTOS;
	p.clock_start = t0;
	p.clock_due = p.clock_next = t0 + 48 * H;
	snprintf(p.clock_rule, sizeof p.clock_rule, "%s", rule);
	return p;
}

static void
decide_step__rule_text_says_to_mediation__mediation_whatever_the_rulebook_says(
    void **state)
{
	struct protocol p = awaiting_photos("rule=photos_wait;value=48h;source=default;"
	    "to=mediation;book=casas-bahia;line=20;file=casas-bahia.ini (built in)");
	const struct proto_event *ev;

	assert_int_equal(decide_step(d, &p, t0 + 48 * H), DECIDE_EXPIRED);
	assert_int_equal(p.state, PROTO_MEDIATION);
	assert_int_equal(p.clock, PROTO_CLOCK_NONE);
	assert_string_equal(p.attempts, "");
	assert_int_equal(p.version, 2);
	ev = last_entry();
	assert_string_equal(ev->name, "photos_wait");
	assert_int_equal(ev->to, PROTO_MEDIATION);
	assert_int_equal(ev->due_at, t0 + 48 * H);
}

static void
decide_step__rule_text_names_an_attempt__counts_that_action(void **state)
{
	struct protocol p = awaiting_photos("rule=photos_wait;value=48h;source=default;"
	    "to=pending;attempt=confirm_address;book=casas-bahia;line=20;file=x");

	strcpy(p.attempts, "confirm_address=2");
	decide_step(d, &p, t0 + 48 * H);
	assert_int_equal(p.state, PROTO_PENDING);
	assert_string_equal(p.attempts, "confirm_address=3");
}

/* A clock started before protocold kept where it leads: as its rulebook says now. */
static void
decide_step__an_old_rule_text__expires_by_the_rulebook_loaded_now(void **state)
{
	struct protocol p = awaiting_photos("rule=photos_wait;value=48h;source=default");

	decide_step(d, &p, t0 + 50 * H);
	assert_int_equal(p.state, PROTO_PENDING);
	assert_string_equal(p.attempts, "request_photos=1");
	/* The response clock starts when the wait ran out, not when it was applied. */
	assert_int_equal(p.clock, RULEBOOK_KIND_RESPONSE);
	assert_int_equal(p.clock_start, t0 + 48 * H);
	assert_int_equal(p.clock_due, t0 + 96 * H);
	assert_string_equal(last_entry()->name, "photos_wait");
	/* No rule text at all: the same. */
	p = awaiting_photos("");
	decide_step(d, &p, t0 + 50 * H);
	assert_int_equal(p.state, PROTO_PENDING);
	assert_string_equal(p.attempts, "request_photos=1");
}

/* A protocol whose marketplace was dropped: its clock runs out by its kept rule, the
 * next clock's durations are the default rulebook's. */
static void
decide_step__marketplace_not_loaded__expires_by_the_kept_rule(void **state)
{
	struct protocol p = created("testmarket");

	take_ok(&p, "remind", NULL, NULL, t0);
	assert_non_null(strstr(p.clock_rule, ";to=pending;kind=remind;attempt=remind;"));
	strcpy(p.marketplace, "gone");
	decide_begin(d);
	assert_int_equal(decide_step(d, &p, p.clock_due), DECIDE_EXPIRED);
	assert_int_equal(p.state, PROTO_PENDING);
	assert_string_equal(p.attempts, "remind=1");
	assert_int_equal(p.clock, RULEBOOK_KIND_RESPONSE);
	assert_int_equal(p.clock_due, t0 + 72 * H + 48 * H);
}

/* A clock of a kind no rulebook loaded names: its history entry is named as its rule
 * text keeps it, else "clock". */
static void
decide_step__a_kind_no_rulebook_names__named_as_its_rule_text_keeps_it(void **state)
{
	struct protocol p = created(NULL);

	strcpy(p.marketplace, "gone");
	p.state = PROTO_AWAITING;
	p.clock = rulebook_kind_number("visit_wait");
	p.clock_start = t0;
	p.clock_due = p.clock_next = t0 + H;
	strcpy(p.clock_rule, "rule=visit_wait;value=1h;source=default;to=resolved;"
	    "kind=visit_wait;book=gone;line=3;file=/etc/protocold/rules/gone.ini");
	decide_step(d, &p, t0 + H);
	assert_string_equal(last_entry()->name, "visit_wait");
	assert_int_equal(last_entry()->to, PROTO_RESOLVED);
	assert_int_equal(p.state, PROTO_RESOLVED);
	assert_int_equal(p.clock, PROTO_CLOCK_NONE);
	p.state = PROTO_AWAITING;
	p.clock = rulebook_kind_number("visit_wait");
	p.clock_due = p.clock_next = t0 + H;
	strcpy(p.clock_rule, "rule=visit_wait;value=1h;source=default;to=resolved");
	decide_begin(d);
	decide_step(d, &p, t0 + H);
	assert_string_equal(last_entry()->name, "clock");
	assert_int_equal(p.state, PROTO_RESOLVED);
}

static void
decide_settle__the_response_of_another_rulebook__warned_then_expired_in_order(
    void **state)
{
	struct protocol p = created("testmarket");
	size_t n;
	const struct proto_event *ev;

	decide_begin(d);
	assert_int_equal(decide_settle(d, &p, t0 + 100 * H), 2);
	ev = decide_entries(d, &n);
	assert_int_equal(n, 2);
	assert_int_equal(ev[0].cause, PROTO_CAUSE_WARNING);
	assert_int_equal(ev[0].due_at, t0 + 70 * H);
	assert_string_equal(ev[0].name, "response");
	assert_int_equal(ev[1].cause, PROTO_CAUSE_EXPIRY);
	assert_int_equal(ev[1].due_at, t0 + 72 * H);
	assert_int_equal(p.state, PROTO_MEDIATION);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, before, after)
		T(decide_fill__no_marketplace__the_default_rulebook_and_its_response_clock),
		T(decide_fill__a_marketplace__its_rulebook_response_and_warning),
		T(decide_check_create__unknown_marketplace__422_listing_the_loaded),
		T(decide_same_create__marketplace__the_default_named_or_not_is_the_same),
		T(decide_act__an_action_of_another_rulebook__422_unknown_action_listing_its_own),
		T(decide_act__marketplace_not_loaded__409_for_actions_and_events),
		T(decide_act__param_plus_duration__due_at_midnight_of_the_date_plus_the_wait),
		T(decide_event__awaiting_action_move__only_while_waiting_on_that_action),
		T(decide_step__on_timeout_mediation__to_mediation_counting_no_attempt),
		T(decide_step__a_kept_rule_text__decides_the_expiry_after_the_rulebook_changed),
		T(decide_step__rule_text_says_to_mediation__mediation_whatever_the_rulebook_says),
		T(decide_step__rule_text_names_an_attempt__counts_that_action),
		T(decide_step__an_old_rule_text__expires_by_the_rulebook_loaded_now),
		T(decide_step__marketplace_not_loaded__expires_by_the_kept_rule),
		T(decide_step__a_kind_no_rulebook_names__named_as_its_rule_text_keeps_it),
		T(decide_settle__the_response_of_another_rulebook__warned_then_expired_in_order),
#undef T
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
