#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal.h"
#include "clock.h"
#include "config.h"
#include "engine.h"
#include "fakestore.h"
#include "metrics.h"
#include "rfc3339.h"
#include "rulebook.h"
#include "store.h"
#include "tmpdir.h"
#include "turn.h"
#include "tz.h"

/*
 * The write path (load → decide → save) against the fake store, on the default
 * deadlines (spec.md §7) in America/Sao_Paulo on the national calendar, with a test
 * clock. What the store holds afterwards, and what each change answered, tell what
 * the engine did; the fake's deferred mode plays a store that answers later.
 */

#define H (3600 * 1000LL)
#define MAXH 64

/* The clock kinds of casas-bahia's waits, as the store keeps them (rulebook.h). */
#define KIND_PHOTOS 2
#define KIND_POSTING 4
#define KIND_PICKUP 5
#define KIND_LETTER 6

/* What a change came to, as done() told it. */
struct answer {
	int calls;
	struct engine_result r;
};

struct fx {
	char dir[256];
	struct event_base *base;
	struct fakestore *fs;
	struct store *st;
	struct metrics *m;
	struct clock *clock;
	struct config *cfg;
	struct cal *cal;
	struct turn *t;
	struct engine *e;
	int64_t t0;		/* the clock's start: Monday 2026-03-02 12:00 local */
	size_t lines;		/* transitions told */
	int fired;		/* engine_fire's last answer */
};

static void
on_told(void *arg, const struct turn_line *lines, size_t n)
{
	((struct fx *)arg)->lines += n;
}

static int64_t
at(const char *s)
{
	int64_t ms = 0;

	if (rfc3339_parse(s, &ms) != 0)
		fail_msg("bad instant %s", s);
	return ms;
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof *fx);
	char path[300], *errors = NULL, *cause = NULL;
	FILE *f;

	if (fx == NULL || tmpdir_make(fx->dir, sizeof fx->dir, "test_engine") != 0)
		return -1;
	snprintf(path, sizeof path, "%s/protocold.ini", fx->dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs("[calendar]\nholidays = br-national\n", f);
	fclose(f);
	if ((fx->cfg = config_load(path, &errors)) == NULL ||
	    tz_set(fx->cfg->timezone, &cause) != 0) {
		print_error("setup: %s%s\n", errors ? errors : "", cause ? cause : "");
		return -1;
	}
	fx->t0 = at("2026-03-02T12:00:00-03:00");
	fx->base = event_base_new();
	fx->fs = fakestore_new();
	fx->st = fakestore_store(fx->fs);
	fx->m = metrics_new();
	fx->clock = clock_new(true, fx->t0);
	fx->cal = cal_new(CAL_BR_NATIONAL, NULL, 0);
	fx->t = turn_new(fx->base, fx->st, fx->m, on_told, fx);
	fx->e = engine_new(fx->st, fx->t, fx->clock, fx->m);
	engine_configure(fx->e, fx->cfg, fx->cal);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(fakestore_violations(fx->fs), 0);
	engine_free(fx->e);
	turn_free(fx->t);
	fakestore_free(fx->fs);
	cal_free(fx->cal);
	clock_free(fx->clock);
	metrics_free(fx->m);
	config_free(fx->cfg);
	event_base_free(fx->base);
	tmpdir_remove(fx->dir);
	free(fx);
	return 0;
}

static void
on_done(void *arg, const struct engine_result *r)
{
	struct answer *a = arg;

	a->calls++;
	a->r = *r;
}

static void
on_fired(void *arg, int n)
{
	((struct fx *)arg)->fired = n;
}

/* The end of the turn: the commit (the fake makes it durable at once). */
static void
end_turn(struct fx *fx)
{
	assert_in_range(event_base_loop(fx->base, EVLOOP_NONBLOCK), 0, 1);
}

static void
set_now(struct fx *fx, int64_t ms)
{
	clock_test_set(fx->clock, ms);
}

/* Create id (customer, normal) and end the turn: its answer. */
static struct answer
create_opened(struct fx *fx, const char *id, bool has_opened, int64_t opened)
{
	struct engine_create r = { .id = id, .seller = "S1", .origin = PROTO_CUSTOMER,
	    .has_opened_at = has_opened, .opened_at = opened };
	struct answer a = { 0 };

	engine_create(fx->e, &r, on_done, &a);
	end_turn(fx);
	assert_int_equal(a.calls, 1);
	return a;
}

static struct answer
create(struct fx *fx, const char *id)
{
	struct answer a = create_opened(fx, id, false, 0);

	assert_int_equal(a.r.status, 201);
	return a;
}

/* Apply an action with one parameter (name NULL: none) and end the turn. */
static struct answer
act1(struct fx *fx, const char *id, const char *action, const char *name,
    const char *value, int64_t if_version)
{
	struct rules_args args = { .n = name != NULL, .name = { name },
	    .value = { value } };
	struct engine_act req = { .id = id, .action = action, .args = &args,
	    .if_version = if_version };
	struct answer a = { 0 };

	engine_act(fx->e, &req, on_done, &a);
	end_turn(fx);
	assert_int_equal(a.calls, 1);
	return a;
}

static struct answer
act(struct fx *fx, const char *id, const char *action)
{
	return act1(fx, id, action, NULL, NULL, -1);
}

