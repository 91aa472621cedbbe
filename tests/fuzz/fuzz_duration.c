/*
 * fuzz_duration: duration_parse on the input as a string, with the promises of
 * duration.h checked on what it accepts (the canonical text parses back to the same
 * duration, in any buffer size) and on what it refuses (a message naming the units).
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "duration.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "fuzz_duration: %s:%d: check failed: %s\n",	\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

/* Ten years (civil.h): what duration.h promises to refuse beyond. */
#define FUZZ_MAX_MS (CIVIL_SPAN_MAX_DAYS * CIVIL_DAY_MS)
#define FUZZ_MAX_BDAYS CIVIL_SPAN_MAX_BDAYS
#define FUZZ_UNITS " (units: s, min, h, d, w; or Nbd alone, business days)"
#define FUZZ_TEXT 64		/* room for any canonical text */

static bool
fuzz_same(const struct duration *a, const struct duration *b)
{
	return a->ms == b->ms && a->bdays == b->bdays;
}

/* Parse s into *d; -1 with err checked, or 0. */
static int
fuzz_parse(const char *s, struct duration *d)
{
	char *err = malloc(DURATION_ERR_LEN);	/* exactly: ASan sees an overflow */
	size_t n;
	int rc;

	memset(d, 0xa5, sizeof *d);
	rc = duration_parse(s, d, err);
	FUZZ_CHECK(rc == 0 || rc == -1);
	n = strnlen(err, DURATION_ERR_LEN);
	FUZZ_CHECK(n < DURATION_ERR_LEN);
	if (rc == 0)
		FUZZ_CHECK(n == 0);
	else
		FUZZ_CHECK(n > strlen(FUZZ_UNITS) &&
		    strcmp(err + n - strlen(FUZZ_UNITS), FUZZ_UNITS) == 0);
	free(err);
	return rc;
}

static void
fuzz_check_value(const struct duration *d)
{
	FUZZ_CHECK(d->bdays >= 0 && d->bdays <= FUZZ_MAX_BDAYS);
	FUZZ_CHECK(d->ms >= 0 && d->ms <= FUZZ_MAX_MS && d->ms % 1000 == 0);
	FUZZ_CHECK(d->bdays == 0 || d->ms == 0);
	FUZZ_CHECK(duration_is_bdays(d) == (d->bdays > 0));
	FUZZ_CHECK(memchr(d->text, '\0', sizeof d->text) != NULL);
}

/* The canonical text in a buffer of every size from 1: a prefix, NUL-terminated. */
static void
fuzz_check_sizes(const struct duration *d, const char *full)
{
	size_t n = strlen(full);

	for (size_t len = 1; len <= n + 1; len++) {
		char *buf = malloc(len);

		duration_format(d, buf, len);
		FUZZ_CHECK(strnlen(buf, len) == len - 1);
		FUZZ_CHECK(strncmp(buf, full, len - 1) == 0);
		free(buf);
	}
}

/* duration_format's text parses back to d, and is a fixed point. */
static void
fuzz_round_trip(const struct duration *d, const char *input)
{
	char text[FUZZ_TEXT], again[FUZZ_TEXT], buf[FUZZ_TEXT];
	struct duration back;

	duration_format(d, text, sizeof text);
	FUZZ_CHECK(strlen(text) < sizeof text - 1);
	FUZZ_CHECK(fuzz_parse(text, &back) == 0);
	FUZZ_CHECK(fuzz_same(d, &back));
	FUZZ_CHECK(strcmp(duration_format(&back, again, sizeof again), text) == 0);
	fuzz_check_sizes(d, text);
	/* The text kept is the input, trimmed, which also parses to d. */
	if (d->text[0] != '\0') {
		FUZZ_CHECK(strstr(input, d->text) != NULL);
		FUZZ_CHECK(fuzz_parse(d->text, &back) == 0 && fuzz_same(d, &back));
	}
	FUZZ_CHECK(strcmp(duration_text(d, buf, sizeof buf), d->text[0] ? d->text :
	    text) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct duration d;

	memcpy(s, data, size);
	s[size] = '\0';
	if (fuzz_parse(s, &d) == 0) {
		fuzz_check_value(&d);
		fuzz_round_trip(&d, s);
	}
	free(s);
	return 0;
}
