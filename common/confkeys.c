#include "confkeys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confval.h"
#include "xmalloc.h"

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

#define S 1000LL
#define H (3600 * S)
#define D (24 * H)

static const struct {
	const char *name;
	struct duration def;
	bool zero_ok;		/* may be 0, must not be business days */
} confkeys_dls[CONFIG_DL_COUNT] = {
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

static confkeys_parse_fn confkeys_database, confkeys_socket, confkeys_mode, confkeys_group,
    confkeys_timezone, confkeys_sync, confkeys_deadline, confkeys_holidays, confkeys_extra,
    confkeys_log, confkeys_maxconn, confkeys_idle, confkeys_readmap, confkeys_instance,
    confkeys_rules_files, confkeys_rules_default, confkeys_http_listen;

static const struct confkeys_key confkeys_daemon[] = {
	{ "database", confkeys_database, 0, false },
	{ "socket", confkeys_socket, 0, false },
	{ "socket_mode", confkeys_mode, 0, false },
	{ "http_listen", confkeys_http_listen, 0, false },
	{ "write_group", confkeys_group, 0, false },
	{ "timezone", confkeys_timezone, 0, false },
	{ "synchronous", confkeys_sync, 0, false },
	{ "log_transitions", confkeys_log, 0, false },
	{ "max_connections", confkeys_maxconn, 0, false },
	{ "idle_timeout", confkeys_idle, 0, false },
	{ "read_map", confkeys_readmap, 0, false },
	{ "instance", confkeys_instance, 0, false },
};

static const struct confkeys_key confkeys_deadlines[] = {
	{ "response_normal", confkeys_deadline, CONFIG_DL_RESPONSE_NORMAL, false },
	{ "response_critical", confkeys_deadline, CONFIG_DL_RESPONSE_CRITICAL, false },
	{ "warn_before", confkeys_deadline, CONFIG_DL_WARN_BEFORE, false },
	{ "photos_wait", confkeys_deadline, CONFIG_DL_PHOTOS_WAIT, false },
	{ "address_wait", confkeys_deadline, CONFIG_DL_ADDRESS_WAIT, false },
	{ "posting_wait", confkeys_deadline, CONFIG_DL_POSTING_WAIT, false },
	{ "pickup_grace", confkeys_deadline, CONFIG_DL_PICKUP_GRACE, false },
	{ "letter_wait", confkeys_deadline, CONFIG_DL_LETTER_WAIT, false },
	{ "reply_window", confkeys_deadline, CONFIG_DL_REPLY_WINDOW, false },
};

static const struct confkeys_key confkeys_calendar[] = {
	{ "holidays", confkeys_holidays, 0, false },
	{ "extra_holidays", confkeys_extra, 0, true },
};

/* The rulebooks (doc/rules.md): config.c reads them once the file is read. */
static const struct confkeys_key confkeys_rules[] = {
	{ "files", confkeys_rules_files, 0, false },
	{ "default", confkeys_rules_default, 0, false },
};

/* The fixed sections first, the prefix last (confkeys.h). */
static const struct confkeys_section confkeys_sections[] = {
	{ "daemon", confkeys_daemon, nitems(confkeys_daemon) },
	{ "deadlines", confkeys_deadlines, nitems(confkeys_deadlines) },
	{ "calendar", confkeys_calendar, nitems(confkeys_calendar) },
	{ "rules", confkeys_rules, nitems(confkeys_rules) },
	{ "reason.", confkeys_deadlines, nitems(confkeys_deadlines) },
};
_Static_assert(nitems(confkeys_sections) == CONFKEYS_N_FIXED + 1, "fixed ones, one prefix");
_Static_assert(nitems(confkeys_daemon) <= CONFKEYS_MAX, "CONFKEYS_MAX is too small");
_Static_assert(nitems(confkeys_calendar) <= CONFKEYS_MAX, "CONFKEYS_MAX is too small");
_Static_assert(nitems(confkeys_deadlines) <= CONFKEYS_MAX, "CONFKEYS_MAX is too small");

/* Values: confval.h parses, these store */

/* A glob of rulebook files, relative to the file's directory. */
static int
confkeys_rules_files(const struct confkeys_dest *d, int arg, const char *value, char **why)
{
	char *path;

	if (confval_path(d->dir, value, &path, why) == -1)
		return -1;
	free(d->cfg->rules_files);
	d->cfg->rules_files = path;
	return 0;
}

/* A marketplace's name (config.c checks that a rulebook has it). */
static int
confkeys_rules_default(const struct confkeys_dest *d, int arg, const char *value,
    char **why)
{
	size_t n = strlen(value);

	if (n > 32 || strspn(value, "abcdefghijklmnopqrstuvwxyz0123456789-") != n) {
		*why = xasprintf("'%s' is not a marketplace name (1 to 32 of a-z 0-9 -, e.g. "
		    "casas-bahia)", value);
		return -1;
	}
	free(d->cfg->rules_default);
	d->cfg->rules_default = xstrdup(value);
	return 0;
}

static int
confkeys_database(const struct confkeys_dest *d, int arg, const char *value, char **why)
{
	char *path;

	if (confval_database(d->dir, value, &path, why) == -1)
		return -1;
	free(d->cfg->database);
	d->cfg->database = path;
	return 0;
}

/* A name the others, the logs and /metrics labels show as given: 1 to 48 of
 * [A-Za-z0-9._:-]. */
static int
confkeys_instance(const struct confkeys_dest *d, int arg, const char *value, char **why)
{
	size_t n = strlen(value);

	if (n == 0 || n > 48 || strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"
	    "TUVWXYZ0123456789._:-") != n) {
		*why = xasprintf("'%s' is not an instance name (1 to 48 letters, digits, "
		    "'.', '_', ':' or '-', e.g. api-1)", value);
		return -1;
	}
	free(d->cfg->instance);
	d->cfg->instance = xstrdup(value);
	return 0;
}

