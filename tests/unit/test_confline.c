#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "confline.h"

#define INIH_BUF 200	/* inih's INI_MAX_LINE */

/* A confline over a text in memory, with the errors it told of. */
struct reader {
	char *text;
	FILE *fp;
	struct confline *cl;
	char buf[INIH_BUF];
	char errors[4096];	/* "LINE: message\n" each */
};

static void
record(void *arg, int line, const char *fmt, ...)
{
	struct reader *r = arg;
	size_t len = strlen(r->errors);
	va_list ap;

	len += snprintf(r->errors + len, sizeof(r->errors) - len, "%d: ", line);
	va_start(ap, fmt);
	len += vsnprintf(r->errors + len, sizeof(r->errors) - len, fmt, ap);
	va_end(ap);
	snprintf(r->errors + len, sizeof(r->errors) - len, "\n");
}

/* record(), into a bare buffer of 4096 bytes. */
static void
record_into(void *arg, int line, const char *fmt, ...)
{
	char *errors = arg, msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(errors + strlen(errors), 4096 - strlen(errors), "%d: %s\n", line, msg);
}

static struct reader *
reader_open(const char *text)
{
	struct reader *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	assert_non_null(r->text = strdup(text));
	assert_non_null(r->fp = fmemopen(r->text, strlen(text), "r"));
	assert_non_null(r->cl = confline_new(r->fp, record, r));
	return r;
}

static void
reader_close(struct reader *r)
{
	confline_free(r->cl);
	fclose(r->fp);
	free(r->text);
	free(r);
}

/* Read line lineno, which must be of kind; what inih is handed. */
static const char *
next(struct reader *r, int lineno, enum confline_kind kind)
{
	assert_ptr_equal(confline_read(r->cl, r->buf, sizeof(r->buf)), r->buf);
	assert_int_equal(confline_lineno(r->cl), lineno);
	assert_int_equal(confline_kind(r->cl), kind);
	return r->buf;
}

/* The text is all read, without a read error. */
static void
assert_end(struct reader *r)
{
	assert_null(confline_read(r->cl, r->buf, sizeof(r->buf)));
	assert_int_equal(confline_errno(r->cl), 0);
}

static void
confline_read__comments_and_blank_lines__are_blank_and_counted(void **state)
{
	struct reader *r = reader_open("; a\n# b\n\n   \n\t; c\n  # d\n");
	int i;

	for (i = 1; i <= 6; i++) {
		next(r, i, CONFLINE_BLANK);
		assert_null(confline_header(r->cl));
		assert_null(confline_key(r->cl));
	}
	assert_end(r);
	assert_string_equal(r->errors, "");
	assert_int_equal(confline_first_bad(r->cl), 0);
	reader_close(r);
}

static void
confline_read__indented_line_after_a_key__continues_that_key(void **state)
{
	struct reader *r = reader_open("a = 1\n  b = 2\n\t; note\n    more\n");

	next(r, 1, CONFLINE_KEY);
	assert_string_equal(confline_key(r->cl), "a");
	assert_string_equal(next(r, 2, CONFLINE_MORE), "  b = 2");
	assert_string_equal(confline_key(r->cl), "a");
	next(r, 3, CONFLINE_BLANK);
	next(r, 4, CONFLINE_MORE);
	assert_string_equal(confline_key(r->cl), "a");
	assert_end(r);
	assert_string_equal(r->errors, "");
	reader_close(r);
}

static void
confline_read__indented_line_with_no_key_before__is_a_key(void **state)
{
	struct reader *r = reader_open("  a = 1\n[s]\n  b = 2\n");

	next(r, 1, CONFLINE_KEY);
	assert_string_equal(confline_key(r->cl), "a");
	next(r, 2, CONFLINE_SECTION);
	assert_null(confline_key(r->cl));	/* a header ends the continuation */
	next(r, 3, CONFLINE_KEY);
	assert_string_equal(confline_key(r->cl), "b");
	assert_end(r);
	assert_string_equal(r->errors, "");
	reader_close(r);
}

