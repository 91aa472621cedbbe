#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "counts.h"

/*
 * The counter changes of a transaction: summed by key at the commit, forgotten when
 * it ends.
 */

static int64_t sums[COUNTS_KEYS];

static void
counts_sum__adds_by_key__only_changed_keys_are_counted(void **state)
{
	struct counts *c = counts_new();

	assert_int_equal(counts_sum(c, sums), 0);
	counts_add(c, COUNTS_STATE + 1, 1);
	counts_add(c, COUNTS_STATE + 1, 1);
	counts_add(c, COUNTS_CLOCK + 3, 1);
	counts_add(c, COUNTS_CLOCK + 3, -1);
	counts_add(c, COUNTS_CAUSE + 2, 1);
	assert_int_equal(counts_sum(c, sums), 2);
	assert_int_equal(sums[COUNTS_STATE + 1], 2);
	assert_int_equal(sums[COUNTS_CLOCK + 3], 0);
	assert_int_equal(sums[COUNTS_CAUSE + 2], 1);
	counts_free(c);
}

static void
counts_add__keys_out_of_range__are_ignored(void **state)
{
	struct counts *c = counts_new();

	counts_add(c, -1, 1);
	counts_add(c, COUNTS_KEYS, 1);
	counts_add(c, 5, 0);
	assert_int_equal(counts_sum(c, sums), 0);
	counts_free(c);
}

static void
counts_clear__forgets_every_change(void **state)
{
	struct counts *c = counts_new();

	counts_add(c, 7, 1);
	counts_add(c, COUNTS_KEYS - 1, -3);
	counts_clear(c);
	assert_int_equal(counts_sum(c, sums), 0);
	counts_clear(c);	/* nothing to forget: still empty */
	counts_add(c, 8, 1);
	assert_int_equal(counts_sum(c, sums), 1);
	assert_int_equal(sums[8], 1);
	counts_free(c);
	counts_free(NULL);
}

static void
counts_add__a_million_changes__sum_exactly(void **state)
{
	struct counts *c = counts_new();

	for (int i = 0; i < 1000000; i++)
		counts_add(c, i % COUNTS_KEYS, 1);
	assert_int_equal(counts_sum(c, sums), COUNTS_KEYS);
	/* 1000000 = 3333 * 300 + 100: the first 100 keys get one more. */
	for (int k = 0; k < COUNTS_KEYS; k++)
		assert_int_equal(sums[k], k < 100 ? 3334 : 3333);
	counts_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counts_sum__adds_by_key__only_changed_keys_are_counted),
		cmocka_unit_test(counts_add__keys_out_of_range__are_ignored),
		cmocka_unit_test(counts_clear__forgets_every_change),
		cmocka_unit_test(counts_add__a_million_changes__sum_exactly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
