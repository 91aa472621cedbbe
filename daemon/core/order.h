#ifndef ORDER_H
#define ORDER_H

#include <stdbool.h>

/*
 * The order of the changes of one protocol, for a store that answers its loads later
 * (a client-server backend): a change holds its protocol's id from its load to its
 * save, and another change of the same id waits for it, so that each loads what the
 * one before it saved. With a store that answers before it returns, no change ever
 * waits.
 *
 * The scheduler's due read has the same need the other way round: a protocol that a
 * change holds, or that one saved while the read was owed (its answer has the
 * protocol as it was before), is left out of that batch (order_skips).
 */

struct order;

/* Nothing held (never NULL). */
struct order *order_new(void);
/* Free, calling drop on each item held or waiting; NULL is a no-op. */
void order_free(struct order *o, void (*drop)(void *item));
/* Hold id for item: true, or false when another item holds it (item then waits, and
 * order_done hands it id in its turn). */
bool order_take(struct order *o, const char *id, void *item);
/* The item holding id is done with it (stale: a due read was owed meanwhile, so id is
 * skipped until order_stale_clear). The next item waiting for id, which now holds
 * it, or NULL. */
void *order_done(struct order *o, const char *id, bool stale);
/* Whether a batch must leave id alone: held, or saved while its due read was owed. */
bool order_skips(const struct order *o, const char *id);
/* The due read was answered: forget the ids saved while it was owed. */
void order_stale_clear(struct order *o);

#endif
