#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <event2/event.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pg.h"
#include "pgcluster.h"
#include "pgshard.h"
#include "pgfx.h"
#include "proto.h"
#include "store.h"

/*
 * Several instances on one database (doc/cluster.md), as stores of one process on one
 * loop against a throw-away server: the shards split among the members each once, a
 * clean leave handing over, a member gone silent taken over (its sessions ended, its
 * shards freed) and joining again under a new epoch, the due rows of a shard read only
 * by its owner, a live member's name refused; and rendezvous hashing itself.
 */

static struct pgfx fx;

struct tc {
	struct event_base *base;
	struct event *tick;
	const char *uri;
	struct store *a, *b;
};

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
}

static void
run_for(struct tc *t, int ms)
{
	pgfx_run_for(t->base, ms);
}

static struct store *
open_as(struct tc *t, const char *name)
{
	char *cause = NULL;
	struct store *st = pg_store_open(t->uri, name, t->base, &cause);

	if (st == NULL)
		fail_msg("pg_store_open %s: %s", name, cause);
	return st;
}

/* The shards st's last look says it owns, and how many members it saw alive. */
static uint64_t
owned(struct store *st, int *alive)
{
	struct store_cluster c;
	uint64_t mine = 0;

	store_cluster(st, &c);
	*alive = 0;
	for (int i = 0; i < c.n; i++) {
		*alive += c.m[i].alive;
		if (c.m[i].self)
			mine = c.m[i].shards;
	}
	return mine;
}

/* Run the loop until a owns want_a shards' worth (a mask test) or 5 s passed. */
static bool
settle(struct tc *t, bool (*done)(struct tc *))
{
	for (int i = 0; i < 100; i++) {
		if (done(t))
			return true;
		run_for(t, 50);
	}
	return done(t);
}

static bool
split(struct tc *t)
{
	int na, nb;
	uint64_t a = owned(t->a, &na), b = owned(t->b, &nb);

	return na == 2 && nb == 2 && (a & b) == 0 && (a | b) == UINT64_MAX && a != 0 &&
	    b != 0;
}

static bool
a_alone(struct tc *t)
{
	int n;

	return owned(t->a, &n) == UINT64_MAX && n == 1;
}

static int
setup(void **state)
{
	struct tc *t = calloc(1, sizeof *t);
	struct timeval tv = { 0, 10000 };

	t->uri = pgfx_newdb(&fx);
	assert_non_null(t->uri);
	t->base = event_base_new();
	t->tick = event_new(t->base, -1, EV_PERSIST, tick_cb, NULL);
	event_add(t->tick, &tv);
	t->a = open_as(t, "a");
	t->b = open_as(t, "b");
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct tc *t = *state;

	store_close(t->a);
	store_close(t->b);
	event_free(t->tick);
	event_base_free(t->base);
	free(t);
	return 0;
}

static void
pgshard_pick__spreads_the_shards__and_moves_only_those_of_a_member_gone(void **state)
{
	const char *three[] = { "api-1", "api-2", "api-3" };
	const char *two[] = { "api-1", "api-3" };
	int count[3] = { 0 }, was;

	for (int s = 0; s < 64; s++) {
		was = pgshard_pick(three, 3, s);
		count[was]++;
		if (was != 1)
			assert_string_equal(three[was], two[pgshard_pick(two, 2, s)]);
	}
	for (int i = 0; i < 3; i++)
		assert_in_range(count[i], 10, 35);
	assert_int_equal(pgshard_pick(three, 1, 7), 0);
}

static void
pgcluster__two_members__own_every_shard_once(void **state)
{
	struct tc *t = *state;

	assert_true(settle(t, split));
	assert_int_equal(pgfx_value(t->uri, "SELECT count(*) FROM cluster_shards WHERE "
	    "owner_epoch IN (SELECT epoch FROM cluster_members)"), 64);
}

static void
pgcluster__a_member_that_leaves__hands_its_shards_over_at_once(void **state)
{
	struct tc *t = *state;

	assert_true(settle(t, split));
	store_close(t->b);
	t->b = NULL;
	assert_true(settle(t, a_alone));
	assert_int_equal(pgfx_value(t->uri, "SELECT count(*) FROM cluster_members"), 1);
	t->b = open_as(t, "b");
	assert_true(settle(t, split));
}

static bool
b_rejoined(struct tc *t)
{
	struct store_cluster c;

	store_cluster(t->b, &c);
	return c.rejoins == 1 && split(t);
}

