#include "rules.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "civil.h"

#define A(i) (1u << (i))

enum {
	ACT_REQUEST_PHOTOS,
	ACT_CONFIRM_ADDRESS,
	ACT_INFORM_POSTING_CODE,
	ACT_INFORM_PICKUP_DATE,
	ACT_REQUEST_CANCELLATION_LETTER,
	ACT_MESSAGE_CUSTOMER,
	ACT_APPROVE_CANCELLATION,
	ACT_CANCEL_SALE,
	ACT_SEND_PART,
	ACT_INFORM_CARRIER_PICKUP,
	ACT_INFORM_SHIPPING,
	ACT_INFORM_NEW_DELIVERY_DATE,
	ACT_COUNT
};
_Static_assert(ACT_COUNT == PROTO_N_ACTIONS, "PROTO_N_ACTIONS is the action table's size");

/* spec.md §4: one row per action. */
static const struct rules_action rules_actions[ACT_COUNT] = {
	[ACT_REQUEST_PHOTOS] = { "request_photos",
	    "Solicitar fotos do produto ao cliente", { { 0 } }, 0,
	    PROTO_AWAITING, PROTO_CLOCK_PHOTOS, false },
	[ACT_CONFIRM_ADDRESS] = { "confirm_address", "Confirmar endereço", { { 0 } }, 0,
	    PROTO_AWAITING, PROTO_CLOCK_ADDRESS, false },
	[ACT_INFORM_POSTING_CODE] = { "inform_posting_code",
	    "Informar o código de postagem", { { "posting_code", RULES_P_CODE } }, 1,
	    PROTO_AWAITING, PROTO_CLOCK_POSTING, false },
	[ACT_INFORM_PICKUP_DATE] = { "inform_pickup_date",
	    "Informar data pra retirar o produto", { { "pickup_date", RULES_P_DATE } }, 1,
	    PROTO_AWAITING, PROTO_CLOCK_PICKUP, false },
	[ACT_REQUEST_CANCELLATION_LETTER] = { "request_cancellation_letter",
	    "Pedir carta de cancelamento", { { 0 } }, 0,
	    PROTO_AWAITING, PROTO_CLOCK_LETTER, false },
	[ACT_MESSAGE_CUSTOMER] = { "message_customer", "Converse com o(a) cliente",
	    { { "message", RULES_P_TEXT } }, 1, PROTO_CLOSED, PROTO_CLOCK_REPLY, true },
	[ACT_APPROVE_CANCELLATION] = { "approve_cancellation",
	    "Aprovar o cancelamento da compra", { { 0 } }, 0,
	    PROTO_RESOLVED, PROTO_CLOCK_NONE, false },
	[ACT_CANCEL_SALE] = { "cancel_sale", "Cancelar a venda do produto", { { 0 } }, 0,
	    PROTO_RESOLVED, PROTO_CLOCK_NONE, false },
	[ACT_SEND_PART] = { "send_part", "Comunicar envio de nova peça ou acessório",
	    { { "posting_code", RULES_P_CODE }, { "tracking_url", RULES_P_URL } }, 2,
	    PROTO_RESOLVED, PROTO_CLOCK_NONE, false },
	[ACT_INFORM_CARRIER_PICKUP] = { "inform_carrier_pickup",
	    "Informar cliente sobre busca de produto", { { "pickup_code", RULES_P_CODE } }, 1,
	    PROTO_RESOLVED, PROTO_CLOCK_NONE, false },
	[ACT_INFORM_SHIPPING] = { "inform_shipping", "Informar expedição do produto",
	    { { 0 } }, 0, PROTO_RESOLVED, PROTO_CLOCK_NONE, false },
	[ACT_INFORM_NEW_DELIVERY_DATE] = { "inform_new_delivery_date",
	    "Informar nova data de entrega", { { "delivery_date", RULES_P_DATE } }, 1,
	    PROTO_RESOLVED, PROTO_CLOCK_NONE, false },
};

/* spec.md §4, preventive protocols (seed 000): the actions of each reason. */
static const struct {
	const char *name;
	unsigned actions;
} rules_reasons[] = {
	{ "delivery_problem", A(ACT_CANCEL_SALE) | A(ACT_CONFIRM_ADDRESS) |
	    A(ACT_INFORM_CARRIER_PICKUP) | A(ACT_INFORM_NEW_DELIVERY_DATE) |
	    A(ACT_MESSAGE_CUSTOMER) },
	{ "customer_return", A(ACT_INFORM_PICKUP_DATE) | A(ACT_INFORM_POSTING_CODE) |
	    A(ACT_MESSAGE_CUSTOMER) },
	{ "unavailable", A(ACT_CANCEL_SALE) },
	{ "cancellation_letter", A(ACT_REQUEST_CANCELLATION_LETTER) },
};
#define RULES_N_REASONS (sizeof rules_reasons / sizeof rules_reasons[0])

