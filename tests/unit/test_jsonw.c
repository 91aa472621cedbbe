#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

/*
 * The JSON text writer: what it writes is read back by jansson (the parser the rest
 * of the daemon uses) and compared, so commas, nesting and escapes are checked by an
 * independent reader.
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

	jsonw_init(&w);
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

	jsonw_init(&w);
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

	jsonw_init(&w);
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
jsonw__a_long_array__grows_its_buffer(void **state)
{
	struct jsonw w;
	json_t *got;
	char *s;

	jsonw_init(&w);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(jsonw__nested_objects_and_arrays__parse_back_equal),
		cmocka_unit_test(jsonw_str__quotes_backslashes_controls_and_utf8__round_trip),
		cmocka_unit_test(jsonw_str__bytes_that_are_not_utf8__become_question_marks),
		cmocka_unit_test(jsonw__a_long_array__grows_its_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
