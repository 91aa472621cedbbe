#include "import.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "commit.h"
#include "engine.h"
#include "http.h"
#include "log.h"
#include "sqlite.h"
#include "xmalloc.h"

struct import_job {
	struct evhttp_request *req;
	const char *body;	/* the request's input buffer, made contiguous */
	size_t len, off;
	int64_t line;		/* lines read so far */
	int64_t created, identical, conflicting, invalid;
	/* Since the last commit: counted only once it commits. */
	int64_t pending_created, pending_identical, txn_lines;
	bool waiting;		/* on the commit of the transaction holding our lines */
	uint64_t wait_seq;	/* that transaction's commit_seq() */
	json_t *errors;
	struct event *next;
	struct import_job *prev_job, *next_job;
};

static struct import_job *import_jobs;

static void
import_unlink(struct import_job *job)
{
	if (job->prev_job)
		job->prev_job->next_job = job->next_job;
	else
		import_jobs = job->next_job;
	if (job->next_job)
		job->next_job->prev_job = job->prev_job;
	event_free(job->next);
	json_decref(job->errors);
	free(job);
}

static json_t *
import_counts(const struct import_job *job)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:O}", "lines", (json_int_t)job->line,
	    "created", (json_int_t)job->created, "identical", (json_int_t)job->identical,
	    "conflicting", (json_int_t)job->conflicting, "invalid", (json_int_t)job->invalid,
	    "errors", job->errors);
}

static void
import_refuse(struct import_job *job, const struct problem *pb)
{
	if (json_array_size(job->errors) < IMPORT_MAX_ERRORS)
		json_array_append_new(job->errors, json_pack("{s:I, s:s, s:s}", "line",
		    (json_int_t)job->line, "code", pb->code, "detail", pb->detail));
	if (pb->status == 409 && strcmp(pb->code, "id_conflict") == 0)
		job->conflicting++;
	else
		job->invalid++;
}

/* Apply one line: 0, or -1 when the database failed (the import stops). */
static int
import_line(struct import_job *job, const char *text, size_t n)
{
	struct engine_create r;
	struct protocol p;
	struct problem pb;
	json_error_t err;
	json_t *o = json_loadb(text, n, JSON_REJECT_DUPLICATES, &err);
	int rc = -1;

	if (o == NULL || !json_is_object(o))
		problem_set(&pb, 400, "invalid_json", "not a JSON object: %s",
		    o ? "another JSON value" : err.text);
	else if (api_decode_create(o, &r, &pb) == 0)
		rc = engine_create_bulk(&r, &p, &pb);
	json_decref(o);
	if (rc == 201)
		job->pending_created++;
	else if (rc == 200)
		job->pending_identical++;
	else if (pb.status == 503) {
		/* Half a protocol may be written: the whole batch goes. */
		commit_spoil();
		return -1;
	}
	else
		import_refuse(job, &pb);
	return 0;
}

static bool
import_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

static void import_committed(void *, bool);

/* Apply the next batch of lines in the open transaction. Batches go on in later
 * turns (the loop serves others in between) and share one transaction of up to
 * IMPORT_TXN_LINES lines: each commit writes the pages of the indexes those lines
 * touched once, not once per batch. */
static void
import_batch(evutil_socket_t fd, short what, void *arg)
{
	struct import_job *job = arg;
	struct timeval now = { 0, 0 };
	int done = 0;

	/* Our transaction is committed and its sync in flight (the hold's deadline ended
	 * it): lines applied now would join the next one, which may yet fail, and be
	 * counted with this one. import_committed goes on. */
	if (job->waiting && job->wait_seq != commit_seq())
		return;
	if (commit_open() != 0) {
		import_committed(job, false);
		return;
	}
	while (done < IMPORT_BATCH && job->off < job->len) {
		const char *s = job->body + job->off, *nl = memchr(s, '\n', job->len - job->off);
		size_t n = nl ? (size_t)(nl - s) : job->len - job->off;

		job->off += n + (nl != NULL);
		job->line++;
		if (import_blank(s, n))
			continue;
		if (import_line(job, s, n) != 0) {
			job->off = job->len + 1;	/* the database failed: stop here */
			break;
		}
		done++;
	}
	job->txn_lines += done;
	if (!job->waiting) {
		job->waiting = true;
		job->wait_seq = commit_seq();
		commit_after(import_committed, job);
	}
	if (job->off < job->len && job->txn_lines < IMPORT_TXN_LINES) {
		commit_hold(IMPORT_HOLD_US);
		evtimer_add(job->next, &now);
	}
}

static void
import_committed(void *arg, bool ok)
{
	struct import_job *job = arg;
	struct timeval now = { 0, 0 };
	bool failed = !ok || job->off > job->len;
	json_t *doc;

	job->waiting = false;
	/* A failed line spoiled the transaction (or SQLite rolled it back itself):
	 * nothing of it is counted. */
	if (!failed) {
		job->created += job->pending_created;
		job->identical += job->pending_identical;
	}
	job->pending_created = job->pending_identical = job->txn_lines = 0;
	if (!failed && job->off < job->len) {
		/* Committed early (a turn without our batch, or the hold's deadline): go on. */
		if (!evtimer_pending(job->next, NULL))
			evtimer_add(job->next, &now);
		return;
	}
	if (!failed)
		http_reply_json(job->req, 200, import_counts(job));
	else {
		doc = json_pack("{s:s, s:s, s:i, s:s, s:s, s:o}", "type",
		    "urn:protocold:problem:database_unavailable", "title",
		    "Service Unavailable", "status", 503, "detail", "the import stopped: the "
		    "database refused a batch; the batches before it are committed (see the "
		    "counts)", "code", "database_unavailable", "imported", import_counts(job));
		http_reply_problem_doc(job->req, 503, doc);
	}
	import_unlink(job);
}

void
import_post(struct evhttp_request *req, const char *unused)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	struct import_job *job = xcalloc(1, sizeof *job);

	job->req = req;
	job->len = evbuffer_get_length(in);
	job->body = (const char *)evbuffer_pullup(in, -1);
	job->errors = json_array();
	job->next = evtimer_new(evhttp_connection_get_base(evhttp_request_get_connection(req)),
	    import_batch, job);
	job->next_job = import_jobs;
	if (import_jobs)
		import_jobs->prev_job = job;
	import_jobs = job;
	import_batch(-1, 0, job);
}

void
import_shutdown(void)
{
	while (import_jobs != NULL)
		import_unlink(import_jobs);
}
