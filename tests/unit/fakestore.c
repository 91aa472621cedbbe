#include "fakestore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rulebook.h"
#include "strcopy.h"
#include "xmalloc.h"

/* A callback queued by fakestore_defer (or fakestore_defer_reads), with its answer. */
enum fq_kind {
	FQ_LOAD, FQ_INSERT, FQ_DUE, FQ_HEAD, FQ_OUTCOME,
	/* the reads of committed data */
	FQ_GET, FQ_EVENTS, FQ_PROTOCOLS, FQ_INT, FQ_FORECAST, FQ_STATS, FQ_SELLER, FQ_KEY
};

/* A read's rows as they were when it was asked (FQ_EVENTS, FQ_PROTOCOLS). */
struct fq_rows {
	struct fakestore_entry *ev;	/* each entry's detail is its own copy */
	struct protocol *p;
	bool *envvias;
	size_t n, cap;
};

struct fq_item {
	enum fq_kind kind;
	void (*fn)(void);	/* cast back by kind */
	void (*each)(void);	/* a read of rows: its row callback */
	void *arg;
	int rc;
	int64_t at;
	bool envvias;
	struct store_loaded loaded;
	struct protocol existing;
	enum store_outcome o;
	bool durable;		/* FQ_OUTCOME: it is the durable() */
	struct fq_rows rows;
	int64_t v[PROTO_N_STATES];	/* counts (seller) */
	struct store_forecast forecast;
	struct store_stats stats;
	uint8_t key[STORE_KEY_LEN];
};

struct fake_seller {
	char id[PROTO_ID_MAX + 1];
	bool envvias;
};

/* A row's value before the open transaction first changed it. */
struct fake_undo {
	size_t i;
	struct protocol p;
};

struct fakestore {
	struct store base;	/* first: the port's handle */
	struct protocol *rows;
	size_t n_rows, cap_rows;
	struct fakestore_entry *hist;
	size_t n_hist, cap_hist;
	struct fake_seller *sellers;
	size_t n_sellers, cap_sellers;
	int64_t last_rid, last_seq;
	/* The open transaction: what it found, and the first value of each row it
	 * changed. */
	bool in_txn, spoiled;
	size_t txn_rows, txn_hist;
	struct fake_seller *txn_sellers;
	size_t txn_n_sellers;
	struct fake_undo *undo;
	size_t n_undo, cap_undo;
	/* A commit written and not yet durable; a durable() held for fakestore_sync. */
	bool flight;
	bool hold, held;
	store_outcome_fn *held_fn;
	void *held_arg;
	enum store_outcome held_o;
	bool defer, defer_reads;
	struct fq_item *q;
	size_t n_q, cap_q;
	int fail[FAKESTORE_N_OPS];
	long calls[FAKESTORE_N_OPS];
	long violations, commits, rollbacks;
	/* The backend: its health, the test clock (as committed, and as the open
	 * transaction has it). */
	bool unhealthy;
	char why[200];
	int64_t clock_ms, txn_clock_ms;
	long reads;
	char error[256];
};

static const struct store_ops fakestore_ops;

static struct fakestore *
fs_of(struct store *st)
{
	return (struct fakestore *)st;
}

/* Count a call of op: true when it is to fail (with the error set). */
static bool
fs_fails(struct fakestore *fs, enum fakestore_op op)
{
	static const char *names[FAKESTORE_N_OPS] = { "begin", "load", "insert", "due",
		"head", "save", "seller", "commit", "durable", "read", "clock save" };

	fs->calls[op]++;
	if (fs->fail[op] == 0)
		return false;
	if (fs->fail[op] > 0)
		fs->fail[op]--;
	snprintf(fs->error, sizeof fs->error, "fakestore: %s failed (as asked)", names[op]);
	return true;
}

static void
fs_violation(struct fakestore *fs, const char *what)
{
	fs->violations++;
	snprintf(fs->error, sizeof fs->error, "fakestore: %s", what);
}

static long
fs_find(const struct fakestore *fs, const char *id)
{
	for (size_t i = 0; i < fs->n_rows; i++)
		if (strcmp(fs->rows[i].id, id) == 0)
			return (long)i;
	return -1;
}

static long
fs_find_rid(const struct fakestore *fs, int64_t rid)
{
	for (size_t i = 0; i < fs->n_rows; i++)
		if (fs->rows[i].rid == rid)
			return (long)i;
	return -1;
}

static bool
fs_envvias(const struct fakestore *fs, const char *seller)
{
	for (size_t i = 0; i < fs->n_sellers; i++)
		if (strcmp(fs->sellers[i].id, seller) == 0)
			return fs->sellers[i].envvias;
	return false;
}

