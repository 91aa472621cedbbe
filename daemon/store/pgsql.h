#ifndef PGSQL_H
#define PGSQL_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgconn.h"
#include "proto.h"

/*
 * The PostgreSQL store's SQL: the statements each connection prepares (by name), and
 * what goes in and out of them as text: parameters, protocol and history rows, and
 * the array literals that carry a whole batch of rows in one statement (unnest). The
 * rows, orders and counts are SQLite's (rows.c, history.c, listing.c, sellers.c).
 */

/* The writer's statements (the turn's transactions). */
#define PGSQL_LOAD "w_load"		/* $1 id, locked: the row and its seller's flag */
#define PGSQL_INSERT_NEW "w_insert"	/* pgsql_insert_params: the new rid, or the
					 * existing row; and the seller's flag */
#define PGSQL_DUE "w_due"		/* $1 limit, $2 max, $3 epoch: locked, earliest
					 * first, of the shards the epoch owns */
#define PGSQL_HEAD "w_head"		/* $1 epoch: the smallest clock_next of its
					 * shards */
#define PGSQL_DUE_ALL "w_dueall"	/* as PGSQL_DUE, the epoch owning every shard */
#define PGSQL_HEAD_ALL "w_headall"	/* as PGSQL_HEAD, the same */
#define PGSQL_WAKE "w_wake"		/* $1 "EPOCH AT": a clock moved to AT (ms) */
#define PGSQL_UPDATE "w_update"		/* pgsql_rows: every protocol saved */
#define PGSQL_SELLER_PUT "w_seller"	/* $1 id, $2 envvias */
#define PGSQL_COUNTERS "w_counters"	/* $1 keys[], $2 deltas[] */
#define PGSQL_HISTORY "w_history"	/* $1 count, then pgsql_events' arrays, $11
					 * "EPOCH AT" to tell the others, or NULL */
#define PGSQL_MARK "w_mark"		/* $1 daemon, $2 token: its commit's mark */
#define PGSQL_DOUBT_CLEAR "w_dclear"	/* a fresh look at pg_stat_activity */
#define PGSQL_DOUBT_RUNS "w_druns"	/* $1 a session's name: is it still there? */
#define PGSQL_DOUBT_MARK "w_dmark"	/* $1 daemon, $2 token: 1 if that commit is */
#define PGSQL_CLOCK_SAVE "w_clock"	/* $1 ms */
#define PGSQL_ROLLBACK "w_rollback"
#define PGSQL_TERMINATE "w_end"		/* $1 a session of ours, by its name */

/* The reader's statements (committed data). */
#define PGSQL_GET "r_get"		/* $1 id */
#define PGSQL_HISTORY_OF "r_hist"	/* $1 rid, $2 after, $3 limit */
#define PGSQL_FEED "r_feed"		/* $1 after, $2 limit */
#define PGSQL_LAST_SEQ "r_last"
#define PGSQL_FORECAST "r_fc"		/* $1 until */
#define PGSQL_FORECAST_SELLER "r_fcs"	/* $1 until, $2 seller */
#define PGSQL_COUNTERS_READ "r_counters"
#define PGSQL_NEXT "r_next"
#define PGSQL_SELLER "r_seller"		/* $1 id */
#define PGSQL_SELLER_COUNTS "r_scounts"	/* $1 id */
#define PGSQL_MEDIATIONS "r_med"	/* $1 seller, $2 state, $3 cause, $4 since */
#define PGSQL_CLOCK_LOAD "r_clock"
#define PGSQL_SETTLED "r_settled"	/* $1 ms: instances behind it, any clock due */

/* The shards an epoch owns (a subquery), and the channels of the notifications
 * (pgcluster.h). */
#define PGSQL_MINE(epoch) "SELECT shard FROM cluster_shards WHERE owner_epoch = " \
	epoch "::bigint"
