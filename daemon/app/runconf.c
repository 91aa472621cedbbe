#include "runconf.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "engine.h"
#include "http.h"
#include "log.h"
#include "tz.h"
#include "xmalloc.h"

static char *runconf_path;
static struct config *runconf_cfg;
static struct cal *runconf_calendar;
static bool runconf_ok = true;
static int64_t runconf_success_at;	/* the start-up load counts as a success */

/* Make cfg the running configuration (cfg and cal are taken over). */
static int
runconf_apply(struct config *cfg, char **errors)
{
	char *cause = NULL;
	struct cal *cal;

	if (tz_set(cfg->timezone, &cause) != 0) {
		*errors = xasprintf("%s: timezone: %s", cfg->path, cause);
		free(cause);
		config_free(cfg);
		return -1;
	}
	cal = cal_new(cfg->holidays, cfg->extra_holidays, cfg->n_extra_holidays);
	engine_configure(cfg, cal);
	config_free(runconf_cfg);
	cal_free(runconf_calendar);
	runconf_cfg = cfg;
	runconf_calendar = cal;
	return 0;
}

int
runconf_init(const char *path, char **errors)
{
	struct config *cfg = config_load(path, errors);

	runconf_path = xstrdup(path);
	runconf_success_at = clock_wall();
	return cfg == NULL ? -1 : runconf_apply(cfg, errors);
}

void
runconf_shutdown(void)
{
	config_free(runconf_cfg);
	cal_free(runconf_calendar);
	free(runconf_path);
	runconf_cfg = NULL;
	runconf_calendar = NULL;
	runconf_path = NULL;
}

const struct config *
runconf_get(void)
{
	return runconf_cfg;
}

const struct cal *
runconf_cal(void)
{
	return runconf_calendar;
}

/* Settings that only a restart changes: say so rather than pretend. */
static void
runconf_warn_static(const struct config *old, const struct config *cfg)
{
	if (strcmp(old->database, cfg->database) != 0)
		log_warnx("reload: database changed to %s; it applies at the next start",
		    cfg->database);
	if (strcmp(old->socket, cfg->socket) != 0 || old->socket_mode != cfg->socket_mode)
		log_warnx("reload: socket settings changed; they apply at the next start");
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

int
runconf_reload(char **errors)
{
	struct config *cfg = config_load(runconf_path, errors);

	runconf_ok = false;
	if (cfg != NULL)
		runconf_warn_static(runconf_cfg, cfg);
	if (cfg == NULL || runconf_apply(cfg, errors) != 0) {
		runconf_log_failure(*errors);
		return -1;
	}
	http_reconfigure(runconf_cfg);
	runconf_ok = true;
	runconf_success_at = clock_wall();
	log_info("configuration reloaded from %s", runconf_path);
	return 0;
}

bool
runconf_last_ok(int64_t *success_at)
{
	*success_at = runconf_success_at;
	return runconf_ok;
}
