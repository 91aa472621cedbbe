#ifndef PGCLUSTER_H
#define PGCLUSTER_H

#include <stdbool.h>
#include <stdint.h>

struct event_base;
struct store;
struct store_cluster;

/*
 * This instance among the others on one PostgreSQL database (doc/cluster.md). It
 * joins as a member (a row of cluster_members with an epoch of its own), beats every
 * PGCLUSTER_TICK_MS on a connection of its own, and looks at the others: one whose
 * sessions are gone (kill -9) or whose beat is older than PGCLUSTER_LEASE_MS (frozen,
 * cut off) is taken over: its sessions ended and waited for, its row deleted, its
 * shards freed. Each live member owns the shards that rendezvous hashing gives it
 * among the live ones; it claims them when they are free, and releases those that are
 * another's (a newcomer's). The writer fires only the clocks of the shards its epoch
 * owns in the database (pgsql.h: PGSQL_MINE), so a member declared dead fires none.
 *
 * It listens to the others: a clock of ours moved earlier (wake), the test clock moved
 * (clock: taken, and acknowledged in our row), a member came or went (members: look
 * again at once). Each is told to the store's peers (store_peer_wake/_clock).
 */

#define PGCLUSTER_TICK_MS 250
#define PGCLUSTER_LEASE_MS 3000

struct pgcluster;

/* Join the members of the database at uri as `instance` (NULL: hostname:pid), on
 * base's loop, telling st's peers what it hears: the member, or NULL with *cause
 * (allocated): the server unreachable, or the name taken by a live instance. */
struct pgcluster *pgcluster_open(struct event_base *base, const char *uri,
    const char *instance, struct store *st, char **cause);
/* Leave (free our shards, delete our row, tell the others: the clean stop's hand-over,
 * waiting up to a second), and close. NULL is a no-op. */
void pgcluster_free(struct pgcluster *c);

/* Our epoch as text (the statements' parameter): "0" while we are no member. */
const char *pgcluster_epoch(const struct pgcluster *c);
/* Whether we believe the shard ours, and a number that changes whenever what we
 * believe ours changes. */
bool pgcluster_owns(const struct pgcluster *c, int shard);
uint64_t pgcluster_generation(const struct pgcluster *c);
/* Whether we believe every shard ours (alone): the due rows need no filter. */
bool pgcluster_owns_all(const struct pgcluster *c);
/* Our settings' fingerprint (config_fingerprint), shown to the others from the next
 * beat on. */
void pgcluster_set_config(struct pgcluster *c, const char *fingerprint);
/* The members as the last look saw them (GET /v1/cluster, /metrics). */
void pgcluster_view(const struct pgcluster *c, struct store_cluster *out);
/* Whether the last look saw no other instance alive (then commits need not tell the
 * others' feeds). */
bool pgcluster_alone(const struct pgcluster *c);


#endif
