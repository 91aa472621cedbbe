#include "pgread.h"

#include <stdlib.h>
#include <string.h>

#include "counts.h"
#include "pg_int.h"
#include "pgconn.h"
#include "pgsql.h"
#include "strcopy.h"
#include "xmalloc.h"

/* A read, from its statements to its answer (several statements: one batch). */
struct pg_rd {
	struct pg_store *s;
	void *arg;
	store_get_fn *get;
	store_event_fn *each_ev;
	store_protocol_fn *each_p;
	store_rows_fn *done;
	store_int_fn *intf;
	store_forecast_fn *forecast;
	store_stats_fn *stats;
	store_seller_fn *seller;
	store_settled_fn *settled;
	int left;			/* answers still to come */
	bool failed;
	char error[256];
	/* What several statements gather. */
	struct store_stats st;
	int64_t counts[PROTO_N_STATES];
	bool envvias;
};

static struct pg_rd *
pg_rd_new(struct pg_store *s, void *arg)
{
	struct pg_rd *rd = xcalloc(1, sizeof *rd);

	rd->s = s;
	rd->arg = arg;
	return rd;
}

/* Send the read's statements (names[i] with its parameters v[i], each answered to
 * fns[i]) and the sync that ends its batch: 0, or -1 (the reader is down: rd freed,
 * store_error() says why; the caller answers -1 now). */
static int
pg_rd_send(struct pg_rd *rd, int n, const char *const *names, const int *np,
    const char *const *const *v, pgconn_fn *const *fns)
{
	struct pg_store *s = rd->s;

	for (int i = 0; i < n; i++) {
		if (pgconn_send(s->reader, names[i], np[i], v[i], fns[i], rd) != 0) {
			/* Only the first can fail: nothing runs between two sends. */
			free(rd);
			return pg_unreachable(s, s->reader);
		}
		rd->left++;
	}
	pgconn_sync(s->reader, NULL, NULL);
	return 0;
}

/* One statement of rd answered: true when it was the last (rd then answers, its
 * failure kept in store_error(), and is freed by the caller). */
static bool
pg_rd_part(struct pg_rd *rd, enum pgconn_status st, const char *err)
{
	rd->left--;
	if (st != PGCONN_OK && !rd->failed) {
		rd->failed = true;
		strcopy(rd->error, sizeof rd->error, err != NULL ? err : "failed");
	}
	if (rd->left > 0)
		return false;
	if (rd->failed && st != PGCONN_CLOSED)
		pg_fail(rd->s, rd->error);
	return true;
}

/* Whether the answer goes to anyone (not at the close). */
static bool
pg_rd_tells(enum pgconn_status st)
{
	return st != PGCONN_CLOSED;
}

/* --------------------------------------------------------------- get */

static void
pg_got(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	struct pg_rd *rd = arg;
	struct protocol p;
	int rc = -1;
	bool envvias = false;

	pg_rd_part(rd, st, err);
	if (st == PGCONN_OK) {
		rc = PQntuples(r) == 1;
		if (rc == 1) {
			pgsql_protocol(r, 0, 0, &p);
			envvias = pgsql_bool(r, 0, PGSQL_PROTO_COLS);
		}
	}
	if (pg_rd_tells(st))
		rd->get(rd->arg, rc, rc == 1 ? &p : NULL, envvias);
	free(rd);
}

void
pgread_get(struct store *st, const char *id, store_get_fn *fn, void *arg)
{
	struct pg_rd *rd = pg_rd_new(pg_of(st), arg);
	const char *name = PGSQL_GET;
	const char *v0[1] = { id };
	const char *const *v[1] = { v0 };
	const int np = 1;
	pgconn_fn *fns[1] = { pg_got };

	rd->get = fn;
	if (pg_rd_send(rd, 1, &name, &np, v, fns) != 0)
		fn(arg, -1, NULL, false);
}

/* ------------------------------------------------------ history, feed */

