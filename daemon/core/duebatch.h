#ifndef DUEBATCH_H
#define DUEBATCH_H

#include <stdbool.h>

#include "proto.h"

/*
 * A batch of due clock points (engine_fire): the earliest rows read at once from the
 * store, merged with the points the batch itself makes due (a wait that ran out starts
 * a response clock that may be overdue too), so that every point is applied in due
 * order, across protocols, each once.
 */

struct duebatch;

/* An empty batch (never NULL); NULL is a no-op for duebatch_free. */
struct duebatch *duebatch_new(void);
void duebatch_free(struct duebatch *b);
/* Start a batch of at most max points: the buffer (max rows) the store reads into. */
struct protocol *duebatch_rows(struct duebatch *b, int max);
/* The store read n rows into it, in due order. */
void duebatch_fill(struct duebatch *b, int n);
/* The next protocol to step, the earliest of the rows left and the re-due ones (ties
 * by rid), or false when none is left. */
bool duebatch_next(struct duebatch *b, struct protocol *p);
/* p, just stepped, is due again in this batch (at most once for each point stepped,
 * and at most max points a batch). */
void duebatch_again(struct duebatch *b, const struct protocol *p);

#endif