static struct answer
event(struct fx *fx, const char *id, const char *name, int64_t if_version)
{
	struct answer a = { 0 };

	engine_event(fx->e, id, name, if_version, on_done, &a);
	end_turn(fx);
	assert_int_equal(a.calls, 1);
	return a;
}

static int
fire(struct fx *fx)
{
	fx->fired = -2;
	assert_int_equal(turn_open(fx->t), 0);
	engine_fire(fx->e, clock_now(fx->clock), 2048, INT64_MAX, on_fired, fx);
	end_turn(fx);
	return fx->fired;
}

/* The protocol as committed. */
static struct protocol
stored(struct fx *fx, const char *id)
{
	struct protocol p;

	assert_true(fakestore_get(fx->fs, id, true, &p));
	return p;
}

/* id's history entries: how many, into h. */
static size_t
history(struct fx *fx, const char *id, const struct fakestore_entry **h)
{
	return fakestore_history_of(fx->fs, id, h, MAXH);
}

static void
entry_is(const struct fakestore_entry *h, enum proto_cause cause, const char *name,
    int from, enum proto_state to)
{
	assert_int_equal(h->ev.cause, cause);
	assert_string_equal(h->ev.name, name);
	assert_int_equal(h->ev.from, from);
	assert_int_equal(h->ev.to, to);
}

/* Creation */

static void
engine_create__new__201_pending_with_its_response_clock(void **state)
{
	struct fx *fx = *state;
	struct answer a = create(fx, "P1");
	const struct fakestore_entry *h[MAXH];
	struct protocol p = stored(fx, "P1");

	assert_int_equal(a.r.p.state, PROTO_PENDING);
	assert_int_equal(p.state, PROTO_PENDING);
	assert_int_equal(p.version, 1);
	assert_int_equal(p.clock, RULEBOOK_KIND_RESPONSE);
	assert_int_equal(p.clock_start, fx->t0);
	assert_int_equal(p.clock_due, fx->t0 + 48 * H);
	/* The warning is the first point: warn_before (4 h) ahead of due. */
	assert_int_equal(p.clock_next, fx->t0 + 44 * H);
	assert_non_null(strstr(p.clock_rule, "rule=response_normal"));
	assert_int_equal(history(fx, "P1", h), 1);
	entry_is(h[0], PROTO_CAUSE_CREATE, "create", -1, PROTO_PENDING);
	assert_int_equal(fx->lines, 1);
}

static void
engine_create__critical__24h_response(void **state)
{
	struct fx *fx = *state;
	struct engine_create r = { .id = "P1", .seller = "S1", .origin = PROTO_CUSTOMER,
	    .critical = true };
	struct answer a = { 0 };

	engine_create(fx->e, &r, on_done, &a);
	end_turn(fx);
	assert_int_equal(a.r.status, 201);
	assert_int_equal(stored(fx, "P1").clock_due, fx->t0 + 24 * H);
}

static void
engine_create__preventive__no_response_clock(void **state)
{
	struct fx *fx = *state;
	struct engine_create r = { .id = "P1", .seller = "S1", .origin = PROTO_PREVENTIVE,
	    .reason = "unavailable" };
	struct answer a = { 0 };

	engine_create(fx->e, &r, on_done, &a);
	end_turn(fx);
	assert_int_equal(a.r.status, 201);
	assert_int_equal(stored(fx, "P1").clock, PROTO_CLOCK_NONE);
}

static void
engine_create__same_body_again__200_nothing_written(void **state)
{
	struct fx *fx = *state;
	struct answer a;
	size_t n0, n1;

	create(fx, "P1");
	fakestore_entries(fx->fs, &n0);
	a = create_opened(fx, "P1", false, 0);
	fakestore_entries(fx->fs, &n1);
	assert_int_equal(a.r.status, 200);
	assert_string_equal(a.r.p.id, "P1");
	assert_int_equal(a.r.p.version, 1);
	assert_int_equal(n1, n0);
	assert_int_equal(fakestore_calls(fx->fs, FAKESTORE_SAVE), 1);
}

static void
engine_create__other_fields_under_the_id__409_id_conflict(void **state)
{
	struct fx *fx = *state;
	struct answer a;

	create(fx, "P1");
	a = create_opened(fx, "P1", true, fx->t0 - H);
	assert_int_equal(a.r.status, 409);
	assert_string_equal(a.r.pb.code, "id_conflict");
	assert_false(stored(fx, "P1").opened_given);
}

static void
engine_create__opened_at_in_the_future__422_nothing_written(void **state)
{
	struct fx *fx = *state;
	struct answer a = create_opened(fx, "P1", true, fx->t0 + 1);
	struct protocol p;

	assert_int_equal(a.r.status, 422);
	assert_string_equal(a.r.pb.code, "opened_at_in_future");
	assert_false(fakestore_get(fx->fs, "P1", false, &p));
}

static void
engine_create__invalid_id__422_before_the_store(void **state)
{
	struct fx *fx = *state;
	struct answer a = create_opened(fx, "no spaces", false, 0);

	assert_int_equal(a.r.status, 422);
	assert_string_equal(a.r.pb.code, "invalid_field");
	assert_int_equal(fakestore_calls(fx->fs, FAKESTORE_INSERT), 0);
}

