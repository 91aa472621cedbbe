#include "confrules.h"

#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rulebook.h"
#include "xmalloc.h"

/* At most this many rulebooks (a glob that matches a whole directory by mistake). */
#define CONFRULES_MAX_BOOKS 64

static void
confrules_add(struct config *cfg, struct rulebook *b)
{
	cfg->books = xrealloc(cfg->books, (cfg->n_books + 1) * sizeof *cfg->books);
	cfg->books[cfg->n_books++] = b;
}

/* The files of the glob, each read; -1 when none matched (told). */
static void
confrules_files(struct config *cfg, const struct rbread_errors *err, int line)
{
	glob_t g;
	int rc = glob(cfg->rules_files, GLOB_ERR, NULL, &g);

	if (rc == GLOB_NOMATCH || (rc == 0 && g.gl_pathc == 0)) {
		rbread_error(err, cfg->path, line, "[rules] files", "no file matches %s "
		    "(a glob of rulebooks, relative to this file's directory, e.g. "
		    "rules/*.ini)", cfg->rules_files);
	} else if (rc != 0) {
		rbread_error(err, cfg->path, line, "[rules] files", "cannot read %s",
		    cfg->rules_files);
	} else if (g.gl_pathc > CONFRULES_MAX_BOOKS) {
		rbread_error(err, cfg->path, line, "[rules] files", "%s matches %zu files "
		    "(at most %d rulebooks)", cfg->rules_files, g.gl_pathc,
		    CONFRULES_MAX_BOOKS);
	} else {
		for (size_t i = 0; i < g.gl_pathc; i++) {
			struct rulebook *b = rbread_load(g.gl_pathv[i], &rulebook_states, err);

			if (b != NULL)
				confrules_add(cfg, b);
		}
	}
	if (rc == 0 || rc == GLOB_NOMATCH)
		globfree(&g);
}

/* No two rulebooks share a marketplace, a marketplace's number or a clock's number. */
static void
confrules_unique(struct config *cfg, const struct rbread_errors *err)
{
	for (size_t i = 0; i < cfg->n_books; i++) {
		const struct rulebook *b = cfg->books[i];

		for (size_t j = 0; j < i; j++) {
			const struct rulebook *o = cfg->books[j];

			if (strcmp(o->name, b->name) == 0)
				rbread_error(err, b->path, b->line, "[marketplace] name", "%s is "
				    "also the name in %s:%d (one rulebook per marketplace)",
				    b->name, o->path, o->line);
			else if (o->market == b->market)
				rbread_error(err, b->path, b->line, "[marketplace] name", "%s "
				    "gets the same number as %s of %s (rename one)", b->name,
				    o->name, o->path);
		}
	}
	for (size_t i = 0; i < cfg->n_books; i++)
		for (size_t a = 0; a < cfg->books[i]->n_actions; a++) {
			const struct rulebook_action *x = &cfg->books[i]->actions[a];

			for (size_t j = 0; j < i && x->has_wait; j++) {
				const struct rulebook_action *y =
				    rulebook_kind_action(cfg->books[j], x->kind);

				if (y != NULL && strcmp(y->clock, x->clock) != 0)
					rbread_error(err, cfg->books[i]->path, x->line, "[action] "
					    "clock", "%s of [action.%s] gets the same number as "
					    "%s in %s (rename one)", x->clock, x->name, y->clock,
					    cfg->books[j]->path);
			}
		}
}

static void
confrules_default(struct config *cfg, const struct rbread_errors *err, int line)
{
	const char *names[CONFRULES_MAX_BOOKS], *near;

	if (cfg->rules_default == NULL) {
		if (cfg->n_books > 1)
			rbread_error(err, cfg->path, line, "[rules] default", "missing (%zu "
			    "rulebooks are loaded: name the marketplace of a protocol created "
			    "without one)", cfg->n_books);
		return;
	}
	for (size_t i = 0; i < cfg->n_books; i++) {
		names[i] = cfg->books[i]->name;
		if (strcmp(names[i], cfg->rules_default) == 0) {
			cfg->default_book = i;
			return;
		}
	}
	near = rulebook_suggest(cfg->rules_default, names, cfg->n_books);
	rbread_error(err, cfg->path, line, "[rules] default", "no rulebook has the name %s%s%s%s",
	    cfg->rules_default, near ? " (did you mean " : "", near ? near : "",
	    near ? "?)" : "");
}