/* Row i as last committed: false when the open transaction inserted it. */
static bool
fs_committed_row(const struct fakestore *fs, size_t i, struct protocol *p)
{
	if (fs->in_txn && i >= fs->txn_rows)
		return false;
	*p = fs->rows[i];
	for (size_t k = 0; fs->in_txn && k < fs->n_undo; k++)
		if (fs->undo[k].i == i)
			*p = fs->undo[k].p;
	return true;
}

/* How many entries are committed. */
static size_t
fs_committed_hist(const struct fakestore *fs)
{
	return fs->in_txn ? fs->txn_hist : fs->n_hist;
}

/* The deferred callbacks */

static void
fs_queue(struct fakestore *fs, const struct fq_item *it)
{
	if (fs->n_q == fs->cap_q) {
		fs->cap_q = fs->cap_q ? fs->cap_q * 2 : 16;
		fs->q = xrealloc(fs->q, fs->cap_q * sizeof *fs->q);
	}
	fs->q[fs->n_q++] = *it;
}

static void
fs_rows_free(struct fq_rows *r)
{
	for (size_t i = 0; r->ev != NULL && i < r->n; i++) {
		free(r->ev[i].detail);
		free(r->ev[i].name);
	}
	free(r->ev);
	free(r->p);
	free(r->envvias);
	memset(r, 0, sizeof *r);
}

/* Give a read's rows, then its end. */
static void
fs_run_rows(const struct fq_item *it)
{
	for (size_t i = 0; i < it->rows.n; i++)
		if (it->kind == FQ_EVENTS)
			((store_event_fn *)it->each)(&it->rows.ev[i].ev, it->rows.ev[i].id,
			    it->arg);
		else
			((store_protocol_fn *)it->each)(&it->rows.p[i], it->rows.envvias[i],
			    it->arg);
	((store_rows_fn *)it->fn)(it->arg, it->rc);
}

static void
fs_run_read(const struct fq_item *it)
{
	switch (it->kind) {
	case FQ_GET:
		((store_get_fn *)it->fn)(it->arg, it->rc, it->rc == 1 ? &it->existing : NULL,
		    it->envvias);
		break;
	case FQ_EVENTS:
	case FQ_PROTOCOLS:
		fs_run_rows(it);
		break;
	case FQ_INT:
		((store_int_fn *)it->fn)(it->arg, it->rc, it->at);
		break;
	case FQ_FORECAST:
		((store_forecast_fn *)it->fn)(it->arg, it->rc, &it->forecast);
		break;
	case FQ_STATS:
		((store_stats_fn *)it->fn)(it->arg, it->rc, &it->stats);
		break;
	case FQ_SELLER:
		((store_seller_fn *)it->fn)(it->arg, it->rc, it->envvias, it->v, it->at);
		break;
	case FQ_KEY:
		((store_key_fn *)it->fn)(it->arg, it->rc, it->key);
		break;
	default:
		break;
	}
}

static void
fs_run(struct fakestore *fs, const struct fq_item *it)
{
	switch (it->kind) {
	case FQ_LOAD:
		((store_load_fn *)it->fn)(it->arg, &it->loaded);
		break;
	case FQ_INSERT:
		((store_insert_fn *)it->fn)(it->arg, it->rc, &it->existing, it->envvias);
		break;
	case FQ_DUE:
		((store_due_fn *)it->fn)(it->arg, it->rc);
		break;
	case FQ_HEAD:
		((store_head_fn *)it->fn)(it->arg, it->rc, it->at);
		break;
	case FQ_OUTCOME:
		if (it->durable)
			fs->flight = false;
		((store_outcome_fn *)it->fn)(it->arg, it->o);
		break;
	default:
		fs_run_read(it);
		break;
	}
}

/* Answer now, or queue the answer (fakestore_defer). */
static void
fs_answer(struct fakestore *fs, const struct fq_item *it)
{
	if (fs->defer)
		fs_queue(fs, it);
	else
		fs_run(fs, it);
}

/* A read's answer: now, or queued (fakestore_defer_reads); its rows are freed once
 * given. */
static void
fs_answer_read(struct fakestore *fs, struct fq_item *it)
{
	if (fs->defer_reads) {
		fs_queue(fs, it);
		return;
	}
	fs_run(fs, it);
	fs_rows_free(&it->rows);
}

int
fakestore_step(struct fakestore *fs)
{
	struct fq_item it;

	if (fs->n_q == 0)
		return 0;
	/* Taken off first: the callback may queue more. */
	it = fs->q[0];
	memmove(fs->q, fs->q + 1, (fs->n_q - 1) * sizeof *fs->q);
	fs->n_q--;
	fs_run(fs, &it);
	fs_rows_free(&it.rows);
	return 1;
}

