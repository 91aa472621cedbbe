#include "rules.h"

#include <stdio.h>
#include <string.h>

#include "param.h"
#include "strcopy.h"

/* Rulebooks and names */

const struct rulebook *
rules_book(const struct config *cfg, const struct protocol *p)
{
	return config_book(cfg, p->marketplace);
}

const struct rulebook *
rules_market(const struct config *cfg, const char *name, struct problem *pb)
{
	const struct rulebook *b;

	if (name == NULL)
		return config_default_book(cfg);
	if ((b = config_book(cfg, name)) != NULL)
		return b;
	problem_set(pb, 422, "unknown_marketplace", "unknown marketplace \"%.40s\": the "
	    "rulebooks loaded are those listed (GET /v1/marketplaces)", name);
	for (size_t i = 0; i < cfg->n_books; i++)
		problem_allow(pb, cfg->books[i]->name);
	return NULL;
}

bool
rules_known_action(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_books; i++)
		if (rulebook_action_index(cfg->books[i], name) >= 0)
			return true;
	return false;
}

bool
rules_known_event(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_books; i++)
		if (rulebook_event(cfg->books[i], name) != NULL)
			return true;
	return false;
}

const char *
rules_kind_name(const struct config *cfg, int kind)
{
	const struct rulebook_action *a;

	if (kind == RULEBOOK_KIND_RESPONSE)
		return "response";
	if (kind == RULEBOOK_KIND_REPLY)
		return "reply_window";
	for (size_t i = 0; i < cfg->n_books; i++)
		if ((a = rulebook_kind_action(cfg->books[i], kind)) != NULL)
			return a->clock;
	return NULL;
}

/* Actions */

size_t
rules_param_names(const struct config *cfg, const char *action, const char **names,
    size_t max)
{
	size_t n = 0;

	for (size_t b = 0; b < cfg->n_books; b++) {
		const struct rulebook_action *a = rulebook_action(cfg->books[b], action);

		for (size_t k = 0; a != NULL && k < a->n_params; k++) {
			size_t j = 0;

			while (j < n && strcmp(names[j], a->params[k].name) != 0)
				j++;
			if (j == n && n < max)
				names[n++] = a->params[k].name;
		}
	}
	return n;
}

int
rules_action_find(const struct rulebook *b, const char *name, struct problem *pb)
{
	int i = b != NULL ? rulebook_action_index(b, name) : -1;

	if (i >= 0)
		return i;
	problem_set(pb, 422, "unknown_action", "unknown action \"%.64s\"%s%s", name,
	    b != NULL ? " in the rules of marketplace " : "", b != NULL ? b->name : "");
	for (size_t k = 0; b != NULL && k < b->n_actions; k++)
		problem_allow(pb, b->actions[k].name);
	return -1;
}

static bool
rules_state_takes_actions(enum proto_state s)
{
	return s == PROTO_PENDING || s == PROTO_UNRESOLVED;
}

/* The actions p's reason allows (bits), when its reason has a list for its origin. */
static bool
rules_reason_mask(const struct rulebook *b, const struct protocol *p, uint64_t *mask)
{
	const struct rulebook_reason *r = p->reason[0] ? rulebook_reason(b, p->reason) : NULL;

	if (r == NULL || !r->has_actions || r->preventive != (p->origin == PROTO_PREVENTIVE))
		return false;
	*mask = r->actions;
	return true;
}

/* Why action i is refused for p now, or NULL when it is allowed. */
static const char *
rules_action_refusal(const struct rulebook *b, const struct protocol *p, int i,
    bool envvias)
{
	uint64_t mask;

	if (!rules_state_takes_actions(p->state))
		return "state";
	if (rules_reason_mask(b, p, &mask) && !(mask & UINT64_C(1) << i))
		return "reason";
	if (p->origin == PROTO_PREVENTIVE && !rules_reason_mask(b, p, &mask))
		return "reason";
	if (envvias && !b->actions[i].envvias)
		return "envvias";
	return NULL;
}

