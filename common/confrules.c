#include "confrules.h"

#include <errno.h>
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conffile.h"
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

/* The directory glob could not read, and why (glob's error callback has no
 * argument of its own). */
static _Thread_local struct { int no; char path[256]; } confrules_glob_failed;

/* A directory of the glob that does not exist matches nothing; any other that
 * cannot be read stops it. */
static int
confrules_glob_error(const char *path, int no)
{
	if (no == ENOENT || no == ENOTDIR)
		return 0;
	confrules_glob_failed.no = no;
	snprintf(confrules_glob_failed.path, sizeof confrules_glob_failed.path, "%s", path);
	return 1;
}

/* A rulebook's marketplace name and its line, as read so far: of every file, also
 * those with errors, so that two files of one name are told at once with the rest. */
struct confrules_name {
	char name[RULEBOOK_NAME_MAX + 1];
	int line;
};

/* The name a rulebook that failed gives in its [marketplace] section, by a plain scan of
 * its lines (its errors are told already), into n; n->name "" when none is found. */
static void
confrules_peek(const char *path, struct confrules_name *n)
{
	char *text, *why = NULL, value[64];
	bool market = false;
	size_t len;

	n->name[0] = '\0';
	if ((text = conffile_read(path, RULEBOOK_MAX_BYTES, &len, &why)) == NULL) {
		free(why);
		return;
	}
	n->line = 0;
	for (char *l = text, *end; l != NULL; l = end ? end + 1 : NULL) {
		if ((end = strchr(l, '\n')) != NULL)
			*end = '\0';
		n->line++;
		l += strspn(l, " \t");
		if (*l == '[')
			market = strncmp(l, "[marketplace]", 13) == 0;
		else if (market && sscanf(l, "name = %63[a-z0-9-]", value) == 1 &&
		    rulebook_name_ok(value)) {
			snprintf(n->name, sizeof n->name, "%.32s", value);
			break;
		}
	}
	free(text);
}

/* No two files give one marketplace name (told on the later one). */
static void
confrules_names(char *const *paths, const struct confrules_name *names, size_t n,
    const struct rbread_errors *err)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i && names[i].name[0]; j++)
			if (strcmp(names[i].name, names[j].name) == 0) {
				rbread_error(err, paths[i], names[i].line, "[marketplace] name",
				    "%s is also the name in %s:%d (one rulebook per "
				    "marketplace)", names[i].name, paths[j], names[j].line);
				break;
			}
}

/* The files of the glob, each read (problems told). */
static void
confrules_files(struct config *cfg, const struct rbread_errors *err, int line)
{
	glob_t g;
	int rc = glob(cfg->rules_files, 0, confrules_glob_error, &g);

	if (rc == GLOB_NOMATCH || (rc == 0 && g.gl_pathc == 0)) {
		rbread_error(err, cfg->path, line, "[rules] files", "no file matches %s "
		    "(a glob of rulebooks, relative to this file's directory, e.g. "
		    "rules/*.ini)", cfg->rules_files);
	} else if (rc == GLOB_ABORTED) {
		rbread_error(err, cfg->path, line, "[rules] files", "cannot read %s: %s "
		    "(for %s)", confrules_glob_failed.path,
		    strerror(confrules_glob_failed.no), cfg->rules_files);
	} else if (rc != 0) {
		rbread_error(err, cfg->path, line, "[rules] files", "cannot read %s (out "
		    "of memory)", cfg->rules_files);
	} else if (g.gl_pathc > CONFRULES_MAX_BOOKS) {
		rbread_error(err, cfg->path, line, "[rules] files", "%s matches %zu files "
		    "(at most %d rulebooks)", cfg->rules_files, g.gl_pathc,
		    CONFRULES_MAX_BOOKS);
	} else {
		struct confrules_name names[CONFRULES_MAX_BOOKS];

		for (size_t i = 0; i < g.gl_pathc; i++) {
			struct rulebook *b = rbread_load(g.gl_pathv[i], &rulebook_states, err);

			if (b != NULL) {
				snprintf(names[i].name, sizeof names[i].name, "%s", b->name);
				names[i].line = b->line;
				confrules_add(cfg, b);
			} else
				confrules_peek(g.gl_pathv[i], &names[i]);
		}
		confrules_names(g.gl_pathv, names, g.gl_pathc, err);
	}
	globfree(&g);	/* glob set it up whatever it returned (no GLOB_APPEND) */
}