int
fakestore_flush(struct fakestore *fs)
{
	int n = (int)fs->n_q;

	for (int i = 0; i < n; i++)
		fakestore_step(fs);
	return n;
}

int
fakestore_queued(const struct fakestore *fs)
{
	return (int)fs->n_q;
}

/* The transaction */

static int
fs_begin(struct store *st)
{
	struct fakestore *fs = fs_of(st);

	if (fs_fails(fs, FAKESTORE_BEGIN))
		return -1;
	if (fs->in_txn) {
		fs_violation(fs, "begin inside a transaction");
		return -1;
	}
	fs->in_txn = true;
	fs->spoiled = false;
	fs->txn_rows = fs->n_rows;
	fs->txn_hist = fs->n_hist;
	fs->n_undo = 0;
	free(fs->txn_sellers);
	fs->txn_sellers = xmalloc((fs->n_sellers + 1) * sizeof *fs->txn_sellers);
	if (fs->n_sellers > 0)
		memcpy(fs->txn_sellers, fs->sellers, fs->n_sellers * sizeof *fs->sellers);
	fs->txn_n_sellers = fs->n_sellers;
	fs->txn_clock_ms = fs->clock_ms;
	return 0;
}

static bool
fs_in_txn(const struct store *st)
{
	return ((const struct fakestore *)st)->in_txn;
}

static void
fs_rollback(struct store *st)
{
	struct fakestore *fs = fs_of(st);

	if (!fs->in_txn)
		return;
	fs->rollbacks++;
	for (size_t k = fs->n_undo; k-- > 0;)
		fs->rows[fs->undo[k].i] = fs->undo[k].p;
	fs->n_rows = fs->txn_rows;
	for (size_t i = fs->txn_hist; i < fs->n_hist; i++) {
		free(fs->hist[i].detail);
		free(fs->hist[i].name);
	}
	fs->n_hist = fs->txn_hist;
	if (fs->txn_n_sellers > 0)
		memcpy(fs->sellers, fs->txn_sellers,
		    fs->txn_n_sellers * sizeof *fs->sellers);
	fs->n_sellers = fs->txn_n_sellers;
	fs->txn_clock_ms = fs->clock_ms;
	fs->in_txn = fs->spoiled = false;
	fs->n_undo = 0;
}

static void
fs_commit(struct store *st, store_outcome_fn *written, store_outcome_fn *durable, void *arg)
{
	struct fakestore *fs = fs_of(st);
	struct fq_item w = { .kind = FQ_OUTCOME, .fn = (void (*)(void))written, .arg = arg };
	struct fq_item d = { .kind = FQ_OUTCOME, .fn = (void (*)(void))durable, .arg = arg,
	    .durable = true };

	fs->commits++;
	if (fs->flight)
		fs_violation(fs, "a commit before the last one was durable");
	if (fs_fails(fs, FAKESTORE_COMMIT) || fs->spoiled) {
		fs_rollback(st);
		w.o = STORE_FAILED;
		fs_answer(fs, &w);
		return;
	}
	fs->in_txn = false;
	fs->n_undo = 0;
	fs->clock_ms = fs->txn_clock_ms;
	fs->flight = true;
	d.o = fs_fails(fs, FAKESTORE_DURABLE) ? STORE_LOST : STORE_OK;
	fs_answer(fs, &w);
	if (!fs->hold) {
		fs_answer(fs, &d);
		return;
	}
	fs->held = true;
	fs->held_fn = durable;
	fs->held_arg = arg;
	fs->held_o = d.o;
}

bool
fakestore_sync(struct fakestore *fs)
{
	if (!fs->held)
		return false;
	fs->held = fs->flight = false;
	fs->held_fn(fs->held_arg, fs->held_o);
	return true;
}

static void
fs_wait_durable(struct store *st)
{
	struct fakestore *fs = fs_of(st);

	while (fs->flight) {
		if (fakestore_sync(fs))
			continue;
		if (fakestore_flush(fs) == 0)
			break;
	}
}

static int
fs_salvage(struct store *st, char **cause)
{
	return 0;
}

static bool
fs_reads_ready(struct store *st)
{
	return !fs_of(st)->flight;
}

/* The write path */

static void
fs_load(struct store *st, const char *id, store_load_fn *fn, void *arg)
{
	struct fakestore *fs = fs_of(st);
	struct fq_item it = { .kind = FQ_LOAD, .fn = (void (*)(void))fn, .arg = arg };
	long i;

	if (fs_fails(fs, FAKESTORE_LOAD))
		it.loaded.rc = -1;
	else if ((i = fs_find(fs, id)) >= 0) {
		it.loaded.rc = 1;
		it.loaded.p = fs->rows[i];
		it.loaded.envvias = fs_envvias(fs, it.loaded.p.seller);
	}
	fs_answer(fs, &it);
}