/* spec.md §5. */
static const struct rules_event rules_events[] = {
	{ "customer_replied", PROTO_AWAITING, PROTO_CLOCK_NONE, PROTO_PENDING },
	{ "customer_replied", PROTO_CLOSED, PROTO_CLOCK_NONE, PROTO_UNRESOLVED },
	{ "document_attached", PROTO_AWAITING, PROTO_CLOCK_LETTER, PROTO_RESOLVED },
	{ "mediation_resolved", PROTO_MEDIATION, PROTO_CLOCK_NONE, PROTO_RESOLVED },
};
#define RULES_N_EVENTS (sizeof rules_events / sizeof rules_events[0])

/* spec.md §3: what each clock does when it runs out. */
static const struct rules_clock rules_clocks[PROTO_N_CLOCKS] = {
	[PROTO_CLOCK_RESPONSE] = { CONFIG_DL_RESPONSE_NORMAL, PROTO_MEDIATION, -1, true },
	[PROTO_CLOCK_PHOTOS] = { CONFIG_DL_PHOTOS_WAIT, PROTO_PENDING, ACT_REQUEST_PHOTOS, false },
	[PROTO_CLOCK_ADDRESS] = { CONFIG_DL_ADDRESS_WAIT, PROTO_PENDING, ACT_CONFIRM_ADDRESS, false },
	[PROTO_CLOCK_POSTING] = { CONFIG_DL_POSTING_WAIT, PROTO_PENDING,
	    ACT_INFORM_POSTING_CODE, false },
	[PROTO_CLOCK_PICKUP] = { CONFIG_DL_PICKUP_GRACE, PROTO_PENDING,
	    ACT_INFORM_PICKUP_DATE, false },
	[PROTO_CLOCK_LETTER] = { CONFIG_DL_LETTER_WAIT, PROTO_PENDING,
	    ACT_REQUEST_CANCELLATION_LETTER, false },
	[PROTO_CLOCK_REPLY] = { CONFIG_DL_REPLY_WINDOW, PROTO_RESOLVED, -1, false },
};

const struct rules_action *
rules_action(int i)
{
	return &rules_actions[i];
}

int
rules_action_index(const char *name)
{
	for (int i = 0; i < ACT_COUNT; i++)
		if (strcmp(rules_actions[i].name, name) == 0)
			return i;
	return -1;
}

static unsigned
rules_reason_mask(const char *reason)
{
	for (size_t i = 0; i < RULES_N_REASONS; i++)
		if (strcmp(rules_reasons[i].name, reason) == 0)
			return rules_reasons[i].actions;
	return 0;
}

static bool
rules_state_takes_actions(enum proto_state s)
{
	return s == PROTO_PENDING || s == PROTO_UNRESOLVED;
}

/* The reason action i is refused for p now, or NULL when it is allowed. */
static const char *
rules_action_refusal(const struct protocol *p, int i, bool envvias)
{
	if (!rules_state_takes_actions(p->state))
		return "state";
	if (p->origin == PROTO_PREVENTIVE && !(rules_reason_mask(p->reason) & A(i)))
		return "reason";
	if (envvias && rules_actions[i].refused_for_envvias)
		return "envvias";
	return NULL;
}

size_t
rules_allowed_actions(const struct protocol *p, bool envvias, const char **out, size_t max)
{
	size_t n = 0;

	for (int i = 0; i < ACT_COUNT && n < max; i++)
		if (rules_action_refusal(p, i, envvias) == NULL)
			out[n++] = rules_actions[i].name;
	return n;
}

uint32_t
rules_allowed_mask(const struct protocol *p, bool envvias)
{
	uint32_t mask = 0;

	for (int i = 0; i < ACT_COUNT; i++)
		if (rules_action_refusal(p, i, envvias) == NULL)
			mask |= UINT32_C(1) << i;
	return mask;
}

static void
rules_allow_list(const struct protocol *p, bool envvias, struct problem *pb)
{
	const char *names[ACT_COUNT];
	size_t n = rules_allowed_actions(p, envvias, names, ACT_COUNT);

	problem_allow(pb, NULL);
	for (size_t i = 0; i < n; i++)
		problem_allow(pb, names[i]);
}

