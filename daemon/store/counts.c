#include "counts.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "xmalloc.h"

struct counts {
	int64_t sum[COUNTS_KEYS];
	bool dirty;		/* something was added since the last clear */
};

struct counts *
counts_new(void)
{
	return xcalloc(1, sizeof(struct counts));
}

void
counts_free(struct counts *c)
{
	free(c);
}

void
counts_add(struct counts *c, int key, int d)
{
	if (key < 0 || key >= COUNTS_KEYS || d == 0)
		return;
	c->sum[key] += d;
	c->dirty = true;
}

void
counts_clear(struct counts *c)
{
	/* Every commit clears: the common empty one costs no memset. */
	if (c->dirty)
		memset(c->sum, 0, sizeof c->sum);
	c->dirty = false;
}

int
counts_sum(const struct counts *c, int64_t sums[COUNTS_KEYS])
{
	int nonzero = 0;

	memcpy(sums, c->sum, sizeof c->sum);
	for (int k = 0; k < COUNTS_KEYS; k++)
		nonzero += sums[k] != 0;
	return nonzero;
}

void
counts_to_stats(struct store_stats *out, int k, int64_t n)
{
	if (k >= COUNTS_STATE && k < COUNTS_STATE + PROTO_N_STATES)
		out->by_state[k - COUNTS_STATE] = n;
	else if (k >= COUNTS_CLOCK && k < COUNTS_CLOCK + PROTO_N_CLOCKS)
		out->by_clock[k - COUNTS_CLOCK] = n;
	else if (k >= COUNTS_CAUSE && k < COUNTS_CAUSE + PROTO_N_CAUSES)
		out->by_cause[k - COUNTS_CAUSE] = n;
}
