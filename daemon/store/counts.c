#include "counts.h"

#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

struct counts_entry {
	int16_t key;
	int16_t d;
};

struct counts {
	struct counts_entry *log;
	size_t n, cap;
	size_t *marks;		/* log lengths at each open savepoint */
	size_t n_marks, cap_marks;
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
	free(c->log);
	free(c->marks);
	free(c);
}

void
counts_add(struct counts *c, int key, int d)
{
	if (key < 0 || key >= COUNTS_KEYS || d == 0)
		return;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 1024;
		c->log = xrealloc(c->log, c->cap * sizeof *c->log);
	}
	c->log[c->n++] = (struct counts_entry){ .key = (int16_t)key, .d = (int16_t)d };
}

void
counts_mark(struct counts *c)
{
	if (c->n_marks == c->cap_marks) {
		c->cap_marks = c->cap_marks ? 2 * c->cap_marks : 8;
		c->marks = xrealloc(c->marks, c->cap_marks * sizeof *c->marks);
	}
	c->marks[c->n_marks++] = c->n;
}

void
counts_release(struct counts *c)
{
	if (c->n_marks > 0)
		c->n_marks--;
}

void
counts_undo(struct counts *c)
{
	if (c->n_marks > 0)
		c->n = c->marks[--c->n_marks];
}

void
counts_clear(struct counts *c)
{
	c->n = c->n_marks = 0;
}

int
counts_sum(const struct counts *c, int64_t sums[COUNTS_KEYS])
{
	int nonzero = 0;

	memset(sums, 0, COUNTS_KEYS * sizeof *sums);
	for (size_t i = 0; i < c->n; i++)
		sums[c->log[i].key] += c->log[i].d;
	for (int k = 0; k < COUNTS_KEYS; k++)
		nonzero += sums[k] != 0;
	return nonzero;
}
