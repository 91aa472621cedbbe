#ifndef SCHEMA_H
#define SCHEMA_H

/* The database schema as forward migrations, and what brings an open database to it. */

struct conn;

/* 'PRTD': marks a file as protocold's, so a foreign database is never migrated. */
#define SCHEMA_APP_ID 0x50525444

/* How many migrations there are: the current schema version. */
int schema_count(void);
/* The SQL that takes the schema from version i to i + 1 (0 <= i < schema_count()). */
const char *schema_migration(int i);
/* Why c's database (at schema version) must not be touched, or NULL when it may: a
 * file that is not protocold's, or one of a newer schema. */
const char *schema_refusal(struct conn *c, int version);
/* Run the migrations from version `from` on, one transaction each: 0, or -1
 * (conn_error). */
int schema_migrate(struct conn *c, int from);

#endif
