#ifndef PGSCHEMA_H
#define PGSCHEMA_H

#include <stdint.h>

#include "store.h"

/*
 * The PostgreSQL store's schema (the tables and indexes of SQLite's, schema.c, in
 * PostgreSQL's types) as forward migrations, and what brings a database to it at
 * open: in one transaction, under an advisory lock, so that two daemons starting
 * together do not both migrate. The daemon's role owns what it creates (no superuser,
 * no extension).
 */

/* How many migrations there are: the current schema version. */
int pgschema_count(void);
/* The SQL that takes the schema from version i to i + 1 (0 <= i < pgschema_count()). */
const char *pgschema_migration(int i);

/* Connect to uri (blocking: the start), refuse a database of a newer schema or one
 * that is not protocold's, migrate the rest, make the cursors' secret once: 0 with
 * the secret in key, or -1 with *cause (allocated). */
int pgschema_open(const char *uri, uint8_t key[STORE_KEY_LEN], char **cause);

#endif
