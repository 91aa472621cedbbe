/*
 * fuzz_cursor: cursor_decode on the input as a string, under a fixed key and the
 * filters of an unfiltered list (as browse.c makes them). A cursor it accepts is
 * exactly the one cursor_encode writes for its position. The first 16 bytes also give
 * a position and filters for the round trip: encode, decode, and refuse the cursor for
 * other filters or with any one character changed.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "fuzz_cursor: %s:%d: check failed: %s\n",	\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

#define FUZZ_ALPHABET \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

static const uint8_t fuzz_key[CURSOR_KEY_LEN] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
};
static struct cursor fuzz_cursor;
static uint64_t fuzz_filters;

/* The MAC is SipHash-2-4: the reference vectors for key 00..0f. */
static void
fuzz_check_siphash(void)
{
	uint8_t msg[15];

	for (int i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	FUZZ_CHECK(cursor_siphash(fuzz_key, msg, 0) == 0x726fdb47dd0e0e31ULL);
	FUZZ_CHECK(cursor_siphash(fuzz_key, msg, 15) == 0xa129ca6149be45e5ULL);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_check_siphash();
	cursor_init(&fuzz_cursor, fuzz_key);
	fuzz_filters = cursor_filters(&fuzz_cursor, "state=-1&seller=&due=0:0");
	return 0;
}

static uint64_t
fuzz_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* What decode accepts is canonical: the encoding of what it decoded. */
static void
fuzz_decode(const char *s)
{
	char again[CURSOR_LEN];
	int64_t rid = -2;

	if (cursor_decode(&fuzz_cursor, s, fuzz_filters, &rid) != 0)
		return;
	FUZZ_CHECK(rid >= 0);
	FUZZ_CHECK(strcmp(cursor_encode(&fuzz_cursor, rid, fuzz_filters, again), s) == 0);
}

/* Any one character changed (to another of the alphabet) is refused. */
static void
fuzz_tamper(const char *enc, uint64_t filters, uint8_t with)
{
	char bad[CURSOR_LEN];
	int64_t rid;

	for (int i = 0; i < CURSOR_LEN - 1; i++) {
		memcpy(bad, enc, CURSOR_LEN);
		bad[i] = FUZZ_ALPHABET[(strchr(FUZZ_ALPHABET, enc[i]) - FUZZ_ALPHABET +
		    1 + with % 63) % 64];
		FUZZ_CHECK(cursor_decode(&fuzz_cursor, bad, filters, &rid) == -1);
	}
}

static void
fuzz_round_trip(int64_t rid, uint64_t filters, uint8_t with)
{
	char *enc = malloc(CURSOR_LEN);	/* exactly: ASan sees an overflow */
	int64_t back = -2;

	FUZZ_CHECK(cursor_encode(&fuzz_cursor, rid, filters, enc) == enc);
	FUZZ_CHECK(strlen(enc) == CURSOR_LEN - 1);
	FUZZ_CHECK(strspn(enc, FUZZ_ALPHABET) == CURSOR_LEN - 1);
	if (rid >= 0) {
		FUZZ_CHECK(cursor_decode(&fuzz_cursor, enc, filters, &back) == 0 && back == rid);
		FUZZ_CHECK(cursor_decode(&fuzz_cursor, enc, filters ^ 1, &back) == -1);
		fuzz_tamper(enc, filters, with);
	} else
		FUZZ_CHECK(cursor_decode(&fuzz_cursor, enc, filters, &back) == -1);
	free(enc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	fuzz_decode(s);
	FUZZ_CHECK(cursor_filters(&fuzz_cursor, s) == cursor_siphash(fuzz_key, s, strlen(s)));
	if (size >= 17)
		fuzz_round_trip((int64_t)fuzz_le64(data), fuzz_le64(data + 8), data[16]);
	free(s);
	return 0;
}
