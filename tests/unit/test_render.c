#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "problem.h"
#include "proto.h"
#include "render.h"
#include "rfc3339.h"
#include "rules.h"

/*
 * The answers' objects. The API wrote history entries, problems and state counts with
 * jansson (json_pack, then a compact json_dumps) before every answer moved to jsonw;
 * those builders are kept here as the reference, and what render writes must be the
 * same bytes. A protocol was already written with jsonw: its checks are that the
 * memo of allowed actions changes nothing and that the text parses.
 */

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The former render_time, render_event, render_problem, render_state_counts. */
static json_t *
ref_time(int64_t ms)
{
	char buf[RFC3339_LEN];

	return json_string(rfc3339_format(ms, buf));
}

static json_t *
ref_event(const struct proto_event *ev, const char *protocol)
{
	json_t *o = json_pack("{s:I, s:s, s:o, s:o, s:s, s:s, s:s}",
	    "seq", (json_int_t)ev->seq, "protocol", protocol, "at", ref_time(ev->at),
	    "from", ev->from >= 0 ? json_string(proto_state_name(ev->from)) : json_null(),
	    "to", proto_state_name(ev->to), "cause", proto_cause_name(ev->cause),
	    "name", ev->name);
	json_t *detail;

	if (ev->due_at != 0) {
		json_object_set_new(o, "due_at", ref_time(ev->due_at));
		json_object_set_new(o, "late_ms", json_integer(ev->late_ms));
	}
	if (ev->detail != NULL && (detail = json_loads(ev->detail, 0, NULL)) != NULL)
		json_object_set_new(o, "detail", detail);
	return o;
}

static json_t *
ref_problem(const struct problem *pb)
{
	json_t *o = json_pack("{s:s+, s:s, s:i, s:s, s:s}",
	    "type", "urn:protocold:problem:", pb->code, "title",
	    render_status_title(pb->status), "status", pb->status, "detail", pb->detail,
	    "code", pb->code);

	if (pb->list_allowed) {
		json_t *a = json_array();

		for (size_t i = 0; i < pb->n_allowed; i++)
			json_array_append_new(a, json_string(pb->allowed[i]));
		json_object_set_new(o, "allowed", a);
	}
	return o;
}

static json_t *
ref_state_counts(const int64_t *counts)
{
	json_t *o = json_object();

	for (int s = 0; s < PROTO_N_STATES; s++)
		json_object_set_new(o, proto_state_name(s), json_integer(counts[s]));
	return o;
}

