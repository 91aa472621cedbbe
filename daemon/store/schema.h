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
/* Why a database must not be touched, or NULL when it may, from its application_id,
 * how many tables it has and its schema version (PRAGMA user_version): a file that is
 * not protocold's, or one of a newer schema. */
const char *schema_refusal(int app_id, int tables, int version);
/* The PRAGMA that marks a migrated file as protocold's (SCHEMA_APP_ID). */
#define SCHEMA_MARK "PRAGMA application_id = 1347572804"

#endif