/* Remember row i's value before the open transaction changes it. */
static void
fs_touch(struct fakestore *fs, size_t i)
{
	if (i >= fs->txn_rows)
		return;
	for (size_t k = 0; k < fs->n_undo; k++)
		if (fs->undo[k].i == i)
			return;
	if (fs->n_undo == fs->cap_undo) {
		fs->cap_undo = fs->cap_undo ? fs->cap_undo * 2 : 64;
		fs->undo = xrealloc(fs->undo, fs->cap_undo * sizeof *fs->undo);
	}
	fs->undo[fs->n_undo++] = (struct fake_undo){ i, fs->rows[i] };
}

static void
fs_append_row(struct fakestore *fs, struct protocol *p)
{
	if (fs->n_rows == fs->cap_rows) {
		fs->cap_rows = fs->cap_rows ? fs->cap_rows * 2 : 64;
		fs->rows = xrealloc(fs->rows, fs->cap_rows * sizeof *fs->rows);
	}
	p->rid = ++fs->last_rid;
	p->stored_state = p->state;
	p->stored_clock = p->clock;
	fs->rows[fs->n_rows++] = *p;
}

/* A write: refused outside a transaction or when asked to fail (it spoils it). */
static bool
fs_write_fails(struct fakestore *fs, enum fakestore_op op)
{
	if (fs_fails(fs, op)) {
		fs->spoiled = fs->in_txn;
		return true;
	}
	if (!fs->in_txn) {
		fs_violation(fs, "a write outside a transaction");
		return true;
	}
	return false;
}

static void
fs_insert_new(struct store *st, struct protocol *p, store_insert_fn *fn, void *arg)
{
	struct fakestore *fs = fs_of(st);
	struct fq_item it = { .kind = FQ_INSERT, .fn = (void (*)(void))fn, .arg = arg };
	long i;

	if (fs_write_fails(fs, FAKESTORE_INSERT))
		it.rc = -1;
	else if ((i = fs_find(fs, p->id)) >= 0) {
		it.existing = fs->rows[i];
		it.envvias = fs_envvias(fs, it.existing.seller);
	} else {
		fs_append_row(fs, p);
		it.rc = 1;
		it.envvias = fs_envvias(fs, p->seller);
	}
	fs_answer(fs, &it);
}

/* Running clocks due by limit, earliest first (ties by rid). */
static int
fs_due_cmp(const void *a, const void *b)
{
	const struct protocol *x = a, *y = b;

	if (x->clock_next != y->clock_next)
		return x->clock_next < y->clock_next ? -1 : 1;
	return x->rid < y->rid ? -1 : x->rid > y->rid;
}

static void
fs_due(struct store *st, int64_t limit, int max, struct protocol *out, store_due_fn *fn,
    void *arg)
{
	struct fakestore *fs = fs_of(st);
	struct fq_item it = { .kind = FQ_DUE, .fn = (void (*)(void))fn, .arg = arg };
	struct protocol *all = xmalloc((fs->n_rows + 1) * sizeof *all);
	size_t n = 0;

	if (fs_fails(fs, FAKESTORE_DUE))
		it.rc = -1;
	else {
		for (size_t i = 0; i < fs->n_rows; i++)
			if (fs->rows[i].clock != PROTO_CLOCK_NONE &&
			    fs->rows[i].clock_next <= limit)
				all[n++] = fs->rows[i];
		qsort(all, n, sizeof *all, fs_due_cmp);
		it.rc = (int)n < max ? (int)n : max;
		memcpy(out, all, (size_t)it.rc * sizeof *out);
	}
	free(all);
	fs_answer(fs, &it);
}

static void
fs_head(struct store *st, store_head_fn *fn, void *arg)
{
	struct fakestore *fs = fs_of(st);
	struct fq_item it = { .kind = FQ_HEAD, .fn = (void (*)(void))fn, .arg = arg,
	    .at = INT64_MAX };

	if (fs_fails(fs, FAKESTORE_HEAD))
		it.rc = -1;
	for (size_t i = 0; it.rc == 0 && i < fs->n_rows; i++)
		if (fs->rows[i].clock != PROTO_CLOCK_NONE && fs->rows[i].clock_next < it.at)
			it.at = fs->rows[i].clock_next;
	fs_answer(fs, &it);
}

