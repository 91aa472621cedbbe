/*
 * fuzz_time: rfc3339_parse and civil_parse_date on the input as a string, and the
 * formatters on the instant and day number in its first 8 bytes. What the parsers
 * accept formats back to text they parse to the same value. The formatters stay in
 * their buffers and write a four-digit year that parses for any instant (out of the
 * years 0001..9999 they write the nearer end). The local zone is America/Sao_Paulo,
 * whose offsets before 1914 have seconds (-03:06:28).
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "log.h"
#include "rfc3339.h"
#include "tz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "fuzz_time: %s:%d: check failed: %s\n",	\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

#define FUZZ_DAY_MS 86400000LL
#define FUZZ_MAX_OFFSET_MS ((23 * 3600 + 59 * 60) * 1000LL)	/* +-23:59 */
/* Day numbers of instants that fit int64 ms: what civil_from_days is ever given. */
#define FUZZ_MAX_DAYS (INT64_MAX / FUZZ_DAY_MS)

/* Instants whose date, in UTC and any offset, has a year 1..9999 (RFC 3339's). */
static int64_t fuzz_min_ms, fuzz_max_ms;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *cause = NULL;

	log_init("fuzz_time", false);
	if (tz_set("America/Sao_Paulo", &cause) != 0)
		fatalx("fuzz_time: %s", cause);
	fuzz_min_ms = (civil_days(1, 1, 1) + 1) * FUZZ_DAY_MS;
	fuzz_max_ms = (civil_days(9999, 12, 31) - 1) * FUZZ_DAY_MS;
	return 0;
}

/* A formatter's text: NUL-terminated in RFC3339_LEN bytes of a buffer that size. */
static char *
fuzz_format(int64_t ms, bool utc)
{
	char *buf = malloc(RFC3339_LEN);	/* exactly: ASan sees an overflow */

	int64_t back;

	FUZZ_CHECK((utc ? rfc3339_format_utc(ms, buf) : rfc3339_format(ms, buf)) == buf);
	FUZZ_CHECK(strnlen(buf, RFC3339_LEN) < RFC3339_LEN);
	FUZZ_CHECK(buf[4] == '-' && rfc3339_parse(buf, &back) == 0);
	return buf;
}

/* Format ms both ways; in range, each text parses back to ms and is stable. */
static void
fuzz_instant(int64_t ms)
{
	for (int utc = 0; utc <= 1; utc++) {
		char *text = fuzz_format(ms, utc), *again;
		int64_t back = 0;

		if (ms >= fuzz_min_ms && ms <= fuzz_max_ms) {
			FUZZ_CHECK(rfc3339_parse(text, &back) == 0);
			FUZZ_CHECK(back == ms);
			again = fuzz_format(back, utc);
			FUZZ_CHECK(strcmp(again, text) == 0);
			free(again);
		}
		free(text);
	}
}

static void
fuzz_rfc3339(const char *s)
{
	int64_t ms;

	if (rfc3339_parse(s, &ms) != 0)
		return;
	/* 0001-01-01T00:00:00+23:59 .. 9999-12-31T23:59:59.999-23:59 */
	FUZZ_CHECK(ms >= civil_days(1, 1, 1) * FUZZ_DAY_MS - FUZZ_MAX_OFFSET_MS);
	FUZZ_CHECK(ms < civil_days(10000, 1, 1) * FUZZ_DAY_MS + FUZZ_MAX_OFFSET_MS);
	fuzz_instant(ms);
}

/* A day number: its date is valid and gives it back; weekdays follow each other. */
static void
fuzz_days(int64_t days)
{
	char *buf = malloc(CIVIL_DATE_LEN);
	int y, m, d, w = civil_weekday(days);

	FUZZ_CHECK(w >= 0 && w <= 6 && civil_weekday(days + 1) == (w + 1) % 7);
	civil_from_days(days, &y, &m, &d);
	FUZZ_CHECK(m >= 1 && m <= 12 && d >= 1 && d <= 31);
	FUZZ_CHECK(civil_days(y, m, d) == days);
	civil_format_date(days, buf);
	FUZZ_CHECK(strnlen(buf, CIVIL_DATE_LEN) < CIVIL_DATE_LEN);
	free(buf);
}

static void
fuzz_date(const char *s)
{
	char buf[CIVIL_DATE_LEN];
	int64_t days;
	int y, m, d;

	if (civil_parse_date(s, &days) != 0)
		return;
	civil_from_days(days, &y, &m, &d);
	FUZZ_CHECK(civil_valid(y, m, d));
	civil_format_date(days, buf);
	FUZZ_CHECK(strcmp(buf, s) == 0);
	fuzz_days(days);
}

static int64_t
fuzz_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return (int64_t)v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	int64_t n;

	memcpy(s, data, size);
	s[size] = '\0';
	fuzz_rfc3339(s);
	fuzz_date(s);
	if (size >= 8) {
		n = fuzz_le64(data);
		fuzz_instant(n);	/* the int64 edges too */
		n /= 2;
		fuzz_instant(n);
		fuzz_days(n % (FUZZ_MAX_DAYS + 1));
	}
	free(s);
	return 0;
}