static void
engine_create__unknown_marketplace__422_listing_the_loaded_nothing_written(void **state)
{
	struct fx *fx = *state;
	struct engine_create r = { .id = "P1", .seller = "S1", .origin = PROTO_CUSTOMER,
	    .marketplace = "nope" };
	struct answer a = { 0 };
	struct protocol p;

	engine_create(fx->e, &r, on_done, &a);
	end_turn(fx);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.r.status, 422);
	assert_string_equal(a.r.pb.code, "unknown_marketplace");
	assert_int_equal(a.r.pb.n_allowed, 1);
	assert_string_equal(a.r.pb.allowed[0], "casas-bahia");
	assert_false(fakestore_get(fx->fs, "P1", false, &p));
	assert_int_equal(fakestore_calls(fx->fs, FAKESTORE_INSERT), 0);
}

/* The default marketplace named or not: the same protocol. */
static void
engine_create__same_body_naming_the_default_marketplace__200(void **state)
{
	struct fx *fx = *state;
	struct engine_create r = { .id = "P1", .seller = "S1", .origin = PROTO_CUSTOMER,
	    .marketplace = "casas-bahia" };
	struct answer a = create(fx, "P1");

	assert_string_equal(a.r.p.marketplace, "casas-bahia");
	assert_string_equal(stored(fx, "P1").marketplace, "casas-bahia");
	a = (struct answer){ 0 };
	engine_create(fx->e, &r, on_done, &a);
	end_turn(fx);
	assert_int_equal(a.r.status, 200);
	assert_int_equal(a.r.p.version, 1);
}

/* spec.md §3: an opened_at so old that the response clock has run out goes to mediation
 * at once, its warning and expiry applied in due order, with their lateness. */
static void
engine_create__opened_at_long_past__mediation_at_once_with_late_ms(void **state)
{
	struct fx *fx = *state;
	struct answer a = create_opened(fx, "P1", true, fx->t0 - 72 * H);
	const struct fakestore_entry *h[MAXH];

	assert_int_equal(a.r.status, 201);
	assert_int_equal(a.r.p.state, PROTO_MEDIATION);
	assert_int_equal(stored(fx, "P1").state, PROTO_MEDIATION);
	assert_int_equal(stored(fx, "P1").clock, PROTO_CLOCK_NONE);
	assert_int_equal(history(fx, "P1", h), 3);
	entry_is(h[0], PROTO_CAUSE_CREATE, "create", -1, PROTO_PENDING);
	entry_is(h[1], PROTO_CAUSE_WARNING, "response", PROTO_PENDING, PROTO_PENDING);
	assert_int_equal(h[1]->ev.late_ms, 28 * H);	/* warned at -28 h */
	entry_is(h[2], PROTO_CAUSE_EXPIRY, "response", PROTO_PENDING, PROTO_MEDIATION);
	assert_int_equal(h[2]->ev.late_ms, 24 * H);	/* due at -24 h */
	assert_int_equal(h[2]->ev.due_at, fx->t0 - 24 * H);
}

/* Actions: each wait and when it is due */

static void
engine_act__request_photos__awaiting_48h_without_warning(void **state)
{
	struct fx *fx = *state;
	struct answer a;
	struct protocol p;

	create(fx, "P1");
	a = act(fx, "P1", "request_photos");
	p = stored(fx, "P1");
	assert_int_equal(a.r.status, 200);
	assert_int_equal(a.r.p.version, 2);
	assert_int_equal(p.state, PROTO_AWAITING);
	assert_int_equal(p.clock, KIND_PHOTOS);
	assert_int_equal(p.clock_due, fx->t0 + 48 * H);
	assert_int_equal(p.clock_next, p.clock_due);
}

static void
engine_act__inform_posting_code__15_days(void **state)
{
	struct fx *fx = *state;
	struct answer a;

	create(fx, "P1");
	a = act1(fx, "P1", "inform_posting_code", "posting_code", "BR123", -1);
	assert_int_equal(a.r.status, 200);
	assert_int_equal(stored(fx, "P1").clock, KIND_POSTING);
	assert_int_equal(stored(fx, "P1").clock_due, fx->t0 + 15 * 24 * H);
}

/* Six business days from Monday the 2nd: Tuesday the 10th, due at its end. */
static void
engine_act__request_cancellation_letter__due_at_the_end_of_6_business_days(void **state)
{
	struct fx *fx = *state;
	struct engine_create r = { .id = "P1", .seller = "S1", .origin = PROTO_PREVENTIVE,
	    .reason = "cancellation_letter" };
	struct answer a = { 0 };

	engine_create(fx->e, &r, on_done, &a);
	end_turn(fx);
	a = act(fx, "P1", "request_cancellation_letter");
	assert_int_equal(a.r.status, 200);
	assert_int_equal(stored(fx, "P1").clock, KIND_LETTER);
	assert_int_equal(stored(fx, "P1").clock_due, at("2026-03-11T00:00:00-03:00"));
	assert_non_null(strstr(stored(fx, "P1").clock_rule, "calendar=br-national"));
}

/* Until 00:00 local of the pickup date, plus the grace (1 d). */
static void
engine_act__inform_pickup_date__due_a_day_after_its_midnight(void **state)
{
	struct fx *fx = *state;
	struct answer a;

	create(fx, "P1");
	a = act1(fx, "P1", "inform_pickup_date", "pickup_date", "2026-03-05", -1);
	assert_int_equal(a.r.status, 200);
	assert_int_equal(stored(fx, "P1").clock, KIND_PICKUP);
	assert_int_equal(stored(fx, "P1").clock_due, at("2026-03-06T00:00:00-03:00"));
}