static int
confkeys_socket(const struct confkeys_dest *d, int arg, const char *value, char **why)
{
	char *path;

	if (confval_socket(d->dir, value, &path, why) == -1)
		return -1;
	free(d->cfg->socket);
	d->cfg->socket = path;
	return 0;
}

/* The read-only TCP listener (protocold(8)); absent: none. */
static int
confkeys_http_listen(const struct confkeys_dest *d, int arg, const char *value,
    char **why)
{
	char *addr;

	if (confval_hostport(value, &addr, why) == -1)
		return -1;
	free(d->cfg->http_listen);
	d->cfg->http_listen = addr;
	return 0;
}

static int
confkeys_mode(const struct confkeys_dest *d, int arg, const char *value, char **why)
{
	return confval_mode(value, &d->cfg->socket_mode, why);
}

static int
confkeys_group(const struct confkeys_dest *d, int arg, const char *value, char **why)
{
	return confval_group(value, &d->cfg->write_group, why);
}

static int
confkeys_timezone(const struct confkeys_dest *d, int arg, const char *value, char **why)
{
	char *tz;

	if (confval_timezone(value, &tz, why) == -1)
		return -1;
	free(d->cfg->timezone);
	d->cfg->timezone = tz;
	return 0;
}

static int
confkeys_sync(const struct confkeys_dest *d, int arg, const char *value, char **why)
{
	return confval_synchronous(value, &d->cfg->sync_full, why);
}

static int
confkeys_log(const struct confkeys_dest *d, int arg, const char *value, char **why)
{
	return confval_log_level(value, &d->cfg->log_transitions_info, why);
}

static int
confkeys_maxconn(const struct confkeys_dest *d, int arg, const char *value, char **why)
{
	long n;

	if (confval_count(value, 1, 65536, &n, why) == -1)
		return -1;
	d->cfg->max_connections = (unsigned)n;
	return 0;
}

static int
confkeys_idle(const struct confkeys_dest *d, int arg, const char *value, char **why)
{
	return confval_timeout(value, &d->cfg->idle_timeout_ms, why);
}

