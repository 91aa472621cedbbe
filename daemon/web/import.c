#include "import.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "engine.h"
#include "http.h"
#include "jsonw.h"
#include "render.h"
#include "store.h"
#include "turn.h"
#include "web_int.h"
#include "xmalloc.h"

/* A refused line, for the answer's "errors". */
struct import_error {
	int64_t line;
	const char *code;	/* static, as every problem's */
	char detail[sizeof ((struct problem *)0)->detail];
};

struct import_job {
	struct web *web;
	struct evhttp_request *req;
	const char *body;	/* the request's input buffer, made contiguous */
	size_t len, off;
	int64_t line;		/* lines read so far */
	int64_t created, identical, conflicting, invalid;
	/* Since the last commit: counted only once it commits. */
	int64_t pending_created, pending_identical, txn_lines;
	/* Lines handed to the engine whose answer has not come back, and one more while
	 * a batch is handing them out: the batch is over when it is back to 0. */
	int outstanding;
	bool failed;		/* the store failed (a line, or the commit): stop */
	bool waiting;		/* on the commit of the transaction holding our lines */
	uint64_t wait_seq;	/* that transaction's turn_seq() */
	struct import_error errors[IMPORT_MAX_ERRORS];	/* the first ones, by line */
	size_t n_errors;
	struct event *next;
	struct import_job *prev_job, *next_job;
};

/* One line on its way through the engine (its request points into o). */
struct import_line {
	struct import_job *job;
	int64_t line;
	json_t *o;
	struct engine_create r;
};

static void
import_unlink(struct import_job *job)
{
	if (job->prev_job)
		job->prev_job->next_job = job->next_job;
	else
		job->web->imports = job->next_job;
	if (job->next_job)
		job->next_job->prev_job = job->prev_job;
	event_free(job->next);
	free(job);
}

