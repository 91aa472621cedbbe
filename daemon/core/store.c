#include "store.h"

/* Each call goes to the backend's table (store.h says what it promises). */

int
store_begin(struct store *st)
{
	return st->ops->begin(st);
}

bool
store_in_txn(const struct store *st)
{
	return st->ops->in_txn(st);
}

void
store_rollback(struct store *st)
{
	st->ops->rollback(st);
}

void
store_commit(struct store *st, store_outcome_fn *written, store_outcome_fn *durable,
    void *arg)
{
	st->ops->commit(st, written, durable, arg);
}

void
store_wait_durable(struct store *st)
{
	st->ops->wait_durable(st);
}

int
store_salvage(struct store *st, char **cause)
{
	return st->ops->salvage(st, cause);
}

bool
store_reads_ready(struct store *st)
{
	return st->ops->reads_ready(st);
}

void
store_load(struct store *st, const char *id, store_load_fn *fn, void *arg)
{
	st->ops->load(st, id, fn, arg);
}

void
store_insert_new(struct store *st, struct protocol *p, store_insert_fn *fn,
    void *arg)
{
	st->ops->insert_new(st, p, fn, arg);
}

void
store_due(struct store *st, int64_t limit, int max, struct protocol *out,
    store_due_fn *fn, void *arg)
{
	st->ops->due(st, limit, max, out, fn, arg);
}

void
store_head(struct store *st, store_head_fn *fn, void *arg)
{
	st->ops->head(st, fn, arg);
}

int
store_save(struct store *st, struct protocol *p, const struct proto_event *ev,
    size_t n, enum store_save what)
{
	return st->ops->save(st, p, ev, n, what);
}

int
store_seller_put(struct store *st, const char *id, bool envvias)
{
	return st->ops->seller_put(st, id, envvias);
}

int
store_get(struct store *st, const char *id, struct protocol *p, bool *envvias)
{
	return st->ops->get(st, id, p, envvias);
}

int
store_history(struct store *st, int64_t rid, int64_t after, int limit,
    store_event_fn *fn, void *arg)
{
	return st->ops->history(st, rid, after, limit, fn, arg);
}

int
store_feed(struct store *st, int64_t after, int limit, store_event_fn *fn, void *arg)
{
	return st->ops->feed(st, after, limit, fn, arg);
}

int
store_last_seq(struct store *st, int64_t *seq)
{
	return st->ops->last_seq(st, seq);
}

int
store_list(struct store *st, const struct store_filter *f, int64_t after, int limit,
    store_protocol_fn *fn, void *arg)
{
	return st->ops->list(st, f, after, limit, fn, arg);
}

int
store_forecast(struct store *st, int64_t until, const char *seller,
    int64_t by_kind[PROTO_N_CLOCKS])
{
	return st->ops->forecast(st, until, seller, by_kind);
}

int
store_stats(struct store *st, struct store_stats *out)
{
	return st->ops->stats(st, out);
}

int
store_seller(struct store *st, const char *id, int64_t since, bool *envvias,
    int64_t counts[PROTO_N_STATES], int64_t *mediations)
{
	return st->ops->seller(st, id, since, envvias, counts, mediations);
}

int
store_cursor_key(struct store *st, uint8_t key[STORE_KEY_LEN])
{
	return st->ops->cursor_key(st, key);
}

void
store_info(struct store *st, struct store_info *out)
{
	st->ops->info(st, out);
}

const char *
store_error(const struct store *st)
{
	return st->ops->error(st);
}

bool
store_error_is_full(const struct store *st)
{
	return st->ops->error_is_full(st);
}

void
store_close(struct store *st)
{
	if (st != NULL)
		st->ops->close(st);
}
