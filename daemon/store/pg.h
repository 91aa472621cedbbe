#ifndef PG_H
#define PG_H

#include <stdbool.h>

struct event_base;
struct store;

/*
 * The PostgreSQL backend of the store (core/store.h): the daemon runs on it unchanged
 * when `database` is a postgresql:// or postgres:// URI. Two connections on the loop
 * (pgconn.h), each in pipeline mode with its statements prepared (pgsql.h): the writer
 * for the turn's transactions (pgwrite.c; their writes gathered by pgtxn.h) and the
 * reader for the reads of committed data (pgread.c). The loop never waits for the
 * server; a lost connection fails what it owed and reconnects by itself; a commit cut
 * off with it is looked up once it is back, and only then told.
 */

/* Open the database at uri (connect, refuse a newer or foreign schema, migrate) and
 * join its instances as `instance` (NULL: hostname:pid; pgcluster.h), its connections
 * on base's loop: the store (close it with store_close, after store_wait_durable: that
 * hands our shards over), or NULL with *cause (allocated): the database server
 * unreachable, a refused schema, a role that may not create its tables, the instance
 * name taken by a live instance. */
struct store *pg_store_open(const char *uri, const char *instance,
    struct event_base *base, char **cause);

#endif
