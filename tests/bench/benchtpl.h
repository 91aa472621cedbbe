#ifndef BENCHTPL_H
#define BENCHTPL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/*
 * The bench's template: one protocol protocold created itself (pending, with a running
 * response clock) and its "create" history entry, which benchdb and ceiling copy so
 * that the rows they write are the daemon's own. Texts are "" where the row has NULL;
 * benchtpl_bind_row writes them back as NULL, as the daemon does.
 */
struct benchtpl {
	int64_t rid, resp_ms, warn_ms, version;
	int origin, critical, state, clock, hist_to, hist_cause;
	char ord[PROTO_ID_MAX + 1], reason[PROTO_ID_MAX + 1], attempts[512], rule[512];
	char hist_name[64];
};

/* A protocol like the template (benchtpl_bind_row), and its "create" entry
 * (benchtpl_bind_entry): clock_start and updated_at are its opened_at. */
#define BENCHTPL_INSERT "INSERT INTO protocols (id, seller, ord, reason, origin, " \
	"critical, opened_given, opened_at, state, clock, clock_start, clock_due, " \
	"clock_next, attempts, version, updated_at, clock_rule) VALUES (?1, ?2, ?3, ?4, " \
	"?5, ?6, ?7, ?8, ?9, ?10, ?8, ?11, ?12, ?13, ?14, ?8, ?15)"
#define BENCHTPL_ENTRY "INSERT INTO history (rid, at, from_state, to_state, cause, " \
	"name) VALUES (?1, ?2, NULL, ?3, ?4, ?5)"

/* Read the template of db: 0, or -1 with the cause in err (of len bytes). */
int benchtpl_read(sqlite3 *db, struct benchtpl *t, char *err, size_t len);
/* Bind BENCHTPL_INSERT: protocol id of seller, opened at opened (given in the
 * request or not), its response clock due at due. id and seller must outlive the step. */
void benchtpl_bind_row(sqlite3_stmt *s, const struct benchtpl *t, const char *id,
    const char *seller, bool given, int64_t opened, int64_t due);
/* Bind BENCHTPL_ENTRY: the create entry of row rid at instant at. */
void benchtpl_bind_entry(sqlite3_stmt *s, const struct benchtpl *t, int64_t rid, int64_t at);

#endif
