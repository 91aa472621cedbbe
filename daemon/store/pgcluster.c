#include "pgcluster.h"

#include <event2/event.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "pgconn.h"
#include "pgshard.h"
#include "pgsql.h"
#include "pgsweep.h"
#include "store.h"
#include "strcopy.h"
#include "xmalloc.h"

/* At the start, joining (with a dead namesake to take over first) may take this. */
#define PGCLUSTER_JOIN_US (10 * 1000000LL)
/* At the stop, the hand-over is waited for this long. */
#define PGCLUSTER_LEAVE_US 1000000LL

struct pgcluster {
	struct event_base *base;
	struct pgconn *conn;
	struct store *st;
	struct event *timer;
	char name[64];			/* the instance */
	char session[64];		/* our sessions' names start with it */
	char host[64];
	int64_t started_at;
	int64_t epoch;			/* 0: no member (yet, or any more) */
	char epoch_text[24];
	uint64_t owned;			/* the shards we believe ours */
	uint64_t gen;
	bool ticking;			/* a look (and what it does) is out */
	bool again;			/* look again as soon as it is over */
	bool sent;			/* the look found something to do */
	bool taken;			/* our name is a live member's */
	bool leaving;
	int n;				/* the last look */
	struct store_member m[STORE_CLUSTER_MAX];
	char sessions[STORE_CLUSTER_MAX][64];	/* m[i]'s sessions' prefix */
	char config[17];		/* our settings' fingerprint (beaten with us) */
	bool config_warned;		/* the others' differ: said once */
	int64_t takeovers, rejoins;
};

static void pgcluster_tick(struct pgcluster *c);

static void
pgcluster_set_epoch(struct pgcluster *c, int64_t epoch)
{
	c->epoch = epoch;
	snprintf(c->epoch_text, sizeof c->epoch_text, "%" PRId64, epoch);
}

/* What we own changed: the scheduler looks at its head again. */
static void
pgcluster_set_owned(struct pgcluster *c, uint64_t owned)
{
	if (owned == c->owned)
		return;
	c->owned = owned;
	c->gen++;
	store_peer_wake(c->st, INT64_MIN);
}

static void
pgcluster_member(const PGresult *r, int row, struct store_member *m)
{
	*m = (struct store_member){ 0 };
	strcopy(m->name, sizeof m->name, PQgetvalue(r, row, 0));
	m->epoch = strtoll(PQgetvalue(r, row, 1), NULL, 10);
	strcopy(m->host, sizeof m->host, PQgetvalue(r, row, 3));
	m->pid = atoi(PQgetvalue(r, row, 4));
	m->started_at = strtoll(PQgetvalue(r, row, 5), NULL, 10);
	m->beat_at = strtoll(PQgetvalue(r, row, 6), NULL, 10);
	m->alive = PQgetvalue(r, row, 7)[0] == 't';
	m->shards = pgshard_parse(PQgetvalue(r, row, 8));
	strcopy(m->config, sizeof m->config, PQgetvalue(r, row, 9));
}

/* ------------------------------------------------------------ answers */

static void
pgcluster_joined(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	struct pgcluster *c = arg;

	if (st != PGCONN_OK) {
		if (st != PGCONN_CLOSED)
			log_warnx("cluster: cannot join as %s: %s", c->name, err);
		return;
	}
	if (PQntuples(r) != 1)
		return;		/* the name is another's: the look says whose */
	pgcluster_set_epoch(c, strtoll(PQgetvalue(r, 0, 0), NULL, 10));
	c->taken = false;
	log_info("cluster: joined as %s (epoch %" PRId64 ")", c->name, c->epoch);
	if (!PQgetisnull(r, 0, 1))
		store_peer_clock(c->st, strtoll(PQgetvalue(r, 0, 1), NULL, 10));
}

/* Our row is gone: the others declared us dead (we were silent longer than the
 * lease) and took our shards; we fire nothing more until we joined again. */
static void
pgcluster_beaten(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	struct pgcluster *c = arg;

	if (st != PGCONN_OK || PQntuples(r) == 1 || c->epoch == 0)
		return;
	log_warnx("cluster: %s was declared dead by the others (no heartbeat for %d ms) "
	    "and its shards taken over; joining again", c->name, PGCLUSTER_LEASE_MS);
	c->rejoins++;
	pgcluster_set_epoch(c, 0);
	pgcluster_set_owned(c, 0);
}

/* Instances that work out due instants differently give a protocol different deadlines
 * by where its request went: say so once, and again after they agreed meanwhile. */
