#include "webread.h"

#include <stddef.h>

#include "web_int.h"

void
webread_start(struct web *web, struct webread *r, webread_cancel_fn *cancel)
{
	r->web = web;
	r->cancel = cancel;
	r->prev = NULL;
	r->next = web->reads;
	if (web->reads != NULL)
		web->reads->prev = r;
	web->reads = r;
	web->n_reads++;
}

struct web *
webread_live(const struct webread *r)
{
	return r->web;
}

static void
webread_unlink(struct webread *r)
{
	struct web *web = r->web;

	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		web->reads = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
	web->n_reads--;
}

struct web *
webread_end(struct webread *r)
{
	struct web *web = r->web;

	if (web != NULL)
		webread_unlink(r);
	return web;
}

void
webread_cancel_all(struct web *web)
{
	struct webread *r;

	while ((r = web->reads) != NULL) {
		webread_unlink(r);
		r->web = NULL;
		if (r->cancel != NULL)
			r->cancel(r);
	}
}

int
webread_pending(const struct web *web)
{
	return web->n_reads;
}
