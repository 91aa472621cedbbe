#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "clock.h"
#include "commit.h"
#include "deadline.h"
#include "history.h"
#include "log.h"
#include "metrics.h"
#include "rfc3339.h"
#include "rows.h"
#include "sellers.h"
#include "strcopy.h"
#include "translog.h"
#include "tz.h"
#include "xmalloc.h"

static struct store *engine_st;
static const struct config *engine_cfg;
static const struct cal *engine_cal;

/*
 * A batch of due points: the earliest rows read at once, merged with the points the
 * batch itself makes due (a wait that ran out starts a response clock that may be
 * overdue too), so every point is applied in due order, across protocols, each once.
 */
struct engine_batch {
	struct protocol *rows;	/* read from the store, in due order */
	int n_rows, next_row;
	struct protocol *again;	/* a min-heap by (clock_next, rid) of re-due protocols */
	int n_again;
	int cap;
};

static struct engine_batch engine_fb;

void
engine_init(struct store *st)
{
	engine_st = st;
}

void
engine_shutdown(void)
{
	free(engine_fb.rows);
	free(engine_fb.again);
	memset(&engine_fb, 0, sizeof engine_fb);
}

void
engine_configure(const struct config *cfg, const struct cal *cal)
{
	engine_cfg = cfg;
	engine_cal = cal;
}

static int
engine_db_error(struct problem *pb)
{
	static struct log_limit lim;

	/* Every write fails while the disk is full: one line a minute. */
	log_warnx_limited(&lim, clock_mono_us(), 60 * 1000000LL, "database: %s",
	    store_error(engine_st));
	metrics_db_error();
	return problem_set(pb, 503, "database_unavailable", "the change was not saved: %s",
	    store_error(engine_st));
}

/* Start clock c on p at instant start (or stop the clock for NONE). */
static void
engine_start_clock(struct protocol *p, enum proto_clock c, int64_t start, int64_t pickup_day)
{
	p->clock = c;
	if (c == PROTO_CLOCK_NONE) {
		p->clock_start = p->clock_due = p->clock_next = 0;
		p->clock_rule[0] = '\0';
		return;
	}
	p->clock_start = start;
	p->clock_due = deadline_due(engine_cfg, engine_cal, p, c, start, pickup_day);
	p->clock_next = deadline_next(engine_cfg, p, c, start, p->clock_due);
	deadline_rule(engine_cfg, engine_cal, p, c, pickup_day, p->clock_rule,
	    sizeof p->clock_rule);
}

static int
engine_record(const struct protocol *p, int from, enum proto_cause cause, const char *name,
    int64_t at, int64_t due, const char *detail)
{
	struct proto_event ev = {
		.rid = p->rid, .at = at, .from = from, .to = p->state, .cause = cause,
		.name = name, .due_at = due, .late_ms = due ? at - due : 0, .detail = detail,
	};

	if (history_add(engine_st, &ev) != 0)
		return -1;
	translog_add(&ev, p->id, engine_cfg->log_transitions_info);
	return 0;
}

#define ENGINE_EXPIRED 0
#define ENGINE_WARNED 1

/* Apply the next due point of p's clock at instant now: ENGINE_WARNED (only
 * clock_next moved), ENGINE_EXPIRED, or -1. */
static int
engine_step(struct protocol *p, int64_t now)
{
	const struct rules_clock *rule = rules_clock(p->clock);
	const char *name = proto_clock_name(p->clock);
	int64_t due = p->clock_due, at = p->clock_next;
	enum proto_state from = p->state;
	char detail[80], when[RFC3339_LEN];

	if (at < due) {
		/* The response warning: a point on the clock, no change of state. */
		p->clock_next = due;
		snprintf(detail, sizeof detail, "{\"expires_at\":\"%s\"}",
		    rfc3339_format(due, when));
		metrics_fired(now - at);
		if (engine_record(p, from, PROTO_CAUSE_WARNING, name, now, at, detail) != 0)
			return -1;
		return ENGINE_WARNED;
	}
	if (rule->attempt_action >= 0)
		p->attempts[rule->attempt_action]++;
	p->state = rule->on_expiry;
	/* The next clock starts when this one ran out, not when we got to it. */
	engine_start_clock(p, rules_entry_clock(p, p->state), due, 0);
	p->version++;
	p->updated_at = now;
	metrics_fired(now - due);
	return engine_record(p, from, PROTO_CAUSE_EXPIRY, name, now, due, NULL);
}

