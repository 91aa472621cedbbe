#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "confkeys.h"

#define H (3600 * 1000LL)

/* Store value under [section] key into cfg (dir /etc/pd, reason as given): the parse
 * function's result; *why set on failure. */
static int
put(struct config *cfg, int reason, const char *section, const char *key, const char *value,
    char **why)
{
	const struct confkeys_section *sec = NULL;
	const struct confkeys_key *k;
	struct confkeys_dest dest = { cfg, "/etc/pd", reason, 1 };

	for (size_t i = 0; confkeys_section(i) != NULL; i++)
		if (strcmp(confkeys_section(i)->name, section) == 0)
			sec = confkeys_section(i);
	assert_non_null(sec);
	k = confkeys_find(sec, key);
	assert_non_null(k);
	return k->parse(&dest, k->arg, value, why);
}

static void
confkeys_section__fixed_ones_then_the_reason_prefix__and_null_past_the_end(void **state)
{
	assert_string_equal(confkeys_section(0)->name, "daemon");
	assert_string_equal(confkeys_section(1)->name, "deadlines");
	assert_string_equal(confkeys_section(2)->name, "calendar");
	assert_string_equal(confkeys_section(CONFKEYS_N_FIXED)->name, "reason.");
	assert_null(confkeys_section(CONFKEYS_N_FIXED + 1));
}

static void
confkeys_find__a_key_of_another_section__is_not_found(void **state)
{
	assert_non_null(confkeys_find(confkeys_section(0), "socket_mode"));
	assert_null(confkeys_find(confkeys_section(0), "photos_wait"));
	assert_null(confkeys_find(confkeys_section(2), "database"));
	assert_null(confkeys_find(confkeys_section(1), "Photos_wait"));
}

static void
confkeys_home__names_the_first_section_with_the_key(void **state)
{
	assert_string_equal(confkeys_home("timezone")->name, "daemon");
	/* Deadlines are in [deadlines] and every [reason.X]: the first is the home. */
	assert_string_equal(confkeys_home("letter_wait")->name, "deadlines");
	assert_string_equal(confkeys_home("extra_holidays")->name, "calendar");
	assert_null(confkeys_home("no_such_key"));
}

static void
confkeys_dl__names_and_defaults_are_the_spec_s(void **state)
{
	assert_string_equal(confkeys_dl_name(CONFIG_DL_RESPONSE_NORMAL), "response_normal");
	assert_string_equal(confkeys_dl_name(CONFIG_DL_REPLY_WINDOW), "reply_window");
	assert_string_equal(confkeys_dl_name(CONFIG_DL_COUNT), "?");
	assert_int_equal(confkeys_dl_default(CONFIG_DL_RESPONSE_CRITICAL)->ms, 24 * H);
	assert_int_equal(confkeys_dl_default(CONFIG_DL_POSTING_WAIT)->ms, 15 * 24 * H);
	assert_int_equal(confkeys_dl_default(CONFIG_DL_LETTER_WAIT)->bdays, 6);
	assert_string_equal(confkeys_dl_default(CONFIG_DL_WARN_BEFORE)->text, "4h");
	/* Every deadline key of the table is one of the enum's, in its order. */
	for (int i = 0; i < CONFIG_DL_COUNT; i++)
		assert_int_equal(confkeys_find(confkeys_section(1), confkeys_dl_name(i))->arg, i);
}