#define PGSQL_OWNS_ALL(epoch) "SELECT count(*) FROM cluster_shards WHERE owner_epoch " \
	"= " epoch "::bigint) = (SELECT count(*) FROM cluster_shards"
#define PGSQL_CHANNEL_COMMIT "protocold_commit"
#define PGSQL_CHANNEL_CLOCK "protocold_clock"
#define PGSQL_CHANNEL_MEMBERS "protocold_members"
/* The shards: a protocol's is rid % PGSQL_SHARDS (pgschema.c). */
#define PGSQL_SHARDS 64
/* The lists: "r_list" and the filters' mask (PGSQL_LIST_*), parameters $1 after, $2
 * limit, then state, seller and due_before, those of the mask, in this order. */
#define PGSQL_LIST_STATE 1
#define PGSQL_LIST_SELLER 2
#define PGSQL_LIST_DUE 4
#define PGSQL_LIST_MARKET 8

/* The columns of a protocol row as pgsql_protocol reads them (PGSQL_PROTO_COLS). */
#define PGSQL_PROTO_COLS 19

/* Each connection's statements, and the SETs it runs first. */
const struct pgconn_stmt *pgsql_writer_stmts(size_t *n);
const struct pgconn_stmt *pgsql_reader_stmts(size_t *n);
/* The cluster's connection (pgcluster.c): its statements ("c_*"), its SETs and LISTENs. */
const struct pgconn_stmt *pgsql_cluster_stmts(size_t *n);
extern const char *const pgsql_cluster_setup[];
extern const char *const pgsql_writer_setup[];
extern const char *const pgsql_reader_setup[];
/* The name of the list statement of mask (0..7). */
const char *pgsql_list_name(int mask);

/* Text parameters of one statement: values point into buf or to the caller's
 * strings, which must outlive the send. */
#define PGSQL_MAX_PARAMS 20
struct pgsql_params {
	const char *v[PGSQL_MAX_PARAMS];
	int n;
	size_t used;
	char buf[PGSQL_MAX_PARAMS * 24];
};

void pgsql_params_init(struct pgsql_params *pp);
void pgsql_param_text(struct pgsql_params *pp, const char *s);
/* s, or NULL for "". */
void pgsql_param_opt(struct pgsql_params *pp, const char *s);
void pgsql_param_i64(struct pgsql_params *pp, int64_t v);
void pgsql_param_bool(struct pgsql_params *pp, bool b);
/* The parameters of PGSQL_INSERT_NEW for p (p must outlive the send). */
void pgsql_insert_params(struct pgsql_params *pp, const struct protocol *p);

/* Result columns: 0 for NULL. */
int64_t pgsql_i64(const PGresult *r, int row, int col);
bool pgsql_bool(const PGresult *r, int row, int col);
bool pgsql_null(const PGresult *r, int row, int col);
/* The protocol in columns col .. col + PGSQL_PROTO_COLS - 1 of row. */
void pgsql_protocol(const PGresult *r, int row, int col, struct protocol *p);
/* The history entry of row (PGSQL_HISTORY_OF, PGSQL_FEED): into ev (its strings
 * point into r), and its protocol's id. */
const char *pgsql_event(const PGresult *r, int row, struct proto_event *ev);

/* An array literal ("{1,NULL,\"a\"}") built element by element. */
struct pgsql_array {
	char *s;
	size_t len, cap;
	int n;
};

void pgsql_array_i64(struct pgsql_array *a, int64_t v);
void pgsql_array_null(struct pgsql_array *a);
/* Text, quoted; NULL for NULL. */
void pgsql_array_text(struct pgsql_array *a, const char *s);
/* The literal so far, closed ("{}" when empty); valid until the next change. */
const char *pgsql_array_str(struct pgsql_array *a);
/* Empty it, keeping its memory. */
void pgsql_array_clear(struct pgsql_array *a);
void pgsql_array_free(struct pgsql_array *a);

#endif
