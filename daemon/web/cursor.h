#ifndef CURSOR_H
#define CURSOR_H

#include <stddef.h>
#include <stdint.h>

/*
 * Opaque, signed list cursors: a position in a list (the last row id a page showed)
 * bound to the filters it was made for, with a keyed hash (SipHash-2-4 under the
 * database's secret) so a changed or foreign cursor is refused rather than misread.
 */

#define CURSOR_KEY_LEN 16
#define CURSOR_LEN 33	/* 32 base64url characters and NUL */

/* The secret cursors are signed with (the database's: store_cursor_key). */
struct cursor {
	uint8_t key[CURSOR_KEY_LEN];
};

/* Sign with key from now on. */
void cursor_init(struct cursor *c, const uint8_t key[CURSOR_KEY_LEN]);
/* A fingerprint of the list's filters, as text ("state=pending&seller=S1"). */
uint64_t cursor_filters(const struct cursor *c, const char *filters);
/* The cursor for position rid under filters; returns out. */
char *cursor_encode(const struct cursor *c, int64_t rid, uint64_t filters,
    char out[CURSOR_LEN]);
/* The position in s: 0, or -1 when s is malformed, altered, or made for other
 * filters. */
int cursor_decode(const struct cursor *c, const char *s, uint64_t filters, int64_t *rid);
/* SipHash-2-4 of data under key. */
uint64_t cursor_siphash(const uint8_t key[CURSOR_KEY_LEN], const void *data, size_t len);

#endif