static void
engine_act__pickup_date_in_the_past__422_nothing_written(void **state)
{
	struct fx *fx = *state;
	struct answer a;

	create(fx, "P1");
	a = act1(fx, "P1", "inform_pickup_date", "pickup_date", "2026-03-01", -1);
	assert_int_equal(a.r.status, 422);
	assert_int_equal(stored(fx, "P1").version, 1);
}

static void
engine_act__message_customer__closed_with_its_reply_window(void **state)
{
	struct fx *fx = *state;
	struct answer a;

	create(fx, "P1");
	a = act1(fx, "P1", "message_customer", "message", "hello", -1);
	assert_int_equal(a.r.status, 200);
	assert_int_equal(stored(fx, "P1").state, PROTO_CLOSED);
	assert_int_equal(stored(fx, "P1").clock, RULEBOOK_KIND_REPLY);
	assert_int_equal(stored(fx, "P1").clock_due, fx->t0 + 60 * 24 * H);
}

static void
engine_act__message_customer_for_an_envvias_seller__409_with_the_allowed_list(
    void **state)
{
	struct fx *fx = *state;
	struct answer a;

	fakestore_put_seller(fx->fs, "S1", true);
	create(fx, "P1");
	a = act1(fx, "P1", "message_customer", "message", "hello", -1);
	assert_int_equal(a.r.status, 409);
	assert_true(a.r.pb.list_allowed);
	assert_true(a.r.pb.n_allowed > 0);
	for (size_t i = 0; i < a.r.pb.n_allowed; i++)
		assert_string_not_equal(a.r.pb.allowed[i], "message_customer");
	assert_int_equal(stored(fx, "P1").state, PROTO_PENDING);
}

static void
engine_act__while_awaiting__409_not_allowed_nothing_written(void **state)
{
	struct fx *fx = *state;
	struct answer a;
	size_t n0, n1;

	create(fx, "P1");
	act(fx, "P1", "request_photos");
	fakestore_entries(fx->fs, &n0);
	a = act(fx, "P1", "confirm_address");
	fakestore_entries(fx->fs, &n1);
	assert_int_equal(a.r.status, 409);
	assert_true(a.r.pb.list_allowed);
	assert_int_equal(a.r.pb.n_allowed, 0);
	assert_int_equal(n1, n0);
}

static void
engine_act__if_version_mismatch__409_version_conflict(void **state)
{
	struct fx *fx = *state;
	struct answer a;

	create(fx, "P1");
	a = act1(fx, "P1", "request_photos", NULL, NULL, 7);
	assert_int_equal(a.r.status, 409);
	assert_string_equal(a.r.pb.code, "version_conflict");
	a = act1(fx, "P1", "request_photos", NULL, NULL, 1);
	assert_int_equal(a.r.status, 200);
}

static void
engine_act__unknown_action_or_protocol__422_then_404(void **state)
{
	struct fx *fx = *state;
	struct answer a;

	/* The action is checked first, as the API always did. */
	a = act(fx, "nope", "fly");
	assert_int_equal(a.r.status, 422);
	assert_string_equal(a.r.pb.code, "unknown_action");
	a = act(fx, "nope", "request_photos");
	assert_int_equal(a.r.status, 404);
	assert_string_equal(a.r.pb.code, "protocol_not_found");
}

static void
engine_act__detail__kept_in_its_history_entry(void **state)
{
	struct fx *fx = *state;
	struct rules_args args = { 1, { "posting_code" }, { "BR9" } };
	char detail[] = "{\"posting_code\":\"BR9\"}";
	struct engine_act req = { .id = "P1", .action = "inform_posting_code", .args = &args,
	    .if_version = -1, .detail = detail };
	const struct fakestore_entry *h[MAXH];
	struct answer a = { 0 };

	create(fx, "P1");
	engine_act(fx->e, &req, on_done, &a);
	memset(detail, 'x', sizeof detail - 1);	/* the caller's copy is gone */
	end_turn(fx);
	assert_int_equal(history(fx, "P1", h), 2);
	assert_string_equal(h[1]->ev.detail, "{\"posting_code\":\"BR9\"}");
}

/* Events */

static void
engine_event__customer_replied_while_awaiting__pending_with_a_new_response_clock(
    void **state)
{
	struct fx *fx = *state;
	struct answer a;

	create(fx, "P1");
	act(fx, "P1", "request_photos");
	set_now(fx, fx->t0 + 10 * H);
	a = event(fx, "P1", "customer_replied", -1);
	assert_int_equal(a.r.status, 200);
	assert_int_equal(stored(fx, "P1").state, PROTO_PENDING);
	assert_int_equal(stored(fx, "P1").clock_start, fx->t0 + 10 * H);
	assert_int_equal(stored(fx, "P1").version, 3);
}

static void
engine_event__document_attached_on_the_letter_wait__resolved(void **state)
{
	struct fx *fx = *state;
	struct engine_create r = { .id = "P1", .seller = "S1", .origin = PROTO_PREVENTIVE,
	    .reason = "cancellation_letter" };
	struct answer a = { 0 };

	engine_create(fx->e, &r, on_done, &a);
	end_turn(fx);
	act(fx, "P1", "request_cancellation_letter");
	a = event(fx, "P1", "document_attached", 2);
	assert_int_equal(a.r.status, 200);
	assert_int_equal(stored(fx, "P1").state, PROTO_RESOLVED);
	assert_int_equal(stored(fx, "P1").clock, PROTO_CLOCK_NONE);
}