/* The counts and errors: {"lines":…, …, "errors":[…]}. */
static void
import_counts(struct jsonw *w, const struct import_job *job)
{
	jsonw_obj(w);
	jsonw_key(w, "lines");
	jsonw_int(w, job->line);
	jsonw_key(w, "created");
	jsonw_int(w, job->created);
	jsonw_key(w, "identical");
	jsonw_int(w, job->identical);
	jsonw_key(w, "conflicting");
	jsonw_int(w, job->conflicting);
	jsonw_key(w, "invalid");
	jsonw_int(w, job->invalid);
	jsonw_key(w, "errors");
	jsonw_arr(w);
	for (size_t i = 0; i < job->n_errors; i++) {
		jsonw_obj(w);
		jsonw_key(w, "line");
		jsonw_int(w, job->errors[i].line);
		jsonw_key(w, "code");
		jsonw_str(w, job->errors[i].code);
		jsonw_key(w, "detail");
		jsonw_str(w, job->errors[i].detail);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	jsonw_obj_end(w);
}

/* Count a refused line and keep it among the first IMPORT_MAX_ERRORS by line (the
 * engine may answer lines out of order; SQLite answers each before the next). */
static void
import_refuse(struct import_job *job, int64_t line, const struct problem *pb)
{
	size_t i = job->n_errors;

	if (pb->status == 409 && strcmp(pb->code, "id_conflict") == 0)
		job->conflicting++;
	else
		job->invalid++;
	while (i > 0 && job->errors[i - 1].line > line)
		i--;
	if (i == IMPORT_MAX_ERRORS)
		return;
	if (job->n_errors == IMPORT_MAX_ERRORS)
		job->n_errors--;
	memmove(&job->errors[i + 1], &job->errors[i], (job->n_errors - i) *
	    sizeof job->errors[0]);
	job->errors[i].line = line;
	job->errors[i].code = pb->code;
	memcpy(job->errors[i].detail, pb->detail, sizeof job->errors[i].detail);
	job->n_errors++;
}

static void import_batch_end(struct import_job *job);

/* One handed-out line (or the batch handing them out) is back. */
static void
import_back(struct import_job *job)
{
	if (--job->outstanding == 0)
		import_batch_end(job);
}

static void
import_line_done(void *arg, const struct engine_result *r)
{
	struct import_line *ln = arg;
	struct import_job *job = ln->job;

	if (r->status == 201)
		job->pending_created++;
	else if (r->status == 200)
		job->pending_identical++;
	else if (r->status == 503) {
		/* Half a protocol may be written: the whole batch goes. */
		turn_spoil(job->web->turn);
		job->failed = true;
	} else
		import_refuse(job, ln->line, &r->pb);
	json_decref(ln->o);
	free(ln);
	import_back(job);
}

/* Apply one line: refused here when it is no create request, else handed to the
 * engine (import_line_done counts it). */
static void
import_line(struct import_job *job, const char *text, size_t n)
{
	struct import_line *ln;
	struct problem pb;
	json_error_t err;
	json_t *o = json_loadb(text, n, JSON_REJECT_DUPLICATES, &err);

	if (o == NULL || !json_is_object(o)) {
		problem_set(&pb, 400, "invalid_json", "not a JSON object: %s",
		    o ? "another JSON value" : err.text);
		import_refuse(job, job->line, &pb);
		json_decref(o);
		return;
	}
	ln = xcalloc(1, sizeof *ln);
	if (api_decode_create(o, &ln->r, &pb) != 0) {
		import_refuse(job, job->line, &pb);
		json_decref(o);
		free(ln);
		return;
	}
	ln->job = job;
	ln->line = job->line;
	ln->o = o;
	job->outstanding++;
	engine_create(job->web->engine, &ln->r, import_line_done, ln);
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
static void import_next(struct import_job *job);

/* Apply the next batch of lines in the open transaction. Batches go on in later
 * turns (the loop serves others in between) and share one transaction of up to
 * IMPORT_TXN_LINES lines: each commit writes the pages of the indexes those lines
 * touched once, not once per batch. */
static void
import_batch(evutil_socket_t fd, short what, void *arg)
{
	struct import_job *job = arg;
	int done = 0;

	/* Our transaction is committed and its sync in flight (the hold's deadline ended
	 * it): lines applied now would join the next one, which may yet fail, and be
	 * counted with this one. import_committed goes on. */
	if (job->waiting && job->wait_seq != turn_seq(job->web->turn))
		return;
	if (turn_open(job->web->turn) != 0) {
		job->failed = true;
		import_next(job);
		return;
	}
	job->outstanding++;
	while (done < IMPORT_BATCH && job->off < job->len && !job->failed) {
		const char *s = job->body + job->off, *nl = memchr(s, '\n', job->len - job->off);
		size_t n = nl ? (size_t)(nl - s) : job->len - job->off;

		job->off += n + (nl != NULL);
		job->line++;
		if (import_blank(s, n))
			continue;
		import_line(job, s, n);
		done++;
	}
	job->txn_lines += done;
	import_back(job);
}

/* Every line of the batch is back: wait for the commit of the transaction that holds
 * them, and go on with the next batch in the same one while it may grow. */
static void
import_batch_end(struct import_job *job)
{
	struct timeval now = { 0, 0 };

	if (!job->waiting) {
		job->waiting = true;
		job->wait_seq = turn_seq(job->web->turn);
		turn_after(job->web->turn, import_committed, job);
	}
	if (!job->failed && job->off < job->len && job->txn_lines < IMPORT_TXN_LINES) {
		turn_hold(job->web->turn, IMPORT_HOLD_US);
		evtimer_add(job->next, &now);
	}
}

static void
import_committed(void *arg, bool ok)
{
	struct import_job *job = arg;

	job->waiting = false;
	/* A failed line spoiled the transaction (or the store rolled it back itself):
	 * nothing of it is counted. */
	if (!ok)
		job->failed = true;
	if (!job->failed) {
		job->created += job->pending_created;
		job->identical += job->pending_identical;
	}
	job->pending_created = job->pending_identical = job->txn_lines = 0;
	import_next(job);
}

/* After a commit: go on, or answer once every line is back. */
static void
import_next(struct import_job *job)
{
	struct timeval now = { 0, 0 };
	struct problem pb;
	struct jsonw w;

	/* Lines still with the engine: their batch's end waits for the next commit. */
	if (job->outstanding > 0)
		return;
	if (!job->failed && job->off < job->len) {
		/* Committed early (a turn without our batch, or the hold's deadline): go on. */
		if (!evtimer_pending(job->next, NULL))
			evtimer_add(job->next, &now);
		return;
	}
	jsonw_init(&w, job->web->pool);
	if (!job->failed) {
		import_counts(&w, job);
		http_reply_jsonw(job->web->http, job->req, 200, &w);
	} else {
		problem_set(&pb, 503, "database_unavailable", "the import stopped: the database "
		    "refused a batch; the batches before it are committed (see the counts)");
		render_problem_open(&w, &pb);
		jsonw_key(&w, "imported");
		import_counts(&w, job);
		jsonw_obj_end(&w);
		http_reply_problem_jsonw(job->web->http, job->req, 503, &w);
	}
	jsonw_free(&w);
	import_unlink(job);
}

void
import_post(struct web *web, struct evhttp_request *req, const char *unused)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	struct import_job *job = xcalloc(1, sizeof *job);

	job->web = web;
	job->req = req;
	job->len = evbuffer_get_length(in);
	job->body = (const char *)evbuffer_pullup(in, -1);
	job->next = evtimer_new(web->base, import_batch, job);
	job->next_job = web->imports;
	if (web->imports)
		web->imports->prev_job = job;
	web->imports = job;
	import_batch(-1, 0, job);
}

void
import_shutdown(struct web *web)
{
	while (web->imports != NULL)
		import_unlink(web->imports);
}
