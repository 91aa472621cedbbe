#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal.h"
#include "civil.h"
#include "clockrule.h"
#include "config.h"
#include "problem.h"
#include "proto.h"
#include "rulebook.h"
#include "rules.h"
#include "tmpdir.h"

/*
 * The domain rules of spec.md §3–§5, as the built-in casas-bahia rulebook says them (a
 * configuration without [rules] loads it, as the daemon does). The expectations below
 * are written from spec.md's tables, independently of the rulebook's file, so a wrong
 * line there shows up here. Then the rules of a second rulebook written here, for what
 * casas-bahia does not use: a wait that ends in mediation, one that counts no attempt,
 * a "PARAM + DURATION" wait, an event that moves only while waiting on one action,
 * a customer reason that restricts the actions and sets the response.
 */

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define N_ACTIONS 12

/* The clock kinds of casas-bahia's waits, as the store keeps them (rulebook.h). */
#define KIND_PHOTOS 2
#define KIND_ADDRESS 3
#define KIND_POSTING 4
#define KIND_PICKUP 5
#define KIND_LETTER 6

static char dir[256];
static struct config *cfg;		/* the built-in rulebook alone */
static const struct rulebook *cb;	/* casas-bahia */
static struct cal *cal;

static const char *const all_actions[N_ACTIONS] = {
	"request_photos", "confirm_address", "inform_posting_code", "inform_pickup_date",
	"request_cancellation_letter", "message_customer", "approve_cancellation",
	"cancel_sale", "send_part", "inform_carrier_pickup", "inform_shipping",
	"inform_new_delivery_date",
};

static const char *const all_events[] = {
	"customer_replied", "document_attached", "mediation_resolved",
};