static void
confline_read__header_forms__give_the_name_between_the_brackets(void **state)
{
	struct reader *r = reader_open("[daemon]\n  [reason.x] ; note\n[deadlines] # note\n"
	    "[a;b]\n[calendar] junk\n[]\n");

	next(r, 1, CONFLINE_SECTION);
	assert_string_equal(confline_header(r->cl), "daemon");
	next(r, 2, CONFLINE_SECTION);
	assert_string_equal(confline_header(r->cl), "reason.x");
	next(r, 3, CONFLINE_SECTION);
	assert_string_equal(confline_header(r->cl), "deadlines");
	next(r, 4, CONFLINE_SECTION);
	assert_string_equal(confline_header(r->cl), "a;b");	/* no space before ';' */
	next(r, 5, CONFLINE_SECTION);
	assert_string_equal(confline_header(r->cl), "calendar");
	next(r, 6, CONFLINE_SECTION);
	assert_string_equal(confline_header(r->cl), "");
	assert_end(r);
	assert_string_equal(r->errors, "5: [calendar]: unexpected \"junk\" after the section "
	    "header (a comment starts with ';')\n");
	assert_int_equal(confline_first_bad(r->cl), 0);
	reader_close(r);
}

static void
confline_read__header_without_closing_bracket__is_malformed(void **state)
{
	struct reader *r = reader_open("a = 1\n[daemon\n   more\n");

	next(r, 1, CONFLINE_KEY);
	next(r, 2, CONFLINE_BAD);
	assert_string_equal(confline_header(r->cl), "[daemon");
	next(r, 3, CONFLINE_MORE);	/* inih keeps the key over a malformed header */
	assert_null(confline_header(r->cl));
	assert_string_equal(confline_key(r->cl), "a");
	assert_end(r);
	assert_string_equal(r->errors, "2: [daemon: a section header needs a closing ']' "
	    "(e.g. [daemon])\n");
	assert_int_equal(confline_first_bad(r->cl), 2);
	reader_close(r);
}

static void
confline_read__bracket_after_a_spaced_semicolon__is_in_a_comment(void **state)
{
	struct reader *r = reader_open("[x ;y]\n");

	next(r, 1, CONFLINE_BAD);
	assert_string_equal(confline_header(r->cl), "[x ;y]");
	assert_string_equal(r->errors, "1: [x ;y]: a section header needs a closing ']' "
	    "(e.g. [daemon])\n");
	reader_close(r);
}

static void
confline_read__key_lines__name_the_key_or_the_problem(void **state)
{
	struct reader *r = reader_open("key = value\nk2: v\njust words\n= value\n"
	    "k ; = v\n");

	next(r, 1, CONFLINE_KEY);
	assert_string_equal(confline_key(r->cl), "key");
	assert_null(confline_header(r->cl));
	next(r, 2, CONFLINE_KEY);
	assert_string_equal(confline_key(r->cl), "k2");
	next(r, 3, CONFLINE_BAD);
	next(r, 4, CONFLINE_BAD);
	assert_null(confline_key(r->cl));
	next(r, 5, CONFLINE_BAD);
	assert_end(r);
	assert_string_equal(r->errors,
	    "3: \"just words\": not a \"key = value\", a [section] header or a comment "
	    "(comments start with ';' or '#')\n"
	    "4: \"= value\": the key name is missing (write key = value)\n"
	    "5: \"k ; = v\": not a \"key = value\", a [section] header or a comment "
	    "(comments start with ';' or '#')\n");
	assert_int_equal(confline_first_bad(r->cl), 3);	/* inih takes "= value" */
	reader_close(r);
}

