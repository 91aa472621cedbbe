#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "confkeys.h"
#include "confline.h"
#include "xmalloc.h"

#define CONFIG_REASON_MAX 64
#define CONFIG_REASON_CHARS \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-"

struct config_ctx {
	struct config *cfg;
	const char *path;
	char *dir;		/* absolute directory of path */
	FILE *fp;
	struct confline *lines;
	char *section;		/* as written; NULL before the first header */
	const struct confkeys_section *sec; /* NULL: none, or one already reported */
	int reason;		/* index in cfg->reasons, or -1 */
	int *seen;		/* the line each key of sec was set on, 0 if not */
	int seen_fixed[CONFKEYS_N_FIXED][CONFKEYS_MAX];
	int (*seen_reason)[CONFKEYS_MAX];
	char *errors;
};

/* Errors */

static void config_error_line(struct config_ctx *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static void config_error_key(struct config_ctx *, const char *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* Append "FILE[:LINE]: [WHERE: ]MESSAGE\n" to the errors. */
static void
config_verror(struct config_ctx *ctx, int line, const char *where, const char *fmt,
    va_list ap)
{
	char lbuf[32] = "", *msg, *all;
	va_list ap2;
	int n;

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
	struct confkeys_dest dest = { ctx->cfg, ctx->dir, ctx->reason };
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

/* The index of reason name, added when new (repeated sections merge). */
static int
config_reason_get(struct config_ctx *ctx, const char *name)
{
	struct config *cfg = ctx->cfg;
	size_t i;

	for (i = 0; i < cfg->n_reasons; i++) {
		if (strcmp(cfg->reasons[i].name, name) == 0)
			return (int)i;
	}
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
	if (!config_reason_valid(name)) {
		config_error_line(ctx, confline_lineno(ctx->lines), "[%s]: bad reason "
		    "name (a reason is 1 to %d of A-Z a-z 0-9 . _ : -, e.g. "
		    "[reason.cancel_after_delivery])", ctx->section, CONFIG_REASON_MAX);
		return;
	}
	ctx->sec = confkeys_section(CONFKEYS_N_FIXED);
	ctx->reason = config_reason_get(ctx, name);
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
		    "section (known: [daemon], [deadlines], [calendar], [reason.NAME])",
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
		    "[section] header: [daemon], [deadlines], [calendar], [reason.NAME])");
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
	ctx->lines = confline_new(ctx->fp, config_line_error, ctx);
	rc = ini_parse_stream(config_reader, ctx, config_handler, ctx);
	if ((err = confline_errno(ctx->lines)) != 0)
		config_error_line(ctx, 0, "cannot read: %s", strerror(err));
	else if (rc != 0 && rc != confline_first_bad(ctx->lines))	/* a line confline missed */
		config_error_line(ctx, rc > 0 ? rc : 0, "inih cannot parse this (%d)", rc);
}

struct config *
config_load(const char *path, char **errors)
{
	struct config_ctx ctx = { .path = path, .reason = -1 };

	*errors = NULL;
	ctx.cfg = config_new(path);
	if ((ctx.fp = fopen(path, "re")) == NULL)
		config_error_line(&ctx, 0, "cannot open: %s", strerror(errno));
	else {
		config_parse(&ctx);
		fclose(ctx.fp);
	}
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
	free(cfg->extra_holidays);
	free(cfg->path);
	free(cfg->database);
	free(cfg->socket);
	free(cfg->write_group);
	free(cfg->timezone);
	free(cfg);
}

/* Lookups */

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
