#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "history.h"
#include "listing.h"
#include "rows.h"
#include "rulebook.h"
#include "sqlite.h"
#include "storefx.h"
#include "tmpdir.h"

_Static_assert(FX_CLOCK_RESPONSE == RULEBOOK_KIND_RESPONSE, "response's kind");
_Static_assert(FX_CLOCK_REPLY == RULEBOOK_KIND_REPLY, "reply_window's kind");

int
storefx_setup(void **state)
{
	struct storefx *fx = calloc(1, sizeof *fx);

	if (fx == NULL || tmpdir_make(fx->dir, sizeof fx->dir, "test_store") != 0) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof fx->path, "%s/protocold.db", fx->dir);
	if ((fx->base = event_base_new()) == NULL) {
		tmpdir_remove(fx->dir);
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

int
storefx_teardown(void **state)
{
	struct storefx *fx = *state;

	store_close(fx->st);
	conn_close(fx->c);
	event_base_free(fx->base);
	for (size_t i = 0; i < fx->nbufs; i++)
		free(fx->bufs[i]);
	tmpdir_remove(fx->dir);
	free(fx);
	return 0;
}

struct conn *
storefx_open_rw(struct storefx *fx)
{
	char *cause = NULL;

	fx->c = conn_open(fx->path, false, true, &cause);
	if (fx->c == NULL)
		fail_msg("conn_open %s: %s", fx->path, cause ? cause : "(no cause)");
	return fx->c;
}

struct conn *
storefx_open_ro(struct storefx *fx)
{
	char *cause = NULL;
	struct conn *c = conn_open(fx->path, true, true, &cause);

	if (c == NULL)
		fail_msg("conn_open read-only %s: %s", fx->path, cause ? cause : "(no cause)");
	return c;
}

struct store *
storefx_open_store(struct storefx *fx, bool sync_full)
{
	struct sqlite_options o = { .sync_full = sync_full };
	char *cause = NULL;

	fx->st = sqlite_store_open(fx->path, &o, fx->base, &cause);
	if (fx->st == NULL)
		fail_msg("sqlite_store_open %s: %s", fx->path, cause ? cause : "(no cause)");
	return fx->st;
}

void *
storefx_keep(struct storefx *fx, void *buf)
{
	if (fx->nbufs == sizeof fx->bufs / sizeof fx->bufs[0])
		fail_msg("storefx: too many buffers");
	fx->bufs[fx->nbufs++] = buf;
	return buf;
}

struct protocol
storefx_mkp(const char *id, const char *seller, enum proto_state s, int c, int64_t next)
{
	struct protocol p;

	memset(&p, 0, sizeof p);
	snprintf(p.id, sizeof p.id, "%s", id);
	snprintf(p.seller, sizeof p.seller, "%s", seller);
	snprintf(p.marketplace, sizeof p.marketplace, "%s", FX_MARKET);
	p.opened_at = 1790000000000;
	p.state = s;
	p.clock = c;
	if (c != PROTO_CLOCK_NONE) {
		p.clock_start = p.opened_at;
		p.clock_due = next;
		p.clock_next = next;
	}
	p.version = 1;
	p.updated_at = p.opened_at;
	return p;
}

void
storefx_insert(struct conn *c, struct protocol *p)
{
	if (rows_insert(c, p) != 0)
		fail_msg("rows_insert %s: %s", p->id, conn_error(c));
	assert_true(p->rid > 0);
}

void
storefx_update(struct conn *c, struct protocol *p)
{
	if (rows_update(c, p) != 0)
		fail_msg("rows_update %s: %s", p->id, conn_error(c));
}

struct protocol
storefx_get(struct conn *c, const char *id)
{
	struct protocol p;
	int rc = rows_get(c, id, &p);

	if (rc != 1)
		fail_msg("rows_get %s: %d (%s)", id, rc, rc < 0 ? conn_error(c) : "absent");
	return p;
}

bool
storefx_absent(struct conn *c, const char *id)
{
	struct protocol p;
	int rc = rows_get(c, id, &p);

	if (rc < 0)
		fail_msg("rows_get %s: %s", id, conn_error(c));
	return rc == 0;
}

void
storefx_same(const struct protocol *a, const struct protocol *b)
{
	assert_int_equal(a->rid, b->rid);
	assert_string_equal(a->id, b->id);
	assert_string_equal(a->seller, b->seller);
	assert_string_equal(a->order, b->order);
	assert_string_equal(a->reason, b->reason);
	assert_string_equal(a->marketplace, b->marketplace);
	assert_int_equal(a->origin, b->origin);
	assert_int_equal(a->critical, b->critical);
	assert_int_equal(a->opened_given, b->opened_given);
	assert_int_equal(a->opened_at, b->opened_at);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->clock, b->clock);
	assert_int_equal(a->clock_start, b->clock_start);
	assert_int_equal(a->clock_due, b->clock_due);
	assert_int_equal(a->clock_next, b->clock_next);
	assert_string_equal(a->clock_rule, b->clock_rule);
	assert_string_equal(a->attempts, b->attempts);
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->updated_at, b->updated_at);
}

