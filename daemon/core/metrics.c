#include "metrics.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

#define METRICS_MAX_BUCKETS 16
#define METRICS_MAX_CODES 32

/* A histogram's upper bounds, in units of 1/per_s seconds, ascending. */
struct metrics_hist_spec {
	const char *name;
	const char *help;
	int64_t bounds[METRICS_MAX_BUCKETS];
	size_t n;
	double per_s;
};

struct metrics_hist {
	uint64_t counts[METRICS_MAX_BUCKETS + 1];	/* per bucket, the last is +Inf */
	uint64_t count;
	int64_t sum;					/* in units, saturating */
};

static const struct metrics_hist_spec metrics_http_spec = {
	"protocold_http_request_duration_seconds",
	"Time from a request's arrival to its answer.",
	{ 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	  1000000, 2500000, 5000000, 10000000 }, 14, 1e6
};

static const struct metrics_hist_spec metrics_commit_spec = {
	"protocold_commit_duration_seconds",
	"Time taken by a database commit.",
	{ 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	  1000000, 2500000, 5000000, 10000000 }, 14, 1e6
};

static const struct metrics_hist_spec metrics_fired_spec = {
	"protocold_firing_lateness_seconds",
	"How late after its due time a clock point was applied.",
	{ 1, 2, 5, 10, 20, 50, 100, 500, 1000, 5000, 60000, 3600000, 86400000 }, 13, 1e3
};

struct metrics_code {
	int code;
	uint64_t n;
};

struct metrics {
	struct metrics_code codes[METRICS_MAX_CODES];	/* sorted by code */
	size_t n_codes;
	uint64_t codes_other;
	uint64_t dropped_slow;		/* connections dropped as slow readers */
	int64_t conns_open;		/* client connections open now */
	struct metrics_hist http;
	struct metrics_hist fired;
	struct metrics_hist commit;
	uint64_t db_errors;
	uint64_t commits_ok;
	uint64_t commits_failed;
};

/* A growing text buffer. */
struct metrics_buf {
	char *p;
	size_t len;
	size_t cap;
};

static void
metrics_hist_add(const struct metrics_hist_spec *spec, struct metrics_hist *h, int64_t v)
{
	size_t i = 0;

	if (v < 0)
		v = 0;
	while (i < spec->n && v > spec->bounds[i])
		i++;
	h->counts[i]++;
	h->count++;
	h->sum = v > INT64_MAX - h->sum ? INT64_MAX : h->sum + v;
}

/* The slot for code, inserted in order; NULL when the table is full. */
static struct metrics_code *
metrics_code_slot(struct metrics *m, int code)
{
	size_t i = 0;

	while (i < m->n_codes && m->codes[i].code < code)
		i++;
	if (i < m->n_codes && m->codes[i].code == code)
		return &m->codes[i];
	if (m->n_codes == METRICS_MAX_CODES)
		return NULL;
	memmove(&m->codes[i + 1], &m->codes[i],
	    (m->n_codes - i) * sizeof m->codes[0]);
	m->n_codes++;
	m->codes[i] = (struct metrics_code){ code, 0 };
	return &m->codes[i];
}

void
metrics_http(struct metrics *m, int status, int64_t latency_us)
{
	struct metrics_code *c = NULL;

	if (status >= 100 && status <= 599)
		c = metrics_code_slot(m, status);
	if (c != NULL)
		c->n++;
	else
		m->codes_other++;
	metrics_hist_add(&metrics_http_spec, &m->http, latency_us);
}

void
metrics_http_dropped_slow(struct metrics *m)
{
	m->dropped_slow++;
}

void
metrics_http_connection(struct metrics *m, int delta)
{
	m->conns_open += delta;
	if (m->conns_open < 0)
		m->conns_open = 0;
}

void
metrics_fired(struct metrics *m, int64_t late_ms)
{
	metrics_hist_add(&metrics_fired_spec, &m->fired, late_ms);
}

void
metrics_db_error(struct metrics *m)
{
	m->db_errors++;
}

void
metrics_commit(struct metrics *m, bool ok, int64_t latency_us)
{
	if (ok)
		m->commits_ok++;
	else
		m->commits_failed++;
	metrics_hist_add(&metrics_commit_spec, &m->commit, latency_us);
}

struct metrics *
metrics_new(void)
{
	return xcalloc(1, sizeof(struct metrics));
}

void
metrics_free(struct metrics *m)
{
	free(m);
}

static void metrics_printf(struct metrics_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
metrics_printf(struct metrics_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			n = 0;	/* an encoding error: write nothing rather than garbage */
		if ((size_t)n < b->cap - b->len)
			break;
		b->cap = b->cap * 2 > b->len + n + 1 ? b->cap * 2 : b->len + n + 1;
		b->p = xrealloc(b->p, b->cap);
	}
	b->len += n;
}