/* A wait the main file overrides (photos_wait = 72h) must be one of the default
 * rulebook's. */
static void
confrules_override(const struct config *cfg, const struct rbread_errors *err,
    enum config_dl dl, const char *section, int line)
{
	const struct rulebook *b = cfg->books[cfg->default_book];
	char waits[256] = "", where[128];

	for (size_t i = 0; i < b->n_actions; i++) {
		if (!b->actions[i].has_wait)
			continue;
		if (strcmp(b->actions[i].config_key, config_dl_name(dl)) == 0)
			return;
		snprintf(waits + strlen(waits), sizeof waits - strlen(waits), "%s%s",
		    waits[0] ? ", " : "", b->actions[i].config_key);
	}
	snprintf(where, sizeof where, "[%s] %s", section, config_dl_name(dl));
	rbread_error(err, cfg->path, line, where, "the default rulebook (%s) has no wait of "
	    "that name (its waits: %s)", b->name, waits[0] ? waits : "none");
}

static bool
confrules_is_wait(enum config_dl dl)
{
	return dl != CONFIG_DL_RESPONSE_NORMAL && dl != CONFIG_DL_RESPONSE_CRITICAL &&
	    dl != CONFIG_DL_WARN_BEFORE && dl != CONFIG_DL_REPLY_WINDOW;
}

static void
confrules_overrides(const struct config *cfg, const struct rbread_errors *err)
{
	char sec[96];

	for (int dl = 0; dl < CONFIG_DL_COUNT; dl++) {
		if (!confrules_is_wait(dl))
			continue;
		if (cfg->dl_set[dl])
			confrules_override(cfg, err, dl, "deadlines", cfg->dl_line[dl]);
		for (size_t r = 0; r < cfg->n_reasons; r++) {
			snprintf(sec, sizeof sec, "reason.%s", cfg->reasons[r].name);
			if (cfg->reasons[r].set[dl])
				confrules_override(cfg, err, dl, sec, cfg->reasons[r].line[dl]);
		}
	}
}

/* A rulebook that names a calendar or holidays of its own counts business days on
 * it; the others on the main file's [calendar]. */
static void
confrules_calendars(struct config *cfg)
{
	for (size_t i = 0; i < cfg->n_books; i++) {
		struct rulebook *b = cfg->books[i];

		if (!b->has_calendar && b->n_extra_holidays == 0)
			continue;
		b->cal = cal_new(b->has_calendar ? b->calendar : cfg->holidays,
		    b->n_extra_holidays ? b->extra_holidays : cfg->extra_holidays,
		    b->n_extra_holidays ? b->n_extra_holidays : cfg->n_extra_holidays);
	}
}

void
confrules_load(struct config *cfg, const struct rbread_errors *err, int files_line,
    int default_line)
{
	int before = *err->n;

	if (cfg->rules_files != NULL)
		confrules_files(cfg, err, files_line);
	else {
		struct rulebook *b = rbread_builtin(&rulebook_states, err);

		if (b != NULL)
			confrules_add(cfg, b);
	}
	if (*err->n != before || cfg->n_books == 0)
		return;
	confrules_unique(cfg, err);
	confrules_default(cfg, err, default_line);
	if (*err->n != before)
		return;
	confrules_overrides(cfg, err);
	confrules_calendars(cfg);
}

void
confrules_free(struct config *cfg)
{
	for (size_t i = 0; i < cfg->n_books; i++)
		rulebook_free(cfg->books[i]);
	free(cfg->books);
	cfg->books = NULL;
	cfg->n_books = 0;
}

uint64_t
confrules_digest(const struct config *cfg)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < cfg->n_books; i++)
		h = (h ^ cfg->books[i]->digest) * 0x100000001b3ULL;
	return (h ^ cfg->default_book) * 0x100000001b3ULL;
}
