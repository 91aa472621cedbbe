#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "civil.h"
#include "config.h"
#include "problem.h"
#include "proto.h"
#include "rules.h"

/*
 * The domain rules of spec.md §3–§5. The expectations below are written from spec.md's
 * tables, independently of rules.c's own tables, so a wrong row there shows up here.
 */

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const all_actions[PROTO_N_ACTIONS] = {
	"request_photos", "confirm_address", "inform_posting_code", "inform_pickup_date",
	"request_cancellation_letter", "message_customer", "approve_cancellation",
	"cancel_sale", "send_part", "inform_carrier_pickup", "inform_shipping",
	"inform_new_delivery_date",
};

static const char *const all_events[] = {
	"customer_replied", "document_attached", "mediation_resolved",
};

static const enum proto_clock wait_clocks[] = {
	PROTO_CLOCK_PHOTOS, PROTO_CLOCK_ADDRESS, PROTO_CLOCK_POSTING, PROTO_CLOCK_PICKUP,
	PROTO_CLOCK_LETTER,
};

/* spec.md §4, the preventive reasons and their actions. */
static const struct {
	const char *reason;
	const char *actions[6];
} spec_reasons[] = {
	{ "delivery_problem", { "cancel_sale", "confirm_address", "inform_carrier_pickup",
	    "inform_new_delivery_date", "message_customer", NULL } },
	{ "customer_return", { "inform_pickup_date", "inform_posting_code",
	    "message_customer", NULL } },
	{ "unavailable", { "cancel_sale", NULL } },
	{ "cancellation_letter", { "request_cancellation_letter", NULL } },
};

static struct protocol
mkp(enum proto_origin origin, const char *reason, enum proto_state s, enum proto_clock c)
{
	struct protocol p;

	memset(&p, 0, sizeof p);
	snprintf(p.id, sizeof p.id, "P-1");
	snprintf(p.seller, sizeof p.seller, "seller-1");
	snprintf(p.reason, sizeof p.reason, "%s", reason);
	p.origin = origin;
	p.state = s;
	p.clock = c;
	return p;
}

/* A customer protocol in s with the clock that state runs. */
static struct protocol
mkc(enum proto_state s)
{
	enum proto_clock c = PROTO_CLOCK_NONE;

	if (s == PROTO_PENDING || s == PROTO_UNRESOLVED)
		c = PROTO_CLOCK_RESPONSE;
	else if (s == PROTO_AWAITING)
		c = PROTO_CLOCK_PHOTOS;
	else if (s == PROTO_CLOSED)
		c = PROTO_CLOCK_REPLY;
	return mkp(PROTO_CUSTOMER, "", s, c);
}

static int
action(const char *name)
{
	int i = rules_action_index(name);

	if (i < 0)
		fail_msg("rules_action_index(\"%s\") = -1: the action is missing", name);
	return i;
}

static bool
in_list(const char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] != NULL && strcmp(list[i], name) == 0)
			return true;
	return false;
}

/* True when the problem's allowed list is exactly want[0..n) in that order; prints
 * both lists otherwise, prefixed with ctx. */
static bool
allowed_is(const struct problem *pb, const char *const *want, size_t n, const char *ctx)
{
	bool same = pb->n_allowed == n;

	for (size_t i = 0; same && i < n; i++)
		same = strcmp(pb->allowed[i], want[i]) == 0;
	if (same)
		return true;
	print_error("%s: allowed list is [", ctx);
	for (size_t i = 0; i < pb->n_allowed; i++)
		print_error("%s%s", i ? " " : "", pb->allowed[i]);
	print_error("], expected [");
	for (size_t i = 0; i < n; i++)
		print_error("%s%s", i ? " " : "", want[i]);
	print_error("]\n");
	return false;
}

static struct problem
fresh_problem(void)
{
	struct problem pb;

	memset(&pb, 0, sizeof pb);
	pb.status = -7;
	return pb;
}

/* ------------------------------------------------------------------ the table */

static void
rules_action__every_spec_action__has_its_index_and_name(void **state)
{
	(void)state;
	for (int i = 0; i < PROTO_N_ACTIONS; i++) {
		int k = action(all_actions[i]);

		assert_string_equal(rules_action(k)->name, all_actions[i]);
		assert_non_null(rules_action(k)->portal);
		assert_true(rules_action(k)->portal[0] != '\0');
	}
	/* And no two names map to the same row. */
	for (int i = 0; i < PROTO_N_ACTIONS; i++)
		for (int j = i + 1; j < PROTO_N_ACTIONS; j++)
			assert_int_not_equal(action(all_actions[i]), action(all_actions[j]));
}

static void
rules_action_index__unknown_or_differently_cased_name__is_minus_1(void **state)
{
	(void)state;
	assert_int_equal(rules_action_index(""), -1);
	assert_int_equal(rules_action_index("request_photo"), -1);
	assert_int_equal(rules_action_index("REQUEST_PHOTOS"), -1);
	assert_int_equal(rules_action_index("request_photos "), -1);
	assert_int_equal(rules_action_index("customer_replied"), -1);
}

