/*
 * The rulebook reader and its checks (common/rbread.c, common/rbcheck.c): the format
 * of /work/shared/RULES.md ("A rulebook") and its "Rules about the rules", on texts
 * written here and on the two shipped rulebooks. Every error is "FILE:LINE: [section]
 * key: problem", all of them at once: where the wording matters the whole error text
 * is compared.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conffile.h"
#include "rbread.h"
#include "rulebook.h"

#define H (3600 * 1000LL)
#define D (24 * H)
#define MAX_ERRORS 100

/* What every good book starts with: lines 1 to 3. */
#define MARKET "[marketplace]\nname = shop\nresponse = 48h\n"
/* The same with a reply window: lines 1 to 4. */
#define MARKET_RW MARKET "reply_window = 60d\n"

enum { PENDING, AWAITING, CLOSED, UNRESOLVED, MEDIATION, RESOLVED };

/* Parse text as the file t.ini: the book or NULL, its errors in *errors (NULL when
 * none) and their count in *n. */
static struct rulebook *
parse_n(const char *text, size_t len, char **errors, int *n)
{
	struct rbread_errors err = { errors, n, MAX_ERRORS };

	*errors = NULL;
	*n = 0;
	return rbread_parse("t.ini", text, len, &rulebook_states, &err);
}