/* No two rulebooks share a marketplace's number or a clock's number. */
static void
confrules_unique(struct config *cfg, const struct rbread_errors *err)
{
	for (size_t i = 0; i < cfg->n_books; i++) {
		const struct rulebook *b = cfg->books[i];

		for (size_t j = 0; j < i; j++) {
			const struct rulebook *o = cfg->books[j];

			/* One name in two files was told by confrules_names. */
			if (strcmp(o->name, b->name) != 0 && o->market == b->market)
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
				char where[96];

				if (y == NULL || strcmp(y->clock, x->clock) == 0)
					continue;
				snprintf(where, sizeof where, "[action.%s] clock", x->name);
				rbread_error(err, cfg->books[i]->path, x->clock_line, where, "%s "
				    "gets the same number as %s of [action.%s] in %s:%d (rename "
				    "one)", x->clock, y->clock, y->name, cfg->books[j]->path,
				    y->clock_line);
			}
		}
}

/* The default rulebook: [rules] default (on line, 0 if not written), required when
 * there are several (told on files_line, where they came from). 0, or -1 when there
 * is none to check the main file's overrides against. */
/* The built-in rulebook (casas-bahia's) is always loaded, after those listed, unless
 * one of them has its name (then that file replaces it): protocols written before
 * [rules] was set, or without it, keep their rules (doc/rules.md, "The built-in
 * rulebook"). */
static void
confrules_builtin(struct config *cfg, const struct rbread_errors *err)
{
	struct rulebook *b = rbread_builtin(&rulebook_states, err);

	if (b == NULL)
		return;
	if (config_book(cfg, b->name) != NULL) {
		rulebook_free(b);
		return;
	}
	confrules_add(cfg, b);
}

/* Whether the last rulebook is the built-in one, added though files were listed. */
static bool
confrules_builtin_added(const struct config *cfg)
{
	return cfg->rules_files != NULL && cfg->n_books > 0 &&
	    strcmp(cfg->books[cfg->n_books - 1]->path, RULEBOOK_BUILTIN_PATH) == 0;
}

static int
confrules_default(struct config *cfg, const struct rbread_errors *err, int line,
    int files_line)
{
	const char *names[CONFRULES_MAX_BOOKS], *near;

	if (cfg->rules_default == NULL) {
		/* The only rulebook listed (the built-in one added after it, if it was). */
		if (cfg->n_books == 1 || (cfg->n_books == 2 && confrules_builtin_added(cfg)))
			return 0;
		/* Written with a bad name: told already, not "missing" too. */
		if (line == 0)
			rbread_error(err, cfg->path, files_line, "[rules] default", "missing "
			    "(%zu rulebooks are loaded: name the marketplace of a protocol "
			    "created without one)", cfg->n_books -
			    confrules_builtin_added(cfg));
		return -1;
	}
	for (size_t i = 0; i < cfg->n_books; i++) {
		names[i] = cfg->books[i]->name;
		if (strcmp(names[i], cfg->rules_default) == 0) {
			cfg->default_book = i;
			return 0;
		}
	}
	near = rulebook_suggest(cfg->rules_default, names, cfg->n_books);
	rbread_error(err, cfg->path, line, "[rules] default", "no rulebook has the name %s%s%s%s",
	    cfg->rules_default, near ? " (did you mean " : "", near ? near : "",
	    near ? "?)" : "");
	return -1;
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
	if (*err->n == before)
		confrules_builtin(cfg, err);
	if (*err->n != before || cfg->n_books == 0)
		return;
	confrules_unique(cfg, err);
	if (confrules_default(cfg, err, default_line, files_line) != 0 || *err->n != before)
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
