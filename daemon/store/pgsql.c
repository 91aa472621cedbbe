#include "pgsql.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "strcopy.h"
#include "xmalloc.h"

/* A protocol's columns, in pgsql_protocol's order (rows.c's ROWS_COLS). */
#define PGSQL_COLS "p.rid, p.id, p.seller, p.ord, p.reason, p.origin, p.critical, " \
	"p.opened_given, p.opened_at, p.state, p.clock, p.clock_start, p.clock_due, " \
	"p.clock_next, p.attempts, p.version, p.updated_at, p.clock_rule, p.marketplace"
#define PGSQL_WITH_SELLER PGSQL_COLS ", coalesce(s.envvias, false) FROM protocols p " \
	"LEFT JOIN sellers s ON s.id = p.seller"
#define PGSQL_HISTORY_COLS "h.seq, h.rid, h.at, h.from_state, h.to_state, h.cause, " \
	"h.name, h.due_at, h.late_ms, h.detail, p.id FROM history h JOIN protocols p ON " \
	"p.rid = h.rid"

/* Both: commits are durable when told (a 2xx means committed), texts are UTF-8. */
const char *const pgsql_writer_setup[] = {
	"SET synchronous_commit = on",
	"SET client_encoding = 'UTF8'",
	/* Each statement sees what committed before it, and waits for a row another
	 * writer holds (FOR UPDATE) to read its newest version. */
	"SET default_transaction_isolation = 'read committed'",
	"SET default_transaction_read_only = off",
	NULL,
};

const char *const pgsql_reader_setup[] = {
	"SET synchronous_commit = on",
	"SET client_encoding = 'UTF8'",
	/* A read of several statements sees one snapshot (its batch's). */
	"SET default_transaction_isolation = 'repeatable read'",
	"SET default_transaction_read_only = on",
	NULL,
};

