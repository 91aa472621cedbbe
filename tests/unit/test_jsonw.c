#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

/*
 * The JSON text writer: what it writes is read back by jansson (the parser the rest
 * of the daemon uses) and compared, so commas, nesting and escapes are checked by an
 * independent reader; and its strings are compared byte for byte with what jansson's
 * dump writes, which the answers wrote before they moved to jsonw.
 */

static char *
take(struct jsonw *w)
{
	size_t len;
	char *s = jsonw_take(w, &len);

	assert_int_equal(strlen(s), len);
	return s;
}

static void
jsonw__nested_objects_and_arrays__parse_back_equal(void **state)
{
	struct jsonw w;
	json_error_t err;
	json_t *got, *want;
	char *s;

	jsonw_init(&w, NULL);
	jsonw_obj(&w);
	jsonw_key(&w, "a");
	jsonw_int(&w, -42);
	jsonw_key(&w, "b");
	jsonw_arr(&w);
	jsonw_bool(&w, true);
	jsonw_null(&w);
	jsonw_obj(&w);
	jsonw_obj_end(&w);
	jsonw_arr(&w);
	jsonw_arr_end(&w);
	jsonw_str(&w, "x");
	jsonw_arr_end(&w);
	jsonw_key(&w, "c");
	jsonw_str_or_null(&w, "");
	jsonw_key(&w, "d");
	jsonw_int(&w, INT64_MAX);
	jsonw_obj_end(&w);
	s = take(&w);
	got = json_loads(s, JSON_REJECT_DUPLICATES, &err);
	if (got == NULL)
		fail_msg("%s: %s", s, err.text);
	want = json_pack("{s:I, s:[b, n, {}, [], s], s:n, s:I}", "a", (json_int_t)-42, "b",
	    1, "x", "c", "d", (json_int_t)INT64_MAX);
	assert_true(json_equal(got, want));
	assert_string_equal(s, "{\"a\":-42,\"b\":[true,null,{},[],\"x\"],\"c\":null,"
	    "\"d\":9223372036854775807}");
	json_decref(got);
	json_decref(want);
	free(s);
	jsonw_free(&w);
}

static void
jsonw_str__quotes_backslashes_controls_and_utf8__round_trip(void **state)
{
	const char *in = "q\"b\\n\n t\t c\x01 é → 😀 end";
	struct jsonw w;
	json_t *got;
	char *s;

	jsonw_init(&w, NULL);
	jsonw_str(&w, in);
	s = take(&w);
	got = json_loads(s, JSON_DECODE_ANY, NULL);
	assert_non_null(got);
	assert_string_equal(json_string_value(got), in);
	json_decref(got);
	free(s);
	jsonw_free(&w);
}

static void
jsonw_str__bytes_that_are_not_utf8__become_question_marks(void **state)
{
	/* A lone continuation byte, a cut-off sequence, an overlong form, a surrogate. */
	const char *in = "a\x80" "b\xc3" "c\xc0\xaf" "d\xed\xa0\x80" "e";
	struct jsonw w;
	json_t *got;
	char *s;

	jsonw_init(&w, NULL);
	jsonw_str(&w, in);
	s = take(&w);
	got = json_loads(s, JSON_DECODE_ANY, NULL);
	assert_non_null(got);
	assert_string_equal(json_string_value(got), "a?b?c??d???e");
	json_decref(got);
	free(s);
	jsonw_free(&w);
}

static void
jsonw_str__a_special_byte_at_every_offset__is_escaped(void **state)
{
	/* The scan goes eight bytes at a time: put each kind of byte that needs care at
	 * every position of the first words and around their edges. */
	static const char *const special[] = { "\"", "\\", "\n", "\x01", "\x1f", "\x7f",
	    "é", "→", "😀" };
	char in[64], want[64];

	for (size_t k = 0; k < sizeof special / sizeof special[0]; k++)
		for (size_t at = 0; at < 26; at++) {
			struct jsonw w;
			json_t *got;
			char *s;

			memset(in, 'a', 30);
			in[30] = '\0';
			memcpy(in + at, special[k], strlen(special[k]));
			strcpy(want, in);
			jsonw_init(&w, NULL);
			jsonw_str(&w, in);
			s = take(&w);
			got = json_loads(s, JSON_DECODE_ANY, NULL);
			if (got == NULL || strcmp(json_string_value(got), want) != 0)
				fail_msg("special %zu at %zu: %s", k, at, s);
			json_decref(got);
			free(s);
			jsonw_free(&w);
		}
}