static void
pg_events(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	struct pg_rd *rd = arg;
	struct proto_event ev;
	const char *id;
	int n = -1;

	pg_rd_part(rd, st, err);
	if (st == PGCONN_OK) {
		n = PQntuples(r);
		for (int i = 0; i < n; i++) {
			id = pgsql_event(r, i, &ev);
			rd->each_ev(&ev, id, rd->arg);
		}
	}
	if (pg_rd_tells(st))
		rd->done(rd->arg, n);
	free(rd);
}

/* A read of history entries: its statement and parameters. */
static void
pg_rd_events(struct pg_store *s, const char *name, int np, const char *const *v,
    store_event_fn *each, store_rows_fn *done, void *arg)
{
	struct pg_rd *rd = pg_rd_new(s, arg);
	const char *const *vv[1] = { v };
	pgconn_fn *fns[1] = { pg_events };

	rd->each_ev = each;
	rd->done = done;
	if (pg_rd_send(rd, 1, &name, &np, vv, fns) != 0)
		done(arg, -1);
}

void
pgread_history(struct store *st, int64_t rid, int64_t after, int limit,
    store_event_fn *each, store_rows_fn *done, void *arg)
{
	struct pgsql_params pp;

	pgsql_params_init(&pp);
	pgsql_param_i64(&pp, rid);
	pgsql_param_i64(&pp, after);
	pgsql_param_i64(&pp, limit);
	pg_rd_events(pg_of(st), PGSQL_HISTORY_OF, pp.n, pp.v, each, done, arg);
}

void
pgread_feed(struct store *st, int64_t after, int limit, store_event_fn *each,
    store_rows_fn *done, void *arg)
{
	struct pgsql_params pp;

	pgsql_params_init(&pp);
	pgsql_param_i64(&pp, after);
	pgsql_param_i64(&pp, limit);
	pg_rd_events(pg_of(st), PGSQL_FEED, pp.n, pp.v, each, done, arg);
}

/* ---------------------------------------------------- one integer */

static void
pg_int_read(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	struct pg_rd *rd = arg;
	int64_t v = 0;

	pg_rd_part(rd, st, err);
	if (st == PGCONN_OK && PQntuples(r) == 1)
		v = pgsql_i64(r, 0, 0);
	if (pg_rd_tells(st))
		rd->intf(rd->arg, st == PGCONN_OK ? 0 : -1, v);
	free(rd);
}

static void
pg_rd_int(struct pg_store *s, const char *name, store_int_fn *fn, void *arg)
{
	struct pg_rd *rd = pg_rd_new(s, arg);
	const int np = 0;
	const char *const *v[1] = { NULL };
	pgconn_fn *fns[1] = { pg_int_read };

	rd->intf = fn;
	if (pg_rd_send(rd, 1, &name, &np, v, fns) != 0)
		fn(arg, -1, 0);
}

void
pgread_last_seq(struct store *st, store_int_fn *fn, void *arg)
{
	pg_rd_int(pg_of(st), PGSQL_LAST_SEQ, fn, arg);
}

void
pgread_clock_load(struct store *st, store_int_fn *fn, void *arg)
{
	/* No row: no test clock was ever saved (0). */
	pg_rd_int(pg_of(st), PGSQL_CLOCK_LOAD, fn, arg);
}

static void
pg_settled(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	struct pg_rd *rd = arg;
	bool settled = false;

	pg_rd_part(rd, st, err);
	if (st == PGCONN_OK && PQntuples(r) == 1)
		settled = pgsql_i64(r, 0, 0) == 0 && !pgsql_bool(r, 0, 1);
	if (pg_rd_tells(st))
		rd->settled(rd->arg, st == PGCONN_OK ? 0 : -1, settled);
	free(rd);
}

void
pgread_settled(struct store *st, int64_t ms, store_settled_fn *fn, void *arg)
{
	struct pg_rd *rd = pg_rd_new(pg_of(st), arg);
	const char *name = PGSQL_SETTLED;
	struct pgsql_params pp;
	const char *const *v[1];
	const int np = 1;
	pgconn_fn *fns[1] = { pg_settled };

	pgsql_params_init(&pp);
	pgsql_param_i64(&pp, ms);
	v[0] = pp.v;
	rd->settled = fn;
	if (pg_rd_send(rd, 1, &name, &np, v, fns) != 0)
		fn(arg, -1, false);
}

