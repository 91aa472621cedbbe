/*
 * import. Lines are sent as they are, blank ones included, so the n-th line of a
 * request is line first + n - 1 of the file: the line numbers of the daemon's errors
 * are turned into the file's by that sum. The file is read as it is sent, a batch at a
 * time, so its size does not matter; a regular file is counted first when a progress
 * line is shown, for its percentage.
 */

#include "ctlimport.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctlarg.h"
#include "ctlout.h"
#include "ctlreq.h"
#include "log.h"
#include "xmalloc.h"

#define CTLIMPORT_EXTRA_S 120	/* a batch is committed before the answer */

struct ctlimport {
	const struct ctl_opts *o;
	FILE *in;
	const char *name;
	long long total;	/* lines in the file; -1: not known */
	char *batch;		/* the lines of the next request */
	size_t blen, bcap;
	long long first;	/* the file's line number of the batch's first line */
	long long nlines;	/* lines in the batch */
	json_t *sum;		/* the answers summed, errors with the file's lines */
	int64_t start_ms;
};

static const char *const ctlimport_counts[] = {
	"lines", "created", "identical", "conflicting", "invalid", NULL
};

static int64_t
ctlimport_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long
ctlimport_get(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* The lines of a regular file from where it is read now, or -1. */
static long long
ctlimport_count(FILE *in)
{
	char buf[65536], last = '\n';
	long long lines = 0;
	const char *p;
	struct stat st;
	off_t pos;
	size_t n;

	if (fstat(fileno(in), &st) == -1 || !S_ISREG(st.st_mode) ||
	    (pos = ftello(in)) == -1)
		return -1;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
		for (p = buf; (p = memchr(p, '\n', (size_t)(buf + n - p))) != NULL; p++)
			lines++;
		last = buf[n - 1];
	}
	if (fseeko(in, pos, SEEK_SET) == -1)
		return -1;
	clearerr(in);
	return lines + (last != '\n');
}

static void
ctlimport_progress(const struct ctlimport *im)
{
	int64_t ms = ctlimport_now_ms() - im->start_ms;
	long long done = im->first - 1;
	long long rate = ms > 0 ? done * 1000 / ms : done;

	if (im->total > 0)
		ctlout_progress("imported %lld/%lld lines (%lld %%), %lld lines/s", done,
		    im->total, done * 100 / im->total, rate);
	else
		ctlout_progress("imported %lld lines, %lld lines/s", done, rate);
}

/* The daemon's errors, with the file's line numbers, up to CTLIMPORT_MAX_ERRORS. */
static void
ctlimport_errors(struct ctlimport *im, const json_t *errors)
{
	json_t *all = json_object_get(im->sum, "errors"), *e, *copy, *line;
	size_t i;

	json_array_foreach(errors, i, e) {
		if (json_array_size(all) >= CTLIMPORT_MAX_ERRORS)
			return;
		copy = json_deep_copy(e);
		if (json_is_integer(line = json_object_get(e, "line")))
			json_object_set_new(copy, "line", json_integer(
			    json_integer_value(line) + im->first - 1));
		json_array_append_new(all, copy);
	}
}

/* Add an answer of the daemon to the sums. */
static int
ctlimport_add(struct ctlimport *im, const json_t *a)
{
	size_t i;

	for (i = 0; ctlimport_counts[i] != NULL; i++)
		if (!json_is_integer(json_object_get(a, ctlimport_counts[i]))) {
			log_warnx("the daemon's answer has no count \"%s\"",
			    ctlimport_counts[i]);
			return CTL_EXIT_REFUSED;
		}
	for (i = 0; ctlimport_counts[i] != NULL; i++)
		json_object_set_new(im->sum, ctlimport_counts[i], json_integer(
		    ctlimport_get(im->sum, ctlimport_counts[i]) +
		    ctlimport_get(a, ctlimport_counts[i])));
	ctlimport_errors(im, json_object_get(a, "errors"));
	return CTL_EXIT_OK;
}

/* Send the batch, and add the answer to the sums. */
static int
ctlimport_send(struct ctlimport *im)
{
	struct ctlreq rq = {
		.method = "POST", .target = "/v1/protocols:import", .raw = im->batch,
		.raw_len = im->blen, .content_type = "application/x-ndjson",
		.extra_s = CTLIMPORT_EXTRA_S
	};
	json_t *a;
	int rc, status;

	if ((rc = ctlreq_fetch(im->o, &rq, &a, &status)) == CTL_EXIT_OK)
		rc = ctlimport_add(im, a);
	json_decref(a);
	if (rc != CTL_EXIT_OK) {
		ctlout_progress_end();
		log_warnx("%s: stopped at the request of lines %lld-%lld: lines 1-%lld "
		    "are imported, the others not", im->name, im->first,
		    im->first + im->nlines - 1, im->first - 1);
		return rc;
	}
	im->first += im->nlines;
	im->nlines = 0;
	im->blen = 0;
	ctlimport_progress(im);
	return CTL_EXIT_OK;
}

