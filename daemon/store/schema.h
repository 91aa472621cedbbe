#ifndef SCHEMA_H
#define SCHEMA_H

/* The database schema as forward migrations (SQL text; the store runs them). */

/* 'PRTD': marks a file as protocold's, so a foreign database is never migrated. */
#define SCHEMA_APP_ID 0x50525444

/* How many migrations there are: the current schema version. */
int schema_count(void);
/* The SQL that takes the schema from version i to i + 1 (0 <= i < schema_count()). */
const char *schema_migration(int i);

#endif
