#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "confline.h"
#include "confval.h"
#include "xmalloc.h"

#define CONFIG_REASON_MAX 64
#define CONFIG_KEYS_MAX CONFIG_DL_COUNT	/* the most keys a section has */
#define CONFIG_REASON_CHARS \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-"
#define nitems(a) (sizeof(a) / sizeof((a)[0]))

#define S 1000LL
#define H (3600 * S)
#define D (24 * H)

struct config_ctx;

/* A parser stores value, or returns -1 with *why ("what is wrong (what would be
 * right)", one problem a line). */
typedef int config_parse_fn(struct config_ctx *, int, const char *, char **);

struct config_key {
	const char *name;
	config_parse_fn *parse;
	int arg;
	bool empty_ok;
};

struct config_section {
	const char *name;	/* a trailing '.' makes it a prefix: [reason.X] */
	const struct config_key *keys;
	size_t n_keys;
};

struct config_ctx {
	struct config *cfg;
	const char *path;
	char *dir;		/* absolute directory of path */
	FILE *fp;
	struct confline *lines;
	char *section;		/* as written; NULL before the first header */
	const struct config_section *sec; /* NULL: none, or one already reported */
	int reason;		/* index in cfg->reasons, or -1 */
	int *seen;		/* the line each key of sec was set on, 0 if not */
	int seen_fixed[3][CONFIG_KEYS_MAX];
	int (*seen_reason)[CONFIG_KEYS_MAX];
	char *errors;
};

static const struct {
	const char *name;
	struct duration def;
	bool zero_ok;		/* may be 0, must not be business days */
} config_dls[CONFIG_DL_COUNT] = {
	[CONFIG_DL_RESPONSE_NORMAL] = { "response_normal", { 48 * H, 0, "48h" }, false },
	[CONFIG_DL_RESPONSE_CRITICAL] = { "response_critical", { 24 * H, 0, "24h" }, false },
	[CONFIG_DL_WARN_BEFORE] = { "warn_before", { 4 * H, 0, "4h" }, true },
	[CONFIG_DL_PHOTOS_WAIT] = { "photos_wait", { 48 * H, 0, "48h" }, false },
	[CONFIG_DL_ADDRESS_WAIT] = { "address_wait", { 48 * H, 0, "48h" }, false },
	[CONFIG_DL_POSTING_WAIT] = { "posting_wait", { 15 * D, 0, "15d" }, false },
	[CONFIG_DL_PICKUP_GRACE] = { "pickup_grace", { 1 * D, 0, "1d" }, true },
	[CONFIG_DL_LETTER_WAIT] = { "letter_wait", { 0, 6, "6bd" }, false },
	[CONFIG_DL_REPLY_WINDOW] = { "reply_window", { 60 * D, 0, "60d" }, false },
};

static config_parse_fn config_parse_database, config_parse_socket, config_parse_mode,
    config_parse_group, config_parse_timezone, config_parse_sync, config_parse_deadline,
    config_parse_holidays, config_parse_extra, config_parse_log, config_parse_maxconn,
    config_parse_idle;

static const struct config_key config_daemon_keys[] = {
	{ "database", config_parse_database, 0, false },
	{ "socket", config_parse_socket, 0, false },
	{ "socket_mode", config_parse_mode, 0, false },
	{ "write_group", config_parse_group, 0, false },
	{ "timezone", config_parse_timezone, 0, false },
	{ "synchronous", config_parse_sync, 0, false },
	{ "log_transitions", config_parse_log, 0, false },
	{ "max_connections", config_parse_maxconn, 0, false },
	{ "idle_timeout", config_parse_idle, 0, false },
};

static const struct config_key config_deadline_keys[] = {
	{ "response_normal", config_parse_deadline, CONFIG_DL_RESPONSE_NORMAL, false },
	{ "response_critical", config_parse_deadline, CONFIG_DL_RESPONSE_CRITICAL, false },
	{ "warn_before", config_parse_deadline, CONFIG_DL_WARN_BEFORE, false },
	{ "photos_wait", config_parse_deadline, CONFIG_DL_PHOTOS_WAIT, false },
	{ "address_wait", config_parse_deadline, CONFIG_DL_ADDRESS_WAIT, false },
	{ "posting_wait", config_parse_deadline, CONFIG_DL_POSTING_WAIT, false },
	{ "pickup_grace", config_parse_deadline, CONFIG_DL_PICKUP_GRACE, false },
	{ "letter_wait", config_parse_deadline, CONFIG_DL_LETTER_WAIT, false },
	{ "reply_window", config_parse_deadline, CONFIG_DL_REPLY_WINDOW, false },
};

static const struct config_key config_calendar_keys[] = {
	{ "holidays", config_parse_holidays, 0, false },
	{ "extra_holidays", config_parse_extra, 0, true },
};

/* The fixed sections first (their index is their row of seen_fixed), the prefix last. */
static const struct config_section config_sections[] = {
	{ "daemon", config_daemon_keys, nitems(config_daemon_keys) },
	{ "deadlines", config_deadline_keys, nitems(config_deadline_keys) },
	{ "calendar", config_calendar_keys, nitems(config_calendar_keys) },
	{ "reason.", config_deadline_keys, nitems(config_deadline_keys) },
};
#define CONFIG_SECTION_REASON (&config_sections[nitems(config_sections) - 1])

_Static_assert(nitems(config_daemon_keys) <= CONFIG_KEYS_MAX, "seen is too small");
_Static_assert(nitems(config_calendar_keys) <= CONFIG_KEYS_MAX, "seen is too small");

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