static const struct pgconn_stmt pgsql_writer[] = {
	{ PGSQL_LOAD, "SELECT " PGSQL_WITH_SELLER " WHERE p.id = $1 FOR UPDATE OF p" },
	/* One row: the rid inserted, or (NULL and) the row that has the id; and the
	 * flag of the seller of the protocol that is there now. The id's unique index
	 * answers "is it new?" during the insert itself. */
	{ PGSQL_INSERT_NEW, "WITH ins AS (INSERT INTO protocols (id, seller, ord, "
	    "reason, origin, critical, opened_given, opened_at, state, clock, "
	    "clock_start, clock_due, clock_next, attempts, version, updated_at, "
	    "clock_rule, marketplace) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
	    "$11, $12, $13, $14, $15, $16, $17, $18) ON CONFLICT (id) DO NOTHING "
	    "RETURNING rid) "
	    "SELECT ins.rid, " PGSQL_COLS ", coalesce(s.envvias, false) FROM (SELECT 1) "
	    "one LEFT JOIN ins ON true LEFT JOIN protocols p ON ins.rid IS NULL AND "
	    "p.id = $1 LEFT JOIN sellers s ON s.id = coalesce(p.seller, $2)" },
	/* The timer index is (clock_next, rid): ties in rid order, as SQLite's rowid
	 * gives them, without sorting every protocol due at the same instant. */
	/* Only the shards this instance owns by its epoch ($3), as the database has it
	 * now: an instance declared dead owns none, whatever it believes
	 * (doc/cluster.md, "Fencing"). As an array read once, the shard is a filter on
	 * the timer index's scan in its order (a join there may sort every row due). */
	{ PGSQL_DUE, "SELECT " PGSQL_COLS " FROM protocols p WHERE p.clock_next IS NOT "
	    "NULL AND p.clock_next <= $1 AND p.shard = ANY(ARRAY(" PGSQL_MINE("$3") ")) "
	    "ORDER BY p.clock_next, p.rid LIMIT $2 FOR UPDATE OF p" },
	{ PGSQL_HEAD, "SELECT min(clock_next) FROM protocols WHERE clock_next IS NOT "
	    "NULL AND shard = ANY(ARRAY(" PGSQL_MINE("$1") "))" },
	/* The same for an instance that owns every shard (alone): no row to filter,
	 * the timer index's head as on one instance; nothing at all once the epoch
	 * owns less (read once per statement). */
	{ PGSQL_DUE_ALL, "SELECT " PGSQL_COLS " FROM protocols p WHERE p.clock_next IS "
	    "NOT NULL AND p.clock_next <= $1 AND (" PGSQL_OWNS_ALL("$3") ") ORDER BY "
	    "p.clock_next, p.rid LIMIT $2 FOR UPDATE OF p" },
	{ PGSQL_HEAD_ALL, "SELECT min(clock_next) FROM protocols WHERE clock_next IS NOT "
	    "NULL AND (" PGSQL_OWNS_ALL("$1") ")" },
	/* A commit without history that moved a clock of another's shard (PGSQL_HISTORY
	 * tells the others of the rest): delivered at the commit, not before. */
	{ PGSQL_WAKE, "SELECT pg_notify('" PGSQL_CHANNEL_COMMIT "', $1 || ' 0')" },
	/* Every protocol saved since the last read, in one statement, which fails
	 * (and its transaction with it) unless it found each of them ($11). */
	{ PGSQL_UPDATE, "WITH w AS (UPDATE protocols p SET state = u.state, clock = "
	    "u.clock, clock_start = u.cs, clock_due = u.cd, clock_next = u.cn, attempts = "
	    "u.att, version = u.v, updated_at = u.ua, clock_rule = u.rule FROM unnest("
	    "$1::bigint[], $2::smallint[], $3::smallint[], $4::bigint[], $5::bigint[], "
	    "$6::bigint[], $7::text[], $8::bigint[], $9::bigint[], $10::text[]) AS "
	    "u(rid, state, clock, cs, cd, cn, att, v, ua, rule) WHERE p.rid = u.rid "
	    "RETURNING 1) SELECT CASE WHEN count(*) = $11::bigint THEN count(*) ELSE "
	    "('update protocols: ' || count(*) || ' of ' || $11::bigint || ' rows "
	    "found')::bigint END FROM w" },
	{ PGSQL_SELLER_PUT, "INSERT INTO sellers (id, envvias) VALUES ($1, $2) "
	    "ON CONFLICT (id) DO UPDATE SET envvias = excluded.envvias" },
	/* The rows are written, so locked, in key order (the input is sorted: counts.h):
	 * instances that commit at once then wait for each other instead of deadlocking
	 * (found by tests/torture/cluster.py). A key counted for the first time (a new
	 * marketplace or clock, rulebook.h) is inserted. */
	{ PGSQL_COUNTERS, "INSERT INTO counters AS c (k, n) SELECT k, d FROM "
	    "unnest($1::int[], $2::bigint[]) AS u(k, d) ORDER BY k ON CONFLICT (k) DO "
	    "UPDATE SET n = c.n + excluded.n" },
	/* The transaction's block of seqs and its entries, numbered by their instant,
	 * then in the order saved: the last statement before the commit (pgwrite.c says
	 * why). A change waits for its row's answer, so the order saved is not quite
	 * the order decided (a create is stamped when asked); one protocol's entries keep
	 * their order (its instants never go back), and the feed's `at` never goes
	 * back from one commit to the next (doc/postgresql.md). */
	/* With $11 (not NULL), the others hear of the commit (pgcluster.h): $11 and the
	 * feed's new end. */
	{ PGSQL_HISTORY, "WITH b AS (UPDATE history_seq SET last = last + $1 RETURNING "
	    "last), i AS (INSERT INTO history (seq, rid, at, from_state, to_state, cause, "
	    "name, due_at, late_ms, detail) SELECT b.last - $1 + row_number() OVER (ORDER "
	    "BY u.at, u.o), u.rid, u.at, u.f, u.t, "
	    "u.c, u.n, u.d, u.l, u.x FROM b, unnest($2::bigint[], $3::bigint[], "
	    "$4::smallint[], $5::smallint[], $6::smallint[], $7::text[], $8::bigint[], "
	    "$9::bigint[], $10::text[]) WITH ORDINALITY AS u(rid, at, f, t, c, n, d, l, x, "
	    "o)) SELECT pg_notify('" PGSQL_CHANNEL_COMMIT "', $11 || ' ' || b.last) FROM b "
	    "WHERE $11::text IS NOT NULL" },
	/* pgdoubt.c: why not pg_xact_status. */
	{ PGSQL_MARK, "INSERT INTO commit_marks (session, token) VALUES ($1, $2) "
	    "ON CONFLICT (session) DO UPDATE SET token = excluded.token" },
	{ PGSQL_DOUBT_CLEAR, "SELECT pg_stat_clear_snapshot()" },
	{ PGSQL_DOUBT_RUNS, "SELECT count(*) FROM pg_stat_activity WHERE "
	    "application_name = $1" },
	{ PGSQL_DOUBT_MARK, "SELECT count(*) FROM commit_marks WHERE session = $1 AND "
	    "token = $2::bigint" },
	/* Kept, and told to every instance at the commit. */
	{ PGSQL_CLOCK_SAVE, "WITH k AS (INSERT INTO test_clock (one, ms) VALUES (true, $1) "
	    "ON CONFLICT (one) DO UPDATE SET ms = excluded.ms) SELECT pg_notify('"
	    PGSQL_CHANNEL_CLOCK "', $1::text)" },
	{ PGSQL_ROLLBACK, "ROLLBACK" },
	{ PGSQL_TERMINATE, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
	    "WHERE application_name = $1" },
};