/* A label value with backslash, double quote and newline escaped. */
static void
metrics_escaped(struct metrics_buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '\\')
			metrics_printf(b, "\\\\");
		else if (*s == '"')
			metrics_printf(b, "\\\"");
		else if (*s == '\n')
			metrics_printf(b, "\\n");
		else
			metrics_printf(b, "%c", *s);
	}
}

/* A float as Prometheus reads it: integers as integers, others in the fewest digits
 * that read back to the same double. */
static void
metrics_float(struct metrics_buf *b, double v)
{
	char s[32];

	if (isnan(v)) {
		metrics_printf(b, "NaN");
		return;
	}
	if (isinf(v)) {
		metrics_printf(b, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (v > -9007199254740992.0 && v < 9007199254740992.0 && v == (double)(int64_t)v) {
		metrics_printf(b, "%" PRId64, (int64_t)v);
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(s, sizeof s, "%.*g", prec, v);
		if (strtod(s, NULL) == v)
			break;
	}
	metrics_printf(b, "%s", s);
}

static void
metrics_family(struct metrics_buf *b, const char *name, const char *type, const char *help)
{
	metrics_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{key="value"} v, or name v when key is NULL. */
static void
metrics_sample(struct metrics_buf *b, const char *name, const char *key, const char *value,
    double v)
{
	metrics_printf(b, "%s", name);
	if (key != NULL) {
		metrics_printf(b, "{%s=\"", key);
		metrics_escaped(b, value);
		metrics_printf(b, "\"}");
	}
	metrics_printf(b, " ");
	metrics_float(b, v);
	metrics_printf(b, "\n");
}

static void
metrics_render_hist(struct metrics_buf *b, const struct metrics_hist_spec *spec,
    const struct metrics_hist *h)
{
	uint64_t cum = 0;

	metrics_family(b, spec->name, "histogram", spec->help);
	for (size_t i = 0; i < spec->n; i++) {
		cum += h->counts[i];
		metrics_printf(b, "%s_bucket{le=\"", spec->name);
		metrics_float(b, (double)spec->bounds[i] / spec->per_s);
		metrics_printf(b, "\"} %" PRIu64 "\n", cum);
	}
	metrics_printf(b, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", spec->name, h->count);
	metrics_printf(b, "%s_sum ", spec->name);
	metrics_float(b, (double)h->sum / spec->per_s);
	metrics_printf(b, "\n%s_count %" PRIu64 "\n", spec->name, h->count);
}

static void
metrics_render_store(struct metrics_buf *b, const struct metrics_snapshot *snap)
{
	metrics_family(b, "protocold_protocols", "gauge", "Protocols by state.");
	for (int i = 0; i < PROTO_N_STATES; i++)
		metrics_sample(b, "protocold_protocols", "state", proto_state_name(i),
		    (double)snap->protocols[i]);
	metrics_family(b, "protocold_clocks_running", "gauge", "Running clocks by kind.");
	for (size_t i = 0; i < snap->n_clocks; i++)
		metrics_sample(b, "protocold_clocks_running", "kind", snap->clocks[i].name,
		    (double)snap->clocks[i].n);
	metrics_family(b, "protocold_marketplace_protocols", "gauge",
	    "Protocols by marketplace and state.");
	for (size_t i = 0; i < snap->n_markets; i++)
		metrics_printf(b, "protocold_marketplace_protocols{marketplace=\"%s\","
		    "state=\"%s\"} %" PRId64 "\n", snap->markets[i].name,
		    proto_state_name(snap->markets[i].state), snap->markets[i].n);
	metrics_family(b, "protocold_transitions_total", "counter",
	    "State transitions and warnings recorded, by cause.");
	for (int i = 0; i < PROTO_N_CAUSES; i++)
		metrics_sample(b, "protocold_transitions_total", "cause", proto_cause_name(i),
		    (double)snap->transitions[i]);
}

static void
metrics_render_http(struct metrics_buf *b, const struct metrics *m)
{
	const char *name = "protocold_http_requests_total";

	metrics_family(b, name, "counter", "HTTP requests answered, by status code.");
	for (size_t i = 0; i < m->n_codes; i++)
		metrics_printf(b, "%s{code=\"%d\"} %" PRIu64 "\n", name,
		    m->codes[i].code, m->codes[i].n);
	if (m->codes_other > 0)
		metrics_printf(b, "%s{code=\"other\"} %" PRIu64 "\n", name,
		    m->codes_other);
	metrics_render_hist(b, &metrics_http_spec, &m->http);
	metrics_family(b, "protocold_http_connections_dropped_total", "counter",
	    "Connections closed by the daemon, by reason (slow_reader: it stopped reading "
	    "while the answers queued for all clients were over their budget).");
	metrics_printf(b, "protocold_http_connections_dropped_total{reason=\"slow_reader\"} "
	    "%" PRIu64 "\n", m->dropped_slow);
}

/* Open connections against max_connections: near it, new clients are refused. */
static void
metrics_render_conns(struct metrics_buf *b, const struct metrics *m,
    const struct metrics_snapshot *snap)
{
	metrics_family(b, "protocold_http_connections_open", "gauge",
	    "Client connections open now.");
	metrics_sample(b, "protocold_http_connections_open", NULL, NULL,
	    (double)m->conns_open);
	metrics_family(b, "protocold_http_connections_max", "gauge",
	    "Client connections the daemon accepts at most (max_connections).");
	metrics_sample(b, "protocold_http_connections_max", NULL, NULL,
	    (double)snap->http_connections_max);
}

/* The WAL and its checkpoints (ckpt.h): a WAL that keeps growing, or inline
 * checkpoints, say the checkpointer thread cannot keep up with the writes. */
static void
metrics_render_wal(struct metrics_buf *b, const struct metrics_snapshot *snap)
{
	const char *ck = "protocold_checkpoints_total";
	const char *in = "protocold_checkpoints_inline_total";

	metrics_family(b, ck, "counter",
	    "WAL checkpoints run by the checkpointer thread, by result.");
	metrics_printf(b, "%s{result=\"ok\"} %" PRId64 "\n", ck, snap->checkpoints_ok);
	metrics_printf(b, "%s{result=\"failed\"} %" PRId64 "\n", ck,
	    snap->checkpoints_failed);
	metrics_family(b, in, "counter",
	    "WAL checkpoints the writer ran at its commit, the WAL past its bound.");
	metrics_sample(b, in, NULL, NULL, (double)snap->checkpoints_inline);
	metrics_family(b, "protocold_wal_pages", "gauge",
	    "Pages (4 KiB) in the write-ahead log after the last commit.");
	metrics_sample(b, "protocold_wal_pages", NULL, NULL, (double)snap->wal_pages);
	if (!snap->has_wal_bytes)
		return;
	metrics_family(b, "protocold_sqlite_wal_bytes", "gauge",
	    "Size of the SQLite write-ahead log file (-wal) in bytes.");
	metrics_sample(b, "protocold_sqlite_wal_bytes", NULL, NULL, (double)snap->wal_bytes);
}

/* The scheduler's backlog: grows while it cannot apply what is due (a database that
 * is down, a loop that is stuck), before the watchdog notices. */
static void
metrics_render_sched(struct metrics_buf *b, const struct metrics_snapshot *snap)
{
	const char *name = "protocold_scheduler_oldest_due_seconds";

	metrics_family(b, name, "gauge", "How long ago the oldest clock that is due and not "
	    "yet applied fell due (this instance's shards); 0 when none is due.");
	metrics_sample(b, name, NULL, NULL, snap->scheduler_oldest_due_seconds);
	metrics_family(b, "protocold_database_up", "gauge",
	    "Whether the database answered the read of its counts for this scrape (1) or "
	    "not (0).");
	metrics_sample(b, "protocold_database_up", NULL, NULL, snap->has_counts ? 1 : 0);
}

/* The process_* families of the Prometheus client libraries, same names and units. */
static void
metrics_render_os(struct metrics_buf *b, const struct procstat *p)
{
	static const struct { const char *name, *type, *help; } f[] = {
		{ "process_cpu_seconds_total", "counter",
		  "Total user and system CPU time spent in seconds." },
		{ "process_start_time_seconds", "gauge",
		  "Start time of the process since unix epoch in seconds." },
		{ "process_resident_memory_bytes", "gauge", "Resident memory size in bytes." },
		{ "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes." },
		{ "process_open_fds", "gauge", "Number of open file descriptors." },
		{ "process_max_fds", "gauge", "Maximum number of open file descriptors." },
	};
	const double v[] = { p->cpu_seconds, p->start_time_seconds,
	    (double)p->resident_bytes, (double)p->virtual_bytes, (double)p->open_fds,
	    (double)p->max_fds };

	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		if (v[i] < 0)
			continue;	/* no limit of open files */
		metrics_family(b, f[i].name, f[i].type, f[i].help);
		metrics_sample(b, f[i].name, NULL, NULL, v[i]);
	}
}

static void
metrics_render_db(struct metrics_buf *b, const struct metrics *m)
{
	const char *name = "protocold_commits_total";

	metrics_family(b, "protocold_database_errors_total", "counter",
	    "Database operations that failed.");
	metrics_printf(b, "protocold_database_errors_total %" PRIu64 "\n", m->db_errors);
	metrics_family(b, name, "counter", "Database commits, by result.");
	metrics_printf(b, "%s{result=\"ok\"} %" PRIu64 "\n", name, m->commits_ok);
	metrics_printf(b, "%s{result=\"failed\"} %" PRIu64 "\n", name, m->commits_failed);
	metrics_render_hist(b, &metrics_commit_spec, &m->commit);
}

static void
metrics_render_process(struct metrics_buf *b, const struct metrics_snapshot *snap)
{
	const char *ts = "protocold_config_last_reload_success_timestamp_seconds";

	metrics_family(b, "protocold_feed_waiters", "gauge",
	    "Requests waiting on the transition feed.");
	metrics_sample(b, "protocold_feed_waiters", NULL, NULL, (double)snap->feed_waiters);
	metrics_family(b, "protocold_uptime_seconds", "gauge", "Seconds since start.");
	metrics_sample(b, "protocold_uptime_seconds", NULL, NULL, snap->uptime_seconds);
	metrics_family(b, "protocold_config_last_reload_successful", "gauge",
	    "Whether the last configuration reload succeeded (1) or failed (0).");
	metrics_sample(b, "protocold_config_last_reload_successful", NULL, NULL,
	    snap->config_last_reload_successful ? 1 : 0);
	metrics_family(b, ts, "gauge",
	    "Unix time of the last successful configuration reload, 0 when none.");
	metrics_sample(b, ts, NULL, NULL, snap->config_last_reload_success_timestamp_seconds);
}

static void
metrics_render_build(struct metrics_buf *b, const struct metrics_snapshot *snap)
{
	metrics_family(b, "protocold_build_info", "gauge",
	    "Versions of protocold and its libraries; always 1.");
	metrics_printf(b, "protocold_build_info{version=\"");
	metrics_escaped(b, snap->version);
	metrics_printf(b, "\",sqlite=\"");
	metrics_escaped(b, snap->sqlite_version);
	metrics_printf(b, "\",libevent=\"");
	metrics_escaped(b, snap->libevent_version);
	metrics_printf(b, "\"} 1\n");
}

/* This instance's part of a cluster (doc/cluster.md): each instance serves its own
 * /metrics, so these are its own, and protocold_instance_info names it. */
static void
metrics_render_cluster(struct metrics_buf *b, const struct metrics_snapshot *snap)
{
	metrics_family(b, "protocold_instance_info", "gauge",
	    "This instance's name (instance = in the configuration); always 1.");
	metrics_printf(b, "protocold_instance_info{instance=\"");
	metrics_escaped(b, snap->instance);
	metrics_printf(b, "\"} 1\n");
	metrics_family(b, "protocold_cluster_instances", "gauge",
	    "Instances alive on the database, this one included.");
	metrics_sample(b, "protocold_cluster_instances", NULL, NULL,
	    (double)snap->cluster_instances);
	metrics_family(b, "protocold_cluster_shards", "gauge",
	    "Shards the clocks are split into.");
	metrics_sample(b, "protocold_cluster_shards", NULL, NULL,
	    (double)snap->cluster_shards);
	metrics_family(b, "protocold_cluster_shards_owned", "gauge",
	    "Shards whose clocks this instance applies.");
	metrics_sample(b, "protocold_cluster_shards_owned", NULL, NULL,
	    (double)snap->cluster_shards_owned);
	metrics_family(b, "protocold_cluster_takeovers_total", "counter",
	    "Instances this one took over (dead, or silent past the lease).");
	metrics_sample(b, "protocold_cluster_takeovers_total", NULL, NULL,
	    (double)snap->cluster_takeovers);
	metrics_family(b, "protocold_cluster_rejoins_total", "counter",
	    "Times this instance was declared dead by the others and joined again.");
	metrics_sample(b, "protocold_cluster_rejoins_total", NULL, NULL,
	    (double)snap->cluster_rejoins);
	metrics_family(b, "protocold_cluster_config_differs", "gauge",
	    "Whether a live instance has other deadlines, calendar, reasons, rulebooks or time zone.");
	metrics_sample(b, "protocold_cluster_config_differs", NULL, NULL,
	    snap->cluster_config_differs ? 1 : 0);
}

char *
metrics_render(const struct metrics *m, const struct metrics_snapshot *snap)
{
	struct metrics_buf b = { xmalloc(4096), 0, 4096 };

	b.p[0] = '\0';
	if (snap->has_counts)
		metrics_render_store(&b, snap);
	metrics_render_hist(&b, &metrics_fired_spec, &m->fired);
	metrics_render_sched(&b, snap);
	metrics_render_http(&b, m);
	metrics_render_conns(&b, m, snap);
	metrics_render_db(&b, m);
	metrics_render_wal(&b, snap);
	metrics_render_process(&b, snap);
	metrics_render_cluster(&b, snap);
	metrics_render_build(&b, snap);
	if (snap->has_process)
		metrics_render_os(&b, &snap->process);
	return b.p;
}
