#ifndef STOREFX_H
#define STOREFX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "store.h"

struct conn;
struct event_base;

/* The clock kinds of the built-in rulebook (casas-bahia), as the store keeps them
 * (rulebook.h: response and reply_window are RULEBOOK_KIND_RESPONSE and _REPLY; its
 * waits keep the numbers they had before rulebooks). */
#define FX_CLOCK_RESPONSE 1
#define FX_CLOCK_PHOTOS 2	/* photos_wait */
#define FX_CLOCK_ADDRESS 3	/* address_wait */
#define FX_CLOCK_POSTING 4	/* posting_wait */
#define FX_CLOCK_PICKUP 5	/* pickup_wait */
#define FX_CLOCK_LETTER 6	/* letter_wait */
#define FX_CLOCK_REPLY 7	/* reply_window */
/* The marketplace the fixtures' protocols belong to, and its counters' keys:
 * 1291024 + state (counts.h; the schema's migrations hardcode it). */
#define FX_MARKET "casas-bahia"
#define FX_MARKET_KEY 1291024

/*
 * What the store's unit tests share (test_conn.c, test_sqlite.c, test_rows.c,
 * test_history.c, test_listing.c, test_sellers.c, test_ckpt.c; test_pg.c the clock
 * kinds and the lookups in stats and forecasts): a temporary directory and database
 * path per test; a writer connection (conn.h) for the SQL modules' tests
 * or a whole store (sqlite.h) on a test event loop for the port's; the protocol values
 * and row calls that fail the test with the connection's error instead of returning
 * it. Needs cmocka.h included before it.
 */

struct storefx {
	char dir[256];
	char path[300];
	struct conn *c;			/* storefx_open_rw */
	struct store *st;		/* storefx_open_store */
	struct event_base *base;	/* the store's loop */
	void *bufs[16];		/* test buffers, freed in teardown */
	size_t nbufs;
};

/* cmocka setup: a new temporary directory, path = DIR/protocold.db, an event base,
 * nothing open yet. */
int storefx_setup(void **state);
/* cmocka teardown: close the store and the connection, free the buffers and the base,
 * remove the directory. */
int storefx_teardown(void **state);
/* Open fx->path for writing into fx->c, or fail the test with the cause. */
struct conn *storefx_open_rw(struct storefx *fx);
/* Open fx->path read-only (the caller closes it), or fail the test. */
struct conn *storefx_open_ro(struct storefx *fx);
/* Open the whole store on fx->path into fx->st (its loop: fx->base), or fail the test. */
struct store *storefx_open_store(struct storefx *fx, bool sync_full);
/* Keep buf (malloc'd) until teardown; returns it. */
void *storefx_keep(struct storefx *fx, void *buf);
/* A fresh protocol value of FX_MARKET in state s with clock kind c (FX_CLOCK_*, or
 * PROTO_CLOCK_NONE) due (and next) at next. */
struct protocol storefx_mkp(const char *id, const char *seller, enum proto_state s,
    int c, int64_t next);
/* rows_insert, rows_update, rows_get that fail the test on an error (get: on absence). */
void storefx_insert(struct conn *c, struct protocol *p);
void storefx_update(struct conn *c, struct protocol *p);
struct protocol storefx_get(struct conn *c, const char *id);
/* Whether id has no row (fails the test on an error). */
bool storefx_absent(struct conn *c, const char *id);
/* Assert that every stored field of a and b is equal. */
void storefx_same(const struct protocol *a, const struct protocol *b);
/* listing_stats, failing the test on an error. */
struct store_stats storefx_stats(struct conn *c);
/* The running clocks of kind in s (0 when s has no count of it; fails the test when
 * it has two). */
int64_t storefx_clocks(const struct store_stats *s, int kind);
/* The protocols of marketplace (its name) in state st in s (0 when s has no count of
 * it; fails the test when it has two). */
int64_t storefx_markets(const struct store_stats *s, const char *marketplace,
    enum proto_state st);
/* The clocks of marketplace and kind in a forecast, summed over its rows of them
 * (0 when it has none; fails the test on a row that counts none). */
int64_t storefx_forecast(const struct store_forecast *f, const char *marketplace,
    int kind);
/* Every clock a forecast counts. */
int64_t storefx_forecast_total(const struct store_forecast *f);
/* The counters table's row of key, read behind the store: its n, or -1 when the
 * table has no such row (fails the test on an error). */
int64_t storefx_counter(struct conn *c, int key);
/* history_add of one entry (late_ms = at - due when due is set), failing the test on an
 * error: its seq. */
int64_t storefx_event(struct conn *c, int64_t rid, int from, enum proto_state to,
    enum proto_cause cause, const char *name, int64_t at, int64_t due, const char *detail);
/* How many history entries rid has (fails the test on an error). */
int storefx_history_count(struct conn *c, int64_t rid);

#endif