static void
fs_add_entry(struct fakestore *fs, const struct protocol *p, const struct proto_event *ev)
{
	struct fakestore_entry *h;

	if (fs->n_hist == fs->cap_hist) {
		fs->cap_hist = fs->cap_hist ? fs->cap_hist * 2 : 64;
		fs->hist = xrealloc(fs->hist, fs->cap_hist * sizeof *fs->hist);
	}
	h = &fs->hist[fs->n_hist++];
	h->ev = *ev;
	h->ev.seq = ++fs->last_seq;
	h->ev.rid = p->rid;
	h->detail = ev->detail != NULL ? xstrdup(ev->detail) : NULL;
	h->ev.detail = h->detail;
	h->name = xstrdup(ev->name);
	h->ev.name = h->name;
	strcopy(h->id, sizeof h->id, p->id);
}

static int
fs_save(struct store *st, struct protocol *p, const struct proto_event *ev, size_t n,
    enum store_save what)
{
	struct fakestore *fs = fs_of(st);
	long i;

	if (fs_write_fails(fs, FAKESTORE_SAVE))
		return -1;
	if ((i = fs_find_rid(fs, p->rid)) < 0) {
		fs->spoiled = true;
		snprintf(fs->error, sizeof fs->error, "fakestore: no row %lld",
		    (long long)p->rid);
		return -1;
	}
	fs_touch(fs, (size_t)i);
	if (what == STORE_SAVE_NEXT)
		fs->rows[i].clock_next = p->clock_next;
	else if (what == STORE_SAVE_ROW) {
		p->stored_state = p->state;
		p->stored_clock = p->clock;
		fs->rows[i] = *p;
	}
	for (size_t k = 0; k < n; k++)
		fs_add_entry(fs, p, &ev[k]);
	return 0;
}

static void
fs_set_seller(struct fakestore *fs, const char *id, bool envvias)
{
	for (size_t i = 0; i < fs->n_sellers; i++)
		if (strcmp(fs->sellers[i].id, id) == 0) {
			fs->sellers[i].envvias = envvias;
			return;
		}
	if (fs->n_sellers == fs->cap_sellers) {
		fs->cap_sellers = fs->cap_sellers ? fs->cap_sellers * 2 : 16;
		fs->sellers = xrealloc(fs->sellers, fs->cap_sellers * sizeof *fs->sellers);
	}
	strcopy(fs->sellers[fs->n_sellers].id, sizeof fs->sellers[0].id, id);
	fs->sellers[fs->n_sellers++].envvias = envvias;
}

static int
fs_seller_put(struct store *st, const char *id, bool envvias)
{
	struct fakestore *fs = fs_of(st);

	if (fs_write_fails(fs, FAKESTORE_SELLER))
		return -1;
	fs_set_seller(fs, id, envvias);
	return 0;
}

/* Reads of committed data (as last committed: the open transaction is not seen), each
 * answered as it is when asked */

/* A read: counted, failing when asked to (the answer's rc -1). */
static bool
fs_read_fails(struct fakestore *fs, struct fq_item *it, enum fq_kind kind, void (*fn)(void),
    void *arg)
{
	*it = (struct fq_item){ .kind = kind, .fn = fn, .arg = arg };
	fs->reads++;
	if (!fs_fails(fs, FAKESTORE_READ))
		return false;
	it->rc = -1;
	return true;
}

static void
fs_get(struct store *st, const char *id, store_get_fn *fn, void *arg)
{
	struct fakestore *fs = fs_of(st);
	struct fq_item it;

	if (!fs_read_fails(fs, &it, FQ_GET, (void (*)(void))fn, arg) &&
	    fakestore_get(fs, id, true, &it.existing)) {
		it.rc = 1;
		it.envvias = fs_envvias(fs, it.existing.seller);
	}
	fs_answer_read(fs, &it);
}

static void
fs_rows_grow(struct fq_rows *r, bool events)
{
	if (r->n < r->cap)
		return;
	r->cap = r->cap ? r->cap * 2 : 16;
	if (events) {
		r->ev = xrealloc(r->ev, r->cap * sizeof *r->ev);
		return;
	}
	r->p = xrealloc(r->p, r->cap * sizeof *r->p);
	r->envvias = xrealloc(r->envvias, r->cap * sizeof *r->envvias);
}

static void
fs_rows_event(struct fq_rows *r, const struct fakestore_entry *h)
{
	struct fakestore_entry *e;

	fs_rows_grow(r, true);
	e = &r->ev[r->n++];
	*e = *h;
	e->detail = h->detail != NULL ? xstrdup(h->detail) : NULL;
	e->ev.detail = e->detail;
	e->name = xstrdup(h->name);
	e->ev.name = e->name;
}