static void
pgcluster_check_config(struct pgcluster *c)
{
	for (int i = 0; i < c->n; i++) {
		const struct store_member *m = &c->m[i];

		if (!m->alive || m->self || m->config[0] == '\0' || c->config[0] == '\0' ||
		    strcmp(m->config, c->config) == 0)
			continue;
		if (!c->config_warned)
			log_warnx("cluster: %s's deadlines, calendar, reasons or time zone "
			    "differ from ours, or its rulebooks do (settings %s, ours %s): a "
			    "clock's due instant depends on the instance its request went "
			    "through; give every instance the same", m->name, m->config,
			    c->config);
		c->config_warned = true;
		return;
	}
	c->config_warned = false;
}

static void
pgcluster_viewed(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	struct pgcluster *c = arg;
	uint64_t mine = 0;

	if (st != PGCONN_OK)
		return;
	c->n = 0;
	c->taken = false;
	for (int i = 0; i < PQntuples(r) && c->n < STORE_CLUSTER_MAX; i++) {
		struct store_member *m = &c->m[c->n++];

		pgcluster_member(r, i, m);
		strcopy(c->sessions[c->n - 1], sizeof c->sessions[0], PQgetvalue(r, i, 2));
		m->self = c->epoch != 0 && m->epoch == c->epoch;
		if (m->self)
			mine = m->shards;
		if (!m->self && m->alive && strcmp(m->name, c->name) == 0)
			c->taken = true;
	}
	if (c->epoch != 0)
		pgcluster_set_owned(c, mine);
	pgcluster_check_config(c);
}

static void
pgcluster_took(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	struct pgcluster *c = arg;

	if (st == PGCONN_OK && PQntuples(r) == 1 && atoi(PQgetvalue(r, 0, 0)) == 1) {
		c->takeovers++;
		log_info("cluster: took over a member gone silent (%s shards freed)",
		    PQgetvalue(r, 0, 1));
	} else if (st == PGCONN_ERROR)
		log_warnx("cluster: cannot take over a member: %s", err);
}

static void
pgcluster_claimed(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	struct pgcluster *c = arg;
	uint64_t got = 0;

	if (st == PGCONN_ERROR)
		log_warnx("cluster: cannot claim shards: %s", err);
	if (st != PGCONN_OK)
		return;
	for (int i = 0; i < PQntuples(r); i++)
		got |= 1ULL << (atoi(PQgetvalue(r, i, 0)) % PGSQL_SHARDS);
	pgcluster_set_owned(c, c->owned | got);
}

static void
pgcluster_warn(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	if (st == PGCONN_ERROR)
		log_warnx("cluster: %s", err);
}

/* ------------------------------------------------------------ the look */

/* Take over every member that is not alive. */
static void
pgcluster_take_dead(struct pgcluster *c)
{
	char epoch[24];
	const char *v[2] = { epoch, NULL };

	for (int i = 0; i < c->n; i++) {
		if (c->m[i].alive || c->m[i].self)
			continue;
		snprintf(epoch, sizeof epoch, "%" PRId64, c->m[i].epoch);
		/* Our own name (a container's pid again): the start ended its sessions
		 * already (pgsweep.h); ending "ours" would end us. */
		v[1] = strcmp(c->sessions[i], c->session) == 0 ? "" : c->sessions[i];
		if (pgconn_send(c->conn, "c_takeover", 2, v, pgcluster_took, c) == 0)
			c->sent = true;
	}
}

/* Release what is another's by the hashing, claim what is ours and free. */
static void
pgcluster_balance(struct pgcluster *c)
{
	uint64_t want = pgshard_mine(c->m, c->n), others = pgshard_others(c->m, c->n);
	uint64_t give = c->owned & ~want, take = want & ~c->owned & ~others;
	char arr[PGSQL_SHARDS * 4];
	const char *v[3];

	if (give != 0) {
		/* Forgotten first: nothing of them is asked any more, then freed. */
		pgcluster_set_owned(c, c->owned & ~give);
		v[0] = c->epoch_text;
		v[1] = pgshard_array(give, arr, sizeof arr);
		if (pgconn_send(c->conn, "c_release", 2, v, pgcluster_warn, c) == 0)
			c->sent = true;
	}
	if (take != 0) {
		v[0] = c->name;
		v[1] = c->epoch_text;
		v[2] = pgshard_array(take, arr, sizeof arr);
		if (pgconn_send(c->conn, "c_claim", 3, v, pgcluster_claimed, c) == 0)
			c->sent = true;
	}
}

static void
pgcluster_later(struct pgcluster *c, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(c->timer, &tv);
}