static void
engine_event__not_now__409_and_on_no_protocol_404(void **state)
{
	struct fx *fx = *state;

	create(fx, "P1");
	assert_int_equal(event(fx, "P1", "mediation_resolved", -1).r.status, 409);
	assert_int_equal(event(fx, "P1", "no_such_event", -1).r.status, 422);
	assert_int_equal(event(fx, "P2", "customer_replied", -1).r.status, 404);
	assert_int_equal(stored(fx, "P1").version, 1);
}

/* Settling: what is due is applied before the change */

static void
engine_act__a_wait_already_due__applied_first_attempts_counted(void **state)
{
	struct fx *fx = *state;
	const struct fakestore_entry *h[MAXH];
	struct answer a;

	create(fx, "P1");
	act(fx, "P1", "request_photos");
	set_now(fx, fx->t0 + 49 * H);
	a = act(fx, "P1", "confirm_address");
	assert_int_equal(a.r.status, 200);
	assert_string_equal(a.r.p.attempts, "request_photos=1");	/* ran out once */
	assert_int_equal(a.r.p.version, 4);
	assert_int_equal(history(fx, "P1", h), 4);
	entry_is(h[2], PROTO_CAUSE_EXPIRY, "photos_wait", PROTO_AWAITING, PROTO_PENDING);
	assert_int_equal(h[2]->ev.late_ms, 1 * H);
	entry_is(h[3], PROTO_CAUSE_ACTION, "confirm_address", PROTO_PENDING,
	    PROTO_AWAITING);
}

static void
engine_act__refused_after_settling__writes_nothing_not_even_the_settled(void **state)
{
	struct fx *fx = *state;
	struct answer a;
	size_t n0, n1;

	create(fx, "P1");
	act(fx, "P1", "request_photos");
	set_now(fx, fx->t0 + 49 * H);
	fakestore_entries(fx->fs, &n0);
	a = act1(fx, "P1", "confirm_address", NULL, NULL, 2);
	fakestore_entries(fx->fs, &n1);
	/* Settled, it is at version 3: the refusal names it, and nothing is kept. */
	assert_int_equal(a.r.status, 409);
	assert_non_null(strstr(a.r.pb.detail, "version 3"));
	assert_int_equal(n1, n0);
	assert_int_equal(stored(fx, "P1").state, PROTO_AWAITING);
	assert_int_equal(fx->lines, 2);
}

/* The scheduler's batches */

static void
engine_fire__warn_before__one_warning_no_change_of_state(void **state)
{
	struct fx *fx = *state;
	const struct fakestore_entry *h[MAXH];
	struct protocol p;

	create(fx, "P1");
	set_now(fx, fx->t0 + 44 * H);
	assert_int_equal(fire(fx), 1);
	p = stored(fx, "P1");
	assert_int_equal(p.state, PROTO_PENDING);
	assert_int_equal(p.version, 1);
	assert_int_equal(p.clock_next, p.clock_due);
	assert_int_equal(history(fx, "P1", h), 2);
	entry_is(h[1], PROTO_CAUSE_WARNING, "response", PROTO_PENDING, PROTO_PENDING);
	assert_string_equal(h[1]->ev.detail, "{\"expires_at\":\"2026-03-04T12:00:00-03:00\"}");
	assert_int_equal(h[1]->ev.late_ms, 0);
	/* Once. */
	assert_int_equal(fire(fx), 0);
	assert_int_equal(history(fx, "P1", h), 2);
}

static void
engine_fire__nothing_due__0_and_nothing_written(void **state)
{
	struct fx *fx = *state;

	create(fx, "P1");
	assert_int_equal(fire(fx), 0);
	assert_int_equal(fakestore_calls(fx->fs, FAKESTORE_SAVE), 1);
}

/* After downtime: a 48 h wait that ran out starts the response clock at its due
 * instant, which has run out too: every point applied once, in due order, each with
 * how late it was. */
static void
engine_fire__a_chain_run_out_during_downtime__each_point_once_in_due_order(void **state)
{
	struct fx *fx = *state;
	const struct fakestore_entry *h[MAXH];
	int64_t now = fx->t0 + 100 * H;

	create(fx, "P1");
	act(fx, "P1", "request_photos");
	set_now(fx, now);
	assert_int_equal(fire(fx), 3);
	assert_int_equal(history(fx, "P1", h), 5);
	entry_is(h[2], PROTO_CAUSE_EXPIRY, "photos_wait", PROTO_AWAITING, PROTO_PENDING);
	assert_int_equal(h[2]->ev.due_at, fx->t0 + 48 * H);
	assert_int_equal(h[2]->ev.late_ms, now - (fx->t0 + 48 * H));
	entry_is(h[3], PROTO_CAUSE_WARNING, "response", PROTO_PENDING, PROTO_PENDING);
	assert_int_equal(h[3]->ev.due_at, fx->t0 + 92 * H);
	entry_is(h[4], PROTO_CAUSE_EXPIRY, "response", PROTO_PENDING, PROTO_MEDIATION);
	assert_int_equal(h[4]->ev.late_ms, now - (fx->t0 + 96 * H));
	assert_int_equal(stored(fx, "P1").state, PROTO_MEDIATION);
	assert_string_equal(stored(fx, "P1").attempts, "request_photos=1");
	assert_int_equal(fire(fx), 0);
}

