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

void
store_get(struct store *st, const char *id, store_get_fn *fn, void *arg)
{
	st->ops->get(st, id, fn, arg);
}

void
store_history(struct store *st, int64_t rid, int64_t after, int limit,
    store_event_fn *each, store_rows_fn *done, void *arg)
{
	st->ops->history(st, rid, after, limit, each, done, arg);
}

void
store_feed(struct store *st, int64_t after, int limit, store_event_fn *each,
    store_rows_fn *done, void *arg)
{
	st->ops->feed(st, after, limit, each, done, arg);
}

void
store_last_seq(struct store *st, store_int_fn *fn, void *arg)
{
	st->ops->last_seq(st, fn, arg);
}

void
store_list(struct store *st, const struct store_filter *f, int64_t after, int limit,
    store_protocol_fn *each, store_rows_fn *done, void *arg)
{
	st->ops->list(st, f, after, limit, each, done, arg);
}

void
store_forecast(struct store *st, int64_t until, const char *seller,
    store_forecast_fn *fn, void *arg)
{
	st->ops->forecast(st, until, seller, fn, arg);
}

void
store_stats(struct store *st, store_stats_fn *fn, void *arg)
{
	st->ops->stats(st, fn, arg);
}

void
store_seller(struct store *st, const char *id, int64_t since, store_seller_fn *fn,
    void *arg)
{
	st->ops->seller(st, id, since, fn, arg);
}

void
store_cursor_key(struct store *st, store_key_fn *fn, void *arg)
{
	st->ops->cursor_key(st, fn, arg);
}

void
store_info(struct store *st, struct store_info *out)
{
	st->ops->info(st, out);
}

bool
store_health(struct store *st, char *why, size_t len)
{
	return st->ops->health(st, why, len);
}

void
store_clock_load(struct store *st, store_int_fn *fn, void *arg)
{
	st->ops->clock_load(st, fn, arg);
}

int
store_clock_save(struct store *st, int64_t ms)
{
	return st->ops->clock_save(st, ms);
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

void
store_on_txn_lost(struct store *st, void (*fn)(void *arg), void *arg)
{
	st->txn_lost = fn;
	st->txn_lost_arg = arg;
}

void
store_txn_lost(struct store *st)
{
	if (st->txn_lost != NULL)
		st->txn_lost(st->txn_lost_arg);
}

void
store_backup(struct store *st, store_backup_fn *fn, void *arg)
{
	struct store_backup b = { .rc = STORE_BACKUP_UNSUPPORTED, .fd = -1 };

	if (st->ops->backup == NULL) {
		fn(arg, &b);
		return;
	}
	st->ops->backup(st, fn, arg);
}

void
store_cluster(struct store *st, struct store_cluster *out)
{
	*out = (struct store_cluster){ .shards = 1 };
	if (st->ops->cluster != NULL)
		st->ops->cluster(st, out);
}

void
store_settled(struct store *st, int64_t ms, store_settled_fn *fn, void *arg)
{
	if (st->ops->settled == NULL) {
		fn(arg, 0, true);
		return;
	}
	st->ops->settled(st, ms, fn, arg);
}

void
store_on_peers(struct store *st, const struct store_peers *p)
{
	st->peers = *p;
}

void
store_peer_wake(struct store *st, int64_t at)
{
	if (st->peers.wake != NULL)
		st->peers.wake(st->peers.arg, at);
}

void
store_peer_clock(struct store *st, int64_t ms)
{
	if (st->peers.clock != NULL)
		st->peers.clock(st->peers.arg, ms);
}

void
store_peer_feed(struct store *st, int64_t last)
{
	if (st->peers.feed != NULL)
		st->peers.feed(st->peers.arg, last);
}

void
store_advertise(struct store *st, const char *fingerprint)
{
	if (st->ops->advertise != NULL)
		st->ops->advertise(st, fingerprint);
}
