#include "runconf.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dburi.h"
#include "log.h"
#include "tz.h"
#include "xmalloc.h"

struct runconf {
	char *path;
	struct config *cfg;
	struct cal *cal;
	bool ok;		/* the last reload succeeded */
	int64_t success_at;	/* UTC ms; the start-up load counts as a success */
};

/* Make cfg the running configuration (cfg is taken over). */
static int
runconf_apply(struct runconf *rc, struct config *cfg, char **errors)
{
	char *cause = NULL;

	if (tz_set(cfg->timezone, &cause) != 0) {
		*errors = xasprintf("%s: timezone: %s", cfg->path, cause);
		free(cause);
		config_free(cfg);
		return -1;
	}
	config_free(rc->cfg);
	cal_free(rc->cal);
	rc->cfg = cfg;
	rc->cal = cal_new(cfg->holidays, cfg->extra_holidays, cfg->n_extra_holidays);
	return 0;
}

struct runconf *
runconf_new(const char *path, char **errors)
{
	struct runconf *rc = xcalloc(1, sizeof *rc);
	struct config *cfg = config_load(path, errors);

	rc->path = xstrdup(path);
	rc->ok = true;
	rc->success_at = clock_wall();
	if (cfg == NULL || runconf_apply(rc, cfg, errors) != 0) {
		runconf_free(rc);
		return NULL;
	}
	return rc;
}

void
runconf_free(struct runconf *rc)
{
	if (rc == NULL)
		return;
	config_free(rc->cfg);
	cal_free(rc->cal);
	free(rc->path);
	free(rc);
}

const struct config *
runconf_get(const struct runconf *rc)
{
	return rc->cfg;
}

const struct cal *
runconf_cal(const struct runconf *rc)
{
	return rc->cal;
}

/* Settings that only a restart changes: say so rather than pretend. */
static void
runconf_warn_static(const struct config *old, const struct config *cfg)
{
	if (strcmp(old->database, cfg->database) != 0) {
		char *db = dburi_shown(cfg->database);

		log_warnx("reload: database changed to %s; it applies at the next start", db);
		free(db);
	}
	if ((old->instance == NULL) != (cfg->instance == NULL) || (old->instance != NULL &&
	    strcmp(old->instance, cfg->instance) != 0))
		log_warnx("reload: instance changed; it applies at the next start");
	if (strcmp(old->socket, cfg->socket) != 0 || old->socket_mode != cfg->socket_mode)
		log_warnx("reload: socket settings changed; they apply at the next start");
	if ((old->http_listen == NULL) != (cfg->http_listen == NULL) ||
	    (old->http_listen != NULL && strcmp(old->http_listen, cfg->http_listen) != 0))
		log_warnx("reload: http_listen changed; it applies at the next start");
	if (old->sync_full != cfg->sync_full)
		log_warnx("reload: synchronous changed; it applies at the next start");
	if (old->read_map_mib != cfg->read_map_mib)
		log_warnx("reload: read_map changed; it applies at the next start");
}

/* Why a reload failed, logged here for SIGHUP and POST /v1/reload alike: one record
 * an error, so each keeps its priority and none is cut at the log's line length. */
static void
runconf_log_failure(const char *errors)
{
	const char *line = errors;
	size_t n;

	log_warnx("reload failed, the previous configuration is running:");
	for (; *line != '\0'; line += n + (line[n] == '\n')) {
		n = strcspn(line, "\n");
		log_warnx("%.*s", (int)n, line);
	}
}

struct config *
runconf_check(struct runconf *rc, char **errors)
{
	struct config *cfg = config_load(rc->path, errors);

	if (cfg == NULL) {
		rc->ok = false;
		runconf_log_failure(*errors);
	}
	return cfg;
}

void
runconf_refuse(struct runconf *rc, struct config *cfg, const char *errors)
{
	config_free(cfg);
	rc->ok = false;
	runconf_log_failure(errors);
}

int
runconf_commit(struct runconf *rc, struct config *cfg, char **errors)
{
	runconf_warn_static(rc->cfg, cfg);
	if (runconf_apply(rc, cfg, errors) != 0) {
		rc->ok = false;
		runconf_log_failure(*errors);
		return -1;
	}
	rc->ok = true;
	rc->success_at = clock_wall();
	log_info("configuration reloaded from %s", rc->path);
	return 0;
}

bool
runconf_last_ok(const struct runconf *rc, int64_t *success_at)
{
	*success_at = rc->success_at;
	return rc->ok;
}