#define PGSQL_TO "CASE WHEN strpos(clock_rule, ';to=pending;') > 0 THEN 0 " \
	"WHEN strpos(clock_rule, ';to=mediation;') > 0 THEN 4 " \
	"WHEN strpos(clock_rule, ';to=resolved;') > 0 THEN 5 ELSE -1 END"
#define PGSQL_LIST(w) "SELECT " PGSQL_WITH_SELLER " WHERE p.rid > $1" w \
	" ORDER BY p.rid LIMIT $2"
/* clock_next <= clock_due always: the bound on it lets the timer index help. */
#define PGSQL_DUE_BEFORE(n) " AND p.clock_next IS NOT NULL AND p.clock_next < " n \
	" AND p.clock_due < " n

static const struct pgconn_stmt pgsql_reader[] = {
	{ PGSQL_GET, "SELECT " PGSQL_WITH_SELLER " WHERE p.id = $1" },
	{ PGSQL_HISTORY_OF, "SELECT " PGSQL_HISTORY_COLS " WHERE h.rid = $1 AND h.seq > "
	    "$2 ORDER BY h.seq LIMIT $3" },
	{ PGSQL_FEED, "SELECT " PGSQL_HISTORY_COLS " WHERE h.seq > $1 ORDER BY h.seq "
	    "LIMIT $2" },
	{ PGSQL_LAST_SEQ, "SELECT coalesce(max(seq), 0) FROM history" },
	/* With where each clock leads as its rule text keeps it (listing.c). */
	{ PGSQL_FORECAST, "SELECT marketplace, clock, " PGSQL_TO ", count(*) FROM "
	    "protocols WHERE clock_next IS NOT NULL AND clock_next <= $1 AND clock_due <= $1 "
	    "GROUP BY 1, 2, 3" },
	{ PGSQL_FORECAST_SELLER, "SELECT marketplace, clock, " PGSQL_TO ", count(*) FROM "
	    "protocols WHERE seller = $2 AND clock_next IS NOT NULL AND clock_next <= $1 AND "
	    "clock_due <= $1 GROUP BY 1, 2, 3" },
	{ PGSQL_COUNTERS_READ, "SELECT k, n FROM counters" },
	{ PGSQL_NEXT, "SELECT id, clock, clock_next FROM protocols WHERE clock_next IS NOT "
	    "NULL ORDER BY clock_next, rid LIMIT 1" },
	{ PGSQL_SELLER, "SELECT envvias FROM sellers WHERE id = $1" },
	{ PGSQL_SELLER_COUNTS, "SELECT state, count(*) FROM protocols WHERE seller = $1 "
	    "GROUP BY state" },
	{ PGSQL_MEDIATIONS, "SELECT count(*) FROM history h JOIN protocols p ON p.rid = "
	    "h.rid WHERE p.seller = $1 AND h.to_state = $2 AND h.cause = $3 AND "
	    "coalesce(h.due_at, h.at) >= $4" },
	{ PGSQL_CLOCK_LOAD, "SELECT ms FROM test_clock" },
	/* The test clock's answer on a cluster: how many instances have not yet taken
	 * the clock $1, and whether a clock due by then is still to apply. */
	{ PGSQL_SETTLED, "SELECT (SELECT count(*) FROM cluster_members WHERE "
	    "coalesce(clock_ms, 0) < $1), EXISTS (SELECT 1 FROM protocols WHERE "
	    "clock_next IS NOT NULL AND clock_next <= $1)" },
	/* By mask: state 1, seller 2, due 4, marketplace 8. */
	{ "r_list0", PGSQL_LIST("") },
	{ "r_list1", PGSQL_LIST(" AND p.state = $3") },
	{ "r_list2", PGSQL_LIST(" AND p.seller = $3") },
	{ "r_list3", PGSQL_LIST(" AND p.state = $3 AND p.seller = $4") },
	{ "r_list4", PGSQL_LIST(PGSQL_DUE_BEFORE("$3")) },
	{ "r_list5", PGSQL_LIST(" AND p.state = $3" PGSQL_DUE_BEFORE("$4")) },
	{ "r_list6", PGSQL_LIST(" AND p.seller = $3" PGSQL_DUE_BEFORE("$4")) },
	{ "r_list7", PGSQL_LIST(" AND p.state = $3 AND p.seller = $4"
	    PGSQL_DUE_BEFORE("$5")) },
	/* The same with the marketplace (8), its parameter last. */
	{ "r_list8", PGSQL_LIST(" AND p.marketplace = $3") },
	{ "r_list9", PGSQL_LIST(" AND p.state = $3 AND p.marketplace = $4") },
	{ "r_list10", PGSQL_LIST(" AND p.seller = $3 AND p.marketplace = $4") },
	{ "r_list11", PGSQL_LIST(" AND p.state = $3 AND p.seller = $4 AND p.marketplace = "
	    "$5") },
	{ "r_list12", PGSQL_LIST(PGSQL_DUE_BEFORE("$3") " AND p.marketplace = $4") },
	{ "r_list13", PGSQL_LIST(" AND p.state = $3" PGSQL_DUE_BEFORE("$4")
	    " AND p.marketplace = $5") },
	{ "r_list14", PGSQL_LIST(" AND p.seller = $3" PGSQL_DUE_BEFORE("$4")
	    " AND p.marketplace = $5") },
	{ "r_list15", PGSQL_LIST(" AND p.state = $3 AND p.seller = $4"
	    PGSQL_DUE_BEFORE("$5") " AND p.marketplace = $6") },
};

