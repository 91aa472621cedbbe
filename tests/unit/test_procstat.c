#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "procstat.h"

/*
 * The process_* figures: the parsers against texts as Linux writes them (a command
 * with spaces and parentheses, a truncated line), and one read of this very process.
 */

/* A /proc/PID/stat line: utime 250, stime 75, starttime 12345, vsize 300 MiB, rss 3000
 * pages, for a command named "a) (b c". */
static const char stat_text[] =
    "4242 (a) (b c) S 1 4242 4242 0 -1 4194560 1829 0 0 0 250 75 0 0 20 0 3 0 12345 "
    "314572800 3000 18446744073709551615 1 1 0 0 0 0 0 4096 16384 0 0 0 17 1 0 0 0 0 0\n";

static void
procstat_parse_stat__command_with_parentheses__reads_the_fields_after_it(void **state)
{
	struct procstat p = { 0 };

	assert_true(procstat_parse_stat(stat_text, 100, 4096, 1700000000, &p));
	assert_true(p.cpu_seconds == 3.25);
	assert_true(p.start_time_seconds == 1700000000 + 123.45);
	assert_int_equal(p.virtual_bytes, 314572800);
	assert_int_equal(p.resident_bytes, 3000 * 4096);
}

static void
procstat_parse_stat__truncated_or_garbage__false_and_untouched(void **state)
{
	struct procstat p = { .open_fds = 7 };
	char cut[64];

	snprintf(cut, sizeof cut, "%.50s", stat_text);
	assert_false(procstat_parse_stat(cut, 100, 4096, 0, &p));
	assert_false(procstat_parse_stat("no parenthesis at all", 100, 4096, 0, &p));
	assert_false(procstat_parse_stat("", 100, 4096, 0, &p));
	assert_false(procstat_parse_stat(stat_text, 0, 4096, 0, &p));
	assert_int_equal(p.open_fds, 7);
	assert_true(p.cpu_seconds == 0);
}

static void
procstat_parse_boot__btime_line__its_value_else_minus_one(void **state)
{
	assert_true(procstat_parse_boot("cpu  1 2 3\ncpu0 1 2 3\nintr 5\nbtime 1765000000\n"
	    "processes 9\n") == 1765000000);
	assert_true(procstat_parse_boot("cpu 1\nprocesses 9\n") == -1);
	assert_true(procstat_parse_boot("") == -1);
}

/* This process: started a moment ago, some memory, its descriptors and its limit. */
static void
procstat_read__this_process__plausible_figures(void **state)
{
	struct procstat p;
	struct rlimit rl;
	FILE *f;
	int64_t fds;

	assert_int_equal(procstat_read(&p), 0);
	assert_true(p.start_time_seconds > (double)time(NULL) - 600);
	assert_true(p.start_time_seconds <= (double)time(NULL) + 1);
	assert_true(p.resident_bytes > 0);
	assert_true(p.virtual_bytes >= p.resident_bytes);
	assert_true(p.cpu_seconds >= 0);
	assert_true(p.open_fds >= 3);
	fds = p.open_fds;
	/* One more open file, one more descriptor counted. */
	f = fopen("/dev/null", "r");
	assert_non_null(f);
	assert_int_equal(procstat_read(&p), 0);
	assert_int_equal(p.open_fds, fds + 1);
	fclose(f);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	assert_int_equal(p.max_fds, rl.rlim_cur == RLIM_INFINITY ? -1 : (int64_t)rl.rlim_cur);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(procstat_parse_stat__command_with_parentheses__reads_the_fields_after_it),
		cmocka_unit_test(procstat_parse_stat__truncated_or_garbage__false_and_untouched),
		cmocka_unit_test(procstat_parse_boot__btime_line__its_value_else_minus_one),
		cmocka_unit_test(procstat_read__this_process__plausible_figures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
