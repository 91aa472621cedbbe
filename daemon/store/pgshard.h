#ifndef PGSHARD_H
#define PGSHARD_H

#include <stddef.h>
#include <stdint.h>

struct store_member;

/*
 * The shards of a cluster (doc/cluster.md) as arithmetic: which live member owns
 * which shard by rendezvous hashing (the highest weight of hash(name, shard): when a
 * member comes or goes only its shards move), and the masks of shards (bit i: shard
 * i) as PostgreSQL writes and reads them. No I/O: pgcluster.c decides with them.
 */

/* The index into names (n of them) that rendezvous hashing gives the shard, or -1. */
int pgshard_pick(const char *const *names, int n, int shard);
/* The shards hashing gives the member marked self among those alive (and self). */
uint64_t pgshard_mine(const struct store_member *m, int n);
/* The shards owned by a live member other than self. */
uint64_t pgshard_others(const struct store_member *m, int n);
/* A list "3,7,12" (string_agg's) as a mask; numbers out of range are ignored. */
uint64_t pgshard_parse(const char *list);
/* The mask as a PostgreSQL array ("{3,7,12}") into buf (len bytes): buf. */
const char *pgshard_array(uint64_t mask, char *buf, size_t len);

#endif