uint64_t
rules_allowed_mask(const struct rulebook *b, const struct protocol *p, bool envvias)
{
	uint64_t mask = 0;

	for (size_t i = 0; b != NULL && i < b->n_actions; i++)
		if (rules_action_refusal(b, p, (int)i, envvias) == NULL)
			mask |= UINT64_C(1) << i;
	return mask;
}

static void
rules_allow_list(const struct rulebook *b, const struct protocol *p, bool envvias,
    struct problem *pb)
{
	uint64_t mask = rules_allowed_mask(b, p, envvias);

	problem_allow(pb, NULL);
	for (size_t i = 0; i < b->n_actions; i++)
		if (mask & UINT64_C(1) << i)
			problem_allow(pb, b->actions[i].name);
}

int
rules_action_allowed(const struct rulebook *b, const struct protocol *p, int i,
    bool envvias, struct problem *pb)
{
	const char *why = rules_action_refusal(b, p, i, envvias);
	const char *act = b->actions[i].name;

	if (why == NULL)
		return 0;
	if (strcmp(why, "state") == 0)
		problem_set(pb, 409, "action_not_allowed",
		    "%s is not allowed in state %s (%s): actions are taken only in pending "
		    "and unresolved", act, proto_state_name(p->state),
		    proto_state_label(p->state));
	else if (strcmp(why, "reason") == 0)
		problem_set(pb, 409, "action_not_allowed_for_reason",
		    "%s is not allowed for a %s protocol of reason %s", act,
		    proto_origin_name(p->origin), p->reason);
	else
		problem_set(pb, 409, "action_not_allowed_for_envvias",
		    "%s is refused for sellers that use Envvias (seller %s)", act, p->seller);
	rules_allow_list(b, p, envvias, pb);
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

int
rules_action_args(const struct rulebook *b, int i, const struct rules_args *args,
    int64_t today, struct problem *pb)
{
	const struct rulebook_action *a = &b->actions[i];

	for (size_t k = 0; k < a->n_params; k++) {
		const struct rulebook_param *param = &a->params[k];
		const char *v = rules_arg(args, param->name);

		if (v == NULL && !rules_arg_present(args, param->name))
			return problem_set(pb, 422, "missing_param", "%s needs the parameter "
			    "%s", a->name, param->name);
		if (v == NULL)
			return problem_set(pb, 422, "invalid_param", "%s must be a string",
			    param->name);
		if (param_check(param, v, today, pb) != 0)
			return -1;
	}
	return 0;
}

/* Events */

/* The move of e for p now: one for the action p waits on first, else one for its
 * state; NULL when none. */
static const struct rulebook_move *
rules_move(const struct rulebook *b, const struct rulebook_event *e,
    const struct protocol *p)
{
	const struct rulebook_move *any = NULL;

	for (size_t i = 0; i < e->n_moves; i++) {
		const struct rulebook_move *m = &e->moves[i];

		if (m->from != (int)p->state)
			continue;
		if (m->only_action < 0)
			any = any ? any : m;
		else if (p->clock != PROTO_CLOCK_NONE &&
		    b->actions[m->only_action].kind == p->clock)
			return m;
	}
	return any;
}

static void
rules_event_allow_list(const struct rulebook *b, const struct protocol *p,
    struct problem *pb)
{
	problem_allow(pb, NULL);
	for (size_t i = 0; i < b->n_events; i++)
		if (rules_move(b, &b->events[i], p) != NULL)
			problem_allow(pb, b->events[i].name);
}

static void
rules_unknown_event(const struct rulebook *b, const char *name, struct problem *pb)
{
	char list[256] = "";

	for (size_t i = 0; b != NULL && i < b->n_events; i++)
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
		    i == 0 ? "" : i + 1 == b->n_events ? ", " : ", ", b->events[i].name);
	problem_set(pb, 422, "unknown_event", "unknown event \"%.64s\"; events are %s", name,
	    list[0] ? list : "none");
}