/* What a look found to do was done: look again at once (it changed the members). */
static void
pgcluster_acted(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	struct pgcluster *c = arg;

	if (st == PGCONN_CLOSED)
		return;
	c->ticking = false;
	pgcluster_later(c, st == PGCONN_OK ? 0 : PGCLUSTER_TICK_MS);
}

/* A look is back: act on it. */
static void
pgcluster_looked(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	struct pgcluster *c = arg;

	if (st == PGCONN_CLOSED)
		return;
	c->sent = false;
	if (st == PGCONN_OK && !c->leaving) {
		pgcluster_take_dead(c);
		if (c->epoch != 0)
			pgcluster_balance(c);
	}
	if (c->sent && pgconn_sync(c->conn, pgcluster_acted, c) == 0)
		return;
	c->ticking = false;
	pgcluster_later(c, c->again ? 0 : PGCLUSTER_TICK_MS);
	c->again = false;
}

/* Beat (or join), and look at the members. */
static void
pgcluster_tick(struct pgcluster *c)
{
	char lease[16], pid[16], started[24];
	const char *join[6] = { c->name, c->session, c->host, pid, started, c->config };

	if (c->ticking) {
		c->again = true;
		return;
	}
	if (!pgconn_is_up(c->conn) || c->leaving) {
		pgcluster_later(c, PGCLUSTER_TICK_MS);
		return;
	}
	snprintf(lease, sizeof lease, "%d", PGCLUSTER_LEASE_MS);
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	snprintf(started, sizeof started, "%" PRId64, c->started_at);
	if (c->epoch == 0)
		pgconn_send(c->conn, "c_join", 6, join, pgcluster_joined, c);
	else
		pgconn_send(c->conn, "c_beat", 2, (const char *[]){ c->epoch_text,
		    c->config }, pgcluster_beaten, c);
	pgconn_send(c->conn, "c_view", 1, (const char *[]){ lease }, pgcluster_viewed, c);
	if (pgconn_sync(c->conn, pgcluster_looked, c) == 0)
		c->ticking = true;
}

static void
pgcluster_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	pgcluster_tick(arg);
}

/* ------------------------------------------------------------ hearing */

/* Another's commit, "EPOCH AT LAST" (pgwrite.c): a clock moved to AT ("-": none), the
 * feed ends at LAST (0: no history). Our own are heard too, and ignored. */
static void
pgcluster_heard_commit(struct pgcluster *c, const char *payload)
{
	char epoch[24], at[24];
	long long last;

	if (sscanf(payload, "%23s %23s %lld", epoch, at, &last) != 3 ||
	    strcmp(epoch, c->epoch_text) == 0)
		return;
	if (strcmp(at, "-") != 0)
		store_peer_wake(c->st, strtoll(at, NULL, 10));
	if (last > 0)
		store_peer_feed(c->st, last);
}

static void
pgcluster_notify(void *arg, const char *channel, const char *payload)
{
	struct pgcluster *c = arg;
	const char *v[2] = { c->epoch_text, payload };

	if (strcmp(channel, PGSQL_CHANNEL_COMMIT) == 0)
		pgcluster_heard_commit(c, payload);
	else if (strcmp(channel, PGSQL_CHANNEL_CLOCK) == 0) {
		store_peer_clock(c->st, strtoll(payload, NULL, 10));
		if (c->epoch != 0 && pgconn_send(c->conn, "c_clock", 2, v, pgcluster_warn,
		    c) == 0)
			pgconn_sync(c->conn, NULL, NULL);
	} else if (strcmp(channel, PGSQL_CHANNEL_MEMBERS) == 0)
		pgcluster_tick(c);
}

/* (Re)connected: look at once (a member that was cut off may have been taken over). */
static void
pgcluster_up(void *arg)
{
	struct pgcluster *c = arg;

	c->ticking = false;
	pgcluster_later(c, 0);
}

static void
pgcluster_down(void *arg)
{
	struct pgcluster *c = arg;

	c->ticking = false;
	log_warnx("cluster: lost the connection (%s): the others take our shards over "
	    "if it is not back within %d ms", pgconn_why(c->conn), PGCLUSTER_LEASE_MS);
}

/* ------------------------------------------------------------ open, close */

static bool
pgcluster_idle(void *arg)
{
	return !((struct pgcluster *)arg)->ticking;
}

