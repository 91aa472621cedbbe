#ifndef PGTXN_H
#define PGTXN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgconn.h"
#include "proto.h"
#include "store.h"

/*
 * What a transaction of the PostgreSQL store writes, gathered in memory and sent as
 * few statements: the protocols saved since the last read (one UPDATE of them all,
 * the last save of each), and, at the commit, the counters it changed (one UPDATE)
 * and its history entries with their block of seqs (one INSERT). SQLite's store
 * writes the same rows (rows.c, history.c) and counts them the same way (counts.h).
 */

struct pgtxn;

struct pgtxn *pgtxn_new(void);
/* NULL is a no-op. */
void pgtxn_free(struct pgtxn *t);

/* A protocol inserted (rc 1 of store_insert_new): count its state and clock. */
void pgtxn_inserted(struct pgtxn *t, struct protocol *p);
/* store_save: keep what `what` says of p (its move of state and clock counted, as
 * rows.c does), and its n entries. */
void pgtxn_save(struct pgtxn *t, struct protocol *p, const struct proto_event *ev,
    size_t n, enum store_save what);
/* Whether protocols wait to be written, and how many. */
size_t pgtxn_rows_pending(const struct pgtxn *t);
/* How many history entries it holds (sent with the commit). */
int pgtxn_entries(const struct pgtxn *t);

/* Send the UPDATE of the protocols saved since the last one (none: nothing is
 * sent; one missing: the statement fails): fn(arg, …) gets its answer. 0, or -1
 * when the connection is down. */
int pgtxn_send_rows(struct pgtxn *t, struct pgconn *c, pgconn_fn *fn, void *arg);
/* Send the counters' UPDATE and the history's INSERT (each only when there is
 * something to write; with the history, the others are told of the commit when tell
 * is not NULL: PGSQL_HISTORY), each answered to fn(arg, …): how many were sent, or -1
 * when down. */
int pgtxn_send_commit(struct pgtxn *t, struct pgconn *c, const char *tell, pgconn_fn *fn,
    void *arg);

#endif
