#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "civil.h"
#include "config.h"

#define H (3600 * 1000LL)
#define D (24 * H)
#define MAX_PATHS 16

/* A temporary directory for a test's files, removed afterwards. */
struct fixture {
	char dir[PATH_MAX];
	char *paths[MAX_PATHS];	/* to remove, in reverse */
	int n;
	int seq;
};

static struct fixture *fx;

static int
setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	char real[PATH_MAX];

	fx = calloc(1, sizeof(*fx));
	snprintf(fx->dir, sizeof(fx->dir), "%s/test_config.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(fx->dir) == NULL || realpath(fx->dir, real) == NULL)
		return -1;
	strcpy(fx->dir, real);	/* the loader resolves against the real path */
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	while (fx->n > 0) {
		remove(fx->paths[--fx->n]);
		free(fx->paths[fx->n]);
	}
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static void
remember(char *path)
{
	assert_true(fx->n < MAX_PATHS);
	fx->paths[fx->n++] = path;
}

/* Write text to a fresh file made with mkstemp in the test's directory. */
static const char *
write_ini(const char *text)
{
	char *path;
	FILE *fp;
	int fd;

	assert_true(asprintf(&path, "%s/cfg%d.XXXXXX", fx->dir, fx->seq++) > 0);
	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(fp = fdopen(fd, "w"));
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	remember(path);
	return path;
}

static struct config *
load_ok(const char *text)
{
	const char *path = write_ini(text);
	struct config *cfg;
	char *errors = NULL;

	if ((cfg = config_load(path, &errors)) == NULL)
		fail_msg("%s was refused:\n%s", text, errors);
	assert_null(errors);
	return cfg;
}

/* A path in the test's directory, removed afterwards. */
static const char *
fresh_path(const char *name)
{
	char *path;

	assert_true(asprintf(&path, "%s/%s", fx->dir, name) > 0);
	remember(path);
	return path;
}

/* Load path, which must fail: the errors, with the file's name replaced by "F". */
static char *
load_bad_path(const char *path)
{
	char *errors = NULL, *out, *p;
	size_t plen = strlen(path);

	assert_null(config_load(path, &errors));
	assert_non_null(errors);
	out = calloc(1, strlen(errors) + 1);
	for (p = errors; *p != '\0';) {
		if (strncmp(p, path, plen) == 0) {
			strcat(out, "F");
			p += plen;
		} else
			strncat(out, p++, 1);
	}
	free(errors);
	return out;
}

/* Load text, which must fail: the errors, with the file's name replaced by "F". */
static char *
load_bad(const char *text)
{
	return load_bad_path(write_ini(text));
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* errors has a line that starts with prefix and holds every word (NULL-terminated). */
static void
assert_error(const char *errors, const char *prefix, ...)
{
	const char *line, *word;
	char buf[1024];
	size_t len;
	va_list ap;

	for (line = errors; *line != '\0'; line += len + 1) {
		len = strcspn(line, "\n");
		snprintf(buf, sizeof(buf), "%.*s", (int)len, line);
		if (strncmp(buf, prefix, strlen(prefix)) != 0)
			continue;
		va_start(ap, prefix);
		while ((word = va_arg(ap, const char *)) != NULL) {
			if (strstr(buf, word) == NULL)
				fail_msg("\"%s\" lacks \"%s\"", buf, word);
		}
		va_end(ap);
		return;
	}
	fail_msg("no error starts with \"%s\" in:\n%s", prefix, errors);
}

static const char *
fmt(const struct duration *d)
{
	static char buf[64];

	return duration_format(d, buf, sizeof(buf));
}

static const char *
deadline(const struct config *cfg, const char *reason, enum config_dl dl,
    enum config_src *src)
{
	return fmt(config_deadline(cfg, reason, dl, src));
}

static int64_t
day(const char *s)
{
	int64_t d;

	assert_int_equal(civil_parse_date(s, &d), 0);
	return d;
}

static const char spec_example[] =
    "[daemon]\n"
    "database = /var/lib/protocold/protocold.db\n"
    "socket = /run/protocold.sock   ; or the fd systemd passes (socket activation)\n"
    "socket_mode = 0660\n"
    "write_group = root             ; peers outside it may only read\n"
    "timezone = America/Sao_Paulo\n"
    "synchronous = full             ; full | normal (SQLite)\n"
    "\n"
    "[deadlines]\n"
    "response_normal = 48h\n"
    "response_critical = 24h\n"
    "warn_before = 4h\n"
    "photos_wait = 48h\n"
    "address_wait = 48h\n"
    "posting_wait = 15d\n"
    "pickup_grace = 1d\n"
    "letter_wait = 6bd\n"
    "reply_window = 60d\n"
    "\n"
    "[calendar]\n"
    "holidays = br-national          ; br-national | br-banking | none\n"
    "extra_holidays = 2026-01-25, 2026-07-09\n"
    "\n"
    "[reason.cancel_after_delivery]   ; per-reason overrides of any [deadlines] key\n"
    "response_normal = 48h\n";

static void
config_load__spec_example__loads_every_value(void **state)
{
	struct config *cfg = load_ok(spec_example);

	assert_string_equal(cfg->database, "/var/lib/protocold/protocold.db");
	assert_string_equal(cfg->socket, "/run/protocold.sock");
	assert_int_equal(cfg->socket_mode, 0660);
	assert_string_equal(cfg->write_group, "root");
	assert_string_equal(cfg->timezone, "America/Sao_Paulo");
	assert_true(cfg->sync_full);
	assert_string_equal(deadline(cfg, NULL, CONFIG_DL_RESPONSE_NORMAL, NULL), "2d");
	assert_string_equal(deadline(cfg, NULL, CONFIG_DL_RESPONSE_CRITICAL, NULL), "1d");
	assert_string_equal(deadline(cfg, NULL, CONFIG_DL_WARN_BEFORE, NULL), "4h");
	assert_string_equal(deadline(cfg, NULL, CONFIG_DL_PHOTOS_WAIT, NULL), "2d");
	assert_string_equal(deadline(cfg, NULL, CONFIG_DL_ADDRESS_WAIT, NULL), "2d");
	assert_string_equal(deadline(cfg, NULL, CONFIG_DL_POSTING_WAIT, NULL), "2w 1d");
	assert_string_equal(deadline(cfg, NULL, CONFIG_DL_PICKUP_GRACE, NULL), "1d");
	assert_string_equal(deadline(cfg, NULL, CONFIG_DL_LETTER_WAIT, NULL), "6bd");
	assert_string_equal(deadline(cfg, NULL, CONFIG_DL_REPLY_WINDOW, NULL), "8w 4d");
	assert_int_equal(cfg->holidays, CAL_BR_NATIONAL);
	assert_int_equal(cfg->n_extra_holidays, 2);
	assert_int_equal(cfg->extra_holidays[0], day("2026-01-25"));
	assert_int_equal(cfg->extra_holidays[1], day("2026-07-09"));
	assert_int_equal(cfg->n_reasons, 1);
	assert_string_equal(cfg->reasons[0].name, "cancel_after_delivery");
	assert_true(cfg->reasons[0].set[CONFIG_DL_RESPONSE_NORMAL]);
	assert_false(cfg->reasons[0].set[CONFIG_DL_PHOTOS_WAIT]);
	config_free(cfg);
}

static void
config_load__empty_file__gives_the_defaults(void **state)
{
	struct config *cfg = load_ok("; nothing here\n\n# nor here\n");
	enum config_src src;
	int i;

	assert_string_equal(cfg->database, CONFIG_DEFAULT_DATABASE);
	assert_string_equal(cfg->socket, CONFIG_DEFAULT_SOCKET);
	assert_int_equal(cfg->socket_mode, 0660);
	assert_null(cfg->write_group);
	assert_string_equal(cfg->timezone, "America/Sao_Paulo");
	assert_true(cfg->sync_full);
	assert_int_equal(cfg->holidays, CAL_BR_NATIONAL);
	assert_int_equal(cfg->n_extra_holidays, 0);
	assert_int_equal(cfg->n_reasons, 0);
	assert_int_equal(cfg->dl[CONFIG_DL_RESPONSE_NORMAL].ms, 48 * H);
	assert_int_equal(cfg->dl[CONFIG_DL_RESPONSE_CRITICAL].ms, 24 * H);
	assert_int_equal(cfg->dl[CONFIG_DL_WARN_BEFORE].ms, 4 * H);
	assert_int_equal(cfg->dl[CONFIG_DL_PHOTOS_WAIT].ms, 48 * H);
	assert_int_equal(cfg->dl[CONFIG_DL_ADDRESS_WAIT].ms, 48 * H);
	assert_int_equal(cfg->dl[CONFIG_DL_POSTING_WAIT].ms, 15 * D);
	assert_int_equal(cfg->dl[CONFIG_DL_PICKUP_GRACE].ms, 1 * D);
	assert_int_equal(cfg->dl[CONFIG_DL_LETTER_WAIT].bdays, 6);
	assert_int_equal(cfg->dl[CONFIG_DL_REPLY_WINDOW].ms, 60 * D);
	for (i = 0; i < CONFIG_DL_COUNT; i++) {
		config_deadline(cfg, "anything", i, &src);
		assert_int_equal(src, CONFIG_SRC_DEFAULT);
		assert_false(cfg->dl_set[i]);
	}
	config_free(cfg);
}

static void
config_load__absent_sections__keep_their_defaults(void **state)
{
	struct config *cfg = load_ok("[deadlines]\nphotos_wait = 3d\n");
	enum config_src src;

	assert_string_equal(deadline(cfg, NULL, CONFIG_DL_PHOTOS_WAIT, &src), "3d");
	assert_int_equal(src, CONFIG_SRC_DEADLINES);
	assert_string_equal(deadline(cfg, NULL, CONFIG_DL_ADDRESS_WAIT, &src), "2d");
	assert_int_equal(src, CONFIG_SRC_DEFAULT);
	assert_string_equal(cfg->database, CONFIG_DEFAULT_DATABASE);
	assert_int_equal(cfg->holidays, CAL_BR_NATIONAL);
	config_free(cfg);
}

static void
config_load__missing_file__says_cannot_open(void **state)
{
	char *path, *errors = NULL;

	assert_true(asprintf(&path, "%s/absent.ini", fx->dir) > 0);
	assert_null(config_load(path, &errors));
	assert_non_null(errors);
	assert_non_null(strstr(errors, path));
	assert_non_null(strstr(errors, ": cannot open: No such file or directory\n"));
	assert_int_equal(strncmp(errors, path, strlen(path)), 0);
	free(errors);
	free(path);
}

static void
config_load__directory__is_not_a_regular_file(void **state)
{
	char *e = load_bad_path(fx->dir);

	assert_string_equal(e, "F: not a regular file (a directory); the configuration "
	    "must be a regular file\n");
	free(e);
}

static void
config_load__fifo__is_refused_without_waiting_for_a_writer(void **state)
{
	const char *path = fresh_path("fifo.ini");
	char *e;

	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(10);	/* an open that waits for a writer fails the test, not hangs it */
	e = load_bad_path(path);
	alarm(0);
	assert_string_equal(e, "F: not a regular file (a FIFO); the configuration must be a "
	    "regular file\n");
	free(e);
}

static void
config_load__link_to_dev_zero__is_refused_unread(void **state)
{
	const char *path = fresh_path("zero.ini");
	char *e;

	assert_int_equal(symlink("/dev/zero", path), 0);
	e = load_bad_path(path);
	assert_string_equal(e, "F: not a regular file (a character device); the "
	    "configuration must be a regular file\n");
	free(e);
}

/* A file of size bytes: comment lines, then spaces up to the size. */
static const char *
write_sized(const char *name, size_t size)
{
	const char *path = fresh_path(name);
	FILE *fp = fopen(path, "w");
	size_t n;

	assert_non_null(fp);
	for (n = 0; n + 100 <= size; n += 100)
		fprintf(fp, ";%98s\n", "");
	for (; n < size; n++)
		fputc(' ', fp);
	assert_int_equal(fclose(fp), 0);
	return path;
}

static void
config_load__file_of_the_bound__loads_and_one_byte_more_is_refused(void **state)
{
	struct config *cfg;
	char *errors = NULL, *e, want[160];

	cfg = config_load(write_sized("max.ini", CONFIG_MAX_BYTES), &errors);
	if (cfg == NULL)
		fail_msg("%s", errors);
	config_free(cfg);
	e = load_bad_path(write_sized("over.ini", CONFIG_MAX_BYTES + 1));
	snprintf(want, sizeof want, "F: too large: %d bytes (a configuration is at most %d "
	    "bytes)\n", CONFIG_MAX_BYTES + 1, CONFIG_MAX_BYTES);
	assert_string_equal(e, want);
	free(e);
}

static void
config_load__sparse_gigabyte__is_refused_by_its_size(void **state)
{
	const char *path = write_sized("huge.ini", 0);
	char *e;

	assert_int_equal(truncate(path, 1LL << 30), 0);	/* sparse: takes no space */
	e = load_bad_path(path);
	assert_string_equal(e, "F: too large: 1073741824 bytes (a configuration is at most "
	    "1048576 bytes)\n");
	free(e);
}

static void
config_load__long_line_without_newline__is_reported_with_its_length(void **state)
{
	const char *path = fresh_path("oneline.ini");
	FILE *fp = fopen(path, "w");
	char *e;

	assert_non_null(fp);
	fputs("[daemon]\nsynchronous = x\n", fp);
	for (int i = 0; i < CONFIG_MAX_BYTES - 100; i++)
		fputc('a', fp);
	assert_int_equal(fclose(fp), 0);
	e = load_bad_path(path);
	assert_error(e, "F:2: [daemon] synchronous: ", NULL);
	assert_error(e, "F:3: line too long: 1048476 bytes (at most 199; shorten it)", NULL);
	assert_int_equal(count_lines(e), 2);
	free(e);
}

static void
config_load__over_a_hundred_errors__are_cut_with_their_count(void **state)
{
	char text[4096] = "";
	char *e;

	for (int i = 0; i < 150; i++)
		strcat(text, "x\n");
	e = load_bad(text);
	assert_int_equal(count_lines(e), CONFIG_MAX_ERRORS + 1);
	assert_error(e, "F:100: \"x\": not a", NULL);
	assert_null(strstr(e, "F:101:"));
	assert_non_null(strstr(e, "\nF: 50 more errors not shown (fix the ones above "
	    "first)\n"));
	free(e);
}

static void
config_load__more_reasons_than_the_cap__are_errors(void **state)
{
	char *text = calloc(CONFIG_MAX_REASONS + 10, 40), *e;
	struct config *cfg;

	for (int i = 0; i < CONFIG_MAX_REASONS; i++)
		sprintf(text + strlen(text), "[reason.r%d]\nphotos_wait = 1d\n", i);
	cfg = load_ok(text);
	assert_int_equal(cfg->n_reasons, CONFIG_MAX_REASONS);
	config_free(cfg);
	strcat(text, "[reason.r0]\naddress_wait = 1d\n[reason.one_more]\nphotos_wait = x\n");
	e = load_bad(text);
	assert_error(e, "F:515: [reason.one_more]: too many reasons", "at most 256", NULL);
	assert_int_equal(count_lines(e), 1);	/* its keys are skipped, r0 merges */
	free(e);
	free(text);
}

static void
config_load__unknown_section__names_file_line_and_section(void **state)
{
	char *e = load_bad("[daemon]\n\n[deamon]\ndatabase = x\n");

	assert_error(e, "F:3: [deamon]: unknown section", "[daemon]", "[reason.NAME]", NULL);
	assert_int_equal(count_lines(e), 1);	/* its keys are not reported again */
	free(e);
}

static void
config_load__unknown_key__lists_the_known_keys(void **state)
{
	char *e = load_bad("[daemon]\ndatabse = /x.db\n");

	assert_error(e, "F:2: [daemon] databse: unknown key", "database", "synchronous",
	    NULL);
	free(e);
}

static void
config_load__key_of_another_section__says_where_it_belongs(void **state)
{
	char *e = load_bad("[deadlines]\ntimezone = UTC\n[reason.x]\nholidays = none\n");

	assert_error(e, "F:2: [deadlines] timezone: unknown key", "[daemon]", NULL);
	assert_error(e, "F:4: [reason.x] holidays: unknown key", "[calendar]", NULL);
	free(e);
}

static void
config_load__key_before_any_section__is_an_error(void **state)
{
	char *e = load_bad("; comment\nphotos_wait = 1d\n[daemon]\n");

	assert_error(e, "F:2: photos_wait: key outside any section", "[deadlines]", NULL);
	free(e);
}

static void
config_load__duplicate_key__names_both_lines(void **state)
{
	char *e = load_bad("[deadlines]\nwarn_before = 4h\n\nwarn_before = 5h\n");

	assert_error(e, "F:4: [deadlines] warn_before: duplicate key", "line 2", NULL);
	free(e);
}

static void
config_load__duplicate_key_in_a_repeated_section__is_an_error(void **state)
{
	char *e = load_bad("[daemon]\nsynchronous = full\n[deadlines]\n[daemon]\n"
	    "synchronous = normal\n");

	assert_error(e, "F:5: [daemon] synchronous: duplicate key", "line 2", NULL);
	free(e);
}

static void
config_load__indented_line__is_a_duplicate_of_the_previous_key(void **state)
{
	char *e = load_bad("[deadlines]\nresponse_normal = 48h\n"
	    "    response_critical = 24h\n");

	assert_error(e, "F:3: [deadlines] response_normal: ", "indented",
	    "response_critical = 24h",
	    "an indented line continues the previous value; remove the indentation", NULL);
	assert_int_equal(count_lines(e), 1);
	free(e);
}

static void
config_load__indented_line_after_a_header__is_a_key(void **state)
{
	struct config *cfg = load_ok("[daemon]\n  synchronous = normal\n");

	assert_false(cfg->sync_full);
	config_free(cfg);
}

static void
config_load__hash_note_in_value__says_only_semicolon_starts_a_comment(void **state)
{
	char *e = load_bad("[deadlines]\nresponse_normal = 48h # two days\n");

	assert_error(e, "F:2: [deadlines] response_normal: ", "\"48h # two days\"",
	    "only ';'", "48h ; two days", NULL);
	free(e);
}

static void
config_load__semicolon_after_a_space__starts_a_comment(void **state)
{
	struct config *cfg = load_ok("[deadlines]\nresponse_normal = 72h ; three days\n"
	    "[daemon]\ndatabase = /a;b.db\n");

	assert_string_equal(deadline(cfg, NULL, CONFIG_DL_RESPONSE_NORMAL, NULL), "3d");
	assert_string_equal(cfg->database, "/a;b.db");
	config_free(cfg);
}

static void
config_load__several_errors__are_all_reported(void **state)
{
	char *e = load_bad("[daemon]\n"
	    "socket_mode = 999\n"
	    "synchronous = off\n"
	    "[deadlines]\n"
	    "photos_wait = 48\n"
	    "posting_wait = 2M\n"
	    "[calendar]\n"
	    "holidays = us\n"
	    "[nope]\n");

	assert_int_equal(count_lines(e), 6);
	assert_error(e, "F:2: [daemon] socket_mode: ", "999", "0660", NULL);
	assert_error(e, "F:3: [daemon] synchronous: ", "off", "full or normal", NULL);
	assert_error(e, "F:5: [deadlines] photos_wait: ", "needs a unit", "units:", NULL);
	assert_error(e, "F:6: [deadlines] posting_wait: ", "months", NULL);
	assert_error(e, "F:8: [calendar] holidays: ", "\"us\"", "br-banking", NULL);
	assert_error(e, "F:9: [nope]: unknown section", NULL);
	free(e);
}

static void
config_load__bad_durations__name_the_key_and_the_units(void **state)
{
	char *e = load_bad("[deadlines]\nreply_window = 1.5h\nletter_wait = 2bd 1h\n"
	    "posting_wait = -1d\n");

	assert_error(e, "F:2: [deadlines] reply_window: ", "1h 30min", "units: s, min",
	    NULL);
	assert_error(e, "F:3: [deadlines] letter_wait: ", "alone", NULL);
	assert_error(e, "F:4: [deadlines] posting_wait: ", "negative", NULL);
	free(e);
}

static void
config_load__warn_before_and_pickup_grace__may_be_zero_but_not_business_days(void **state)
{
	struct config *cfg = load_ok("[deadlines]\nwarn_before = 0s\npickup_grace = 0h\n");
	char *e;

	assert_int_equal(cfg->dl[CONFIG_DL_WARN_BEFORE].ms, 0);
	assert_int_equal(cfg->dl[CONFIG_DL_PICKUP_GRACE].ms, 0);
	config_free(cfg);
	e = load_bad("[deadlines]\nwarn_before = 1bd\n[reason.r]\npickup_grace = 2bd\n");
	assert_error(e, "F:2: [deadlines] warn_before: ", "business days", NULL);
	assert_error(e, "F:4: [reason.r] pickup_grace: ", "business days", NULL);
	free(e);
}

static void
config_load__other_deadlines__must_be_positive_and_may_be_business_days(void **state)
{
	struct config *cfg = load_ok("[deadlines]\nresponse_normal = 2bd\nphotos_wait = 3bd\n"
	    "reply_window = 40bd\n");
	char *e;

	assert_int_equal(cfg->dl[CONFIG_DL_RESPONSE_NORMAL].bdays, 2);
	assert_int_equal(cfg->dl[CONFIG_DL_PHOTOS_WAIT].bdays, 3);
	assert_int_equal(cfg->dl[CONFIG_DL_REPLY_WINDOW].bdays, 40);
	config_free(cfg);
	e = load_bad("[deadlines]\nresponse_critical = 0s\n[reason.r]\nletter_wait = 0d\n");
	assert_error(e, "F:2: [deadlines] response_critical: ", "more than 0", NULL);
	assert_error(e, "F:4: [reason.r] letter_wait: ", "more than 0", "6bd", NULL);
	free(e);
}

static void
config_load__warn_before_not_shorter_than_both_responses__is_one_error_on_its_line(
    void **state)
{
	char *e = load_bad("[deadlines]\nphotos_wait = 1d\nwarn_before = 72h\n");

	assert_string_equal(e, "F:3: [deadlines] warn_before: 72h is not shorter than "
	    "response_normal (48h, the default) or response_critical (24h, the default): the "
	    "warning would be due before the response clock starts and never fire; make it "
	    "shorter than 24h (or 0s for none)\n");
	free(e);
}

static void
config_load__warn_before_of_the_critical_response__is_an_error(void **state)
{
	char *e = load_bad("[deadlines]\nresponse_normal = 48h\nwarn_before = 24h\n");

	assert_error(e, "F:3: [deadlines] warn_before: 24h is not shorter than "
	    "response_critical (24h, the default): ", "shorter than 24h", NULL);
	assert_null(strstr(e, "response_normal"));
	free(e);
}

static void
config_load__warn_before_shorter_than_both_or_none__loads(void **state)
{
	struct config *cfg = load_ok("[deadlines]\nwarn_before = 23h 59min\n"
	    "[reason.slow]\nresponse_critical = 72h\nwarn_before = 71h\n"
	    "response_normal = 3d\n[reason.quiet]\nresponse_critical = 1h\n"
	    "warn_before = 0s\n");

	assert_string_equal(deadline(cfg, "slow", CONFIG_DL_WARN_BEFORE, NULL), "2d 23h");
	config_free(cfg);
}

static void
config_load__response_shorter_than_the_inherited_warning__is_an_error_on_its_line(
    void **state)
{
	char *e = load_bad("[deadlines]\nresponse_critical = 3h\n[reason.r]\n"
	    "photos_wait = 1d\nresponse_normal = 4h\n");

	assert_error(e, "F:2: [deadlines] response_critical: 3h is not longer than "
	    "warn_before (4h, the default): ", "make it longer, or warn_before shorter",
	    NULL);
	assert_error(e, "F:5: [reason.r] response_normal: 4h is not longer than warn_before "
	    "(4h, the default): ", NULL);
	assert_int_equal(count_lines(e), 2);	/* r inherits the critical one: said once */
	free(e);
}

static void
config_load__reason_warning__is_checked_with_what_it_inherits(void **state)
{
	char *e = load_bad("[deadlines]\nresponse_critical = 10h\nwarn_before = 9h\n"
	    "[reason.r]\nwarn_before = 12h\n[reason.s]\nresponse_critical = 8h\n"
	    "[reason.t]\nphotos_wait = 1d\n");

	assert_error(e, "F:5: [reason.r] warn_before: 12h is not shorter than "
	    "response_critical (10h, from [deadlines]): ", "shorter than 10h", NULL);
	assert_error(e, "F:7: [reason.s] response_critical: 8h is not longer than "
	    "warn_before (9h, from [deadlines]): ", NULL);
	assert_int_equal(count_lines(e), 2);
	free(e);
}

static void
config_load__warning_and_business_day_response__counts_a_day_each(void **state)
{
	struct config *cfg = load_ok("[deadlines]\nresponse_normal = 3bd\n"
	    "response_critical = 1bd\nwarn_before = 23h\n");
	char *e;

	config_free(cfg);
	e = load_bad("[deadlines]\nresponse_normal = 3bd\nresponse_critical = 1bd\n"
	    "warn_before = 24h\n");
	assert_string_equal(e, "F:4: [deadlines] warn_before: 24h is not shorter than "
	    "response_critical (1bd, as short as 24h): the warning would be due before the "
	    "response clock starts when the clock starts late in the day, and not fire; make "
	    "it shorter than 24h (or 0s for none)\n");
	free(e);
	e = load_bad("[deadlines]\nresponse_critical = 48h\nwarn_before = 30h\n"
	    "[reason.r]\nresponse_normal = 1bd\n");
	assert_string_equal(e, "F:5: [reason.r] response_normal: 1bd (as short as 24h) is "
	    "not longer than warn_before (30h, from [deadlines]): the warning would be due "
	    "before the response clock starts when the clock starts late in the day, and not "
	    "fire; make it longer, or warn_before shorter\n");
	free(e);
	e = load_bad("[reason.r]\nresponse_normal = 1bd\n[deadlines]\nwarn_before = 30h\n");
	assert_error(e, "F:4: [deadlines] warn_before: 30h is not shorter than "
	    "response_critical (24h, the default): ", NULL);
	assert_error(e, "F:2: [reason.r] response_normal: 1bd (as short as 24h) is not "
	    "longer than warn_before (30h, from [deadlines])", NULL);
	assert_int_equal(count_lines(e), 2);
	free(e);
}

static void
config_deadline__reason_override__wins_then_deadlines_then_default(void **state)
{
	struct config *cfg = load_ok("[deadlines]\nphotos_wait = 3d\n"
	    "[reason.cancel_after_delivery]\nphotos_wait = 1d\nresponse_normal = 72h\n");
	enum config_src src;

	assert_string_equal(deadline(cfg, "cancel_after_delivery", CONFIG_DL_PHOTOS_WAIT,
	    &src), "1d");
	assert_int_equal(src, CONFIG_SRC_REASON);
	assert_string_equal(deadline(cfg, "cancel_after_delivery",
	    CONFIG_DL_RESPONSE_NORMAL, &src), "3d");
	assert_int_equal(src, CONFIG_SRC_REASON);
	assert_string_equal(deadline(cfg, "cancel_after_delivery", CONFIG_DL_ADDRESS_WAIT,
	    &src), "2d");
	assert_int_equal(src, CONFIG_SRC_DEFAULT);
	assert_string_equal(deadline(cfg, "other", CONFIG_DL_PHOTOS_WAIT, &src), "3d");
	assert_int_equal(src, CONFIG_SRC_DEADLINES);
	assert_string_equal(deadline(cfg, NULL, CONFIG_DL_PHOTOS_WAIT, &src), "3d");
	assert_int_equal(src, CONFIG_SRC_DEADLINES);
	assert_string_equal(deadline(cfg, NULL, CONFIG_DL_RESPONSE_NORMAL, NULL), "2d");
	config_free(cfg);
}

static void
config_load__repeated_reason_sections__merge_unless_a_key_repeats(void **state)
{
	struct config *cfg = load_ok("[reason.a]\nphotos_wait = 1d\n[reason.b]\n"
	    "photos_wait = 2d\n[reason.a]\naddress_wait = 3d\n");
	char *e;

	assert_int_equal(cfg->n_reasons, 2);
	assert_string_equal(deadline(cfg, "a", CONFIG_DL_PHOTOS_WAIT, NULL), "1d");
	assert_string_equal(deadline(cfg, "a", CONFIG_DL_ADDRESS_WAIT, NULL), "3d");
	assert_string_equal(deadline(cfg, "b", CONFIG_DL_PHOTOS_WAIT, NULL), "2d");
	config_free(cfg);
	e = load_bad("[reason.a]\nphotos_wait = 1d\n[reason.a]\nphotos_wait = 2d\n");
	assert_error(e, "F:4: [reason.a] photos_wait: duplicate key", "line 2", NULL);
	free(e);
}

static void
config_load__bad_reason_name__is_an_error(void **state)
{
	char long_name[80], text[160];
	struct config *cfg;
	char *e;

	memset(long_name, 'r', 65);
	long_name[65] = '\0';
	snprintf(text, sizeof(text), "[reason.]\n[reason.a b]\nphotos_wait = x\n"
	    "[reason.%s]\n", long_name);
	e = load_bad(text);
	assert_error(e, "F:1: [reason.]: bad reason name", "1 to 64", NULL);
	assert_error(e, "F:2: [reason.a b]: bad reason name", NULL);
	assert_error(e, "F:4: [reason.rrr", "bad reason name", NULL);
	assert_int_equal(count_lines(e), 3);
	free(e);
	long_name[64] = '\0';
	snprintf(text, sizeof(text), "[reason.%s]\nphotos_wait = 5d\n[reason.A-z.0:9_]\n",
	    long_name);
	cfg = load_ok(text);
	assert_string_equal(deadline(cfg, long_name, CONFIG_DL_PHOTOS_WAIT, NULL), "5d");
	assert_string_equal(cfg->reasons[1].name, "A-z.0:9_");
	config_free(cfg);
}

static void
config_src_text__names_each_source(void **state)
{
	char buf[64];

	assert_string_equal(config_src_text(CONFIG_SRC_DEFAULT, "x", buf, sizeof(buf)),
	    "default");
	assert_string_equal(config_src_text(CONFIG_SRC_DEADLINES, "x", buf, sizeof(buf)),
	    "[deadlines]");
	assert_string_equal(config_src_text(CONFIG_SRC_REASON, "late", buf, sizeof(buf)),
	    "[reason.late]");
}

static void
config_dl_name__names_every_deadline_key(void **state)
{
	static const char *names[CONFIG_DL_COUNT] = { "response_normal",
		"response_critical", "warn_before", "photos_wait", "address_wait",
		"posting_wait", "pickup_grace", "letter_wait", "reply_window" };
	int i;

	for (i = 0; i < CONFIG_DL_COUNT; i++)
		assert_string_equal(config_dl_name(i), names[i]);
}

static void
config_load__relative_paths__resolve_against_the_file_directory(void **state)
{
	struct config *cfg = load_ok("[daemon]\ndatabase = db/p.db\nsocket = ../p.sock\n");
	char want[PATH_MAX + 32], parent[PATH_MAX];

	snprintf(want, sizeof(want), "%s/db/p.db", fx->dir);
	assert_string_equal(cfg->database, want);
	snprintf(parent, sizeof(parent), "%s", fx->dir);
	*strrchr(parent, '/') = '\0';
	snprintf(want, sizeof(want), "%s/p.sock", parent);
	assert_string_equal(cfg->socket, want);
	config_free(cfg);
}

static void
config_load__file_named_relatively__still_gives_absolute_paths(void **state)
{
	char cwd[PATH_MAX], want[PATH_MAX + 32], *errors = NULL;
	const char *path = write_ini("[daemon]\ndatabase = ./x.db\n");
	struct config *cfg;

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(fx->dir), 0);
	cfg = config_load(strrchr(path, '/') + 1, &errors);
	assert_int_equal(chdir(cwd), 0);
	assert_non_null(cfg);
	snprintf(want, sizeof(want), "%s/x.db", fx->dir);
	assert_string_equal(cfg->database, want);
	config_free(cfg);
}

static void
config_load__socket_path_over_107_bytes__is_an_error(void **state)
{
	char text[300], path[120];
	struct config *cfg;
	char *e;

	memset(path, 'a', sizeof(path));
	path[0] = '/';
	path[107] = '\0';
	snprintf(text, sizeof(text), "[daemon]\nsocket = %s\n", path);
	cfg = load_ok(text);
	assert_int_equal(strlen(cfg->socket), 107);
	config_free(cfg);
	path[107] = 'a';
	path[108] = '\0';
	snprintf(text, sizeof(text), "[daemon]\nsocket = %s\n", path);
	e = load_bad(text);
	assert_error(e, "F:2: [daemon] socket: ", "108 bytes", "107", NULL);
	free(e);
}

static void
config_load__socket_mode__is_octal_up_to_0777(void **state)
{
	struct config *cfg = load_ok("[daemon]\nsocket_mode = 0600\n");
	char *e;

	assert_int_equal(cfg->socket_mode, 0600);
	config_free(cfg);
	cfg = load_ok("[daemon]\nsocket_mode = 777\n");
	assert_int_equal(cfg->socket_mode, 0777);
	config_free(cfg);
	e = load_bad("[daemon]\nsocket_mode = 01000\n");
	assert_error(e, "F:2: [daemon] socket_mode: ", "\"01000\"", "0 to 0777", NULL);
	free(e);
	e = load_bad("[daemon]\nsocket_mode = rw-rw----\n");
	assert_error(e, "F:2: [daemon] socket_mode: ", "\"rw-rw----\"", "0660", NULL);
	free(e);
}

static void
config_load__write_group__must_exist(void **state)
{
	char *e = load_bad("[daemon]\nwrite_group = no-such-group-protocold-test\n");

	assert_error(e, "F:2: [daemon] write_group: ", "\"no-such-group-protocold-test\"",
	    "does not exist", NULL);
	free(e);
}

static void
config_load__unknown_timezone__is_an_error(void **state)
{
	struct config *cfg = load_ok("[daemon]\ntimezone = UTC\n");
	char *e;

	assert_string_equal(cfg->timezone, "UTC");
	config_free(cfg);
	e = load_bad("[daemon]\ntimezone = America/Atlantis\n");
	assert_error(e, "F:2: [daemon] timezone: ", "America/Atlantis", "America/Sao_Paulo",
	    NULL);
	free(e);
}

static void
config_load__synchronous__is_full_or_normal(void **state)
{
	struct config *cfg = load_ok("[daemon]\nsynchronous = normal\n");

	assert_false(cfg->sync_full);
	config_free(cfg);
}

static void
config_load__holidays__takes_the_three_calendars(void **state)
{
	struct config *cfg = load_ok("[calendar]\nholidays = br-banking\n");

	assert_int_equal(cfg->holidays, CAL_BR_BANKING);
	config_free(cfg);
	cfg = load_ok("[calendar]\nholidays = none\n");
	assert_int_equal(cfg->holidays, CAL_NONE);
	config_free(cfg);
}

static void
config_load__extra_holidays__are_sorted_without_repeats(void **state)
{
	struct config *cfg = load_ok("[calendar]\n"
	    "extra_holidays = 2026-07-09,2026-01-25 ,  2026-07-09, 2025-12-31\n");

	assert_int_equal(cfg->n_extra_holidays, 3);
	assert_int_equal(cfg->extra_holidays[0], day("2025-12-31"));
	assert_int_equal(cfg->extra_holidays[1], day("2026-01-25"));
	assert_int_equal(cfg->extra_holidays[2], day("2026-07-09"));
	config_free(cfg);
	cfg = load_ok("[calendar]\nextra_holidays =\n");
	assert_int_equal(cfg->n_extra_holidays, 0);
	config_free(cfg);
}

static void
config_load__extra_holidays_bad_dates__are_each_reported(void **state)
{
	char *e = load_bad("[calendar]\nextra_holidays = 2026-02-30, 2026-01-25, 26-1-1\n");

	assert_int_equal(count_lines(e), 2);
	assert_error(e, "F:2: [calendar] extra_holidays: \"2026-02-30\"", "YYYY-MM-DD",
	    NULL);
	assert_error(e, "F:2: [calendar] extra_holidays: \"26-1-1\"", NULL);
	free(e);
}

static void
config_load__over_long_line__is_reported_not_split(void **state)
{
	char text[512], value[256];
	struct config *cfg;
	char *e;
	int pad;

	/* "database = /" + pad = 199 bytes: fits. */
	pad = 199 - (int)strlen("database = /");
	memset(value, 'd', pad);
	value[pad] = '\0';
	snprintf(text, sizeof(text), "[daemon]\ndatabase = /%s\n", value);
	cfg = load_ok(text);
	assert_int_equal(strlen(cfg->database), 1 + pad);
	config_free(cfg);
	snprintf(text, sizeof(text), "[daemon]\ndatabase = /%sd\nsynchronous = x\n", value);
	e = load_bad(text);
	assert_error(e, "F:2: line too long", "200 bytes", "199", NULL);
	assert_error(e, "F:3: [daemon] synchronous: ", NULL);
	assert_int_equal(count_lines(e), 2);
	free(e);
}

static void
config_load__malformed_lines__are_errors(void **state)
{
	char *e = load_bad("[daemon\nsynchronous = x\n[daemon]\njust words\n= value\n"
	    "[calendar] junk\n");

	assert_error(e, "F:1: [daemon: ", "closing ']'", NULL);
	assert_error(e, "F:4: \"just words\": ", "key = value", NULL);
	assert_error(e, "F:5: \"= value\": ", "key name is missing", NULL);
	assert_error(e, "F:6: [calendar]: unexpected \"junk\"", NULL);
	assert_int_equal(count_lines(e), 4);	/* line 2 is in no known section */
	free(e);
}

static void
config_load__empty_value__is_an_error(void **state)
{
	char *e = load_bad("[daemon]\ndatabase =\nwrite_group = \n");

	assert_error(e, "F:2: [daemon] database: empty value", NULL);
	assert_error(e, "F:3: [daemon] write_group: empty value", NULL);
	free(e);
}

static void
config_load__crlf_and_bom__are_accepted(void **state)
{
	struct config *cfg = load_ok("\xEF\xBB\xBF[daemon]\r\nsynchronous = normal\r\n"
	    "[deadlines]\r\nphotos_wait = 3d\r\n");

	assert_false(cfg->sync_full);
	assert_string_equal(deadline(cfg, NULL, CONFIG_DL_PHOTOS_WAIT, NULL), "3d");
	config_free(cfg);
}

static void
config_load__shipped_demo__loads_with_run_paths(void **state)
{
	struct config *cfg;
	char *errors = NULL;

	if (access("conf/demo.ini", R_OK) != 0)
		skip();		/* run from the project root (tests/run.sh does) */
	cfg = config_load("conf/demo.ini", &errors);
	if (cfg == NULL)
		fail_msg("%s", errors);
	assert_non_null(strstr(cfg->database, "/run/protocold.db"));
	assert_non_null(strstr(cfg->socket, "/run/protocold.sock"));
	assert_int_equal(cfg->database[0], '/');
	assert_null(strstr(cfg->database, "/conf/"));
	assert_null(cfg->write_group);
	config_free(cfg);
}

static void
config_load__shipped_config__fails_at_most_on_a_missing_group(void **state)
{
	struct config *cfg;
	char *errors = NULL;

	if (access("conf/protocold.ini", R_OK) != 0)
		skip();
	if ((cfg = config_load("conf/protocold.ini", &errors)) != NULL) {
		assert_string_equal(cfg->write_group, "protocold");
		assert_string_equal(cfg->database, "/var/lib/protocold/protocold.db");
		config_free(cfg);
		return;
	}
	assert_int_equal(count_lines(errors), 1);
	assert_non_null(strstr(errors, "write_group: group \"protocold\" does not exist"));
	free(errors);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(config_load__spec_example__loads_every_value),
		T(config_load__empty_file__gives_the_defaults),
		T(config_load__absent_sections__keep_their_defaults),
		T(config_load__missing_file__says_cannot_open),
		T(config_load__directory__is_not_a_regular_file),
		T(config_load__fifo__is_refused_without_waiting_for_a_writer),
		T(config_load__link_to_dev_zero__is_refused_unread),
		T(config_load__file_of_the_bound__loads_and_one_byte_more_is_refused),
		T(config_load__sparse_gigabyte__is_refused_by_its_size),
		T(config_load__long_line_without_newline__is_reported_with_its_length),
		T(config_load__over_a_hundred_errors__are_cut_with_their_count),
		T(config_load__more_reasons_than_the_cap__are_errors),
		T(config_load__unknown_section__names_file_line_and_section),
		T(config_load__unknown_key__lists_the_known_keys),
		T(config_load__key_of_another_section__says_where_it_belongs),
		T(config_load__key_before_any_section__is_an_error),
		T(config_load__duplicate_key__names_both_lines),
		T(config_load__duplicate_key_in_a_repeated_section__is_an_error),
		T(config_load__indented_line__is_a_duplicate_of_the_previous_key),
		T(config_load__indented_line_after_a_header__is_a_key),
		T(config_load__hash_note_in_value__says_only_semicolon_starts_a_comment),
		T(config_load__semicolon_after_a_space__starts_a_comment),
		T(config_load__several_errors__are_all_reported),
		T(config_load__bad_durations__name_the_key_and_the_units),
		T(config_load__warn_before_and_pickup_grace__may_be_zero_but_not_business_days),
		T(config_load__other_deadlines__must_be_positive_and_may_be_business_days),
		T(config_load__warn_before_not_shorter_than_both_responses__is_one_error_on_its_line),
		T(config_load__warn_before_of_the_critical_response__is_an_error),
		T(config_load__warn_before_shorter_than_both_or_none__loads),
		T(config_load__response_shorter_than_the_inherited_warning__is_an_error_on_its_line),
		T(config_load__reason_warning__is_checked_with_what_it_inherits),
		T(config_load__warning_and_business_day_response__counts_a_day_each),
		T(config_deadline__reason_override__wins_then_deadlines_then_default),
		T(config_load__repeated_reason_sections__merge_unless_a_key_repeats),
		T(config_load__bad_reason_name__is_an_error),
		T(config_src_text__names_each_source),
		T(config_dl_name__names_every_deadline_key),
		T(config_load__relative_paths__resolve_against_the_file_directory),
		T(config_load__file_named_relatively__still_gives_absolute_paths),
		T(config_load__socket_path_over_107_bytes__is_an_error),
		T(config_load__socket_mode__is_octal_up_to_0777),
		T(config_load__write_group__must_exist),
		T(config_load__unknown_timezone__is_an_error),
		T(config_load__synchronous__is_full_or_normal),
		T(config_load__holidays__takes_the_three_calendars),
		T(config_load__extra_holidays__are_sorted_without_repeats),
		T(config_load__extra_holidays_bad_dates__are_each_reported),
		T(config_load__over_long_line__is_reported_not_split),
		T(config_load__malformed_lines__are_errors),
		T(config_load__empty_value__is_an_error),
		T(config_load__crlf_and_bom__are_accepted),
		T(config_load__shipped_demo__loads_with_run_paths),
		T(config_load__shipped_config__fails_at_most_on_a_missing_group),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
