#include "pgtxn.h"

#include <stdlib.h>
#include <string.h>

#include "counts.h"
#include "pgsql.h"
#include "rules.h"
#include "xmalloc.h"

/* The columns of the protocols' UPDATE and of the history's INSERT (pgsql.c). */
#define PGTXN_ROW_COLS 10
#define PGTXN_ENTRY_COLS 9

struct pgtxn {
	struct counts *counts;
	/* The protocols saved since the last UPDATE, one each (its last save), and
	 * where each is by rid: an open-addressing map (rid 0: an empty slot). */
	struct protocol *rows;
	size_t nrows, caprows;
	int64_t *map_rid;
	size_t *map_at;
	size_t mapcap;
	/* The history entries, column by column. */
	struct pgsql_array entry[PGTXN_ENTRY_COLS];
	int nentries;
	struct pgsql_array col[PGTXN_ROW_COLS];	/* the UPDATE's, built when sent */
};

struct pgtxn *
pgtxn_new(void)
{
	struct pgtxn *t = xcalloc(1, sizeof *t);

	t->counts = counts_new();
	return t;
}

void
pgtxn_free(struct pgtxn *t)
{
	if (t == NULL)
		return;
	counts_free(t->counts);
	free(t->rows);
	free(t->map_rid);
	free(t->map_at);
	for (int i = 0; i < PGTXN_ENTRY_COLS; i++)
		pgsql_array_free(&t->entry[i]);
	for (int i = 0; i < PGTXN_ROW_COLS; i++)
		pgsql_array_free(&t->col[i]);
	free(t);
}

/* ------------------------------------------------------ the rows' map */

static size_t
pgtxn_hash(int64_t rid, size_t cap)
{
	return (size_t)(((uint64_t)rid * 0x9e3779b97f4a7c15ULL) >> 17) & (cap - 1);
}

/* The slot of rid: its own, or the empty one where it goes. */
static size_t
pgtxn_slot(const struct pgtxn *t, int64_t rid)
{
	size_t i = pgtxn_hash(rid, t->mapcap);

	while (t->map_rid[i] != 0 && t->map_rid[i] != rid)
		i = (i + 1) & (t->mapcap - 1);
	return i;
}

/* Room for one more row, the map at most half full. */
static void
pgtxn_grow(struct pgtxn *t)
{
	if (t->nrows == t->caprows) {
		t->caprows = t->caprows ? t->caprows * 2 : 64;
		t->rows = xrealloc(t->rows, t->caprows * sizeof *t->rows);
	}
	if (2 * (t->nrows + 1) <= t->mapcap)
		return;
	t->mapcap = t->mapcap ? t->mapcap * 2 : 128;
	free(t->map_rid);
	free(t->map_at);
	t->map_rid = xcalloc(t->mapcap, sizeof *t->map_rid);
	t->map_at = xcalloc(t->mapcap, sizeof *t->map_at);
	for (size_t k = 0; k < t->nrows; k++) {
		size_t i = pgtxn_slot(t, t->rows[k].rid);

		t->map_rid[i] = t->rows[k].rid;
		t->map_at[i] = k;
	}
}

/* Keep p to be written: its last save wins. */
static void
pgtxn_keep(struct pgtxn *t, const struct protocol *p)
{
	size_t i;

	pgtxn_grow(t);
	i = pgtxn_slot(t, p->rid);
	if (t->map_rid[i] == p->rid) {
		t->rows[t->map_at[i]] = *p;
		return;
	}
	t->map_rid[i] = p->rid;
	t->map_at[i] = t->nrows;
	t->rows[t->nrows++] = *p;
}

/* ------------------------------------------------------ what is saved */

void
pgtxn_inserted(struct pgtxn *t, struct protocol *p)
{
	counts_protocol(t->counts, p, 1);
	p->stored_state = p->state;
	p->stored_clock = p->clock;
}

/* An entry, as history.c binds it: NULL where it has none. */
static void
pgtxn_entry(struct pgtxn *t, const struct proto_event *ev)
{
	struct pgsql_array *a = t->entry;

	pgsql_array_i64(&a[0], ev->rid);
	pgsql_array_i64(&a[1], ev->at);
	if (ev->from >= 0)
		pgsql_array_i64(&a[2], ev->from);
	else
		pgsql_array_null(&a[2]);
	pgsql_array_i64(&a[3], ev->to);
	pgsql_array_i64(&a[4], ev->cause);
	pgsql_array_text(&a[5], ev->name);
	if (ev->due_at != 0) {
		pgsql_array_i64(&a[6], ev->due_at);
		pgsql_array_i64(&a[7], ev->late_ms);
	} else {
		pgsql_array_null(&a[6]);
		pgsql_array_null(&a[7]);
	}
	pgsql_array_text(&a[8], ev->detail);
	counts_add(t->counts, COUNTS_CAUSE + (int)ev->cause, 1);
	t->nentries++;
}