static void
jsonw_str__an_invalid_byte_at_every_offset__becomes_a_question_mark(void **state)
{
	char in[64], want[64];

	for (size_t at = 0; at < 26; at++) {
		struct jsonw w;
		json_t *got;
		char *s;

		memset(in, 'b', 30);
		in[30] = '\0';
		strcpy(want, in);
		in[at] = (char)0xff;
		want[at] = '?';
		jsonw_init(&w, NULL);
		jsonw_str(&w, in);
		s = take(&w);
		got = json_loads(s, JSON_DECODE_ANY, NULL);
		if (got == NULL || strcmp(json_string_value(got), want) != 0)
			fail_msg("0xff at %zu: %s", at, s);
		json_decref(got);
		free(s);
		jsonw_free(&w);
	}
}

static void
jsonw_int__extremes_and_zero__written_exactly(void **state)
{
	struct jsonw w;
	char *s;

	jsonw_init(&w, NULL);
	jsonw_arr(&w);
	jsonw_int(&w, 0);
	jsonw_int(&w, -1);
	jsonw_int(&w, 1000);
	jsonw_int(&w, INT64_MIN);
	jsonw_int(&w, INT64_MAX);
	jsonw_arr_end(&w);
	s = take(&w);
	assert_string_equal(s, "[0,-1,1000,-9223372036854775808,9223372036854775807]");
	free(s);
	jsonw_free(&w);
}

static void
jsonw__a_long_array__grows_its_buffer(void **state)
{
	struct jsonw w;
	json_t *got;
	char *s;

	jsonw_init(&w, NULL);
	jsonw_arr(&w);
	for (int i = 0; i < 100000; i++)
		jsonw_str(&w, "0123456789");
	jsonw_arr_end(&w);
	s = take(&w);
	got = json_loads(s, 0, NULL);
	assert_non_null(got);
	assert_int_equal(json_array_size(got), 100000);
	json_decref(got);
	free(s);
	jsonw_free(&w);
}

static void
jsonw_key__one_that_needs_escapes__keeps_its_comma_and_colon(void **state)
{
	struct jsonw w;
	char *s;

	jsonw_init(&w, NULL);
	jsonw_obj(&w);
	jsonw_key(&w, "a");
	jsonw_int(&w, 1);
	jsonw_key(&w, "b\"c\n");
	jsonw_str(&w, "\\");
	jsonw_key(&w, "\xc3\xa9");
	jsonw_str(&w, "d");
	jsonw_obj_end(&w);
	s = take(&w);
	assert_string_equal(s, "{\"a\":1,\"b\\\"c\\n\":\"\\\\\",\"\xc3\xa9\":\"d\"}");
	free(s);
	jsonw_free(&w);
}

static void
jsonw_recycle__a_text_of_the_first_size__is_the_next_writers_buffer(void **state)
{
	struct jsonw_pool *pool = jsonw_pool_new();
	struct jsonw w;
	size_t len, cap;
	char *s, *texts[40];

	jsonw_init(&w, pool);
	cap = w.cap;
	jsonw_str(&w, "x");
	s = jsonw_take(&w, &len);
	jsonw_recycle(pool, s, cap);
	jsonw_init(&w, pool);
	assert_ptr_equal(w.buf, s);
	assert_string_equal(w.buf, "");
	jsonw_free(&w);
	assert_int_equal(jsonw_pool_spares(pool), 1);
	/* More than it keeps, and one of another size: freed (the sanitizer build checks
	 * that none leaks and none is freed twice). */
	for (size_t i = 0; i < 40; i++) {
		jsonw_init(&w, pool);
		texts[i] = jsonw_take(&w, &len);
	}
	for (size_t i = 0; i < 40; i++)
		jsonw_recycle(pool, texts[i], cap);
	assert_int_equal(jsonw_pool_spares(pool), JSONW_MAX_SPARES);
	jsonw_recycle(pool, malloc(10), 10);
	jsonw_recycle(pool, NULL, cap);
	jsonw_recycle(NULL, malloc(cap), cap);
	jsonw_pool_free(pool);
	jsonw_pool_free(NULL);
}

