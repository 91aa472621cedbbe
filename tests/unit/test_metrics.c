#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "proto.h"

/*
 * The metrics module and its Prometheus text exposition (format 0.0.4). Every render is
 * read back by the strict validator below, written from the format's description and
 * not from metrics.c: a line is `# HELP name text`, `# TYPE name type` or a sample
 * `name{labels} value`; each family is described once, before its samples, and its
 * samples are contiguous; histograms are cumulative and end in +Inf == _count.
 */

/* The counters under test: each test's own (setup, teardown). */
static struct metrics *m;

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_SAMPLES 1024
#define MAX_FAMILIES 64
#define MAX_LABELS 8
#define NAME_MAX_LEN 128
#define LABELS_MAX_LEN 512

struct label {
	char name[NAME_MAX_LEN];
	char value[LABELS_MAX_LEN];	/* unescaped */
};

struct sample {
	char name[NAME_MAX_LEN];
	char labels[LABELS_MAX_LEN];	/* the text between the braces, as written */
	struct label l[MAX_LABELS];
	size_t nl;
	double value;
	int family;
};

struct family {
	char name[NAME_MAX_LEN];
	char type[16];
	bool help;
	bool typed;
	bool sampled;
	bool closed;			/* another family came after its samples */
};

struct expo {
	struct sample s[MAX_SAMPLES];
	size_t ns;
	struct family f[MAX_FAMILIES];
	size_t nf;
	int current;
	char err[256];
};

/* The families every render must have, with their types. */
static const struct {
	const char *name;
	const char *type;
} all_families[] = {
	{ "protocold_protocols", "gauge" },
	{ "protocold_clocks_running", "gauge" },
	{ "protocold_marketplace_protocols", "gauge" },
	{ "protocold_transitions_total", "counter" },
	{ "protocold_firing_lateness_seconds", "histogram" },
	{ "protocold_scheduler_oldest_due_seconds", "gauge" },
	{ "protocold_database_up", "gauge" },
	{ "protocold_http_requests_total", "counter" },
	{ "protocold_http_request_duration_seconds", "histogram" },
	{ "protocold_http_connections_dropped_total", "counter" },
	{ "protocold_http_connections_open", "gauge" },
	{ "protocold_http_connections_max", "gauge" },
	{ "protocold_database_errors_total", "counter" },
	{ "protocold_commits_total", "counter" },
	{ "protocold_commit_duration_seconds", "histogram" },
	{ "protocold_checkpoints_total", "counter" },
	{ "protocold_checkpoints_inline_total", "counter" },
	{ "protocold_wal_pages", "gauge" },
	{ "protocold_sqlite_wal_bytes", "gauge" },
	{ "protocold_feed_waiters", "gauge" },
	{ "protocold_uptime_seconds", "gauge" },
	{ "protocold_config_last_reload_successful", "gauge" },
	{ "protocold_config_last_reload_success_timestamp_seconds", "gauge" },
	{ "protocold_instance_info", "gauge" },
	{ "protocold_cluster_instances", "gauge" },
	{ "protocold_cluster_shards", "gauge" },
	{ "protocold_cluster_shards_owned", "gauge" },
	{ "protocold_cluster_takeovers_total", "counter" },
	{ "protocold_cluster_rejoins_total", "counter" },
	{ "protocold_cluster_config_differs", "gauge" },
	{ "protocold_build_info", "gauge" },
	{ "process_cpu_seconds_total", "counter" },
	{ "process_start_time_seconds", "gauge" },
	{ "process_resident_memory_bytes", "gauge" },
	{ "process_virtual_memory_bytes", "gauge" },
	{ "process_open_fds", "gauge" },
	{ "process_max_fds", "gauge" },
};

/* The clock kinds the snapshot names (casas-bahia's, in the order /v1/stats lists
 * them) and the marketplaces it counts. */
static const char *const kinds[] = {
	"response", "photos_wait", "address_wait", "posting_wait", "pickup_wait",
	"letter_wait", "reply_window",
};
static const char *const markets[] = { "casas-bahia", "madeiramadeira" };

static const double http_les[] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};
static const double fired_les[] = {
	0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1, 5, 60, 3600, 86400,
};

/* ---- the validator ---- */

static bool
reject(struct expo *e, int line, const char *why)
{
	snprintf(e->err, sizeof e->err, "line %d: %s", line, why);
	return false;
}

/* A metric name [a-zA-Z_:][a-zA-Z0-9_:]* (labels: no colon) at *p; advances *p. */
static bool
scan_name(const char **p, char *out, bool colon)
{
	size_t n = 0;
	const char *s = *p;

	if (!(isalpha((unsigned char)*s) || *s == '_' || (colon && *s == ':')))
		return false;
	while (isalnum((unsigned char)*s) || *s == '_' || (colon && *s == ':')) {
		if (n + 1 >= NAME_MAX_LEN)
			return false;
		out[n++] = *s++;
	}
	out[n] = '\0';
	*p = s;
	return true;
}

/* A quoted label value at *p (after the '"'), unescaped into out; advances *p past it. */
static bool
scan_label_value(const char **p, char *out)
{
	size_t n = 0;
	const char *s = *p;

	for (; *s != '"'; s++) {
		if (*s == '\0' || *s == '\n' || n + 1 >= LABELS_MAX_LEN)
			return false;
		if (*s == '\\') {
			s++;
			if (*s != '\\' && *s != '"' && *s != 'n')
				return false;
			out[n++] = *s == 'n' ? '\n' : *s;
		} else {
			out[n++] = *s;
		}
	}
	out[n] = '\0';
	*p = s + 1;
	return true;
}

