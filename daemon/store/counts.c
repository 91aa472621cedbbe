#include "counts.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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
