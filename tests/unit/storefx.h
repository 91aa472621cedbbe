#ifndef STOREFX_H
#define STOREFX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "listing.h"
#include "proto.h"
#include "sqlite.h"

/*
 * What the store's unit tests share (test_store.c, test_rows.c, test_history.c,
 * test_listing.c, test_sellers.c): a temporary directory
 * and database path per test, and the protocol values and row calls that fail the test
 * with the store's error instead of returning it. Needs cmocka.h included before it.
 */

struct storefx {
	char dir[256];
	char path[300];
	struct store *st;
	void *bufs[16];		/* test buffers, freed in teardown */
	size_t nbufs;
};

/* cmocka setup: a new temporary directory, path = DIR/protocold.db, no store yet. */
int storefx_setup(void **state);
/* cmocka teardown: close the store, free the buffers, remove the directory. */
int storefx_teardown(void **state);
/* Open fx->path for writing into fx->st, or fail the test with the cause. */
struct store *storefx_open_rw(struct storefx *fx);
/* A fresh protocol value in state s with clock c due (and next) at next. */
struct protocol storefx_mkp(const char *id, const char *seller, enum proto_state s,
    enum proto_clock c, int64_t next);
/* rows_insert, rows_update, rows_get that fail the test on an error (get: on absence). */
void storefx_insert(struct store *st, struct protocol *p);
void storefx_update(struct store *st, struct protocol *p);
struct protocol storefx_get(struct store *st, const char *id);
/* Whether id has no row (fails the test on an error). */
bool storefx_absent(struct store *st, const char *id);
/* Assert that every stored field of a and b is equal. */
void storefx_same(const struct protocol *a, const struct protocol *b);
/* listing_stats, failing the test on an error. */
struct listing_stats storefx_stats(struct store *st);
/* history_add of one entry (late_ms = at - due when due is set), failing the test on an
 * error: its seq. */
int64_t storefx_event(struct store *st, int64_t rid, int from, enum proto_state to,
    enum proto_cause cause, const char *name, int64_t at, int64_t due, const char *detail);
/* How many history entries rid has (fails the test on an error). */
int storefx_history_count(struct store *st, int64_t rid);

#endif
