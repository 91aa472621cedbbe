#ifndef DBURI_H
#define DBURI_H

#include <stdbool.h>

/*
 * The `database` setting: a PostgreSQL URI (libpq's, postgresql:// or postgres://) or
 * a SQLite path; and how either is shown in logs and answers.
 */

/* Whether database names a PostgreSQL database, not a SQLite file. */
bool dburi_is_pg(const char *database);
/* database as logs and answers show it: a URI's password (user:PASSWORD@, or
 * password=… among its parameters) replaced by "***". Malloc'd. */
char *dburi_shown(const char *database);

#endif