static void
rules_action__each_action__leads_to_the_spec_state_and_clock(void **state)
{
	static const struct {
		const char *name;
		enum proto_state next;
		enum proto_clock clock;
	} want[] = {
		{ "request_photos", PROTO_AWAITING, PROTO_CLOCK_PHOTOS },
		{ "confirm_address", PROTO_AWAITING, PROTO_CLOCK_ADDRESS },
		{ "inform_posting_code", PROTO_AWAITING, PROTO_CLOCK_POSTING },
		{ "inform_pickup_date", PROTO_AWAITING, PROTO_CLOCK_PICKUP },
		{ "request_cancellation_letter", PROTO_AWAITING, PROTO_CLOCK_LETTER },
		{ "message_customer", PROTO_CLOSED, PROTO_CLOCK_REPLY },
		{ "approve_cancellation", PROTO_RESOLVED, PROTO_CLOCK_NONE },
		{ "cancel_sale", PROTO_RESOLVED, PROTO_CLOCK_NONE },
		{ "send_part", PROTO_RESOLVED, PROTO_CLOCK_NONE },
		{ "inform_carrier_pickup", PROTO_RESOLVED, PROTO_CLOCK_NONE },
		{ "inform_shipping", PROTO_RESOLVED, PROTO_CLOCK_NONE },
		{ "inform_new_delivery_date", PROTO_RESOLVED, PROTO_CLOCK_NONE },
	};
	int bad = 0;

	(void)state;
	assert_int_equal(NELEM(want), PROTO_N_ACTIONS);
	for (size_t i = 0; i < NELEM(want); i++) {
		const struct rules_action *a = rules_action(action(want[i].name));

		if (a->next != want[i].next || a->clock != want[i].clock) {
			print_error("%s: leads to %s/%s, expected %s/%s\n", want[i].name,
			    proto_state_name(a->next), proto_clock_name(a->clock),
			    proto_state_name(want[i].next), proto_clock_name(want[i].clock));
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
rules_action__each_action__takes_the_spec_params(void **state)
{
	static const struct {
		const char *name;
		const char *params[2];
		enum rules_param_kind kinds[2];
	} want[] = {
		{ "request_photos", { NULL, NULL }, { 0, 0 } },
		{ "confirm_address", { NULL, NULL }, { 0, 0 } },
		{ "inform_posting_code", { "posting_code", NULL }, { RULES_P_CODE, 0 } },
		{ "inform_pickup_date", { "pickup_date", NULL }, { RULES_P_DATE, 0 } },
		{ "request_cancellation_letter", { NULL, NULL }, { 0, 0 } },
		{ "message_customer", { "message", NULL }, { RULES_P_TEXT, 0 } },
		{ "approve_cancellation", { NULL, NULL }, { 0, 0 } },
		{ "cancel_sale", { NULL, NULL }, { 0, 0 } },
		{ "send_part", { "posting_code", "tracking_url" }, { RULES_P_CODE, RULES_P_URL } },
		{ "inform_carrier_pickup", { "pickup_code", NULL }, { RULES_P_CODE, 0 } },
		{ "inform_shipping", { NULL, NULL }, { 0, 0 } },
		{ "inform_new_delivery_date", { "delivery_date", NULL }, { RULES_P_DATE, 0 } },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(want); i++) {
		const struct rules_action *a = rules_action(action(want[i].name));
		size_t n = (want[i].params[0] != NULL) + (want[i].params[1] != NULL);

		if (a->n_params != n)
			fail_msg("%s: %zu params, expected %zu", want[i].name, a->n_params, n);
		for (size_t k = 0; k < n; k++) {
			if (strcmp(a->params[k].name, want[i].params[k]) != 0 ||
			    a->params[k].kind != want[i].kinds[k])
				fail_msg("%s: param %zu is %s (kind %d), expected %s (kind %d)",
				    want[i].name, k, a->params[k].name, a->params[k].kind,
				    want[i].params[k], want[i].kinds[k]);
		}
	}
}

static void
rules_action__only_message_customer__is_refused_for_envvias(void **state)
{
	(void)state;
	for (int i = 0; i < PROTO_N_ACTIONS; i++) {
		const struct rules_action *a = rules_action(action(all_actions[i]));
		bool want = strcmp(all_actions[i], "message_customer") == 0;

		if (a->refused_for_envvias != want)
			fail_msg("%s: refused_for_envvias = %d, expected %d", all_actions[i],
			    a->refused_for_envvias, want);
	}
}

/* ------------------------------------------------------ state × action */

static void
rules_action_allowed__every_state_x_every_action__only_pending_and_unresolved_take_actions(
    void **state)
{
	int bad = 0;

	(void)state;
	for (int s = 0; s < PROTO_N_STATES; s++) {
		bool takes = s == PROTO_PENDING || s == PROTO_UNRESOLVED;

		for (int i = 0; i < PROTO_N_ACTIONS; i++) {
			struct protocol p = mkc(s);
			struct problem pb = fresh_problem();
			int k = action(all_actions[i]);
			int rc = rules_action_allowed(&p, k, false, &pb);
			const char *names[PROTO_N_ACTIONS];
			size_t n = rules_allowed_actions(&p, false, names, NELEM(names));
			char ctx[128];

			snprintf(ctx, sizeof ctx, "state %s x action %s",
			    proto_state_name(s), all_actions[i]);
			if (takes) {
				if (rc != 0) {
					print_error("%s: refused (%d %s: %s), expected allowed\n",
					    ctx, pb.status, pb.code ? pb.code : "-", pb.detail);
					bad++;
				}
				continue;
			}
			if (rc != -1 || pb.status != 409 || pb.code == NULL ||
			    strcmp(pb.code, "action_not_allowed") != 0) {
				print_error("%s: rc %d status %d code %s, expected -1 409 "
				    "action_not_allowed\n", ctx, rc, pb.status,
				    pb.code ? pb.code : "(null)");
				bad++;
				continue;
			}
			if (strstr(pb.detail, all_actions[i]) == NULL ||
			    strstr(pb.detail, proto_state_name(s)) == NULL) {
				print_error("%s: detail \"%s\" names neither the action nor the "
				    "state\n", ctx, pb.detail);
				bad++;
			}
			if (!allowed_is(&pb, names, n, ctx) || n != 0) {
				print_error("%s: %zu actions said allowed, expected none\n", ctx, n);
				bad++;
			}
		}
	}
	assert_int_equal(bad, 0);
}

static void
rules_allowed_mask__every_state_origin_reason_and_envvias__is_the_listed_set(void **state)
{
	static const char *reasons[] = { "delivery_problem", "customer_return", "unavailable",
		"cancellation_letter" };

	(void)state;
	for (int s = 0; s < PROTO_N_STATES; s++)
		for (size_t r = 0; r <= NELEM(reasons); r++)
			for (int envvias = 0; envvias < 2; envvias++) {
				struct protocol p = r == NELEM(reasons) ? mkc(s) :
				    mkp(PROTO_PREVENTIVE, reasons[r], s, PROTO_CLOCK_NONE);
				const char *names[PROTO_N_ACTIONS];
				size_t n = rules_allowed_actions(&p, envvias, names,
				    NELEM(names));
				uint32_t want = 0;

				for (size_t i = 0; i < n; i++)
					want |= UINT32_C(1) << action(names[i]);
				assert_int_equal(rules_allowed_mask(&p, envvias), want);
			}
}

static void
rules_allowed_actions__pending_and_unresolved__list_all_12_in_table_order(void **state)
{
	static const enum proto_state states[] = { PROTO_PENDING, PROTO_UNRESOLVED };

	(void)state;
	for (size_t s = 0; s < NELEM(states); s++) {
		struct protocol p = mkc(states[s]);
		const char *names[PROTO_N_ACTIONS + 4];
		size_t n = rules_allowed_actions(&p, false, names, NELEM(names));

		assert_int_equal(n, PROTO_N_ACTIONS);
		for (size_t i = 0; i < n; i++)
			assert_string_equal(names[i], rules_action((int)i)->name);
	}
}

static void
rules_allowed_actions__max_smaller_than_the_list__writes_only_max(void **state)
{
	struct protocol p = mkc(PROTO_PENDING);
	const char *names[4] = { NULL, NULL, NULL, "sentinel" };

	(void)state;
	assert_int_equal(rules_allowed_actions(&p, false, names, 3), 3);
	assert_string_equal(names[3], "sentinel");
	assert_int_equal(rules_allowed_actions(&p, false, names, 0), 0);
}

static void
rules_action__request_photos_in_awaiting__is_refused_409_listing_nothing(void **state)
{
	struct protocol p = mkp(PROTO_CUSTOMER, "", PROTO_AWAITING, PROTO_CLOCK_ADDRESS);
	struct problem pb = fresh_problem();

	(void)state;
	assert_int_equal(rules_action_allowed(&p, action("request_photos"), false, &pb), -1);
	assert_int_equal(pb.status, 409);
	assert_string_equal(pb.code, "action_not_allowed");
	assert_int_equal(pb.n_allowed, 0);
	assert_non_null(strstr(pb.detail, "pending"));
	assert_non_null(strstr(pb.detail, "unresolved"));
}

static void
rules_action__cancel_sale_in_unresolved__is_allowed_and_leaves_the_problem_alone(
    void **state)
{
	struct protocol p = mkc(PROTO_UNRESOLVED);
	struct problem pb = fresh_problem();

	(void)state;
	assert_int_equal(rules_action_allowed(&p, action("cancel_sale"), false, &pb), 0);
	assert_int_equal(pb.status, -7);
}

/* ------------------------------------------------------------- envvias */

static void
rules_action__message_customer_for_envvias__is_refused_409_in_pending_and_unresolved(
    void **state)
{
	static const enum proto_state states[] = { PROTO_PENDING, PROTO_UNRESOLVED };
	int bad = 0;

	(void)state;
	for (size_t s = 0; s < NELEM(states); s++) {
		for (int envvias = 0; envvias <= 1; envvias++) {
			for (int i = 0; i < PROTO_N_ACTIONS; i++) {
				struct protocol p = mkc(states[s]);
				struct problem pb = fresh_problem();
				int rc = rules_action_allowed(&p, action(all_actions[i]),
				    envvias, &pb);
				bool refuse = envvias &&
				    strcmp(all_actions[i], "message_customer") == 0;

				if (refuse && (rc != -1 || pb.status != 409 ||
				    strcmp(pb.code, "action_not_allowed_for_envvias") != 0)) {
					print_error("%s envvias=%d %s: rc %d status %d, expected "
					    "409 action_not_allowed_for_envvias\n",
					    proto_state_name(states[s]), envvias, all_actions[i], rc,
					    pb.status);
					bad++;
				} else if (!refuse && rc != 0) {
					print_error("%s envvias=%d %s: refused (%s), expected "
					    "allowed\n", proto_state_name(states[s]), envvias,
					    all_actions[i], pb.code);
					bad++;
				}
			}
		}
	}
	assert_int_equal(bad, 0);
}

static void
rules_action__message_customer_for_envvias__lists_the_other_11(void **state)
{
	struct protocol p = mkc(PROTO_PENDING);
	struct problem pb = fresh_problem();
	const char *names[PROTO_N_ACTIONS];
	size_t n = rules_allowed_actions(&p, true, names, NELEM(names));

	(void)state;
	assert_int_equal(n, PROTO_N_ACTIONS - 1);
	assert_false(in_list(names, n, "message_customer"));
	assert_int_equal(rules_action_allowed(&p, action("message_customer"), true, &pb), -1);
	assert_true(allowed_is(&pb, names, n, "envvias"));
	assert_non_null(strstr(pb.detail, "Envvias"));
}

static void
rules_action__envvias_in_closed__is_refused_for_the_state_not_envvias(void **state)
{
	struct protocol p = mkc(PROTO_CLOSED);
	struct problem pb = fresh_problem();

	(void)state;
	assert_int_equal(rules_action_allowed(&p, action("message_customer"), true, &pb), -1);
	assert_string_equal(pb.code, "action_not_allowed");
}

/* ---------------------------------------------------------- preventive */

static void
rules_action__preventive_reason_x_every_action__allows_exactly_the_spec_table(
    void **state)
{
	static const enum proto_state states[] = { PROTO_PENDING, PROTO_UNRESOLVED };
	int bad = 0;

	(void)state;
	for (size_t r = 0; r < NELEM(spec_reasons); r++) {
		const char *const *want = spec_reasons[r].actions;
		size_t nwant = 0;
		const char *ordered[PROTO_N_ACTIONS];
		size_t nordered = 0;

		while (want[nwant] != NULL)
			nwant++;
		/* The allowed list comes in table order. */
		for (int i = 0; i < PROTO_N_ACTIONS; i++)
			if (in_list(want, nwant, rules_action(i)->name))
				ordered[nordered++] = rules_action(i)->name;
		assert_int_equal(nordered, nwant);
		for (size_t s = 0; s < NELEM(states); s++) {
			for (int i = 0; i < PROTO_N_ACTIONS; i++) {
				struct protocol p = mkp(PROTO_PREVENTIVE, spec_reasons[r].reason,
				    states[s], PROTO_CLOCK_NONE);
				struct problem pb = fresh_problem();
				const char *name = all_actions[i];
				bool allow = in_list(want, nwant, name);
				int rc = rules_action_allowed(&p, action(name), false, &pb);
				char ctx[160];

				snprintf(ctx, sizeof ctx, "preventive %s in %s x %s",
				    spec_reasons[r].reason, proto_state_name(states[s]), name);
				if (allow && rc != 0) {
					print_error("%s: refused (%s), expected allowed\n", ctx,
					    pb.code);
					bad++;
				} else if (!allow && (rc != -1 || pb.status != 409 ||
				    strcmp(pb.code, "action_not_allowed_for_reason") != 0)) {
					print_error("%s: rc %d status %d code %s, expected 409 "
					    "action_not_allowed_for_reason\n", ctx, rc, pb.status,
					    pb.code ? pb.code : "(null)");
					bad++;
				} else if (!allow) {
					if (!allowed_is(&pb, ordered, nordered, ctx))
						bad++;
					if (strstr(pb.detail, spec_reasons[r].reason) == NULL) {
						print_error("%s: detail \"%s\" does not name the "
						    "reason\n", ctx, pb.detail);
						bad++;
					}
				}
			}
		}
	}
	assert_int_equal(bad, 0);
}

static void
rules_action__preventive_in_awaiting__is_refused_for_the_state_first(void **state)
{
	struct protocol p = mkp(PROTO_PREVENTIVE, "unavailable", PROTO_AWAITING,
	    PROTO_CLOCK_PHOTOS);
	struct problem pb = fresh_problem();

	(void)state;
	assert_int_equal(rules_action_allowed(&p, action("request_photos"), false, &pb), -1);
	assert_string_equal(pb.code, "action_not_allowed");
	assert_int_equal(pb.n_allowed, 0);
}

static void
rules_action__preventive_delivery_problem_with_envvias__refuses_message_for_envvias(
    void **state)
{
	struct protocol p = mkp(PROTO_PREVENTIVE, "delivery_problem", PROTO_PENDING,
	    PROTO_CLOCK_NONE);
	struct problem pb = fresh_problem();
	static const char *const want[] = { "confirm_address", "cancel_sale",
	    "inform_carrier_pickup", "inform_new_delivery_date" };

	(void)state;
	assert_int_equal(rules_action_allowed(&p, action("message_customer"), true, &pb), -1);
	assert_string_equal(pb.code, "action_not_allowed_for_envvias");
	assert_true(allowed_is(&pb, want, NELEM(want), "delivery_problem + envvias"));
}

static void
rules_action__preventive_with_an_unknown_reason__allows_nothing(void **state)
{
	struct protocol p = mkp(PROTO_PREVENTIVE, "bogus", PROTO_PENDING, PROTO_CLOCK_NONE);
	const char *names[PROTO_N_ACTIONS];

	(void)state;
	assert_int_equal(rules_allowed_actions(&p, false, names, NELEM(names)), 0);
}

static void
rules_action__customer_protocol_with_a_preventive_reason__allows_all_12(void **state)
{
	struct protocol p = mkp(PROTO_CUSTOMER, "unavailable", PROTO_PENDING,
	    PROTO_CLOCK_RESPONSE);
	const char *names[PROTO_N_ACTIONS];

	(void)state;
	assert_int_equal(rules_allowed_actions(&p, false, names, NELEM(names)),
	    PROTO_N_ACTIONS);
}

static void
rules_check_reason__preventive_without_one_of_the_four__is_422_listing_them(void **state)
{
	static const char *const bad[] = { "", "bogus", "Delivery_problem",
	    "delivery_problem ", "cancel_after_delivery" };
	static const char *const four[] = { "delivery_problem", "customer_return",
	    "unavailable", "cancellation_letter" };

	(void)state;
	for (size_t i = 0; i < NELEM(bad); i++) {
		struct problem pb = fresh_problem();

		if (rules_check_reason(PROTO_PREVENTIVE, bad[i], &pb) != -1)
			fail_msg("preventive with reason \"%s\" was accepted", bad[i]);
		assert_int_equal(pb.status, 422);
		assert_non_null(pb.code);
		assert_string_equal(pb.code, "invalid_reason");
		assert_true(allowed_is(&pb, four, NELEM(four), bad[i]));
	}
	for (size_t i = 0; i < NELEM(four); i++) {
		struct problem pb = fresh_problem();

		if (rules_check_reason(PROTO_PREVENTIVE, four[i], &pb) != 0)
			fail_msg("preventive with reason \"%s\" was refused: %s", four[i],
			    pb.detail);
	}
}

static void
rules_check_reason__customer__accepts_any_reason_or_none(void **state)
{
	static const char *const any[] = { "", "cancel_after_delivery", "unavailable",
	    "whatever" };

	(void)state;
	for (size_t i = 0; i < NELEM(any); i++) {
		struct problem pb = fresh_problem();

		if (rules_check_reason(PROTO_CUSTOMER, any[i], &pb) != 0)
			fail_msg("customer with reason \"%s\" was refused", any[i]);
		assert_int_equal(pb.status, -7);
	}
}

/* ---------------------------------------------------------- state × event */

/* spec.md §5, written out: the state an event leads to, or -1 for 409. */
static int
spec_event(const char *ev, enum proto_state s, enum proto_clock c)
{
	if (strcmp(ev, "customer_replied") == 0 && s == PROTO_AWAITING)
		return PROTO_PENDING;
	if (strcmp(ev, "customer_replied") == 0 && s == PROTO_CLOSED)
		return PROTO_UNRESOLVED;
	if (strcmp(ev, "document_attached") == 0 && s == PROTO_AWAITING &&
	    c == PROTO_CLOCK_LETTER)
		return PROTO_RESOLVED;
	if (strcmp(ev, "mediation_resolved") == 0 && s == PROTO_MEDIATION)
		return PROTO_RESOLVED;
	return -1;
}

/* The (state, clock) pairs a protocol can be in. */
static const struct {
	enum proto_state s;
	enum proto_clock c;
} reachable[] = {
	{ PROTO_PENDING, PROTO_CLOCK_RESPONSE },
	{ PROTO_PENDING, PROTO_CLOCK_NONE },		/* preventive */
	{ PROTO_AWAITING, PROTO_CLOCK_PHOTOS },
	{ PROTO_AWAITING, PROTO_CLOCK_ADDRESS },
	{ PROTO_AWAITING, PROTO_CLOCK_POSTING },
	{ PROTO_AWAITING, PROTO_CLOCK_PICKUP },
	{ PROTO_AWAITING, PROTO_CLOCK_LETTER },
	{ PROTO_CLOSED, PROTO_CLOCK_REPLY },
	{ PROTO_UNRESOLVED, PROTO_CLOCK_RESPONSE },
	{ PROTO_UNRESOLVED, PROTO_CLOCK_NONE },		/* preventive */
	{ PROTO_MEDIATION, PROTO_CLOCK_NONE },
	{ PROTO_RESOLVED, PROTO_CLOCK_NONE },
};

static void
rules_event__every_state_and_clock_x_every_event__follows_spec_5(void **state)
{
	int bad = 0;
	bool seen[PROTO_N_STATES] = { false };

	(void)state;
	for (size_t r = 0; r < NELEM(reachable); r++) {
		enum proto_state s = reachable[r].s;
		enum proto_clock c = reachable[r].c;
		const char *want_allowed[NELEM(all_events)];
		size_t nwant = 0;

		seen[s] = true;
		for (size_t e = 0; e < NELEM(all_events); e++)
			if (spec_event(all_events[e], s, c) >= 0)
				want_allowed[nwant++] = all_events[e];
		for (size_t e = 0; e < NELEM(all_events); e++) {
			struct protocol p = mkp(PROTO_CUSTOMER, "", s, c);
			struct problem pb = fresh_problem();
			const struct rules_event *re = rules_event(&p, all_events[e], &pb);
			int want = spec_event(all_events[e], s, c);
			char ctx[128];

			snprintf(ctx, sizeof ctx, "state %s on clock %s x event %s",
			    proto_state_name(s), proto_clock_name(c), all_events[e]);
			if (want >= 0) {
				if (re == NULL) {
					print_error("%s: refused (%d %s: %s), expected -> %s\n", ctx,
					    pb.status, pb.code, pb.detail, proto_state_name(want));
					bad++;
				} else if ((int)re->to != want ||
				    strcmp(re->name, all_events[e]) != 0) {
					print_error("%s: -> %s (rule %s), expected -> %s\n", ctx,
					    proto_state_name(re->to), re->name,
					    proto_state_name(want));
					bad++;
				}
				continue;
			}
			if (re != NULL || pb.status != 409 || pb.code == NULL ||
			    strcmp(pb.code, "event_not_allowed") != 0) {
				print_error("%s: %s status %d code %s, expected 409 "
				    "event_not_allowed\n", ctx, re ? "accepted" : "refused",
				    pb.status, pb.code ? pb.code : "(null)");
				bad++;
				continue;
			}
			if (!allowed_is(&pb, want_allowed, nwant, ctx))
				bad++;
			if (strstr(pb.detail, proto_state_name(s)) == NULL) {
				print_error("%s: detail \"%s\" does not name the state\n", ctx,
				    pb.detail);
				bad++;
			}
		}
	}
	for (int s = 0; s < PROTO_N_STATES; s++)
		assert_true(seen[s]);
	assert_int_equal(bad, 0);
}

static void
rules_event__customer_replied_in_awaiting__goes_pending_on_every_wait_clock(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(wait_clocks); i++) {
		struct protocol p = mkp(PROTO_CUSTOMER, "", PROTO_AWAITING, wait_clocks[i]);
		struct problem pb = fresh_problem();
		const struct rules_event *e = rules_event(&p, "customer_replied", &pb);

		if (e == NULL || e->to != PROTO_PENDING)
			fail_msg("customer_replied on %s: %s", proto_clock_name(wait_clocks[i]),
			    e ? proto_state_name(e->to) : pb.detail);
	}
}

static void
rules_event__document_attached_on_photos_wait__is_409_naming_the_clock(void **state)
{
	struct protocol p = mkp(PROTO_CUSTOMER, "", PROTO_AWAITING, PROTO_CLOCK_PHOTOS);
	struct problem pb = fresh_problem();
	static const char *const want[] = { "customer_replied" };

	(void)state;
	assert_null(rules_event(&p, "document_attached", &pb));
	assert_int_equal(pb.status, 409);
	assert_string_equal(pb.code, "event_not_allowed");
	assert_non_null(strstr(pb.detail, "photos_wait"));
	assert_true(allowed_is(&pb, want, NELEM(want), "document_attached on photos_wait"));
}

static void
rules_event__document_attached_on_letter_wait__resolves(void **state)
{
	struct protocol p = mkp(PROTO_CUSTOMER, "", PROTO_AWAITING, PROTO_CLOCK_LETTER);
	struct problem pb = fresh_problem();
	const struct rules_event *e = rules_event(&p, "document_attached", &pb);

	(void)state;
	assert_non_null(e);
	assert_int_equal(e->to, PROTO_RESOLVED);
	assert_int_equal(e->from, PROTO_AWAITING);
	assert_int_equal(e->only_clock, PROTO_CLOCK_LETTER);
}

static void
rules_event__unknown_names__are_422_unknown_event_in_every_state(void **state)
{
	static const char *const unknown[] = { "", "customer_reply", "CUSTOMER_REPLIED",
	    "request_photos", "resolved", "customer_replied " };
	int bad = 0;

	(void)state;
	for (size_t r = 0; r < NELEM(reachable); r++) {
		for (size_t u = 0; u < NELEM(unknown); u++) {
			struct protocol p = mkp(PROTO_CUSTOMER, "", reachable[r].s,
			    reachable[r].c);
			struct problem pb = fresh_problem();
			const struct rules_event *e = rules_event(&p, unknown[u], &pb);

			if (e != NULL || pb.status != 422 || pb.code == NULL ||
			    strcmp(pb.code, "unknown_event") != 0) {
				print_error("state %s x event \"%s\": status %d code %s, "
				    "expected 422 unknown_event\n",
				    proto_state_name(reachable[r].s), unknown[u], pb.status,
				    pb.code ? pb.code : "(null)");
				bad++;
			}
		}
	}
	assert_int_equal(bad, 0);
}

static void
rules_event__unknown_name__detail_lists_the_known_events(void **state)
{
	struct protocol p = mkc(PROTO_PENDING);
	struct problem pb = fresh_problem();

	(void)state;
	assert_null(rules_event(&p, "bogus", &pb));
	for (size_t e = 0; e < NELEM(all_events); e++)
		assert_non_null(strstr(pb.detail, all_events[e]));
}

/* -------------------------------------------------------------- params */

/* Runs rules_action_args for action name with one param set to value (or NULL for a
 * non-string). Returns the rc; *pb is filled. */
static int
args1(const char *act, const char *param, const char *value, int64_t today,
    struct problem *pb)
{
	struct rules_args a = { .n = 1, .name = { param }, .value = { value } };

	*pb = fresh_problem();
	return rules_action_args(action(act), &a, today, pb);
}

static void
expect_invalid(const char *act, const char *param, const char *value, int64_t today)
{
	struct problem pb;
	int rc = args1(act, param, value, today, &pb);

	if (rc != -1 || pb.status != 422 || pb.code == NULL ||
	    strcmp(pb.code, "invalid_param") != 0)
		fail_msg("%s %s=\"%.60s\"%s: rc %d status %d code %s, expected 422 "
		    "invalid_param", act, param, value ? value : "(non-string)",
		    value && strlen(value) > 60 ? "…" : "", rc, pb.status,
		    pb.code ? pb.code : "(null)");
	if (strstr(pb.detail, param) == NULL)
		fail_msg("%s %s: detail \"%s\" does not name the parameter", act, param,
		    pb.detail);
}

static void
expect_valid(const char *act, const char *param, const char *value, int64_t today)
{
	struct problem pb;

	if (args1(act, param, value, today, &pb) != 0)
		fail_msg("%s %s=\"%.60s\": refused (%d %s: %s), expected accepted", act, param,
		    value, pb.status, pb.code, pb.detail);
}

/* The local date the tests take as today: Friday 2026-02-27. */
static int64_t
today(void)
{
	return civil_days(2026, 2, 27);
}

static void
rules_action_args__actions_without_params__accept_no_args_and_ignore_extras(void **state)
{
	struct rules_args none = { .n = 0 };
	struct rules_args extra = { .n = 2, .name = { "note", "posting_code" },
	    .value = { NULL, "x y" } };

	(void)state;
	for (int i = 0; i < PROTO_N_ACTIONS; i++) {
		struct problem pb = fresh_problem();

		if (rules_action(i)->n_params != 0)
			continue;
		if (rules_action_args(i, &none, today(), &pb) != 0 ||
		    rules_action_args(i, &extra, today(), &pb) != 0)
			fail_msg("%s: refused its (empty) args: %s", rules_action(i)->name,
			    pb.detail);
	}
}

static void
rules_action_args__each_missing_param__is_422_missing_param_naming_it(void **state)
{
	struct rules_args none = { .n = 0 };
	int bad = 0;

	(void)state;
	for (int i = 0; i < PROTO_N_ACTIONS; i++) {
		struct problem pb = fresh_problem();
		const struct rules_action *a = rules_action(i);

		if (a->n_params == 0)
			continue;
		if (rules_action_args(i, &none, today(), &pb) != -1 || pb.status != 422 ||
		    strcmp(pb.code, "missing_param") != 0 ||
		    strstr(pb.detail, a->params[0].name) == NULL) {
			print_error("%s without args: status %d code %s detail \"%s\", "
			    "expected 422 missing_param naming %s\n", a->name, pb.status,
			    pb.code ? pb.code : "(null)", pb.detail, a->params[0].name);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
rules_action_args__send_part_without_tracking_url__is_missing_param_tracking_url(
    void **state)
{
	struct rules_args a = { .n = 1, .name = { "posting_code" }, .value = { "BR1" } };
	struct problem pb = fresh_problem();

	(void)state;
	assert_int_equal(rules_action_args(action("send_part"), &a, today(), &pb), -1);
	assert_int_equal(pb.status, 422);
	assert_string_equal(pb.code, "missing_param");
	assert_non_null(strstr(pb.detail, "tracking_url"));
}

static void
rules_action_args__send_part_with_both__is_accepted(void **state)
{
	struct rules_args a = { .n = 2, .name = { "tracking_url", "posting_code" },
	    .value = { "https://rastreamento.correios.example/BR123", "BR123456789BR" } };
	struct problem pb = fresh_problem();

	(void)state;
	assert_int_equal(rules_action_args(action("send_part"), &a, today(), &pb), 0);
}

static void
rules_action_args__non_string_value__is_422_invalid_param(void **state)
{
	(void)state;
	for (int i = 0; i < PROTO_N_ACTIONS; i++) {
		const struct rules_action *a = rules_action(i);
		struct rules_args args = { .n = 0 };

		if (a->n_params == 0)
			continue;
		/* Every param present; the last one not a string. */
		for (size_t k = 0; k < a->n_params; k++) {
			args.name[k] = a->params[k].name;
			args.value[k] = a->params[k].kind == RULES_P_URL ?
			    "https://t.example/1" : a->params[k].kind == RULES_P_DATE ?
			    "2026-03-01" : "ok";
		}
		args.n = a->n_params;
		args.value[a->n_params - 1] = NULL;
		{
			struct problem pb = fresh_problem();

			if (rules_action_args(i, &args, today(), &pb) != -1 ||
			    pb.status != 422 || strcmp(pb.code, "invalid_param") != 0 ||
			    strstr(pb.detail, a->params[a->n_params - 1].name) == NULL)
				fail_msg("%s with %s not a string: status %d code %s, expected "
				    "422 invalid_param", a->name, a->params[a->n_params - 1].name,
				    pb.status, pb.code ? pb.code : "(null)");
		}
	}
}

static void
rules_action_args__posting_code__takes_1_to_64_of_the_code_charset(void **state)
{
	char c64[65], c65[66];

	(void)state;
	memset(c64, 'A', 64);
	c64[64] = '\0';
	memset(c65, 'A', 65);
	c65[65] = '\0';
	expect_valid("inform_posting_code", "posting_code", "BR123456789BR", today());
	expect_valid("inform_posting_code", "posting_code", "a", today());
	expect_valid("inform_posting_code", "posting_code", "az.AZ_09:/-", today());
	expect_valid("inform_posting_code", "posting_code", c64, today());
	expect_invalid("inform_posting_code", "posting_code", "", today());
	expect_invalid("inform_posting_code", "posting_code", c65, today());
	expect_invalid("inform_posting_code", "posting_code", "BR 123", today());
	expect_invalid("inform_posting_code", "posting_code", "BR123\n", today());
	expect_invalid("inform_posting_code", "posting_code", "código", today());
	expect_invalid("inform_posting_code", "posting_code", "BR#1", today());
	expect_invalid("inform_posting_code", "posting_code", "<script>", today());
	expect_invalid("send_part", "posting_code", "", today());
}

static void
rules_action_args__pickup_code__uses_the_code_rules(void **state)
{
	(void)state;
	expect_valid("inform_carrier_pickup", "pickup_code", "COLETA-2026/001", today());
	expect_invalid("inform_carrier_pickup", "pickup_code", "", today());
	expect_invalid("inform_carrier_pickup", "pickup_code", "a b", today());
}

static void
rules_action_args__tracking_url__must_be_http_or_https_without_blanks(void **state)
{
	static const char *const ok[] = { "http://t.example/1", "https://t.example/BR1?x=1",
	    "https://a.b" };
	static const char *const bad[] = { "", "ftp://t.example/1", "www.t.example",
	    "t.example/1", "http://", "https://", "http:/t.example", "https:t.example",
	    "https://t.example/a b", "https://t.example/\t", " https://t.example",
	    "javascript:alert(1)", "mailto:a@b.example" };
	char url[2050];
	size_t pre = strlen("https://t.example/");

	(void)state;
	for (size_t i = 0; i < NELEM(ok); i++) {
		struct rules_args a = { .n = 2, .name = { "posting_code", "tracking_url" },
		    .value = { "BR1", ok[i] } };
		struct problem pb = fresh_problem();

		if (rules_action_args(action("send_part"), &a, today(), &pb) != 0)
			fail_msg("tracking_url \"%s\" refused: %s", ok[i], pb.detail);
	}
	for (size_t i = 0; i < NELEM(bad); i++) {
		struct rules_args a = { .n = 2, .name = { "posting_code", "tracking_url" },
		    .value = { "BR1", bad[i] } };
		struct problem pb = fresh_problem();

		if (rules_action_args(action("send_part"), &a, today(), &pb) != -1 ||
		    pb.status != 422 || strcmp(pb.code, "invalid_param") != 0 ||
		    strstr(pb.detail, "tracking_url") == NULL)
			fail_msg("tracking_url \"%s\": status %d, expected 422 invalid_param",
			    bad[i], pb.status);
	}
	/* 2048 bytes is the limit. */
	memcpy(url, "https://t.example/", pre);
	memset(url + pre, 'x', 2048 - pre);
	url[2048] = '\0';
	{
		struct rules_args a = { .n = 2, .name = { "posting_code", "tracking_url" },
		    .value = { "BR1", url } };
		struct problem pb = fresh_problem();

		assert_int_equal(rules_action_args(action("send_part"), &a, today(), &pb), 0);
		url[2048] = 'x';
		url[2049] = '\0';
		assert_int_equal(rules_action_args(action("send_part"), &a, today(), &pb), -1);
		assert_string_equal(pb.code, "invalid_param");
	}
}

static void
rules_action_args__message__refuses_blank_and_longer_than_4000_bytes(void **state)
{
	static char m[4002];

	(void)state;
	expect_valid("message_customer", "message", "Olá! Pode enviar as fotos?", today());
	expect_valid("message_customer", "message", "  x  ", today());
	expect_invalid("message_customer", "message", "", today());
	expect_invalid("message_customer", "message", " ", today());
	expect_invalid("message_customer", "message", " \t\r\n\v\f ", today());
	memset(m, 'a', 4000);
	m[4000] = '\0';
	expect_valid("message_customer", "message", m, today());
	m[4000] = 'a';
	m[4001] = '\0';
	expect_invalid("message_customer", "message", m, today());
	/* Bytes, not characters: 2000 two-byte characters are 4000 bytes, one more is too
	 * many. */
	for (int i = 0; i < 2000; i++)
		memcpy(m + 2 * i, "é", 2);
	m[4000] = '\0';
	expect_valid("message_customer", "message", m, today());
	memcpy(m + 3999, "é", 2);
	m[4001] = '\0';
	expect_invalid("message_customer", "message", m, today());
}

static void
rules_action_args__dates__must_be_yyyy_mm_dd_that_exist(void **state)
{
	static const char *const bad[] = { "", "2026-3-01", "2026-03-1", "26-03-01",
	    "2026/03/01", "2026-03-01T00:00", "2026-03-01 ", " 2026-03-01", "2026-02-30",
	    "2026-02-29", "2027-02-29", "2026-13-01", "2026-00-10", "2026-04-31",
	    "2026-03-00", "tomorrow", "+2026-03-01", "2026-03-0a" };
	static const char *const params[][2] = {
		{ "inform_pickup_date", "pickup_date" },
		{ "inform_new_delivery_date", "delivery_date" },
	};

	(void)state;
	for (size_t p = 0; p < NELEM(params); p++) {
		for (size_t i = 0; i < NELEM(bad); i++)
			expect_invalid(params[p][0], params[p][1], bad[i], today());
		expect_valid(params[p][0], params[p][1], "2026-03-01", today());
		/* A leap day exists (seen from a today less than a year before it). */
		expect_valid(params[p][0], params[p][1], "2028-02-29", civil_days(2027, 3, 1));
		expect_valid(params[p][0], params[p][1], "2026-12-31", today());
	}
}

static void
rules_action_args__dates__before_today_are_422_today_itself_is_accepted(void **state)
{
	static const char *const params[][2] = {
		{ "inform_pickup_date", "pickup_date" },
		{ "inform_new_delivery_date", "delivery_date" },
	};

	(void)state;
	for (size_t p = 0; p < NELEM(params); p++) {
		struct problem pb;

		expect_valid(params[p][0], params[p][1], "2026-02-27", today());
		expect_valid(params[p][0], params[p][1], "2026-02-28", today());
		expect_invalid(params[p][0], params[p][1], "2026-02-26", today());
		expect_invalid(params[p][0], params[p][1], "2025-12-31", today());
		/* The detail says what today is. */
		assert_int_equal(args1(params[p][0], params[p][1], "2026-02-26", today(), &pb),
		    -1);
		assert_non_null(strstr(pb.detail, "2026-02-27"));
		/* today is the caller's: the same date is fine a day earlier. */
		expect_valid(params[p][0], params[p][1], "2026-02-26",
		    civil_days(2026, 2, 26));
		/* Across a year end. */
		expect_valid(params[p][0], params[p][1], "2027-01-01",
		    civil_days(2026, 12, 31));
		expect_invalid(params[p][0], params[p][1], "2026-12-31",
		    civil_days(2027, 1, 1));
	}
}

static void
rules_action_args__dates__more_than_366_days_ahead__are_422_saying_the_bound(void **state)
{
	static const char *const params[][2] = {
		{ "inform_pickup_date", "pickup_date" },
		{ "inform_new_delivery_date", "delivery_date" },
	};
	/* Issue 21: 9999-12-31 gave a due instant of 10000-01-01. 2062 is 2026 mistyped. */
	static const char *const far[] = { "2027-03-01", "2028-02-29", "2062-02-27",
	    "9999-12-31" };

	(void)state;
	for (size_t p = 0; p < NELEM(params); p++) {
		struct problem pb;

		/* 366 days after Friday 2026-02-27 is 2027-02-28. */
		expect_valid(params[p][0], params[p][1], "2027-02-28", today());
		for (size_t i = 0; i < NELEM(far); i++)
			expect_invalid(params[p][0], params[p][1], far[i], today());
		assert_int_equal(args1(params[p][0], params[p][1], "9999-12-31", today(), &pb),
		    -1);
		assert_non_null(strstr(pb.detail, "9999-12-31 is too far ahead"));
		assert_non_null(strstr(pb.detail, "at most 366 days after today (2026-02-27"));
		assert_non_null(strstr(pb.detail, "2027-02-28 at the latest"));
		/* A year that ends in a 29 February: the same date next year is allowed. */
		expect_valid(params[p][0], params[p][1], "2028-03-01", civil_days(2027, 3, 1));
		expect_invalid(params[p][0], params[p][1], "2028-03-02", civil_days(2027, 3, 1));
	}
}

static void
rules_arg__finds_a_value_by_name_or_null(void **state)
{
	struct rules_args a = { .n = 2, .name = { "message", "x" }, .value = { "hi", NULL } };

	(void)state;
	assert_string_equal(rules_arg(&a, "message"), "hi");
	assert_null(rules_arg(&a, "x"));
	assert_null(rules_arg(&a, "missing"));
}

/* ------------------------------------------------------------- clocks */

static void
rules_entry_clock__every_state_and_origin__follows_spec_3(void **state)
{
	int bad = 0;

	(void)state;
	for (int o = PROTO_CUSTOMER; o <= PROTO_PREVENTIVE; o++) {
		for (int s = 0; s < PROTO_N_STATES; s++) {
			struct protocol p = mkp(o, o == PROTO_PREVENTIVE ? "unavailable" : "",
			    PROTO_PENDING, PROTO_CLOCK_NONE);
			enum proto_clock want = PROTO_CLOCK_NONE, got;

			if (s == PROTO_PENDING || s == PROTO_UNRESOLVED)
				want = o == PROTO_PREVENTIVE ? PROTO_CLOCK_NONE :
				    PROTO_CLOCK_RESPONSE;
			else if (s == PROTO_CLOSED)
				want = PROTO_CLOCK_REPLY;
			if ((got = rules_entry_clock(&p, s)) != want) {
				print_error("%s protocol entering %s: clock %s, expected %s\n",
				    proto_origin_name(o), proto_state_name(s), proto_clock_name(got),
				    proto_clock_name(want));
				bad++;
			}
		}
	}
	assert_int_equal(bad, 0);
}

static void
rules_clock__every_clock__expires_as_spec_3_says(void **state)
{
	static const struct {
		enum proto_clock c;
		enum proto_state on_expiry;
		const char *attempt;	/* NULL: none */
		bool warns;
		enum config_dl dl;
	} want[] = {
		{ PROTO_CLOCK_RESPONSE, PROTO_MEDIATION, NULL, true, CONFIG_DL_RESPONSE_NORMAL },
		{ PROTO_CLOCK_PHOTOS, PROTO_PENDING, "request_photos", false,
		    CONFIG_DL_PHOTOS_WAIT },
		{ PROTO_CLOCK_ADDRESS, PROTO_PENDING, "confirm_address", false,
		    CONFIG_DL_ADDRESS_WAIT },
		{ PROTO_CLOCK_POSTING, PROTO_PENDING, "inform_posting_code", false,
		    CONFIG_DL_POSTING_WAIT },
		{ PROTO_CLOCK_PICKUP, PROTO_PENDING, "inform_pickup_date", false,
		    CONFIG_DL_PICKUP_GRACE },
		{ PROTO_CLOCK_LETTER, PROTO_PENDING, "request_cancellation_letter", false,
		    CONFIG_DL_LETTER_WAIT },
		{ PROTO_CLOCK_REPLY, PROTO_RESOLVED, NULL, false, CONFIG_DL_REPLY_WINDOW },
	};
	int bad = 0;

	(void)state;
	assert_int_equal(NELEM(want), PROTO_N_CLOCKS - 1);
	for (size_t i = 0; i < NELEM(want); i++) {
		const struct rules_clock *rc = rules_clock(want[i].c);
		int attempt = want[i].attempt ? action(want[i].attempt) : -1;

		if (rc->on_expiry != want[i].on_expiry || rc->attempt_action != attempt ||
		    rc->warns != want[i].warns || rc->dl != want[i].dl) {
			print_error("clock %s: -> %s attempt %d warns %d dl %d; expected -> %s "
			    "attempt %d warns %d dl %d\n", proto_clock_name(want[i].c),
			    proto_state_name(rc->on_expiry), rc->attempt_action, rc->warns,
			    rc->dl, proto_state_name(want[i].on_expiry), attempt, want[i].warns,
			    want[i].dl);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
rules_clock__each_waiting_action__is_the_attempt_of_its_own_clock(void **state)
{
	(void)state;
	/* The wait an action starts counts that same action's attempts on expiry. */
	for (int i = 0; i < PROTO_N_ACTIONS; i++) {
		const struct rules_action *a = rules_action(i);

		if (a->next != PROTO_AWAITING)
			continue;
		if (rules_clock(a->clock)->attempt_action != i)
			fail_msg("%s starts %s, whose expiry counts action %d", a->name,
			    proto_clock_name(a->clock), rules_clock(a->clock)->attempt_action);
	}
}

static void
rules_clock_dl__critical_response__uses_the_critical_deadline(void **state)
{
	struct protocol normal = mkc(PROTO_PENDING);
	struct protocol critical = mkc(PROTO_PENDING);

	(void)state;
	critical.critical = true;
	assert_int_equal(rules_clock_dl(&normal, PROTO_CLOCK_RESPONSE),
	    CONFIG_DL_RESPONSE_NORMAL);
	assert_int_equal(rules_clock_dl(&critical, PROTO_CLOCK_RESPONSE),
	    CONFIG_DL_RESPONSE_CRITICAL);
}

static void
rules_clock_dl__critical_protocol_waits__keep_their_own_deadlines(void **state)
{
	struct protocol critical = mkc(PROTO_AWAITING);

	(void)state;
	critical.critical = true;
	for (int c = PROTO_CLOCK_PHOTOS; c < PROTO_N_CLOCKS; c++)
		if (rules_clock_dl(&critical, c) != rules_clock(c)->dl)
			fail_msg("critical protocol, clock %s: dl %d, expected %d",
			    proto_clock_name(c), rules_clock_dl(&critical, c), rules_clock(c)->dl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rules_action__every_spec_action__has_its_index_and_name),
		cmocka_unit_test(rules_action_index__unknown_or_differently_cased_name__is_minus_1),
		cmocka_unit_test(rules_action__each_action__leads_to_the_spec_state_and_clock),
		cmocka_unit_test(rules_action__each_action__takes_the_spec_params),
		cmocka_unit_test(rules_action__only_message_customer__is_refused_for_envvias),
		cmocka_unit_test(rules_action_allowed__every_state_x_every_action__only_pending_and_unresolved_take_actions),
		cmocka_unit_test(rules_allowed_actions__pending_and_unresolved__list_all_12_in_table_order),
		cmocka_unit_test(rules_allowed_mask__every_state_origin_reason_and_envvias__is_the_listed_set),
		cmocka_unit_test(rules_allowed_actions__max_smaller_than_the_list__writes_only_max),
		cmocka_unit_test(rules_action__request_photos_in_awaiting__is_refused_409_listing_nothing),
		cmocka_unit_test(rules_action__cancel_sale_in_unresolved__is_allowed_and_leaves_the_problem_alone),
		cmocka_unit_test(rules_action__message_customer_for_envvias__is_refused_409_in_pending_and_unresolved),
		cmocka_unit_test(rules_action__message_customer_for_envvias__lists_the_other_11),
		cmocka_unit_test(rules_action__envvias_in_closed__is_refused_for_the_state_not_envvias),
		cmocka_unit_test(rules_action__preventive_reason_x_every_action__allows_exactly_the_spec_table),
		cmocka_unit_test(rules_action__preventive_in_awaiting__is_refused_for_the_state_first),
		cmocka_unit_test(rules_action__preventive_delivery_problem_with_envvias__refuses_message_for_envvias),
		cmocka_unit_test(rules_action__preventive_with_an_unknown_reason__allows_nothing),
		cmocka_unit_test(rules_action__customer_protocol_with_a_preventive_reason__allows_all_12),
		cmocka_unit_test(rules_check_reason__preventive_without_one_of_the_four__is_422_listing_them),
		cmocka_unit_test(rules_check_reason__customer__accepts_any_reason_or_none),
		cmocka_unit_test(rules_event__every_state_and_clock_x_every_event__follows_spec_5),
		cmocka_unit_test(rules_event__customer_replied_in_awaiting__goes_pending_on_every_wait_clock),
		cmocka_unit_test(rules_event__document_attached_on_photos_wait__is_409_naming_the_clock),
		cmocka_unit_test(rules_event__document_attached_on_letter_wait__resolves),
		cmocka_unit_test(rules_event__unknown_names__are_422_unknown_event_in_every_state),
		cmocka_unit_test(rules_event__unknown_name__detail_lists_the_known_events),
		cmocka_unit_test(rules_action_args__actions_without_params__accept_no_args_and_ignore_extras),
		cmocka_unit_test(rules_action_args__each_missing_param__is_422_missing_param_naming_it),
		cmocka_unit_test(rules_action_args__send_part_without_tracking_url__is_missing_param_tracking_url),
		cmocka_unit_test(rules_action_args__send_part_with_both__is_accepted),
		cmocka_unit_test(rules_action_args__non_string_value__is_422_invalid_param),
		cmocka_unit_test(rules_action_args__posting_code__takes_1_to_64_of_the_code_charset),
		cmocka_unit_test(rules_action_args__pickup_code__uses_the_code_rules),
		cmocka_unit_test(rules_action_args__tracking_url__must_be_http_or_https_without_blanks),
		cmocka_unit_test(rules_action_args__message__refuses_blank_and_longer_than_4000_bytes),
		cmocka_unit_test(rules_action_args__dates__must_be_yyyy_mm_dd_that_exist),
		cmocka_unit_test(rules_action_args__dates__before_today_are_422_today_itself_is_accepted),
		cmocka_unit_test(rules_action_args__dates__more_than_366_days_ahead__are_422_saying_the_bound),
		cmocka_unit_test(rules_arg__finds_a_value_by_name_or_null),
		cmocka_unit_test(rules_entry_clock__every_state_and_origin__follows_spec_3),
		cmocka_unit_test(rules_clock__every_clock__expires_as_spec_3_says),
		cmocka_unit_test(rules_clock__each_waiting_action__is_the_attempt_of_its_own_clock),
		cmocka_unit_test(rules_clock_dl__critical_response__uses_the_critical_deadline),
		cmocka_unit_test(rules_clock_dl__critical_protocol_waits__keep_their_own_deadlines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
