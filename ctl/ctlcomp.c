/*
 * The completion helper. The shell scripts stay small and never parse JSON: they ask
 * this command for words and filter them by the prefix typed. The words the daemon
 * knows come from GET /v1/protocols/ID and GET /v1/marketplaces (whose items carry
 * each rulebook's actions and events), asked with a short timeout and no output on
 * failure, so a TAB without a daemon is quick and silent.
 */

#include "ctlcomp.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctlarg.h"
#include "ctlcmd.h"
#include "ctlout.h"
#include "ctlreq.h"
#include "xmalloc.h"

#define CTLCOMP_WAIT_MS 2000	/* a TAB that waits longer is worse than no words */

/* String member key of o, or "" (never NULL, for strcmp). */
static const char *
ctlcomp_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* GET target quietly: the answer, or NULL. */
static json_t *
ctlcomp_get(const struct ctl_opts *o, const char *target)
{
	json_t *v;
	char *cause;

	ctlreq_get_quiet(o, target, CTLCOMP_WAIT_MS, &v, &cause);
	free(cause);
	return v;
}

/* The protocol id, or NULL when id is not one (nothing to ask then). */
static json_t *
ctlcomp_protocol(const struct ctl_opts *o, const char *id)
{
	json_t *p;
	char *target;

	if (id == NULL || !ctlarg_id_ok(id))
		return NULL;
	target = xasprintf("/v1/protocols/%s", id);
	p = ctlcomp_get(o, target);
	free(target);
	return p;
}

/* Print a word unless words (a set, as a JSON object) has it already. */
static void
ctlcomp_word(json_t *words, const char *w)
{
	if (w == NULL || json_object_get(words, w) != NULL)
		return;
	json_object_set_new(words, w, json_true());
	printf("%s\n", w);
}

/* The name of each member of array key of o, once. */
static void
ctlcomp_names(json_t *words, const json_t *o, const char *key)
{
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(o, key), i, v)
		ctlcomp_word(words, json_string_value(json_object_get(v, "name")));
}

/* The rulebook called name among GET /v1/marketplaces's items, or NULL. */
static const json_t *
ctlcomp_book(const json_t *books, const char *name)
{
	const json_t *b;
	size_t i;

	json_array_foreach(json_object_get(books, "items"), i, b)
		if (name != NULL && strcmp(name, ctlcomp_str(b, "name")) == 0)
			return b;
	return NULL;
}

/* Whether event e moves a protocol in state. */
static int
ctlcomp_moves_from(const json_t *e, const char *state)
{
	const json_t *m;
	size_t i;

	json_array_foreach(json_object_get(e, "moves"), i, m)
		if (strcmp(ctlcomp_str(m, "from"), state) == 0)
			return 1;
	return 0;
}

/* key ("actions" or "events") of every rulebook. */
static void
ctlcomp_all(json_t *words, const json_t *books, const char *key)
{
	const json_t *b;
	size_t i;

	json_array_foreach(json_object_get(books, "items"), i, b)
		ctlcomp_names(words, b, key);
}

static void
ctlcomp_actions(const struct ctl_opts *o, json_t *words, const char *id)
{
	json_t *p = ctlcomp_protocol(o, id), *books;
	const json_t *v;
	size_t i;

	if (json_is_array(json_object_get(p, "allowed_actions"))) {
		json_array_foreach(json_object_get(p, "allowed_actions"), i, v)
			ctlcomp_word(words, json_string_value(v));
	} else if ((books = ctlcomp_get(o, "/v1/marketplaces")) != NULL) {
		ctlcomp_all(words, books, "actions");
		json_decref(books);
	}
	json_decref(p);
}

