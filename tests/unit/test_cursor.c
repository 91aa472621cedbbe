#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "cursor.h"

/*
 * The list cursors: a position signed under the database's secret and bound to the
 * filters it was made for. SipHash-2-4 is checked against the reference vectors of
 * its paper (key 00..0f, messages 00, 00 01, …).
 */

static const uint8_t test_key[CURSOR_KEY_LEN] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
};

static void
cursor_siphash__reference_vectors__match(void **state)
{
	/* SipHash-2-4 of the first n bytes of 00 01 02 …, from the reference code. */
	static const uint64_t want[] = {
		0x726fdb47dd0e0e31ULL,	/* empty */
		0x74f839c593dc67fdULL,	/* 00 */
		0x0d6c8009d9a94f5aULL,	/* 00 01 */
	};
	uint8_t msg[16];

	for (size_t i = 0; i < sizeof msg; i++)
		msg[i] = (uint8_t)i;
	for (size_t n = 0; n < sizeof want / sizeof want[0]; n++)
		assert_int_equal(cursor_siphash(test_key, msg, n), want[n]);
	/* 15 bytes: the last word partly filled. */
	assert_int_equal(cursor_siphash(test_key, msg, 15), 0xa129ca6149be45e5ULL);
}

static void
cursor_decode__what_encode_gave__is_the_position(void **state)
{
	struct cursor c;
	const int64_t rids[] = { 0, 1, 1000, INT64_MAX };
	char s[CURSOR_LEN];
	uint64_t f;
	int64_t rid;

	cursor_init(&c, test_key);
	f = cursor_filters(&c, "state=1&seller=S1&due=0:0");
	for (size_t i = 0; i < sizeof rids / sizeof rids[0]; i++) {
		assert_ptr_equal(cursor_encode(&c, rids[i], f, s), s);
		assert_int_equal(strlen(s), CURSOR_LEN - 1);
		assert_null(strpbrk(s, "+/="));	/* base64url, unpadded */
		assert_int_equal(cursor_decode(&c, s, f, &rid), 0);
		assert_int_equal(rid, rids[i]);
	}
}

static void
cursor_decode__other_filters_or_another_key__refuses(void **state)
{
	struct cursor c, other;
	uint8_t key2[CURSOR_KEY_LEN];
	char s[CURSOR_LEN];
	int64_t rid;

	cursor_init(&c, test_key);
	memcpy(key2, test_key, sizeof key2);
	key2[0] ^= 1;
	cursor_init(&other, key2);
	cursor_encode(&c, 77, cursor_filters(&c, "state=-1"), s);
	assert_int_equal(cursor_decode(&c, s, cursor_filters(&c, "state=2"), &rid), -1);
	assert_int_equal(cursor_decode(&other, s, cursor_filters(&other, "state=-1"), &rid),
	    -1);
	assert_int_equal(cursor_decode(&c, s, cursor_filters(&c, "state=-1"), &rid), 0);
	assert_int_equal(rid, 77);
}

static void
cursor_decode__altered_or_malformed__refuses(void **state)
{
	struct cursor c;
	char s[CURSOR_LEN], bad[CURSOR_LEN + 1];
	uint64_t f;
	int64_t rid;

	cursor_init(&c, test_key);
	f = cursor_filters(&c, "x");
	cursor_encode(&c, 5, f, s);
	for (size_t i = 0; i < CURSOR_LEN - 1; i++) {
		memcpy(bad, s, CURSOR_LEN);
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		assert_int_equal(cursor_decode(&c, bad, f, &rid), -1);
	}
	assert_int_equal(cursor_decode(&c, "", f, &rid), -1);
	memcpy(bad, s, CURSOR_LEN);
	bad[CURSOR_LEN - 2] = '\0';	/* one short */
	assert_int_equal(cursor_decode(&c, bad, f, &rid), -1);
	memcpy(bad, s, CURSOR_LEN);
	bad[3] = '+';			/* not base64url */
	assert_int_equal(cursor_decode(&c, bad, f, &rid), -1);
	/* A negative position, correctly signed, is still refused. */
	cursor_encode(&c, -1, f, s);
	assert_int_equal(cursor_decode(&c, s, f, &rid), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cursor_siphash__reference_vectors__match),
		cmocka_unit_test(cursor_decode__what_encode_gave__is_the_position),
		cmocka_unit_test(cursor_decode__other_filters_or_another_key__refuses),
		cmocka_unit_test(cursor_decode__altered_or_malformed__refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
