#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "proto.h"

/*
 * What an id (and a seller id) may be: 1–64 of [A-Za-z0-9._:-] (spec.md §2). Checked
 * for every byte at the start, the middle and the end, and at the length limits.
 */

static bool
allowed(unsigned char c)
{
	return c != '\0' && strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._:-", c) != NULL;
}

static void
proto_valid_id__every_byte_anywhere__only_the_charset_passes(void **state)
{
	char id[8];

	for (int c = 1; c < 256; c++)
		for (int at = 0; at < 3; at++) {
			memcpy(id, "A-1.b:c", sizeof id);
			id[at * 3] = (char)c;
			if (proto_valid_id(id) != allowed((unsigned char)c))
				fail_msg("byte 0x%02x at %d: %s", c, at * 3,
				    allowed((unsigned char)c) ? "refused" : "accepted");
		}
}

static void
proto_valid_id__lengths__1_to_64_pass_0_and_65_do_not(void **state)
{
	char id[PROTO_ID_MAX + 2];

	assert_false(proto_valid_id(""));
	for (size_t n = 1; n <= PROTO_ID_MAX + 1; n++) {
		memset(id, 'x', n);
		id[n] = '\0';
		assert_int_equal(proto_valid_id(id), n <= PROTO_ID_MAX);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(proto_valid_id__every_byte_anywhere__only_the_charset_passes),
		cmocka_unit_test(proto_valid_id__lengths__1_to_64_pass_0_and_65_do_not),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
