#include "engine.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "decide.h"
#include "duebatch.h"
#include "log.h"
#include "metrics.h"
#include "order.h"
#include "store.h"
#include "turn.h"
#include "xmalloc.h"

/* Every write fails while the disk is full: one line a minute. */
#define ENGINE_LOG_EVERY_US (60 * 1000000LL)
/* While the store owes the engine an answer (a client-server backend), the turn's
 * transaction is held open this long at most, so that a change is written into the
 * transaction its load ran in. */
#define ENGINE_HOLD_US 1000000

enum engine_kind { ENGINE_CREATE, ENGINE_ACT, ENGINE_EVENT };

/* One change, from its request to its save: it outlives the call when the store
 * answers its load later, so it owns copies of what the request pointed to. */
struct engine_op {
	struct engine *e;
	enum engine_kind kind;
	engine_done_fn *done;
	void *arg;
	char *id;
	char *name;			/* the action or the event */
	struct rules_args args;
	int64_t if_version;
	char *detail;
	struct engine_create create;	/* ENGINE_CREATE, its strings ours */
	int64_t now;			/* ENGINE_CREATE: when it was asked */
	struct protocol p;		/* ENGINE_CREATE: the one inserted */
	bool held;			/* it holds its id (order.h) */
};

/* engine_fire's request, while the store reads what is due. */
struct engine_fire_req {
	int64_t now;
	int max;
	int64_t until_us;
	engine_fired_fn *fired;
	void *arg;
};

struct engine {
	struct store *st;
	struct turn *turn;
	const struct clock *clock;
	struct metrics *m;
	struct decide *d;
	struct log_limit db_log;
	struct duebatch *batch;
	/* The changes being decided, by id, and those waiting for them. */
	struct order *order;
	/* Store calls (loads, inserts, due reads) not answered yet, and whether the
	 * turn's transaction is held for them. */
	int pending;
	bool holding;
	/* A due read not yet answered (a store answers in the order it was asked: what
	 * is saved meanwhile is not in its answer). */
	bool firing;
	struct engine_fire_req fire;
};

struct engine *
engine_new(struct store *st, struct turn *turn, const struct clock *clock,
    struct metrics *m)
{
	struct engine *e = xcalloc(1, sizeof *e);

	e->st = st;
	e->turn = turn;
	e->clock = clock;
	e->m = m;
	e->d = decide_new(m);
	e->batch = duebatch_new();
	e->order = order_new();
	return e;
}

static void
engine_op_free(void *arg)
{
	struct engine_op *op = arg;

	free(op->id);
	free(op->name);
	for (size_t i = 0; i < op->args.n; i++) {
		free((char *)op->args.name[i]);
		free((char *)op->args.value[i]);
	}
	free(op->detail);
	free((char *)op->create.id);
	free((char *)op->create.seller);
	free((char *)op->create.order);
	free((char *)op->create.reason);
	free((char *)op->create.marketplace);
	free(op);
}

void
engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	/* Changes the store never answered: nobody is told any more. */
	order_free(e->order, engine_op_free);
	decide_free(e->d);
	duebatch_free(e->batch);
	free(e);
}

void
engine_configure(struct engine *e, const struct config *cfg, const struct cal *cal)
{
	decide_configure(e->d, cfg, cal);
}

static char *
engine_dup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* Problems */

static int
engine_db_error(struct engine *e, struct problem *pb)
{
	log_warnx_limited(&e->db_log, clock_mono_us(), ENGINE_LOG_EVERY_US, "database: %s",
	    store_error(e->st));
	metrics_db_error(e->m);
	return problem_set(pb, 503, "database_unavailable", "the change was not saved: %s",
	    store_error(e->st));
}

/* Write p and the decision's entries into the turn's transaction, then gather their
 * log lines: 0, or -1 with a 503 in *pb (the turn is spoiled). */
static int
engine_save(struct engine *e, struct protocol *p, enum store_save what,
    struct problem *pb)
{
	size_t n;
	const struct proto_event *ev = decide_entries(e->d, &n);

	/* The store may answer a load in a later turn: the transaction to write into is
	 * this turn's (a no-op when the change began in this turn). */
	if (turn_open(e->turn) != 0 || store_save(e->st, p, ev, n, what) != 0) {
		turn_spoil(e->turn);
		return engine_db_error(e, pb);
	}
	for (size_t i = 0; i < n; i++)
		turn_log(e->turn, &ev[i], p->id, decide_log_info(e->d));
	return 0;
}

static void engine_load(struct engine_op *op);

/* Keep the transaction open for the answers the store still owes (never with a
 * store that answers before it returns); once none is owed, commit it now: the hold
 * this turn renewed would keep it open past its end. */
static void
engine_hold(struct engine *e)
{
	if (e->pending > 0) {
		turn_hold(e->turn, ENGINE_HOLD_US);
		e->holding = true;
	} else if (e->holding) {
		e->holding = false;
		if (store_in_txn(e->st))
			turn_flush(e->turn);
	}
}