void
pgtxn_save(struct pgtxn *t, struct protocol *p, const struct proto_event *ev, size_t n,
    enum store_save what)
{
	if (what == STORE_SAVE_ROW)
		counts_move(t->counts, p);
	if (what != STORE_SAVE_ENTRIES)
		pgtxn_keep(t, p);
	for (size_t i = 0; i < n; i++)
		pgtxn_entry(t, &ev[i]);
}

int
pgtxn_entries(const struct pgtxn *t)
{
	return t->nentries;
}

size_t
pgtxn_rows_pending(const struct pgtxn *t)
{
	return t->nrows;
}

/* ------------------------------------------------------ the statements */

/* A clock's column: NULL when no clock runs (rows.c writes it so). */
static void
pgtxn_clock_col(struct pgsql_array *a, int64_t v, bool running)
{
	if (running)
		pgsql_array_i64(a, v);
	else
		pgsql_array_null(a);
}

static void
pgtxn_row_cols(struct pgtxn *t, const struct protocol *p)
{
	struct pgsql_array *a = t->col;
	bool running = p->clock != PROTO_CLOCK_NONE;
	const char *attempts = p->attempts;

	pgsql_array_i64(&a[0], p->rid);
	pgsql_array_i64(&a[1], p->state);
	pgsql_array_i64(&a[2], p->clock);
	pgtxn_clock_col(&a[3], p->clock_start, running);
	pgtxn_clock_col(&a[4], p->clock_due, running);
	pgtxn_clock_col(&a[5], p->clock_next, running);
	pgsql_array_text(&a[6], attempts[0] ? attempts : NULL);
	pgsql_array_i64(&a[7], p->version);
	pgsql_array_i64(&a[8], p->updated_at);
	pgsql_array_text(&a[9], running && p->clock_rule[0] ? p->clock_rule : NULL);
}

int
pgtxn_send_rows(struct pgtxn *t, struct pgconn *c, pgconn_fn *fn, void *arg)
{
	const char *v[PGTXN_ROW_COLS + 1];
	struct pgsql_params pp;

	if (t->nrows == 0)
		return 0;
	pgsql_params_init(&pp);
	pgsql_param_i64(&pp, (int64_t)t->nrows);
	v[PGTXN_ROW_COLS] = pp.v[0];
	for (int i = 0; i < PGTXN_ROW_COLS; i++)
		pgsql_array_clear(&t->col[i]);
	for (size_t k = 0; k < t->nrows; k++)
		pgtxn_row_cols(t, &t->rows[k]);
	for (int i = 0; i < PGTXN_ROW_COLS; i++)
		v[i] = pgsql_array_str(&t->col[i]);
	t->nrows = 0;
	memset(t->map_rid, 0, t->mapcap * sizeof *t->map_rid);
	return pgconn_send(c, PGSQL_UPDATE, PGTXN_ROW_COLS + 1, v, fn, arg);
}

/* Send the counters' UPDATE: 1 sent, 0 nothing to send, -1 down. */
static int
pgtxn_send_counters(struct pgtxn *t, struct pgconn *c, pgconn_fn *fn, void *arg)
{
	struct pgsql_array keys = { 0 }, deltas = { 0 };
	size_t n = counts_n(t->counts);
	const char *v[2];
	int64_t sum;
	int rc, k;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		counts_at(t->counts, i, &k, &sum);
		pgsql_array_i64(&keys, k);
		pgsql_array_i64(&deltas, sum);
	}
	v[0] = pgsql_array_str(&keys);
	v[1] = pgsql_array_str(&deltas);
	rc = pgconn_send(c, PGSQL_COUNTERS, 2, v, fn, arg);
	pgsql_array_free(&keys);
	pgsql_array_free(&deltas);
	return rc == 0 ? 1 : -1;
}

int
pgtxn_send_commit(struct pgtxn *t, struct pgconn *c, const char *tell, pgconn_fn *fn,
    void *arg)
{
	struct pgsql_params pp;
	const char *v[2 + PGTXN_ENTRY_COLS];
	int sent = pgtxn_send_counters(t, c, fn, arg);

	if (sent < 0)
		return -1;
	if (t->nentries == 0)
		return sent;
	pgsql_params_init(&pp);
	pgsql_param_i64(&pp, t->nentries);
	v[0] = pp.v[0];
	for (int i = 0; i < PGTXN_ENTRY_COLS; i++)
		v[1 + i] = pgsql_array_str(&t->entry[i]);
	v[1 + PGTXN_ENTRY_COLS] = tell;
	if (pgconn_send(c, PGSQL_HISTORY, 2 + PGTXN_ENTRY_COLS, v, fn, arg) != 0)
		return -1;
	return sent + 1;
}