/* ------------------------------------------------------------- list */

static void
pg_listed(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	struct pg_rd *rd = arg;
	struct protocol p;
	int n = -1;

	pg_rd_part(rd, st, err);
	if (st == PGCONN_OK) {
		n = PQntuples(r);
		for (int i = 0; i < n; i++) {
			pgsql_protocol(r, i, 0, &p);
			rd->each_p(&p, pgsql_bool(r, i, PGSQL_PROTO_COLS), rd->arg);
		}
	}
	if (pg_rd_tells(st))
		rd->done(rd->arg, n);
	free(rd);
}

void
pgread_list(struct store *st, const struct store_filter *f, int64_t after, int limit,
    store_protocol_fn *each, store_rows_fn *done, void *arg)
{
	struct pg_rd *rd = pg_rd_new(pg_of(st), arg);
	int mask = (f->state >= 0 ? PGSQL_LIST_STATE : 0) |
	    (f->seller != NULL ? PGSQL_LIST_SELLER : 0) | (f->has_due ? PGSQL_LIST_DUE : 0) |
	    (f->marketplace != NULL ? PGSQL_LIST_MARKET : 0);
	const char *name = pgsql_list_name(mask);
	struct pgsql_params pp;
	const char *const *v[1];
	pgconn_fn *fns[1] = { pg_listed };

	pgsql_params_init(&pp);
	pgsql_param_i64(&pp, after);
	pgsql_param_i64(&pp, limit);
	if (mask & PGSQL_LIST_STATE)
		pgsql_param_i64(&pp, f->state);
	if (mask & PGSQL_LIST_SELLER)
		pgsql_param_text(&pp, f->seller);
	if (mask & PGSQL_LIST_DUE)
		pgsql_param_i64(&pp, f->due_before);
	if (mask & PGSQL_LIST_MARKET)
		pgsql_param_text(&pp, f->marketplace);
	v[0] = pp.v;
	rd->each_p = each;
	rd->done = done;
	if (pg_rd_send(rd, 1, &name, &pp.n, v, fns) != 0)
		done(arg, -1);
}

/* --------------------------------------------------------- forecast */

static void
pg_forecast_read(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	struct pg_rd *rd = arg;
	struct store_forecast *out = xmalloc(sizeof *out);

	out->n = 0;
	pg_rd_part(rd, st, err);
	for (int i = 0; st == PGCONN_OK && i < PQntuples(r) && out->n < STORE_FORECAST_MAX;
	    i++) {
		strcopy(out->row[out->n].market, sizeof out->row[0].market,
		    PQgetvalue(r, i, 0));
		out->row[out->n].kind = (int)pgsql_i64(r, i, 1);
		out->row[out->n].to = (int)pgsql_i64(r, i, 2);
		out->row[out->n++].n = pgsql_i64(r, i, 3);
	}
	if (pg_rd_tells(st))
		rd->forecast(rd->arg, st == PGCONN_OK ? 0 : -1, out);
	free(out);
	free(rd);
}

void
pgread_forecast(struct store *st, int64_t until, const char *seller,
    store_forecast_fn *fn, void *arg)
{
	struct pg_rd *rd = pg_rd_new(pg_of(st), arg);
	const char *name = seller != NULL ? PGSQL_FORECAST_SELLER : PGSQL_FORECAST;
	struct pgsql_params pp;
	const char *const *v[1];
	pgconn_fn *fns[1] = { pg_forecast_read };
	static const struct store_forecast none = { 0 };

	pgsql_params_init(&pp);
	pgsql_param_i64(&pp, until);
	if (seller != NULL)
		pgsql_param_text(&pp, seller);
	v[0] = pp.v;
	rd->forecast = fn;
	if (pg_rd_send(rd, 1, &name, &pp.n, v, fns) != 0)
		fn(arg, -1, &none);
}

/* ------------------------------------------------------------ stats */