int
rules_action_allowed(const struct protocol *p, int i, bool envvias, struct problem *pb)
{
	const char *why = rules_action_refusal(p, i, envvias);
	const char *act = rules_actions[i].name;

	if (why == NULL)
		return 0;
	if (strcmp(why, "state") == 0)
		problem_set(pb, 409, "action_not_allowed",
		    "%s is not allowed in state %s (%s): actions are taken only in pending "
		    "and unresolved", act, proto_state_name(p->state),
		    proto_state_label(p->state));
	else if (strcmp(why, "reason") == 0)
		problem_set(pb, 409, "action_not_allowed_for_reason",
		    "%s is not allowed for a preventive protocol of reason %s", act, p->reason);
	else
		problem_set(pb, 409, "action_not_allowed_for_envvias",
		    "%s is refused for sellers that use Envvias (seller %s)", act, p->seller);
	rules_allow_list(p, envvias, pb);
	return -1;
}

const char *
rules_arg(const struct rules_args *args, const char *name)
{
	for (size_t i = 0; i < args->n; i++)
		if (strcmp(args->name[i], name) == 0)
			return args->value[i];
	return NULL;
}

static bool
rules_arg_present(const struct rules_args *args, const char *name)
{
	for (size_t i = 0; i < args->n; i++)
		if (strcmp(args->name[i], name) == 0)
			return true;
	return false;
}

static bool
rules_text_ok(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > 4000)
		return false;
	for (; *v; v++)
		if (!isspace((unsigned char)*v))
			return true;
	return false;
}

static bool
rules_url_ok(const char *v)
{
	size_t n = strlen(v), scheme;

	if (strncasecmp(v, "https://", 8) == 0)
		scheme = 8;
	else if (strncasecmp(v, "http://", 7) == 0)
		scheme = 7;
	else
		return false;
	/* A host must follow the scheme. */
	if (n > 2048 || strchr("/?#", v[scheme]) != NULL)
		return false;
	for (; *v; v++)
		if ((unsigned char)*v <= ' ' || *v == 0x7f)
			return false;
	return true;
}

static bool
rules_code_ok(const char *v)
{
	size_t n = strlen(v);

	return n > 0 && n <= 64 && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789._:/-") == n;
}

/* A date from today to CIVIL_AHEAD_MAX_DAYS after it (civil.h says why): 0, or -1
 * with a 422 problem that says the bound. */
static int
rules_date_check(const struct rules_param *param, const char *v, int64_t today,
    struct problem *pb)
{
	int64_t day;
	char buf[CIVIL_DATE_LEN], last[CIVIL_DATE_LEN];

	if (civil_parse_date(v, &day) != 0)
		return problem_set(pb, 422, "invalid_param", "%s must be a date "
		    "YYYY-MM-DD that exists, not \"%.40s\"", param->name, v);
	civil_format_date(today, buf);
	if (day < today)
		return problem_set(pb, 422, "invalid_param", "%s %s is in the past "
		    "(today is %s, local time)", param->name, v, buf);
	civil_format_date(today + CIVIL_AHEAD_MAX_DAYS, last);
	if (day > today + CIVIL_AHEAD_MAX_DAYS)
		return problem_set(pb, 422, "invalid_param", "%s %s is too far ahead: at "
		    "most %d days after today (%s, local time), so %s at the latest",
		    param->name, v, CIVIL_AHEAD_MAX_DAYS, buf, last);
	return 0;
}

/* 0 when v is a well-formed value of param; else -1 with a 422 problem. */
static int
rules_param_check(const struct rules_param *param, const char *v, int64_t today,
    struct problem *pb)
{
	switch (param->kind) {
	case RULES_P_CODE:
		if (!rules_code_ok(v))
			return problem_set(pb, 422, "invalid_param", "%s must be 1 to 64 "
			    "characters of A-Z a-z 0-9 . _ : / -", param->name);
		break;
	case RULES_P_TEXT:
		if (!rules_text_ok(v))
			return problem_set(pb, 422, "invalid_param", "%s must be a text of "
			    "1 to 4000 bytes that is not blank", param->name);
		break;
	case RULES_P_URL:
		if (!rules_url_ok(v))
			return problem_set(pb, 422, "invalid_param", "%s must be an http:// or "
			    "https:// URL of at most 2048 bytes, without spaces", param->name);
		break;
	case RULES_P_DATE:
		return rules_date_check(param, v, today, pb);
	}
	return 0;
}

