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

#include "cal.h"
#include "config.h"
#include "jsonw.h"
#include "problem.h"
#include "proto.h"
#include "render.h"
#include "rfc3339.h"
#include "rulebook.h"
#include "rules.h"
#include "tmpdir.h"

/*
 * The answers' objects. The API wrote history entries, problems and state counts with
 * jansson (json_pack, then a compact json_dumps) before every answer moved to jsonw;
 * those builders are kept here as the reference, and what render writes must be the
 * same bytes. A protocol was already written with jsonw: its checks are that the
 * memo of allowed actions changes nothing and that the text parses, and the members
 * rulebooks brought (marketplace, allowed_action_labels) are where the API says. The
 * rules are the built-in casas-bahia rulebook's (a configuration without [rules]).
 */

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static char dir[256];
static struct config *cfg;
static const struct rulebook *book;	/* casas-bahia */

static int
setup(void **state)
{
	char path[300], *errors = NULL;
	FILE *f;

	if (tmpdir_make(dir, sizeof dir, "test_render") != 0)
		return -1;
	snprintf(path, sizeof path, "%s/protocold.ini", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fclose(f);
	if ((cfg = config_load(path, &errors)) == NULL) {
		print_error("setup: %s\n", errors ? errors : "");
		return -1;
	}
	book = config_default_book(cfg);
	return 0;
}

static int
teardown(void **state)
{
	config_free(cfg);
	tmpdir_remove(dir);
	return 0;
}

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

/* A protocol of casas-bahia in state s with action i attempted i times. */
static void
protocol_in(struct protocol *p, enum proto_state s, enum proto_origin origin)
{
	memset(p, 0, sizeof *p);
	p->rid = 1;
	strcpy(p->id, "P1");
	strcpy(p->seller, "S1");
	strcpy(p->marketplace, "casas-bahia");
	strcpy(p->order, "O-9");
	p->origin = origin;
	if (origin == PROTO_PREVENTIVE)
		strcpy(p->reason, "damaged_item");
	p->opened_at = 1795460400000;
	p->state = s;
	p->clock = PROTO_CLOCK_NONE;
	p->version = 3;
	p->updated_at = 1795460401000;
	for (size_t i = 0; i < book->n_actions; i++)
		for (size_t k = 0; k < i; k++)
			rules_attempt_add(p, book->actions[i].name);
}

static void
render_protocol__memo_of_allowed_actions__changes_no_byte(void **state)
{
	struct render *memo = render_new(), *fresh;
	struct protocol p;
	char *first[PROTO_N_STATES * 2];

	render_configure(memo, cfg);

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
				render_configure(fresh, cfg);
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

/* '"allowed_actions":[…],"allowed_action_labels":{…}' as jansson writes the two
 * members, for the actions of b that allowed() takes (b NULL: none). */
static char *
ref_allowed(const struct rulebook *b, bool (*allowed)(const char *name))
{
	json_t *names = json_array(), *labels = json_object();
	char *a, *l, *out;

	for (size_t i = 0; b != NULL && i < b->n_actions; i++)
		if (allowed(b->actions[i].name)) {
			json_array_append_new(names, json_string(b->actions[i].name));
			json_object_set_new(labels, b->actions[i].name,
			    json_string(b->actions[i].label));
		}
	a = dump(names);
	l = dump(labels);
	assert_true(asprintf(&out, "\"allowed_actions\":%s,\"allowed_action_labels\":%s,"
	    "\"version\"", a, l) > 0);
	free(a);
	free(l);
	return out;
}

static bool
every_action(const char *name)
{
	return true;
}

static bool
all_but_message_customer(const char *name)
{
	return strcmp(name, "message_customer") != 0;
}

/* What render_protocol writes for p (caller frees). */
static char *
render_text(struct render *r, const struct protocol *p, bool envvias)
{
	struct jsonw w;
	char *text;
	json_t *parsed;

	jsonw_init(&w, NULL);
	render_protocol(r, &w, p, envvias, 1795460402000, NULL);
	text = take(&w);
	if ((parsed = json_loads(text, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		fail_msg("not JSON: %s", text);
	json_decref(parsed);
	return text;
}

static void
assert_contains(const char *text, const char *want)
{
	if (strstr(text, want) == NULL)
		fail_msg("%s\nis not in\n%s", want, text);
}

static void
render_protocol__marketplace__comes_right_after_seller(void **state)
{
	struct render *r = render_new();
	struct protocol p;
	char *text;

	render_configure(r, cfg);
	protocol_in(&p, PROTO_PENDING, PROTO_CUSTOMER);
	text = render_text(r, &p, false);
	assert_contains(text, "{\"id\":\"P1\",\"seller\":\"S1\",\"marketplace\":\"casas-bahia\","
	    "\"order\":\"O-9\",");
	free(text);
	render_free(r);
}

static void
render_protocol__allowed_actions__followed_by_their_labels_in_the_same_order(void **state)
{
	struct render *r = render_new();
	struct protocol p;
	char *text, *want;

	render_configure(r, cfg);
	protocol_in(&p, PROTO_PENDING, PROTO_CUSTOMER);
	/* Twice: the second from the memo. */
	for (int k = 0; k < 2; k++) {
		text = render_text(r, &p, false);
		want = ref_allowed(book, every_action);
		assert_contains(text, want);
		free(want);
		free(text);
		/* An Envvias seller: neither member has message_customer. */
		text = render_text(r, &p, true);
		want = ref_allowed(book, all_but_message_customer);
		assert_contains(text, want);
		free(want);
		free(text);
	}
	render_free(r);
}

static void
render_protocol__no_action_allowed__both_members_empty(void **state)
{
	struct render *r = render_new();
	struct protocol p;
	char *text;

	render_configure(r, cfg);
	protocol_in(&p, PROTO_RESOLVED, PROTO_CUSTOMER);
	text = render_text(r, &p, false);
	assert_contains(text, "\"allowed_actions\":[],\"allowed_action_labels\":{},"
	    "\"version\":3");
	free(text);
	/* A marketplace whose rulebook is not loaded: none either. */
	protocol_in(&p, PROTO_PENDING, PROTO_CUSTOMER);
	strcpy(p.marketplace, "gone");
	text = render_text(r, &p, false);
	assert_contains(text, "\"marketplace\":\"gone\"");
	assert_contains(text, "\"allowed_actions\":[],\"allowed_action_labels\":{},");
	free(text);
	render_free(r);
}

static void
render_protocol__attempts__each_name_with_its_count_zeros_left_out(void **state)
{
	struct render *r = render_new();
	struct protocol p;
	char *text;

	render_configure(r, cfg);
	protocol_in(&p, PROTO_PENDING, PROTO_CUSTOMER);
	strcpy(p.attempts, "confirm_address=1,request_photos=12,cancel_sale=0");
	text = render_text(r, &p, false);
	assert_contains(text, "\"attempts\":{\"confirm_address\":1,\"request_photos\":12},");
	free(text);
	p.attempts[0] = '\0';
	text = render_text(r, &p, false);
	assert_contains(text, "\"attempts\":{},");
	free(text);
	render_free(r);
}

static void
render_protocol__clock_kind__named_as_the_rulebooks_name_it(void **state)
{
	static const struct {
		int kind;
		const char *name;
	} kinds[] = {
		{ RULEBOOK_KIND_RESPONSE, "response" }, { 2, "photos_wait" },
		{ 3, "address_wait" }, { 4, "posting_wait" }, { 5, "pickup_wait" },
		{ 6, "letter_wait" }, { RULEBOOK_KIND_REPLY, "reply_window" },
		{ 9999, "clock" },	/* no rulebook loaded has it, nor its rule text */
	};
	struct render *r = render_new();
	struct protocol p;
	char want[64], *text;

	render_configure(r, cfg);
	for (size_t i = 0; i < NELEM(kinds); i++) {
		protocol_in(&p, PROTO_AWAITING, PROTO_CUSTOMER);
		p.clock = kinds[i].kind;
		p.clock_start = 1795460400000;
		p.clock_due = p.clock_next = 1795460400000 + 3600000;
		text = render_text(r, &p, false);
		snprintf(want, sizeof want, "\"clock\":{\"kind\":\"%s\",", kinds[i].name);
		assert_contains(text, want);
		free(text);
	}
	/* A kind no rulebook loaded has, started under one that kept its name. */
	strcpy(p.clock_rule, "rule=visit_wait;value=1h;source=default;to=resolved;"
	    "kind=visit_wait;book=gone;line=3;file=/x.ini");
	text = render_text(r, &p, false);
	assert_contains(text, "\"clock\":{\"kind\":\"visit_wait\",");
	free(text);
	render_free(r);
}

/* A reload may load a rulebook of the same marketplace with other actions (and its
 * memory may be the old one's): render_configure forgets the sets written before. */
static void
render_configure__a_new_configuration__sets_of_the_old_one_not_reused(void **state)
{
	struct render *r = render_new();
	struct config *other;
	struct protocol p;
	char path[300], *errors = NULL, *text;
	FILE *f;

	snprintf(path, sizeof path, "%s/rb-other.rules", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("[marketplace]\nname = casas-bahia\nresponse = 48h\n\n"
	    "[action.call_customer]\nlabel = Ligar para o cliente\nto = resolved\n", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/other.ini", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("[rules]\nfiles = rb-*.rules\n", f);
	fclose(f);
	other = config_load(path, &errors);
	if (other == NULL)
		fail_msg("other.ini: %s", errors ? errors : "");
	render_configure(r, cfg);
	protocol_in(&p, PROTO_PENDING, PROTO_CUSTOMER);
	free(render_text(r, &p, false));
	render_configure(r, other);
	text = render_text(r, &p, false);
	assert_contains(text, "\"allowed_actions\":[\"call_customer\"],"
	    "\"allowed_action_labels\":{\"call_customer\":\"Ligar para o cliente\"},");
	free(text);
	render_configure(r, cfg);
	text = render_text(r, &p, false);
	assert_null(strstr(text, "call_customer"));
	free(text);
	config_free(other);
	render_free(r);
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
		cmocka_unit_test(render_protocol__marketplace__comes_right_after_seller),
		cmocka_unit_test(render_protocol__allowed_actions__followed_by_their_labels_in_the_same_order),
		cmocka_unit_test(render_protocol__no_action_allowed__both_members_empty),
		cmocka_unit_test(render_protocol__attempts__each_name_with_its_count_zeros_left_out),
		cmocka_unit_test(render_protocol__clock_kind__named_as_the_rulebooks_name_it),
		cmocka_unit_test(render_configure__a_new_configuration__sets_of_the_old_one_not_reused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