/* `{a="x",b="y"}` at *p into smp. */
static bool
scan_labels(const char **p, struct sample *smp)
{
	const char *s = *p + 1, *start = *p + 1;

	while (*s != '}') {
		struct label *l = &smp->l[smp->nl];

		if (smp->nl == MAX_LABELS || !scan_name(&s, l->name, false))
			return false;
		if (strncmp(l->name, "__", 2) == 0 || s[0] != '=' || s[1] != '"')
			return false;
		s += 2;
		if (!scan_label_value(&s, l->value))
			return false;
		for (size_t i = 0; i < smp->nl; i++)
			if (strcmp(smp->l[i].name, l->name) == 0)
				return false;
		smp->nl++;
		if (*s == ',' && s[1] != '}')
			s++;
		else if (*s != '}')
			return false;
	}
	if ((size_t)(s - start) >= LABELS_MAX_LEN)
		return false;
	memcpy(smp->labels, start, s - start);
	smp->labels[s - start] = '\0';
	*p = s + 1;
	return true;
}

static bool
scan_value(const char *s, double *v)
{
	char *end;

	if (strcmp(s, "+Inf") == 0 || strcmp(s, "-Inf") == 0 || strcmp(s, "NaN") == 0) {
		*v = strcmp(s, "NaN") == 0 ? NAN : s[0] == '+' ? INFINITY : -INFINITY;
		return true;
	}
	if (*s == '\0' || isspace((unsigned char)*s) || strpbrk(s, "iInN") != NULL)
		return false;
	*v = strtod(s, &end);
	return *end == '\0';
}

