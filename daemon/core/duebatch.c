#include "duebatch.h"

#include <stdlib.h>

#include "xmalloc.h"

struct duebatch {
	struct protocol *rows;	/* read from the store, in due order */
	int n_rows, next_row;
	struct protocol *again;	/* a min-heap by (clock_next, rid) of re-due protocols */
	int n_again;
	int cap;
};

struct duebatch *
duebatch_new(void)
{
	return xcalloc(1, sizeof(struct duebatch));
}

void
duebatch_free(struct duebatch *b)
{
	if (b == NULL)
		return;
	free(b->rows);
	free(b->again);
	free(b);
}

struct protocol *
duebatch_rows(struct duebatch *b, int max)
{
	if (b->cap < max) {
		b->cap = max;
		b->rows = xrealloc(b->rows, (size_t)b->cap * sizeof *b->rows);
		b->again = xrealloc(b->again, (size_t)b->cap * sizeof *b->again);
	}
	b->n_rows = b->next_row = b->n_again = 0;
	return b->rows;
}

void
duebatch_fill(struct duebatch *b, int n)
{
	b->n_rows = n;
	b->next_row = 0;
}

static bool
duebatch_before(const struct protocol *a, const struct protocol *b)
{
	return a->clock_next < b->clock_next ||
	    (a->clock_next == b->clock_next && a->rid < b->rid);
}

static void
duebatch_swap(struct protocol *a, struct protocol *b)
{
	struct protocol t = *a;

	*a = *b;
	*b = t;
}

void
duebatch_again(struct duebatch *b, const struct protocol *p)
{
	int i = b->n_again++;

	b->again[i] = *p;
	while (i > 0 && duebatch_before(&b->again[i], &b->again[(i - 1) / 2])) {
		duebatch_swap(&b->again[i], &b->again[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
}

static void
duebatch_pop(struct duebatch *b, struct protocol *out)
{
	int i = 0;

	*out = b->again[0];
	b->again[0] = b->again[--b->n_again];
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;

		if (l < b->n_again && duebatch_before(&b->again[l], &b->again[m]))
			m = l;
		if (r < b->n_again && duebatch_before(&b->again[r], &b->again[m]))
			m = r;
		if (m == i)
			break;
		duebatch_swap(&b->again[i], &b->again[m]);
		i = m;
	}
}

bool
duebatch_next(struct duebatch *b, struct protocol *p)
{
	bool have_row = b->next_row < b->n_rows;

	if (b->n_again > 0 && (!have_row || duebatch_before(&b->again[0],
	    &b->rows[b->next_row]))) {
		duebatch_pop(b, p);
		return true;
	}
	if (!have_row)
		return false;
	*p = b->rows[b->next_row++];
	return true;
}