static int
confkeys_readmap(const struct confkeys_dest *d, int arg, const char *value, char **why)
{
	long n;

	if (confval_mib(value, CONFIG_MAX_READ_MAP_MIB, &n, why) == -1)
		return -1;
	d->cfg->read_map_mib = (unsigned)n;
	return 0;
}

/* Into [deadlines], or the current [reason.X]. */
static int
confkeys_deadline(const struct confkeys_dest *d, int dl, const char *value, char **why)
{
	struct duration *slot = d->cfg->dl;
	bool *set = d->cfg->dl_set;
	int *line = d->cfg->dl_line;

	if (d->reason != -1) {
		slot = d->cfg->reasons[d->reason].dl;
		set = d->cfg->reasons[d->reason].set;
		line = d->cfg->reasons[d->reason].line;
	}
	if (confval_deadline(value, confkeys_dls[dl].zero_ok, &confkeys_dls[dl].def,
	    &slot[dl], why) == -1)
		return -1;
	set[dl] = true;
	line[dl] = d->line;
	return 0;
}

static int
confkeys_holidays(const struct confkeys_dest *d, int arg, const char *value, char **why)
{
	return confval_holidays(value, &d->cfg->holidays, why);
}

static int
confkeys_extra(const struct confkeys_dest *d, int arg, const char *value, char **why)
{
	struct config *cfg = d->cfg;

	return confval_extra_holidays(value, &cfg->extra_holidays, &cfg->n_extra_holidays,
	    why);
}

/* Lookups */

const struct confkeys_section *
confkeys_section(size_t i)
{
	return i < nitems(confkeys_sections) ? &confkeys_sections[i] : NULL;
}

const struct confkeys_key *
confkeys_find(const struct confkeys_section *sec, const char *name)
{
	for (size_t i = 0; i < sec->n_keys; i++)
		if (strcmp(sec->keys[i].name, name) == 0)
			return &sec->keys[i];
	return NULL;
}

const struct confkeys_section *
confkeys_home(const char *name)
{
	for (size_t i = 0; i < nitems(confkeys_sections); i++)
		if (confkeys_find(&confkeys_sections[i], name) != NULL)
			return &confkeys_sections[i];
	return NULL;
}

const char *
confkeys_dl_name(enum config_dl dl)
{
	return (unsigned)dl < CONFIG_DL_COUNT ? confkeys_dls[dl].name : "?";
}

const struct duration *
confkeys_dl_default(enum config_dl dl)
{
	return &confkeys_dls[dl].def;
}

/* Rules across keys: a warning that cannot fire */

/* The section being checked: its reason (NULL for [deadlines]) and the deadlines set
 * in it. */
struct confkeys_scope {
	const struct config *cfg;
	const char *reason;
	const bool *set;
};

static const struct duration *
confkeys_value(const struct confkeys_scope *sc, enum config_dl dl)
{
	return config_deadline(sc->cfg, sc->reason, dl, NULL);
}

/* The shortest a clock of d lasts. N business days end at 24:00 of the N-th business
 * day after the start's date: little more than N days after a start late in the day. */
static int64_t
confkeys_shortest(const struct duration *d)
{
	return duration_is_bdays(d) ? d->bdays * D : d->ms;
}

/* How short a clock of d can be, as d was written when it is not in business days
 * ("36h"), else in hours ("48h" for 2bd). Returns buf. */
static const char *
confkeys_shortest_text(const struct duration *d, char *buf, size_t len)
{
	if (!duration_is_bdays(d))
		return duration_text(d, buf, len);
	snprintf(buf, len, "%lldh", (long long)d->bdays * 24);
	return buf;
}

/* "48h"; of business days "2bd" then sep, "as short as 48h" (and ")" after " ("). */
static const char *
confkeys_dl_text(const struct duration *d, const char *sep, char *buf, size_t len)
{
	char a[32], b[32];

	if (!duration_is_bdays(d))
		return duration_text(d, buf, len);
	snprintf(buf, len, "%s%sas short as %s%s", duration_text(d, a, sizeof a), sep,
	    confkeys_shortest_text(d, b, sizeof b), *sep == ' ' ? ")" : "");
	return buf;
}