/* The committed entries after seq `after` (of rid, unless 0), at most limit. */
static void
fs_events(struct store *st, int64_t rid, int64_t after, int limit, store_event_fn *each,
    store_rows_fn *done, void *arg)
{
	struct fakestore *fs = fs_of(st);
	size_t n = fs_committed_hist(fs);
	struct fq_item it;

	if (!fs_read_fails(fs, &it, FQ_EVENTS, (void (*)(void))done, arg))
		for (size_t i = 0; i < n && it.rc < limit; i++)
			if ((rid == 0 || fs->hist[i].ev.rid == rid) &&
			    fs->hist[i].ev.seq > after) {
				fs_rows_event(&it.rows, &fs->hist[i]);
				it.rc++;
			}
	it.each = (void (*)(void))each;
	fs_answer_read(fs, &it);
}

static void
fs_history(struct store *st, int64_t rid, int64_t after, int limit, store_event_fn *each,
    store_rows_fn *done, void *arg)
{
	fs_events(st, rid, after, limit, each, done, arg);
}

static void
fs_feed(struct store *st, int64_t after, int limit, store_event_fn *each,
    store_rows_fn *done, void *arg)
{
	fs_events(st, 0, after, limit, each, done, arg);
}

static void
fs_last_seq(struct store *st, store_int_fn *fn, void *arg)
{
	struct fakestore *fs = fs_of(st);
	size_t n = fs_committed_hist(fs);
	struct fq_item it;

	if (!fs_read_fails(fs, &it, FQ_INT, (void (*)(void))fn, arg))
		it.at = n > 0 ? fs->hist[n - 1].ev.seq : 0;
	fs_answer_read(fs, &it);
}

static bool
fs_matches(const struct protocol *p, const struct store_filter *f)
{
	return (f->state < 0 || (int)p->state == f->state) &&
	    (f->seller == NULL || strcmp(p->seller, f->seller) == 0) &&
	    (!f->has_due || (p->clock != PROTO_CLOCK_NONE && p->clock_due < f->due_before)) &&
	    (f->marketplace == NULL || strcmp(p->marketplace, f->marketplace) == 0);
}

static void
fs_list(struct store *st, const struct store_filter *f, int64_t after, int limit,
    store_protocol_fn *each, store_rows_fn *done, void *arg)
{
	struct fakestore *fs = fs_of(st);
	struct fq_item it;
	struct protocol p;

	if (!fs_read_fails(fs, &it, FQ_PROTOCOLS, (void (*)(void))done, arg))
		for (size_t i = 0; i < fs->n_rows && it.rc < limit; i++)
			if (fs_committed_row(fs, i, &p) && p.rid > after && fs_matches(&p, f)) {
				fs_rows_grow(&it.rows, false);
				it.rows.envvias[it.rows.n] = fs_envvias(fs, p.seller);
				it.rows.p[it.rows.n++] = p;
				it.rc++;
			}
	it.each = (void (*)(void))each;
	fs_answer_read(fs, &it);
}

/* One more clock of p's marketplace and kind. */
static void
fs_forecast_add(struct store_forecast *f, const struct protocol *p)
{
	const char *at = strstr(p->clock_rule, ";to=");
	int to = at != NULL && strncmp(at + 4, "pending;", 8) == 0 ? PROTO_PENDING :
	    at != NULL && strncmp(at + 4, "mediation;", 10) == 0 ? PROTO_MEDIATION :
	    at != NULL && strncmp(at + 4, "resolved;", 9) == 0 ? PROTO_RESOLVED : -1;
	size_t i = 0;

	/* As the stores group them (listing.c): by marketplace, kind and where to. */
	while (i < f->n && (f->row[i].kind != p->clock || f->row[i].to != to ||
	    strcmp(f->row[i].market, p->marketplace) != 0))
		i++;
	if (i == STORE_FORECAST_MAX)
		return;
	if (i == f->n) {
		strcopy(f->row[i].market, sizeof f->row[i].market, p->marketplace);
		f->row[i].kind = p->clock;
		f->row[i].to = to;
		f->row[i].n = 0;
		f->n++;
	}
	f->row[i].n++;
}

/* One more protocol of p's kind of clock and of its marketplace's state. */
static void
fs_stats_add(struct store_stats *out, const struct protocol *p)
{
	int market = rulebook_market_number(p->marketplace);
	size_t i = 0;

	/* As counts_to_stats: the running clocks only. */
	while (p->clock != PROTO_CLOCK_NONE && i < out->n_clocks &&
	    out->clocks[i].kind != p->clock)
		i++;
	if (p->clock != PROTO_CLOCK_NONE && i == out->n_clocks && i < STORE_STATS_MAX)
		out->clocks[out->n_clocks++] = (struct store_kind_count){ p->clock, 0 };
	if (p->clock != PROTO_CLOCK_NONE && i < STORE_STATS_MAX)
		out->clocks[i].n++;
	i = 0;
	while (i < out->n_markets && (out->markets[i].market != market ||
	    out->markets[i].state != (int)p->state))
		i++;
	if (i == out->n_markets && i < STORE_STATS_MAX)
		out->markets[out->n_markets++] = (struct store_market_count){ market,
		    (int)p->state, 0 };
	if (i < STORE_STATS_MAX)
		out->markets[i].n++;
}