static struct rulebook *
parse_ok(const char *text)
{
	char *errors;
	int n;
	struct rulebook *b = parse_n(text, strlen(text), &errors, &n);

	if (b == NULL)
		fail_msg("refused:\n%s\n-- errors:\n%s", text, errors ? errors : "(none)");
	assert_null(errors);
	assert_int_equal(n, 0);
	return b;
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* Parse text, which must be refused: its errors (one counted per line). */
static char *
parse_bad(const char *text)
{
	char *errors;
	int n;

	assert_null(parse_n(text, strlen(text), &errors, &n));
	assert_non_null(errors);
	assert_int_equal(count_lines(errors), n);
	return errors;
}

/* text is refused with exactly these errors. */
static void
expect(const char *text, const char *errors)
{
	char *got = parse_bad(text);

	assert_string_equal(got, errors);
	free(got);
}

/* Every line of errors is "t.ini:LINE: [section] key: problem" or "t.ini:LINE:
 * [section]: problem" or "t.ini:LINE: key: problem" (LINE > 0). */
static void
assert_format(const char *errors)
{
	for (const char *line = errors; *line != '\0'; line = strchr(line, '\n') + 1) {
		char *end;
		long no;

		assert_non_null(strchr(line, '\n'));
		assert_int_equal(strncmp(line, "t.ini:", 6), 0);
		no = strtol(line + 6, &end, 10);
		if (no <= 0 || strncmp(end, ": ", 2) != 0)
			fail_msg("no line number: %.*s", (int)strcspn(line, "\n"), line);
		if (strstr(end + 2, ": ") == NULL ||
		    strstr(end + 2, ": ") > strchr(end + 2, '\n'))
			fail_msg("no \"where: \": %.*s", (int)strcspn(line, "\n"), line);
	}
}

/* A file of the repository (the tests run from its root) as a malloc'd string. */
static char *
repo_file(const char *path, size_t *len)
{
	char *why = NULL, *text = conffile_read(path, RULEBOOK_MAX_BYTES, len, &why);

	if (text == NULL)
		fail_msg("%s: %s", path, why);
	return text;
}

static const char *
fmt(const struct duration *d)
{
	static char buf[64];

	return duration_format(d, buf, sizeof buf);
}

/* The shipped rulebooks and the built-in one */

static void
rbread_load__shipped_casas_bahia__holds_spec_sections_3_to_5(void **state)
{
	char *errors = NULL;
	int n = 0;
	struct rbread_errors err = { &errors, &n, MAX_ERRORS };
	struct rulebook *b = rbread_load("conf/rules/casas-bahia.ini", &rulebook_states,
	    &err);
	const struct rulebook_action *a;
	const struct rulebook_event *e;
	const struct rulebook_reason *r;

	if (b == NULL)
		fail_msg("%s", errors);
	assert_string_equal(b->path, "conf/rules/casas-bahia.ini");
	assert_string_equal(b->name, "casas-bahia");
	assert_string_equal(b->title, "Casas Bahia Portal Lojista");
	assert_int_equal(b->line, 8);
	assert_int_equal(b->market, 36378);
	assert_int_equal(b->response.d.ms, 48 * H);
	assert_int_equal(b->response_critical.d.ms, 24 * H);
	assert_int_equal(b->warn_before.d.ms, 4 * H);
	assert_true(b->has_reply_window);
	assert_int_equal(b->reply_window.d.ms, 60 * D);
	assert_int_equal(b->reply_window.line, 13);
	assert_false(b->has_calendar);
	assert_int_equal(b->n_actions, 12);
	assert_int_equal(b->n_events, 3);
	assert_int_equal(b->n_reasons, 4);

	/* The waits keep the clock numbers stores held before rulebooks: 2 to 6. */
	assert_non_null(a = rulebook_action(b, "request_photos"));
	assert_int_equal(a->to, AWAITING);
	assert_int_equal(a->kind, 2);
	assert_string_equal(a->clock, "photos_wait");
	assert_string_equal(a->config_key, "photos_wait");
	assert_int_equal(rulebook_action(b, "confirm_address")->kind, 3);
	assert_int_equal(rulebook_action(b, "inform_posting_code")->kind, 4);
	assert_non_null(a = rulebook_action(b, "inform_pickup_date"));
	assert_int_equal(a->kind, 5);
	assert_string_equal(a->clock, "pickup_wait");
	assert_string_equal(a->config_key, "pickup_grace");
	assert_int_equal(a->wait_param, 0);
	assert_string_equal(a->params[0].name, "pickup_date");
	assert_int_equal(a->params[0].type, RULEBOOK_DATE_FUTURE);
	assert_int_equal(a->wait.d.ms, 1 * D);
	assert_int_equal(a->wait.line, 40);
	assert_int_equal(a->line, 37);
	assert_non_null(a = rulebook_action(b, "request_cancellation_letter"));
	assert_int_equal(a->kind, 6);
	assert_int_equal(a->wait.d.bdays, 6);
	assert_ptr_equal(rulebook_kind_action(b, 6), a);
	assert_non_null(a = rulebook_action(b, "message_customer"));
	assert_int_equal(a->to, CLOSED);
	assert_false(a->has_wait);
	assert_false(a->envvias);
	assert_int_equal(a->params[0].type, RULEBOOK_LONGTEXT);
	assert_non_null(a = rulebook_action(b, "send_part"));
	assert_int_equal(a->to, RESOLVED);
	assert_int_equal(a->n_params, 2);
	assert_int_equal(a->params[1].type, RULEBOOK_URL);
	assert_true(a->envvias);

	assert_non_null(e = rulebook_event(b, "customer_replied"));
	assert_int_equal(e->n_moves, 2);
	assert_int_equal(e->moves[0].from, AWAITING);
	assert_int_equal(e->moves[0].to, PENDING);
	assert_int_equal(e->moves[0].only_action, -1);
	assert_int_equal(e->moves[1].from, CLOSED);
	assert_int_equal(e->moves[1].to, UNRESOLVED);
	assert_non_null(e = rulebook_event(b, "document_attached"));
	assert_int_equal(e->moves[0].only_action,
	    rulebook_action_index(b, "request_cancellation_letter"));
	assert_int_equal(e->moves[0].to, RESOLVED);

	assert_non_null(r = rulebook_reason(b, "unavailable"));
	assert_true(r->preventive);
	assert_true(r->has_actions);
	assert_int_equal(r->actions, UINT64_C(1) << rulebook_action_index(b, "cancel_sale"));
	assert_null(rulebook_reason(b, "cancel_after_delivery"));
	rulebook_free(b);
}

static void
rbread_load__shipped_madeiramadeira__loads_its_motivos_and_deadlines(void **state)
{
	char *errors = NULL;
	int n = 0;
	struct rbread_errors err = { &errors, &n, MAX_ERRORS };
	struct rulebook *b = rbread_load("conf/rules/madeiramadeira.ini", &rulebook_states,
	    &err);
	const struct rulebook_reason *r;
	const struct rulebook_action *a;

	if (b == NULL)
		fail_msg("%s", errors);
	assert_string_equal(b->name, "madeiramadeira");
	assert_string_equal(b->title, "MadeiraMadeira Portal SAC");
	assert_int_equal(b->response.d.ms, 48 * H);
	assert_int_equal(b->response_critical.d.ms, 24 * H);
	assert_true(b->has_calendar);
	assert_int_equal(b->calendar, CAL_BR_NATIONAL);
	assert_int_equal(b->n_actions, 12);
	assert_int_equal(b->n_events, 2);
	assert_int_equal(b->n_reasons, 21);
	assert_non_null(a = rulebook_action(b, "respond_customer"));
	assert_int_equal(a->to, CLOSED);
	assert_non_null(a = rulebook_action(b, "inform_pickup_date"));
	assert_string_equal(a->config_key, "pickup_wait");
	assert_int_equal(a->kind, 5);
	assert_non_null(r = rulebook_reason(b, "cancel_before_delivery"));
	assert_false(r->preventive);
	assert_int_equal(r->response.d.ms, 10 * D);
	assert_int_equal(r->response.line, 160);
	assert_int_equal(r->response_critical.line, 0);
	assert_non_null(r = rulebook_reason(b, "cancel_after_delivery"));
	assert_int_equal(r->actions, (UINT64_C(1) << rulebook_action_index(b,
	    "inform_posting_code")) | (UINT64_C(1) << rulebook_action_index(b,
	    "inform_pickup_date")) | (UINT64_C(1) << rulebook_action_index(b,
	    "confirm_return")) | (UINT64_C(1) << rulebook_action_index(b,
	    "respond_customer")));
	rulebook_free(b);
}

static void
rbread_builtin__is_conf_rules_casas_bahia_ini_byte_for_byte(void **state)
{
	size_t len;
	char *text = repo_file("conf/rules/casas-bahia.ini", &len), *errors = NULL;
	int n = 0;
	struct rbread_errors err = { &errors, &n, MAX_ERRORS };
	struct rulebook *b, *f;

	assert_int_equal(strlen(rulebook_builtin_text), len);
	assert_memory_equal(rulebook_builtin_text, text, len);
	assert_non_null(b = rbread_builtin(&rulebook_states, &err));
	assert_string_equal(b->path, RULEBOOK_BUILTIN_PATH);
	assert_string_equal(b->name, "casas-bahia");
	assert_non_null(f = rbread_parse("x", text, len, &rulebook_states, &err));
	assert_true(b->digest == f->digest);
	assert_null(errors);
	rulebook_free(b);
	rulebook_free(f);
	free(text);
}

/* The format */

static void
rbread_parse__smallest_book__gets_every_default(void **state)
{
	struct rulebook *b = parse_ok(MARKET
	    "[action.ask]\n"			/* 4 */
	    "label = Ask the customer\n"
	    "to = awaiting\n"
	    "wait = 2d\n"
	    "[action.done]\n"			/* 8 */
	    "label = Done\n"
	    "to = resolved\n"
	    "params = note\n");
	const struct rulebook_action *a;

	assert_string_equal(b->path, "t.ini");
	assert_string_equal(b->name, "shop");
	assert_string_equal(b->title, "shop");
	assert_int_equal(b->line, 2);
	assert_int_equal(b->market, rulebook_market_number("shop"));
	assert_int_equal(b->response.d.ms, 48 * H);
	assert_int_equal(b->response.line, 3);
	assert_int_equal(b->response_critical.d.ms, 48 * H);
	assert_int_equal(b->response_critical.line, 0);
	assert_string_equal(fmt(&b->warn_before.d), "4h");
	assert_int_equal(b->warn_before.line, 0);
	assert_false(b->has_reply_window);
	assert_false(b->has_calendar);
	assert_int_equal(b->n_extra_holidays, 0);
	assert_null(b->cal);
	assert_int_equal(b->n_events, 0);
	assert_int_equal(b->n_reasons, 0);
	assert_non_null(a = rulebook_action(b, "ask"));
	assert_string_equal(a->label, "Ask the customer");
	assert_int_equal(a->line, 4);
	assert_int_equal(a->to, AWAITING);
	assert_true(a->has_wait);
	assert_int_equal(a->wait.d.ms, 2 * D);
	assert_int_equal(a->wait.line, 7);
	assert_int_equal(a->wait_param, -1);
	assert_int_equal(a->on_timeout, PENDING);
	assert_true(a->attempts);
	assert_true(a->envvias);
	assert_string_equal(a->clock, "ask");
	assert_string_equal(a->config_key, "ask");
	assert_int_equal(a->clock_line, 4);
	assert_int_equal(a->kind, rulebook_kind_number("ask"));
	assert_true(a->kind >= RULEBOOK_KIND_HASHED && a->kind <= RULEBOOK_KIND_MAX);
	assert_ptr_equal(rulebook_kind_action(b, a->kind), a);
	assert_non_null(a = rulebook_action(b, "done"));
	assert_false(a->has_wait);
	assert_int_equal(a->kind, 0);
	assert_int_equal(a->n_params, 1);
	assert_string_equal(a->params[0].name, "note");
	assert_int_equal(a->params[0].type, RULEBOOK_TEXT);
	assert_null(rulebook_action(b, "nothing"));
	assert_int_equal(rulebook_action_index(b, "nothing"), -1);
	rulebook_free(b);
}

static void
rbread_parse__every_key__is_read(void **state)
{
	struct rulebook *b = parse_ok(
	    "[marketplace]\n"
	    "name = my-shop-2\n"
	    "title = My Shop\n"
	    "response = 3d\n"
	    "response_critical = 1d 12h\n"
	    "warn_before = 0s\n"
	    "reply_window = 30d\n"
	    "calendar = none\n"
	    "extra_holidays = 2026-07-09, 2026-01-25\n"
	    "[action.pick]\n"				/* 10 */
	    "label = Pick\n"
	    "to = awaiting\n"
	    "wait = day + 2h\n"
	    "on_timeout = resolved\n"
	    "attempts = no\n"
	    "params = day:date, when:date_future, code:code, link:url, msg:longtext, t:text\n"
	    "envvias = false\n"
	    "clock = pick_wait\n"				/* 18 */
	    "config_key = pick_grace\n"
	    "[event.gone]\n"
	    "awaiting.pick = mediation\n"
	    "pending = resolved\n"
	    "[reason.late]\n"
	    "label = Late\n"
	    "origin = customer\n"
	    "actions = pick\n"
	    "response = 10d\n"
	    "response_critical = 5bd\n");
	const struct rulebook_action *a = rulebook_action(b, "pick");
	const struct rulebook_event *e = rulebook_event(b, "gone");
	const struct rulebook_reason *r = rulebook_reason(b, "late");

	assert_string_equal(b->title, "My Shop");
	assert_int_equal(b->response_critical.d.ms, 36 * H);
	assert_int_equal(b->warn_before.d.ms, 0);
	assert_int_equal(b->warn_before.line, 6);
	assert_int_equal(b->reply_window.d.ms, 30 * D);
	assert_true(b->has_calendar);
	assert_int_equal(b->calendar, CAL_NONE);
	assert_int_equal(b->n_extra_holidays, 2);
	assert_true(b->extra_holidays[0] < b->extra_holidays[1]);
	assert_non_null(a);
	assert_int_equal(a->wait_param, 0);
	assert_int_equal(a->wait.d.ms, 2 * H);
	assert_int_equal(a->on_timeout, RESOLVED);
	assert_false(a->attempts);
	assert_false(a->envvias);
	assert_int_equal(a->n_params, 6);
	assert_int_equal(a->params[0].type, RULEBOOK_DATE);
	assert_int_equal(a->params[1].type, RULEBOOK_DATE_FUTURE);
	assert_int_equal(a->params[2].type, RULEBOOK_CODE);
	assert_int_equal(a->params[3].type, RULEBOOK_URL);
	assert_int_equal(a->params[4].type, RULEBOOK_LONGTEXT);
	assert_int_equal(a->params[5].type, RULEBOOK_TEXT);
	assert_string_equal(a->clock, "pick_wait");
	assert_int_equal(a->clock_line, 18);
	assert_string_equal(a->config_key, "pick_grace");
	assert_int_equal(a->kind, rulebook_kind_number("pick_wait"));
	assert_non_null(e);
	assert_int_equal(e->line, 20);
	assert_int_equal(e->n_moves, 2);
	assert_int_equal(e->moves[0].from, AWAITING);
	assert_int_equal(e->moves[0].only_action, 0);
	assert_int_equal(e->moves[0].to, MEDIATION);
	assert_int_equal(e->moves[0].line, 21);
	assert_int_equal(e->moves[1].from, PENDING);
	assert_int_equal(e->moves[1].to, RESOLVED);
	assert_non_null(r);
	assert_string_equal(r->label, "Late");
	assert_false(r->preventive);
	assert_int_equal(r->actions, 1);
	assert_int_equal(r->response.d.ms, 10 * D);
	assert_int_equal(r->response_critical.d.bdays, 5);
	assert_int_equal(r->response_critical.line, 28);
	rulebook_free(b);
}

static void
rbread_parse__yes_no_true_false__are_booleans(void **state)
{
	struct rulebook *b = parse_ok(MARKET
	    "[action.a]\nlabel = A\nto = awaiting\nwait = 1h\nattempts = yes\nenvvias = true\n"
	    "[action.b]\nlabel = B\nto = awaiting\nwait = 1h\nattempts = false\nenvvias = no\n");

	assert_true(b->actions[0].attempts);
	assert_true(b->actions[0].envvias);
	assert_false(b->actions[1].attempts);
	assert_false(b->actions[1].envvias);
	rulebook_free(b);
	expect(MARKET "[action.a]\nlabel = A\nto = awaiting\nenvvias = maybe\nattempts = 1\n"
	    "wait = 1h\n",
	    "t.ini:7: [action.a] envvias: \"maybe\" is not yes or no\n"
	    "t.ini:8: [action.a] attempts: \"1\" is not yes or no\n");
}

static void
rbread_parse__attempts_or_config_key_without_a_wait__are_errors(void **state)
{
	expect(MARKET "[action.a]\nlabel = A\nto = resolved\nattempts = no\n"
	    "config_key = photos_wait\n",
	    "t.ini:7: [action.a] attempts: only an action with to = awaiting has it (this "
	    "one leads to resolved)\n"
	    "t.ini:8: [action.a] config_key: only an action with to = awaiting has it (this "
	    "one leads to resolved)\n");
}

static void
rbread_parse__event_to_awaiting__is_an_error(void **state)
{
	expect(MARKET "[event.e]\npending = awaiting\n",
	    "t.ini:5: [event.e] pending: an event cannot lead to awaiting: a wait belongs to "
	    "the action that starts it, and the protocol would wait on nothing (lead to "
	    "pending, closed, unresolved, mediation or resolved)\n");
}

static void
rbread_parse__reason_response_not_longer_than_the_warning__is_an_error(void **state)
{
	expect(MARKET "[reason.r]\nresponse = 2h\nresponse_critical = 5h\n",
	    "t.ini:5: [reason.r] response: must be longer than the response warning "
	    "(warn_before in [marketplace], 4h unless set)\n");
}

static void
rbread_parse__semicolon_comments__are_comments(void **state)
{
	struct rulebook *b = parse_ok(
	    "; a rulebook\n"
	    "[marketplace] ; the market\n"
	    "name = shop ; its name\n"
	    "title = Shop;not a comment\n"
	    "response = 48h\t; two days\n");

	assert_string_equal(b->name, "shop");
	assert_string_equal(b->title, "Shop;not a comment");
	assert_int_equal(b->response.d.ms, 48 * H);
	rulebook_free(b);
}

static void
rbread_parse__hash_at_line_start__is_a_comment(void **state)
{
	struct rulebook *b = parse_ok("# a rulebook\n" MARKET "  # indented, still one\n");

	assert_string_equal(b->name, "shop");
	assert_int_equal(b->line, 3);
	rulebook_free(b);
}

static void
rbread_parse__hash_after_a_value__is_refused_not_taken_as_a_comment(void **state)
{
	expect(MARKET "title = Shop # the title\n",
	    "t.ini:4: [marketplace] title: \"Shop # the title\": '#' starts no comment "
	    "inside a line, only ';' after a space does (write \"Shop ; the title\")\n");
	expect("[marketplace]\nname = shop\nresponse = 48h #two days\n",
	    "t.ini:3: [marketplace] response: \"48h #two days\": '#' starts no comment "
	    "inside a line, only ';' after a space does (write \"48h ;two days\")\n");
}

static void
rbread_parse__crlf_and_bom__are_read(void **state)
{
	struct rulebook *b = parse_ok("\xEF\xBB\xBF[marketplace]\r\nname = shop\r\n"
	    "response = 48h\r\n[action.a]\r\nlabel = A b\r\nto = resolved\r\n");

	assert_string_equal(b->name, "shop");
	assert_string_equal(b->actions[0].label, "A b");
	rulebook_free(b);
}

static void
rbread_parse__digest__follows_the_text(void **state)
{
	struct rulebook *a = parse_ok(MARKET), *b = parse_ok(MARKET), *c;

	c = parse_ok(MARKET "title = x\n");
	assert_true(a->digest == b->digest);
	assert_true(a->digest != c->digest);
	rulebook_free(a);
	rulebook_free(b);
	rulebook_free(c);
}

/* Errors: where and how */

static void
rbread_parse__each_error__is_file_line_section_key_problem(void **state)
{
	char *e = parse_bad(
	    "[marketplace]\n"
	    "name = shop\n"
	    "response = 2x\n"
	    "[action.a]\n"
	    "label = A\n"
	    "to = nowhere\n"
	    "[event.e]\n"
	    "awaiting = limbo\n"
	    "[reason.r]\n"
	    "actions = b\n");

	assert_format(e);
	assert_string_equal(e,
	    "t.ini:3: [marketplace] response: unknown unit \"x\" (units: s, min, h, d, w; "
	    "or Nbd alone, business days)\n"
	    "t.ini:6: [action.a] to: \"nowhere\" is not a state this can lead to "
	    "(awaiting|closed|resolved|pending)\n"
	    "t.ini:8: [event.e] awaiting: \"limbo\" is not a state this can lead to "
	    "(pending|awaiting|closed|unresolved|mediation|resolved)\n"
	    "t.ini:10: [reason.r] actions: b is not an action of this rulebook (no "
	    "[action.b] section)\n");
	free(e);
}

static void
rbread_parse__several_errors__are_all_told_at_once(void **state)
{
	char *e = parse_bad(
	    "[marketplace]\n"
	    "name = shop\n"
	    "response = 48h\n"
	    "respnse = 24h\n"			/* 4: unknown key */
	    "[action.ask]\n"
	    "label = Ask\n"
	    "to = awaiting\n"			/* 7: no wait */
	    "[action.close]\n"
	    "label = Close\n"
	    "to = closed\n"			/* 10: no reply_window */
	    "wait = 3x\n"			/* 11: bad, and not awaiting */
	    "[event.replied]\n"
	    "awaiting = pendng\n"		/* 13 */
	    "[reason.r]\n"
	    "actions = ask, clse\n"		/* 15 */
	    "[reason.p]\n"			/* 16: preventive without actions */
	    "origin = preventive\n"
	    "response = 1d\n");			/* 18 */

	assert_format(e);
	assert_string_equal(e,
	    "t.ini:4: [marketplace] respnse: unknown key (did you mean response? known "
	    "here: name, title, response, response_critical, warn_before, reply_window, "
	    "calendar, extra_holidays)\n"
	    "t.ini:13: [event.replied] awaiting: \"pendng\" is not a state this can lead "
	    "to (did you mean pending? pending|awaiting|closed|unresolved|mediation|"
	    "resolved)\n"
	    "t.ini:11: [action.close] wait: unknown unit \"x\" (units: s, min, h, d, w; "
	    "or Nbd alone, business days)\n"
	    "t.ini:7: [action.ask] wait: missing (required with to = awaiting: how long, "
	    "e.g. 48h, or PARAM + DURATION)\n"
	    "t.ini:11: [action.close] wait: only an action with to = awaiting has it "
	    "(this one leads to closed)\n"
	    "t.ini:10: [action.close] to: closed needs reply_window in [marketplace] (how "
	    "long the customer may still answer, e.g. 60d)\n"
	    "t.ini:15: [reason.r] actions: clse is not an action of this rulebook (no "
	    "[action.clse] section); did you mean close?\n"
	    "t.ini:16: [reason.p] actions: missing (required for a preventive reason: the "
	    "actions the seller may take)\n"
	    "t.ini:18: [reason.p] response: a preventive protocol has no response clock "
	    "(SPEC §3)\n");
	free(e);
}

static void
rbread_parse__errors_after_the_cap__are_counted_not_written(void **state)
{
	char *text = NULL, *errors;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	int n;

	fputs(MARKET, fp);
	for (int i = 0; i < 150; i++)
		fprintf(fp, "bad%d = x\n", i);
	fclose(fp);
	assert_null(parse_n(text, len, &errors, &n));
	assert_int_equal(n, 150);
	assert_int_equal(count_lines(errors), MAX_ERRORS);
	assert_non_null(strstr(errors, "t.ini:4: [marketplace] bad0: unknown key"));
	assert_non_null(strstr(errors, "t.ini:103: [marketplace] bad99: unknown key"));
	assert_null(strstr(errors, "bad100"));
	free(errors);
	free(text);
}

static void
rbread_parse__errors_of_earlier_files__are_kept_and_added_to(void **state)
{
	char *errors = strdup("before.ini:1: x: y\n");
	int n = 1;
	struct rbread_errors err = { &errors, &n, MAX_ERRORS };

	assert_null(rbread_parse("t.ini", MARKET "x = 1\n", strlen(MARKET "x = 1\n"),
	    &rulebook_states, &err));
	assert_int_equal(n, 2);
	assert_int_equal(strncmp(errors, "before.ini:1: x: y\nt.ini:4: [marketplace] x: "
	    "unknown key (known here: ", 62), 0);
	free(errors);
	/* A good book after errors elsewhere is still a book. */
	errors = strdup("before.ini:1: x: y\n");
	n = 1;
	{
		struct rulebook *b = rbread_parse("t.ini", MARKET, strlen(MARKET),
		    &rulebook_states, &err);

		assert_non_null(b);
		assert_int_equal(n, 1);
		rulebook_free(b);
	}
	free(errors);
}

/* Unknown keys and sections */

static void
rbread_parse__unknown_key__suggests_the_nearest_and_lists_the_known(void **state)
{
	expect(MARKET "[action.a]\nlabel = A\nto = awaiting\nwiat = 48h\n"
	    "[reason.r]\norigni = customer\n",
	    "t.ini:7: [action.a] wiat: unknown key (did you mean wait? known here: label, "
	    "to, wait, on_timeout, attempts, params, envvias, clock, config_key)\n"
	    "t.ini:9: [reason.r] origni: unknown key (did you mean origin? known here: "
	    "label, origin, actions, response, response_critical)\n"
	    "t.ini:6: [action.a] wait: missing (required with to = awaiting: how long, "
	    "e.g. 48h, or PARAM + DURATION)\n");
	/* A prefix is near too. */
	expect(MARKET "response_crit = 1d\n",
	    "t.ini:4: [marketplace] response_crit: unknown key (did you mean "
	    "response_critical? known here: name, title, response, response_critical, "
	    "warn_before, reply_window, calendar, extra_holidays)\n");
}

static void
rbread_parse__unknown_key_near_none__lists_the_known_only(void **state)
{
	expect(MARKET "colour = blue\n",
	    "t.ini:4: [marketplace] colour: unknown key (known here: name, title, response, "
	    "response_critical, warn_before, reply_window, calendar, extra_holidays)\n");
}

static void
rbread_parse__short_unknown_names__get_no_far_fetched_suggestion(void **state)
{
	/* Two edits of two letters is another word: k0 is not near to, zz not near a. */
	expect(MARKET "[action.a]\nlabel = A\nto = resolved\nk0 = x\n[reason.r]\n"
	    "actions = zz\n",
	    "t.ini:7: [action.a] k0: unknown key (known here: label, to, wait, on_timeout, "
	    "attempts, params, envvias, clock, config_key)\n"
	    "t.ini:9: [reason.r] actions: zz is not an action of this rulebook (no "
	    "[action.zz] section)\n");
	/* One edit in three letters is near. */
	expect(MARKET "[action.a]\nlabel = A\nto = resolved\nenvvia = no\n",
	    "t.ini:7: [action.a] envvia: unknown key (did you mean envvias? known here: "
	    "label, to, wait, on_timeout, attempts, params, envvias, clock, config_key)\n");
	expect(MARKET "[action.a]\nlabel = A\nto = resolved\ntoo = resolved\n",
	    "t.ini:7: [action.a] too: unknown key (did you mean to? known here: label, to, "
	    "wait, on_timeout, attempts, params, envvias, clock, config_key)\n");
}

static void
rbread_parse__many_unknown_keys__leave_room_to_catch_a_repeated_one(void **state)
{
	char *text = NULL, *errors;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	int n;

	fputs(MARKET "[action.a]\nto = resolved\n", fp);	/* 1-5 */
	for (int i = 0; i < 80; i++)
		fprintf(fp, "k%d = x\n", i);			/* 6-85 */
	fputs("label = one\nlabel = two\ntitle = x\n", fp);	/* 86-88 */
	fclose(fp);
	assert_null(parse_n(text, len, &errors, &n));
	assert_int_equal(n, 82);
	assert_non_null(strstr(errors, "t.ini:87: [action.a] label: duplicate key "
	    "(already set on line 86; keep one)\n"));
	assert_non_null(strstr(errors, "t.ini:88: [action.a] title: unknown key"));
	free(errors);
	free(text);
}

static void
rbread_parse__unknown_section__lists_the_known_and_skips_its_keys(void **state)
{
	expect(MARKET "[actions.a]\nlabel = A\nwhatever = 1\n[deadlines]\nx = 1\n",
	    "t.ini:4: [actions.a]: unknown section (known: [marketplace], [action.NAME], "
	    "[event.NAME], [reason.NAME])\n"
	    "t.ini:7: [deadlines]: unknown section (known: [marketplace], [action.NAME], "
	    "[event.NAME], [reason.NAME])\n");
}

static void
rbread_parse__bad_section_names__are_errors(void **state)
{
	expect(MARKET "[action.Ask]\nlabel = A\n[event.]\n[reason.9lives]\n"
	    "[action.a_name_of_forty_nine_characters_is_one_too_many_x]\n",
	    "t.ini:4: [action.Ask]: \"Ask\" is not a name ([a-z][a-z0-9_]{0,47}, e.g. "
	    "request_photos)\n"
	    "t.ini:6: [event.]: \"\" is not a name ([a-z][a-z0-9_]{0,47}, e.g. "
	    "request_photos)\n"
	    "t.ini:7: [reason.9lives]: \"9lives\" is not a name ([a-z][a-z0-9_]{0,47}, "
	    "e.g. request_photos)\n"
	    "t.ini:8: [action.a_name_of_forty_nine_characters_is_one_too_many_x]: "
	    "\"a_name_of_forty_nine_characters_is_one_too_many_x\" is not a name "
	    "([a-z][a-z0-9_]{0,47}, e.g. request_photos)\n");
}

static void
rbread_parse__header_without_bracket__is_an_error_and_its_keys_skipped(void **state)
{
	char *e = parse_bad(MARKET "[action.a\nlabel = A\n");

	assert_int_equal(count_lines(e), 1);
	assert_int_equal(strncmp(e, "t.ini:4: [action.a: a section header needs a "
	    "closing ']'", 56), 0);
	free(e);
}

static void
rbread_parse__malformed_lines__are_errors(void **state)
{
	expect(MARKET "just words\n= value\n",
	    "t.ini:4: \"just words\": not a \"key = value\", a [section] header or a "
	    "comment (comments start with ';' or '#')\n"
	    "t.ini:5: \"= value\": the key name is missing (write key = value)\n");
}

static void
rbread_parse__key_outside_any_section__is_an_error(void **state)
{
	expect("name = shop\n" MARKET,
	    "t.ini:1: name: key outside any section (start with [marketplace])\n");
}

/* Values */

static void
rbread_parse__bad_durations__name_the_key_and_the_units(void **state)
{
	expect("[marketplace]\n"
	    "name = shop\n"
	    "response = 48\n"
	    "response_critical = 0s\n"
	    "warn_before = 2bd\n"
	    "reply_window = 1y\n"
	    "[action.a]\n"
	    "label = A\n"
	    "to = awaiting\n"
	    "wait = 0s\n"
	    "[action.b]\n"
	    "label = B\n"
	    "to = awaiting\n"
	    "wait = soon\n"
	    "[reason.r]\n"
	    "response = -1d\n",
	    "t.ini:3: [marketplace] response: \"48\" needs a unit, e.g. 48h: a number "
	    "alone could mean anything (units: s, min, h, d, w; or Nbd alone, business "
	    "days)\n"
	    "t.ini:4: [marketplace] response_critical: must be more than 0 (e.g. 2d)\n"
	    "t.ini:5: [marketplace] warn_before: business days are not allowed here (a "
	    "span of time, e.g. 2d)\n"
	    "t.ini:6: [marketplace] reply_window: unit \"y\" (years) does not exist: write "
	    "days, e.g. 365d (units: s, min, h, d, w; or Nbd alone, business days)\n"
	    "t.ini:16: [reason.r] response: negative durations are not allowed (units: s, "
	    "min, h, d, w; or Nbd alone, business days)\n"
	    "t.ini:10: [action.a] wait: must be more than 0 (e.g. 48h)\n"
	    "t.ini:14: [action.b] wait: unexpected \"soon\" (units: s, min, h, d, w; or "
	    "Nbd alone, business days)\n");
}

static void
rbread_parse__empty_values__are_errors_but_extra_holidays(void **state)
{
	struct rulebook *b = parse_ok(MARKET "extra_holidays =\n");

	assert_int_equal(b->n_extra_holidays, 0);
	rulebook_free(b);
	expect(MARKET "title =\n",
	    "t.ini:4: [marketplace] title: empty value (give one, or remove the line)\n");
}

static void
rbread_parse__calendar_and_holidays__are_checked(void **state)
{
	expect(MARKET "calendar = br-paulista\nextra_holidays = 2026-02-30, 2026-13-01\n",
	    "t.ini:4: [marketplace] calendar: \"br-paulista\" is not a calendar "
	    "(br-national, br-banking or none)\n"
	    "t.ini:5: [marketplace] extra_holidays: \"2026-02-30\" is not a date "
	    "(YYYY-MM-DD, e.g. 2026-01-25, separated by commas)\n"
	    "t.ini:5: [marketplace] extra_holidays: \"2026-13-01\" is not a date "
	    "(YYYY-MM-DD, e.g. 2026-01-25, separated by commas)\n");
}

static void
rbread_parse__marketplace_name__is_1_to_32_of_a_z_0_9_dash(void **state)
{
	struct rulebook *b = parse_ok("[marketplace]\nname = 0123456789-abcdefghij-klmnopqrst\n"
	    "response = 1h\nwarn_before = 0s\n");

	assert_string_equal(b->name, "0123456789-abcdefghij-klmnopqrst");
	rulebook_free(b);
	expect("[marketplace]\nname = 0123456789-abcdefghij-klmnopqrstu\nresponse = 48h\n",
	    "t.ini:2: [marketplace] name: \"0123456789-abcdefghij-klmnopqrstu\" is not a "
	    "marketplace name (1 to 32 of a-z 0-9 -, e.g. madeiramadeira)\n");
	expect("[marketplace]\nname = Casas_Bahia\nresponse = 48h\n",
	    "t.ini:2: [marketplace] name: \"Casas_Bahia\" is not a marketplace name (1 to 32 "
	    "of a-z 0-9 -, e.g. madeiramadeira)\n");
}

static void
rbread_parse__warn_before_not_shorter_than_a_response__is_an_error(void **state)
{
	expect(MARKET "response_critical = 4h\n",
	    "t.ini:4: [marketplace] response_critical: the response warning (warn_before, "
	    "4h unless set) must be shorter than response_critical\n");
	/* Told once: response_critical is response's when not set. */
	expect(MARKET "warn_before = 2d\n",
	    "t.ini:4: [marketplace] warn_before: the response warning (warn_before, 4h "
	    "unless set) must be shorter than response\n");
	expect(MARKET "warn_before = 12h\nresponse_critical = 12h\n",
	    "t.ini:4: [marketplace] warn_before: the response warning (warn_before, 4h "
	    "unless set) must be shorter than response_critical\n");
}

static void
rbread_parse__origin__is_customer_or_preventive(void **state)
{
	expect(MARKET "[reason.r]\norigin = seller\n",
	    "t.ini:5: [reason.r] origin: \"seller\" is not an origin (customer or "
	    "preventive)\n");
}

/* States: to, on_timeout, events */

static void
rbread_parse__to_not_a_state__suggests_the_nearest(void **state)
{
	expect(MARKET_RW "[action.a]\nlabel = A\nto = closd\n",
	    "t.ini:7: [action.a] to: \"closd\" is not a state this can lead to (did you "
	    "mean closed? awaiting|closed|resolved|pending)\n");
}

static void
rbread_parse__to_a_state_no_action_leads_to__is_an_error(void **state)
{
	expect(MARKET "[action.a]\nlabel = A\nto = mediation\n[action.b]\nlabel = B\n"
	    "to = unresolved\n",
	    "t.ini:6: [action.a] to: \"mediation\" is not a state this can lead to "
	    "(awaiting|closed|resolved|pending)\n"
	    "t.ini:9: [action.b] to: \"unresolved\" is not a state this can lead to (did "
	    "you mean resolved? awaiting|closed|resolved|pending)\n");
}

static void
rbread_parse__on_timeout__is_pending_mediation_or_resolved(void **state)
{
	struct rulebook *b = parse_ok(MARKET "[action.a]\nlabel = A\nto = awaiting\n"
	    "wait = 1d\non_timeout = mediation\n");

	assert_int_equal(b->actions[0].on_timeout, MEDIATION);
	rulebook_free(b);
	expect(MARKET "[action.a]\nlabel = A\nto = awaiting\nwait = 1d\n"
	    "on_timeout = closed\n",
	    "t.ini:8: [action.a] on_timeout: \"closed\" is not a state this can lead to "
	    "(pending|mediation|resolved)\n");
	expect(MARKET "[action.a]\nlabel = A\nto = awaiting\nwait = 1d\n"
	    "on_timeout = pendin\n",
	    "t.ini:8: [action.a] on_timeout: \"pendin\" is not a state this can lead to "
	    "(did you mean pending? pending|mediation|resolved)\n");
}

static void
rbread_parse__event_target_not_a_state__is_an_error(void **state)
{
	expect(MARKET "[event.e]\nawaiting = solved\n",
	    "t.ini:5: [event.e] awaiting: \"solved\" is not a state this can lead to (did "
	    "you mean resolved? pending|awaiting|closed|unresolved|mediation|resolved)\n");
}

static void
rbread_parse__event_source_not_a_state__suggests_the_nearest(void **state)
{
	expect(MARKET "[event.e]\nawaitng = pending\nlater = pending\n",
	    "t.ini:5: [event.e] awaitng: not a state (a key here is FROM or awaiting.ACTION, "
	    "FROM one of pending, awaiting, closed, unresolved, mediation, resolved; did "
	    "you mean awaiting?)\n"
	    "t.ini:6: [event.e] later: not a state (a key here is FROM or awaiting.ACTION, "
	    "FROM one of pending, awaiting, closed, unresolved, mediation, resolved)\n");
}

static void
rbread_parse__event_from_equal_to__leads_nowhere(void **state)
{
	expect(MARKET "[event.e]\npending = pending\n",
	    "t.ini:5: [event.e] pending: leads nowhere (pending to pending)\n");
}

static void
rbread_parse__event_awaiting_action__must_name_an_awaiting_action(void **state)
{
	expect(MARKET
	    "[action.ask]\nlabel = A\nto = awaiting\nwait = 1d\n"	/* 4-7 */
	    "[action.done]\nlabel = D\nto = resolved\n"		/* 8-10 */
	    "[event.e]\n"						/* 11 */
	    "awaiting.asks = pending\n"
	    "awaiting.done = pending\n"
	    "pending.ask = resolved\n"
	    "awaiting.ask = resolved\n",
	    "t.ini:14: [event.e] pending.ask: only awaiting can name the action waited on "
	    "(awaiting.ACTION)\n"
	    "t.ini:12: [event.e] awaiting.asks: asks is not an action of this rulebook; "
	    "did you mean ask?\n"
	    "t.ini:13: [event.e] awaiting.done: done does not lead to awaiting, so no "
	    "protocol waits on it\n");
}

static void
rbread_parse__event_may_name_an_action_declared_after_it(void **state)
{
	struct rulebook *b = parse_ok(MARKET "[event.e]\nawaiting.ask = resolved\n"
	    "awaiting = pending\n[action.ask]\nlabel = A\nto = awaiting\nwait = 1d\n");
	const struct rulebook_event *e = rulebook_event(b, "e");

	assert_int_equal(e->n_moves, 2);
	assert_int_equal(e->moves[0].only_action, 0);
	assert_int_equal(e->moves[1].only_action, -1);
	rulebook_free(b);
}

static void
rbread_parse__event_without_moves__is_an_error_on_its_header(void **state)
{
	expect(MARKET "[event.nothing]\n; just a comment\n",
	    "t.ini:4: [event.nothing]: no FROM = TO line (e.g. awaiting = pending)\n");
}

/* Actions: waits, params, clocks */

static void
rbread_parse__awaiting_without_wait__names_file_line_and_key(void **state)
{
	expect(MARKET "[action.ask]\nlabel = Ask\nto = awaiting\n",
	    "t.ini:6: [action.ask] wait: missing (required with to = awaiting: how long, "
	    "e.g. 48h, or PARAM + DURATION)\n");
}

static void
rbread_parse__wait_on_an_action_not_awaiting__is_an_error_once(void **state)
{
	expect(MARKET "[action.a]\nlabel = A\nto = resolved\nwait = 1d\non_timeout = pending\n"
	    "clock = response\n",
	    "t.ini:7: [action.a] wait: only an action with to = awaiting has it (this one "
	    "leads to resolved)\n"
	    "t.ini:8: [action.a] on_timeout: only an action with to = awaiting has it "
	    "(this one leads to resolved)\n"
	    "t.ini:9: [action.a] clock: only an action with to = awaiting has it (this "
	    "one leads to resolved)\n");
}

static void
rbread_parse__wait_param__must_be_one_of_its_date_params(void **state)
{
	/* Not declared at all. */
	expect(MARKET "[action.a]\nlabel = A\nto = awaiting\nwait = pickup_date + 1d\n",
	    "t.ini:7: [action.a] wait: pickup_date is not one of its date parameters "
	    "(PARAM + DURATION counts from 00:00 local of a date the action takes: params "
	    "= pickup_date:date_future)\n");
	/* Declared, but not a date: no "did you mean" itself. */
	expect(MARKET "[action.a]\nlabel = A\nto = awaiting\nwait = pickup_date + 1d\n"
	    "params = pickup_date\n",
	    "t.ini:7: [action.a] wait: pickup_date is not one of its date parameters "
	    "(PARAM + DURATION counts from 00:00 local of a date the action takes: params "
	    "= pickup_date:date_future)\n");
	/* Misspelt: the date param near it. */
	expect(MARKET "[action.a]\nlabel = A\nto = awaiting\nwait = pickup_dat + 1d\n"
	    "params = note, pickup_date:date\n",
	    "t.ini:7: [action.a] wait: pickup_dat is not one of its date parameters "
	    "(PARAM + DURATION counts from 00:00 local of a date the action takes: params "
	    "= pickup_dat:date_future; did you mean pickup_date?)\n");
	/* Another action's date param is not this one's. */
	expect(MARKET "[action.a]\nlabel = A\nto = resolved\nparams = day:date\n"
	    "[action.b]\nlabel = B\nto = awaiting\nwait = day + 1d\n",
	    "t.ini:11: [action.b] wait: day is not one of its date parameters (PARAM + "
	    "DURATION counts from 00:00 local of a date the action takes: params = "
	    "day:date_future)\n");
}

static void
rbread_parse__wait_param_plus_duration__may_be_zero_and_use_tabs(void **state)
{
	struct rulebook *b = parse_ok(MARKET "[action.a]\nlabel = A\nto = awaiting\n"
	    "params = x, day:date\nwait = day\t+\t0s\n");

	assert_int_equal(b->actions[0].wait_param, 1);
	assert_int_equal(b->actions[0].wait.d.ms, 0);
	rulebook_free(b);
	expect(MARKET "[action.a]\nlabel = A\nto = awaiting\nparams = day:date\n"
	    "wait = day +\n",
	    "t.ini:8: [action.a] wait: empty duration: write e.g. 48h (units: s, min, h, d, "
	    "w; or Nbd alone, business days)\n");
}

static void
rbread_parse__params__are_names_with_known_types(void **state)
{
	expect(MARKET "[action.a]\nlabel = A\nto = resolved\n"
	    "params = when:date_futur, a b, x:text, x, action, if_version, Big, "
	    "p1, p2, p3, p4, p5, p6, p7, p8\n",
	    "t.ini:7: [action.a] params: when: unknown type \"date_futur\" (did you mean "
	    "date_future? text, longtext, code, date, date_future or url)\n"
	    "t.ini:7: [action.a] params: \"a b\" is not a parameter name ([a-z][a-z0-9_]"
	    "{0,47}, not action or if_version)\n"
	    "t.ini:7: [action.a] params: x is listed twice\n"
	    "t.ini:7: [action.a] params: \"action\" is not a parameter name ([a-z]"
	    "[a-z0-9_]{0,47}, not action or if_version)\n"
	    "t.ini:7: [action.a] params: \"if_version\" is not a parameter name ([a-z]"
	    "[a-z0-9_]{0,47}, not action or if_version)\n"
	    "t.ini:7: [action.a] params: \"Big\" is not a parameter name ([a-z][a-z0-9_]"
	    "{0,47}, not action or if_version)\n"
	    "t.ini:7: [action.a] params: too many (at most 8)\n");
	expect(MARKET "[action.a]\nlabel = A\nto = resolved\nparams = x:number\n",
	    "t.ini:7: [action.a] params: x: unknown type \"number\" (text, longtext, code, "
	    "date, date_future or url)\n");
}

static void
rbread_parse__params__take_spaces_and_empty_items(void **state)
{
	struct rulebook *b = parse_ok(MARKET "[action.a]\nlabel = A\nto = resolved\n"
	    "params = , one ,two : url,,\n");

	assert_int_equal(b->actions[0].n_params, 2);
	assert_string_equal(b->actions[0].params[0].name, "one");
	assert_string_equal(b->actions[0].params[1].name, "two");
	assert_int_equal(b->actions[0].params[1].type, RULEBOOK_URL);
	rulebook_free(b);
}

static void
rbread_parse__clock_names__are_reserved_unique_and_numbered_apart(void **state)
{
	expect(MARKET
	    "[action.a]\nlabel = A\nto = awaiting\nwait = 1d\nclock = response\n"	/* 4 */
	    "[action.b]\nlabel = B\nto = awaiting\nwait = 1d\nclock = reply_window\n"	/* 9 */
	    "[action.c]\nlabel = C\nto = awaiting\nwait = 1d\nclock = c_wait\n"	/* 14 */
	    "[action.d]\nlabel = D\nto = awaiting\nwait = 1d\nclock = c_wait\n"	/* 19 */
	    "[action.wbxz]\nlabel = E\nto = awaiting\nwait = 1d\n"		/* 24 */
	    "[action.f]\nlabel = F\nto = awaiting\nwait = 1d\nclock = weta\n"	/* 28 */
	    "[action.g]\nlabel = G\nto = awaiting\nwait = 1d\nclock = Bad\n"	/* 33 */
	    "config_key = 2x\n",
	    "t.ini:37: [action.g] clock: \"Bad\" is not a name ([a-z][a-z0-9_]{0,47})\n"
	    "t.ini:38: [action.g] config_key: \"2x\" is not a name ([a-z][a-z0-9_]"
	    "{0,47})\n"
	    "t.ini:8: [action.a] clock: response is the name of the response clock (name "
	    "the wait otherwise)\n"
	    "t.ini:13: [action.b] clock: reply_window is the name of the reply window's "
	    "clock (name the wait otherwise)\n"
	    "t.ini:23: [action.d] clock: c_wait is also the wait of [action.c] (each wait "
	    "has a clock name of its own)\n"
	    "t.ini:32: [action.f] clock: weta gets the same number as wbxz of "
	    "[action.wbxz] (rename one)\n");
	assert_int_equal(rulebook_kind_number("weta"), rulebook_kind_number("wbxz"));
}

static void
rbread_parse__too_many_actions__is_an_error_on_the_65th(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	char *e;

	fputs(MARKET, fp);
	for (int i = 0; i < RULEBOOK_MAX_ACTIONS + 1; i++)
		fprintf(fp, "[action.a%d]\nlabel = A\nto = resolved\n", i);
	fclose(fp);
	e = parse_bad(text);
	assert_string_equal(e, "t.ini:196: [action.a64]: too many (at most 64)\n");
	free(e);
	free(text);
}

/* Required keys */

static void
rbread_parse__empty_file__has_no_marketplace(void **state)
{
	expect("", "t.ini:1: [marketplace]: missing (a rulebook has a [marketplace] "
	    "section with its name and response deadline)\n");
	expect("; only a comment\n\n", "t.ini:1: [marketplace]: missing (a rulebook has a "
	    "[marketplace] section with its name and response deadline)\n");
}

static void
rbread_parse__marketplace_without_name_or_response__is_told_on_its_header(void **state)
{
	expect("; a book\n[marketplace]\ntitle = Shop\n",
	    "t.ini:2: [marketplace] name: missing (required, e.g. name = madeiramadeira)\n"
	    "t.ini:2: [marketplace] response: missing (required: how long the seller has "
	    "to act, e.g. response = 48h)\n");
	expect("[action.a]\nlabel = A\nto = resolved\n",
	    "t.ini:1: [marketplace]: missing (a rulebook has a [marketplace] section with "
	    "its name and response deadline)\n");
}

static void
rbread_parse__action_without_label_or_to__is_told_on_its_header(void **state)
{
	expect(MARKET "[action.a]\nparams = x\n",
	    "t.ini:4: [action.a] label: missing (required: the portal's wording for the "
	    "action)\n"
	    "t.ini:4: [action.a] to: missing (required: awaiting, closed, resolved or "
	    "pending)\n");
}

static void
rbread_parse__required_key_written_badly__is_not_also_missing(void **state)
{
	expect("[marketplace]\n"
	    "name = Shop!\n"
	    "response = soon\n"
	    "reply_window = 2 months\n"
	    "[action.a]\n"
	    "label =\n"
	    "to =\n"
	    "[action.b]\n"
	    "label = B\n"
	    "to = awaiting\n"
	    "wait =\n"
	    "[action.c]\n"
	    "label = C\n"
	    "to = closed\n"
	    "[reason.p]\n"
	    "origin = preventive\n"
	    "actions =\n",
	    "t.ini:2: [marketplace] name: \"Shop!\" is not a marketplace name (1 to 32 of "
	    "a-z 0-9 -, e.g. madeiramadeira)\n"
	    "t.ini:3: [marketplace] response: unexpected \"soon\" (units: s, min, h, d, w; "
	    "or Nbd alone, business days)\n"
	    "t.ini:4: [marketplace] reply_window: unknown unit \"months\" (units: s, min, "
	    "h, d, w; or Nbd alone, business days)\n"
	    "t.ini:6: [action.a] label: empty value (give one, or remove the line)\n"
	    "t.ini:7: [action.a] to: empty value (give one, or remove the line)\n"
	    "t.ini:11: [action.b] wait: empty value (give one, or remove the line)\n"
	    "t.ini:17: [reason.p] actions: empty value (give one, or remove the line)\n");
}

/* Names: duplicates */

static void
rbread_parse__duplicate_sections__name_the_first_line(void **state)
{
	expect(MARKET "[action.a]\nlabel = A\nto = resolved\n"	/* 4-6 */
	    "[event.e]\nmediation = resolved\n"			/* 7-8 */
	    "[reason.r]\nlabel = R\n"				/* 9-10 */
	    "[action.a]\nlabel = again\n"
	    "[event.e]\npending = resolved\n"
	    "[reason.r]\nlabel = again\n"
	    "[marketplace]\nname = other\n",
	    "t.ini:11: [action.a]: duplicate section (already on line 4; keep one)\n"
	    "t.ini:13: [event.e]: duplicate section (already on line 7; keep one)\n"
	    "t.ini:15: [reason.r]: duplicate section (already on line 9; keep one)\n"
	    "t.ini:17: [marketplace]: duplicate section (already on line 1; keep one)\n");
}

static void
rbread_parse__same_name_for_an_action_an_event_and_a_reason__is_allowed(void **state)
{
	struct rulebook *b = parse_ok(MARKET "[action.x]\nlabel = A\nto = resolved\n"
	    "[event.x]\nmediation = resolved\n[reason.x]\nactions = x\n");

	assert_non_null(rulebook_action(b, "x"));
	assert_non_null(rulebook_event(b, "x"));
	assert_non_null(rulebook_reason(b, "x"));
	rulebook_free(b);
}

static void
rbread_parse__duplicate_keys__name_the_first_line(void **state)
{
	expect(MARKET "name = again\n[action.a]\nlabel = A\nto = resolved\nlabel = B\n"
	    "[event.e]\nmediation = resolved\nmediation = pending\n",
	    "t.ini:4: [marketplace] name: duplicate key (already set on line 2; keep one)\n"
	    "t.ini:8: [action.a] label: duplicate key (already set on line 6; keep one)\n"
	    "t.ini:11: [event.e] mediation: duplicate key (already set on line 10; keep "
	    "one)\n");
}

/* Closed and reply_window */

static void
rbread_parse__closed_without_reply_window__is_an_error_for_actions_and_events(void **state)
{
	expect(MARKET "[action.a]\nlabel = A\nto = closed\n[event.e]\npending = closed\n",
	    "t.ini:6: [action.a] to: closed needs reply_window in [marketplace] (how long "
	    "the customer may still answer, e.g. 60d)\n"
	    "t.ini:8: [event.e] pending: closed needs reply_window in [marketplace]\n");
}

static void
rbread_parse__closed_with_reply_window__loads(void **state)
{
	struct rulebook *b = parse_ok(MARKET_RW "[action.a]\nlabel = A\nto = closed\n"
	    "[event.e]\npending = closed\nclosed = unresolved\n");

	assert_int_equal(b->actions[0].to, CLOSED);
	assert_int_equal(b->events[0].moves[0].to, CLOSED);
	rulebook_free(b);
}

/* Reasons */

static void
rbread_parse__preventive_reason_without_actions__is_an_error(void **state)
{
	expect(MARKET "[action.a]\nlabel = A\nto = resolved\n[reason.p]\nlabel = P\n"
	    "origin = preventive\n",
	    "t.ini:7: [reason.p] actions: missing (required for a preventive reason: the "
	    "actions the seller may take)\n");
}

static void
rbread_parse__response_on_a_preventive_reason__is_an_error(void **state)
{
	expect(MARKET "[action.a]\nlabel = A\nto = resolved\n[reason.p]\nresponse = 1d\n"
	    "origin = preventive\nactions = a\nresponse_critical = 12h\n",
	    "t.ini:8: [reason.p] response: a preventive protocol has no response clock "
	    "(SPEC §3)\n"
	    "t.ini:11: [reason.p] response_critical: a preventive protocol has no response "
	    "clock (SPEC §3)\n");
}

static void
rbread_parse__reason_without_actions__allows_every_action(void **state)
{
	struct rulebook *b = parse_ok(MARKET "[action.a]\nlabel = A\nto = resolved\n"
	    "[reason.r]\nlabel = R\n");

	assert_false(b->reasons[0].has_actions);
	assert_int_equal(b->reasons[0].actions, 0);
	assert_string_equal(b->reasons[0].label, "R");
	rulebook_free(b);
}

static void
rbread_parse__actions_entry_no_section_declares__suggests_the_nearest(void **state)
{
	expect(MARKET "[action.inform_posting_code]\nlabel = A\nto = resolved\n"
	    "[reason.r]\nactions = inform_posting, inform_postng_code inform_posting_code, "
	    "xyz\n",
	    "t.ini:8: [reason.r] actions: inform_posting is not an action of this "
	    "rulebook (no [action.inform_posting] section); did you mean "
	    "inform_posting_code?\n"
	    "t.ini:8: [reason.r] actions: inform_postng_code is not an action of this "
	    "rulebook (no [action.inform_postng_code] section); did you mean "
	    "inform_posting_code?\n"
	    "t.ini:8: [reason.r] actions: xyz is not an action of this rulebook (no "
	    "[action.xyz] section)\n");
}

/* Lines */

static void
rbread_parse__indented_line__is_a_second_value_of_the_key_above(void **state)
{
	expect(MARKET "[action.a]\nlabel = A\nto = resolved\n  params = x\n",
	    "t.ini:7: [action.a] to: duplicate value from the indented line \"params = x\" "
	    "(an indented line continues the previous value; remove the indentation)\n");
}

static void
rbread_parse__indented_line_before_any_section__names_the_key_alone(void **state)
{
	expect("name = shop\n  response = 48h\n" MARKET,
	    "t.ini:1: name: key outside any section (start with [marketplace])\n"
	    "t.ini:2: name: duplicate value from the indented line \"response = 48h\" (an "
	    "indented line continues the previous value; remove the indentation)\n");
}

static void
rbread_parse__indented_key_after_a_header__is_a_key(void **state)
{
	struct rulebook *b = parse_ok("[marketplace]\n  name = shop\nresponse = 48h\n");

	assert_string_equal(b->name, "shop");
	rulebook_free(b);
}

static void
rbread_parse__over_long_line__is_told_with_its_length_and_skipped(void **state)
{
	char text[1024], *e;

	snprintf(text, sizeof text, MARKET "title = %0200d\n[%0250d]\nlabel = x\n", 0, 0);
	expect(text,
	    "t.ini:4: line too long: 208 bytes (at most 199; shorten it)\n"
	    "t.ini:5: line too long: 252 bytes (at most 199; shorten it)\n");
	/* 199 bytes is the longest line. */
	snprintf(text, sizeof text, MARKET "title = %0191d\n", 0);
	{
		struct rulebook *b = parse_ok(text);

		assert_int_equal(strlen(b->title), 191);
		rulebook_free(b);
	}
	/* A long last line without '\n'. */
	snprintf(text, sizeof text, MARKET "title = %0300d", 0);
	e = parse_bad(text);
	assert_string_equal(e, "t.ini:4: line too long: 308 bytes (at most 199; shorten "
	    "it)\n");
	free(e);
}

static void
rbread_load__missing_file__says_cannot_open(void **state)
{
	char *errors = NULL;
	int n = 0;
	struct rbread_errors err = { &errors, &n, MAX_ERRORS };

	assert_null(rbread_load("tests/unit/no-such-rulebook.ini", &rulebook_states, &err));
	assert_int_equal(n, 1);
	assert_string_equal(errors, "tests/unit/no-such-rulebook.ini: cannot open: No such "
	    "file or directory\n");
	free(errors);
	errors = NULL;
	n = 0;
	assert_null(rbread_load("conf/rules", &rulebook_states, &err));
	assert_int_equal(n, 1);
	assert_int_equal(strncmp(errors, "conf/rules: not a regular file (a directory)",
	    44), 0);
	free(errors);
}

static void
rbread_id_ok__is_a_z_then_a_z_0_9_underscore_up_to_48(void **state)
{
	assert_true(rbread_id_ok("a"));
	assert_true(rbread_id_ok("request_photos_2"));
	assert_true(rbread_id_ok("a23456789012345678901234567890123456789012345678"));
	assert_false(rbread_id_ok("a234567890123456789012345678901234567890123456789"));
	assert_false(rbread_id_ok(""));
	assert_false(rbread_id_ok("_a"));
	assert_false(rbread_id_ok("2a"));
	assert_false(rbread_id_ok("a-b"));
	assert_false(rbread_id_ok("aB"));
}

#define T(f) cmocka_unit_test(f)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(rbread_load__shipped_casas_bahia__holds_spec_sections_3_to_5),
		T(rbread_load__shipped_madeiramadeira__loads_its_motivos_and_deadlines),
		T(rbread_builtin__is_conf_rules_casas_bahia_ini_byte_for_byte),
		T(rbread_parse__smallest_book__gets_every_default),
		T(rbread_parse__every_key__is_read),
		T(rbread_parse__yes_no_true_false__are_booleans),
		T(rbread_parse__attempts_or_config_key_without_a_wait__are_errors),
		T(rbread_parse__event_to_awaiting__is_an_error),
		T(rbread_parse__reason_response_not_longer_than_the_warning__is_an_error),
		T(rbread_parse__semicolon_comments__are_comments),
		T(rbread_parse__hash_at_line_start__is_a_comment),
		T(rbread_parse__hash_after_a_value__is_refused_not_taken_as_a_comment),
		T(rbread_parse__crlf_and_bom__are_read),
		T(rbread_parse__digest__follows_the_text),
		T(rbread_parse__each_error__is_file_line_section_key_problem),
		T(rbread_parse__several_errors__are_all_told_at_once),
		T(rbread_parse__errors_after_the_cap__are_counted_not_written),
		T(rbread_parse__errors_of_earlier_files__are_kept_and_added_to),
		T(rbread_parse__unknown_key__suggests_the_nearest_and_lists_the_known),
		T(rbread_parse__unknown_key_near_none__lists_the_known_only),
		T(rbread_parse__short_unknown_names__get_no_far_fetched_suggestion),
		T(rbread_parse__many_unknown_keys__leave_room_to_catch_a_repeated_one),
		T(rbread_parse__unknown_section__lists_the_known_and_skips_its_keys),
		T(rbread_parse__bad_section_names__are_errors),
		T(rbread_parse__header_without_bracket__is_an_error_and_its_keys_skipped),
		T(rbread_parse__malformed_lines__are_errors),
		T(rbread_parse__key_outside_any_section__is_an_error),
		T(rbread_parse__bad_durations__name_the_key_and_the_units),
		T(rbread_parse__empty_values__are_errors_but_extra_holidays),
		T(rbread_parse__calendar_and_holidays__are_checked),
		T(rbread_parse__marketplace_name__is_1_to_32_of_a_z_0_9_dash),
		T(rbread_parse__warn_before_not_shorter_than_a_response__is_an_error),
		T(rbread_parse__origin__is_customer_or_preventive),
		T(rbread_parse__to_not_a_state__suggests_the_nearest),
		T(rbread_parse__to_a_state_no_action_leads_to__is_an_error),
		T(rbread_parse__on_timeout__is_pending_mediation_or_resolved),
		T(rbread_parse__event_target_not_a_state__is_an_error),
		T(rbread_parse__event_source_not_a_state__suggests_the_nearest),
		T(rbread_parse__event_from_equal_to__leads_nowhere),
		T(rbread_parse__event_awaiting_action__must_name_an_awaiting_action),
		T(rbread_parse__event_may_name_an_action_declared_after_it),
		T(rbread_parse__event_without_moves__is_an_error_on_its_header),
		T(rbread_parse__awaiting_without_wait__names_file_line_and_key),
		T(rbread_parse__wait_on_an_action_not_awaiting__is_an_error_once),
		T(rbread_parse__wait_param__must_be_one_of_its_date_params),
		T(rbread_parse__wait_param_plus_duration__may_be_zero_and_use_tabs),
		T(rbread_parse__params__are_names_with_known_types),
		T(rbread_parse__params__take_spaces_and_empty_items),
		T(rbread_parse__clock_names__are_reserved_unique_and_numbered_apart),
		T(rbread_parse__too_many_actions__is_an_error_on_the_65th),
		T(rbread_parse__empty_file__has_no_marketplace),
		T(rbread_parse__marketplace_without_name_or_response__is_told_on_its_header),
		T(rbread_parse__action_without_label_or_to__is_told_on_its_header),
		T(rbread_parse__required_key_written_badly__is_not_also_missing),
		T(rbread_parse__duplicate_sections__name_the_first_line),
		T(rbread_parse__same_name_for_an_action_an_event_and_a_reason__is_allowed),
		T(rbread_parse__duplicate_keys__name_the_first_line),
		T(rbread_parse__closed_without_reply_window__is_an_error_for_actions_and_events),
		T(rbread_parse__closed_with_reply_window__loads),
		T(rbread_parse__preventive_reason_without_actions__is_an_error),
		T(rbread_parse__response_on_a_preventive_reason__is_an_error),
		T(rbread_parse__reason_without_actions__allows_every_action),
		T(rbread_parse__actions_entry_no_section_declares__suggests_the_nearest),
		T(rbread_parse__indented_line__is_a_second_value_of_the_key_above),
		T(rbread_parse__indented_line_before_any_section__names_the_key_alone),
		T(rbread_parse__indented_key_after_a_header__is_a_key),
		T(rbread_parse__over_long_line__is_told_with_its_length_and_skipped),
		T(rbread_load__missing_file__says_cannot_open),
		T(rbread_id_ok__is_a_z_then_a_z_0_9_underscore_up_to_48),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
