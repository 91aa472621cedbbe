#include "reload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "proto.h"
#include "rulebook.h"
#include "tally.h"
#include "xmalloc.h"

/* A reload waiting for the store's counts. */
struct reload {
	struct reload_deps deps;
	struct config *cfg;		/* checked, not yet running */
	reload_done_fn *done;
	void *arg;
};

/* Whether cfg loads no rulebook of a marketplace the running configuration has. */
static bool
reload_drops(const struct config *old, const struct config *cfg)
{
	for (size_t i = 0; i < old->n_books; i++)
		if (config_book(cfg, old->books[i]->name) == NULL)
			return true;
	return false;
}

static void
reload_finish(struct reload *r, char *errors)
{
	const struct config *cfg;

	if (errors != NULL)
		runconf_refuse(r->deps.conf, r->cfg, errors);
	else if (runconf_commit(r->deps.conf, r->cfg, &errors) == 0) {
		cfg = runconf_get(r->deps.conf);
		r->deps.apply(r->deps.arg, cfg, runconf_cal(r->deps.conf));
	}
	r->done(r->arg, errors != NULL ? -1 : 0, errors);
	free(errors);
	free(r);
}

/* Whether a resolved protocol of b may still move (an event of b leads out of
 * resolved): then it uses its rulebook too. */
static bool
reload_resolved_moves(const struct rulebook *b)
{
	for (size_t i = 0; i < b->n_events; i++)
		for (size_t k = 0; k < b->events[i].n_moves; k++)
			if (b->events[i].moves[k].from == PROTO_RESOLVED)
				return true;
	return false;
}

/* The errors for each dropped marketplace that protocols use, or NULL. A resolved
 * protocol uses its rulebook no more (no clock, no action; unless an event leads out
 * of resolved). */
static char *
reload_in_use(const struct config *old, const struct config *cfg,
    const struct store_stats *s)
{
	char *errors = NULL, *more;
	int64_t n;

	for (size_t i = 0; i < old->n_books; i++) {
		const char *name = old->books[i]->name;

		if (config_book(cfg, name) != NULL || (n = tally_market_total(s, name,
		    reload_resolved_moves(old->books[i]))) == 0)
			continue;
		more = xasprintf("%s%s: [rules]: no rulebook of marketplace %s is loaded any "
		    "more, but %lld protocol%s not resolved use%s it (its rulebook was %s; "
		    "keep it loaded until they are resolved)\n", errors ? errors : "",
		    cfg->path, name, (long long)n, n == 1 ? "" : "s", n == 1 ? "s" : "",
		    old->books[i]->path);
		free(errors);
		errors = more;
	}
	return errors;
}

static void
reload_counted(void *arg, int rc, const struct store_stats *s)
{
	struct reload *r = arg;

	if (rc != 0) {
		reload_finish(r, xasprintf("%s: the reload drops a marketplace, and the "
		    "database cannot say whether protocols use it: %s\n", r->cfg->path,
		    store_error(r->deps.st)));
		return;
	}
	reload_finish(r, reload_in_use(runconf_get(r->deps.conf), r->cfg, s));
}

void
reload_start(const struct reload_deps *deps, reload_done_fn *done, void *arg)
{
	struct reload *r = xcalloc(1, sizeof *r);
	char *errors = NULL;

	r->deps = *deps;
	r->done = done;
	r->arg = arg;
	if ((r->cfg = runconf_check(deps->conf, &errors)) == NULL) {
		done(arg, -1, errors);
		free(errors);
		free(r);
		return;
	}
	if (!reload_drops(runconf_get(deps->conf), r->cfg))
		reload_finish(r, NULL);
	else
		store_stats(deps->st, reload_counted, r);
}

/* The marketplaces the store counts protocols of that no rulebook loaded has. */
static void
reload_started(void *arg, int rc, const struct store_stats *s)
{
	const struct config *cfg;
	int64_t n[STORE_STATS_MAX] = { 0 };
	int market[STORE_STATS_MAX];
	size_t k = 0, j;

	if (rc != 0)
		return;		/* the store is gone (a stop): nothing to tell */
	cfg = runconf_get(arg);
	for (size_t i = 0; i < s->n_markets; i++) {
		bool loaded = false;

		for (size_t b = 0; b < cfg->n_books; b++)
			loaded |= cfg->books[b]->market == s->markets[i].market;
		for (j = 0; j < k && market[j] != s->markets[i].market; j++)
			;
		if (loaded || s->markets[i].n == 0)
			continue;
		if (j == k)
			market[k++] = s->markets[i].market;
		n[j] += s->markets[i].n;
	}
	for (j = 0; j < k; j++)
		log_warnx("%lld protocol%s to a marketplace whose rulebook is not "
		    "loaded (its number %d, doc/rules.md): their clocks run by the rules "
		    "they started under; their actions and events are refused until its "
		    "rulebook is loaded again", (long long)n[j], n[j] == 1 ? " belongs" : "s belong",
		    market[j]);
}

void
reload_check_start(struct runconf *conf, struct store *st)
{
	store_stats(st, reload_started, conf);
}