/* The change is decided: tell it, let the next one of its id go, forget it. */
static void
engine_finish(struct engine_op *op, const struct engine_result *r)
{
	struct engine *e = op->e;
	struct engine_op *next = NULL;

	if (op->held)
		next = order_done(e->order, op->id, e->firing);
	op->done(op->arg, r);
	engine_op_free(op);
	if (next != NULL)
		engine_load(next);
	engine_hold(e);
}

static void
engine_refuse(struct engine_op *op, const struct problem *pb)
{
	struct engine_result r = { .status = pb->status, .pb = *pb };

	engine_finish(op, &r);
}

static void
engine_accept(struct engine_op *op, int status, const struct protocol *p, bool envvias)
{
	struct engine_result r = { .status = status, .p = *p, .envvias = envvias };

	engine_finish(op, &r);
}

static void engine_inserted(void *, int, const struct protocol *, bool);
static void engine_loaded(void *, const struct store_loaded *);

/* Start op once no other change of its protocol is being decided. */
static void
engine_start(struct engine_op *op)
{
	if (order_take(op->e->order, op->id, op))
		engine_load(op);
}

/* Load the protocol (or insert it), now that op holds its id. */
static void
engine_load(struct engine_op *op)
{
	struct engine *e = op->e;

	op->held = true;
	e->pending++;
	turn_owe(e->turn);
	if (op->kind == ENGINE_CREATE)
		store_insert_new(e->st, &op->p, engine_inserted, op);
	else
		store_load(e->st, op->id, engine_loaded, op);
	engine_hold(e);
}

/* A change begins: open the turn's transaction, or refuse with a 503 (and NULL). */
static struct engine_op *
engine_op_new(struct engine *e, enum engine_kind kind, const char *id,
    engine_done_fn *done, void *arg)
{
	struct engine_op *op = xcalloc(1, sizeof *op);
	struct problem pb;

	op->e = e;
	op->kind = kind;
	op->done = done;
	op->arg = arg;
	op->id = xstrdup(id);
	if (turn_open(e->turn) == 0)
		return op;
	problem_set(&pb, 503, "database_unavailable", "the database cannot take writes "
	    "now: %s", store_error(e->st));
	engine_refuse(op, &pb);
	return NULL;
}

/* Creation */

void
engine_create(struct engine *e, const struct engine_create *req, engine_done_fn *done,
    void *arg)
{
	struct engine_op *op = engine_op_new(e, ENGINE_CREATE, req->id, done, arg);
	struct engine_create *r;
	struct problem pb;

	if (op == NULL)
		return;
	r = &op->create;
	*r = *req;
	r->id = xstrdup(req->id);
	r->seller = xstrdup(req->seller);
	r->order = engine_dup(req->order);
	r->reason = engine_dup(req->reason);
	r->marketplace = engine_dup(req->marketplace);
	op->now = clock_now(e->clock);
	if (decide_check_create(e->d, r, op->now, &pb) != 0) {
		engine_refuse(op, &pb);
		return;
	}
	decide_fill(e->d, &op->p, r, op->now);
	/* Insert first: the id's index finds an existing protocol during the insert, so
	 * a new one (the common case, and every line of an import) costs no lookup. */
	engine_start(op);
}

static void
engine_inserted(void *arg, int rc, const struct protocol *existing, bool envvias)
{
	struct engine_op *op = arg;
	struct engine *e = op->e;
	struct protocol *p = &op->p;
	struct problem pb;
	int settled;

	e->pending--;
	turn_paid(e->turn);
	if (rc < 0) {
		turn_spoil(e->turn);
		engine_db_error(e, &pb);
		engine_refuse(op, &pb);
		return;
	}
	if (rc == 0) {
		if (decide_same_create(e->d, &op->create, existing))
			engine_accept(op, 200, existing, envvias);
		else {
			problem_set(&pb, 409, "id_conflict", "protocol %s exists with different "
			    "fields; the same body again is answered 200", op->create.id);
			engine_refuse(op, &pb);
		}
		return;
	}
	decide_begin(e->d);
	decide_created(e->d, p, op->now);
	settled = decide_settle(e->d, p, op->now);
	/* The insert wrote the row: write it again only when settling changed it. */
	if (engine_save(e, p, settled == 0 ? STORE_SAVE_ENTRIES : STORE_SAVE_ROW,
	    &pb) != 0)
		engine_refuse(op, &pb);
	else
		engine_accept(op, 201, p, envvias);
}

/* Actions and events */