/* At the start: look until joined (a dead namesake is taken over first). */
static int
pgcluster_join(struct pgcluster *c, char **cause)
{
	int64_t end = clock_mono_us() + PGCLUSTER_JOIN_US;

	while (c->epoch == 0 && clock_mono_us() < end) {
		pgcluster_tick(c);
		if (c->ticking && pgconn_wait(c->conn, pgcluster_idle, c,
		    end - clock_mono_us()) != 0)
			break;
		c->ticking = false;
		if (c->epoch == 0 && c->taken) {
			*cause = xasprintf("the instance name %s is taken by a live instance "
			    "of the cluster: give each instance its own `instance =`", c->name);
			return -1;
		}
		if (c->epoch == 0)
			usleep(50000);
	}
	if (c->epoch != 0)
		return 0;
	*cause = xasprintf("cannot join the cluster as %s within %lld s: %s", c->name,
	    PGCLUSTER_JOIN_US / 1000000, pgconn_is_up(c->conn) ? "its member row is "
	    "held by another" : pgconn_why(c->conn));
	return -1;
}

struct pgcluster *
pgcluster_open(struct event_base *base, const char *uri, const char *instance,
    struct store *st, char **cause)
{
	struct pgcluster *c = xcalloc(1, sizeof *c);
	struct pgconn_def def = { "cluster", pgsql_cluster_setup, NULL, 0, pgcluster_up,
	    pgcluster_down, c, pgcluster_notify };

	def.stmts = pgsql_cluster_stmts(&def.nstmts);
	c->base = base;
	c->st = st;
	c->started_at = clock_wall();
	pgsweep_name(c->session, sizeof c->session);
	if (gethostname(c->host, sizeof c->host) != 0)
		strcopy(c->host, sizeof c->host, "localhost");
	c->host[sizeof c->host - 1] = '\0';
	if (instance != NULL && instance[0] != '\0')
		strcopy(c->name, sizeof c->name, instance);
	else
		snprintf(c->name, sizeof c->name, "%.40s:%d", c->host, (int)getpid());
	pgcluster_set_epoch(c, 0);
	c->timer = evtimer_new(base, pgcluster_timer_cb, c);
	if ((c->conn = pgconn_open(base, uri, &def, cause)) == NULL ||
	    pgcluster_join(c, cause) != 0) {
		pgcluster_free(c);
		return NULL;
	}
	pgcluster_later(c, 0);
	return c;
}

static bool
pgcluster_left(void *arg)
{
	return ((struct pgcluster *)arg)->epoch == 0;
}

static void
pgcluster_gone(void *arg, enum pgconn_status st, const PGresult *r, const char *err)
{
	struct pgcluster *c = arg;

	if (st == PGCONN_OK)
		log_info("cluster: %s left; %s shards handed over", c->name,
		    PQgetvalue(r, 0, 0));
	c->epoch = 0;
}

void
pgcluster_free(struct pgcluster *c)
{
	if (c == NULL)
		return;
	c->leaving = true;
	evtimer_del(c->timer);
	if (c->epoch != 0 && c->conn != NULL && pgconn_is_up(c->conn) &&
	    pgconn_send(c->conn, "c_leave", 1, (const char *[]){ c->epoch_text },
	    pgcluster_gone, c) == 0 && pgconn_sync(c->conn, NULL, NULL) == 0)
		(void)pgconn_wait(c->conn, pgcluster_left, c, PGCLUSTER_LEAVE_US);
	pgconn_free(c->conn);
	event_free(c->timer);
	free(c);
}

/* ------------------------------------------------------------ asked */

const char *
pgcluster_epoch(const struct pgcluster *c)
{
	return c->epoch_text;
}

bool
pgcluster_owns_all(const struct pgcluster *c)
{
	return c->owned == UINT64_MAX;
}

bool
pgcluster_owns(const struct pgcluster *c, int shard)
{
	return (c->owned >> (shard % PGSQL_SHARDS)) & 1;
}

uint64_t
pgcluster_generation(const struct pgcluster *c)
{
	return c->gen;
}

bool
pgcluster_alone(const struct pgcluster *c)
{
	for (int i = 0; i < c->n; i++)
		if (c->m[i].alive && !c->m[i].self)
			return false;
	return true;
}

void
pgcluster_set_config(struct pgcluster *c, const char *fingerprint)
{
	strcopy(c->config, sizeof c->config, fingerprint);
}

void
pgcluster_view(const struct pgcluster *c, struct store_cluster *out)
{
	out->instance = c->name;
	out->shards = PGSQL_SHARDS;
	out->lease_ms = PGCLUSTER_LEASE_MS;
	out->n = c->n;
	memcpy(out->m, c->m, (size_t)c->n * sizeof c->m[0]);
	out->takeovers = c->takeovers;
	out->rejoins = c->rejoins;
}