/* ------------------------------------------------------------ the cluster */

/* A member's sessions are ended and waited for this long (ms) before it is taken over:
 * a session that outlives it keeps the member (tried again at the next look). Well
 * under the lease: the member's own beat waits behind it. */
#define PGSQL_END_MS "1000"
#define PGSQL_MEMBER_COLS "m.name, m.epoch, m.session, m.host, m.pid, m.started_at"

/* The cluster's connection (pgcluster.h). */
const char *const pgsql_cluster_setup[] = {
	"SET synchronous_commit = on",
	"SET client_encoding = 'UTF8'",
	"SET default_transaction_isolation = 'read committed'",
	"LISTEN " PGSQL_CHANNEL_COMMIT,
	"LISTEN " PGSQL_CHANNEL_CLOCK,
	"LISTEN " PGSQL_CHANNEL_MEMBERS,
	NULL,
};

/*
 * The statements (doc/cluster.md). A member is alive while a session of it is
 * connected (they are named after it: pgsweep.h) and it beat within the lease, both as
 * the server sees them: no clock of ours is compared with another machine's.
 */
static const struct pgconn_stmt pgsql_cluster[] = {
	/* The others look at once: from then on they tell us their commits. */
	{ "c_join", "WITH j AS (INSERT INTO cluster_members (name, epoch, session, host, "
	    "pid, started_at, beat_at, clock_ms, config) VALUES ($1, nextval('cluster_epoch'), "
	    "$2, $3, $4, $5, now(), (SELECT ms FROM test_clock), $6) ON CONFLICT (name) DO "
	    "NOTHING RETURNING epoch, clock_ms) SELECT epoch, clock_ms, pg_notify('"
	    PGSQL_CHANNEL_MEMBERS "', '') FROM j" },
	{ "c_beat", "UPDATE cluster_members SET beat_at = now(), config = $2 WHERE epoch = "
	    "$1 RETURNING 1" },
	{ "c_view", "SELECT " PGSQL_MEMBER_COLS ", (extract(epoch FROM m.beat_at) * "
	    "1000)::bigint, now() - m.beat_at <= make_interval(secs => $1::float8 / 1000) "
	    "AND EXISTS (SELECT 1 FROM pg_stat_activity a WHERE starts_with("
	    "a.application_name, m.session || '/')), coalesce((SELECT string_agg("
	    "s.shard::text, ',') FROM cluster_shards s WHERE s.owner_epoch = m.epoch), "
	    "''), coalesce(m.config, '') FROM cluster_members m ORDER BY m.name" },
	/* Its sessions ended and gone first, so that none of its transactions can
	 * commit once others own its shards; else it stays (the next look tries
	 * again). */
	{ "c_takeover", "WITH t AS (SELECT count(*) FILTER (WHERE NOT "
	    "pg_terminate_backend(pid, " PGSQL_END_MS ")) AS stay FROM pg_stat_activity "
	    "WHERE starts_with(application_name, $2 || '/')), d AS (DELETE FROM "
	    "cluster_members WHERE epoch = $1 AND (SELECT stay FROM t) = 0 RETURNING "
	    "epoch), f AS (UPDATE cluster_shards SET owner = NULL, owner_epoch = NULL, "
	    "epoch = epoch + 1, since = now() WHERE owner_epoch IN (SELECT epoch FROM d) "
	    "RETURNING 1) SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM f), "
	    "pg_notify('" PGSQL_CHANNEL_MEMBERS "', '')" },
	{ "c_claim", "UPDATE cluster_shards SET owner = $1, owner_epoch = $2, epoch = "
	    "epoch + 1, since = now() WHERE shard = ANY($3::smallint[]) AND (owner_epoch "
	    "IS NULL OR owner_epoch NOT IN (SELECT epoch FROM cluster_members)) AND EXISTS "
	    "(SELECT 1 FROM cluster_members WHERE epoch = $2) RETURNING shard" },
	{ "c_release", "WITH r AS (UPDATE cluster_shards SET owner = NULL, owner_epoch = "
	    "NULL, epoch = epoch + 1, since = now() WHERE shard = ANY($2::smallint[]) AND "
	    "owner_epoch = $1 RETURNING 1) SELECT count(*), pg_notify('"
	    PGSQL_CHANNEL_MEMBERS "', '') FROM r" },
	{ "c_leave", "WITH d AS (DELETE FROM cluster_members WHERE epoch = $1 RETURNING "
	    "epoch), f AS (UPDATE cluster_shards SET owner = NULL, owner_epoch = NULL, "
	    "epoch = epoch + 1, since = now() WHERE owner_epoch = $1 RETURNING 1) SELECT "
	    "(SELECT count(*) FROM f), pg_notify('" PGSQL_CHANNEL_MEMBERS "', '')" },
	{ "c_clock", "UPDATE cluster_members SET clock_ms = $2 WHERE epoch = $1" },
};