static void
engine_fire__points_of_several_protocols__applied_in_due_order(void **state)
{
	struct fx *fx = *state;
	const struct fakestore_entry *e;
	int64_t want[] = { 48, 54, 58, 92, 96 };	/* due, hours after t0 */
	size_t n;

	create(fx, "A");
	act(fx, "A", "request_photos");	/* A: 48 (wait), then 92 and 96 */
	set_now(fx, fx->t0 + 10 * H);
	create(fx, "B");			/* B: 54 (warning), 58 */
	set_now(fx, fx->t0 + 100 * H);
	assert_int_equal(fire(fx), 5);
	e = fakestore_entries(fx->fs, &n);
	assert_int_equal(n, 3 + 5);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(e[3 + i].ev.due_at, fx->t0 + want[i] * H);
	assert_string_equal(e[3].id, "A");
	assert_string_equal(e[4].id, "B");
	assert_string_equal(e[6].id, "A");
}

static void
engine_fire__a_batch_of_max__stops_there_in_due_order(void **state)
{
	struct fx *fx = *state;
	char id[16];

	for (int i = 0; i < 5; i++) {
		snprintf(id, sizeof id, "P%d", i);
		create(fx, id);
	}
	set_now(fx, fx->t0 + 44 * H);
	fx->fired = -2;
	assert_int_equal(turn_open(fx->t), 0);
	engine_fire(fx->e, clock_now(fx->clock), 3, INT64_MAX, on_fired, fx);
	end_turn(fx);
	assert_int_equal(fx->fired, 3);
	assert_int_equal(fire(fx), 2);
}

static void
engine_fire__points_applied__counted_in_the_lateness_histogram(void **state)
{
	struct fx *fx = *state;
	struct metrics_snapshot snap = { 0 };
	char *text;

	/* One by the scheduler, two by settling before a change: all three count. */
	create(fx, "P1");
	act(fx, "P1", "request_photos");
	create(fx, "P2");
	set_now(fx, fx->t0 + 44 * H);
	assert_int_equal(fire(fx), 1);	/* P2's warning; P1 waits until 48 h */
	set_now(fx, fx->t0 + 93 * H);
	act(fx, "P1", "request_photos");	/* its wait ran out, then its warning */
	text = metrics_render(fx->m, &snap);
	assert_non_null(strstr(text, "protocold_firing_lateness_seconds_count 3\n"));
	free(text);
}

/* Store failures */

static void
engine_act__the_store_fails_the_save__503_and_the_turn_rolled_back(void **state)
{
	struct fx *fx = *state;
	struct rules_args none = { 0 };
	struct engine_act req = { .id = "P1", .action = "request_photos", .args = &none,
	    .if_version = -1 };
	struct answer a = { 0 }, b = { 0 };

	create(fx, "P1");
	create(fx, "P2");
	/* Two changes in one turn; the second's save fails: neither is kept. */
	req.id = "P2";
	engine_act(fx->e, &req, on_done, &b);
	assert_int_equal(b.r.status, 200);
	fakestore_fail(fx->fs, FAKESTORE_SAVE, 1);
	req.id = "P1";
	engine_act(fx->e, &req, on_done, &a);
	assert_int_equal(a.r.status, 503);
	assert_string_equal(a.r.pb.code, "database_unavailable");
	assert_non_null(strstr(a.r.pb.detail, "the change was not saved"));
	end_turn(fx);
	assert_int_equal(fakestore_rollbacks(fx->fs), 1);
	assert_int_equal(stored(fx, "P1").version, 1);
	assert_int_equal(stored(fx, "P2").version, 1);
}

static void
engine_act__the_load_fails__503(void **state)
{
	struct fx *fx = *state;
	struct answer a;

	create(fx, "P1");
	fakestore_fail(fx->fs, FAKESTORE_LOAD, 1);
	a = act(fx, "P1", "request_photos");
	assert_int_equal(a.r.status, 503);
	assert_string_equal(a.r.pb.code, "database_unavailable");
}

static void
engine_create__the_store_takes_no_writes__503_cannot_take_writes(void **state)
{
	struct fx *fx = *state;
	struct answer a;

	fakestore_fail(fx->fs, FAKESTORE_BEGIN, 1);
	a = create_opened(fx, "P1", false, 0);
	assert_int_equal(a.r.status, 503);
	assert_non_null(strstr(a.r.pb.detail, "cannot take writes now"));
	assert_int_equal(fakestore_calls(fx->fs, FAKESTORE_INSERT), 0);
}

static void
engine_create__the_insert_fails__503(void **state)
{
	struct fx *fx = *state;
	struct answer a;

	fakestore_fail(fx->fs, FAKESTORE_INSERT, 1);
	a = create_opened(fx, "P1", false, 0);
	assert_int_equal(a.r.status, 503);
	assert_int_equal(fakestore_rollbacks(fx->fs), 1);
}

static void
engine_fire__the_due_read_fails__minus_1_and_the_turn_spoiled(void **state)
{
	struct fx *fx = *state;

	create(fx, "P1");
	set_now(fx, fx->t0 + 44 * H);
	fakestore_fail(fx->fs, FAKESTORE_DUE, 1);
	assert_int_equal(fire(fx), -1);
	assert_int_equal(fakestore_rollbacks(fx->fs), 1);
	assert_int_equal(fire(fx), 1);
}

