/*
 * fuzz_config: config_load on a temp file whose content is the input. Checks the
 * loader's promises (config.h): a configuration or errors, never both; every error
 * line names the file and ends in '\n'; what it returns is within its ranges.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "fuzz_config: %s:%d: check failed: %s\n",	\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

static char fuzz_dir[256], fuzz_path[300];

static void
fuzz_cleanup(void)
{
	if (fuzz_dir[0] == '\0')
		return;
	unlink(fuzz_path);
	rmdir(fuzz_dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	log_init("fuzz_config", false);
	snprintf(fuzz_dir, sizeof fuzz_dir, "%s/fuzz_config.XXXXXX", tmp && *tmp ? tmp :
	    "/tmp");
	if (mkdtemp(fuzz_dir) == NULL)
		fatal("mkdtemp %s", fuzz_dir);
	snprintf(fuzz_path, sizeof fuzz_path, "%s/protocold.ini", fuzz_dir);
	atexit(fuzz_cleanup);
	return 0;
}

static void
fuzz_write(const uint8_t *data, size_t size)
{
	FILE *f = fopen(fuzz_path, "w");

	if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		fatal("%s", fuzz_path);
}

/* Every line is "PATH:…\n" or "PATH: …\n". */
static void
fuzz_check_errors(const char *errors)
{
	size_t plen = strlen(fuzz_path);
	const char *line = errors, *nl;

	FUZZ_CHECK(errors[0] != '\0');
	FUZZ_CHECK(errors[strlen(errors) - 1] == '\n');
	for (; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		FUZZ_CHECK(nl != NULL);
		FUZZ_CHECK(strncmp(line, fuzz_path, plen) == 0 && line[plen] == ':');
	}
}

static void
fuzz_check_duration(const struct duration *d, bool zero_ok)
{
	FUZZ_CHECK(d->ms >= 0 && d->bdays >= 0);
	FUZZ_CHECK(d->bdays == 0 || d->ms == 0);
	FUZZ_CHECK(!zero_ok || d->bdays == 0);
	FUZZ_CHECK(zero_ok || d->ms > 0 || d->bdays > 0);
	FUZZ_CHECK(memchr(d->text, '\0', sizeof d->text) != NULL);
}

static bool
fuzz_dl_zero_ok(int dl)
{
	return dl == CONFIG_DL_WARN_BEFORE || dl == CONFIG_DL_PICKUP_GRACE;
}

static void
fuzz_check_deadlines(const struct config *cfg)
{
	enum config_src src;
	char buf[128];

	for (int dl = 0; dl < CONFIG_DL_COUNT; dl++) {
		fuzz_check_duration(&cfg->dl[dl], fuzz_dl_zero_ok(dl));
		FUZZ_CHECK(strcmp(config_dl_name(dl), "?") != 0);
		for (size_t i = 0; i < cfg->n_reasons; i++) {
			const struct config_reason *r = &cfg->reasons[i];
			const struct duration *d = config_deadline(cfg, r->name, dl, &src);

			FUZZ_CHECK(r->name[0] != '\0' && strlen(r->name) <= 64);
			if (r->set[dl])
				fuzz_check_duration(&r->dl[dl], fuzz_dl_zero_ok(dl));
			/* Repeated [reason.X] sections merge: names are unique. */
			FUZZ_CHECK(d == (r->set[dl] ? &r->dl[dl] : &cfg->dl[dl]));
			FUZZ_CHECK((src == CONFIG_SRC_REASON) == r->set[dl]);
			config_src_text(src, r->name, buf, sizeof buf);
		}
	}
}

static void
fuzz_check_config(const struct config *cfg)
{
	FUZZ_CHECK(strcmp(cfg->path, fuzz_path) == 0);
	FUZZ_CHECK(cfg->database[0] == '/' && cfg->socket[0] == '/');
	FUZZ_CHECK(strlen(cfg->socket) < sizeof(((struct sockaddr_un *)0)->sun_path));
	FUZZ_CHECK(cfg->socket_mode <= 0777);
	FUZZ_CHECK(cfg->timezone[0] != '\0');
	FUZZ_CHECK(cfg->max_connections >= 1 && cfg->max_connections <= 65536);
	FUZZ_CHECK(cfg->idle_timeout_ms >= 1000);
	for (size_t i = 1; i < cfg->n_extra_holidays; i++)
		FUZZ_CHECK(cfg->extra_holidays[i - 1] < cfg->extra_holidays[i]);
	fuzz_check_deadlines(cfg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg;
	char *errors = (char *)"";

	fuzz_write(data, size);
	cfg = config_load(fuzz_path, &errors);
	FUZZ_CHECK((cfg == NULL) != (errors == NULL));
	if (cfg != NULL)
		fuzz_check_config(cfg);
	else
		fuzz_check_errors(errors);
	config_free(cfg);
	free(errors);
	return 0;
}