/* Why a warning that is not shorter than the response clock d is refused. */
static const char *
confkeys_why_never(const struct duration *d)
{
	if (duration_is_bdays(d))
		return "the warning would be due before the response clock starts when the "
		    "clock starts late in the day, and not fire";
	return "the warning would be due before the response clock starts and never fire";
}

/* "response_normal (48h)", and where it comes from when the section inherits it. */
static char *
confkeys_describe(const struct confkeys_scope *sc, enum config_dl dl)
{
	enum config_src src;
	const struct duration *d = config_deadline(sc->cfg, sc->reason, dl, &src);
	char text[64], from[96] = "", name[80];

	if (!sc->set[dl])
		snprintf(from, sizeof from, ", %s%s", src == CONFIG_SRC_DEFAULT ? "the " :
		    "from ", config_src_text(src, sc->reason, name, sizeof name));
	return xasprintf("%s (%s%s)", confkeys_dl_name(dl), confkeys_dl_text(d, ", ", text,
	    sizeof text), from);
}

/* warn_before, set in the section, is not shorter than the responses in list, the
 * shortest of them being limit. */
static void
confkeys_warn_too_long(const struct confkeys_scope *sc, const char *list,
    const struct duration *limit, confkeys_report_fn *report, void *arg)
{
	char a[32], b[32], *why;

	why = xasprintf("%s is not shorter than %s: %s; make it shorter than %s (or 0s for "
	    "none)", duration_text(confkeys_value(sc, CONFIG_DL_WARN_BEFORE), a, sizeof a),
	    list, confkeys_why_never(limit), confkeys_shortest_text(limit, b, sizeof b));
	report(arg, CONFIG_DL_WARN_BEFORE, why);
	free(why);
}

/* Response dl, set in the section, is not longer than the inherited warn_before. */
static void
confkeys_response_too_short(const struct confkeys_scope *sc, enum config_dl dl,
    confkeys_report_fn *report, void *arg)
{
	const struct duration *d = confkeys_value(sc, dl);
	char *warn = confkeys_describe(sc, CONFIG_DL_WARN_BEFORE), text[64], *why;

	why = xasprintf("%s is not longer than %s: %s; make it longer, or warn_before "
	    "shorter", confkeys_dl_text(d, " (", text, sizeof text), warn,
	    confkeys_why_never(d));
	report(arg, dl, why);
	free(why);
	free(warn);
}

/* Add the description of dl to *list (" or " between). */
static void
confkeys_list_add(const struct confkeys_scope *sc, enum config_dl dl, char **list)
{
	char *one = confkeys_describe(sc, dl), *more;

	more = xasprintf("%s%s%s", *list ? *list : "", *list ? " or " : "", one);
	free(one);
	free(*list);
	*list = more;
}

void
confkeys_check_warn(const struct config *cfg, const char *reason, const bool *set,
    confkeys_report_fn *report, void *arg)
{
	static const enum config_dl resp[] = { CONFIG_DL_RESPONSE_NORMAL,
	    CONFIG_DL_RESPONSE_CRITICAL };
	const struct confkeys_scope sc = { cfg, reason, set };
	int64_t warn = confkeys_value(&sc, CONFIG_DL_WARN_BEFORE)->ms;
	const struct duration *d, *limit = NULL;
	char *list = NULL;

	for (size_t i = 0; warn > 0 && i < nitems(resp); i++) {
		d = confkeys_value(&sc, resp[i]);
		if (warn < confkeys_shortest(d))
			continue;
		if (!set[CONFIG_DL_WARN_BEFORE]) {
			if (set[resp[i]])	/* else reported where it is set */
				confkeys_response_too_short(&sc, resp[i], report, arg);
			continue;
		}
		confkeys_list_add(&sc, resp[i], &list);
		if (limit == NULL || confkeys_shortest(d) < confkeys_shortest(limit))
			limit = d;
	}
	if (list != NULL)
		confkeys_warn_too_long(&sc, list, limit, report, arg);
	free(list);
}
