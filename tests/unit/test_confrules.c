/*
 * The rulebooks of a configuration (common/confrules.c through config_load): [rules]
 * files (a glob) and default, what holds across files, the built-in rulebook, and the
 * main file's [deadlines]/[reason.X] wait overrides, which must name a wait of the
 * default rulebook. The files are written in a temp directory; errors are compared
 * whole, with that directory written "D".
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conffile.h"
#include "config.h"
#include "rbread.h"
#include "rulebook.h"
#include "tmpdir.h"

#define H (3600 * 1000LL)
#define D (24 * H)

/* The test's directory (a real path: the loader resolves the main file's). */
static char dir[PATH_MAX];

static int
setup(void **state)
{
	char made[PATH_MAX];

	if (tmpdir_make(made, sizeof made, "test_confrules") != 0)
		return -1;
	if (realpath(made, dir) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	tmpdir_remove(dir);
	return 0;
}

/* Write text to the file name in the test's directory. */
static void
put(const char *name, const char *text)
{
	char path[PATH_MAX + 64];
	FILE *fp;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	assert_non_null(fp = fopen(path, "w"));
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

static char *
main_path(void)
{
	static char path[PATH_MAX + 16];

	snprintf(path, sizeof path, "%s/main.conf", dir);
	return path;
}

/* Load text as the main file (main.conf). */
static struct config *
load(const char *text, char **errors)
{
	put("main.conf", text);
	return config_load(main_path(), errors);
}

static struct config *
load_ok(const char *text)
{
	char *errors = NULL;
	struct config *cfg = load(text, &errors);

	if (cfg == NULL)
		fail_msg("refused:\n%s\n-- errors:\n%s", text, errors);
	assert_null(errors);
	return cfg;
}

/* Load text, which must be refused: its errors with the test's directory as "D". */
static char *
load_bad(const char *text)
{
	char *errors = NULL, *out, *o;
	size_t dlen = strlen(dir);

	assert_null(load(text, &errors));
	assert_non_null(errors);
	o = out = calloc(1, strlen(errors) + 1);
	for (const char *p = errors; *p != '\0';) {
		if (strncmp(p, dir, dlen) == 0) {
			*o++ = 'D';
			p += dlen;
		} else
			*o++ = *p++;
	}
	free(errors);
	return out;
}

static void
expect(const char *text, const char *errors)
{
	char *got = load_bad(text);

	assert_string_equal(got, errors);
	free(got);
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* A good rulebook for marketplace name, with an awaiting action whose clock is
 * clock (lines: [marketplace] 1, name 2, [action.ACTION] 5, clock 9). */
static char *
book(const char *name, const char *action, const char *clock)
{
	char *text;

	assert_true(asprintf(&text, "[marketplace]\nname = %s\nresponse = 48h\n\n"
	    "[action.%s]\nlabel = Wait\nto = awaiting\nwait = 2d\nclock = %s\n", name,
	    action, clock) > 0);
	return text;
}

static void
put_book(const char *file, const char *name, const char *action, const char *clock)
{
	char *text = book(name, action, clock);

	put(file, text);
	free(text);
}

/* The shipped and the built-in rulebooks */

static void
config_load__shipped_rulebooks__both_load_cleanly(void **state)
{
	char cwd[PATH_MAX], *text;
	struct config *cfg;
	const struct rulebook *cb, *mm;

	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_true(asprintf(&text, "[rules]\nfiles = %s/conf/rules/*.ini\n"
	    "default = madeiramadeira\n", cwd) > 0);
	cfg = load_ok(text);
	assert_int_equal(cfg->n_books, 2);
	assert_non_null(cb = config_book(cfg, "casas-bahia"));
	assert_non_null(mm = config_book(cfg, "madeiramadeira"));
	assert_null(config_book(cfg, "magalu"));
	assert_ptr_equal(config_default_book(cfg), mm);
	assert_ptr_equal(cfg->books[0], cb);	/* in the glob's order */
	assert_non_null(strstr(cb->path, "/conf/rules/casas-bahia.ini"));
	assert_int_equal(cb->path[0], '/');
	/* madeiramadeira names its calendar: a calendar of its own; casas-bahia not. */
	assert_non_null(mm->cal);
	assert_int_equal(cal_kind_of(mm->cal), CAL_BR_NATIONAL);
	assert_null(cb->cal);
	config_free(cfg);
	free(text);
}

static void
config_load__without_rules__runs_on_the_built_in_casas_bahia(void **state)
{
	struct config *cfg = load_ok("[deadlines]\npickup_grace = 2d\n");
	const struct rulebook *b;
	char *file, *errors = NULL;
	size_t len;
	int n = 0;
	struct rbread_errors err = { &errors, &n, 100 };
	struct rulebook *f;

	assert_int_equal(cfg->n_books, 1);
	assert_int_equal(cfg->default_book, 0);
	assert_non_null(b = config_default_book(cfg));
	assert_string_equal(b->name, "casas-bahia");
	assert_string_equal(b->path, RULEBOOK_BUILTIN_PATH);
	assert_null(cfg->rules_files);
	/* The very text of conf/rules/casas-bahia.ini. */
	assert_non_null(file = conffile_read("conf/rules/casas-bahia.ini", RULEBOOK_MAX_BYTES,
	    &len, &errors));
	assert_non_null(f = rbread_parse("x", file, len, &rulebook_states, &err));
	assert_true(f->digest == b->digest);
	rulebook_free(f);
	free(file);
	config_free(cfg);
}

static void
config_load__rules_default_alone__must_name_the_built_in_book(void **state)
{
	struct config *cfg = load_ok("[rules]\ndefault = casas-bahia\n");

	assert_string_equal(config_default_book(cfg)->name, "casas-bahia");
	config_free(cfg);
	expect("[rules]\ndefault = casas-bahai\n",
	    "D/main.conf:2: [rules] default: no rulebook has the name casas-bahai (did you "
	    "mean casas-bahia?)\n");
}

/* [rules] files and default */

static void
config_load__relative_glob__is_read_from_the_main_file_directory(void **state)
{
	struct config *cfg;

	put_book("rb-a.ini", "alpha", "ask", "ask_wait");
	put_book("rb-b.ini", "beta", "ask", "ask_wait");
	cfg = load_ok("[rules]\nfiles = rb-*.ini\ndefault = beta\n");
	/* The two listed, then the built-in one (doc/rules.md, "The built-in rulebook"). */
	assert_int_equal(cfg->n_books, 3);
	assert_string_equal(cfg->books[0]->name, "alpha");
	assert_string_equal(cfg->books[1]->name, "beta");
	assert_string_equal(cfg->books[2]->path, RULEBOOK_BUILTIN_PATH);
	assert_int_equal(cfg->default_book, 1);
	/* The same clock name in two books is one clock kind. */
	assert_int_equal(cfg->books[0]->actions[0].kind, cfg->books[1]->actions[0].kind);
	config_free(cfg);
}

static void
config_load__glob_matching_nothing__is_an_error_on_its_line(void **state)
{
	expect("; rulebooks\n[rules]\nfiles = rules/*.ini\n",
	    "D/main.conf:3: [rules] files: no file matches D/rules/*.ini (a glob of "
	    "rulebooks, relative to this file's directory, e.g. rules/*.ini)\n");
}

static void
config_load__glob_in_a_file_not_a_directory__matches_nothing(void **state)
{
	put("rules", "");
	expect("[rules]\nfiles = rules/*.ini\n",
	    "D/main.conf:2: [rules] files: no file matches D/rules/*.ini (a glob of "
	    "rulebooks, relative to this file's directory, e.g. rules/*.ini)\n");
	expect("[rules]\nfiles = none-*.ini\n",
	    "D/main.conf:2: [rules] files: no file matches D/none-*.ini (a glob of "
	    "rulebooks, relative to this file's directory, e.g. rules/*.ini)\n");
}

static void
config_load__glob_of_over_64_files__is_refused(void **state)
{
	char name[32];

	for (int i = 0; i < 65; i++) {
		snprintf(name, sizeof name, "rb-%02d.ini", i);
		put(name, "");
	}
	expect("[rules]\nfiles = rb-*.ini\n",
	    "D/main.conf:2: [rules] files: D/rb-*.ini matches 65 files (at most 64 "
	    "rulebooks)\n");
}

static void
config_load__two_books_without_default__is_an_error_on_the_files_line(void **state)
{
	put_book("rb-a.ini", "alpha", "ask", "ask_wait");
	put_book("rb-b.ini", "beta", "ask", "ask_wait");
	expect("[rules]\n\nfiles = rb-*.ini\n",
	    "D/main.conf:3: [rules] default: missing (2 rulebooks are loaded: name the "
	    "marketplace of a protocol created without one)\n");
}

static void
config_load__default_not_a_name__is_told_once(void **state)
{
	put_book("rb-a.ini", "alpha", "ask", "ask_wait");
	put_book("rb-b.ini", "beta", "ask", "ask_wait");
	/* Nor are the overrides checked against a book that may not be the default. */
	expect("[rules]\nfiles = rb-*.ini\ndefault = Alpha\n[deadlines]\nphotos_wait = 1d\n",
	    "D/main.conf:3: [rules] default: 'Alpha' is not a marketplace name (1 to 32 of "
	    "a-z 0-9 -, e.g. casas-bahia)\n");
}

static void
config_load__one_book_without_default__is_the_default(void **state)
{
	struct config *cfg;

	put_book("rb-a.ini", "alpha", "ask", "ask_wait");
	cfg = load_ok("[rules]\nfiles = rb-*.ini\n");
	assert_string_equal(config_default_book(cfg)->name, "alpha");
	config_free(cfg);
}

static void
config_load__unknown_default__suggests_the_nearest_name(void **state)
{
	put_book("rb-a.ini", "alpha", "ask", "ask_wait");
	put_book("rb-b.ini", "beta", "ask", "ask_wait");
	expect("[rules]\nfiles = rb-*.ini\ndefault = alhpa\n",
	    "D/main.conf:3: [rules] default: no rulebook has the name alhpa (did you mean "
	    "alpha?)\n");
	expect("[rules]\nfiles = rb-*.ini\ndefault = gamma-delta\n",
	    "D/main.conf:3: [rules] default: no rulebook has the name gamma-delta\n");
}

/* Across files */

static void
config_load__same_marketplace_in_two_files__names_both(void **state)
{
	put_book("rb-a.ini", "shop", "ask", "ask_wait");
	put_book("rb-b.ini", "shop", "tell", "tell_wait");
	expect("[rules]\nfiles = rb-*.ini\ndefault = shop\n",
	    "D/rb-b.ini:2: [marketplace] name: shop is also the name in D/rb-a.ini:2 (one "
	    "rulebook per marketplace)\n");
}

static void
config_load__marketplaces_of_one_number__must_be_renamed(void **state)
{
	assert_int_equal(rulebook_market_number("mhvp"), rulebook_market_number("mkgh"));
	put_book("rb-a.ini", "mhvp", "ask", "ask_wait");
	put_book("rb-b.ini", "mkgh", "ask", "ask_wait");
	expect("[rules]\nfiles = rb-*.ini\ndefault = mhvp\n",
	    "D/rb-b.ini:2: [marketplace] name: mkgh gets the same number as mhvp of "
	    "D/rb-a.ini (rename one)\n");
}

static void
config_load__clocks_of_one_number_in_two_files__name_both_lines(void **state)
{
	assert_int_equal(rulebook_kind_number("wbxz"), rulebook_kind_number("weta"));
	put_book("rb-a.ini", "alpha", "ask", "wbxz");
	put_book("rb-b.ini", "beta", "tell", "weta");
	expect("[rules]\nfiles = rb-*.ini\ndefault = alpha\n",
	    "D/rb-b.ini:9: [action.tell] clock: weta gets the same number as wbxz of "
	    "[action.ask] in D/rb-a.ini:9 (rename one)\n");
}

static void
config_load__errors_of_every_file__are_told_at_once(void **state)
{
	put("rb-a.ini", "[marketplace]\nname = alpha\nresponse = 48h\nrespons = 1d\n");
	put("rb-b.ini", "[marketplace]\nname = beta\n[action.x]\nlabel = X\nto = awaiting\n");
	put_book("rb-c.ini", "gamma", "ask", "ask_wait");
	expect("[daemon]\nsynchronous = sometimes\n[rules]\nfiles = rb-*.ini\n",
	    "D/main.conf:2: [daemon] synchronous: \"sometimes\" is not a mode (full or "
	    "normal)\n"
	    "D/rb-a.ini:4: [marketplace] respons: unknown key (did you mean response? known "
	    "here: name, title, response, response_critical, warn_before, reply_window, "
	    "calendar, extra_holidays)\n"
	    "D/rb-b.ini:1: [marketplace] response: missing (required: how long the seller "
	    "has to act, e.g. response = 48h)\n"
	    "D/rb-b.ini:5: [action.x] wait: missing (required with to = awaiting: how "
	    "long, e.g. 48h, or PARAM + DURATION)\n");
}

static void
config_load__over_a_hundred_errors_across_files__are_cut_with_their_count(void **state)
{
	char *text, *e;
	size_t len;
	FILE *fp;

	for (int f = 0; f < 2; f++) {
		text = NULL;
		len = 0;
		fp = open_memstream(&text, &len);
		fprintf(fp, "[marketplace]\nname = m%d\nresponse = 48h\n", f);
		for (int i = 0; i < 60; i++)
			fprintf(fp, "k%d = 1\n", i);
		fclose(fp);
		put(f ? "rb-b.ini" : "rb-a.ini", text);
		free(text);
	}
	e = load_bad("[rules]\nfiles = rb-*.ini\n");
	assert_int_equal(count_lines(e), 101);
	assert_non_null(strstr(e, "D/rb-a.ini:4: [marketplace] k0: unknown key"));
	assert_non_null(strstr(e, "D/rb-b.ini:43: [marketplace] k39: unknown key"));
	assert_null(strstr(e, "D/rb-b.ini:44:"));
	assert_non_null(strstr(e, "\nD/main.conf: 20 more errors not shown (fix the ones "
	    "above first)\n"));
	free(e);
}

/* The main file's overrides of the default rulebook */

static void
config_load__wait_override_the_default_book_lacks__names_its_waits(void **state)
{
	put_book("rb-a.ini", "alpha", "ask", "ask_wait");
	expect("[rules]\nfiles = rb-*.ini\n[deadlines]\nresponse_normal = 24h\n"
	    "photos_wait = 72h\n[reason.late]\nletter_wait = 1d\n",
	    "D/main.conf:5: [deadlines] photos_wait: the default rulebook (alpha) has no wait "
	    "of that name (its waits: ask_wait)\n"
	    "D/main.conf:7: [reason.late] letter_wait: the default rulebook (alpha) has no "
	    "wait of that name (its waits: ask_wait)\n");
	put("rb-a.ini", "[marketplace]\nname = alpha\nresponse = 48h\n");
	expect("[rules]\nfiles = rb-*.ini\n[deadlines]\nposting_wait = 1d\n",
	    "D/main.conf:4: [deadlines] posting_wait: the default rulebook (alpha) has no "
	    "wait of that name (its waits: none)\n");
}

static void
config_load__wait_override__matches_the_config_key_of_the_default_book(void **state)
{
	char cwd[PATH_MAX], *text;
	struct config *cfg;

	/* casas-bahia's pickup_wait takes the [deadlines] key pickup_grace. */
	cfg = load_ok("[deadlines]\npickup_grace = 0s\nphotos_wait = 3d\n"
	    "[reason.x]\nletter_wait = 2bd\n");
	assert_true(cfg->dl_set[CONFIG_DL_PICKUP_GRACE]);
	config_free(cfg);
	/* madeiramadeira's has none: its key is pickup_wait, which is no [deadlines] key. */
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_true(asprintf(&text, "[rules]\nfiles = %s/conf/rules/*.ini\n"
	    "default = madeiramadeira\n[deadlines]\nposting_wait = 10d\npickup_grace = 2d\n",
	    cwd) > 0);
	expect(text, "D/main.conf:6: [deadlines] pickup_grace: the default rulebook "
	    "(madeiramadeira) has no wait of that name (its waits: posting_wait, "
	    "pickup_wait)\n");
	free(text);
}

static void
config_load__wait_override__only_looks_at_the_default_book(void **state)
{
	struct config *cfg;

	put_book("rb-a.ini", "alpha", "ask", "photos_wait");
	put_book("rb-b.ini", "beta", "ask", "ask_wait");
	cfg = load_ok("[rules]\nfiles = rb-*.ini\ndefault = alpha\n[deadlines]\n"
	    "photos_wait = 1d\n");
	config_free(cfg);
	expect("[rules]\nfiles = rb-*.ini\ndefault = beta\n[deadlines]\nphotos_wait = 1d\n",
	    "D/main.conf:5: [deadlines] photos_wait: the default rulebook (beta) has no "
	    "wait of that name (its waits: ask_wait)\n");
}

/* Calendars and the fingerprint */

static void
config_load__book_with_holidays_alone__counts_on_the_main_calendar(void **state)
{
	struct config *cfg;

	put("rb-a.ini", "[marketplace]\nname = alpha\nresponse = 48h\n"
	    "extra_holidays = 2026-07-09\n");
	put("rb-b.ini", "[marketplace]\nname = beta\nresponse = 48h\ncalendar = none\n");
	put("rb-c.ini", "[marketplace]\nname = gamma\nresponse = 48h\n");
	cfg = load_ok("[calendar]\nholidays = br-banking\n[rules]\nfiles = rb-*.ini\n"
	    "default = gamma\n");
	assert_non_null(cfg->books[0]->cal);
	assert_int_equal(cal_kind_of(cfg->books[0]->cal), CAL_BR_BANKING);
	assert_non_null(cfg->books[1]->cal);
	assert_int_equal(cal_kind_of(cfg->books[1]->cal), CAL_NONE);
	assert_null(cfg->books[2]->cal);
	config_free(cfg);
}

static void
config_fingerprint__follows_the_rulebooks_texts(void **state)
{
	struct config *cfg;
	char a[17], b[17], c[17];

	put_book("rb-a.ini", "alpha", "ask", "ask_wait");
	cfg = load_ok("[rules]\nfiles = rb-*.ini\n");
	config_fingerprint(cfg, a);
	config_free(cfg);
	cfg = load_ok("[rules]\nfiles = rb-*.ini\n");
	config_fingerprint(cfg, b);
	config_free(cfg);
	put("rb-a.ini", "[marketplace]\nname = alpha\nresponse = 24h\n");
	cfg = load_ok("[rules]\nfiles = rb-*.ini\n");
	config_fingerprint(cfg, c);
	config_free(cfg);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

static void
config_load__files_without_the_built_in_name__keep_the_built_in_book(void **state)
{
	struct config *cfg;

	put_book("rb-a.ini", "alpha", "ask", "ask_wait");
	cfg = load_ok("[rules]\nfiles = rb-*.ini\n");
	assert_int_equal(cfg->n_books, 2);
	assert_string_equal(cfg->books[1]->path, RULEBOOK_BUILTIN_PATH);
	/* The one listed is the default. */
	assert_int_equal(cfg->default_book, 0);
	config_free(cfg);
	cfg = load_ok("[rules]\nfiles = rb-*.ini\ndefault = casas-bahia\n");
	assert_int_equal(cfg->default_book, 1);
	config_free(cfg);
}

static void
config_load__a_file_of_the_built_in_name__replaces_it(void **state)
{
	struct config *cfg;

	put_book("rb-a.ini", "casas-bahia", "ask", "ask_wait");
	cfg = load_ok("[rules]\nfiles = rb-*.ini\n");
	assert_int_equal(cfg->n_books, 1);
	assert_string_not_equal(cfg->books[0]->path, RULEBOOK_BUILTIN_PATH);
	config_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(config_load__shipped_rulebooks__both_load_cleanly),
		T(config_load__without_rules__runs_on_the_built_in_casas_bahia),
		T(config_load__rules_default_alone__must_name_the_built_in_book),
		T(config_load__relative_glob__is_read_from_the_main_file_directory),
		T(config_load__files_without_the_built_in_name__keep_the_built_in_book),
		T(config_load__a_file_of_the_built_in_name__replaces_it),
		T(config_load__glob_matching_nothing__is_an_error_on_its_line),
		T(config_load__glob_in_a_file_not_a_directory__matches_nothing),
		T(config_load__glob_of_over_64_files__is_refused),
		T(config_load__two_books_without_default__is_an_error_on_the_files_line),
		T(config_load__default_not_a_name__is_told_once),
		T(config_load__one_book_without_default__is_the_default),
		T(config_load__unknown_default__suggests_the_nearest_name),
		T(config_load__same_marketplace_in_two_files__names_both),
		T(config_load__marketplaces_of_one_number__must_be_renamed),
		T(config_load__clocks_of_one_number_in_two_files__name_both_lines),
		T(config_load__errors_of_every_file__are_told_at_once),
		T(config_load__over_a_hundred_errors_across_files__are_cut_with_their_count),
		T(config_load__wait_override_the_default_book_lacks__names_its_waits),
		T(config_load__wait_override__matches_the_config_key_of_the_default_book),
		T(config_load__wait_override__only_looks_at_the_default_book),
		T(config_load__book_with_holidays_alone__counts_on_the_main_calendar),
		T(config_fingerprint__follows_the_rulebooks_texts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
