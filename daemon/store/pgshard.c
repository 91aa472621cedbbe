#include "pgshard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgsql.h"
#include "store.h"

/* splitmix64's finalizer: spreads the bits of x. */
static uint64_t
pgshard_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* A name's weight for a shard: FNV-1a of the name, mixed with the shard. */
static uint64_t
pgshard_weight(const char *name, int shard)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return pgshard_mix(h ^ pgshard_mix((uint64_t)shard + 1));
}

int
pgshard_pick(const char *const *names, int n, int shard)
{
	int best = -1;
	uint64_t w, top = 0;

	for (int i = 0; i < n; i++) {
		w = pgshard_weight(names[i], shard);
		if (best < 0 || w > top || (w == top && strcmp(names[i], names[best]) < 0)) {
			best = i;
			top = w;
		}
	}
	return best;
}

uint64_t
pgshard_mine(const struct store_member *m, int n)
{
	const char *names[STORE_CLUSTER_MAX];
	int k = 0, me = -1;
	uint64_t mask = 0;

	for (int i = 0; i < n && k < STORE_CLUSTER_MAX; i++)
		if (m[i].alive || m[i].self) {
			if (m[i].self)
				me = k;
			names[k++] = m[i].name;
		}
	if (me < 0)
		return 0;
	for (int s = 0; s < PGSQL_SHARDS; s++)
		if (pgshard_pick(names, k, s) == me)
			mask |= 1ULL << s;
	return mask;
}

uint64_t
pgshard_others(const struct store_member *m, int n)
{
	uint64_t mask = 0;

	for (int i = 0; i < n; i++)
		if (m[i].alive && !m[i].self)
			mask |= m[i].shards;
	return mask;
}

uint64_t
pgshard_parse(const char *list)
{
	uint64_t mask = 0;
	char *end;
	long v;

	while (*list != '\0') {
		v = strtol(list, &end, 10);
		if (end == list)
			break;
		if (v >= 0 && v < PGSQL_SHARDS)
			mask |= 1ULL << v;
		list = *end == ',' ? end + 1 : end;
	}
	return mask;
}

const char *
pgshard_array(uint64_t mask, char *buf, size_t len)
{
	size_t off = 0;

	buf[off++] = '{';
	for (int i = 0; i < PGSQL_SHARDS && off + 4 < len; i++)
		if (mask & (1ULL << i))
			off += (size_t)snprintf(buf + off, len - off, "%s%d",
			    buf[off - 1] == '{' ? "" : ",", i);
	buf[off++] = '}';
	buf[off] = '\0';
	return buf;
}
