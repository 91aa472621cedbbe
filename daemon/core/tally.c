#include "tally.h"

#include <stdio.h>
#include <string.h>

#include "clockrule.h"
#include "rulebook.h"
#include "rules.h"

/* The slot of kind in out[0..*n), added (named, count 0) when new and there is room;
 * NULL when full. */
static struct tally_count *
tally_kind(const struct config *cfg, int kind, struct tally_count *out, size_t *n,
    size_t max, int *kinds)
{
	const char *name;

	for (size_t i = 0; i < *n; i++)
		if (kinds[i] == kind)
			return &out[i];
	if (*n == max)
		return NULL;
	out[*n] = (struct tally_count){ .n = 0 };
	if ((name = rules_kind_name(cfg, kind)) == NULL) {
		snprintf(out[*n].own, sizeof out[*n].own, "kind_%d", kind);
		name = out[*n].own;
	}
	out[*n].name = name;
	kinds[*n] = kind;
	return &out[(*n)++];
}

/* Every kind the rulebooks name, in order, with a count of 0. */
static void
tally_named(const struct config *cfg, struct tally_count *out, size_t *n, size_t max,
    int *kinds)
{
	tally_kind(cfg, RULEBOOK_KIND_RESPONSE, out, n, max, kinds);
	for (size_t b = 0; b < cfg->n_books; b++)
		for (size_t a = 0; a < cfg->books[b]->n_actions; a++)
			if (cfg->books[b]->actions[a].has_wait)
				tally_kind(cfg, cfg->books[b]->actions[a].kind, out, n, max,
				    kinds);
	tally_kind(cfg, RULEBOOK_KIND_REPLY, out, n, max, kinds);
}

size_t
tally_clocks(const struct config *cfg, const struct store_stats *s,
    struct tally_count *out, size_t max)
{
	int kinds[STORE_STATS_MAX + 64];
	struct tally_count *t;
	size_t n = 0;

	if (max > sizeof kinds / sizeof kinds[0])
		max = sizeof kinds / sizeof kinds[0];
	tally_named(cfg, out, &n, max, kinds);
	for (size_t i = 0; i < s->n_clocks; i++) {
		if (s->clocks[i].kind == PROTO_CLOCK_NONE)
			continue;
		/* A kind no rulebook names shows only while clocks of it run. */
		if (s->clocks[i].n == 0 && rules_kind_name(cfg, s->clocks[i].kind) == NULL)
			continue;
		if ((t = tally_kind(cfg, s->clocks[i].kind, out, &n, max, kinds)) != NULL)
			t->n = s->clocks[i].n;
	}
	return n;
}

static int64_t
tally_market_state(const struct store_stats *s, int market, int state)
{
	for (size_t i = 0; i < s->n_markets; i++)
		if (s->markets[i].market == market && s->markets[i].state == state)
			return s->markets[i].n;
	return 0;
}

size_t
tally_markets(const struct config *cfg, const struct store_stats *s,
    struct tally_count *out, size_t max)
{
	size_t n = 0;

	for (size_t b = 0; b < cfg->n_books; b++)
		for (int st = 0; st < PROTO_N_STATES && n < max; st++)
			out[n++] = (struct tally_count){ .name = cfg->books[b]->name,
			    .state = st, .n = tally_market_state(s, cfg->books[b]->market, st) };
	return n;
}

int64_t
tally_market_total(const struct store_stats *s, const char *name, bool resolved)
{
	int market = rulebook_market_number(name);
	int64_t total = 0;

	for (int st = 0; st < PROTO_N_STATES; st++)
		if (resolved || st != PROTO_RESOLVED)
			total += tally_market_state(s, market, st);
	return total;
}

size_t
tally_forecast(const struct config *cfg, const struct store_forecast *f, const char *name,
    struct tally_count *out, size_t max)
{
	int kinds[STORE_FORECAST_MAX + 64];
	struct tally_count *t;
	size_t n = 0;

	if (max > sizeof kinds / sizeof kinds[0])
		max = sizeof kinds / sizeof kinds[0];
	tally_named(cfg, out, &n, max, kinds);
	for (size_t i = 0; i < f->n; i++)
		if ((name == NULL || strcmp(f->row[i].market, name) == 0) &&
		    (t = tally_kind(cfg, f->row[i].kind, out, &n, max, kinds)) != NULL)
			t->n += f->row[i].n;
	return n;
}

void
tally_outcomes(const struct config *cfg, const struct store_forecast *f, const char *name,
    int64_t to[PROTO_N_STATES])
{
	enum proto_state s;
	const char *attempt;

	memset(to, 0, sizeof(int64_t) * PROTO_N_STATES);
	for (size_t i = 0; i < f->n; i++) {
		if (name != NULL && strcmp(f->row[i].market, name) != 0)
			continue;
		/* As its rule was when it started; else by its rulebook as loaded now. */
		if (f->row[i].to >= 0 && f->row[i].to < PROTO_N_STATES)
			s = (enum proto_state)f->row[i].to;
		else
			clockrule_expiry_now(config_book(cfg, f->row[i].market),
			    f->row[i].kind, &s, &attempt);
		to[s] += f->row[i].n;
	}
}
