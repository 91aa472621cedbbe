#ifndef BENCHTPL_H
#define BENCHTPL_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/*
 * The bench's template: one protocol protocold created itself (pending, with a running
 * response clock) and its "create" history entry, which benchdb and ceiling copy so
 * that the rows they write are the daemon's own. Texts are "" where the row has NULL;
 * benchtpl_bind_text writes them back as the daemon does.
 */
struct benchtpl {
	int64_t rid, resp_ms, warn_ms, version;
	int origin, critical, state, clock, hist_to, hist_cause;
	char ord[PROTO_ID_MAX + 1], reason[PROTO_ID_MAX + 1], attempts[512], rule[512];
	char hist_name[64];
};

/* Read the template of db: 0, or -1 with the cause in err (of len bytes). */
int benchtpl_read(sqlite3 *db, struct benchtpl *t, char *err, size_t len);
/* Bind t to parameter i of s, "" as NULL. */
void benchtpl_bind_text(sqlite3_stmt *s, int i, const char *t);

#endif