/* Values: confval.h parses, these store */

static int
config_parse_database(struct config_ctx *ctx, int arg, const char *value, char **why)
{
	char *path;

	if (confval_path(ctx->dir, value, &path, why) == -1)
		return -1;
	free(ctx->cfg->database);
	ctx->cfg->database = path;
	return 0;
}

static int
config_parse_socket(struct config_ctx *ctx, int arg, const char *value, char **why)
{
	char *path;

	if (confval_socket(ctx->dir, value, &path, why) == -1)
		return -1;
	free(ctx->cfg->socket);
	ctx->cfg->socket = path;
	return 0;
}

static int
config_parse_mode(struct config_ctx *ctx, int arg, const char *value, char **why)
{
	return confval_mode(value, &ctx->cfg->socket_mode, why);
}

static int
config_parse_group(struct config_ctx *ctx, int arg, const char *value, char **why)
{
	return confval_group(value, &ctx->cfg->write_group, why);
}

static int
config_parse_timezone(struct config_ctx *ctx, int arg, const char *value, char **why)
{
	char *tz;

	if (confval_timezone(value, &tz, why) == -1)
		return -1;
	free(ctx->cfg->timezone);
	ctx->cfg->timezone = tz;
	return 0;
}

static int
config_parse_sync(struct config_ctx *ctx, int arg, const char *value, char **why)
{
	return confval_synchronous(value, &ctx->cfg->sync_full, why);
}

static int
config_parse_log(struct config_ctx *ctx, int arg, const char *value, char **why)
{
	return confval_log_level(value, &ctx->cfg->log_transitions_info, why);
}

static int
config_parse_maxconn(struct config_ctx *ctx, int arg, const char *value, char **why)
{
	long n;

	if (confval_count(value, 1, 65536, &n, why) == -1)
		return -1;
	ctx->cfg->max_connections = (unsigned)n;
	return 0;
}

static int
config_parse_idle(struct config_ctx *ctx, int arg, const char *value, char **why)
{
	return confval_timeout(value, &ctx->cfg->idle_timeout_ms, why);
}

/* Into [deadlines], or the current [reason.X]. */
static int
config_parse_deadline(struct config_ctx *ctx, int dl, const char *value, char **why)
{
	struct duration *slot = ctx->cfg->dl;
	bool *set = ctx->cfg->dl_set;

	if (ctx->reason != -1) {
		slot = ctx->cfg->reasons[ctx->reason].dl;
		set = ctx->cfg->reasons[ctx->reason].set;
	}
	if (confval_deadline(value, config_dls[dl].zero_ok, &config_dls[dl].def,
	    &slot[dl], why) == -1)
		return -1;
	set[dl] = true;
	return 0;
}

static int
config_parse_holidays(struct config_ctx *ctx, int arg, const char *value, char **why)
{
	return confval_holidays(value, &ctx->cfg->holidays, why);
}

static int
config_parse_extra(struct config_ctx *ctx, int arg, const char *value, char **why)
{
	struct config *cfg = ctx->cfg;

	return confval_extra_holidays(value, &cfg->extra_holidays, &cfg->n_extra_holidays,
	    why);
}

/* Keys */

static const struct config_key *
config_key_find(const struct config_section *sec, const char *name)
{
	size_t i;

	for (i = 0; i < sec->n_keys; i++) {
		if (strcmp(sec->keys[i].name, name) == 0)
			return &sec->keys[i];
	}
	return NULL;
}

/* The first section that has key name, or NULL. */
static const struct config_section *
config_key_home(const char *name)
{
	size_t i;

	for (i = 0; i < nitems(config_sections); i++) {
		if (config_key_find(&config_sections[i], name) != NULL)
			return &config_sections[i];
	}
	return NULL;
}

static void
config_unknown_key(struct config_ctx *ctx, const char *name)
{
	const struct config_section *home = config_key_home(name);
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
config_set(struct config_ctx *ctx, const struct config_key *key, const char *value)
{
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
	    key->parse(ctx, key->arg, value, &why) == 0)
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
	ctx->sec = CONFIG_SECTION_REASON;
	ctx->reason = config_reason_get(ctx, name);
	ctx->seen = ctx->seen_reason[ctx->reason];
}

/* A "[name]" header: the keys that follow go to that section. */
static void
config_enter(struct config_ctx *ctx, const char *name)
{
	const char *prefix = CONFIG_SECTION_REASON->name;
	size_t i;

	free(ctx->section);
	ctx->section = xstrdup(name);
	ctx->sec = NULL;
	ctx->reason = -1;
	for (i = 0; i < nitems(config_sections) - 1; i++) {
		if (strcmp(ctx->section, config_sections[i].name) == 0) {
			ctx->sec = &config_sections[i];
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
	const struct config_section *home = config_key_home(name);

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
	const struct config_key *key;

	if (kind == CONFLINE_MORE)
		config_more(ctx, value);
	else if (kind != CONFLINE_KEY)
		return 1;
	else if (ctx->section == NULL)
		config_outside(ctx, name);
	else if (ctx->sec == NULL)
		return 1;	/* the section has been reported */
	else if ((key = config_key_find(ctx->sec, name)) == NULL)
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
	for (i = 0; i < CONFIG_DL_COUNT; i++)
		cfg->dl[i] = config_dls[i].def;
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
	if ((unsigned)dl >= CONFIG_DL_COUNT)
		return "?";
	return config_dls[dl].name;
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