/* Append a line to the batch, with a newline if it has none (the file's last). */
static void
ctlimport_append(struct ctlimport *im, const char *line, size_t n)
{
	if (im->bcap - im->blen < n + 1) {
		im->bcap = im->blen + n + 1 > 2 * im->bcap ? im->blen + n + 1 : 2 * im->bcap;
		im->batch = xrealloc(im->batch, im->bcap);
	}
	memcpy(im->batch + im->blen, line, n);
	im->blen += n;
	if (n == 0 || line[n - 1] != '\n')
		im->batch[im->blen++] = '\n';
	im->nlines++;
}

static int
ctlimport_read(struct ctlimport *im)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = CTL_EXIT_OK;

	while (rc == CTL_EXIT_OK && (n = getline(&line, &cap, im->in)) != -1) {
		if (im->nlines == CTLIMPORT_MAX_LINES || (im->nlines > 0 &&
		    im->blen + (size_t)n + 1 > CTLIMPORT_MAX_BYTES))
			rc = ctlimport_send(im);
		if (rc == CTL_EXIT_OK)
			ctlimport_append(im, line, (size_t)n);
	}
	if (rc == CTL_EXIT_OK && ferror(im->in)) {
		ctlout_progress_end();
		log_warn("%s: cannot read line %lld", im->name, im->first + im->nlines);
		rc = CTL_EXIT_REFUSED;
	}
	if (rc == CTL_EXIT_OK && im->nlines > 0)
		rc = ctlimport_send(im);
	free(line);
	return rc;
}

static void
ctlimport_summary(const struct ctlimport *im)
{
	const json_t *errors = json_object_get(im->sum, "errors"), *e;
	long long bad = ctlimport_get(im->sum, "conflicting") +
	    ctlimport_get(im->sum, "invalid");
	char b1[512], b2[512];
	size_t i;

	for (i = 0; ctlimport_counts[i] != NULL; i++)
		ctlout_kv(ctlimport_counts[i], "%lld",
		    ctlimport_get(im->sum, ctlimport_counts[i]));
	if (json_array_size(errors) > 0)
		ctlout_kv(bad > (long long)json_array_size(errors) ? "first bad lines" :
		    "bad lines", "%s", "");
	json_array_foreach(errors, i, e)
		printf("  line %lld: %s: %s\n", ctlimport_get(e, "line"),
		    ctlout_value(json_object_get(e, "code"), b1, sizeof b1),
		    ctlout_value(json_object_get(e, "detail"), b2, sizeof b2));
	if (bad > 0)
		printf("%lld of %lld lines were not imported (conflicting or invalid); the "
		    "others are committed.\nFix those lines and import the file again: "
		    "the lines imported already change nothing.\n", bad,
		    ctlimport_get(im->sum, "lines"));
}

static int
ctlimport_open(struct ctlimport *im, const char *path)
{
	if (strcmp(path, "-") == 0) {
		im->in = stdin;
		im->name = "stdin";
		return CTL_EXIT_OK;
	}
	im->name = path;
	if ((im->in = fopen(path, "r")) != NULL)
		return CTL_EXIT_OK;
	log_warn("%s", path);
	return CTL_EXIT_USAGE;
}

int
ctlimport_import(struct ctl_opts *o, int argc, char **argv)
{
	static const struct option opts[] = { CTLARG_LONGOPTS };
	struct ctlimport im = { .o = o, .first = 1, .total = -1 };
	int rc;

	if ((rc = ctlarg_parse(o, argc, argv, opts, NULL, NULL)) != CTL_EXIT_OK ||
	    (rc = ctlarg_count(argc, argv, 1, 1)) != CTL_EXIT_OK ||
	    (rc = ctlimport_open(&im, argv[optind])) != CTL_EXIT_OK)
		return rc;
	if (isatty(STDERR_FILENO))
		im.total = ctlimport_count(im.in);
	im.sum = json_pack("{s:i, s:i, s:i, s:i, s:i, s:[]}", "lines", 0, "created", 0,
	    "identical", 0, "conflicting", 0, "invalid", 0, "errors");
	im.start_ms = ctlimport_now_ms();
	if ((rc = ctlimport_read(&im)) == CTL_EXIT_OK) {
		ctlout_progress_end();
		if (o->json)
			ctlout_json(im.sum);
		else
			ctlimport_summary(&im);
	}
	json_decref(im.sum);
	free(im.batch);
	if (im.in != stdin)
		fclose(im.in);
	return rc;
}
