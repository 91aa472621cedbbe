#include "cursor.h"

#include <stddef.h>
#include <string.h>

static const char cursor_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static uint64_t
cursor_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void
cursor_put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static void
cursor_round(uint64_t v[4])
{
	v[0] += v[1]; v[1] = ROTL(v[1], 13); v[1] ^= v[0]; v[0] = ROTL(v[0], 32);
	v[2] += v[3]; v[3] = ROTL(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = ROTL(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = ROTL(v[1], 17); v[1] ^= v[2]; v[2] = ROTL(v[2], 32);
}

static void
cursor_block(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	cursor_round(v);
	cursor_round(v);
	v[0] ^= m;
}

uint64_t
cursor_siphash(const uint8_t key[CURSOR_KEY_LEN], const void *data, size_t len)
{
	const uint8_t *in = data;
	uint64_t k0 = cursor_le64(key), k1 = cursor_le64(key + 8);
	uint64_t v[4] = { k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
	    k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL };
	uint8_t last[8] = { 0 };
	size_t i;

	for (i = 0; i + 8 <= len; i += 8)
		cursor_block(v, cursor_le64(in + i));
	memcpy(last, in + i, len - i);
	last[7] = (uint8_t)len;
	cursor_block(v, cursor_le64(last));
	v[2] ^= 0xff;
	for (int r = 0; r < 4; r++)
		cursor_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

void
cursor_init(struct cursor *c, const uint8_t key[CURSOR_KEY_LEN])
{
	memcpy(c->key, key, CURSOR_KEY_LEN);
}

uint64_t
cursor_filters(const struct cursor *c, const char *filters)
{
	return cursor_siphash(c->key, filters, strlen(filters));
}

/* The 24 bytes a cursor carries: rid, filters, and the hash of both. */
static void
cursor_pack(const struct cursor *c, uint8_t raw[24], int64_t rid, uint64_t filters)
{
	cursor_put64(raw, (uint64_t)rid);
	cursor_put64(raw + 8, filters);
	cursor_put64(raw + 16, cursor_siphash(c->key, raw, 16));
}

char *
cursor_encode(const struct cursor *c, int64_t rid, uint64_t filters, char out[CURSOR_LEN])
{
	uint8_t raw[24];

	cursor_pack(c, raw, rid, filters);
	for (int i = 0, o = 0; i < 24; i += 3) {
		uint32_t n = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];

		for (int k = 18; k >= 0; k -= 6)
			out[o++] = cursor_b64[(n >> k) & 63];
	}
	out[32] = '\0';
	return out;
}

int
cursor_decode(const struct cursor *c, const char *s, uint64_t filters, int64_t *rid)
{
	uint8_t raw[24], want[24];
	const char *p;

	if (strlen(s) != 32)
		return -1;
	for (int i = 0, o = 0; i < 32; i += 4) {
		uint32_t n = 0;

		for (int k = 0; k < 4; k++) {
			if (s[i + k] == '\0' || (p = strchr(cursor_b64, s[i + k])) == NULL)
				return -1;
			n = n << 6 | (uint32_t)(p - cursor_b64);
		}
		raw[o++] = (uint8_t)(n >> 16);
		raw[o++] = (uint8_t)(n >> 8);
		raw[o++] = (uint8_t)n;
	}
	*rid = (int64_t)cursor_le64(raw);
	cursor_pack(c, want, *rid, filters);
	return memcmp(raw, want, sizeof raw) == 0 && *rid >= 0 ? 0 : -1;
}
