#include "rulebook.h"

#include <stdlib.h>
#include <string.h>

static const char *const rulebook_state_names[] = {
	"pending", "awaiting", "closed", "unresolved", "mediation", "resolved",
};

const struct rulebook_states rulebook_states = {
	rulebook_state_names, 6, .pending = 0, .awaiting = 1, .closed = 2, .mediation = 4,
	.resolved = 5,
};

void
rulebook_free(struct rulebook *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->n_actions; i++) {
		struct rulebook_action *a = &b->actions[i];

		free(a->name);
		free(a->label);
		free(a->clock);
		free(a->config_key);
		for (size_t k = 0; k < a->n_params; k++)
			free(a->params[k].name);
	}
	for (size_t i = 0; i < b->n_events; i++) {
		free(b->events[i].name);
		free(b->events[i].moves);
	}
	for (size_t i = 0; i < b->n_reasons; i++) {
		free(b->reasons[i].name);
		free(b->reasons[i].label);
	}
	free(b->actions);
	free(b->events);
	free(b->reasons);
	free(b->extra_holidays);
	cal_free(b->cal);
	free(b->path);
	free(b->name);
	free(b->title);
	free(b);
}

int
rulebook_action_index(const struct rulebook *b, const char *name)
{
	for (size_t i = 0; i < b->n_actions; i++)
		if (strcmp(b->actions[i].name, name) == 0)
			return (int)i;
	return -1;
}

const struct rulebook_action *
rulebook_action(const struct rulebook *b, const char *name)
{
	int i = rulebook_action_index(b, name);

	return i < 0 ? NULL : &b->actions[i];
}

const struct rulebook_event *
rulebook_event(const struct rulebook *b, const char *name)
{
	for (size_t i = 0; i < b->n_events; i++)
		if (strcmp(b->events[i].name, name) == 0)
			return &b->events[i];
	return NULL;
}

const struct rulebook_reason *
rulebook_reason(const struct rulebook *b, const char *name)
{
	for (size_t i = 0; i < b->n_reasons; i++)
		if (strcmp(b->reasons[i].name, name) == 0)
			return &b->reasons[i];
	return NULL;
}

const struct rulebook_action *
rulebook_kind_action(const struct rulebook *b, int kind)
{
	for (size_t i = 0; i < b->n_actions; i++)
		if (b->actions[i].has_wait && b->actions[i].kind == kind)
			return &b->actions[i];
	return NULL;
}

bool
rulebook_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= RULEBOOK_NAME_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static uint32_t
rulebook_fnv(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

int
rulebook_kind_number(const char *clock)
{
	/* Not rules: the numbers databases written before rulebooks existed hold for
	 * these clocks (the store keeps a number, doc/rules.md "Clock kinds"). */
	static const char *const legacy[] = {
		"response", "photos_wait", "address_wait", "posting_wait", "pickup_wait",
		"letter_wait", "reply_window",
	};

	for (size_t i = 0; i < sizeof legacy / sizeof legacy[0]; i++)
		if (strcmp(legacy[i], clock) == 0)
			return (int)i + RULEBOOK_KIND_RESPONSE;
	return RULEBOOK_KIND_HASHED + (int)(rulebook_fnv(clock) %
	    (RULEBOOK_KIND_MAX - RULEBOOK_KIND_HASHED + 1));
}

int
rulebook_market_number(const char *name)
{
	return (int)(rulebook_fnv(name) % RULEBOOK_MARKET_IDS);
}

const char *
rulebook_ptype_name(enum rulebook_ptype t)
{
	static const char *const names[] = {
		[RULEBOOK_TEXT] = "text", [RULEBOOK_LONGTEXT] = "longtext",
		[RULEBOOK_CODE] = "code", [RULEBOOK_DATE] = "date",
		[RULEBOOK_DATE_FUTURE] = "date_future", [RULEBOOK_URL] = "url",
	};

	return names[t];
}

/* Levenshtein distance of a and b, or 3 when it is more than 2 (all we ask). */
static size_t
rulebook_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[RULEBOOK_ID_MAX + 2];

	if (la > RULEBOOK_ID_MAX || lb > RULEBOOK_ID_MAX || (la > lb ? la - lb : lb - la) > 2)
		return 3;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb] > 2 ? 3 : row[lb];
}

const char *
rulebook_suggest(const char *s, const char *const *names, size_t n)
{
	const char *best = NULL;
	size_t best_d = 3, len = strlen(s);

	for (size_t i = 0; i < n; i++) {
		size_t d = rulebook_distance(s, names[i]);

		if (d == 3 && len >= 4 && strncmp(s, names[i], len) == 0)
			d = 2;	/* a prefix: "inform_posting" */
		else if (2 * d > len)
			continue;	/* more changed than kept: "k0" is not near "to" */
		if (d < best_d) {
			best_d = d;
			best = names[i];
		}
	}
	return best;
}