static void
jsonw_pool_free__texts_still_lent__frees_it_when_the_last_is_back(void **state)
{
	struct jsonw_pool *pool = jsonw_pool_new();
	struct jsonw a, b, grown;
	size_t len;
	char *s;

	jsonw_init(&a, pool);
	jsonw_init(&b, pool);
	jsonw_init(&grown, pool);
	for (int i = 0; i < 1000; i++)	/* past the first size: no longer the pool's */
		jsonw_str(&grown, "0123456789");
	assert_null(grown.pool);
	s = jsonw_take(&a, &len);
	/* The server goes; an answer's text (a) and a writer (b) are still out. */
	jsonw_pool_free(pool);
	jsonw_free(&grown);
	jsonw_free(&b);
	/* The last one back frees the pool (the sanitizer build sees a leak otherwise,
	 * and a use after free if it went sooner). */
	jsonw_recycle(pool, s, JSONW_INIT_CAP);
}

static void
jsonw_init__without_a_pool__mallocs_and_frees(void **state)
{
	struct jsonw w;

	jsonw_init(&w, NULL);
	jsonw_str(&w, "x");
	assert_null(w.pool);
	jsonw_free(&w);
	jsonw_free(&w);	/* twice is harmless */
}

/* jansson's compact dump of s as a JSON string (the reference the answers kept). */
static char *
jansson_string(const char *s)
{
	json_t *j = json_string(s);
	char *text;

	assert_non_null(j);
	text = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
	json_decref(j);
	return text;
}

static void
jsonw_str__every_ascii_byte_and_some_utf8__writes_what_jansson_dumps(void **state)
{
	static const char *const utf8[] = { "\xc3\xa9", "\xe2\x86\x92", "\xf0\x9f\x98\x80",
	    "\xe2\x80\xa8", "\xef\xbb\xbf", "/", "</script>", "" };
	char in[8];

	for (int c = 1; c < 0x80; c++) {
		struct jsonw w;
		char *want, *got;
		size_t len;

		snprintf(in, sizeof in, "a%cb", c);
		jsonw_init(&w, NULL);
		jsonw_str(&w, in);
		got = jsonw_take(&w, &len);
		want = jansson_string(in);
		if (strcmp(got, want) != 0)
			fail_msg("byte 0x%02x: jsonw %s, jansson %s", c, got, want);
		free(got);
		free(want);
	}
	for (size_t i = 0; i < sizeof utf8 / sizeof utf8[0]; i++) {
		struct jsonw w;
		char *want, *got;
		size_t len;

		jsonw_init(&w, NULL);
		jsonw_str(&w, utf8[i]);
		got = jsonw_take(&w, &len);
		want = jansson_string(utf8[i]);
		assert_string_equal(got, want);
		free(got);
		free(want);
	}
}

static void
jsonw_str_n__a_piece_of_a_line__is_cut_at_n(void **state)
{
	struct jsonw w;
	size_t len;
	char *s;

	jsonw_init(&w, NULL);
	jsonw_arr(&w);
	jsonw_str_n(&w, "first\nsecond", 5);
	jsonw_str_n(&w, "bad \xff byte", 8);
	jsonw_arr_end(&w);
	s = jsonw_take(&w, &len);
	assert_string_equal(s, "[\"first\",\"bad ? by\"]");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(jsonw__nested_objects_and_arrays__parse_back_equal),
		cmocka_unit_test(jsonw_str__quotes_backslashes_controls_and_utf8__round_trip),
		cmocka_unit_test(jsonw_str__bytes_that_are_not_utf8__become_question_marks),
		cmocka_unit_test(jsonw_str__a_special_byte_at_every_offset__is_escaped),
		cmocka_unit_test(jsonw_str__an_invalid_byte_at_every_offset__becomes_a_question_mark),
		cmocka_unit_test(jsonw_int__extremes_and_zero__written_exactly),
		cmocka_unit_test(jsonw__a_long_array__grows_its_buffer),
		cmocka_unit_test(jsonw_key__one_that_needs_escapes__keeps_its_comma_and_colon),
		cmocka_unit_test(jsonw_recycle__a_text_of_the_first_size__is_the_next_writers_buffer),
		cmocka_unit_test(jsonw_pool_free__texts_still_lent__frees_it_when_the_last_is_back),
		cmocka_unit_test(jsonw_init__without_a_pool__mallocs_and_frees),
		cmocka_unit_test(jsonw_str__every_ascii_byte_and_some_utf8__writes_what_jansson_dumps),
		cmocka_unit_test(jsonw_str_n__a_piece_of_a_line__is_cut_at_n),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