const struct pgconn_stmt *
pgsql_cluster_stmts(size_t *n)
{
	*n = sizeof pgsql_cluster / sizeof pgsql_cluster[0];
	return pgsql_cluster;
}

const struct pgconn_stmt *
pgsql_writer_stmts(size_t *n)
{
	*n = sizeof pgsql_writer / sizeof pgsql_writer[0];
	return pgsql_writer;
}

const struct pgconn_stmt *
pgsql_reader_stmts(size_t *n)
{
	*n = sizeof pgsql_reader / sizeof pgsql_reader[0];
	return pgsql_reader;
}

const char *
pgsql_list_name(int mask)
{
	static const char *const names[] = { "r_list0", "r_list1", "r_list2", "r_list3",
	    "r_list4", "r_list5", "r_list6", "r_list7", "r_list8", "r_list9", "r_list10",
	    "r_list11", "r_list12", "r_list13", "r_list14", "r_list15" };

	return names[mask & 15];
}

/* -------------------------------------------------------- parameters */

void
pgsql_params_init(struct pgsql_params *pp)
{
	pp->n = 0;
	pp->used = 0;
}

static void
pgsql_param(struct pgsql_params *pp, const char *v)
{
	if (pp->n == PGSQL_MAX_PARAMS)
		fatalx("database: too many parameters");
	pp->v[pp->n++] = v;
}