/* The compact dump of ref (taken). */
static char *
dump(json_t *ref)
{
	char *s;

	assert_non_null(ref);
	s = json_dumps(ref, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(ref);
	assert_non_null(s);
	return s;
}

/* What w holds (taken from it). */
static char *
take(struct jsonw *w)
{
	size_t len;
	char *s = jsonw_take(w, &len);

	assert_int_equal(strlen(s), len);
	return s;
}

static void
assert_same(char *got, char *want)
{
	if (strcmp(got, want) != 0)
		fail_msg("render: %s\njansson: %s", got, want);
	free(got);
	free(want);
}

static void
render_event__each_kind_of_entry__writes_what_jansson_wrote(void **state)
{
	/* The detail texts are what api.c stores: a compact dump of the parameters. */
	const struct proto_event evs[] = {
		{ .seq = 1, .at = 1795460400000, .from = -1, .to = PROTO_PENDING,
		    .cause = PROTO_CAUSE_CREATE, .name = "create" },
		{ .seq = 42, .at = 1795460400123, .from = PROTO_PENDING,
		    .to = PROTO_AWAITING, .cause = PROTO_CAUSE_ACTION,
		    .name = "inform_posting_code", .detail = "{\"code\":\"AB123\"}" },
		{ .seq = 9007199254740993, .at = 1795633200000, .from = PROTO_AWAITING,
		    .to = PROTO_MEDIATION, .cause = PROTO_CAUSE_EXPIRY, .name = "photos",
		    .due_at = 1795633199000, .late_ms = 1000 },
		{ .seq = 7, .at = 1795460400000, .from = PROTO_CLOSED, .to = PROTO_CLOSED,
		    .cause = PROTO_CAUSE_WARNING, .name = "reply", .due_at = 1795460400000,
		    .late_ms = 0 },
		{ .seq = 8, .at = 1795460400000, .from = PROTO_CLOSED, .to = PROTO_CLOSED,
		    .cause = PROTO_CAUSE_ACTION, .name = "message_customer",
		    .detail = "{\"message\":\"ol\xc3\xa1\\n\\\"quoted\\\" \\\\ tab\\t/\"}" },
		{ .seq = 9, .at = 1795460400000, .from = PROTO_CLOSED, .to = PROTO_CLOSED,
		    .cause = PROTO_CAUSE_ACTION, .name = "inform_pickup_date",
		    .detail = "{\"date\":\"2026-11-30\",\"note\":\"\"}" },
	};

	for (size_t i = 0; i < NELEM(evs); i++) {
		struct jsonw w;

		jsonw_init(&w, NULL);
		render_event(&w, &evs[i], "P-1.a:b_c");
		assert_same(take(&w), dump(ref_event(&evs[i], "P-1.a:b_c")));
	}
}

static void
render_event__a_detail_that_is_not_an_object__is_left_out(void **state)
{
	struct proto_event ev = { .seq = 3, .at = 0, .from = PROTO_PENDING,
	    .to = PROTO_AWAITING, .cause = PROTO_CAUSE_EVENT, .name = "customer_replied" };
	const char *bad[] = { "", "not json", "\"a string\"" };

	for (size_t i = 0; i < NELEM(bad); i++) {
		struct jsonw w;
		char *s;

		ev.detail = bad[i];
		jsonw_init(&w, NULL);
		render_event(&w, &ev, "P1");
		s = take(&w);
		assert_null(strstr(s, "detail"));
		assert_same(s, dump(ref_event(&ev, "P1")));
	}
}

static void
render_problem__with_and_without_allowed__writes_what_jansson_wrote(void **state)
{
	struct problem pb;
	const int statuses[] = { 400, 403, 404, 405, 409, 413, 422, 500, 503, 418 };

	for (size_t i = 0; i < NELEM(statuses); i++) {
		struct jsonw w;

		problem_set(&pb, statuses[i], "some_code", "a detail with \"quotes\", a tab\t, "
		    "a bad byte \xff and \xc3\xa9 (status %d)", statuses[i]);
		jsonw_init(&w, NULL);
		render_problem(&w, &pb);
		assert_same(take(&w), dump(ref_problem(&pb)));
	}
	problem_set(&pb, 409, "action_not_allowed", "not now");
	problem_allow(&pb, "request_photos");
	problem_allow(&pb, "cancel_sale");
	for (int k = 0; k < 2; k++) {
		struct jsonw w;

		jsonw_init(&w, NULL);
		render_problem(&w, &pb);
		assert_same(take(&w), dump(ref_problem(&pb)));
		problem_set(&pb, 409, "event_not_allowed", "none allowed");
		problem_allow(&pb, NULL);	/* an empty list, shown */
	}
}

static void
render_problem_open__more_members__come_after_the_standard_ones(void **state)
{
	struct problem pb;
	struct jsonw w;
	json_t *ref;

	problem_set(&pb, 422, "config_invalid", "the configuration file has errors");
	jsonw_init(&w, NULL);
	render_problem_open(&w, &pb);
	jsonw_key(&w, "errors");
	jsonw_arr(&w);
	jsonw_str(&w, "line 1");
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	ref = ref_problem(&pb);
	json_object_set_new(ref, "errors", json_pack("[s]", "line 1"));
	assert_same(take(&w), dump(ref));
}

static void
render_state_counts__every_state__writes_what_jansson_wrote(void **state)
{
	const int64_t counts[PROTO_N_STATES] = { 0, 1, -1, INT64_MAX, 123456789, 7 };
	struct jsonw w;

	jsonw_init(&w, NULL);
	render_state_counts(&w, counts);
	assert_same(take(&w), dump(ref_state_counts(counts)));
}

static void
render_status_title__known_and_unknown__names_them(void **state)
{
	assert_string_equal(render_status_title(201), "Created");
	assert_string_equal(render_status_title(413), "Content Too Large");
	assert_string_equal(render_status_title(599), "Internal Server Error");
	assert_string_equal(render_status_title(418), "Error");
}

/* A protocol in state s with every action attempted once. */
static void
protocol_in(struct protocol *p, enum proto_state s, enum proto_origin origin)
{
	memset(p, 0, sizeof *p);
	p->rid = 1;
	strcpy(p->id, "P1");
	strcpy(p->seller, "S1");
	strcpy(p->order, "O-9");
	p->origin = origin;
	if (origin == PROTO_PREVENTIVE)
		strcpy(p->reason, "damaged_item");
	p->opened_at = 1795460400000;
	p->state = s;
	p->clock = PROTO_CLOCK_NONE;
	p->version = 3;
	p->updated_at = 1795460401000;
	for (int i = 0; i < PROTO_N_ACTIONS; i++)
		p->attempts[i] = (uint32_t)i;
}

static void
render_protocol__memo_of_allowed_actions__changes_no_byte(void **state)
{
	struct render *memo = render_new(), *fresh;
	struct protocol p;
	char *first[PROTO_N_STATES * 2];

	/* More sets than the memo keeps, twice: the second round partly from it. */
	for (int round = 0; round < 2; round++)
		for (int s = 0; s < PROTO_N_STATES * 2; s++) {
			struct jsonw w;
			json_t *parsed;
			char *text;

			protocol_in(&p, s / 2, PROTO_CUSTOMER);
			jsonw_init(&w, NULL);
			render_protocol(memo, &w, &p, s % 2 == 1, 1795460402000, NULL);
			text = take(&w);
			parsed = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
			if (parsed == NULL)
				fail_msg("not JSON: %s", text);
			assert_true(json_is_array(json_object_get(parsed, "allowed_actions")));
			assert_true(json_is_null(json_object_get(parsed, "clock")));
			json_decref(parsed);
			if (round == 0)
				first[s] = text;
			else {
				/* A new memo renders the same text as the used one. */
				fresh = render_new();
				jsonw_init(&w, NULL);
				render_protocol(fresh, &w, &p, s % 2 == 1, 1795460402000, NULL);
				assert_same(take(&w), strdup(text));
				render_free(fresh);
				assert_same(text, first[s]);
			}
		}
	render_free(memo);
	render_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(render_event__each_kind_of_entry__writes_what_jansson_wrote),
		cmocka_unit_test(render_event__a_detail_that_is_not_an_object__is_left_out),
		cmocka_unit_test(render_problem__with_and_without_allowed__writes_what_jansson_wrote),
		cmocka_unit_test(render_problem_open__more_members__come_after_the_standard_ones),
		cmocka_unit_test(render_state_counts__every_state__writes_what_jansson_wrote),
		cmocka_unit_test(render_status_title__known_and_unknown__names_them),
		cmocka_unit_test(render_protocol__memo_of_allowed_actions__changes_no_byte),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