static void
pg_counters_read(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	struct pg_rd *rd = arg;
	struct store_stats *out = &rd->st;

	for (int i = 0; st == PGCONN_OK && i < PQntuples(r); i++)
		counts_to_stats(out, (int)pgsql_i64(r, i, 0), pgsql_i64(r, i, 1));
	pg_rd_part(rd, st, err);	/* not the last: the next comes */
}

static void
pg_next_read(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	struct pg_rd *rd = arg;
	struct store_stats *out = &rd->st;

	if (st == PGCONN_OK && PQntuples(r) == 1) {
		out->has_next = true;
		strcopy(out->next_id, sizeof out->next_id, PQgetvalue(r, 0, 0));
		out->next_clock = (int)pgsql_i64(r, 0, 1);
		out->next_at = pgsql_i64(r, 0, 2);
	}
	pg_rd_part(rd, st, err);
	if (pg_rd_tells(st))
		rd->stats(rd->arg, rd->failed ? -1 : 0, &rd->st);
	free(rd);
}

void
pgread_stats(struct store *st, store_stats_fn *fn, void *arg)
{
	struct pg_rd *rd = pg_rd_new(pg_of(st), arg);
	const char *names[2] = { PGSQL_COUNTERS_READ, PGSQL_NEXT };
	const int np[2] = { 0, 0 };
	const char *const *v[2] = { NULL, NULL };
	pgconn_fn *fns[2] = { pg_counters_read, pg_next_read };
	struct store_stats none = { 0 };

	rd->stats = fn;
	if (pg_rd_send(rd, 2, names, np, v, fns) != 0)
		fn(arg, -1, &none);
}

/* ----------------------------------------------------------- seller */

static void
pg_seller_flag(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	struct pg_rd *rd = arg;

	if (st == PGCONN_OK && PQntuples(r) == 1)
		rd->envvias = pgsql_bool(r, 0, 0);
	pg_rd_part(rd, st, err);
}

static void
pg_seller_counts(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	struct pg_rd *rd = arg;
	int state;

	for (int i = 0; st == PGCONN_OK && i < PQntuples(r); i++)
		if ((state = (int)pgsql_i64(r, i, 0)) >= 0 && state < PROTO_N_STATES)
			rd->counts[state] = pgsql_i64(r, i, 1);
	pg_rd_part(rd, st, err);
}

static void
pg_seller_mediations(void *arg, enum pgconn_status st, const PGresult *r,
    const char *err)
{
	struct pg_rd *rd = arg;
	int64_t mediations = 0;

	if (st == PGCONN_OK && PQntuples(r) == 1)
		mediations = pgsql_i64(r, 0, 0);
	pg_rd_part(rd, st, err);
	if (pg_rd_tells(st))
		rd->seller(rd->arg, rd->failed ? -1 : 0, rd->envvias, rd->counts,
		    mediations);
	free(rd);
}

void
pgread_seller(struct store *st, const char *id, int64_t since, store_seller_fn *fn,
    void *arg)
{
	struct pg_rd *rd = pg_rd_new(pg_of(st), arg);
	const char *names[3] = { PGSQL_SELLER, PGSQL_SELLER_COUNTS, PGSQL_MEDIATIONS };
	struct pgsql_params pp;
	const char *one[1] = { id };
	const char *const *v[3];
	int np[3] = { 1, 1, 4 };
	pgconn_fn *fns[3] = { pg_seller_flag, pg_seller_counts, pg_seller_mediations };
	int64_t none[PROTO_N_STATES] = { 0 };

	pgsql_params_init(&pp);
	pgsql_param_text(&pp, id);
	pgsql_param_i64(&pp, PROTO_MEDIATION);
	pgsql_param_i64(&pp, PROTO_CAUSE_EXPIRY);
	pgsql_param_i64(&pp, since);
	v[0] = one;
	v[1] = one;
	v[2] = pp.v;
	rd->seller = fn;
	if (pg_rd_send(rd, 3, names, np, v, fns) != 0)
		fn(arg, -1, false, none, 0);
}