void
pgsql_param_text(struct pgsql_params *pp, const char *s)
{
	pgsql_param(pp, s);
}

void
pgsql_param_opt(struct pgsql_params *pp, const char *s)
{
	pgsql_param(pp, s[0] != '\0' ? s : NULL);
}

void
pgsql_param_i64(struct pgsql_params *pp, int64_t v)
{
	char *at = pp->buf + pp->used;
	int n = snprintf(at, sizeof pp->buf - pp->used, "%" PRId64, v);

	pp->used += (size_t)n + 1;
	pgsql_param(pp, at);
}

void
pgsql_param_bool(struct pgsql_params *pp, bool b)
{
	pgsql_param(pp, b ? "t" : "f");
}

/* A clock's column: NULL when no clock runs (rows.c writes it so). */
static void
pgsql_param_clock(struct pgsql_params *pp, int64_t v, bool running)
{
	if (running)
		pgsql_param_i64(pp, v);
	else
		pgsql_param(pp, NULL);
}

void
pgsql_insert_params(struct pgsql_params *pp, const struct protocol *p)
{
	bool running = p->clock != PROTO_CLOCK_NONE;

	pgsql_params_init(pp);
	pgsql_param_text(pp, p->id);
	pgsql_param_text(pp, p->seller);
	pgsql_param_opt(pp, p->order);
	pgsql_param_opt(pp, p->reason);
	pgsql_param_i64(pp, p->origin);
	pgsql_param_bool(pp, p->critical);
	pgsql_param_bool(pp, p->opened_given);
	pgsql_param_i64(pp, p->opened_at);
	pgsql_param_i64(pp, p->state);
	pgsql_param_i64(pp, p->clock);
	pgsql_param_clock(pp, p->clock_start, running);
	pgsql_param_clock(pp, p->clock_due, running);
	pgsql_param_clock(pp, p->clock_next, running);
	pgsql_param_opt(pp, p->attempts);
	pgsql_param_i64(pp, p->version);
	pgsql_param_i64(pp, p->updated_at);
	if (running)
		pgsql_param_opt(pp, p->clock_rule);
	else
		pgsql_param(pp, NULL);
	pgsql_param_text(pp, p->marketplace);
}

/* ----------------------------------------------------------- results */

bool
pgsql_null(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) != 0;
}

