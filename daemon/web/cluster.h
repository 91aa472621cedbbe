#ifndef CLUSTER_H
#define CLUSTER_H

struct evhttp_request;
struct web;

/*
 * GET /v1/cluster: the instances sharing the database, what each owns, their last
 * heartbeat (doc/cluster.md). On a store of one instance (SQLite) it is this one,
 * owning the one shard there is.
 */

void cluster_get(struct web *web, struct evhttp_request *req, const char *unused);

#endif
