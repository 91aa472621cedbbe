#include "confkeys.h"

#include <stdlib.h>
#include <string.h>

#include "confval.h"

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
    confkeys_log, confkeys_maxconn, confkeys_idle, confkeys_readmap;

static const struct confkeys_key confkeys_daemon[] = {
	{ "database", confkeys_database, 0, false },
	{ "socket", confkeys_socket, 0, false },
	{ "socket_mode", confkeys_mode, 0, false },
	{ "write_group", confkeys_group, 0, false },
	{ "timezone", confkeys_timezone, 0, false },
	{ "synchronous", confkeys_sync, 0, false },
	{ "log_transitions", confkeys_log, 0, false },
	{ "max_connections", confkeys_maxconn, 0, false },
	{ "idle_timeout", confkeys_idle, 0, false },
	{ "read_map", confkeys_readmap, 0, false },
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

/* The fixed sections first, the prefix last (confkeys.h). */
static const struct confkeys_section confkeys_sections[] = {
	{ "daemon", confkeys_daemon, nitems(confkeys_daemon) },
	{ "deadlines", confkeys_deadlines, nitems(confkeys_deadlines) },
	{ "calendar", confkeys_calendar, nitems(confkeys_calendar) },
	{ "reason.", confkeys_deadlines, nitems(confkeys_deadlines) },
};
_Static_assert(nitems(confkeys_sections) == CONFKEYS_N_FIXED + 1, "fixed ones, one prefix");
_Static_assert(nitems(confkeys_daemon) <= CONFKEYS_MAX, "CONFKEYS_MAX is too small");
_Static_assert(nitems(confkeys_calendar) <= CONFKEYS_MAX, "CONFKEYS_MAX is too small");
_Static_assert(nitems(confkeys_deadlines) <= CONFKEYS_MAX, "CONFKEYS_MAX is too small");

/* Values: confval.h parses, these store */

static int
confkeys_database(const struct confkeys_dest *d, int arg, const char *value, char **why)
{
	char *path;

	if (confval_path(d->dir, value, &path, why) == -1)
		return -1;
	free(d->cfg->database);
	d->cfg->database = path;
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

	if (d->reason != -1) {
		slot = d->cfg->reasons[d->reason].dl;
		set = d->cfg->reasons[d->reason].set;
	}
	if (confval_deadline(value, confkeys_dls[dl].zero_ok, &confkeys_dls[dl].def,
	    &slot[dl], why) == -1)
		return -1;
	set[dl] = true;
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