/* Sellers */

/* What store_seller answered. */
struct seller_read {
	int calls, rc;
	bool envvias;
};

static void
on_seller(void *arg, int rc, bool envvias, const int64_t counts[PROTO_N_STATES],
    int64_t mediations)
{
	struct seller_read *r = arg;

	r->calls++;
	r->rc = rc;
	r->envvias = envvias;
}

static void
engine_seller_put__valid_200_invalid_422_failing_503(void **state)
{
	struct fx *fx = *state;
	struct answer a = { 0 };
	struct seller_read r = { 0 };

	engine_seller_put(fx->e, "S9", true, on_done, &a);
	assert_int_equal(a.r.status, 200);
	assert_true(a.r.envvias);
	end_turn(fx);
	store_seller(fx->st, "S9", 0, on_seller, &r);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.rc, 0);
	assert_true(r.envvias);
	engine_seller_put(fx->e, "bad id", true, on_done, &a);
	assert_int_equal(a.r.status, 422);
	fakestore_fail(fx->fs, FAKESTORE_SELLER, 1);
	engine_seller_put(fx->e, "S9", false, on_done, &a);
	assert_int_equal(a.r.status, 503);
	end_turn(fx);
	assert_int_equal(a.calls, 3);
}

/* A store that answers later (client-server) */

static int
setup_deferred(void **state)
{
	if (setup(state) != 0)
		return -1;
	fakestore_defer(((struct fx *)*state)->fs, true);
	return 0;
}

/* Answer everything the store owes, the commits included, and end the turns. */
static void
settle_all(struct fx *fx)
{
	for (int i = 0; i < 16 && (fakestore_queued(fx->fs) > 0 || store_in_txn(fx->st));
	    i++) {
		fakestore_flush(fx->fs);
		end_turn(fx);
	}
	assert_int_equal(fakestore_queued(fx->fs), 0);
}

static void
deferred__create__row_and_entry_in_one_transaction(void **state)
{
	struct fx *fx = *state;
	struct engine_create r = { .id = "P1", .seller = "S1", .origin = PROTO_CUSTOMER };
	struct answer a = { 0 };
	size_t n;

	engine_create(fx->e, &r, on_done, &a);
	end_turn(fx);
	/* The insert's answer is owed: the transaction waits for it. */
	assert_int_equal(a.calls, 0);
	assert_true(store_in_txn(fx->st));
	assert_int_equal(fakestore_commits(fx->fs), 0);
	settle_all(fx);
	assert_int_equal(a.r.status, 201);
	assert_int_equal(fakestore_commits(fx->fs), 1);
	fakestore_entries(fx->fs, &n);
	assert_int_equal(n, 1);
}

static void
deferred__two_changes_of_one_id__the_second_sees_the_first(void **state)
{
	struct fx *fx = *state;
	struct rules_args none = { 0 };
	struct engine_act req = { .id = "P1", .action = "request_photos", .args = &none,
	    .if_version = 1 };
	struct answer a = { 0 }, b = { 0 }, c = { 0 };

	engine_create(fx->e, &(struct engine_create){ .id = "P1", .seller = "S1" },
	    on_done, &c);
	settle_all(fx);
	engine_act(fx->e, &req, on_done, &a);
	/* Asked before the act's load is answered: it waits for the act's save. */
	engine_event(fx->e, "P1", "customer_replied", 2, on_done, &b);
	assert_int_equal(fakestore_calls(fx->fs, FAKESTORE_LOAD), 1);
	settle_all(fx);
	assert_int_equal(a.r.status, 200);
	assert_int_equal(b.r.status, 200);
	assert_int_equal(b.r.p.version, 3);
	assert_int_equal(stored(fx, "P1").state, PROTO_PENDING);
}

static void
deferred__a_protocol_whose_load_is_owed__left_to_its_change_by_the_batch(void **state)
{
	struct fx *fx = *state;
	struct answer a = { 0 };
	const struct fakestore_entry *h[MAXH];

	engine_create(fx->e, &(struct engine_create){ .id = "P1", .seller = "S1" },
	    on_done, &a);
	settle_all(fx);
	set_now(fx, fx->t0 + 45 * H);
	/* The due read is asked, then the event's load: the due read answers first, and
	 * the batch leaves P1 to the change being decided. */
	fx->fired = -2;
	engine_fire(fx->e, clock_now(fx->clock), 2048, INT64_MAX, on_fired, fx);
	engine_event(fx->e, "P1", "mediation_resolved", -1, on_done, &a);
	settle_all(fx);
	assert_int_equal(fx->fired, 0);
	/* The change was refused: nothing of it, its settling included, is kept. */
	assert_int_equal(a.r.status, 409);
	assert_int_equal(history(fx, "P1", h), 1);
	/* Nothing in flight now: the next batch applies the warning, once. */
	fx->fired = -2;
	engine_fire(fx->e, clock_now(fx->clock), 2048, INT64_MAX, on_fired, fx);
	settle_all(fx);
	assert_int_equal(fx->fired, 1);
	assert_int_equal(history(fx, "P1", h), 2);
}