static void
confline_read__over_long_line__is_reported_and_handed_on_empty(void **state)
{
	char text[1024], fits[256], over[256];
	struct reader *r;

	memset(fits, 'v', CONFLINE_MAX - 4);
	fits[CONFLINE_MAX - 4] = '\0';
	memset(over, 'v', CONFLINE_MAX - 3);
	over[CONFLINE_MAX - 3] = '\0';
	snprintf(text, sizeof(text), "k = %s\nk = %s\n  [%s]xx\n  more\n", fits, over, over);
	r = reader_open(text);
	assert_int_equal(strlen(next(r, 1, CONFLINE_KEY)), CONFLINE_MAX);
	assert_string_equal(next(r, 2, CONFLINE_LONG), "");
	assert_null(confline_header(r->cl));
	assert_string_equal(next(r, 3, CONFLINE_LONG), "");
	/* From '[' on, of the CONFLINE_MAX + 1 bytes kept of the line ("  [" first). */
	assert_int_equal(strlen(confline_header(r->cl)), CONFLINE_MAX + 1 - 2);
	assert_int_equal(strncmp(confline_header(r->cl), "[vvv", 4), 0);
	next(r, 4, CONFLINE_MORE);	/* still after key k */
	assert_end(r);
	assert_string_equal(r->errors,
	    "2: line too long: 200 bytes (at most 199; shorten it)\n"
	    "3: line too long: 202 bytes (at most 199; shorten it)\n");
	assert_int_equal(confline_first_bad(r->cl), 0);
	reader_close(r);
}

/* A stream made as it is read: left bytes 'x', then "\nk = v\n", then its end. */
struct endless {
	size_t left;
	bool tail_done;
};

static ssize_t
endless_read(void *cookie, char *buf, size_t size)
{
	struct endless *e = cookie;
	size_t n = size < e->left ? size : e->left;

	if (n > 0) {
		memset(buf, 'x', n);
		e->left -= n;
		return (ssize_t)n;
	}
	if (e->tail_done || size < 7)
		return 0;
	memcpy(buf, "\nk = v\n", 7);
	e->tail_done = true;
	return 7;
}

static long
max_rss_kib(void)
{
	struct rusage ru;

	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	return ru.ru_maxrss;
}

static void
confline_read__line_of_16_mib__is_counted_without_being_kept(void **state)
{
	struct endless e = { 16 << 20, false };
	cookie_io_functions_t io = { .read = endless_read };
	FILE *fp = fopencookie(&e, "r", io);
	long before = max_rss_kib();
	struct confline *cl;
	char buf[INIH_BUF], errors[4096] = "";

	assert_non_null(fp);
	cl = confline_new(fp, record_into, errors);
	assert_ptr_equal(confline_read(cl, buf, sizeof(buf)), buf);
	assert_int_equal(confline_kind(cl), CONFLINE_LONG);
	assert_ptr_equal(confline_read(cl, buf, sizeof(buf)), buf);
	assert_int_equal(confline_lineno(cl), 2);
	assert_int_equal(confline_kind(cl), CONFLINE_KEY);
	assert_null(confline_read(cl, buf, sizeof(buf)));
	assert_string_equal(errors, "1: line too long: 16777216 bytes (at most 199; shorten "
	    "it)\n");
	/* Kept whole, the line would have taken 16 MiB or more. */
	assert_true(max_rss_kib() - before < 8 * 1024);
	confline_free(cl);
	fclose(fp);
}

static void
confline_read__line_over_the_buffer__is_long(void **state)
{
	struct reader *r = reader_open("key = a value of thirty bytes\n");
	char small[16];

	assert_ptr_equal(confline_read(r->cl, small, sizeof(small)), small);
	assert_int_equal(confline_kind(r->cl), CONFLINE_LONG);
	assert_string_equal(small, "");
	assert_string_equal(r->errors, "1: line too long: 29 bytes (at most 199; shorten "
	    "it)\n");
	reader_close(r);
}