/* Apply every clock point of p due by now. Returns how many, or -1. */
static int
engine_settle(struct protocol *p, int64_t now)
{
	int n = 0;

	while (p->clock != PROTO_CLOCK_NONE && p->clock_next <= now) {
		if (engine_step(p, now) < 0)
			return -1;
		n++;
	}
	return n;
}

/* Load and settle a protocol: 1, 0 (404 in *pb) or -1 (503 in *pb). */
static int
engine_load(const char *id, struct protocol *p, int64_t now, struct problem *pb)
{
	int rc = rows_get(engine_st, id, p);

	if (rc == 0)
		return problem_set(pb, 404, "protocol_not_found", "no protocol %s", id), 0;
	if (rc < 0 || engine_settle(p, now) < 0)
		return engine_db_error(pb);
	return 1;
}

/* Run change(ctx) inside a savepoint: all of it or nothing. */
static int
engine_change(int (*change)(void *, struct problem *), void *ctx, struct problem *pb)
{
	size_t logged = translog_count();
	int rc;

	if (store_savepoint(engine_st) != 0)
		return engine_db_error(pb);
	rc = change(ctx, pb);
	if (rc >= 0 && store_release(engine_st) != 0)
		rc = engine_db_error(pb);
	if (rc < 0) {
		store_rollback_to(engine_st);
		translog_undo(logged);	/* what was undone is not logged */
	}
	return rc;
}

struct engine_op {
	const struct engine_create *create;
	const char *id;
	const char *name;
	const struct rules_args *args;
	int64_t if_version;
	const char *detail;
	bool envvias;
	int64_t now;		/* engine_fire: the instant to fire up to */
	int max;		/* engine_fire: the batch size */
	struct protocol *p;
};

static int
engine_check_version(const struct protocol *p, int64_t if_version, struct problem *pb)
{
	if (if_version < 0 || if_version == p->version)
		return 0;
	return problem_set(pb, 409, "version_conflict", "protocol %s is at version %lld, not "
	    "%lld: read it again and retry", p->id, (long long)p->version,
	    (long long)if_version);
}

/* Move p to state `to` by cause at now, starting clock c, and save it. */
static int
engine_transition(struct protocol *p, enum proto_state to, enum proto_clock c,
    int64_t pickup_day, enum proto_cause cause, const char *name, const char *detail,
    int64_t now)
{
	enum proto_state from = p->state;

	p->state = to;
	engine_start_clock(p, c, now, pickup_day);
	p->version++;
	p->updated_at = now;
	if (engine_record(p, from, cause, name, now, 0, detail) != 0)
		return -1;
	return rows_update(engine_st, p);
}

static int
engine_act_change(void *arg, struct problem *pb)
{
	struct engine_op *op = arg;
	struct protocol *p = op->p;
	int64_t now = clock_now(), pickup_day = 0;
	int i, rc;
	const struct rules_action *a;
	const char *date;

	if ((i = rules_action_index(op->name)) < 0)
		return problem_set(pb, 422, "unknown_action", "unknown action \"%.64s\"",
		    op->name);
	a = rules_action(i);
	if ((rc = engine_load(op->id, p, now, pb)) <= 0)
		return -1;
	if (sellers_get(engine_st, p->seller, &op->envvias) < 0)
		return engine_db_error(pb);
	if (engine_check_version(p, op->if_version, pb) != 0 ||
	    rules_action_allowed(p, i, op->envvias, pb) != 0 ||
	    rules_action_args(i, op->args, tz_local_days(now), pb) != 0)
		return -1;
	if ((date = rules_arg(op->args, "pickup_date")) != NULL && a->clock == PROTO_CLOCK_PICKUP)
		civil_parse_date(date, &pickup_day);
	if (engine_transition(p, a->next, a->clock != PROTO_CLOCK_NONE ? a->clock :
	    rules_entry_clock(p, a->next), pickup_day, PROTO_CAUSE_ACTION, a->name,
	    op->detail, now) != 0)
		return engine_db_error(pb);
	return 0;
}

int
engine_act(const char *id, const char *action, const struct rules_args *args,
    int64_t if_version, const char *detail, struct protocol *out, struct problem *pb)
{
	struct engine_op op = { .id = id, .name = action, .args = args,
	    .if_version = if_version, .detail = detail, .p = out };

	return engine_change(engine_act_change, &op, pb);
}