const struct rulebook_move *
rules_event(const struct rulebook *b, const struct protocol *p, const char *name,
    struct problem *pb)
{
	const struct rulebook_event *e = b != NULL ? rulebook_event(b, name) : NULL;
	const struct rulebook_move *m;
	const char *kind;

	if (e == NULL) {
		rules_unknown_event(b, name, pb);
		return NULL;
	}
	if ((m = rules_move(b, e, p)) != NULL)
		return m;
	kind = p->clock == RULEBOOK_KIND_RESPONSE ? "response" :
	    p->clock == RULEBOOK_KIND_REPLY ? "reply_window" : NULL;
	if (kind == NULL && rulebook_kind_action(b, p->clock) != NULL)
		kind = rulebook_kind_action(b, p->clock)->clock;
	problem_set(pb, 409, "event_not_allowed", "%s does not apply to a protocol in "
	    "state %s%s%s", name, proto_state_name(p->state),
	    kind != NULL ? " on clock " : "", kind != NULL ? kind : "");
	rules_event_allow_list(b, p, pb);
	return NULL;
}

/* Reasons */

int
rules_check_reason(const struct rulebook *b, enum proto_origin origin, const char *reason,
    struct problem *pb)
{
	const struct rulebook_reason *r = reason[0] ? rulebook_reason(b, reason) : NULL;
	char list[512] = "";
	size_t n = 0, k = 0;

	if (origin != PROTO_PREVENTIVE || (r != NULL && r->preventive))
		return 0;
	for (size_t i = 0; i < b->n_reasons; i++)
		n += b->reasons[i].preventive;
	for (size_t i = 0; i < b->n_reasons; i++) {
		if (!b->reasons[i].preventive)
			continue;
		k++;
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
		    k == 1 ? "" : k == n ? " or " : ", ", b->reasons[i].name);
	}
	problem_set(pb, 422, "invalid_reason", "a preventive protocol needs a reason: "
	    "%s%s%s", n ? list : "(this marketplace has none)", reason[0] ? ", not " : "",
	    reason);
	for (size_t i = 0; i < b->n_reasons; i++)
		if (b->reasons[i].preventive)
			problem_allow(pb, b->reasons[i].name);
	return -1;
}

/* Attempts */

void
rules_attempts_each(const char *s, void (*fn)(const char *, size_t, unsigned, void *),
    void *arg)
{
	while (s != NULL && *s) {
		size_t n = strcspn(s, "=,");
		unsigned v = 0;
		const char *c = s + n;

		if (*c == '=')
			for (c++; *c >= '0' && *c <= '9'; c++)
				v = v * 10 + (unsigned)(*c - '0');
		if (n > 0)
			fn(s, n, v, arg);
		s = c + strcspn(c, ",");
		s += *s == ',';
	}
}

struct rules_bump {
	const char *name;
	/* Room for a count that grows a digit: a text that outgrows the protocol's is
	 * not kept (snprintf would cut its last count). */
	char out[2 * (PROTO_ATTEMPTS_MAX + 1)];
	bool done;
};

static void
rules_bump_one(const char *name, size_t len, unsigned n, void *arg)
{
	struct rules_bump *b = arg;
	size_t off = strlen(b->out);

	if (strlen(b->name) == len && strncmp(b->name, name, len) == 0) {
		n++;
		b->done = true;
	}
	snprintf(b->out + off, sizeof b->out - off, "%s%.*s=%u", off ? "," : "", (int)len,
	    name, n);
}

void
rules_attempt_add(struct protocol *p, const char *name)
{
	struct rules_bump b = { .name = name };
	size_t off;

	rules_attempts_each(p->attempts, rules_bump_one, &b);
	off = strlen(b.out);
	if (!b.done && off + strlen(name) + 4 < sizeof p->attempts)
		snprintf(b.out + off, sizeof b.out - off, "%s%s=1", off ? "," : "", name);
	if (strlen(b.out) < sizeof p->attempts)
		strcopy(p->attempts, sizeof p->attempts, b.out);
}
