#ifndef PGWRITE_H
#define PGWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct pg_store;

/*
 * The PostgreSQL store's write path and commit (core/store.h), on its writer
 * connection: the turn's transactions, their reads (loads, inserts, the due rows and
 * the head, locked for the transaction), their writes (pgtxn.h) and their commit,
 * with a commit cut off by a lost connection looked up once it is back.
 */

int pgwrite_begin(struct store *st);
bool pgwrite_in_txn(const struct store *st);
void pgwrite_rollback(struct store *st);
void pgwrite_commit(struct store *st, store_outcome_fn *written,
    store_outcome_fn *durable, void *arg);
void pgwrite_wait_durable(struct store *st);

void pgwrite_load(struct store *st, const char *id, store_load_fn *fn, void *arg);
void pgwrite_insert_new(struct store *st, struct protocol *p, store_insert_fn *fn,
    void *arg);
void pgwrite_due(struct store *st, int64_t limit, int max, struct protocol *out,
    store_due_fn *fn, void *arg);
void pgwrite_head(struct store *st, store_head_fn *fn, void *arg);
int pgwrite_save(struct store *st, struct protocol *p, const struct proto_event *ev,
    size_t n, enum store_save what);
int pgwrite_seller_put(struct store *st, const char *id, bool envvias);
int pgwrite_clock_save(struct store *st, int64_t ms);

/* The writer connection's hooks (pgconn.h): up again, lost. */
void pgwrite_up(void *arg);
void pgwrite_down(void *arg);
/* Drop the transactions (at close, before the writer connection is freed). */
void pgwrite_drop(struct pg_store *s);

#endif