static int
engine_event_change(void *arg, struct problem *pb)
{
	struct engine_op *op = arg;
	struct protocol *p = op->p;
	int64_t now = clock_now();
	const struct rules_event *e;

	if (engine_load(op->id, p, now, pb) <= 0)
		return -1;
	if (engine_check_version(p, op->if_version, pb) != 0 ||
	    (e = rules_event(p, op->name, pb)) == NULL)
		return -1;
	if (engine_transition(p, e->to, rules_entry_clock(p, e->to), 0, PROTO_CAUSE_EVENT,
	    e->name, NULL, now) != 0)
		return engine_db_error(pb);
	return 0;
}

int
engine_event(const char *id, const char *event, int64_t if_version, struct protocol *out,
    struct problem *pb)
{
	struct engine_op op = { .id = id, .name = event, .if_version = if_version, .p = out };

	return engine_change(engine_event_change, &op, pb);
}

static bool
engine_printable(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > PROTO_ID_MAX)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static int
engine_check_create(const struct engine_create *r, int64_t now, struct problem *pb)
{
	char when[RFC3339_LEN];

	if (!proto_valid_id(r->id))
		return problem_set(pb, 422, "invalid_field", "id must be 1 to 64 characters "
		    "of A-Z a-z 0-9 . _ : -");
	if (!proto_valid_id(r->seller))
		return problem_set(pb, 422, "invalid_field", "seller must be 1 to 64 "
		    "characters of A-Z a-z 0-9 . _ : -");
	if (r->order != NULL && !engine_printable(r->order))
		return problem_set(pb, 422, "invalid_field", "order must be 1 to 64 printable "
		    "ASCII characters without spaces");
	if (r->reason != NULL && !proto_valid_id(r->reason))
		return problem_set(pb, 422, "invalid_field", "reason must be a code of 1 to 64 "
		    "characters of A-Z a-z 0-9 . _ : -");
	if (rules_check_reason(r->origin, r->reason ? r->reason : "", pb) != 0)
		return -1;
	if (r->has_opened_at && r->opened_at > now)
		return problem_set(pb, 422, "opened_at_in_future", "opened_at is in the future "
		    "(now is %s)", rfc3339_format(now, when));
	return 0;
}

static bool
engine_same_create(const struct engine_create *r, const struct protocol *p)
{
	return strcmp(r->seller, p->seller) == 0 &&
	    strcmp(r->order ? r->order : "", p->order) == 0 &&
	    strcmp(r->reason ? r->reason : "", p->reason) == 0 &&
	    r->origin == p->origin && r->critical == p->critical &&
	    r->has_opened_at == p->opened_given &&
	    (!r->has_opened_at || r->opened_at == p->opened_at);
}

static void
engine_fill(struct protocol *p, const struct engine_create *r, int64_t now)
{
	memset(p, 0, sizeof *p);
	strcopy(p->id, sizeof p->id, r->id);
	strcopy(p->seller, sizeof p->seller, r->seller);
	strcopy(p->order, sizeof p->order, r->order ? r->order : "");
	strcopy(p->reason, sizeof p->reason, r->reason ? r->reason : "");
	p->origin = r->origin;
	p->critical = r->critical;
	p->opened_given = r->has_opened_at;
	p->opened_at = r->has_opened_at ? r->opened_at : now;
	p->state = PROTO_PENDING;
	p->version = 1;
	p->updated_at = now;
}

static int
engine_create_change(void *arg, struct problem *pb)
{
	struct engine_op *op = arg;
	const struct engine_create *r = op->create;
	struct protocol *p = op->p;
	int64_t now = clock_now();
	int rc, settled;

	if (engine_check_create(r, now, pb) != 0)
		return -1;
	engine_fill(p, r, now);
	/* A new protocol's response clock runs from opened_at, which may be long past. */
	engine_start_clock(p, rules_entry_clock(p, PROTO_PENDING), p->opened_at, 0);
	/* Insert first: the id's index finds an existing protocol during the insert, so
	 * a new one (the common case, and every line of an import) costs no lookup. */
	if ((rc = rows_insert_new(engine_st, p)) < 0)
		return engine_db_error(pb);
	if (rc == 0) {
		if (rows_get(engine_st, r->id, p) != 1)
			return engine_db_error(pb);
		if (engine_same_create(r, p))
			return 200;
		return problem_set(pb, 409, "id_conflict", "protocol %s exists with "
		    "different fields; the same body again is answered 200", r->id);
	}
	if (engine_record(p, -1, PROTO_CAUSE_CREATE, "create", now, 0, NULL) != 0 ||
	    (settled = engine_settle(p, now)) < 0 ||
	    (settled > 0 && rows_update(engine_st, p) != 0))
		return engine_db_error(pb);
	return 201;
}