static void
deferred__saved_while_the_due_read_was_owed__skipped_by_that_batch(void **state)
{
	struct fx *fx = *state;
	struct answer a = { 0 };
	const struct fakestore_entry *h[MAXH];

	engine_create(fx->e, &(struct engine_create){ .id = "P1", .seller = "S1" },
	    on_done, &a);
	settle_all(fx);
	set_now(fx, fx->t0 + 45 * H);
	/* The act's load is asked first and answered first: its save (with the warning
	 * settled) comes after the due read, whose answer has P1 as it was before. */
	engine_act(fx->e, &(struct engine_act){ .id = "P1", .action = "request_photos",
	    .args = &(struct rules_args){ 0 }, .if_version = -1 }, on_done, &a);
	fx->fired = -2;
	engine_fire(fx->e, clock_now(fx->clock), 2048, INT64_MAX, on_fired, fx);
	settle_all(fx);
	assert_int_equal(a.r.status, 200);
	assert_int_equal(fx->fired, 0);
	/* create, warning (settled by the act), action: the warning once. */
	assert_int_equal(history(fx, "P1", h), 3);
	entry_is(h[1], PROTO_CAUSE_WARNING, "response", PROTO_PENDING, PROTO_PENDING);
}

/* A change of a protocol saved while a due read is owed goes on at once: the saved
 * protocol is only left out of that batch. */
static void
deferred__a_change_after_one_saved_during_a_due_read__goes_on(void **state)
{
	struct fx *fx = *state;
	struct answer a = { 0 }, b = { 0 };

	engine_create(fx->e, &(struct engine_create){ .id = "P1", .seller = "S1" },
	    on_done, &a);
	settle_all(fx);
	engine_act(fx->e, &(struct engine_act){ .id = "P1", .action = "request_photos",
	    .args = &(struct rules_args){ 0 }, .if_version = -1 }, on_done, &a);
	fx->fired = -2;
	engine_fire(fx->e, clock_now(fx->clock), 2048, INT64_MAX, on_fired, fx);
	/* The act's load is answered and it saves; the due read is still owed. */
	assert_int_equal(fakestore_step(fx->fs), 1);
	assert_int_equal(a.r.status, 200);
	engine_event(fx->e, "P1", "customer_replied", 2, on_done, &b);
	settle_all(fx);
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.r.status, 200);
	assert_int_equal(stored(fx, "P1").version, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(engine_create__new__201_pending_with_its_response_clock),
		T(engine_create__critical__24h_response),
		T(engine_create__preventive__no_response_clock),
		T(engine_create__same_body_again__200_nothing_written),
		T(engine_create__other_fields_under_the_id__409_id_conflict),
		T(engine_create__opened_at_in_the_future__422_nothing_written),
		T(engine_create__invalid_id__422_before_the_store),
		T(engine_create__unknown_marketplace__422_listing_the_loaded_nothing_written),
		T(engine_create__same_body_naming_the_default_marketplace__200),
		T(engine_create__opened_at_long_past__mediation_at_once_with_late_ms),
		T(engine_act__request_photos__awaiting_48h_without_warning),
		T(engine_act__inform_posting_code__15_days),
		T(engine_act__request_cancellation_letter__due_at_the_end_of_6_business_days),
		T(engine_act__inform_pickup_date__due_a_day_after_its_midnight),
		T(engine_act__pickup_date_in_the_past__422_nothing_written),
		T(engine_act__message_customer__closed_with_its_reply_window),
		T(engine_act__message_customer_for_an_envvias_seller__409_with_the_allowed_list),
		T(engine_act__while_awaiting__409_not_allowed_nothing_written),
		T(engine_act__if_version_mismatch__409_version_conflict),
		T(engine_act__unknown_action_or_protocol__422_then_404),
		T(engine_act__detail__kept_in_its_history_entry),
		T(engine_event__customer_replied_while_awaiting__pending_with_a_new_response_clock),
		T(engine_event__document_attached_on_the_letter_wait__resolved),
		T(engine_event__not_now__409_and_on_no_protocol_404),
		T(engine_act__a_wait_already_due__applied_first_attempts_counted),
		T(engine_act__refused_after_settling__writes_nothing_not_even_the_settled),
		T(engine_fire__warn_before__one_warning_no_change_of_state),
		T(engine_fire__nothing_due__0_and_nothing_written),
		T(engine_fire__a_chain_run_out_during_downtime__each_point_once_in_due_order),
		T(engine_fire__points_of_several_protocols__applied_in_due_order),
		T(engine_fire__a_batch_of_max__stops_there_in_due_order),
		T(engine_fire__points_applied__counted_in_the_lateness_histogram),
		T(engine_act__the_store_fails_the_save__503_and_the_turn_rolled_back),
		T(engine_act__the_load_fails__503),
		T(engine_create__the_store_takes_no_writes__503_cannot_take_writes),
		T(engine_create__the_insert_fails__503),
		T(engine_fire__the_due_read_fails__minus_1_and_the_turn_spoiled),
		T(engine_seller_put__valid_200_invalid_422_failing_503),
#undef T
#define D(f) cmocka_unit_test_setup_teardown(f, setup_deferred, teardown)
		D(deferred__create__row_and_entry_in_one_transaction),
		D(deferred__two_changes_of_one_id__the_second_sees_the_first),
		D(deferred__a_protocol_whose_load_is_owed__left_to_its_change_by_the_batch),
		D(deferred__saved_while_the_due_read_was_owed__skipped_by_that_batch),
		D(deferred__a_change_after_one_saved_during_a_due_read__goes_on),
#undef D
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
