#ifndef CLUSTER_H
#define CLUSTER_H

struct evhttp_request;
struct web;

/*
 * GET /v1/cluster: the instances sharing the database, what each owns, their last
 * heartbeat (doc/cluster.md). On a store of one instance (SQLite) it is this one,
 * owning the one shard there is.
 */

#include <stdbool.h>

struct store_cluster;

void cluster_get(struct web *web, struct evhttp_request *req, const char *unused);
/* The instances as GET /v1/cluster shows them (this one alone on SQLite). */
void cluster_view(const struct web *web, struct store_cluster *out);
/* Whether the live instances decide due instants alike (their settings' prints). */
bool cluster_config_same(const struct store_cluster *c);

#endif
