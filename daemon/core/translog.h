#ifndef TRANSLOG_H
#define TRANSLOG_H

#include <stdbool.h>
#include <stddef.h>

#include "proto.h"

/*
 * The log lines of transitions (log_transitions): gathered per transaction and written
 * once its commit is durable, never for a transaction rolled back. In durable mode the
 * next transaction fills while the last one syncs, so each set belongs to one
 * transaction (commit_seq) and is told only of its own commit.
 */

/* One transition of the open transaction; info: log_transitions = info (else debug). */
void translog_add(const struct proto_event *ev, const char *id, bool info);
/* How many transitions of the open transaction are to be logged. */
size_t translog_count(void);
/* Forget the open transaction's transitions after the first n (they were undone). */
void translog_undo(size_t n);

#endif