/* The protocol of an action or an event is loaded: settle it, decide, save. */
static void
engine_loaded(void *arg, const struct store_loaded *r)
{
	struct engine_op *op = arg;
	struct engine *e = op->e;
	struct protocol p;
	struct problem pb;
	int64_t now = clock_now(e->clock);
	int rc;

	e->pending--;
	turn_paid(e->turn);
	if (r->rc < 0) {
		turn_spoil(e->turn);
		engine_db_error(e, &pb);
		engine_refuse(op, &pb);
		return;
	}
	if (r->rc == 0) {
		problem_set(&pb, 404, "protocol_not_found", "no protocol %s", op->id);
		engine_refuse(op, &pb);
		return;
	}
	p = r->p;
	decide_begin(e->d);
	decide_settle(e->d, &p, now);
	if (op->kind == ENGINE_ACT)
		rc = decide_act(e->d, &p, op->name, &op->args, op->if_version, op->detail,
		    r->envvias, now, &pb);
	else
		rc = decide_event(e->d, &p, op->name, op->if_version, now, &pb);
	/* A refusal writes nothing, not even the points settled. */
	if (rc != 0 || engine_save(e, &p, STORE_SAVE_ROW, &pb) != 0)
		engine_refuse(op, &pb);
	else
		engine_accept(op, 200, &p, r->envvias);
}

void
engine_act(struct engine *e, const struct engine_act *req, engine_done_fn *done,
    void *arg)
{
	struct engine_op *op = engine_op_new(e, ENGINE_ACT, req->id, done, arg);
	struct problem pb;

	if (op == NULL)
		return;
	if (!decide_known_action(e->d, req->action)) {
		problem_set(&pb, 422, "unknown_action", "unknown action \"%.64s\"",
		    req->action);
		engine_refuse(op, &pb);
		return;
	}
	op->name = xstrdup(req->action);
	op->if_version = req->if_version;
	op->detail = engine_dup(req->detail);
	for (size_t i = 0; req->args != NULL && i < req->args->n; i++) {
		op->args.name[i] = engine_dup(req->args->name[i]);
		op->args.value[i] = engine_dup(req->args->value[i]);
		op->args.n++;
	}
	engine_start(op);
}

void
engine_event(struct engine *e, const char *id, const char *event, int64_t if_version,
    engine_done_fn *done, void *arg)
{
	struct engine_op *op = engine_op_new(e, ENGINE_EVENT, id, done, arg);

	if (op == NULL)
		return;
	op->name = xstrdup(event);
	op->if_version = if_version;
	engine_start(op);
}

void
engine_seller_put(struct engine *e, const char *id, bool envvias, engine_done_fn *done,
    void *arg)
{
	struct engine_result r = { .status = 200, .envvias = envvias };

	if (turn_open(e->turn) != 0)
		problem_set(&r.pb, 503, "database_unavailable", "the database cannot take "
		    "writes now: %s", store_error(e->st));
	else if (!proto_valid_id(id))
		problem_set(&r.pb, 422, "invalid_field", "a seller id is 1 to 64 "
		    "characters of A-Z a-z 0-9 . _ : -");
	else if (store_seller_put(e->st, id, envvias) != 0) {
		turn_spoil(e->turn);
		engine_db_error(e, &r.pb);
	} else {
		done(arg, &r);
		return;
	}
	r.status = r.pb.status;
	done(arg, &r);
}

/* The scheduler's batches */

/* Apply one due point of p and save it: 0, or -1 (the turn is spoiled). */
static int
engine_fire_one(struct engine *e, struct protocol *p, int64_t now)
{
	struct problem pb;
	int kind;

	decide_begin(e->d);
	kind = decide_step(e->d, p, now);
	return engine_save(e, p, kind == DECIDE_WARNED ? STORE_SAVE_NEXT : STORE_SAVE_ROW,
	    &pb);
}

/* Apply the due points read into the batch: how many, or -1. */
static int
engine_fire_batch(struct engine *e, const struct engine_fire_req *req)
{
	struct protocol p;
	int n = 0;

	while (n < req->max && duebatch_next(e->batch, &p)) {
		/* Its change settles it: the same points, applied once. */
		if (order_skips(e->order, p.id))
			continue;
		if (engine_fire_one(e, &p, req->now) != 0)
			return -1;
		if (p.clock != PROTO_CLOCK_NONE && p.clock_next <= req->now)
			duebatch_again(e->batch, &p);
		/* The clock is read every 64 points: a point takes microseconds. */
		if (++n % 64 == 0 && clock_mono_us() >= req->until_us)
			break;
	}
	return n;
}

static void
engine_due_read(void *arg, int n)
{
	struct engine *e = arg;
	struct engine_fire_req req = e->fire;
	struct problem pb;

	e->firing = false;
	e->pending--;
	turn_paid(e->turn);
	if (n < 0) {
		turn_spoil(e->turn);
		engine_db_error(e, &pb);
	} else {
		duebatch_fill(e->batch, n);
		n = engine_fire_batch(e, &req);
	}
	order_stale_clear(e->order);
	req.fired(req.arg, n);
	engine_hold(e);
}

void
engine_fire(struct engine *e, int64_t now, int max, int64_t until_us,
    engine_fired_fn *fired, void *arg)
{
	/* One batch at a time (the scheduler waits for each): a second gets nothing. */
	if (e->firing) {
		fired(arg, 0);
		return;
	}
	e->firing = true;
	e->pending++;
	turn_owe(e->turn);
	e->fire = (struct engine_fire_req){ now, max, until_us, fired, arg };
	store_due(e->st, now, max, duebatch_rows(e->batch, max), engine_due_read, e);
	engine_hold(e);
}