static int
family_find(struct expo *e, const char *name)
{
	for (size_t i = 0; i < e->nf; i++)
		if (strcmp(e->f[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
family_get(struct expo *e, const char *name)
{
	int i = family_find(e, name);

	if (i >= 0 || e->nf == MAX_FAMILIES)
		return i;
	snprintf(e->f[e->nf].name, NAME_MAX_LEN, "%s", name);
	return (int)e->nf++;
}

/* Make family i the current one: a family left after its samples is closed. */
static bool
family_enter(struct expo *e, int i, int line)
{
	if (e->current == i)
		return true;
	if (e->current >= 0 && e->f[e->current].sampled)
		e->f[e->current].closed = true;
	if (e->f[i].closed)
		return reject(e, line, "family's lines are not contiguous");
	e->current = i;
	return true;
}

static bool
check_comment(struct expo *e, const char *s, int line)
{
	static const char *const types[] = { "counter", "gauge", "histogram", "summary",
	    "untyped" };
	char name[NAME_MAX_LEN];
	bool help = strncmp(s, "# HELP ", 7) == 0;
	int fi;

	if (!help && strncmp(s, "# TYPE ", 7) != 0)
		return reject(e, line, "a comment that is neither HELP nor TYPE");
	s += 7;
	if (!scan_name(&s, name, true) || *s != ' ')
		return reject(e, line, "bad metric name in a comment");
	s++;
	if ((fi = family_get(e, name)) < 0 || !family_enter(e, fi, line))
		return e->err[0] ? false : reject(e, line, "too many families");
	if (e->f[fi].sampled)
		return reject(e, line, "HELP or TYPE after the family's samples");
	if (help ? e->f[fi].help : e->f[fi].typed)
		return reject(e, line, "HELP or TYPE given twice");
	if (help)
		return e->f[fi].help = true;
	for (size_t i = 0; i < NELEM(types); i++)
		if (strcmp(s, types[i]) == 0) {
			snprintf(e->f[fi].type, sizeof e->f[fi].type, "%s", s);
			return e->f[fi].typed = true;
		}
	return reject(e, line, "unknown TYPE");
}

/* The family a sample belongs to: its own name, or a histogram's base for a suffix. */
static int
sample_family(struct expo *e, const struct sample *smp)
{
	static const char *const sfx[] = { "_bucket", "_sum", "_count" };
	size_t n = strlen(smp->name);

	for (size_t i = 0; i < NELEM(sfx); i++) {
		size_t k = strlen(sfx[i]);
		char base[NAME_MAX_LEN];
		int fi;

		if (n <= k || strcmp(smp->name + n - k, sfx[i]) != 0)
			continue;
		snprintf(base, sizeof base, "%.*s", (int)(n - k), smp->name);
		fi = family_find(e, base);
		if (fi >= 0 && strcmp(e->f[fi].type, "histogram") == 0)
			return fi;
	}
	return family_find(e, smp->name);
}

static bool
check_sample(struct expo *e, const char *s, int line)
{
	struct sample *smp;
	int fi;

	if (e->ns == MAX_SAMPLES)
		return reject(e, line, "too many samples");
	smp = &e->s[e->ns];
	memset(smp, 0, sizeof *smp);
	if (!scan_name(&s, smp->name, true))
		return reject(e, line, "bad metric name");
	if (*s == '{' && !scan_labels(&s, smp))
		return reject(e, line, "bad labels");
	if (*s != ' ' || !scan_value(s + 1, &smp->value))
		return reject(e, line, "bad value");
	fi = sample_family(e, smp);
	if (fi < 0 || !e->f[fi].help || !e->f[fi].typed)
		return reject(e, line, "sample before its family's HELP and TYPE");
	if (strcmp(e->f[fi].type, "histogram") == 0 && strcmp(smp->name, e->f[fi].name) == 0)
		return reject(e, line, "histogram sample without a suffix");
	if (!family_enter(e, fi, line))
		return false;
	e->f[fi].sampled = true;
	smp->family = fi;
	e->ns++;
	return true;
}

/* Parse text into e; false with e->err on the first thing that is not 0.0.4. */
static bool
validate(const char *text, struct expo *e)
{
	char line[2048];
	int no = 0;

	memset(e, 0, sizeof *e);
	e->current = -1;
	if (text[0] == '\0' || text[strlen(text) - 1] != '\n')
		return reject(e, 0, "empty, or no newline at the end");
	for (const char *p = text, *nl; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		no++;
		if (nl == p || (size_t)(nl - p) >= sizeof line)
			return reject(e, no, "empty or over-long line");
		snprintf(line, sizeof line, "%.*s", (int)(nl - p), p);
		if (!(line[0] == '#' ? check_comment(e, line, no) : check_sample(e, line, no)))
			return false;
	}
	for (size_t i = 0; i < e->nf; i++)
		if (!e->f[i].help || !e->f[i].typed)
			return reject(e, no, "a family without HELP or TYPE");
	return true;
}

static const char *
label_of(const struct sample *smp, const char *name)
{
	for (size_t i = 0; i < smp->nl; i++)
		if (strcmp(smp->l[i].name, name) == 0)
			return smp->l[i].value;
	return NULL;
}

/* Histogram base in e: le increasing, ending in +Inf; counts cumulative; +Inf ==
 * _count; _sum present. Its finite bounds are copied to les (up to *n). */
static bool
check_histogram(struct expo *e, const char *base, double *les, size_t *n)
{
	char bucket[NAME_MAX_LEN], sum[NAME_MAX_LEN], count[NAME_MAX_LEN];
	double last_le = -INFINITY, last_n = 0, count_v = -1;
	bool has_sum = false;
	size_t k = 0;

	snprintf(bucket, sizeof bucket, "%s_bucket", base);
	snprintf(sum, sizeof sum, "%s_sum", base);
	snprintf(count, sizeof count, "%s_count", base);
	for (size_t i = 0; i < e->ns; i++) {
		const struct sample *smp = &e->s[i];
		const char *le = label_of(smp, "le");
		double v;

		if (strcmp(smp->name, sum) == 0)
			has_sum = true;
		if (strcmp(smp->name, count) == 0)
			count_v = smp->value;
		if (strcmp(smp->name, bucket) != 0)
			continue;
		if (le == NULL || !scan_value(le, &v) || isnan(v) || v <= last_le)
			return reject(e, 0, "le missing or not increasing");
		if (smp->value < last_n)
			return reject(e, 0, "bucket counts are not cumulative");
		if (!isinf(v) && k < *n)
			les[k++] = v;
		last_le = v;
		last_n = smp->value;
	}
	if (!isinf(last_le) || !has_sum || count_v < 0 || last_n != count_v)
		return reject(e, 0, "no +Inf bucket, no _sum, or +Inf != _count");
	*n = k;
	return true;
}

/* ---- helpers ---- */

static struct expo *
expo_new(void)
{
	struct expo *e = calloc(1, sizeof *e);

	assert_non_null(e);
	return e;
}

static void
fill_snap(struct metrics_snapshot *snap)
{
	memset(snap, 0, sizeof *snap);
	snap->has_counts = true;
	for (int i = 0; i < PROTO_N_STATES; i++)
		snap->protocols[i] = 10 + i;
	for (size_t i = 0; i < NELEM(kinds); i++)
		snap->clocks[snap->n_clocks++] = (struct metrics_count){ kinds[i], 0,
		    21 + (int64_t)i };
	for (size_t k = 0; k < NELEM(markets); k++)
		for (int i = 0; i < PROTO_N_STATES; i++)
			snap->markets[snap->n_markets++] = (struct metrics_count){ markets[k],
			    i, 100 * (int64_t)(k + 1) + i };
	for (int i = 0; i < PROTO_N_CAUSES; i++)
		snap->transitions[i] = 1000 + i;
	snap->feed_waiters = 3;
	snap->checkpoints_ok = 7;
	snap->checkpoints_failed = 2;
	snap->checkpoints_inline = 1;
	snap->wal_pages = 4321;
	snap->uptime_seconds = 42;
	snap->config_last_reload_successful = true;
	snap->config_last_reload_success_timestamp_seconds = 1700000000.25;
	snap->version = "1.2.3";
	snap->sqlite_version = "3.40.1";
	snap->libevent_version = "2.1.12-stable";
	strcpy(snap->instance, "api-1");
	snap->cluster_instances = 3;
	snap->cluster_shards = 64;
	snap->cluster_shards_owned = 21;
	snap->cluster_takeovers = 2;
	snap->cluster_rejoins = 1;
	snap->cluster_config_differs = true;
	snap->has_wal_bytes = true;
	snap->wal_bytes = 4321 * 4096 + 32;
	snap->scheduler_oldest_due_seconds = 12.5;
	snap->http_connections_max = 1024;
	snap->has_process = true;
	snap->process = (struct procstat){ .start_time_seconds = 1700000000.5,
	    .cpu_seconds = 3.25, .resident_bytes = 12 << 20, .virtual_bytes = 300 << 20,
	    .open_fds = 17, .max_fds = 1088 };
}

/* Render the snapshot and validate it into e; returns the text (caller frees). */
static char *
render_valid(const struct metrics_snapshot *snap, struct expo *e)
{
	char *text = metrics_render(m, snap);

	assert_non_null(text);
	if (!validate(text, e))
		fail_msg("invalid exposition: %s\n%s", e->err, text);
	return text;
}

static const struct sample *
find(const struct expo *e, const char *name, const char *labels)
{
	for (size_t i = 0; i < e->ns; i++)
		if (strcmp(e->s[i].name, name) == 0 && strcmp(e->s[i].labels, labels) == 0)
			return &e->s[i];
	return NULL;
}

static double
value(const struct expo *e, const char *name, const char *labels)
{
	const struct sample *smp = find(e, name, labels);

	if (smp == NULL)
		fail_msg("no sample %s{%s}", name, labels);
	return smp->value;
}

static double
bucket(const struct expo *e, const char *base, const char *le)
{
	char name[NAME_MAX_LEN], labels[64];

	snprintf(name, sizeof name, "%s_bucket", base);
	snprintf(labels, sizeof labels, "le=\"%s\"", le);
	return value(e, name, labels);
}

static int
setup(void **state)
{
	m = metrics_new();
	return 0;
}

static int
teardown(void **state)
{
	metrics_free(m);
	m = NULL;
	return 0;
}

/* ---- the validator itself ---- */

static void
validator__malformed_texts__are_rejected(void **state)
{
	static const char *const bad[] = {
		"foo 1\n",
		"# HELP foo x\n# TYPE foo gauge\nfoo 1",
		"# HELP foo x\n# TYPE foo gauge\n\nfoo 1\n",
		"# HELP foo x\n# HELP foo y\n# TYPE foo gauge\nfoo 1\n",
		"# HELP foo x\n# TYPE foo gauge\n# TYPE foo gauge\nfoo 1\n",
		"# HELP foo x\nfoo 1\n",
		"# HELP foo x\n# TYPE foo bogus\nfoo 1\n",
		"# HELP 1foo x\n# TYPE 1foo gauge\n1foo 1\n",
		"# HELP foo x\n# TYPE foo gauge\nfoo abc\n",
		"# HELP foo x\n# TYPE foo gauge\nfoo 1 2 3\n",
		"# HELP foo x\n# TYPE foo gauge\nfoo{a=\"b\"\"} 1\n",
		"# HELP foo x\n# TYPE foo gauge\nfoo{a=\"\\q\"} 1\n",
		"# HELP foo x\n# TYPE foo gauge\nfoo{a=b} 1\n",
		"# HELP foo x\n# TYPE foo gauge\nfoo{a=\"1\",a=\"2\"} 1\n",
		"# HELP foo x\n# TYPE foo gauge\nfoo{a=\"1\"\n",
		"# HELP foo x\n# TYPE foo gauge\nfoo 1\n# HELP foo y\n",
		"# HELP foo x\n# TYPE foo gauge\nfoo 1\n# HELP bar x\n# TYPE bar gauge\n"
		    "bar 1\nfoo 2\n",
		"# HELP h x\n# TYPE h histogram\nh 1\n",
		"# just a comment\n",
	};
	struct expo *e = expo_new();

	assert_true(validate("# HELP foo x\n# TYPE foo gauge\nfoo{a=\"\\\"\\\\\\n\"} +Inf\n",
	    e));
	for (size_t i = 0; i < NELEM(bad); i++)
		if (validate(bad[i], e))
			fail_msg("accepted: %s", bad[i]);
	free(e);
}

static void
validator__broken_histograms__are_rejected(void **state)
{
	static const char *const head = "# HELP h x\n# TYPE h histogram\n";
	static const char *const bad[] = {
		"h_bucket{le=\"1\"} 2\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
		    "h_sum 1\nh_count 2\n",
		"h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n",
		"h_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\n"
		    "h_sum 1\nh_count 1\n",
		"h_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",
		"h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n",
	};
	struct expo *e = expo_new();
	char text[512];
	double les[4];
	size_t n;

	for (size_t i = 0; i < NELEM(bad); i++) {
		snprintf(text, sizeof text, "%s%s", head, bad[i]);
		assert_true(validate(text, e));
		n = NELEM(les);
		if (check_histogram(e, "h", les, &n))
			fail_msg("accepted: %s", bad[i]);
	}
	free(e);
}

/* ---- the module ---- */

static void
metrics_render__fresh__every_family_described_once_before_its_samples(void **state)
{
	struct metrics_snapshot snap;
	struct expo *e = expo_new();
	char *text;

	fill_snap(&snap);
	text = render_valid(&snap, e);
	assert_int_equal(e->nf, NELEM(all_families));
	for (size_t i = 0; i < NELEM(all_families); i++) {
		int fi = family_find(e, all_families[i].name);

		if (fi < 0)
			fail_msg("no family %s", all_families[i].name);
		assert_string_equal(e->f[fi].type, all_families[i].type);
		/* Only the codes seen are printed: none yet. */
		assert_int_equal(e->f[fi].sampled,
		    strcmp(all_families[i].name, "protocold_http_requests_total") != 0);
	}
	free(text);
	free(e);
}

static void
metrics_render__histograms__have_the_documented_buckets(void **state)
{
	static const struct {
		const char *base;
		const double *les;
		size_t n;
	} h[] = {
		{ "protocold_http_request_duration_seconds", http_les, NELEM(http_les) },
		{ "protocold_commit_duration_seconds", http_les, NELEM(http_les) },
		{ "protocold_firing_lateness_seconds", fired_les, NELEM(fired_les) },
	};
	struct metrics_snapshot snap;
	struct expo *e = expo_new();
	double les[32];
	char *text;

	fill_snap(&snap);
	text = render_valid(&snap, e);
	for (size_t i = 0; i < NELEM(h); i++) {
		size_t n = NELEM(les);

		if (!check_histogram(e, h[i].base, les, &n))
			fail_msg("%s: %s", h[i].base, e->err);
		assert_int_equal(n, h[i].n);
		for (size_t k = 0; k < n; k++)
			assert_true(les[k] == h[i].les[k]);
	}
	assert_non_null(strstr(text, "le=\"0.0005\""));
	assert_non_null(strstr(text, "le=\"86400\""));
	free(text);
	free(e);
}

static void
metrics_http__latencies__fall_in_cumulative_buckets(void **state)
{
	const char *h = "protocold_http_request_duration_seconds";
	struct metrics_snapshot snap;
	struct expo *e = expo_new();
	double les[32];
	size_t n = NELEM(les);
	char *text;

	metrics_http(m, 200, 500);		/* on the bound: in le=0.0005 */
	metrics_http(m, 200, 501);
	metrics_http(m, 200, 1000);
	metrics_http(m, 404, 300000);
	metrics_http(m, 500, 20000000);	/* past every bound */
	metrics_http(m, 200, -7);		/* a clock step: counts as 0 */
	fill_snap(&snap);
	text = render_valid(&snap, e);
	assert_true(check_histogram(e, h, les, &n));
	assert_int_equal((int)bucket(e, h, "0.0005"), 2);
	assert_int_equal((int)bucket(e, h, "0.001"), 4);
	assert_int_equal((int)bucket(e, h, "0.25"), 4);
	assert_int_equal((int)bucket(e, h, "0.5"), 5);
	assert_int_equal((int)bucket(e, h, "10"), 5);
	assert_int_equal((int)bucket(e, h, "+Inf"), 6);
	assert_int_equal((int)value(e, "protocold_http_request_duration_seconds_count", ""), 6);
	assert_true(value(e, "protocold_http_request_duration_seconds_sum", "")
	    == 20302001 / 1e6);
	free(text);
	free(e);
}

static void
metrics_http__codes__prints_only_codes_seen_in_order(void **state)
{
	struct metrics_snapshot snap;
	struct expo *e = expo_new();
	int codes[8], n = 0;
	char *text;

	metrics_http(m, 404, 10);
	metrics_http(m, 200, 10);
	metrics_http(m, 200, 10);
	metrics_http(m, 503, 10);
	metrics_http(m, 200, 10);
	fill_snap(&snap);
	text = render_valid(&snap, e);
	for (size_t i = 0; i < e->ns; i++)
		if (strcmp(e->s[i].name, "protocold_http_requests_total") == 0 && n < 8)
			codes[n++] = atoi(label_of(&e->s[i], "code"));
	assert_int_equal(n, 3);
	assert_int_equal(codes[0], 200);
	assert_int_equal(codes[1], 404);
	assert_int_equal(codes[2], 503);
	assert_int_equal((int)value(e, "protocold_http_requests_total", "code=\"200\""), 3);
	assert_int_equal((int)value(e, "protocold_http_requests_total", "code=\"404\""), 1);
	assert_null(strstr(text, "code=\"201\""));
	free(text);
	free(e);
}

static void
metrics_http__more_codes_than_the_table__are_counted_as_other(void **state)
{
	struct metrics_snapshot snap;
	struct expo *e = expo_new();
	double total = 0;
	size_t lines = 0;
	char *text;

	for (int code = 100; code <= 599; code++)
		metrics_http(m, code, 10);
	metrics_http(m, 42, 10);
	metrics_http(m, 600, 10);
	fill_snap(&snap);
	text = render_valid(&snap, e);
	for (size_t i = 0; i < e->ns; i++)
		if (strcmp(e->s[i].name, "protocold_http_requests_total") == 0) {
			total += e->s[i].value;
			lines++;
		}
	assert_true(total == 502);
	assert_in_range(lines, 2, 40);
	assert_true(value(e, "protocold_http_requests_total", "code=\"other\"") >= 2);
	assert_true(value(e, "protocold_http_requests_total", "code=\"100\"") == 1);
	free(text);
	free(e);
}

static void
metrics_fired__negative_lateness__counts_as_zero(void **state)
{
	const char *h = "protocold_firing_lateness_seconds";
	struct metrics_snapshot snap;
	struct expo *e = expo_new();
	char *text;

	metrics_fired(m, -5000);
	metrics_fired(m, 0);
	fill_snap(&snap);
	text = render_valid(&snap, e);
	assert_int_equal((int)bucket(e, h, "0.001"), 2);
	assert_true(value(e, "protocold_firing_lateness_seconds_sum", "") == 0);
	assert_int_equal((int)value(e, "protocold_firing_lateness_seconds_count", ""), 2);
	free(text);
	free(e);
}

static void
metrics_fired__a_day_late__lands_in_the_last_buckets(void **state)
{
	const char *h = "protocold_firing_lateness_seconds";
	struct metrics_snapshot snap;
	struct expo *e = expo_new();
	double les[32];
	size_t n = NELEM(les);
	char *text;

	metrics_fired(m, 3);
	metrics_fired(m, 86400000);
	metrics_fired(m, 86400001);
	fill_snap(&snap);
	text = render_valid(&snap, e);
	assert_true(check_histogram(e, h, les, &n));
	assert_int_equal((int)bucket(e, h, "0.002"), 0);
	assert_int_equal((int)bucket(e, h, "0.005"), 1);
	assert_int_equal((int)bucket(e, h, "3600"), 1);
	assert_int_equal((int)bucket(e, h, "86400"), 2);
	assert_int_equal((int)bucket(e, h, "+Inf"), 3);
	assert_true(value(e, "protocold_firing_lateness_seconds_sum", "") == 172800.004);
	free(text);
	free(e);
}

static void
metrics_commit__ok_and_failed__are_counted_apart(void **state)
{
	const char *h = "protocold_commit_duration_seconds";
	struct metrics_snapshot snap;
	struct expo *e = expo_new();
	double les[32];
	size_t n = NELEM(les);
	char *text;

	metrics_commit(m, true, 800);
	metrics_commit(m, true, 700);
	metrics_commit(m, false, 3000000);
	fill_snap(&snap);
	text = render_valid(&snap, e);
	assert_true(check_histogram(e, h, les, &n));
	assert_int_equal((int)value(e, "protocold_commits_total", "result=\"ok\""), 2);
	assert_int_equal((int)value(e, "protocold_commits_total", "result=\"failed\""), 1);
	assert_int_equal((int)bucket(e, h, "0.001"), 2);
	assert_int_equal((int)bucket(e, h, "2.5"), 2);
	assert_int_equal((int)bucket(e, h, "5"), 3);
	assert_non_null(strstr(text, "protocold_commit_duration_seconds_sum 3.0015\n"));
	free(text);
	free(e);
}

static void
metrics_db_error__each_call__adds_one(void **state)
{
	struct metrics_snapshot snap;
	struct expo *e = expo_new();
	char *text;

	fill_snap(&snap);
	text = render_valid(&snap, e);
	assert_true(value(e, "protocold_database_errors_total", "") == 0);
	free(text);
	metrics_db_error(m);
	metrics_db_error(m);
	text = render_valid(&snap, e);
	assert_true(value(e, "protocold_database_errors_total", "") == 2);
	free(text);
	free(e);
}

static void
metrics_render__more_observations__counters_only_grow(void **state)
{
	struct metrics_snapshot snap;
	struct expo *a = expo_new(), *b = expo_new();
	char *t1, *t2;
	size_t grew = 0;

	fill_snap(&snap);
	metrics_http(m, 200, 1200);
	metrics_fired(m, 30);
	metrics_commit(m, true, 900);
	t1 = render_valid(&snap, a);
	metrics_http(m, 200, 2000000);
	metrics_http(m, 409, 40);
	metrics_fired(m, -1);
	metrics_fired(m, 7000);
	metrics_commit(m, false, 100);
	metrics_db_error(m);
	snap.transitions[PROTO_CAUSE_EXPIRY] += 2;
	t2 = render_valid(&snap, b);
	for (size_t i = 0; i < a->ns; i++) {
		const struct sample *x = &a->s[i], *y;
		const char *type = a->f[x->family].type;

		if (strcmp(type, "counter") != 0 && strcmp(type, "histogram") != 0)
			continue;
		y = find(b, x->name, x->labels);
		if (y == NULL)
			fail_msg("%s{%s} vanished", x->name, x->labels);
		if (y->value < x->value)
			fail_msg("%s{%s} went down", x->name, x->labels);
		grew += y->value > x->value;
	}
	assert_true(find(b, "protocold_http_requests_total", "code=\"409\"") != NULL);
	assert_true(value(b, "protocold_transitions_total", "cause=\"expiry\"")
	    == value(a, "protocold_transitions_total", "cause=\"expiry\"") + 2);
	assert_true(grew >= 10);
	free(t1);
	free(t2);
	free(a);
	free(b);
}

static void
metrics_render__snapshot__values_appear_by_their_labels(void **state)
{
	struct metrics_snapshot snap;
	struct expo *e = expo_new();
	char labels[64];
	char *text;

	fill_snap(&snap);
	text = render_valid(&snap, e);
	for (int i = 0; i < PROTO_N_STATES; i++) {
		snprintf(labels, sizeof labels, "state=\"%s\"", proto_state_name(i));
		assert_true(value(e, "protocold_protocols", labels) == 10 + i);
	}
	for (size_t i = 0; i < NELEM(kinds); i++) {
		snprintf(labels, sizeof labels, "kind=\"%s\"", kinds[i]);
		assert_true(value(e, "protocold_clocks_running", labels) == 21 + (double)i);
	}
	/* Only the kinds the snapshot names: no "none". */
	assert_null(find(e, "protocold_clocks_running", "kind=\"none\""));
	for (size_t k = 0; k < NELEM(markets); k++)
		for (int i = 0; i < PROTO_N_STATES; i++) {
			snprintf(labels, sizeof labels, "marketplace=\"%s\",state=\"%s\"",
			    markets[k], proto_state_name(i));
			assert_true(value(e, "protocold_marketplace_protocols", labels) ==
			    100 * (double)(k + 1) + i);
		}
	for (int i = 0; i < PROTO_N_CAUSES; i++) {
		snprintf(labels, sizeof labels, "cause=\"%s\"", proto_cause_name(i));
		assert_true(value(e, "protocold_transitions_total", labels) == 1000 + i);
	}
	assert_non_null(find(e, "protocold_protocols", "state=\"mediation\""));
	assert_true(value(e, "protocold_feed_waiters", "") == 3);
	assert_true(value(e, "protocold_checkpoints_total", "result=\"ok\"") == 7);
	assert_true(value(e, "protocold_checkpoints_total", "result=\"failed\"") == 2);
	assert_true(value(e, "protocold_checkpoints_inline_total", "") == 1);
	assert_true(value(e, "protocold_wal_pages", "") == 4321);
	assert_true(value(e, "protocold_instance_info", "instance=\"api-1\"") == 1);
	assert_true(value(e, "protocold_cluster_instances", "") == 3);
	assert_true(value(e, "protocold_cluster_shards", "") == 64);
	assert_true(value(e, "protocold_cluster_shards_owned", "") == 21);
	assert_true(value(e, "protocold_cluster_takeovers_total", "") == 2);
	assert_true(value(e, "protocold_cluster_rejoins_total", "") == 1);
	assert_true(value(e, "protocold_cluster_config_differs", "") == 1);
	assert_true(value(e, "protocold_config_last_reload_successful", "") == 1);
	assert_true(value(e, "protocold_build_info",
	    "version=\"1.2.3\",sqlite=\"3.40.1\",libevent=\"2.1.12-stable\"") == 1);
	free(text);
	free(e);
}

static void
metrics_render__numbers__integers_print_as_integers(void **state)
{
	struct metrics_snapshot snap;
	struct expo *e = expo_new();
	char *text;

	fill_snap(&snap);
	snap.protocols[PROTO_PENDING] = 1234567890123LL;
	metrics_http(m, 200, 1500);
	text = render_valid(&snap, e);
	assert_non_null(strstr(text, "\nprotocold_uptime_seconds 42\n"));
	assert_non_null(strstr(text, "protocold_protocols{state=\"pending\"} 1234567890123\n"));
	assert_non_null(strstr(text,
	    "\nprotocold_config_last_reload_success_timestamp_seconds 1700000000.25\n"));
	assert_non_null(strstr(text, "\nprotocold_http_request_duration_seconds_sum 0.0015\n"));
	assert_non_null(strstr(text, "_bucket{le=\"1\"} 1\n"));
	assert_null(strstr(text, "e+"));
	free(text);
	snap.uptime_seconds = 0.1;
	text = render_valid(&snap, e);
	assert_true(value(e, "protocold_uptime_seconds", "") == 0.1);
	free(text);
	free(e);
}

static void
metrics_render__never_reloaded__flag_and_timestamp_are_zero(void **state)
{
	struct metrics_snapshot snap;
	struct expo *e = expo_new();
	char *text;

	fill_snap(&snap);
	snap.config_last_reload_successful = false;
	snap.config_last_reload_success_timestamp_seconds = 0;
	text = render_valid(&snap, e);
	assert_non_null(strstr(text, "\nprotocold_config_last_reload_successful 0\n"));
	assert_non_null(strstr(text,
	    "\nprotocold_config_last_reload_success_timestamp_seconds 0\n"));
	free(text);
	free(e);
}

static void
metrics_render__build_info__escapes_quote_backslash_newline(void **state)
{
	const char *v = "1.0 \"rc\" C:\\tmp\nend";
	struct metrics_snapshot snap;
	struct expo *e = expo_new();
	const struct sample *smp = NULL;
	char *text;

	fill_snap(&snap);
	snap.version = v;
	snap.libevent_version = "a\\\"b";
	text = render_valid(&snap, e);
	assert_non_null(strstr(text,
	    "protocold_build_info{version=\"1.0 \\\"rc\\\" C:\\\\tmp\\nend\","));
	assert_non_null(strstr(text, "libevent=\"a\\\\\\\"b\"} 1\n"));
	for (size_t i = 0; i < e->ns; i++)
		if (strcmp(e->s[i].name, "protocold_build_info") == 0)
			smp = &e->s[i];
	assert_non_null(smp);
	assert_string_equal(label_of(smp, "version"), v);
	assert_string_equal(label_of(smp, "sqlite"), "3.40.1");
	assert_string_equal(label_of(smp, "libevent"), "a\\\"b");
	assert_true(smp->value == 1);
	free(text);
	free(e);
}

static void
metrics_render__null_versions__render_as_empty_labels(void **state)
{
	struct metrics_snapshot snap;
	struct expo *e = expo_new();
	char *text;

	memset(&snap, 0, sizeof snap);
	text = render_valid(&snap, e);
	assert_true(value(e, "protocold_build_info", "version=\"\",sqlite=\"\",libevent=\"\"")
	    == 1);
	free(text);
	free(e);
}

static void
metrics_new__after_others_observed__renders_zeros(void **state)
{
	struct metrics_snapshot snap;
	struct expo *e = expo_new();
	char *text;

	/* The counters live in their struct: a new one sees nothing of the old one's. */
	metrics_http(m, 200, 10);
	metrics_fired(m, 10);
	metrics_commit(m, false, 10);
	metrics_db_error(m);
	metrics_free(m);
	m = metrics_new();
	fill_snap(&snap);
	text = render_valid(&snap, e);
	assert_null(find(e, "protocold_http_requests_total", "code=\"200\""));
	assert_true(value(e, "protocold_http_request_duration_seconds_count", "") == 0);
	assert_true(value(e, "protocold_firing_lateness_seconds_count", "") == 0);
	assert_true(value(e, "protocold_commit_duration_seconds_count", "") == 0);
	assert_true(value(e, "protocold_commits_total", "result=\"failed\"") == 0);
	assert_true(value(e, "protocold_database_errors_total", "") == 0);
	free(text);
	free(e);
}

static void
metrics_render__new_gauges__show_the_snapshot_and_the_connections(void **state)
{
	struct metrics_snapshot snap;
	struct expo *e = expo_new();
	char *text;

	fill_snap(&snap);
	metrics_http_connection(m, 1);
	metrics_http_connection(m, 1);
	metrics_http_connection(m, 1);
	metrics_http_connection(m, -1);
	text = render_valid(&snap, e);
	assert_true(value(e, "protocold_scheduler_oldest_due_seconds", "") == 12.5);
	assert_true(value(e, "protocold_database_up", "") == 1);
	assert_true(value(e, "protocold_http_connections_open", "") == 2);
	assert_true(value(e, "protocold_http_connections_max", "") == 1024);
	assert_true(value(e, "protocold_sqlite_wal_bytes", "") == 4321 * 4096 + 32);
	assert_true(value(e, "process_start_time_seconds", "") == 1700000000.5);
	assert_true(value(e, "process_cpu_seconds_total", "") == 3.25);
	assert_true(value(e, "process_resident_memory_bytes", "") == 12 << 20);
	assert_true(value(e, "process_virtual_memory_bytes", "") == 300 << 20);
	assert_true(value(e, "process_open_fds", "") == 17);
	assert_true(value(e, "process_max_fds", "") == 1088);
	free(text);
	free(e);
}

static void
metrics_http_connection__more_closed_than_opened__stays_at_zero(void **state)
{
	struct metrics_snapshot snap;
	struct expo *e = expo_new();
	char *text;

	fill_snap(&snap);
	metrics_http_connection(m, -1);
	text = render_valid(&snap, e);
	assert_true(value(e, "protocold_http_connections_open", "") == 0);
	free(text);
	free(e);
}

/* The database cannot be reached: its counts are left out, the rest stays valid. */
static void
metrics_render__database_down__counts_absent_and_database_up_zero(void **state)
{
	struct metrics_snapshot snap;
	struct expo *e = expo_new();
	char *text;

	fill_snap(&snap);
	snap.has_counts = false;
	text = render_valid(&snap, e);
	assert_true(value(e, "protocold_database_up", "") == 0);
	assert_int_equal(family_find(e, "protocold_protocols"), -1);
	assert_int_equal(family_find(e, "protocold_transitions_total"), -1);
	assert_true(family_find(e, "protocold_scheduler_oldest_due_seconds") >= 0);
	assert_true(family_find(e, "process_open_fds") >= 0);
	free(text);
	free(e);
}

/* PostgreSQL: no -wal file; no process figures (/proc unreadable), no limit of files. */
static void
metrics_render__no_wal_no_proc__those_families_absent(void **state)
{
	struct metrics_snapshot snap;
	struct expo *e = expo_new();
	char *text;

	fill_snap(&snap);
	snap.has_wal_bytes = false;
	snap.process.max_fds = -1;
	text = render_valid(&snap, e);
	assert_int_equal(family_find(e, "protocold_sqlite_wal_bytes"), -1);
	assert_int_equal(family_find(e, "process_max_fds"), -1);
	assert_true(family_find(e, "process_open_fds") >= 0);
	free(text);
	snap.has_process = false;
	text = render_valid(&snap, e);
	assert_int_equal(family_find(e, "process_open_fds"), -1);
	free(text);
	free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(validator__malformed_texts__are_rejected),
		cmocka_unit_test(validator__broken_histograms__are_rejected),
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(metrics_render__fresh__every_family_described_once_before_its_samples),
		T(metrics_render__new_gauges__show_the_snapshot_and_the_connections),
		T(metrics_http_connection__more_closed_than_opened__stays_at_zero),
		T(metrics_render__database_down__counts_absent_and_database_up_zero),
		T(metrics_render__no_wal_no_proc__those_families_absent),
		T(metrics_render__histograms__have_the_documented_buckets),
		T(metrics_http__latencies__fall_in_cumulative_buckets),
		T(metrics_http__codes__prints_only_codes_seen_in_order),
		T(metrics_http__more_codes_than_the_table__are_counted_as_other),
		T(metrics_fired__negative_lateness__counts_as_zero),
		T(metrics_fired__a_day_late__lands_in_the_last_buckets),
		T(metrics_commit__ok_and_failed__are_counted_apart),
		T(metrics_db_error__each_call__adds_one),
		T(metrics_render__more_observations__counters_only_grow),
		T(metrics_render__snapshot__values_appear_by_their_labels),
		T(metrics_render__numbers__integers_print_as_integers),
		T(metrics_render__never_reloaded__flag_and_timestamp_are_zero),
		T(metrics_render__build_info__escapes_quote_backslash_newline),
		T(metrics_render__null_versions__render_as_empty_labels),
		T(metrics_new__after_others_observed__renders_zeros),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