int
engine_create(const struct engine_create *req, struct protocol *out, struct problem *pb)
{
	struct engine_op op = { .create = req, .p = out };

	return engine_change(engine_create_change, &op, pb);
}

int
engine_create_bulk(const struct engine_create *req, struct protocol *out,
    struct problem *pb)
{
	struct engine_op op = { .create = req, .p = out };

	/* engine_create_change refuses before its first write; only the database can
	 * fail after it. */
	return engine_create_change(&op, pb);
}

static int
engine_seller_change(void *arg, struct problem *pb)
{
	struct engine_op *op = arg;

	if (!proto_valid_id(op->id))
		return problem_set(pb, 422, "invalid_field", "a seller id is 1 to 64 "
		    "characters of A-Z a-z 0-9 . _ : -");
	if (sellers_put(engine_st, op->id, op->envvias) != 0)
		return engine_db_error(pb);
	return 0;
}

int
engine_seller_put(const char *id, bool envvias, struct problem *pb)
{
	struct engine_op op = { .id = id, .envvias = envvias };

	return engine_change(engine_seller_change, &op, pb);
}


static bool
engine_before(const struct protocol *a, const struct protocol *b)
{
	return a->clock_next < b->clock_next ||
	    (a->clock_next == b->clock_next && a->rid < b->rid);
}

static void
engine_again_push(struct engine_batch *b, const struct protocol *p)
{
	int i = b->n_again++;

	b->again[i] = *p;
	while (i > 0 && engine_before(&b->again[i], &b->again[(i - 1) / 2])) {
		struct protocol t = b->again[i];

		b->again[i] = b->again[(i - 1) / 2];
		b->again[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static void
engine_again_pop(struct engine_batch *b, struct protocol *out)
{
	int i = 0;

	*out = b->again[0];
	b->again[0] = b->again[--b->n_again];
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;
		struct protocol t;

		if (l < b->n_again && engine_before(&b->again[l], &b->again[m]))
			m = l;
		if (r < b->n_again && engine_before(&b->again[r], &b->again[m]))
			m = r;
		if (m == i)
			break;
		t = b->again[i];
		b->again[i] = b->again[m];
		b->again[m] = t;
		i = m;
	}
}

/* The next protocol to step, or false when the batch has none left. */
static bool
engine_batch_next(struct engine_batch *b, struct protocol *p)
{
	bool have_row = b->next_row < b->n_rows;

	if (b->n_again > 0 && (!have_row || engine_before(&b->again[0],
	    &b->rows[b->next_row]))) {
		engine_again_pop(b, p);
		return true;
	}
	if (!have_row)
		return false;
	*p = b->rows[b->next_row++];
	return true;
}

/* Apply one due point of p: 0, or -1 with *pb. No savepoint of its own (it cost a
 * third of the drain rate): a failure leaves the turn's transaction with a half-made
 * point, and engine_fire's caller must roll the turn back (commit_spoil). */
static int
engine_fire_one(struct protocol *p, int64_t now, struct problem *pb)
{
	int kind;

	if ((kind = engine_step(p, now)) < 0 || (kind == ENGINE_WARNED ?
	    rows_update_next(engine_st, p) : rows_update(engine_st, p)) != 0)
		return engine_db_error(pb);
	return 0;
}

int
engine_fire(int64_t now, int max, int64_t until_us)
{
	struct engine_batch *b = &engine_fb;
	struct problem pb;
	struct protocol p;
	int n = 0;

	if (b->cap < max) {
		b->cap = max;
		b->rows = xrealloc(b->rows, (size_t)b->cap * sizeof *b->rows);
		b->again = xrealloc(b->again, (size_t)b->cap * sizeof *b->again);
	}
	b->next_row = b->n_again = 0;
	if ((b->n_rows = rows_due(engine_st, now, max, b->rows)) < 0) {
		engine_db_error(&pb);
		return -1;
	}
	while (n < max && engine_batch_next(b, &p)) {
		if (engine_fire_one(&p, now, &pb) != 0)
			return -1;
		if (p.clock != PROTO_CLOCK_NONE && p.clock_next <= now)
			engine_again_push(b, &p);
		/* The clock is read every 64 points: a point takes microseconds. */
		if (++n % 64 == 0 && clock_mono_us() >= until_us)
			break;
	}
	return n;
}