static void
confkeys_deadline__in_a_reason__goes_to_the_reason_not_to_deadlines(void **state)
{
	struct config_reason r[2] = { { 0 } };
	struct config cfg = { .reasons = r, .n_reasons = 2 };
	char *why = NULL;

	assert_int_equal(put(&cfg, 1, "reason.", "photos_wait", "72h", &why), 0);
	assert_true(r[1].set[CONFIG_DL_PHOTOS_WAIT]);
	assert_int_equal(r[1].dl[CONFIG_DL_PHOTOS_WAIT].ms, 72 * H);
	assert_false(r[0].set[CONFIG_DL_PHOTOS_WAIT]);
	assert_false(cfg.dl_set[CONFIG_DL_PHOTOS_WAIT]);

	assert_int_equal(put(&cfg, -1, "deadlines", "photos_wait", "24h", &why), 0);
	assert_true(cfg.dl_set[CONFIG_DL_PHOTOS_WAIT]);
	assert_int_equal(cfg.dl[CONFIG_DL_PHOTOS_WAIT].ms, 24 * H);
	assert_int_equal(r[1].dl[CONFIG_DL_PHOTOS_WAIT].ms, 72 * H);
}

static void
confkeys_deadline__zero__only_where_the_table_allows_it(void **state)
{
	struct config cfg = { 0 };
	char *why = NULL;

	assert_int_equal(put(&cfg, -1, "deadlines", "warn_before", "0s", &why), 0);
	assert_int_equal(cfg.dl[CONFIG_DL_WARN_BEFORE].ms, 0);
	assert_int_equal(put(&cfg, -1, "deadlines", "response_normal", "0s", &why), -1);
	assert_non_null(why);
	assert_false(cfg.dl_set[CONFIG_DL_RESPONSE_NORMAL]);
	free(why);
}

static void
confkeys_database__relative__is_resolved_and_replaces_the_old_value(void **state)
{
	struct config cfg = { 0 };
	char *why = NULL;

	cfg.database = strdup("/old.db");
	assert_int_equal(put(&cfg, -1, "daemon", "database", "pd.db", &why), 0);
	assert_string_equal(cfg.database, "/etc/pd/pd.db");
	free(cfg.database);
}

static void
confkeys_failures__leave_the_value_as_it_was(void **state)
{
	struct config cfg = { .socket_mode = 0660, .max_connections = 10 };
	char *why = NULL;

	assert_int_equal(put(&cfg, -1, "daemon", "socket_mode", "0999", &why), -1);
	assert_non_null(why);
	free(why);
	why = NULL;
	assert_int_equal(cfg.socket_mode, 0660);
	assert_int_equal(put(&cfg, -1, "daemon", "max_connections", "0", &why), -1);
	assert_non_null(why);
	free(why);
	assert_int_equal(cfg.max_connections, 10);
}

static void
confkeys_read_map__a_size_in_daemon__is_stored_in_mib(void **state)
{
	struct config cfg = { .read_map_mib = 5 };
	char *why = NULL;

	assert_int_equal(put(&cfg, -1, "daemon", "read_map", "256MiB", &why), 0);
	assert_int_equal(cfg.read_map_mib, 256);
	assert_int_equal(put(&cfg, -1, "daemon", "read_map", "0", &why), 0);
	assert_int_equal(cfg.read_map_mib, 0);
	assert_int_equal(put(&cfg, -1, "daemon", "read_map", "4GiB", &why), -1);
	assert_non_null(why);
	free(why);
	assert_int_equal(cfg.read_map_mib, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(confkeys_section__fixed_ones_then_the_reason_prefix__and_null_past_the_end),
		cmocka_unit_test(confkeys_find__a_key_of_another_section__is_not_found),
		cmocka_unit_test(confkeys_home__names_the_first_section_with_the_key),
		cmocka_unit_test(confkeys_dl__names_and_defaults_are_the_spec_s),
		cmocka_unit_test(confkeys_deadline__in_a_reason__goes_to_the_reason_not_to_deadlines),
		cmocka_unit_test(confkeys_deadline__zero__only_where_the_table_allows_it),
		cmocka_unit_test(confkeys_database__relative__is_resolved_and_replaces_the_old_value),
		cmocka_unit_test(confkeys_failures__leave_the_value_as_it_was),
		cmocka_unit_test(confkeys_read_map__a_size_in_daemon__is_stored_in_mib),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
