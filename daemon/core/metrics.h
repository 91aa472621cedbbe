#ifndef METRICS_H
#define METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "procstat.h"
#include "proto.h"

/*
 * GET /metrics: counters and histograms kept in memory since start, and their
 * Prometheus text exposition (format 0.0.4). The module calls no library: what lives
 * elsewhere (the database's counts, the feed, the configuration, versions) the caller
 * passes in a snapshot at render time. Single-threaded, like the loop that calls it;
 * the counters live in a struct metrics the daemon makes once (a test makes its own).
 */

/* A count with a label's value (a clock kind's or a marketplace's name). */
struct metrics_count {
	const char *name;
	int state;				/* marketplace counts: of this state */
	int64_t n;
};
#define METRICS_MAX_COUNTS 512

/* What the caller gathers for one render; the database's counts survive restarts. */
struct metrics_snapshot {
	/* The database's counts below were read (false: it could not be reached, and
	 * their families are left out; protocold_database_up says so). */
	bool has_counts;
	int64_t protocols[PROTO_N_STATES];	/* protocols by state */
	struct metrics_count clocks[METRICS_MAX_COUNTS];	/* running clocks by kind */
	size_t n_clocks;
	struct metrics_count markets[METRICS_MAX_COUNTS];	/* protocols by marketplace
								 * and state */
	size_t n_markets;
	int64_t transitions[PROTO_N_CAUSES];	/* history entries by cause */
	int64_t feed_waiters;
	int64_t checkpoints_ok;			/* by the checkpointer thread */
	int64_t checkpoints_failed;
	int64_t checkpoints_inline;		/* by the writer, the WAL past its bound */
	int64_t wal_pages;			/* after the last commit */
	bool has_wal_bytes;			/* SQLite's: the -wal file's size */
	int64_t wal_bytes;
	/* How long ago the oldest clock due and not yet applied fell due (sched.h). */
	double scheduler_oldest_due_seconds;
	int64_t http_connections_max;		/* max_connections */
	bool has_process;			/* process_* (procstat.h) were read */
	struct procstat process;
	double uptime_seconds;
	bool config_last_reload_successful;
	double config_last_reload_success_timestamp_seconds;	/* 0 when never */
	const char *version;			/* NULL shows as "" */
	const char *sqlite_version;
	const char *libevent_version;
	/* This instance among those sharing the database (one alone on SQLite). */
	char instance[64];
	int64_t cluster_instances;		/* alive, this one included */
	int64_t cluster_shards_owned;
	int64_t cluster_shards;
	int64_t cluster_takeovers;		/* members this one took over */
	int64_t cluster_rejoins;		/* times it was declared dead */
	bool cluster_config_differs;		/* a live one decides due instants
						 * otherwise (doc/cluster.md) */
};

struct metrics;

/* Empty counters (never NULL); NULL is a no-op for metrics_free. */
struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);
/* Count one answered request by status (100–599; others, or past the table, as
 * code="other") and record its latency (negative as 0). */
void metrics_http(struct metrics *m, int status, int64_t latency_us);
/* Count one connection closed because it stopped reading its answer while the answers
 * queued for all clients were over their budget (httpconn.h). */
void metrics_http_dropped_slow(struct metrics *m);
/* One client connection opened (delta 1) or closed (-1): protocold_http_connections_open. */
void metrics_http_connection(struct metrics *m, int delta);
/* Record one clock point applied by the scheduler, late_ms after due (negative as 0). */
void metrics_fired(struct metrics *m, int64_t late_ms);
/* Count one database error. */
void metrics_db_error(struct metrics *m);
/* Count one commit as ok or failed and record its latency (negative as 0). */
void metrics_commit(struct metrics *m, bool ok, int64_t latency_us);
/* The whole exposition, every family with HELP and TYPE once: malloc'd, never NULL. */
char *metrics_render(const struct metrics *m, const struct metrics_snapshot *snap);

#endif