struct store_stats
storefx_stats(struct conn *c)
{
	struct store_stats s;

	if (listing_stats(c, &s) != 0)
		fail_msg("listing_stats: %s", conn_error(c));
	return s;
}

int64_t
storefx_clocks(const struct store_stats *s, int kind)
{
	int64_t n = 0;
	int seen = 0;

	for (size_t i = 0; i < s->n_clocks; i++)
		if (s->clocks[i].kind == kind) {
			n = s->clocks[i].n;
			seen++;
		}
	if (seen > 1)
		fail_msg("stats: clock kind %d counted %d times", kind, seen);
	return n;
}

int64_t
storefx_markets(const struct store_stats *s, const char *marketplace,
    enum proto_state st)
{
	int market = rulebook_market_number(marketplace);
	int64_t n = 0;
	int seen = 0;

	for (size_t i = 0; i < s->n_markets; i++)
		if (s->markets[i].market == market && s->markets[i].state == (int)st) {
			n = s->markets[i].n;
			seen++;
		}
	if (seen > 1)
		fail_msg("stats: %s in state %d counted %d times", marketplace, (int)st, seen);
	return n;
}

int64_t
storefx_forecast(const struct store_forecast *f, const char *marketplace, int kind)
{
	int64_t n = 0;

	for (size_t i = 0; i < f->n; i++)
		if (f->row[i].kind == kind && strcmp(f->row[i].market, marketplace) == 0) {
			if (f->row[i].n <= 0)
				fail_msg("forecast: %s's kind %d: a row of %lld", marketplace,
				    kind, (long long)f->row[i].n);
			n += f->row[i].n;
		}
	return n;
}

int64_t
storefx_forecast_total(const struct store_forecast *f)
{
	int64_t n = 0;

	for (size_t i = 0; i < f->n; i++)
		n += f->row[i].n;
	return n;
}

int64_t
storefx_counter(struct conn *c, int key)
{
	sqlite3_stmt *s;
	int64_t n = -1;
	int rc;

	if (sqlite3_prepare_v2(c->db, "SELECT n FROM counters WHERE k = ?1", -1, &s, NULL)
	    != SQLITE_OK)
		fail_msg("counters: %s", sqlite3_errmsg(c->db));
	sqlite3_bind_int(s, 1, key);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	else if (rc != SQLITE_DONE)
		fail_msg("counters: %s", sqlite3_errmsg(c->db));
	sqlite3_finalize(s);
	return n;
}

int64_t
storefx_event(struct conn *c, int64_t rid, int from, enum proto_state to,
    enum proto_cause cause, const char *name, int64_t at, int64_t due, const char *detail)
{
	struct proto_event ev = {
		.rid = rid, .at = at, .from = from, .to = to, .cause = cause, .name = name,
		.due_at = due, .late_ms = due ? at - due : 0, .detail = detail,
	};

	if (history_add(c, &ev) != 0)
		fail_msg("history_add %s: %s", name, conn_error(c));
	assert_true(ev.seq > 0);
	return ev.seq;
}

static void
storefx_count_one(const struct proto_event *ev, const char *protocol, void *arg)
{
	(*(int *)arg)++;
}

int
storefx_history_count(struct conn *c, int64_t rid)
{
	int seen = 0;
	int n = history_of(c, rid, 0, 1000, storefx_count_one, &seen);

	if (n < 0)
		fail_msg("history_of: %s", conn_error(c));
	assert_int_equal(n, seen);
	return n;
}
