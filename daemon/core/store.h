#ifndef STORE_H
#define STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/*
 * The store: everything the daemon asks of its database, as a table of functions that
 * a backend fills (daemon/store/: SQLite; a PostgreSQL one fills the same table). The
 * core and the web hold a struct store * and call the store_* functions below, which
 * dispatch to the table; no code outside daemon/store/ names a backend's library.
 *
 * Three kinds of calls (doc/design.md, "The store"):
 *
 * - The write path. The engine and the scheduler work in the turn's transaction
 *   (turn.h: store_begin opens it, store_commit ends it). The reads that decide a
 *   change (store_load, store_insert_new, store_due, store_head) hand their result to
 *   a callback, which a backend may call before it returns (SQLite: the row is at
 *   hand) or later from the loop (a client-server backend, once its answer arrived):
 *   a caller must work either way, and must not read a protocol again while a change
 *   of it is being decided (engine.c keeps them apart). A backend answers these reads
 *   in the order they were asked. The writes (store_save,
 *   store_seller_put) go into the transaction: a backend may run them at once or send
 *   them with its next round trip. One that fails spoils the transaction: nothing of
 *   it is kept, and its commit says so.
 * - The commit. store_commit calls written() once the transaction is in the database
 *   (or failed: nothing kept), then durable() once it would survive a crash and the
 *   reads see it. Between the two, the next transaction may fill; it is committed only
 *   after that durable().
 * - Reads of committed data (the API's answers, the feed, the status): they never see
 *   what a durable() has not announced, and hand their answer to a callback too (a
 *   client-server backend sends them on a connection of their own and answers once
 *   the rows arrived); store_reads_ready says whether they may be asked now (else wait
 *   for the commit in flight, turn_after_sync).
 * - The state of the backend itself: store_health (is it reachable, why not), the
 *   test clock it keeps (so that instances sharing a database share it too).
 *
 * Functions that can fail return -1 (or a callback's -1) and leave the reason in
 * store_error().
 */

struct store;

/* The secret that signs list cursors (web/cursor.h), kept by the database. */
#define STORE_KEY_LEN 16

/* What store_load found. */
struct store_loaded {
	int rc;			/* 1 found, 0 no such protocol, -1 error */
	struct protocol p;
	bool envvias;		/* its seller uses Envvias (spec.md §4) */
};

/* A commit's outcome, as written() and durable() tell it. */
enum store_outcome {
	STORE_OK,		/* written / durable */
	STORE_FAILED,		/* written() only: rolled back, nothing of it kept */
	STORE_LOST		/* durable() only: written, but the backend cannot make it
				 * durable (SQLite: its WAL's name was lost): nothing more
				 * may be committed; the caller stops and calls store_salvage */
};

typedef void store_load_fn(void *arg, const struct store_loaded *r);
/* rc: 1 inserted (the protocol given has its rid now), 0 the id exists (*existing, as
 * stored), -1 error; envvias: the seller's Envvias flag (rc 0 and 1). */
typedef void store_insert_fn(void *arg, int rc, const struct protocol *existing,
    bool envvias);
/* n rows (the caller's buffer), or -1. */
typedef void store_due_fn(void *arg, int n);
/* rc 0 and the smallest clock_next of all protocols (INT64_MAX when none), or -1. */
typedef void store_head_fn(void *arg, int rc, int64_t at);
typedef void store_outcome_fn(void *arg, enum store_outcome o);

/* Reads: called for each protocol (with its seller's Envvias flag, which its allowed
 * actions depend on), each history entry (protocol: its id), before the read's done. */
typedef void store_protocol_fn(const struct protocol *p, bool envvias, void *arg);
typedef void store_event_fn(const struct proto_event *ev, const char *protocol, void *arg);
/* The end of a read of rows: n rows were given (each through its row callback), or -1
 * (store_error). */
typedef void store_rows_fn(void *arg, int n);
/* rc 1 found (the protocol and its seller's Envvias flag), 0 not found, -1 error. */
typedef void store_get_fn(void *arg, int rc, const struct protocol *p, bool envvias);
/* rc 0 and a value, or -1. */
typedef void store_int_fn(void *arg, int rc, int64_t v);
/* The running clocks due by a forecast's horizon, by marketplace and kind. */
#define STORE_FORECAST_MAX 512
struct store_forecast {
	size_t n;
	struct {
		char market[PROTO_MARKET_MAX + 1];
		int kind;
		int to;		/* where they lead as their rule keeps it, -1: not kept */
		int64_t n;
	} row[STORE_FORECAST_MAX];
};
/* rc 0 and the clocks by marketplace and kind, or -1. */
typedef void store_forecast_fn(void *arg, int rc, const struct store_forecast *f);
struct store_stats;
typedef void store_stats_fn(void *arg, int rc, const struct store_stats *s);
/* rc 0 and a seller's Envvias flag (false when never written), its protocols by state
 * and its mediations at or after the `since` asked, or -1. */
typedef void store_seller_fn(void *arg, int rc, bool envvias,
    const int64_t counts[PROTO_N_STATES], int64_t mediations);
typedef void store_key_fn(void *arg, int rc, const uint8_t key[]);

/* What store_list selects. */
struct store_filter {
	int state;		/* enum proto_state, or -1 for any */
	const char *seller;	/* NULL for any */
	const char *marketplace;	/* NULL for any */
	bool has_due;
	int64_t due_before;	/* with has_due: a running clock due before this instant */
};

/* The counts a status needs at once (kept by the database, cheap to read). */
#define STORE_STATS_MAX 512
struct store_kind_count {
	int kind;
	int64_t n;
};
struct store_market_count {
	int market;		/* its counters' number (rulebook.h) */
	int state;
	int64_t n;
};
struct store_stats {
	int64_t by_state[PROTO_N_STATES];
	int64_t by_cause[PROTO_N_CAUSES];
	/* Running clocks by kind (those the database counted; zeros too). */
	size_t n_clocks;
	struct store_kind_count clocks[STORE_STATS_MAX];
	/* Protocols by marketplace and state. */
	size_t n_markets;
	struct store_market_count markets[STORE_STATS_MAX];
	bool has_next;
	char next_id[PROTO_ID_MAX + 1];
	int next_clock;
	int64_t next_at;
};

/* The backend's own figures for /metrics and /v1/version. */
struct store_info {
	const char *name;		/* "sqlite" or "postgresql" */
	const char *version;		/* the library's, or the server's, version */
	const char *sqlite;		/* the SQLite library linked, whatever the store
					 * (/v1/version's "sqlite": spec.md §7) */
	int64_t checkpoints_ok;		/* SQLite's; 0 elsewhere */
	int64_t checkpoints_failed;
	int64_t checkpoints_inline;
	int64_t wal_pages;
	int64_t wal_bytes;		/* SQLite's -wal file's size now; -1 elsewhere */
};

/* What store_backup made (doc/backup.md). */
enum store_backup_rc {
	STORE_BACKUP_OK,
	STORE_BACKUP_UNSUPPORTED,	/* the backend copies no file (PostgreSQL) */
	STORE_BACKUP_BUSY,		/* another copy is under way */
	STORE_BACKUP_FAILED		/* error says why; nothing is left behind */
};
struct store_backup {
	enum store_backup_rc rc;
	int fd;			/* OK: the copy, unlinked, at offset 0: the callee's to
				 * close */
	int64_t size;		/* its bytes */
	int64_t seq;		/* the last feed seq (history entry) it holds */
	const char *type;	/* its media type (a backend's file format) */
	char error[256];
};
typedef void store_backup_fn(void *arg, const struct store_backup *b);

/* The instances sharing the database, as the last look saw them (store_cluster). */
#define STORE_CLUSTER_MAX 32
struct store_member {
	char name[64];
	char host[64];
	int pid;
	int64_t epoch;
	int64_t started_at;		/* ms */
	int64_t beat_at;		/* its last heartbeat, ms */
	bool self, alive;
	uint64_t shards;		/* bit i: it owns shard i */
	char config[17];		/* its settings' fingerprint ("" unknown) */
};

struct store_cluster {
	const char *instance;		/* this one's name */
	int shards;			/* how many there are (1: a store of one
					 * instance, which owns all) */
	int64_t lease_ms;		/* a member silent this long is taken over */
	int n;
	struct store_member m[STORE_CLUSTER_MAX];
	int64_t takeovers;		/* members this one took over */
	int64_t rejoins;		/* times this one was declared dead and joined
					 * again */
};

/* What a backend shared with other instances tells the core (store_on_peers). */
struct store_peers {
	/* A clock of a shard we own moved to `at` (ms), or what we own changed
	 * (INT64_MIN): look at the head again if it is earlier than the timer. */
	void (*wake)(void *arg, int64_t at);
	/* Another instance moved the test clock to ms. */
	void (*clock)(void *arg, int64_t ms);
	/* Another instance committed history entries: the feed now ends at seq last. */
	void (*feed)(void *arg, int64_t last);
	void *arg;
};

typedef void store_settled_fn(void *arg, int rc, bool settled);

/* What store_save writes of a protocol besides its new history entries. */
enum store_save {
	STORE_SAVE_ROW,		/* the whole row (state, clock, attempts, version, ...) */
	STORE_SAVE_NEXT,	/* only clock_next (a warning moved it) */
	STORE_SAVE_ENTRIES	/* nothing: the row is as store_insert_new just wrote it */
};

/* The table a backend fills; store_* below call it (see them for each promise). */
struct store_ops {
	int (*begin)(struct store *);
	bool (*in_txn)(const struct store *);
	void (*rollback)(struct store *);
	void (*commit)(struct store *, store_outcome_fn *written, store_outcome_fn *durable,
	    void *arg);
	void (*wait_durable)(struct store *);
	int (*salvage)(struct store *, char **cause);
	bool (*reads_ready)(struct store *);

	void (*load)(struct store *, const char *id, store_load_fn *, void *);
	void (*insert_new)(struct store *, struct protocol *, store_insert_fn *, void *);
	void (*due)(struct store *, int64_t limit, int max, struct protocol *out,
	    store_due_fn *, void *);
	void (*head)(struct store *, store_head_fn *, void *);
	int (*save)(struct store *, struct protocol *, const struct proto_event *, size_t,
	    enum store_save);
	int (*seller_put)(struct store *, const char *id, bool envvias);

	void (*get)(struct store *, const char *id, store_get_fn *, void *);
	void (*history)(struct store *, int64_t rid, int64_t after, int limit,
	    store_event_fn *, store_rows_fn *, void *);
	void (*feed)(struct store *, int64_t after, int limit, store_event_fn *,
	    store_rows_fn *, void *);
	void (*last_seq)(struct store *, store_int_fn *, void *);
	void (*list)(struct store *, const struct store_filter *, int64_t after, int limit,
	    store_protocol_fn *, store_rows_fn *, void *);
	void (*forecast)(struct store *, int64_t until, const char *seller,
	    store_forecast_fn *, void *);
	void (*stats)(struct store *, store_stats_fn *, void *);
	void (*seller)(struct store *, const char *id, int64_t since, store_seller_fn *,
	    void *);
	void (*cursor_key)(struct store *, store_key_fn *, void *);
	void (*info)(struct store *, struct store_info *);
	void (*backup)(struct store *, store_backup_fn *, void *);

	void (*cluster)(struct store *, struct store_cluster *);
	void (*advertise)(struct store *, const char *fingerprint);
	void (*settled)(struct store *, int64_t ms, store_settled_fn *, void *);

	bool (*health)(struct store *, char *why, size_t len);
	void (*clock_load)(struct store *, store_int_fn *, void *);
	int (*clock_save)(struct store *, int64_t ms);

	const char *(*error)(const struct store *);
	bool (*error_is_full)(const struct store *);
	void (*close)(struct store *);
};

/* Every backend's handle begins with this. */
struct store {
	const struct store_ops *ops;
	/* Told by a backend when the open transaction can no longer be committed (its
	 * connection is gone): store_on_txn_lost. */
	void (*txn_lost)(void *arg);
	void *txn_lost_arg;
	struct store_peers peers;	/* store_on_peers */
};

/* The write path */

/* Open the transaction the turn's changes go into: 0 or -1. */
int store_begin(struct store *st);
bool store_in_txn(const struct store *st);
/* Drop the open transaction and all of it. */
void store_rollback(struct store *st);
/* Commit the open transaction: written(arg, STORE_OK or STORE_FAILED), then, after
 * STORE_OK, durable(arg, STORE_OK or STORE_LOST), from the loop or before returning. */
void store_commit(struct store *st, store_outcome_fn *written, store_outcome_fn *durable,
    void *arg);
/* fn(arg) is called, from the loop, when the open transaction can no longer be
 * committed (a client-server backend lost its connection): the turn then rolls it back
 * at once rather than after the commit in flight. SQLite never calls it. */
void store_on_txn_lost(struct store *st, void (*fn)(void *arg), void *arg);
/* For a backend: tell it (a no-op when nobody asked). */
void store_txn_lost(struct store *st);
/* Wait, blocking, until the commit in flight (if any) is durable and its durable() has
 * run: for the stop, once the loop is gone. */
void store_wait_durable(struct store *st);
/* After STORE_LOST, with the loop stopped: make what was committed durable by other
 * means (SQLite: copy its WAL into the database file): 0, or -1 with *cause. */
int store_salvage(struct store *st, char **cause);
/* Whether reads may run now: false while a commit is written but not yet durable and
 * no read from before it is under way (they would see what a crash can take back). */
bool store_reads_ready(struct store *st);

/* The protocol id as the transaction has it, with its seller's Envvias flag. */
void store_load(struct store *st, const char *id, store_load_fn *fn, void *arg);
/* Insert p (rid 0) unless its id exists. p must stay valid until fn has run. */
void store_insert_new(struct store *st, struct protocol *p, store_insert_fn *fn,
    void *arg);
/* Up to max protocols whose clock_next <= limit, earliest first (ties by rid), into
 * out (max of them, valid until fn has run). */
void store_due(struct store *st, int64_t limit, int max, struct protocol *out,
    store_due_fn *fn, void *arg);
/* The smallest clock_next of all protocols. */
void store_head(struct store *st, store_head_fn *fn, void *arg);
/* Write what `what` says of p (the whole row counts its change of state and clock from
 * p->stored_*, which it then updates) and append its n history entries, in order. 0
 * or -1 (the transaction is spoiled). */
int store_save(struct store *st, struct protocol *p, const struct proto_event *ev,
    size_t n, enum store_save what);
/* Set a seller's Envvias flag. 0 or -1 (the transaction is spoiled). */
int store_seller_put(struct store *st, const char *id, bool envvias);

/* Reads of committed data (each answers through its callback; SQLite before it
 * returns) */

/* A protocol and its seller's Envvias flag. */
void store_get(struct store *st, const char *id, store_get_fn *fn, void *arg);
/* At most limit history entries of one protocol (rid) after seq `after`, oldest first,
 * each through each(), then done(arg, their count or -1). */
void store_history(struct store *st, int64_t rid, int64_t after, int limit,
    store_event_fn *each, store_rows_fn *done, void *arg);
/* At most limit entries of every protocol after seq `after`, in seq order (the feed). */
void store_feed(struct store *st, int64_t after, int limit, store_event_fn *each,
    store_rows_fn *done, void *arg);
/* The newest seq (0 when none). */
void store_last_seq(struct store *st, store_int_fn *fn, void *arg);
/* At most limit protocols matching f whose rid is above `after`, in rid (creation)
 * order. */
void store_list(struct store *st, const struct store_filter *f, int64_t after, int limit,
    store_protocol_fn *each, store_rows_fn *done, void *arg);
/* Running clocks due at or before until (of seller's protocols, when not NULL), by
 * marketplace and kind. */
void store_forecast(struct store *st, int64_t until, const char *seller,
    store_forecast_fn *fn, void *arg);
void store_stats(struct store *st, store_stats_fn *fn, void *arg);
/* A seller, its counts and its mediations at or after since. */
void store_seller(struct store *st, const char *id, int64_t since, store_seller_fn *fn,
    void *arg);
/* The cursors' secret (made once, kept): STORE_KEY_LEN bytes. */
void store_cursor_key(struct store *st, store_key_fn *fn, void *arg);
/* The backend's own figures (at hand: no round trip). */
void store_info(struct store *st, struct store_info *out);

/* A consistent copy of the whole database, made while the writes go on, as a file
 * of the backend's format: fn(arg, b) once, later from the loop (or at once when the
 * backend copies no file, or a copy is under way), at store_close at the latest (then
 * FAILED). Only one copy at a time. */
void store_backup(struct store *st, store_backup_fn *fn, void *arg);
/* The instances sharing the database: this one alone, which owns everything, for a
 * store of one instance (SQLite); the members as the last look saw them (at hand). */
void store_cluster(struct store *st, struct store_cluster *out);
/* The test clock's answer on a cluster: settled(arg, 0, true) once every instance has
 * taken the test clock ms and no clock due by ms is left to apply (at once on a store
 * of one instance), or rc -1. */
void store_settled(struct store *st, int64_t ms, store_settled_fn *fn, void *arg);
/* Show the other instances sharing the database the fingerprint of what decides our
 * due instants (config_fingerprint): at the start and after each reload. A no-op on
 * a store of one instance. */
void store_advertise(struct store *st, const char *fingerprint);
/* Be told what the other instances sharing the database do (p is copied). */
void store_on_peers(struct store *st, const struct store_peers *p);
/* For a backend: tell the peers' hooks (no-ops when none). */
void store_peer_wake(struct store *st, int64_t at);
void store_peer_clock(struct store *st, int64_t ms);
void store_peer_feed(struct store *st, int64_t last);

/* The backend */

/* Whether the database can be reached now: true, or false with why (len bytes, for
 * /v1/health/ready: "the database server is unreachable: …; reconnecting"). */
bool store_health(struct store *st, char *why, size_t len);
/* The test clock the database keeps (rc 0: ms, or 0 when none was ever saved; -1). */
void store_clock_load(struct store *st, store_int_fn *fn, void *arg);
/* Keep ms as the test clock, in the turn's transaction (turn_open first). 0 or -1 (the
 * transaction is spoiled). */
int store_clock_save(struct store *st, int64_t ms);

/* The last error's message; whether it was a full disk, a read-only or failing file. */
const char *store_error(const struct store *st);
bool store_error_is_full(const struct store *st);
/* Close (an open transaction is rolled back); NULL is a no-op. */
void store_close(struct store *st);

#endif