int64_t
pgsql_i64(const PGresult *r, int row, int col)
{
	return pgsql_null(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

bool
pgsql_bool(const PGresult *r, int row, int col)
{
	return !pgsql_null(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

static void
pgsql_copy(char *dst, size_t len, const PGresult *r, int row, int col)
{
	strcopy(dst, len, pgsql_null(r, row, col) ? "" : PQgetvalue(r, row, col));
}

void
pgsql_protocol(const PGresult *r, int row, int col, struct protocol *p)
{
	memset(p, 0, sizeof *p);
	p->rid = pgsql_i64(r, row, col);
	pgsql_copy(p->id, sizeof p->id, r, row, col + 1);
	pgsql_copy(p->seller, sizeof p->seller, r, row, col + 2);
	pgsql_copy(p->order, sizeof p->order, r, row, col + 3);
	pgsql_copy(p->reason, sizeof p->reason, r, row, col + 4);
	p->origin = (enum proto_origin)pgsql_i64(r, row, col + 5);
	p->critical = pgsql_bool(r, row, col + 6);
	p->opened_given = pgsql_bool(r, row, col + 7);
	p->opened_at = pgsql_i64(r, row, col + 8);
	p->state = (enum proto_state)pgsql_i64(r, row, col + 9);
	p->clock = (int)pgsql_i64(r, row, col + 10);
	p->clock_start = pgsql_i64(r, row, col + 11);
	p->clock_due = pgsql_i64(r, row, col + 12);
	p->clock_next = pgsql_i64(r, row, col + 13);
	pgsql_copy(p->attempts, sizeof p->attempts, r, row, col + 14);
	p->version = pgsql_i64(r, row, col + 15);
	p->updated_at = pgsql_i64(r, row, col + 16);
	pgsql_copy(p->clock_rule, sizeof p->clock_rule, r, row, col + 17);
	pgsql_copy(p->marketplace, sizeof p->marketplace, r, row, col + 18);
	p->stored_state = p->state;
	p->stored_clock = p->clock;
}

const char *
pgsql_event(const PGresult *r, int row, struct proto_event *ev)
{
	ev->seq = pgsql_i64(r, row, 0);
	ev->rid = pgsql_i64(r, row, 1);
	ev->at = pgsql_i64(r, row, 2);
	ev->from = pgsql_null(r, row, 3) ? -1 : (int)pgsql_i64(r, row, 3);
	ev->to = (enum proto_state)pgsql_i64(r, row, 4);
	ev->cause = (enum proto_cause)pgsql_i64(r, row, 5);
	ev->name = PQgetvalue(r, row, 6);
	ev->due_at = pgsql_i64(r, row, 7);
	ev->late_ms = pgsql_i64(r, row, 8);
	ev->detail = pgsql_null(r, row, 9) ? NULL : PQgetvalue(r, row, 9);
	return PQgetvalue(r, row, 10);
}

/* ------------------------------------------------------------ arrays */

/* Room for n more bytes, the comma before the element and the closing brace. */
static void
pgsql_array_room(struct pgsql_array *a, size_t n)
{
	if (a->len + n + 3 <= a->cap)
		return;
	a->cap = a->cap ? a->cap * 2 : 256;
	while (a->len + n + 3 > a->cap)
		a->cap *= 2;
	a->s = xrealloc(a->s, a->cap);
}

/* Open the literal or separate the next element. */
static void
pgsql_array_next(struct pgsql_array *a)
{
	pgsql_array_room(a, 1);
	a->s[a->len++] = a->n++ == 0 ? '{' : ',';
}

void
pgsql_array_i64(struct pgsql_array *a, int64_t v)
{
	pgsql_array_next(a);
	pgsql_array_room(a, 24);
	a->len += (size_t)snprintf(a->s + a->len, a->cap - a->len, "%" PRId64, v);
}

void
pgsql_array_null(struct pgsql_array *a)
{
	pgsql_array_next(a);
	pgsql_array_room(a, 4);
	memcpy(a->s + a->len, "NULL", 4);
	a->len += 4;
}

void
pgsql_array_text(struct pgsql_array *a, const char *s)
{
	if (s == NULL) {
		pgsql_array_null(a);
		return;
	}
	pgsql_array_next(a);
	/* Quoted, so that no text reads as NULL; a quote or a backslash escaped. */
	pgsql_array_room(a, 2 * strlen(s) + 2);
	a->s[a->len++] = '"';
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			a->s[a->len++] = '\\';
		a->s[a->len++] = *s;
	}
	a->s[a->len++] = '"';
}

const char *
pgsql_array_str(struct pgsql_array *a)
{
	pgsql_array_room(a, 2);
	if (a->n == 0)
		a->s[a->len++] = '{';
	a->s[a->len] = '}';
	a->s[a->len + 1] = '\0';
	if (a->n == 0)
		a->len--;
	return a->s;
}

void
pgsql_array_clear(struct pgsql_array *a)
{
	a->len = 0;
	a->n = 0;
}

void
pgsql_array_free(struct pgsql_array *a)
{
	free(a->s);
	*a = (struct pgsql_array){ 0 };
}