static void
fs_forecast(struct store *st, int64_t until, const char *seller, store_forecast_fn *fn,
    void *arg)
{
	struct fakestore *fs = fs_of(st);
	struct fq_item it;
	struct protocol p;

	if (!fs_read_fails(fs, &it, FQ_FORECAST, (void (*)(void))fn, arg))
		for (size_t i = 0; i < fs->n_rows; i++)
			if (fs_committed_row(fs, i, &p) && p.clock != PROTO_CLOCK_NONE &&
			    p.clock_due <= until &&
			    (seller == NULL || strcmp(p.seller, seller) == 0))
				fs_forecast_add(&it.forecast, &p);
	fs_answer_read(fs, &it);
}

static void
fs_stats_of(struct fakestore *fs, struct store_stats *out)
{
	size_t n = fs_committed_hist(fs);
	struct protocol p;

	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < fs->n_rows; i++) {
		if (!fs_committed_row(fs, i, &p))
			continue;
		out->by_state[p.state]++;
		fs_stats_add(out, &p);
		if (p.clock != PROTO_CLOCK_NONE && (!out->has_next || p.clock_next <
		    out->next_at)) {
			out->has_next = true;
			strcopy(out->next_id, sizeof out->next_id, p.id);
			out->next_clock = p.clock;
			out->next_at = p.clock_next;
		}
	}
	for (size_t i = 0; i < n; i++)
		out->by_cause[fs->hist[i].ev.cause]++;
}

static void
fs_stats(struct store *st, store_stats_fn *fn, void *arg)
{
	struct fakestore *fs = fs_of(st);
	struct fq_item it;

	if (!fs_read_fails(fs, &it, FQ_STATS, (void (*)(void))fn, arg))
		fs_stats_of(fs, &it.stats);
	fs_answer_read(fs, &it);
}

static void
fs_seller_counts(struct fakestore *fs, const char *id, int64_t since, int64_t *counts,
    int64_t *mediations)
{
	size_t n = fs_committed_hist(fs);
	struct protocol p;

	for (size_t i = 0; i < fs->n_rows; i++)
		if (fs_committed_row(fs, i, &p) && strcmp(p.seller, id) == 0)
			counts[p.state]++;
	for (size_t i = 0; i < n; i++) {
		const struct fakestore_entry *h = &fs->hist[i];
		long r = fs_find_rid(fs, h->ev.rid);

		if (h->ev.to == PROTO_MEDIATION && h->ev.at >= since && r >= 0 &&
		    strcmp(fs->rows[r].seller, id) == 0)
			(*mediations)++;
	}
}

static void
fs_seller(struct store *st, const char *id, int64_t since, store_seller_fn *fn, void *arg)
{
	struct fakestore *fs = fs_of(st);
	struct fq_item it;

	if (!fs_read_fails(fs, &it, FQ_SELLER, (void (*)(void))fn, arg)) {
		it.envvias = fs_envvias(fs, id);
		fs_seller_counts(fs, id, since, it.v, &it.at);
	}
	fs_answer_read(fs, &it);
}

static void
fs_cursor_key(struct store *st, store_key_fn *fn, void *arg)
{
	struct fakestore *fs = fs_of(st);
	struct fq_item it;

	if (!fs_read_fails(fs, &it, FQ_KEY, (void (*)(void))fn, arg))
		for (int i = 0; i < STORE_KEY_LEN; i++)
			it.key[i] = (uint8_t)(0xa5 ^ i);
	fs_answer_read(fs, &it);
}

static void
fs_info(struct store *st, struct store_info *out)
{
	memset(out, 0, sizeof *out);
	out->name = "fake";
	out->version = "0";
	out->sqlite = "0";
}

/* The backend */

static bool
fs_health(struct store *st, char *why, size_t len)
{
	struct fakestore *fs = fs_of(st);

	snprintf(why, len, "%s", fs->unhealthy ? fs->why : "");
	return !fs->unhealthy;
}

/* The clock as committed: a read like the others (deferred with them). */
static void
fs_clock_load(struct store *st, store_int_fn *fn, void *arg)
{
	struct fakestore *fs = fs_of(st);
	struct fq_item it;

	if (!fs_read_fails(fs, &it, FQ_INT, (void (*)(void))fn, arg))
		it.at = fs->clock_ms;
	fs_answer_read(fs, &it);
}