static void
pgcluster__a_member_gone_silent__is_taken_over__then_joins_again(void **state)
{
	struct tc *t = *state;
	struct store_cluster c;
	long long old;

	assert_true(settle(t, split));
	old = pgfx_value(t->uri, "SELECT epoch FROM cluster_members WHERE name = 'b'");
	/* b's beat, as the others see it, older than the lease. */
	assert_int_equal(pgfx_exec(t->uri, "UPDATE cluster_members SET beat_at = now() - "
	    "interval '10 s' WHERE name = 'b'"), 0);
	assert_true(settle(t, b_rejoined));
	store_cluster(t->a, &c);
	assert_int_equal(c.takeovers, 1);
	assert_true(pgfx_value(t->uri, "SELECT epoch FROM cluster_members WHERE name = "
	    "'b'") > old);
	/* The old epoch owns nothing. */
	assert_int_equal(pgfx_value(t->uri, "SELECT count(*) FROM cluster_shards s JOIN "
	    "cluster_members m ON m.name = 'b' WHERE s.owner = 'b' AND s.owner_epoch <> "
	    "m.epoch"), 0);
}

struct due_seen {
	int n;
	bool done;
};

static void
on_due(void *arg, int n)
{
	struct due_seen *d = arg;

	d->n = n;
	d->done = true;
}

/*
 * Run the loop until st's connections are all up (5 s at most). Both stores live in
 * one process here, and the second one's start ends the first one's sessions as a
 * killed daemon's (pgsweep.h: a session under our own pid is taken for a container's
 * previous life): the first one reconnects meanwhile.
 */
static void
wait_up(struct tc *t, struct store *st)
{
	char why[256];

	for (int i = 0; i < 100 && !store_health(st, why, sizeof why); i++)
		run_for(t, 50);
	if (!store_health(st, why, sizeof why))
		fail_msg("the store is not up: %s", why);
}

/* How many rows st's due statement reads at limit (in a transaction, rolled back). */
static int
due_through(struct tc *t, struct store *st)
{
	struct protocol out[8];
	struct due_seen d = { 0 };

	wait_up(t, st);
	assert_int_equal(store_begin(st), 0);
	store_due(st, 5000, 8, out, on_due, &d);
	for (int i = 0; i < 200 && !d.done; i++)
		run_for(t, 10);
	store_rollback(st);
	assert_true(d.done);
	return d.n;
}

static void
store_due__reads_only_the_shards_its_member_owns(void **state)
{
	struct tc *t = *state;

	assert_true(settle(t, split));
	wait_up(t, t->a);
	wait_up(t, t->b);
	/* One protocol due in each shard. */
	assert_int_equal(pgfx_exec(t->uri, "INSERT INTO protocols (rid, id, seller, origin, "
	    "critical, opened_given, opened_at, state, clock, clock_start, clock_due, "
	    "clock_next, version, updated_at) SELECT g, 'P' || g, 'S', 0, false, false, 0, "
	    "0, 1, 0, 1000, 1000, 1, 0 FROM generate_series(64, 127) AS g"), 0);
	int na, nb, da = due_through(t, t->a), db = due_through(t, t->b);

	assert_int_equal(da, __builtin_popcountll(owned(t->a, &na)) < 8 ?
	    __builtin_popcountll(owned(t->a, &na)) : 8);
	assert_int_equal(db, __builtin_popcountll(owned(t->b, &nb)) < 8 ?
	    __builtin_popcountll(owned(t->b, &nb)) : 8);
	/* A member whose row is gone (declared dead) reads none. */
	assert_int_equal(pgfx_exec(t->uri, "UPDATE cluster_shards SET owner_epoch = NULL"), 0);
	assert_int_equal(due_through(t, t->a), 0);
}

static void
pg_store_open__the_name_of_a_live_member__is_refused(void **state)
{
	struct tc *t = *state;
	char *cause = NULL;

	assert_null(pg_store_open(t->uri, "a", t->base, &cause));
	assert_non_null(strstr(cause, "taken by a live instance"));
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    pgshard_pick__spreads_the_shards__and_moves_only_those_of_a_member_gone),
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(pgcluster__two_members__own_every_shard_once),
		T(pgcluster__a_member_that_leaves__hands_its_shards_over_at_once),
		T(pgcluster__a_member_gone_silent__is_taken_over__then_joins_again),
		T(store_due__reads_only_the_shards_its_member_owns),
		T(pg_store_open__the_name_of_a_live_member__is_refused),
	};
	int rc;

	if (!pgfx_installed())
		return pgfx_skip_all("test_pgcluster");
	if (pgfx_start(&fx) != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	pgfx_stop(&fx);
	return rc;
}