static const int wait_clocks[] = {
	KIND_PHOTOS, KIND_ADDRESS, KIND_POSTING, KIND_PICKUP, KIND_LETTER,
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

/* A file of dir with text. */
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

static int book2_setup(void);

static int
setup(void **state)
{
	if (tmpdir_make(dir, sizeof dir, "test_rules") != 0 ||
	    write_file("protocold.ini", "") != 0 || (cfg = load("protocold.ini")) == NULL)
		return -1;
	cb = config_default_book(cfg);
	if (cb == NULL || strcmp(cb->name, "casas-bahia") != 0)
		return -1;
	cal = cal_new(CAL_BR_NATIONAL, NULL, 0);
	return cal != NULL ? book2_setup() : -1;
}

static void book2_teardown(void);

static int
teardown(void **state)
{
	book2_teardown();
	config_free(cfg);
	cal_free(cal);
	tmpdir_remove(dir);
	return 0;
}

static struct protocol
mkp(enum proto_origin origin, const char *reason, enum proto_state s, int kind)
{
	struct protocol p;

	memset(&p, 0, sizeof p);
	snprintf(p.id, sizeof p.id, "P-1");
	snprintf(p.seller, sizeof p.seller, "seller-1");
	snprintf(p.marketplace, sizeof p.marketplace, "casas-bahia");
	snprintf(p.reason, sizeof p.reason, "%s", reason);
	p.origin = origin;
	p.state = s;
	p.clock = kind;
	return p;
}

/* A customer protocol in s with the clock that state runs. */
static struct protocol
mkc(enum proto_state s)
{
	int c = PROTO_CLOCK_NONE;

	if (s == PROTO_PENDING || s == PROTO_UNRESOLVED)
		c = RULEBOOK_KIND_RESPONSE;
	else if (s == PROTO_AWAITING)
		c = KIND_PHOTOS;
	else if (s == PROTO_CLOSED)
		c = RULEBOOK_KIND_REPLY;
	return mkp(PROTO_CUSTOMER, "", s, c);
}

/* The name of a clock kind, for messages. */
static const char *
kind_name(int kind)
{
	const char *name = kind == PROTO_CLOCK_NONE ? "none" : rules_kind_name(cfg, kind);

	return name != NULL ? name : "?";
}

static int
action(const char *name)
{
	int i = rulebook_action_index(cb, name);

	if (i < 0)
		fail_msg("rulebook_action_index(\"%s\") = -1: the action is missing", name);
	return i;
}

static const struct rulebook_action *
act(const char *name)
{
	return &cb->actions[action(name)];
}

/* The names of the actions p may take now (rules_allowed_mask), in b's order: how
 * many, into out (b->n_actions of them at most). */
static size_t
allowed_names(const struct rulebook *b, const struct protocol *p, bool envvias,
    const char **out)
{
	uint64_t mask = rules_allowed_mask(b, p, envvias);
	size_t n = 0;

	for (size_t i = 0; i < b->n_actions; i++)
		if (mask & UINT64_C(1) << i)
			out[n++] = b->actions[i].name;
	return n;
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
	assert_int_equal(cb->n_actions, N_ACTIONS);
	for (int i = 0; i < N_ACTIONS; i++) {
		const struct rulebook_action *a = act(all_actions[i]);

		assert_string_equal(a->name, all_actions[i]);
		assert_non_null(a->label);
		assert_true(a->label[0] != '\0');
	}
	/* And no two names map to the same row. */
	for (int i = 0; i < N_ACTIONS; i++)
		for (int j = i + 1; j < N_ACTIONS; j++)
			assert_int_not_equal(action(all_actions[i]), action(all_actions[j]));
}

static void
rules_action_find__unknown_or_differently_cased_name__is_422_unknown_action_listing_the_12(
    void **state)
{
	static const char *const bad[] = { "", "request_photo", "REQUEST_PHOTOS",
	    "request_photos ", "customer_replied" };

	(void)state;
	for (size_t i = 0; i < NELEM(bad); i++) {
		struct problem pb = fresh_problem();

		assert_int_equal(rulebook_action_index(cb, bad[i]), -1);
		assert_false(rules_known_action(cfg, bad[i]));
		assert_int_equal(rules_action_find(cb, bad[i], &pb), -1);
		assert_int_equal(pb.status, 422);
		assert_string_equal(pb.code, "unknown_action");
		assert_non_null(strstr(pb.detail, "casas-bahia"));
		assert_true(allowed_is(&pb, all_actions, N_ACTIONS, bad[i]));
	}
	for (int i = 0; i < N_ACTIONS; i++) {
		struct problem pb = fresh_problem();

		assert_true(rules_known_action(cfg, all_actions[i]));
		assert_int_equal(rules_action_find(cb, all_actions[i], &pb), action(all_actions[i]));
		assert_int_equal(pb.status, -7);
	}
	/* No rulebook (a protocol's marketplace not loaded): nothing is known. */
	{
		struct problem pb = fresh_problem();

		assert_int_equal(rules_action_find(NULL, "request_photos", &pb), -1);
		assert_string_equal(pb.code, "unknown_action");
	}
}

static void
rules_action__each_action__leads_to_the_spec_state_and_clock(void **state)
{
	static const struct {
		const char *name;
		enum proto_state next;
		int clock;
	} want[] = {
		{ "request_photos", PROTO_AWAITING, KIND_PHOTOS },
		{ "confirm_address", PROTO_AWAITING, KIND_ADDRESS },
		{ "inform_posting_code", PROTO_AWAITING, KIND_POSTING },
		{ "inform_pickup_date", PROTO_AWAITING, KIND_PICKUP },
		{ "request_cancellation_letter", PROTO_AWAITING, KIND_LETTER },
		{ "message_customer", PROTO_CLOSED, RULEBOOK_KIND_REPLY },
		{ "approve_cancellation", PROTO_RESOLVED, PROTO_CLOCK_NONE },
		{ "cancel_sale", PROTO_RESOLVED, PROTO_CLOCK_NONE },
		{ "send_part", PROTO_RESOLVED, PROTO_CLOCK_NONE },
		{ "inform_carrier_pickup", PROTO_RESOLVED, PROTO_CLOCK_NONE },
		{ "inform_shipping", PROTO_RESOLVED, PROTO_CLOCK_NONE },
		{ "inform_new_delivery_date", PROTO_RESOLVED, PROTO_CLOCK_NONE },
	};
	int bad = 0;

	(void)state;
	assert_int_equal(NELEM(want), N_ACTIONS);
	for (size_t i = 0; i < NELEM(want); i++) {
		const struct rulebook_action *a = act(want[i].name);
		struct protocol p = mkc(PROTO_PENDING);
		struct clockrule c;

		/* A wait is the action's own clock; otherwise the clock of the state it
		 * leads to. */
		if (a->has_wait)
			clockrule_wait(cfg, cal, cb, &p, action(want[i].name), &c);
		else
			clockrule_entry(cfg, cal, cb, &p, (enum proto_state)a->to, &c);
		if (a->to != (int)want[i].next || c.kind != want[i].clock ||
		    a->has_wait != (want[i].next == PROTO_AWAITING) ||
		    (a->has_wait && a->kind != want[i].clock)) {
			print_error("%s: leads to %s/%s, expected %s/%s\n", want[i].name,
			    proto_state_name(a->to), kind_name(c.kind),
			    proto_state_name(want[i].next), kind_name(want[i].clock));
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
rules_action__each_action__takes_the_spec_params(void **state)
{
	/* message: 1 to 4000 bytes (longtext); dates: today to 366 days ahead
	 * (date_future). */
	static const struct {
		const char *name;
		const char *params[2];
		enum rulebook_ptype kinds[2];
	} want[] = {
		{ "request_photos", { NULL, NULL }, { 0, 0 } },
		{ "confirm_address", { NULL, NULL }, { 0, 0 } },
		{ "inform_posting_code", { "posting_code", NULL }, { RULEBOOK_CODE, 0 } },
		{ "inform_pickup_date", { "pickup_date", NULL }, { RULEBOOK_DATE_FUTURE, 0 } },
		{ "request_cancellation_letter", { NULL, NULL }, { 0, 0 } },
		{ "message_customer", { "message", NULL }, { RULEBOOK_LONGTEXT, 0 } },
		{ "approve_cancellation", { NULL, NULL }, { 0, 0 } },
		{ "cancel_sale", { NULL, NULL }, { 0, 0 } },
		{ "send_part", { "posting_code", "tracking_url" }, { RULEBOOK_CODE, RULEBOOK_URL } },
		{ "inform_carrier_pickup", { "pickup_code", NULL }, { RULEBOOK_CODE, 0 } },
		{ "inform_shipping", { NULL, NULL }, { 0, 0 } },
		{ "inform_new_delivery_date", { "delivery_date", NULL },
		    { RULEBOOK_DATE_FUTURE, 0 } },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(want); i++) {
		const struct rulebook_action *a = act(want[i].name);
		size_t n = (want[i].params[0] != NULL) + (want[i].params[1] != NULL);

		if (a->n_params != n)
			fail_msg("%s: %zu params, expected %zu", want[i].name, a->n_params, n);
		for (size_t k = 0; k < n; k++) {
			if (strcmp(a->params[k].name, want[i].params[k]) != 0 ||
			    a->params[k].type != want[i].kinds[k])
				fail_msg("%s: param %zu is %s (%s), expected %s (%s)",
				    want[i].name, k, a->params[k].name,
				    rulebook_ptype_name(a->params[k].type), want[i].params[k],
				    rulebook_ptype_name(want[i].kinds[k]));
		}
	}
}

static void
rules_action__only_message_customer__is_refused_for_envvias(void **state)
{
	(void)state;
	for (int i = 0; i < N_ACTIONS; i++) {
		const struct rulebook_action *a = act(all_actions[i]);
		bool want = strcmp(all_actions[i], "message_customer") == 0;

		if (a->envvias == want)
			fail_msg("%s: envvias = %d, expected %d", all_actions[i], a->envvias,
			    !want);
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

		for (int i = 0; i < N_ACTIONS; i++) {
			struct protocol p = mkc(s);
			struct problem pb = fresh_problem();
			int k = action(all_actions[i]);
			int rc = rules_action_allowed(cb, &p, k, false, &pb);
			const char *names[N_ACTIONS];
			size_t n = allowed_names(cb, &p, false, names);
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

/* The mask (what allowed_actions shows) says what rules_action_allowed says, action by
 * action. */
static void
rules_allowed_mask__every_state_origin_reason_and_envvias__has_the_bits_of_the_allowed_actions(
    void **state)
{
	static const char *reasons[] = { "delivery_problem", "customer_return", "unavailable",
		"cancellation_letter" };

	(void)state;
	for (int s = 0; s < PROTO_N_STATES; s++)
		for (size_t r = 0; r <= NELEM(reasons); r++)
			for (int envvias = 0; envvias < 2; envvias++) {
				struct protocol p = r == NELEM(reasons) ? mkc(s) :
				    mkp(PROTO_PREVENTIVE, reasons[r], s, PROTO_CLOCK_NONE);
				uint64_t want = 0;

				for (int i = 0; i < N_ACTIONS; i++) {
					struct problem pb = fresh_problem();

					if (rules_action_allowed(cb, &p, i, envvias, &pb) == 0)
						want |= UINT64_C(1) << i;
				}
				assert_int_equal(rules_allowed_mask(cb, &p, envvias), want);
			}
}

static void
rules_allowed_mask__pending_and_unresolved__all_12_in_the_spec_order(void **state)
{
	static const enum proto_state states[] = { PROTO_PENDING, PROTO_UNRESOLVED };

	(void)state;
	/* The rulebook's order is spec.md's: allowed_actions lists them so. */
	for (int i = 0; i < N_ACTIONS; i++)
		assert_string_equal(cb->actions[i].name, all_actions[i]);
	for (size_t s = 0; s < NELEM(states); s++) {
		struct protocol p = mkc(states[s]);
		const char *names[N_ACTIONS];
		size_t n = allowed_names(cb, &p, false, names);

		assert_int_equal(rules_allowed_mask(cb, &p, false), (UINT64_C(1) << N_ACTIONS) - 1);
		assert_int_equal(n, N_ACTIONS);
		for (size_t i = 0; i < n; i++)
			assert_string_equal(names[i], all_actions[i]);
	}
}

static void
rules_allowed_mask__no_rulebook__is_empty(void **state)
{
	struct protocol p = mkc(PROTO_PENDING);

	(void)state;
	assert_int_equal(rules_allowed_mask(NULL, &p, false), 0);
}

/* The fields an action's request keeps before its protocol (so its rulebook) is
 * known: its parameters in every rulebook loaded, at most max. */
static void
rules_param_names__max_smaller_than_the_list__writes_only_max(void **state)
{
	const char *names[4] = { NULL, NULL, NULL, "sentinel" };

	(void)state;
	assert_int_equal(rules_param_names(cfg, "send_part", names, 3), 2);
	assert_string_equal(names[0], "posting_code");
	assert_string_equal(names[1], "tracking_url");
	assert_string_equal(names[3], "sentinel");
	names[1] = NULL;
	assert_int_equal(rules_param_names(cfg, "send_part", names, 1), 1);
	assert_string_equal(names[0], "posting_code");
	assert_null(names[1]);
	assert_int_equal(rules_param_names(cfg, "send_part", names, 0), 0);
	assert_int_equal(rules_param_names(cfg, "request_photos", names, 3), 0);
	assert_int_equal(rules_param_names(cfg, "no_such_action", names, 3), 0);
	assert_string_equal(names[3], "sentinel");
}

static void
rules_action__request_photos_in_awaiting__is_refused_409_listing_nothing(void **state)
{
	struct protocol p = mkp(PROTO_CUSTOMER, "", PROTO_AWAITING, KIND_ADDRESS);
	struct problem pb = fresh_problem();

	(void)state;
	assert_int_equal(rules_action_allowed(cb, &p, action("request_photos"), false, &pb), -1);
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
	assert_int_equal(rules_action_allowed(cb, &p, action("cancel_sale"), false, &pb), 0);
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
			for (int i = 0; i < N_ACTIONS; i++) {
				struct protocol p = mkc(states[s]);
				struct problem pb = fresh_problem();
				int rc = rules_action_allowed(cb, &p, action(all_actions[i]),
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
	const char *names[N_ACTIONS];
	size_t n = allowed_names(cb, &p, true, names);

	(void)state;
	assert_int_equal(n, N_ACTIONS - 1);
	assert_false(in_list(names, n, "message_customer"));
	assert_int_equal(rules_action_allowed(cb, &p, action("message_customer"), true, &pb), -1);
	assert_true(allowed_is(&pb, names, n, "envvias"));
	assert_non_null(strstr(pb.detail, "Envvias"));
}

static void
rules_action__envvias_in_closed__is_refused_for_the_state_not_envvias(void **state)
{
	struct protocol p = mkc(PROTO_CLOSED);
	struct problem pb = fresh_problem();

	(void)state;
	assert_int_equal(rules_action_allowed(cb, &p, action("message_customer"), true, &pb), -1);
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
		const char *ordered[N_ACTIONS];
		size_t nordered = 0;

		while (want[nwant] != NULL)
			nwant++;
		/* The allowed list comes in table order. */
		for (int i = 0; i < N_ACTIONS; i++)
			if (in_list(want, nwant, cb->actions[i].name))
				ordered[nordered++] = cb->actions[i].name;
		assert_int_equal(nordered, nwant);
		for (size_t s = 0; s < NELEM(states); s++) {
			for (int i = 0; i < N_ACTIONS; i++) {
				struct protocol p = mkp(PROTO_PREVENTIVE, spec_reasons[r].reason,
				    states[s], PROTO_CLOCK_NONE);
				struct problem pb = fresh_problem();
				const char *name = all_actions[i];
				bool allow = in_list(want, nwant, name);
				int rc = rules_action_allowed(cb, &p, action(name), false, &pb);
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
	    KIND_PHOTOS);
	struct problem pb = fresh_problem();

	(void)state;
	assert_int_equal(rules_action_allowed(cb, &p, action("request_photos"), false, &pb), -1);
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
	assert_int_equal(rules_action_allowed(cb, &p, action("message_customer"), true, &pb), -1);
	assert_string_equal(pb.code, "action_not_allowed_for_envvias");
	assert_true(allowed_is(&pb, want, NELEM(want), "delivery_problem + envvias"));
}

static void
rules_action__preventive_with_an_unknown_reason__allows_nothing(void **state)
{
	struct protocol p = mkp(PROTO_PREVENTIVE, "bogus", PROTO_PENDING, PROTO_CLOCK_NONE);
	const char *names[N_ACTIONS];

	(void)state;
	assert_int_equal(allowed_names(cb, &p, false, names), 0);
	assert_int_equal(rules_allowed_mask(cb, &p, false), 0);
}

static void
rules_action__customer_protocol_with_a_preventive_reason__allows_all_12(void **state)
{
	struct protocol p = mkp(PROTO_CUSTOMER, "unavailable", PROTO_PENDING,
	    RULEBOOK_KIND_RESPONSE);
	const char *names[N_ACTIONS];

	(void)state;
	assert_int_equal(allowed_names(cb, &p, false, names), N_ACTIONS);
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

		if (rules_check_reason(cb, PROTO_PREVENTIVE, bad[i], &pb) != -1)
			fail_msg("preventive with reason \"%s\" was accepted", bad[i]);
		assert_int_equal(pb.status, 422);
		assert_non_null(pb.code);
		assert_string_equal(pb.code, "invalid_reason");
		assert_true(allowed_is(&pb, four, NELEM(four), bad[i]));
	}
	for (size_t i = 0; i < NELEM(four); i++) {
		struct problem pb = fresh_problem();

		if (rules_check_reason(cb, PROTO_PREVENTIVE, four[i], &pb) != 0)
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

		if (rules_check_reason(cb, PROTO_CUSTOMER, any[i], &pb) != 0)
			fail_msg("customer with reason \"%s\" was refused", any[i]);
		assert_int_equal(pb.status, -7);
	}
}

/* ---------------------------------------------------------- state × event */

/* spec.md §5, written out: the state an event leads to, or -1 for 409. */
static int
spec_event(const char *ev, enum proto_state s, int c)
{
	if (strcmp(ev, "customer_replied") == 0 && s == PROTO_AWAITING)
		return PROTO_PENDING;
	if (strcmp(ev, "customer_replied") == 0 && s == PROTO_CLOSED)
		return PROTO_UNRESOLVED;
	if (strcmp(ev, "document_attached") == 0 && s == PROTO_AWAITING &&
	    c == KIND_LETTER)
		return PROTO_RESOLVED;
	if (strcmp(ev, "mediation_resolved") == 0 && s == PROTO_MEDIATION)
		return PROTO_RESOLVED;
	return -1;
}

/* True when m is a move of event name in b. */
static bool
move_of(const struct rulebook *b, const char *name, const struct rulebook_move *m)
{
	const struct rulebook_event *e = rulebook_event(b, name);

	return e != NULL && m >= e->moves && m < e->moves + e->n_moves;
}

/* The (state, clock) pairs a protocol can be in. */
static const struct {
	enum proto_state s;
	int c;
} reachable[] = {
	{ PROTO_PENDING, RULEBOOK_KIND_RESPONSE },
	{ PROTO_PENDING, PROTO_CLOCK_NONE },		/* preventive */
	{ PROTO_AWAITING, KIND_PHOTOS },
	{ PROTO_AWAITING, KIND_ADDRESS },
	{ PROTO_AWAITING, KIND_POSTING },
	{ PROTO_AWAITING, KIND_PICKUP },
	{ PROTO_AWAITING, KIND_LETTER },
	{ PROTO_CLOSED, RULEBOOK_KIND_REPLY },
	{ PROTO_UNRESOLVED, RULEBOOK_KIND_RESPONSE },
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
		int c = reachable[r].c;
		const char *want_allowed[NELEM(all_events)];
		size_t nwant = 0;

		seen[s] = true;
		for (size_t e = 0; e < NELEM(all_events); e++)
			if (spec_event(all_events[e], s, c) >= 0)
				want_allowed[nwant++] = all_events[e];
		for (size_t e = 0; e < NELEM(all_events); e++) {
			struct protocol p = mkp(PROTO_CUSTOMER, "", s, c);
			struct problem pb = fresh_problem();
			const struct rulebook_move *re = rules_event(cb, &p, all_events[e], &pb);
			int want = spec_event(all_events[e], s, c);
			char ctx[128];

			snprintf(ctx, sizeof ctx, "state %s on clock %s x event %s",
			    proto_state_name(s), kind_name(c), all_events[e]);
			if (want >= 0) {
				if (re == NULL) {
					print_error("%s: refused (%d %s: %s), expected -> %s\n", ctx,
					    pb.status, pb.code, pb.detail, proto_state_name(want));
					bad++;
				} else if (re->to != want || re->from != (int)s ||
				    !move_of(cb, all_events[e], re)) {
					print_error("%s: %s -> %s (a move of %s: %d), expected "
					    "-> %s\n", ctx, proto_state_name(re->from),
					    proto_state_name(re->to), all_events[e],
					    move_of(cb, all_events[e], re), proto_state_name(want));
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
		const struct rulebook_move *e = rules_event(cb, &p, "customer_replied", &pb);

		if (e == NULL || e->to != PROTO_PENDING)
			fail_msg("customer_replied on %s: %s", kind_name(wait_clocks[i]),
			    e ? proto_state_name(e->to) : pb.detail);
	}
}

static void
rules_event__document_attached_on_photos_wait__is_409_naming_the_clock(void **state)
{
	struct protocol p = mkp(PROTO_CUSTOMER, "", PROTO_AWAITING, KIND_PHOTOS);
	struct problem pb = fresh_problem();
	static const char *const want[] = { "customer_replied" };

	(void)state;
	assert_null(rules_event(cb, &p, "document_attached", &pb));
	assert_int_equal(pb.status, 409);
	assert_string_equal(pb.code, "event_not_allowed");
	assert_non_null(strstr(pb.detail, "photos_wait"));
	assert_true(allowed_is(&pb, want, NELEM(want), "document_attached on photos_wait"));
}

static void
rules_event__document_attached_on_letter_wait__resolves(void **state)
{
	struct protocol p = mkp(PROTO_CUSTOMER, "", PROTO_AWAITING, KIND_LETTER);
	struct problem pb = fresh_problem();
	const struct rulebook_move *e = rules_event(cb, &p, "document_attached", &pb);

	(void)state;
	assert_non_null(e);
	assert_true(move_of(cb, "document_attached", e));
	assert_int_equal(e->to, PROTO_RESOLVED);
	assert_int_equal(e->from, PROTO_AWAITING);
	/* Only while waiting on request_cancellation_letter, whose clock is letter_wait. */
	assert_int_equal(e->only_action, action("request_cancellation_letter"));
	assert_int_equal(cb->actions[e->only_action].kind, KIND_LETTER);
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
			const struct rulebook_move *e = rules_event(cb, &p, unknown[u], &pb);

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
	assert_null(rules_event(cb, &p, "bogus", &pb));
	for (size_t e = 0; e < NELEM(all_events); e++) {
		assert_non_null(strstr(pb.detail, all_events[e]));
		assert_true(rules_known_event(cfg, all_events[e]));
	}
	assert_false(rules_known_event(cfg, "bogus"));
	/* No rulebook (a protocol's marketplace not loaded): every event is unknown. */
	pb = fresh_problem();
	assert_null(rules_event(NULL, &p, "customer_replied", &pb));
	assert_string_equal(pb.code, "unknown_event");
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
	return rules_action_args(cb, action(act), &a, today, pb);
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
	for (int i = 0; i < N_ACTIONS; i++) {
		struct problem pb = fresh_problem();

		if (cb->actions[i].n_params != 0)
			continue;
		if (rules_action_args(cb, i, &none, today(), &pb) != 0 ||
		    rules_action_args(cb, i, &extra, today(), &pb) != 0)
			fail_msg("%s: refused its (empty) args: %s", cb->actions[i].name,
			    pb.detail);
	}
}

static void
rules_action_args__each_missing_param__is_422_missing_param_naming_it(void **state)
{
	struct rules_args none = { .n = 0 };
	int bad = 0;

	(void)state;
	for (int i = 0; i < N_ACTIONS; i++) {
		struct problem pb = fresh_problem();
		const struct rulebook_action *a = &cb->actions[i];

		if (a->n_params == 0)
			continue;
		if (rules_action_args(cb, i, &none, today(), &pb) != -1 || pb.status != 422 ||
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
	assert_int_equal(rules_action_args(cb, action("send_part"), &a, today(), &pb), -1);
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
	assert_int_equal(rules_action_args(cb, action("send_part"), &a, today(), &pb), 0);
}

static void
rules_action_args__non_string_value__is_422_invalid_param(void **state)
{
	(void)state;
	for (int i = 0; i < N_ACTIONS; i++) {
		const struct rulebook_action *a = &cb->actions[i];
		struct rules_args args = { .n = 0 };

		if (a->n_params == 0)
			continue;
		/* Every param present; the last one not a string. */
		for (size_t k = 0; k < a->n_params; k++) {
			args.name[k] = a->params[k].name;
			args.value[k] = a->params[k].type == RULEBOOK_URL ?
			    "https://t.example/1" : a->params[k].type == RULEBOOK_DATE_FUTURE ?
			    "2026-03-01" : "ok";
		}
		args.n = a->n_params;
		args.value[a->n_params - 1] = NULL;
		{
			struct problem pb = fresh_problem();

			if (rules_action_args(cb, i, &args, today(), &pb) != -1 ||
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

		if (rules_action_args(cb, action("send_part"), &a, today(), &pb) != 0)
			fail_msg("tracking_url \"%s\" refused: %s", ok[i], pb.detail);
	}
	for (size_t i = 0; i < NELEM(bad); i++) {
		struct rules_args a = { .n = 2, .name = { "posting_code", "tracking_url" },
		    .value = { "BR1", bad[i] } };
		struct problem pb = fresh_problem();

		if (rules_action_args(cb, action("send_part"), &a, today(), &pb) != -1 ||
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

		assert_int_equal(rules_action_args(cb, action("send_part"), &a, today(), &pb), 0);
		url[2048] = 'x';
		url[2049] = '\0';
		assert_int_equal(rules_action_args(cb, action("send_part"), &a, today(), &pb), -1);
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
clockrule_entry__every_state_and_origin__follows_spec_3(void **state)
{
	int bad = 0;

	(void)state;
	for (int o = PROTO_CUSTOMER; o <= PROTO_PREVENTIVE; o++) {
		for (int s = 0; s < PROTO_N_STATES; s++) {
			struct protocol p = mkp(o, o == PROTO_PREVENTIVE ? "unavailable" : "",
			    PROTO_PENDING, PROTO_CLOCK_NONE);
			int want = PROTO_CLOCK_NONE, got;
			struct clockrule c;

			if (s == PROTO_PENDING || s == PROTO_UNRESOLVED)
				want = o == PROTO_PREVENTIVE ? PROTO_CLOCK_NONE :
				    RULEBOOK_KIND_RESPONSE;
			else if (s == PROTO_CLOSED)
				want = RULEBOOK_KIND_REPLY;
			clockrule_entry(cfg, cal, cb, &p, s, &c);
			if ((got = c.kind) != want) {
				print_error("%s protocol entering %s: clock %s, expected %s\n",
				    proto_origin_name(o), proto_state_name(s), kind_name(got),
				    kind_name(want));
				bad++;
			}
		}
	}
	assert_int_equal(bad, 0);
}

/* The clock of kind c as it starts: the entry clock of a state (response, reply
 * window), or the wait of the action whose clock it is. */
static void
clock_of(int c, const struct protocol *p, struct clockrule *out)
{
	const struct rulebook_action *a;

	if (c == RULEBOOK_KIND_RESPONSE)
		clockrule_entry(cfg, cal, cb, p, PROTO_PENDING, out);
	else if (c == RULEBOOK_KIND_REPLY)
		clockrule_entry(cfg, cal, cb, p, PROTO_CLOSED, out);
	else if ((a = rulebook_kind_action(cb, c)) != NULL)
		clockrule_wait(cfg, cal, cb, p, action(a->name), out);
	else
		fail_msg("no action of casas-bahia waits on clock kind %d", c);
}

static void
clockrule__every_clock__expires_as_spec_3_says(void **state)
{
	static const struct {
		int c;
		enum proto_state on_expiry;
		const char *attempt;	/* NULL: none */
		bool warns;
		enum config_dl dl;
	} want[] = {
		{ RULEBOOK_KIND_RESPONSE, PROTO_MEDIATION, NULL, true, CONFIG_DL_RESPONSE_NORMAL },
		{ KIND_PHOTOS, PROTO_PENDING, "request_photos", false,
		    CONFIG_DL_PHOTOS_WAIT },
		{ KIND_ADDRESS, PROTO_PENDING, "confirm_address", false,
		    CONFIG_DL_ADDRESS_WAIT },
		{ KIND_POSTING, PROTO_PENDING, "inform_posting_code", false,
		    CONFIG_DL_POSTING_WAIT },
		{ KIND_PICKUP, PROTO_PENDING, "inform_pickup_date", false,
		    CONFIG_DL_PICKUP_GRACE },
		{ KIND_LETTER, PROTO_PENDING, "request_cancellation_letter", false,
		    CONFIG_DL_LETTER_WAIT },
		{ RULEBOOK_KIND_REPLY, PROTO_RESOLVED, NULL, false, CONFIG_DL_REPLY_WINDOW },
	};
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < NELEM(want); i++) {
		struct protocol p = mkc(PROTO_PENDING);
		struct clockrule rc;
		const char *attempt;
		enum proto_state now_to;

		clock_of(want[i].c, &p, &rc);
		/* And for a clock started before its rule was kept with it: the same by
		 * the rulebook now. */
		clockrule_expiry_now(cb, want[i].c, &now_to, &attempt);
		if (rc.kind != want[i].c || rc.on_expiry != want[i].on_expiry ||
		    (rc.attempt == NULL) != (want[i].attempt == NULL) ||
		    (rc.attempt != NULL && strcmp(rc.attempt, want[i].attempt) != 0) ||
		    rc.warns != want[i].warns ||
		    strcmp(rc.rule, config_dl_name(want[i].dl)) != 0 ||
		    now_to != want[i].on_expiry || (attempt == NULL) != (want[i].attempt == NULL) ||
		    (attempt != NULL && strcmp(attempt, want[i].attempt) != 0)) {
			print_error("clock %s: kind %d -> %s attempt %s warns %d rule %s (now: -> "
			    "%s attempt %s); expected -> %s attempt %s warns %d rule %s\n",
			    kind_name(want[i].c), rc.kind, proto_state_name(rc.on_expiry),
			    rc.attempt ? rc.attempt : "-", rc.warns, rc.rule,
			    proto_state_name(now_to), attempt ? attempt : "-",
			    proto_state_name(want[i].on_expiry),
			    want[i].attempt ? want[i].attempt : "-", want[i].warns,
			    config_dl_name(want[i].dl));
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
clockrule_wait__each_waiting_action__is_the_attempt_of_its_own_clock(void **state)
{
	(void)state;
	/* The wait an action starts counts that same action's attempts on expiry. */
	for (int i = 0; i < N_ACTIONS; i++) {
		const struct rulebook_action *a = &cb->actions[i];
		struct protocol p = mkc(PROTO_PENDING);
		struct clockrule c;

		if (a->to != PROTO_AWAITING)
			continue;
		clockrule_wait(cfg, cal, cb, &p, i, &c);
		if (rulebook_kind_action(cb, a->kind) != a || c.attempt == NULL ||
		    strcmp(c.attempt, a->name) != 0)
			fail_msg("%s starts %s, whose expiry counts %s", a->name,
			    kind_name(a->kind), c.attempt ? c.attempt : "no attempt");
	}
}

static void
clockrule_entry__critical_response__uses_the_critical_deadline(void **state)
{
	struct protocol normal = mkc(PROTO_PENDING);
	struct protocol critical = mkc(PROTO_PENDING);
	struct clockrule c;

	(void)state;
	critical.critical = true;
	clockrule_entry(cfg, cal, cb, &normal, PROTO_PENDING, &c);
	assert_string_equal(c.rule, config_dl_name(CONFIG_DL_RESPONSE_NORMAL));
	assert_int_equal(c.d.ms, 48 * 3600 * 1000LL);
	clockrule_entry(cfg, cal, cb, &critical, PROTO_PENDING, &c);
	assert_string_equal(c.rule, config_dl_name(CONFIG_DL_RESPONSE_CRITICAL));
	assert_int_equal(c.d.ms, 24 * 3600 * 1000LL);
	clockrule_entry(cfg, cal, cb, &critical, PROTO_UNRESOLVED, &c);
	assert_string_equal(c.rule, config_dl_name(CONFIG_DL_RESPONSE_CRITICAL));
}

static void
clockrule_wait__critical_protocol_waits__keep_their_own_deadlines(void **state)
{
	struct protocol normal = mkc(PROTO_PENDING), critical = mkc(PROTO_PENDING);

	(void)state;
	critical.critical = true;
	for (size_t k = 0; k < NELEM(wait_clocks); k++) {
		struct clockrule n, c;

		clock_of(wait_clocks[k], &normal, &n);
		clock_of(wait_clocks[k], &critical, &c);
		if (strcmp(c.rule, n.rule) != 0 || c.d.ms != n.d.ms || c.d.bdays != n.d.bdays)
			fail_msg("critical protocol, clock %s: rule %s, expected %s",
			    kind_name(wait_clocks[k]), c.rule, n.rule);
	}
}

/* The numbers the store keeps for casas-bahia's clocks are those it kept before
 * rulebooks existed (a database written then reads the same). */
static void
rules_kind_name__casas_bahia_kinds__keep_the_numbers_stored_before_rulebooks(void **state)
{
	static const char *const names[] = { "response", "photos_wait", "address_wait",
	    "posting_wait", "pickup_wait", "letter_wait", "reply_window" };

	(void)state;
	assert_int_equal(RULEBOOK_KIND_RESPONSE, 1);
	assert_int_equal(RULEBOOK_KIND_REPLY, 7);
	for (int k = 1; k <= 7; k++) {
		assert_string_equal(rules_kind_name(cfg, k), names[k - 1]);
		assert_int_equal(rulebook_kind_number(names[k - 1]), k);
	}
	assert_null(rules_kind_name(cfg, PROTO_CLOCK_NONE));
	assert_null(rules_kind_name(cfg, 8));
	assert_null(rules_kind_name(cfg, RULEBOOK_KIND_MAX));
	/* Any other name is hashed past them. */
	assert_in_range(rulebook_kind_number("ask_photos"), RULEBOOK_KIND_HASHED,
	    RULEBOOK_KIND_MAX);
}

/* ------------------------------------------------------------ attempts */

struct seen {
	char text[PROTO_ATTEMPTS_MAX + 1];
	int calls;
};

static void
on_attempt(const char *name, size_t len, unsigned n, void *arg)
{
	struct seen *s = arg;
	size_t off = strlen(s->text);

	snprintf(s->text + off, sizeof s->text - off, "[%.*s %u]", (int)len, name, n);
	s->calls++;
}

static void
rules_attempt_add__each_expiry__counts_one_more_of_its_action_in_first_seen_order(
    void **state)
{
	struct protocol p = mkc(PROTO_PENDING);

	(void)state;
	rules_attempt_add(&p, "request_photos");
	assert_string_equal(p.attempts, "request_photos=1");
	rules_attempt_add(&p, "confirm_address");
	assert_string_equal(p.attempts, "request_photos=1,confirm_address=1");
	for (int i = 0; i < 9; i++)
		rules_attempt_add(&p, "request_photos");
	assert_string_equal(p.attempts, "request_photos=10,confirm_address=1");
	/* A name the rulebooks loaded do not have (written by another version, or a
	 * rulebook dropped since) is kept as it is. */
	strcpy(p.attempts, "gone_action=3,confirm_address=1");
	rules_attempt_add(&p, "confirm_address");
	assert_string_equal(p.attempts, "gone_action=3,confirm_address=2");
}

/* attempts of n names "w00_…=1,w01_…=1,…", each name 23 bytes (26 with "=1,"):
 * 233 bytes for 9. */
static void
fill_attempts(struct protocol *p, int n)
{
	p->attempts[0] = '\0';
	for (int i = 0; i < n; i++)
		snprintf(p->attempts + strlen(p->attempts),
		    sizeof p->attempts - strlen(p->attempts), "%sw%02d_waitwaitwaitwaitwai=1",
		    i ? "," : "", i);
}

static void
rules_attempt_add__a_name_too_long_for_the_text__is_not_counted(void **state)
{
	struct protocol p = mkc(PROTO_PENDING);
	char before[PROTO_ATTEMPTS_MAX + 1];

	(void)state;
	fill_attempts(&p, 9);
	strcat(p.attempts, ",w09_waitwaitwaitwa=1");	/* 254 bytes */
	assert_int_equal(strlen(p.attempts), 254);
	strcpy(before, p.attempts);
	/* No room for ",request_photos=1": not counted, the rest kept. */
	rules_attempt_add(&p, "request_photos");
	assert_string_equal(p.attempts, before);
	/* A name that is there still counts. */
	rules_attempt_add(&p, "w00_waitwaitwaitwaitwai");
	before[24] = '2';
	assert_string_equal(p.attempts, before);
}

/* 9 to 10 takes one more byte: a full text cannot take it, and keeps its count rather
 * than losing the end of the text. */
static void
rules_attempt_add__a_count_that_outgrows_a_full_text__is_kept_not_cut(void **state)
{
	struct protocol p = mkc(PROTO_PENDING);
	char before[PROTO_ATTEMPTS_MAX + 1];

	(void)state;
	fill_attempts(&p, 9);
	strcat(p.attempts, ",w09_waitwaitwaitwai=9");	/* 255 bytes: full */
	assert_int_equal(strlen(p.attempts), PROTO_ATTEMPTS_MAX);
	strcpy(before, p.attempts);
	rules_attempt_add(&p, "w09_waitwaitwaitwai");
	assert_string_equal(p.attempts, before);
}

static void
rules_attempts_each__a_text__each_name_and_count_in_order(void **state)
{
	struct seen s = { "", 0 };

	(void)state;
	rules_attempts_each("request_photos=2,confirm_address=1", on_attempt, &s);
	assert_string_equal(s.text, "[request_photos 2][confirm_address 1]");
	memset(&s, 0, sizeof s);
	rules_attempts_each("", on_attempt, &s);
	rules_attempts_each(NULL, on_attempt, &s);
	assert_int_equal(s.calls, 0);
	/* Text no version writes: a name without a count is 0, a count without a name
	 * is skipped. */
	rules_attempts_each("a,=3,b=12x,c=4", on_attempt, &s);
	assert_string_equal(s.text, "[a 0][b 12][c 4]");
}

/* ------------------------------------------- a second rulebook, written here */

/* Next to casas-bahia (the default), a rulebook with what casas-bahia does not use. */
static const char book2_text[] =
    "[marketplace]\n"
    "name = testmarket\n"
    "title = Test Market\n"
    "response = 72h\n"
    "response_critical = 36h\n"
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
    "wait = 3bd\n"
    "clock = remind_wait\n"
    "\n"
    "[action.give_up]\n"
    "label = Desistir\n"
    "to = awaiting\n"
    "wait = 1d\n"
    "on_timeout = resolved\n"
    "\n"
    "[action.close_case]\n"
    "label = Encerrar\n"
    "to = resolved\n"
    "envvias = no\n"
    "\n"
    "[action.answer]\n"
    "label = Responder\n"
    "to = closed\n"
    "params = text\n"
    "\n"
    "[event.customer_replied]\n"
    "awaiting = pending\n"
    "awaiting.schedule_visit = resolved\n"
    "closed = unresolved\n"
    "\n"
    "[event.visit_done]\n"
    "awaiting.schedule_visit = resolved\n"
    "\n"
    "[reason.fragile]\n"
    "label = Frágil\n"
    "actions = close_case, answer\n"
    "response = 12h\n"
    "\n"
    "[reason.recall]\n"
    "label = Recall\n"
    "origin = preventive\n"
    "actions = remind\n";

/* The main file: casas-bahia the default, whose response and photos_wait it
 * overrides (line 6 and 7). */
static const char book2_main[] =
    "[rules]\n"
    "files = rb-*.ini\n"
    "default = casas-bahia\n"
    "\n"
    "[deadlines]\n"
    "response_normal = 30h\n"
    "photos_wait = 3d\n";

static struct config *cfg2;		/* casas-bahia and testmarket */
static const struct rulebook *tm;	/* testmarket */
static const struct rulebook *cb2;	/* casas-bahia, as cfg2 loads it */
static char tm_path[400];

static int
book2_setup(void)
{
	if (write_file("rb-casas-bahia.ini", rulebook_builtin_text) != 0 ||
	    write_file("rb-testmarket.ini", book2_text) != 0 ||
	    write_file("book2.ini", book2_main) != 0 || (cfg2 = load("book2.ini")) == NULL)
		return -1;
	snprintf(tm_path, sizeof tm_path, "%s/rb-testmarket.ini", dir);
	tm = config_book(cfg2, "testmarket");
	cb2 = config_book(cfg2, "casas-bahia");
	return tm != NULL && cb2 != NULL && config_default_book(cfg2) == cb2 ? 0 : -1;
}

static void
book2_teardown(void)
{
	config_free(cfg2);
}

/* The line of text (a rulebook's) that is want, in section (or anywhere when NULL). */
static int
line_of(const char *text, const char *section, const char *want)
{
	const char *from = section != NULL ? strstr(text, section) : text;
	const char *at = from != NULL ? strstr(from, want) : NULL;
	int line = 1;

	if (at == NULL)
		fail_msg("\"%s\" is not in the rulebook", want);
	for (const char *c = text; c < at; c++)
		line += *c == '\n';
	return line;
}

static struct protocol
tmp(enum proto_origin origin, const char *reason, enum proto_state s, int kind)
{
	struct protocol p = mkp(origin, reason, s, kind);

	snprintf(p.marketplace, sizeof p.marketplace, "testmarket");
	return p;
}

static int
tm_action(const char *name)
{
	int i = rulebook_action_index(tm, name);

	if (i < 0)
		fail_msg("testmarket has no action %s", name);
	return i;
}

static int
tm_kind(const char *action_name)
{
	return tm->actions[tm_action(action_name)].kind;
}

static void
rules_market__a_name__its_rulebook_or_422_unknown_marketplace_listing_the_loaded(
    void **state)
{
	static const char *const loaded[] = { "casas-bahia", "testmarket" };
	struct problem pb = fresh_problem();
	struct protocol p = tmp(PROTO_CUSTOMER, "", PROTO_PENDING, RULEBOOK_KIND_RESPONSE);

	(void)state;
	assert_ptr_equal(rules_market(cfg2, NULL, &pb), cb2);
	assert_ptr_equal(rules_market(cfg2, "testmarket", &pb), tm);
	assert_ptr_equal(rules_market(cfg2, "casas-bahia", &pb), cb2);
	assert_int_equal(pb.status, -7);
	assert_null(rules_market(cfg2, "nope", &pb));
	assert_int_equal(pb.status, 422);
	assert_string_equal(pb.code, "unknown_marketplace");
	assert_non_null(strstr(pb.detail, "nope"));
	assert_true(allowed_is(&pb, loaded, NELEM(loaded), "unknown marketplace"));
	/* A protocol's rulebook is its marketplace's, or none. */
	assert_ptr_equal(rules_book(cfg2, &p), tm);
	snprintf(p.marketplace, sizeof p.marketplace, "gone");
	assert_null(rules_book(cfg2, &p));
}

static void
rules_action_find__an_action_of_another_rulebook__is_422_listing_this_ones(void **state)
{
	static const char *const tm_actions[] = { "ask_photos", "schedule_visit", "remind",
	    "give_up", "close_case", "answer" };
	struct problem pb = fresh_problem();

	(void)state;
	assert_true(rules_known_action(cfg2, "request_photos"));
	assert_true(rules_known_action(cfg2, "ask_photos"));
	assert_false(rules_known_action(cfg, "ask_photos"));
	assert_true(rules_known_event(cfg2, "visit_done"));
	assert_false(rules_known_event(cfg, "visit_done"));
	assert_int_equal(rules_action_find(tm, "request_photos", &pb), -1);
	assert_int_equal(pb.status, 422);
	assert_string_equal(pb.code, "unknown_action");
	assert_non_null(strstr(pb.detail, "testmarket"));
	assert_true(allowed_is(&pb, tm_actions, NELEM(tm_actions), "testmarket's actions"));
}

static void
rules_param_names__an_action_of_several_rulebooks__params_of_each_once(void **state)
{
	const char *names[8];

	(void)state;
	assert_int_equal(rules_param_names(cfg2, "schedule_visit", names, 8), 1);
	assert_string_equal(names[0], "visit_date");
	assert_int_equal(rules_param_names(cfg2, "answer", names, 8), 1);
	assert_string_equal(names[0], "text");
	assert_int_equal(rules_param_names(cfg2, "inform_posting_code", names, 8), 1);
	assert_string_equal(names[0], "posting_code");
}

static void
clockrule_wait__on_timeout_mediation__expires_to_mediation_counting_no_attempt(
    void **state)
{
	struct protocol p = tmp(PROTO_CUSTOMER, "", PROTO_PENDING, RULEBOOK_KIND_RESPONSE);
	struct clockrule c;
	enum proto_state to;
	const char *attempt = "x";

	(void)state;
	clockrule_wait(cfg2, cal, tm, &p, tm_action("ask_photos"), &c);
	assert_int_equal(c.kind, rulebook_kind_number("ask_photos"));
	assert_string_equal(c.name, "ask_photos");	/* the clock: the action's name */
	assert_string_equal(c.rule, "ask_photos");
	assert_int_equal(c.on_expiry, PROTO_MEDIATION);
	assert_null(c.attempt);
	assert_false(c.warns);
	assert_int_equal(c.d.ms, 24 * 3600 * 1000LL);
	assert_null(c.date_param);
	assert_string_equal(c.source, "default");
	assert_string_equal(c.book, "testmarket");
	assert_string_equal(c.file, tm_path);
	assert_int_equal(c.line, line_of(book2_text, "[action.ask_photos]", "wait = 24h"));
	/* The same by the rulebook now, for a clock without its rule text. */
	clockrule_expiry_now(tm, c.kind, &to, &attempt);
	assert_int_equal(to, PROTO_MEDIATION);
	assert_null(attempt);
	assert_string_equal(rules_kind_name(cfg2, c.kind), "ask_photos");
	assert_null(rules_kind_name(cfg, c.kind));
}

static void
clockrule_wait__attempts_no_or_on_timeout_resolved__count_no_attempt(void **state)
{
	struct protocol p = tmp(PROTO_CUSTOMER, "", PROTO_PENDING, RULEBOOK_KIND_RESPONSE);
	struct clockrule c;
	enum proto_state to;
	const char *attempt;

	(void)state;
	clockrule_wait(cfg2, cal, tm, &p, tm_action("schedule_visit"), &c);
	assert_int_equal(c.on_expiry, PROTO_PENDING);
	assert_null(c.attempt);
	clockrule_expiry_now(tm, c.kind, &to, &attempt);
	assert_int_equal(to, PROTO_PENDING);
	assert_null(attempt);
	clockrule_wait(cfg2, cal, tm, &p, tm_action("give_up"), &c);
	assert_int_equal(c.on_expiry, PROTO_RESOLVED);
	assert_null(c.attempt);
	clockrule_expiry_now(tm, c.kind, &to, &attempt);
	assert_int_equal(to, PROTO_RESOLVED);
	assert_null(attempt);
	/* The default: back to pending, one more attempt of the action. */
	clockrule_wait(cfg2, cal, tm, &p, tm_action("remind"), &c);
	assert_int_equal(c.on_expiry, PROTO_PENDING);
	assert_string_equal(c.attempt, "remind");
	clockrule_expiry_now(tm, c.kind, &to, &attempt);
	assert_int_equal(to, PROTO_PENDING);
	assert_string_equal(attempt, "remind");
}

static void
clockrule_wait__param_plus_duration__counts_from_the_param_date(void **state)
{
	struct protocol p = tmp(PROTO_CUSTOMER, "", PROTO_PENDING, RULEBOOK_KIND_RESPONSE);
	struct clockrule c;

	(void)state;
	clockrule_wait(cfg2, cal, tm, &p, tm_action("schedule_visit"), &c);
	assert_string_equal(c.date_param, "visit_date");
	assert_int_equal(c.d.ms, 2 * 24 * 3600 * 1000LL);
	assert_int_equal(c.kind, rulebook_kind_number("schedule_visit"));
}

static void
clockrule_wait__clock_named__kind_and_rule_of_that_name(void **state)
{
	struct protocol p = tmp(PROTO_CUSTOMER, "", PROTO_PENDING, RULEBOOK_KIND_RESPONSE);
	struct clockrule c;

	(void)state;
	clockrule_wait(cfg2, cal, tm, &p, tm_action("remind"), &c);
	assert_string_equal(c.name, "remind_wait");
	assert_string_equal(c.rule, "remind_wait");
	assert_int_equal(c.kind, rulebook_kind_number("remind_wait"));
	assert_int_equal(c.d.bdays, 3);
	assert_string_equal(rules_kind_name(cfg2, c.kind), "remind_wait");
	assert_ptr_equal(rulebook_kind_action(tm, c.kind), &tm->actions[tm_action("remind")]);
}

/* Which value counts: the main file's [deadlines] override the default rulebook only;
 * a rulebook's [reason.X] its own response. */
static void
clockrule__values__main_deadlines_for_the_default_rulebook_only(void **state)
{
	struct protocol p = mkp(PROTO_CUSTOMER, "", PROTO_PENDING, PROTO_CLOCK_NONE);
	struct protocol q = tmp(PROTO_CUSTOMER, "", PROTO_PENDING, PROTO_CLOCK_NONE);
	struct clockrule c;

	(void)state;
	clockrule_entry(cfg2, cal, cb2, &p, PROTO_PENDING, &c);
	assert_int_equal(c.d.ms, 30 * 3600 * 1000LL);
	assert_string_equal(c.source, "[deadlines]");
	assert_string_equal(c.file, cfg2->path);
	assert_int_equal(c.line, 6);
	assert_int_equal(c.warn.ms, 4 * 3600 * 1000LL);
	clockrule_wait(cfg2, cal, cb2, &p, rulebook_action_index(cb2, "request_photos"), &c);
	assert_int_equal(c.d.ms, 3 * 24 * 3600 * 1000LL);
	assert_string_equal(c.source, "[deadlines]");
	assert_int_equal(c.line, 7);
	/* testmarket keeps its own. */
	clockrule_entry(cfg2, cal, tm, &q, PROTO_PENDING, &c);
	assert_int_equal(c.d.ms, 72 * 3600 * 1000LL);
	assert_string_equal(c.source, "default");
	assert_string_equal(c.file, tm_path);
	assert_int_equal(c.line, line_of(book2_text, NULL, "response = 72h"));
	assert_int_equal(c.warn.ms, 2 * 3600 * 1000LL);
	q.critical = true;
	clockrule_entry(cfg2, cal, tm, &q, PROTO_UNRESOLVED, &c);
	assert_int_equal(c.d.ms, 36 * 3600 * 1000LL);
	clockrule_entry(cfg2, cal, tm, &q, PROTO_CLOSED, &c);
	assert_int_equal(c.kind, RULEBOOK_KIND_REPLY);
	assert_int_equal(c.d.ms, 10 * 24 * 3600 * 1000LL);
	/* A reason of the rulebook with a response of its own. */
	q = tmp(PROTO_CUSTOMER, "fragile", PROTO_PENDING, PROTO_CLOCK_NONE);
	clockrule_entry(cfg2, cal, tm, &q, PROTO_PENDING, &c);
	assert_int_equal(c.d.ms, 12 * 3600 * 1000LL);
	assert_string_equal(c.source, "[reason.fragile]");
	assert_string_equal(c.file, tm_path);
	assert_int_equal(c.line, line_of(book2_text, "[reason.fragile]", "response = 12h"));
	/* Its critical response it does not set: the rulebook's. */
	q.critical = true;
	clockrule_entry(cfg2, cal, tm, &q, PROTO_PENDING, &c);
	assert_int_equal(c.d.ms, 36 * 3600 * 1000LL);
	assert_string_equal(c.source, "default");
}

static void
rules_event__awaiting_action_move__preferred_while_waiting_on_that_action(void **state)
{
	struct problem pb = fresh_problem();
	struct protocol p = tmp(PROTO_CUSTOMER, "", PROTO_AWAITING, tm_kind("schedule_visit"));
	const struct rulebook_move *m;
	static const char *const only_replied[] = { "customer_replied" };

	(void)state;
	m = rules_event(tm, &p, "customer_replied", &pb);
	assert_non_null(m);
	assert_int_equal(m->to, PROTO_RESOLVED);
	assert_int_equal(m->only_action, tm_action("schedule_visit"));
	assert_non_null(m = rules_event(tm, &p, "visit_done", &pb));
	assert_int_equal(m->to, PROTO_RESOLVED);
	/* On another wait: the plain awaiting move, and visit_done does not apply. */
	p.clock = tm_kind("remind");
	assert_non_null(m = rules_event(tm, &p, "customer_replied", &pb));
	assert_int_equal(m->to, PROTO_PENDING);
	assert_int_equal(m->only_action, -1);
	assert_null(rules_event(tm, &p, "visit_done", &pb));
	assert_int_equal(pb.status, 409);
	assert_string_equal(pb.code, "event_not_allowed");
	assert_non_null(strstr(pb.detail, "remind_wait"));
	assert_true(allowed_is(&pb, only_replied, 1, "visit_done on remind_wait"));
	p.clock = tm_kind("ask_photos");
	pb = fresh_problem();
	assert_null(rules_event(tm, &p, "visit_done", &pb));
	assert_true(allowed_is(&pb, only_replied, 1, "visit_done on ask_photos"));
	/* Closed, whatever clock it last waited on: the closed move. */
	p.state = PROTO_CLOSED;
	p.clock = RULEBOOK_KIND_REPLY;
	assert_non_null(m = rules_event(tm, &p, "customer_replied", &pb));
	assert_int_equal(m->to, PROTO_UNRESOLVED);
}

static void
rules_action__a_declared_customer_reason_with_actions__allows_only_those(void **state)
{
	static const char *const fragile[] = { "close_case", "answer" };
	struct protocol p = tmp(PROTO_CUSTOMER, "fragile", PROTO_PENDING,
	    RULEBOOK_KIND_RESPONSE);
	struct problem pb = fresh_problem();
	const char *names[RULEBOOK_MAX_ACTIONS];

	(void)state;
	assert_int_equal(allowed_names(tm, &p, false, names), 2);
	assert_string_equal(names[0], "close_case");
	assert_string_equal(names[1], "answer");
	assert_int_equal(rules_action_allowed(tm, &p, tm_action("remind"), false, &pb), -1);
	assert_int_equal(pb.status, 409);
	assert_string_equal(pb.code, "action_not_allowed_for_reason");
	assert_non_null(strstr(pb.detail, "fragile"));
	assert_true(allowed_is(&pb, fragile, NELEM(fragile), "fragile"));
	/* Any other reason, or a preventive reason's code on a customer protocol: all. */
	p = tmp(PROTO_CUSTOMER, "whatever", PROTO_PENDING, RULEBOOK_KIND_RESPONSE);
	assert_int_equal(allowed_names(tm, &p, false, names), tm->n_actions);
	p = tmp(PROTO_CUSTOMER, "recall", PROTO_PENDING, RULEBOOK_KIND_RESPONSE);
	assert_int_equal(allowed_names(tm, &p, false, names), tm->n_actions);
	/* A customer reason is no preventive one. */
	pb = fresh_problem();
	assert_int_equal(rules_check_reason(tm, PROTO_CUSTOMER, "fragile", &pb), 0);
	assert_int_equal(rules_check_reason(tm, PROTO_PREVENTIVE, "fragile", &pb), -1);
	assert_string_equal(pb.code, "invalid_reason");
	assert_true(allowed_is(&pb, (const char *const[]){ "recall" }, 1, "preventive"));
	p = tmp(PROTO_PREVENTIVE, "fragile", PROTO_PENDING, PROTO_CLOCK_NONE);
	assert_int_equal(rules_allowed_mask(tm, &p, false), 0);
	p = tmp(PROTO_PREVENTIVE, "recall", PROTO_PENDING, PROTO_CLOCK_NONE);
	assert_int_equal(allowed_names(tm, &p, false, names), 1);
	assert_string_equal(names[0], "remind");
}

static void
rules_action__envvias_no__refused_for_envvias_sellers(void **state)
{
	struct protocol p = tmp(PROTO_CUSTOMER, "", PROTO_PENDING, RULEBOOK_KIND_RESPONSE);
	struct problem pb = fresh_problem();

	(void)state;
	assert_int_equal(rules_action_allowed(tm, &p, tm_action("close_case"), false, &pb), 0);
	assert_int_equal(rules_action_allowed(tm, &p, tm_action("close_case"), true, &pb), -1);
	assert_string_equal(pb.code, "action_not_allowed_for_envvias");
	/* answer (envvias by default) is allowed for them. */
	pb = fresh_problem();
	assert_int_equal(rules_action_allowed(tm, &p, tm_action("answer"), true, &pb), 0);
}

static void
rules_action_args__text__1_to_256_characters_not_blank(void **state)
{
	static char t[600];
	int i = tm_action("answer");

	(void)state;
	for (int k = 0; k < 256; k++)
		memcpy(t + 2 * k, "é", 2);
	t[512] = '\0';
	{
		struct rules_args a = { .n = 1, .name = { "text" }, .value = { t } };
		struct problem pb = fresh_problem();

		assert_int_equal(rules_action_args(tm, i, &a, today(), &pb), 0);
		memcpy(t + 512, "é", 3);
		assert_int_equal(rules_action_args(tm, i, &a, today(), &pb), -1);
		assert_string_equal(pb.code, "invalid_param");
		assert_non_null(strstr(pb.detail, "text"));
		a.value[0] = " \t ";
		assert_int_equal(rules_action_args(tm, i, &a, today(), &pb), -1);
		a.value[0] = "x";
		assert_int_equal(rules_action_args(tm, i, &a, today(), &pb), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rules_action__every_spec_action__has_its_index_and_name),
		cmocka_unit_test(rules_action_find__unknown_or_differently_cased_name__is_422_unknown_action_listing_the_12),
		cmocka_unit_test(rules_action__each_action__leads_to_the_spec_state_and_clock),
		cmocka_unit_test(rules_action__each_action__takes_the_spec_params),
		cmocka_unit_test(rules_action__only_message_customer__is_refused_for_envvias),
		cmocka_unit_test(rules_action_allowed__every_state_x_every_action__only_pending_and_unresolved_take_actions),
		cmocka_unit_test(rules_allowed_mask__pending_and_unresolved__all_12_in_the_spec_order),
		cmocka_unit_test(rules_allowed_mask__every_state_origin_reason_and_envvias__has_the_bits_of_the_allowed_actions),
		cmocka_unit_test(rules_allowed_mask__no_rulebook__is_empty),
		cmocka_unit_test(rules_param_names__max_smaller_than_the_list__writes_only_max),
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
		cmocka_unit_test(clockrule_entry__every_state_and_origin__follows_spec_3),
		cmocka_unit_test(clockrule__every_clock__expires_as_spec_3_says),
		cmocka_unit_test(clockrule_wait__each_waiting_action__is_the_attempt_of_its_own_clock),
		cmocka_unit_test(clockrule_entry__critical_response__uses_the_critical_deadline),
		cmocka_unit_test(clockrule_wait__critical_protocol_waits__keep_their_own_deadlines),
		cmocka_unit_test(rules_kind_name__casas_bahia_kinds__keep_the_numbers_stored_before_rulebooks),
		cmocka_unit_test(rules_attempt_add__each_expiry__counts_one_more_of_its_action_in_first_seen_order),
		cmocka_unit_test(rules_attempt_add__a_name_too_long_for_the_text__is_not_counted),
		cmocka_unit_test(rules_attempt_add__a_count_that_outgrows_a_full_text__is_kept_not_cut),
		cmocka_unit_test(rules_attempts_each__a_text__each_name_and_count_in_order),
		cmocka_unit_test(rules_market__a_name__its_rulebook_or_422_unknown_marketplace_listing_the_loaded),
		cmocka_unit_test(rules_action_find__an_action_of_another_rulebook__is_422_listing_this_ones),
		cmocka_unit_test(rules_param_names__an_action_of_several_rulebooks__params_of_each_once),
		cmocka_unit_test(clockrule_wait__on_timeout_mediation__expires_to_mediation_counting_no_attempt),
		cmocka_unit_test(clockrule_wait__attempts_no_or_on_timeout_resolved__count_no_attempt),
		cmocka_unit_test(clockrule_wait__param_plus_duration__counts_from_the_param_date),
		cmocka_unit_test(clockrule_wait__clock_named__kind_and_rule_of_that_name),
		cmocka_unit_test(clockrule__values__main_deadlines_for_the_default_rulebook_only),
		cmocka_unit_test(rules_event__awaiting_action_move__preferred_while_waiting_on_that_action),
		cmocka_unit_test(rules_action__a_declared_customer_reason_with_actions__allows_only_those),
		cmocka_unit_test(rules_action__envvias_no__refused_for_envvias_sellers),
		cmocka_unit_test(rules_action_args__text__1_to_256_characters_not_blank),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