static void
ctlcomp_events(const struct ctl_opts *o, json_t *words, const char *id)
{
	json_t *p = ctlcomp_protocol(o, id), *books;
	const char *state = json_string_value(json_object_get(p, "state"));
	const json_t *book, *e;
	size_t i;

	if ((books = ctlcomp_get(o, "/v1/marketplaces")) == NULL) {
		json_decref(p);
		return;
	}
	book = ctlcomp_book(books, json_string_value(json_object_get(p, "marketplace")));
	if (book != NULL && state != NULL) {
		json_array_foreach(json_object_get(book, "events"), i, e)
			if (ctlcomp_moves_from(e, state))
				ctlcomp_word(words, json_string_value(json_object_get(e, "name")));
	} else
		ctlcomp_all(words, books, "events");
	json_decref(books);
	json_decref(p);
}

/* "KEY=" for each parameter of action in protocol id's rulebook. */
static void
ctlcomp_params(const struct ctl_opts *o, json_t *words, const char *id,
    const char *action)
{
	json_t *p = ctlcomp_protocol(o, id), *books = NULL;
	const json_t *a, *prm;
	size_t i, j;
	char *w;

	if (p != NULL && action != NULL)
		books = ctlcomp_get(o, "/v1/marketplaces");
	json_array_foreach(json_object_get(ctlcomp_book(books, json_string_value(
	    json_object_get(p, "marketplace"))), "actions"), i, a) {
		if (strcmp(ctlcomp_str(a, "name"), action) != 0)
			continue;
		json_array_foreach(json_object_get(a, "params"), j, prm) {
			w = xasprintf("%s=", ctlcomp_str(prm, "name"));
			ctlcomp_word(words, w[1] != '\0' ? w : NULL);
			free(w);
		}
	}
	json_decref(books);
	json_decref(p);
}

/* The global options, then each "--name" in cmd's usage. */
static void
ctlcomp_options(json_t *words, const char *name)
{
	static const struct option globals[] = { CTLARG_LONGOPTS };
	const struct ctlcmd *cmd = name != NULL ? ctlcmd_find(name) : NULL;
	const char *s, *end;
	char *w;
	size_t i;

	for (i = 0; globals[i].name != NULL; i++) {
		w = xasprintf("--%s", globals[i].name);
		ctlcomp_word(words, w);
		free(w);
	}
	if (name == NULL)
		ctlcomp_word(words, "--version");
	for (s = cmd != NULL ? strstr(cmd->args, "--") : NULL; s != NULL;
	    s = strstr(end, "--")) {
		for (end = s + 2; islower((unsigned char)*end) || *end == '-'; end++)
			;
		w = xstrndup(s, (size_t)(end - s));
		ctlcomp_word(words, end - s > 2 ? w : NULL);
		free(w);
	}
}

/* The words that need no daemon. */
static int
ctlcomp_local(json_t *words, const char *what, const char *arg)
{
	const struct ctlcmd *cmd;
	size_t i;

	if (strcmp(what, "commands") == 0) {
		for (i = 0; (cmd = ctlcmd_at(i)) != NULL; i++)
			if (strncmp(cmd->name, "__", 2) != 0)
				ctlcomp_word(words, cmd->name);
	} else if (strcmp(what, "options") == 0)
		ctlcomp_options(words, arg);
	else if (strcmp(what, "states") == 0) {
		for (i = 0; ctlout_states[i] != NULL; i++)
			ctlcomp_word(words, ctlout_states[i]);
	} else
		return 0;
	return 1;
}

int
ctlcomp_complete(struct ctl_opts *o, int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "", *a1 = argc > 2 ? argv[2] : NULL;
	json_t *words = json_object(), *books;

	if (ctlcomp_local(words, what, a1))
		;
	else if (strcmp(what, "marketplaces") == 0) {
		if ((books = ctlcomp_get(o, "/v1/marketplaces")) != NULL)
			ctlcomp_names(words, books, "items");
		json_decref(books);
	} else if (strcmp(what, "actions") == 0)
		ctlcomp_actions(o, words, a1);
	else if (strcmp(what, "events") == 0)
		ctlcomp_events(o, words, a1);
	else if (strcmp(what, "params") == 0)
		ctlcomp_params(o, words, a1, argc > 3 ? argv[3] : NULL);
	else {
		json_decref(words);
		return ctlarg_usage("__complete: unknown word list \"%s\"", what);
	}
	json_decref(words);
	return CTL_EXIT_OK;
}
