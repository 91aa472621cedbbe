#include "counts.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rulebook.h"
#include "store.h"
#include "xmalloc.h"

struct counts_key {
	int key;
	int64_t sum;
};

/* A transaction touches a few keys (a state or two, a clock or two, a cause): a
 * sorted array beats a map. */
struct counts {
	struct counts_key *k;
	size_t n, cap;
	size_t nonzero;
};

struct counts *
counts_new(void)
{
	return xcalloc(1, sizeof(struct counts));
}

void
counts_free(struct counts *c)
{
	if (c == NULL)
		return;
	free(c->k);
	free(c);
}

void
counts_add(struct counts *c, int key, int d)
{
	size_t i = 0;

	if (key < 0 || d == 0)
		return;
	while (i < c->n && c->k[i].key < key)
		i++;
	if (i == c->n || c->k[i].key != key) {
		if (c->n == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 16;
			c->k = xrealloc(c->k, c->cap * sizeof *c->k);
		}
		memmove(&c->k[i + 1], &c->k[i], (c->n - i) * sizeof *c->k);
		c->k[i] = (struct counts_key){ key, 0 };
		c->n++;
	}
	c->k[i].sum += d;
}

int
counts_clock_key(int kind)
{
	return kind < COUNTS_CAUSE - COUNTS_CLOCK ? COUNTS_CLOCK + kind :
	    COUNTS_CLOCK_HIGH + kind;
}

int
counts_market_key(const char *marketplace, int s)
{
	return COUNTS_MARKET + 8 * rulebook_market_number(marketplace) + s;
}

void
counts_protocol(struct counts *c, const struct protocol *p, int d)
{
	counts_add(c, COUNTS_STATE + (int)p->state, d);
	counts_add(c, counts_market_key(p->marketplace, (int)p->state), d);
	counts_add(c, counts_clock_key(p->clock), d);
}

void
counts_move(struct counts *c, struct protocol *p)
{
	if (p->stored_state != p->state) {
		int market = counts_market_key(p->marketplace, 0);

		counts_add(c, COUNTS_STATE + (int)p->stored_state, -1);
		counts_add(c, COUNTS_STATE + (int)p->state, 1);
		counts_add(c, market + (int)p->stored_state, -1);
		counts_add(c, market + (int)p->state, 1);
	}
	if (p->stored_clock != p->clock) {
		counts_add(c, counts_clock_key(p->stored_clock), -1);
		counts_add(c, counts_clock_key(p->clock), 1);
	}
	p->stored_state = p->state;
	p->stored_clock = p->clock;
}

void
counts_clear(struct counts *c)
{
	c->n = 0;
}

size_t
counts_n(const struct counts *c)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n; i++)
		n += c->k[i].sum != 0;
	return n;
}

void
counts_at(const struct counts *c, size_t i, int *key, int64_t *sum)
{
	for (size_t j = 0; j < c->n; j++) {
		if (c->k[j].sum == 0)
			continue;
		if (i-- == 0) {
			*key = c->k[j].key;
			*sum = c->k[j].sum;
			return;
		}
	}
}

void
counts_to_stats(struct store_stats *out, int k, int64_t n)
{
	if (k >= COUNTS_STATE && k < COUNTS_STATE + PROTO_N_STATES)
		out->by_state[k - COUNTS_STATE] = n;
	else if (k >= COUNTS_CAUSE && k < COUNTS_CAUSE + PROTO_N_CAUSES)
		out->by_cause[k - COUNTS_CAUSE] = n;
	else if (k >= COUNTS_MARKET && (k - COUNTS_MARKET) % 8 < PROTO_N_STATES) {
		if (out->n_markets < STORE_STATS_MAX)
			out->markets[out->n_markets++] = (struct store_market_count){
			    (k - COUNTS_MARKET) / 8, (k - COUNTS_MARKET) % 8, n };
	} else if ((k > COUNTS_CLOCK && k < COUNTS_CAUSE) ||
	    (k > COUNTS_CLOCK_HIGH && k < COUNTS_MARKET)) {
		if (out->n_clocks < STORE_STATS_MAX)
			out->clocks[out->n_clocks++] = (struct store_kind_count){
			    k < COUNTS_CAUSE ? k - COUNTS_CLOCK : k - COUNTS_CLOCK_HIGH, n };
	}
}
