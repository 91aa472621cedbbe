#include "order.h"

#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

struct order_node {
	char *id;
	void *item;
	struct order_node *next;
};

struct order {
	struct order_node *held;		/* ids held, each by its item */
	struct order_node *waiting, *tail;	/* items waiting, in the order they came */
	struct order_node *stale;		/* ids saved while a due read was owed */
};

struct order *
order_new(void)
{
	return xcalloc(1, sizeof(struct order));
}

static struct order_node *
order_node_new(const char *id, void *item)
{
	struct order_node *n = xcalloc(1, sizeof *n);

	n->id = xstrdup(id);
	n->item = item;
	return n;
}

static void
order_list_free(struct order_node *n, void (*drop)(void *))
{
	struct order_node *next;

	for (; n != NULL; n = next) {
		next = n->next;
		if (drop != NULL && n->item != NULL)
			drop(n->item);
		free(n->id);
		free(n);
	}
}

void
order_free(struct order *o, void (*drop)(void *))
{
	if (o == NULL)
		return;
	order_list_free(o->held, drop);
	order_list_free(o->waiting, drop);
	order_list_free(o->stale, NULL);
	free(o);
}

static bool
order_in(const struct order_node *n, const char *id)
{
	for (; n != NULL; n = n->next)
		if (strcmp(n->id, id) == 0)
			return true;
	return false;
}

bool
order_take(struct order *o, const char *id, void *item)
{
	struct order_node *n = order_node_new(id, item);

	if (!order_in(o->held, id)) {
		n->next = o->held;
		o->held = n;
		return true;
	}
	if (o->tail != NULL)
		o->tail->next = n;
	else
		o->waiting = n;
	o->tail = n;
	return false;
}

/* Unlink the first node of *l with id: it, or NULL. */
static struct order_node *
order_unlink(struct order_node **l, const char *id, struct order_node **tail)
{
	struct order_node *n, *prev = NULL;

	for (; (n = *l) != NULL; prev = n, l = &n->next) {
		if (strcmp(n->id, id) != 0)
			continue;
		*l = n->next;
		if (tail != NULL && *tail == n)
			*tail = prev;
		n->next = NULL;
		return n;
	}
	return NULL;
}

void *
order_done(struct order *o, const char *id, bool stale)
{
	struct order_node *n = order_unlink(&o->held, id, NULL);

	if (n == NULL)
		return NULL;
	if (stale) {
		n->item = NULL;
		n->next = o->stale;
		o->stale = n;
	} else {
		free(n->id);
		free(n);
	}
	if ((n = order_unlink(&o->waiting, id, &o->tail)) == NULL)
		return NULL;
	n->next = o->held;
	o->held = n;
	return n->item;
}

bool
order_skips(const struct order *o, const char *id)
{
	return order_in(o->held, id) || order_in(o->stale, id);
}

void
order_stale_clear(struct order *o)
{
	order_list_free(o->stale, NULL);
	o->stale = NULL;
}