int
rules_action_args(int i, const struct rules_args *args, int64_t today, struct problem *pb)
{
	const struct rules_action *a = &rules_actions[i];

	for (size_t k = 0; k < a->n_params; k++) {
		const struct rules_param *param = &a->params[k];
		const char *v = rules_arg(args, param->name);

		if (v == NULL && !rules_arg_present(args, param->name))
			return problem_set(pb, 422, "missing_param", "%s needs the parameter "
			    "%s", a->name, param->name);
		if (v == NULL)
			return problem_set(pb, 422, "invalid_param", "%s must be a string",
			    param->name);
		if (rules_param_check(param, v, today, pb) != 0)
			return -1;
	}
	return 0;
}

static void
rules_event_allow_list(const struct protocol *p, struct problem *pb)
{
	problem_allow(pb, NULL);
	for (size_t i = 0; i < RULES_N_EVENTS; i++) {
		const struct rules_event *e = &rules_events[i];

		if (e->from == p->state && (e->only_clock == PROTO_CLOCK_NONE ||
		    e->only_clock == p->clock))
			problem_allow(pb, e->name);
	}
}

const struct rules_event *
rules_event(const struct protocol *p, const char *name, struct problem *pb)
{
	bool known = false;

	for (size_t i = 0; i < RULES_N_EVENTS; i++) {
		const struct rules_event *e = &rules_events[i];

		if (strcmp(e->name, name) != 0)
			continue;
		known = true;
		if (e->from == p->state && (e->only_clock == PROTO_CLOCK_NONE ||
		    e->only_clock == p->clock))
			return e;
	}
	if (!known) {
		problem_set(pb, 422, "unknown_event", "unknown event \"%.64s\"; events are "
		    "customer_replied, document_attached, mediation_resolved", name);
		return NULL;
	}
	problem_set(pb, 409, "event_not_allowed", "%s does not apply to a protocol in "
	    "state %s%s%s", name, proto_state_name(p->state),
	    p->clock != PROTO_CLOCK_NONE ? " on clock " : "",
	    p->clock != PROTO_CLOCK_NONE ? proto_clock_name(p->clock) : "");
	rules_event_allow_list(p, pb);
	return NULL;
}

const struct rules_clock *
rules_clock(enum proto_clock c)
{
	return &rules_clocks[c];
}

enum proto_clock
rules_entry_clock(const struct protocol *p, enum proto_state s)
{
	switch (s) {
	case PROTO_PENDING:
	case PROTO_UNRESOLVED:
		/* A preventive protocol was opened by the seller: no response deadline. */
		return p->origin == PROTO_PREVENTIVE ? PROTO_CLOCK_NONE : PROTO_CLOCK_RESPONSE;
	case PROTO_CLOSED:
		return PROTO_CLOCK_REPLY;
	default:
		return PROTO_CLOCK_NONE;
	}
}

enum config_dl
rules_clock_dl(const struct protocol *p, enum proto_clock c)
{
	if (c == PROTO_CLOCK_RESPONSE && p->critical)
		return CONFIG_DL_RESPONSE_CRITICAL;
	return rules_clocks[c].dl;
}

int
rules_check_reason(enum proto_origin origin, const char *reason, struct problem *pb)
{
	if (origin != PROTO_PREVENTIVE)
		return 0;
	if (rules_reason_mask(reason) != 0)
		return 0;
	problem_set(pb, 422, "invalid_reason", "a preventive protocol needs a reason: "
	    "delivery_problem, customer_return, unavailable or cancellation_letter%s%s",
	    reason[0] ? ", not " : "", reason);
	for (size_t i = 0; i < RULES_N_REASONS; i++)
		problem_allow(pb, rules_reasons[i].name);
	return -1;
}

void
rules_attempts_format(const uint32_t attempts[PROTO_N_ACTIONS], char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < ACT_COUNT && off < len; i++)
		if (attempts[i] > 0)
			off += snprintf(buf + off, len - off, "%s%s=%u", off ? "," : "",
			    rules_actions[i].name, attempts[i]);
}

void
rules_attempts_parse(const char *s, uint32_t attempts[PROTO_N_ACTIONS])
{
	char name[64];
	unsigned n;
	int used, i;

	memset(attempts, 0, sizeof(uint32_t) * PROTO_N_ACTIONS);
	while (s != NULL && sscanf(s, "%63[^=]=%u%n", name, &n, &used) == 2) {
		if ((i = rules_action_index(name)) >= 0)
			attempts[i] = n;
		s += used;
		if (*s != ',')
			break;
		s++;
	}
}
