#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "proto.h"
#include "rulebook.h"

/*
 * What an id (and a seller id) may be: 1–64 of [A-Za-z0-9._:-] (spec.md §2). Checked
 * for every byte at the start, the middle and the end, and at the length limits. And
 * the states' names, which rulebooks use by the enum's order.
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

static void
proto_state_parse__every_state_name__its_enum_and_unknown_minus_1(void **state)
{
	static const char *const names[PROTO_N_STATES] = { "pending", "awaiting", "closed",
	    "unresolved", "mediation", "resolved" };

	for (int s = 0; s < PROTO_N_STATES; s++) {
		assert_string_equal(proto_state_name(s), names[s]);
		assert_int_equal(proto_state_parse(names[s]), s);
		assert_true(proto_state_label(s)[0] != '\0');
	}
	assert_int_equal(proto_state_parse(""), -1);
	assert_int_equal(proto_state_parse("Pending"), -1);
	assert_int_equal(proto_state_parse("pending "), -1);
	assert_int_equal(proto_state_parse("none"), -1);
}

/* A rulebook's "to = closed" is read as the index of "closed" among these names: the
 * core takes it as its enum (rulebook.h). */
static void
rulebook_states__names_and_indexes__are_the_enum_s(void **state)
{
	const struct rulebook_states *st = &rulebook_states;

	assert_int_equal(st->n, PROTO_N_STATES);
	for (int s = 0; s < PROTO_N_STATES; s++)
		assert_string_equal(st->names[s], proto_state_name(s));
	assert_int_equal(st->pending, PROTO_PENDING);
	assert_int_equal(st->awaiting, PROTO_AWAITING);
	assert_int_equal(st->closed, PROTO_CLOSED);
	assert_int_equal(st->mediation, PROTO_MEDIATION);
	assert_int_equal(st->resolved, PROTO_RESOLVED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(proto_valid_id__every_byte_anywhere__only_the_charset_passes),
		cmocka_unit_test(proto_valid_id__lengths__1_to_64_pass_0_and_65_do_not),
		cmocka_unit_test(proto_state_parse__every_state_name__its_enum_and_unknown_minus_1),
		cmocka_unit_test(rulebook_states__names_and_indexes__are_the_enum_s),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
