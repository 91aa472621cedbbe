#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "conffile.h"
#include "confkeys.h"
#include "confline.h"
#include "confrules.h"
#include "rulebook.h"
#include "xmalloc.h"

#define CONFIG_REASON_MAX 64
#define CONFIG_REASON_CHARS \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-"

struct config_ctx {
	struct config *cfg;
	const char *path;
	char *dir;		/* absolute directory of path */
	char *text;		/* the file's bytes (at most CONFIG_MAX_BYTES) */
	size_t len;
	FILE *fp;		/* over text */
	struct confline *lines;
	char *section;		/* as written; NULL before the first header */
	const struct confkeys_section *sec; /* NULL: none, or one already reported */
	int reason;		/* index in cfg->reasons, or -1 */
	int *seen;		/* the line each key of sec was set on, 0 if not */
	int seen_fixed[CONFKEYS_N_FIXED][CONFKEYS_MAX];
	int (*seen_reason)[CONFKEYS_MAX];
	char *errors;
	int n_errors;		/* those past CONFIG_MAX_ERRORS are only counted */
};

/* Errors */

static void config_error_line(struct config_ctx *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static void config_error_key(struct config_ctx *, const char *, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static void config_error_at(struct config_ctx *, int, const char *, const char *, ...)
    __attribute__((format(printf, 4, 5)));

/* Append "FILE[:LINE]: [WHERE: ]MESSAGE\n" to the errors. */
static void
config_verror(struct config_ctx *ctx, int line, const char *where, const char *fmt,
    va_list ap)
{
	char lbuf[32] = "", *msg, *all;
	va_list ap2;
	int n;

	if (ctx->n_errors++ >= CONFIG_MAX_ERRORS)
		return;
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	msg = xmalloc(n + 1);
	vsnprintf(msg, n + 1, fmt, ap);
	if (line > 0)
		snprintf(lbuf, sizeof(lbuf), ":%d", line);
	all = xasprintf("%s%s%s: %s%s%s\n", ctx->errors ? ctx->errors : "", ctx->path,
	    lbuf, where ? where : "", where ? ": " : "", msg);
	free(ctx->errors);
	free(msg);
	ctx->errors = all;
}

/* An error about a line as a whole (line 0: about the file). */
static void
config_error_line(struct config_ctx *ctx, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	config_verror(ctx, line, NULL, fmt, ap);
	va_end(ap);
}

/* An error about where ("[section] key") on line. */
static void
config_error_at(struct config_ctx *ctx, int line, const char *where, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	config_verror(ctx, line, where, fmt, ap);
	va_end(ap);
}

/* An error about key on the current line, in the current section. */
static void
config_error_key(struct config_ctx *ctx, const char *key, const char *fmt, ...)
{
	char *where;
	va_list ap;

	if (ctx->section != NULL)
		where = xasprintf("[%s] %s", ctx->section, key);
	else
		where = xstrdup(key);
	va_start(ap, fmt);
	config_verror(ctx, confline_lineno(ctx->lines), where, fmt, ap);
	va_end(ap);
	free(where);
}

/* Keys */

static void
config_unknown_key(struct config_ctx *ctx, const char *name)
{
	const struct confkeys_section *home = confkeys_home(name);
	char *known = xstrdup(""), *more;
	size_t i;

	if (home != NULL) {
		config_error_key(ctx, name, "unknown key here (it belongs in [%s])",
		    home->name);
		free(known);
		return;
	}
	for (i = 0; i < ctx->sec->n_keys; i++) {
		more = xasprintf("%s%s%s", known, i ? ", " : "", ctx->sec->keys[i].name);
		free(known);
		known = more;
	}
	config_error_key(ctx, name, "unknown key (known here: %s)", known);
	free(known);
}

/* Each line of why as an error about key. */
static void
config_error_why(struct config_ctx *ctx, const char *key, const char *why)
{
	const char *nl;

	while ((nl = strchr(why, '\n')) != NULL) {
		config_error_key(ctx, key, "%.*s", (int)(nl - why), why);
		why = nl + 1;
	}
	config_error_key(ctx, key, "%s", why);
}

static void
config_set(struct config_ctx *ctx, const struct confkeys_key *key, const char *value)
{
	struct confkeys_dest dest = { ctx->cfg, ctx->dir, ctx->reason,
	    confline_lineno(ctx->lines) };
	int i = (int)(key - ctx->sec->keys);
	char *why = NULL;

	if (ctx->seen[i] != 0) {
		config_error_key(ctx, key->name, "duplicate key (already set on line %d; "
		    "keep one)", ctx->seen[i]);
		return;
	}
	ctx->seen[i] = confline_lineno(ctx->lines);
	if (*value == '\0' && !key->empty_ok)
		why = xstrdup("empty value (give one, or remove the line for the default)");
	else if (confline_hash_comment(value, &why) == 0 &&
	    key->parse(&dest, key->arg, value, &why) == 0)
		return;
	config_error_why(ctx, key->name, why);
	free(why);
}

/* Sections */

static bool
config_reason_valid(const char *name)
{
	size_t len = strlen(name);

	return len >= 1 && len <= CONFIG_REASON_MAX &&
	    strspn(name, CONFIG_REASON_CHARS) == len;
}

/* The index of reason name, added when new (repeated sections merge); -1 when it is
 * new and there are CONFIG_MAX_REASONS already. */
static int
config_reason_get(struct config_ctx *ctx, const char *name)
{
	struct config *cfg = ctx->cfg;
	size_t i;

	for (i = 0; i < cfg->n_reasons; i++) {
		if (strcmp(cfg->reasons[i].name, name) == 0)
			return (int)i;
	}
	if (i >= CONFIG_MAX_REASONS)
		return -1;
	cfg->reasons = xrealloc(cfg->reasons, (i + 1) * sizeof(*cfg->reasons));
	ctx->seen_reason = xrealloc(ctx->seen_reason, (i + 1) * sizeof(*ctx->seen_reason));
	memset(&cfg->reasons[i], 0, sizeof(cfg->reasons[i]));
	memset(&ctx->seen_reason[i], 0, sizeof(ctx->seen_reason[i]));
	cfg->reasons[i].name = xstrdup(name);
	cfg->n_reasons++;
	return (int)i;
}

static void
config_enter_reason(struct config_ctx *ctx, const char *name)
{
	int line = confline_lineno(ctx->lines);

	if (!config_reason_valid(name)) {
		config_error_line(ctx, line, "[%s]: bad reason name (a reason is 1 to %d of "
		    "A-Z a-z 0-9 . _ : -, e.g. [reason.cancel_after_delivery])", ctx->section,
		    CONFIG_REASON_MAX);
		return;
	}
	/* A cap, as each reason costs every lookup of a deadline a comparison. */
	if ((ctx->reason = config_reason_get(ctx, name)) == -1) {
		config_error_line(ctx, line, "[%s]: too many reasons (at most %d [reason.X] "
		    "sections)", ctx->section, CONFIG_MAX_REASONS);
		return;
	}
	ctx->sec = confkeys_section(CONFKEYS_N_FIXED);
	ctx->seen = ctx->seen_reason[ctx->reason];
}

/* A "[name]" header: the keys that follow go to that section. */
static void
config_enter(struct config_ctx *ctx, const char *name)
{
	const char *prefix = confkeys_section(CONFKEYS_N_FIXED)->name;
	size_t i;

	free(ctx->section);
	ctx->section = xstrdup(name);
	ctx->sec = NULL;
	ctx->reason = -1;
	for (i = 0; i < CONFKEYS_N_FIXED; i++) {
		if (strcmp(ctx->section, confkeys_section(i)->name) == 0) {
			ctx->sec = confkeys_section(i);
			ctx->seen = ctx->seen_fixed[i];
			return;
		}
	}
	if (strncmp(ctx->section, prefix, strlen(prefix)) == 0)
		config_enter_reason(ctx, ctx->section + strlen(prefix));
	else
		config_error_line(ctx, confline_lineno(ctx->lines), "[%s]: unknown "
		    "section (known: [daemon], [deadlines], [calendar], [rules], [reason.NAME])",
		    ctx->section);
}

/* Lines: confline.h reads and classifies them, these act on them */

/* inih's reader: confline's, then a header's section becomes the current one. */
static char *
config_reader(char *buf, int size, void *arg)
{
	struct config_ctx *ctx = arg;
	const char *header;

	if (confline_read(ctx->lines, buf, size) == NULL)
		return NULL;
	if ((header = confline_header(ctx->lines)) == NULL)
		return buf;
	if (confline_kind(ctx->lines) == CONFLINE_SECTION) {
		config_enter(ctx, header);
		return buf;
	}
	if (confline_kind(ctx->lines) == CONFLINE_BAD) {
		free(ctx->section);
		ctx->section = xstrdup(header);
		ctx->reason = -1;
	}
	ctx->sec = NULL;	/* skip its keys: their section is unknown */
	return buf;
}

/* A line's errors as they are found, about the line as a whole. */
static void
config_line_error(void *arg, int line, const char *fmt, ...)
{
	struct config_ctx *ctx = arg;
	va_list ap;

	va_start(ap, fmt);
	config_verror(ctx, line, NULL, fmt, ap);
	va_end(ap);
}

/* inih calls this for an indented line with the previous key: a second value. */
static void
config_more(struct config_ctx *ctx, const char *value)
{
	config_error_key(ctx, confline_key(ctx->lines), "duplicate value from the "
	    "indented line \"%s\" (an indented line continues the previous value; remove "
	    "the indentation)", value);
}

/* A key before the first section header. */
static void
config_outside(struct config_ctx *ctx, const char *name)
{
	const struct confkeys_section *home = confkeys_home(name);

	if (home != NULL)
		config_error_key(ctx, name, "key outside any section (put it under [%s])",
		    home->name);
	else
		config_error_key(ctx, name, "key outside any section (start with a "
		    "[section] header: [daemon], [deadlines], [calendar], [rules], [reason.NAME])");
}

static int
config_handler(void *arg, const char *section, const char *name, const char *value)
{
	struct config_ctx *ctx = arg;
	enum confline_kind kind = confline_kind(ctx->lines);
	const struct confkeys_key *key;

	if (kind == CONFLINE_MORE)
		config_more(ctx, value);
	else if (kind != CONFLINE_KEY)
		return 1;
	else if (ctx->section == NULL)
		config_outside(ctx, name);
	else if (ctx->sec == NULL)
		return 1;	/* the section has been reported */
	else if ((key = confkeys_find(ctx->sec, name)) == NULL)
		config_unknown_key(ctx, name);
	else
		config_set(ctx, key, value);
	return 1;	/* keep going: every problem is reported */
}

/* Checks across keys (confkeys.h) */

/* A section whose deadlines are checked together: [deadlines] or a [reason.X]. */
struct config_scope {
	struct config_ctx *ctx;
	const int *seen;	/* the line each of its keys was on */
	char name[CONFIG_REASON_MAX + 16];	/* "[deadlines]", "[reason.X]" */
};

/* confkeys_check_warn's report: an error on dl's line in the section. */
static void
config_scope_error(void *arg, enum config_dl dl, const char *why)
{
	struct config_scope *sc = arg;
	const struct confkeys_section *sec = confkeys_section(CONFKEYS_N_FIXED);
	const struct confkeys_key *key = confkeys_find(sec, config_dl_name(dl));
	char where[sizeof sc->name + 32];

	snprintf(where, sizeof where, "%s %s", sc->name, key->name);
	config_error_at(sc->ctx, sc->seen[key - sec->keys], where, "%s", why);
}

static void
config_check_warnings(struct config_ctx *ctx)
{
	struct config *cfg = ctx->cfg;
	struct config_scope sc = { ctx, NULL, "" };
	size_t i;

	for (i = 0; i < CONFKEYS_N_FIXED; i++)
		if (confkeys_section(i)->keys == confkeys_section(CONFKEYS_N_FIXED)->keys)
			sc.seen = ctx->seen_fixed[i];	/* [deadlines], keys of [reason.] */
	config_src_text(CONFIG_SRC_DEADLINES, NULL, sc.name, sizeof sc.name);
	confkeys_check_warn(cfg, NULL, cfg->dl_set, config_scope_error, &sc);
	for (i = 0; i < cfg->n_reasons; i++) {
		sc.seen = ctx->seen_reason[i];
		config_src_text(CONFIG_SRC_REASON, cfg->reasons[i].name, sc.name,
		    sizeof sc.name);
		confkeys_check_warn(cfg, cfg->reasons[i].name, cfg->reasons[i].set,
		    config_scope_error, &sc);
	}
}

/* Loading */

static struct config *
config_new(const char *path)
{
	struct config *cfg = xcalloc(1, sizeof(*cfg));
	int i;

	cfg->path = xstrdup(path);
	cfg->database = xstrdup(CONFIG_DEFAULT_DATABASE);
	cfg->socket = xstrdup(CONFIG_DEFAULT_SOCKET);
	cfg->socket_mode = CONFIG_DEFAULT_SOCKET_MODE;
	cfg->timezone = xstrdup(CONFIG_DEFAULT_TIMEZONE);
	cfg->sync_full = true;
	cfg->log_transitions_info = true;
	cfg->max_connections = CONFIG_DEFAULT_MAX_CONNECTIONS;
	cfg->idle_timeout_ms = CONFIG_DEFAULT_IDLE_TIMEOUT_MS;
	cfg->read_map_mib = CONFIG_DEFAULT_READ_MAP_MIB;
	for (i = 0; i < CONFIG_DL_COUNT; i++)
		cfg->dl[i] = *confkeys_dl_default(i);
	cfg->holidays = CAL_BR_NATIONAL;
	return cfg;
}

/* The absolute directory of the file, for relative paths. */
static int
config_dir(struct config_ctx *ctx)
{
	char *copy = xstrdup(ctx->path), real[PATH_MAX];

	if (realpath(dirname(copy), real) == NULL) {
		config_error_line(ctx, 0, "cannot resolve its directory: %s",
		    strerror(errno));
		free(copy);
		return -1;
	}
	free(copy);
	ctx->dir = xstrdup(real);
	return 0;
}

static void
config_parse(struct config_ctx *ctx)
{
	int rc, err;

	if (config_dir(ctx) == -1)
		return;
	if ((ctx->fp = fmemopen(ctx->text, ctx->len, "r")) == NULL) {
		config_error_line(ctx, 0, "cannot read: %s", strerror(errno));
		return;
	}
	ctx->lines = confline_new(ctx->fp, config_line_error, ctx);
	rc = ini_parse_stream(config_reader, ctx, config_handler, ctx);
	if ((err = confline_errno(ctx->lines)) != 0)
		config_error_line(ctx, 0, "cannot read: %s", strerror(err));
	else if (rc != 0 && rc != confline_first_bad(ctx->lines))	/* a line confline missed */
		config_error_line(ctx, rc > 0 ? rc : 0, "inih cannot parse this (%d)", rc);
	else
		config_check_warnings(ctx);
}

/* Read and parse the file: what config_load does, its errors in ctx. */
static void
config_read(struct config_ctx *ctx)
{
	char *why = NULL;

	ctx->text = conffile_read(ctx->path, CONFIG_MAX_BYTES, &ctx->len, &why);
	if (ctx->text == NULL) {
		config_error_line(ctx, 0, "%s", why);
		free(why);
		return;
	}
	config_parse(ctx);
}

/* The rulebooks, once the main file is read: [rules] is section 3 (confkeys.c). */
static void
config_rules(struct config_ctx *ctx)
{
	struct rbread_errors err = { &ctx->errors, &ctx->n_errors, CONFIG_MAX_ERRORS };

	if (ctx->text == NULL)
		return;		/* no file: nothing more to tell */
	confrules_load(ctx->cfg, &err, ctx->seen_fixed[3][0], ctx->seen_fixed[3][1]);
}

/* The count of the errors not shown, as one more line. */
static void
config_error_more(struct config_ctx *ctx)
{
	int more = ctx->n_errors - CONFIG_MAX_ERRORS;
	char *all;

	if (more <= 0)
		return;
	all = xasprintf("%s%s: %d more error%s not shown (fix the ones above first)\n",
	    ctx->errors, ctx->path, more, more == 1 ? "" : "s");
	free(ctx->errors);
	ctx->errors = all;
}

struct config *
config_load(const char *path, char **errors)
{
	struct config_ctx ctx = { .path = path, .reason = -1 };

	*errors = NULL;
	ctx.cfg = config_new(path);
	config_read(&ctx);
	config_rules(&ctx);
	config_error_more(&ctx);
	if (ctx.fp != NULL)
		fclose(ctx.fp);
	free(ctx.text);
	free(ctx.dir);
	confline_free(ctx.lines);
	free(ctx.section);
	free(ctx.seen_reason);
	if (ctx.errors != NULL) {
		config_free(ctx.cfg);
		*errors = ctx.errors;
		return NULL;
	}
	return ctx.cfg;
}

void
config_free(struct config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->n_reasons; i++)
		free(cfg->reasons[i].name);
	free(cfg->reasons);
	confrules_free(cfg);
	free(cfg->rules_files);
	free(cfg->rules_default);
	free(cfg->extra_holidays);
	free(cfg->path);
	free(cfg->database);
	free(cfg->socket);
	free(cfg->http_listen);
	free(cfg->write_group);
	free(cfg->instance);
	free(cfg->timezone);
	free(cfg);
}

/* Lookups */

static uint64_t
config_fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

/* A deadline's value as it counts (ms and business days; not its text), and whether
 * it was set. */
static uint64_t
config_fnv_dl(uint64_t h, const struct duration *d, bool set)
{
	h = config_fnv(h, &d->ms, sizeof d->ms);
	h = config_fnv(h, &d->bdays, sizeof d->bdays);
	return config_fnv(h, &set, sizeof set);
}

void
config_fingerprint(const struct config *cfg, char out[17])
{
	uint64_t h = 0xcbf29ce484222325ULL;
	int kind = (int)cfg->holidays;

	for (int i = 0; i < CONFIG_DL_COUNT; i++)
		h = config_fnv_dl(h, &cfg->dl[i], cfg->dl_set[i]);
	h = config_fnv(h, &kind, sizeof kind);
	h = config_fnv(h, cfg->extra_holidays, cfg->n_extra_holidays *
	    sizeof cfg->extra_holidays[0]);
	h = config_fnv(h, cfg->timezone, strlen(cfg->timezone) + 1);
	for (size_t r = 0; r < cfg->n_reasons; r++) {
		h = config_fnv(h, cfg->reasons[r].name, strlen(cfg->reasons[r].name) + 1);
		for (int i = 0; i < CONFIG_DL_COUNT; i++)
			h = config_fnv_dl(h, &cfg->reasons[r].dl[i], cfg->reasons[r].set[i]);
	}
	h = config_fnv(h, &(uint64_t){ confrules_digest(cfg) }, sizeof(uint64_t));
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

const struct rulebook *
config_book(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_books; i++)
		if (strcmp(cfg->books[i]->name, name) == 0)
			return cfg->books[i];
	return NULL;
}

const struct rulebook *
config_default_book(const struct config *cfg)
{
	return cfg->books[cfg->default_book];
}

const char *
config_dl_name(enum config_dl dl)
{
	return confkeys_dl_name(dl);
}

const struct duration *
config_deadline(const struct config *cfg, const char *reason, enum config_dl dl,
    enum config_src *src)
{
	size_t i;

	for (i = 0; reason != NULL && i < cfg->n_reasons; i++) {
		if (strcmp(cfg->reasons[i].name, reason) == 0 && cfg->reasons[i].set[dl]) {
			if (src != NULL)
				*src = CONFIG_SRC_REASON;
			return &cfg->reasons[i].dl[dl];
		}
	}
	if (src != NULL)
		*src = cfg->dl_set[dl] ? CONFIG_SRC_DEADLINES : CONFIG_SRC_DEFAULT;
	return &cfg->dl[dl];
}

const char *
config_src_text(enum config_src src, const char *reason, char *buf, size_t len)
{
	switch (src) {
	case CONFIG_SRC_REASON:
		snprintf(buf, len, "[reason.%s]", reason ? reason : "?");
		break;
	case CONFIG_SRC_DEADLINES:
		snprintf(buf, len, "[deadlines]");
		break;
	default:
		snprintf(buf, len, "default");
		break;
	}
	return buf;
}