static void
confline_read__bom_on_the_first_line_and_crlf__are_skipped(void **state)
{
	struct reader *r = reader_open("\xEF\xBB\xBF[daemon]\r\nk = v\r\n"
	    "\xEF\xBB\xBF[x]\n");

	next(r, 1, CONFLINE_SECTION);
	assert_string_equal(confline_header(r->cl), "daemon");
	assert_string_equal(next(r, 2, CONFLINE_KEY), "k = v\r");	/* inih strips '\r' */
	next(r, 3, CONFLINE_BAD);	/* a BOM only starts the file */
	assert_end(r);
	assert_non_null(strstr(r->errors, "3: \"\xEF\xBB\xBF[x]\": not a \"key = value\""));
	reader_close(r);
}

static void
confline_read__read_error__ends_with_its_errno(void **state)
{
	FILE *fp = fopen(".", "r");	/* a directory: opens, then fails to read */
	struct confline *cl;
	char buf[INIH_BUF];

	assert_non_null(fp);
	cl = confline_new(fp, record, NULL);
	assert_null(confline_read(cl, buf, sizeof(buf)));
	assert_int_equal(confline_errno(cl), EISDIR);
	assert_int_equal(confline_lineno(cl), 0);
	confline_free(cl);
	fclose(fp);
}

static void
confline_hash_comment__hash_after_a_space__says_only_semicolon_starts_a_comment(
    void **state)
{
	char *why = NULL;

	assert_int_equal(confline_hash_comment("48h # two days", &why), -1);
	assert_string_equal(why, "\"48h # two days\": '#' starts no comment inside a line, "
	    "only ';' after a space does (write \"48h ; two days\")");
	free(why);
	assert_int_equal(confline_hash_comment("1d\t#x", &why), -1);
	assert_string_equal(why, "\"1d\t#x\": '#' starts no comment inside a line, only "
	    "';' after a space does (write \"1d ;x\")");
	free(why);
	assert_int_equal(confline_hash_comment("#x", &why), -1);
	assert_string_equal(why, "\"#x\": '#' starts no comment inside a line, only ';' "
	    "after a space does (write \" ;x\")");
	free(why);
}

static void
confline_hash_comment__hash_inside_a_word__is_part_of_the_value(void **state)
{
	char *why = NULL;

	assert_int_equal(confline_hash_comment("/srv/a#b.db", &why), 0);
	assert_int_equal(confline_hash_comment("a#b #c", &why), -1);	/* the second */
	assert_non_null(strstr(why, "(write \"a#b ;c\")"));
	free(why);
	why = NULL;
	assert_int_equal(confline_hash_comment("", &why), 0);
	assert_int_equal(confline_hash_comment("no hash", &why), 0);
	assert_null(why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(confline_read__comments_and_blank_lines__are_blank_and_counted),
		cmocka_unit_test(confline_read__indented_line_after_a_key__continues_that_key),
		cmocka_unit_test(confline_read__indented_line_with_no_key_before__is_a_key),
		cmocka_unit_test(confline_read__header_forms__give_the_name_between_the_brackets),
		cmocka_unit_test(confline_read__header_without_closing_bracket__is_malformed),
		cmocka_unit_test(confline_read__bracket_after_a_spaced_semicolon__is_in_a_comment),
		cmocka_unit_test(confline_read__key_lines__name_the_key_or_the_problem),
		cmocka_unit_test(confline_read__over_long_line__is_reported_and_handed_on_empty),
		cmocka_unit_test(confline_read__line_of_16_mib__is_counted_without_being_kept),
		cmocka_unit_test(confline_read__line_over_the_buffer__is_long),
		cmocka_unit_test(confline_read__bom_on_the_first_line_and_crlf__are_skipped),
		cmocka_unit_test(confline_read__read_error__ends_with_its_errno),
		cmocka_unit_test(
		    confline_hash_comment__hash_after_a_space__says_only_semicolon_starts_a_comment),
		cmocka_unit_test(confline_hash_comment__hash_inside_a_word__is_part_of_the_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