static int
fs_clock_save(struct store *st, int64_t ms)
{
	struct fakestore *fs = fs_of(st);

	if (fs_write_fails(fs, FAKESTORE_CLOCK))
		return -1;
	fs->txn_clock_ms = ms;
	return 0;
}

static const char *
fs_error(const struct store *st)
{
	return ((const struct fakestore *)st)->error;
}

static bool
fs_error_is_full(const struct store *st)
{
	return false;
}

static void
fs_close(struct store *st)
{
	struct fakestore *fs = fs_of(st);

	for (size_t i = 0; i < fs->n_hist; i++) {
		free(fs->hist[i].detail);
		free(fs->hist[i].name);
	}
	free(fs->hist);
	free(fs->rows);
	free(fs->sellers);
	free(fs->txn_sellers);
	free(fs->undo);
	/* Answers never given (a test that stopped first): their rows. */
	for (size_t i = 0; i < fs->n_q; i++)
		fs_rows_free(&fs->q[i].rows);
	free(fs->q);
	free(fs);
}

static const struct store_ops fakestore_ops = {
	.begin = fs_begin, .in_txn = fs_in_txn, .rollback = fs_rollback,
	.commit = fs_commit, .wait_durable = fs_wait_durable, .salvage = fs_salvage,
	.reads_ready = fs_reads_ready,
	.load = fs_load, .insert_new = fs_insert_new, .due = fs_due, .head = fs_head,
	.save = fs_save, .seller_put = fs_seller_put,
	.get = fs_get, .history = fs_history, .feed = fs_feed, .last_seq = fs_last_seq,
	.list = fs_list, .forecast = fs_forecast, .stats = fs_stats, .seller = fs_seller,
	.cursor_key = fs_cursor_key, .info = fs_info,
	.health = fs_health, .clock_load = fs_clock_load, .clock_save = fs_clock_save,
	.error = fs_error, .error_is_full = fs_error_is_full, .close = fs_close,
};

/* The test's side */

struct fakestore *
fakestore_new(void)
{
	struct fakestore *fs = xcalloc(1, sizeof *fs);

	fs->base.ops = &fakestore_ops;
	return fs;
}

void
fakestore_free(struct fakestore *fs)
{
	if (fs != NULL)
		fs_close(&fs->base);
}

struct store *
fakestore_store(struct fakestore *fs)
{
	return &fs->base;
}

void
fakestore_defer(struct fakestore *fs, bool on)
{
	fs->defer = on;
}

void
fakestore_defer_reads(struct fakestore *fs, bool on)
{
	fs->defer_reads = on;
}

void
fakestore_hold_durable(struct fakestore *fs, bool on)
{
	fs->hold = on;
}

void
fakestore_fail(struct fakestore *fs, enum fakestore_op op, int n)
{
	fs->fail[op] = n;
}

long
fakestore_calls(const struct fakestore *fs, enum fakestore_op op)
{
	return fs->calls[op];
}

long
fakestore_violations(const struct fakestore *fs)
{
	return fs->violations;
}

long
fakestore_commits(const struct fakestore *fs)
{
	return fs->commits;
}

long
fakestore_rollbacks(const struct fakestore *fs)
{
	return fs->rollbacks;
}

int64_t
fakestore_put(struct fakestore *fs, const struct protocol *p)
{
	struct protocol q = *p;

	fs_append_row(fs, &q);
	/* Committed: not undone by the open transaction's rollback. */
	if (fs->in_txn)
		fs->txn_rows = fs->n_rows;
	return q.rid;
}

void
fakestore_put_seller(struct fakestore *fs, const char *id, bool envvias)
{
	fs_set_seller(fs, id, envvias);
}

bool
fakestore_get(struct fakestore *fs, const char *id, bool committed, struct protocol *p)
{
	long i = fs_find(fs, id);

	if (i < 0)
		return false;
	if (committed)
		return fs_committed_row(fs, (size_t)i, p);
	*p = fs->rows[i];
	return true;
}

const struct fakestore_entry *
fakestore_entries(const struct fakestore *fs, size_t *n)
{
	*n = fs->n_hist;
	return fs->hist;
}

size_t
fakestore_history_of(const struct fakestore *fs, const char *id,
    const struct fakestore_entry **out, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < fs->n_hist && k < max; i++)
		if (strcmp(fs->hist[i].id, id) == 0)
			out[k++] = &fs->hist[i];
	return k;
}

long
fakestore_reads(const struct fakestore *fs)
{
	return fs->reads;
}

void
fakestore_set_health(struct fakestore *fs, bool ok, const char *why)
{
	fs->unhealthy = !ok;
	snprintf(fs->why, sizeof fs->why, "%s", why != NULL ? why : "");
}

int64_t
fakestore_clock(const struct fakestore *fs)
{
	return fs->clock_ms;
}
