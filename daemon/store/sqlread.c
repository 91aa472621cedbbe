#include "sqlread.h"

#include <sqlite3.h>

#include "ckpt.h"
#include "conn.h"
#include "history.h"
#include "listing.h"
#include "rows.h"
#include "sellers.h"
#include "sqlite_int.h"

/* The reads of committed data, on the reader connection (in the turn's snapshot, once
 * store_reads_ready said so): today's queries, one module each. */

int
sqlread_get(struct store *st, const char *id, struct protocol *p, bool *envvias)
{
	struct sqlite_store *s = sqlite_of(st);
	int rc = rows_get(s->reader, id, p);

	*envvias = false;
	if (rc == 1 && sellers_get(s->reader, p->seller, envvias) < 0)
		rc = -1;
	return sqlite_rc(s, s->reader, rc);
}

int
sqlread_history(struct store *st, int64_t rid, int64_t after, int limit,
    store_event_fn *fn, void *arg)
{
	struct sqlite_store *s = sqlite_of(st);

	return sqlite_rc(s, s->reader, history_of(s->reader, rid, after, limit, fn, arg));
}

int
sqlread_feed(struct store *st, int64_t after, int limit, store_event_fn *fn, void *arg)
{
	struct sqlite_store *s = sqlite_of(st);

	return sqlite_rc(s, s->reader, history_feed(s->reader, after, limit, fn, arg));
}

int
sqlread_last_seq(struct store *st, int64_t *seq)
{
	struct sqlite_store *s = sqlite_of(st);

	return sqlite_rc(s, s->reader, history_last_seq(s->reader, seq));
}

int
sqlread_list(struct store *st, const struct store_filter *f, int64_t after, int limit,
    store_protocol_fn *fn, void *arg)
{
	struct sqlite_store *s = sqlite_of(st);

	return sqlite_rc(s, s->reader, listing_protocols(s->reader, f, after, limit, fn,
	    arg));
}

int
sqlread_forecast(struct store *st, int64_t until, const char *seller,
    int64_t by_kind[PROTO_N_CLOCKS])
{
	struct sqlite_store *s = sqlite_of(st);

	return sqlite_rc(s, s->reader, listing_forecast(s->reader, until, seller, by_kind));
}

int
sqlread_stats(struct store *st, struct store_stats *out)
{
	struct sqlite_store *s = sqlite_of(st);

	return sqlite_rc(s, s->reader, listing_stats(s->reader, out));
}

int
sqlread_seller(struct store *st, const char *id, int64_t since, bool *envvias,
    int64_t counts[PROTO_N_STATES], int64_t *mediations)
{
	struct sqlite_store *s = sqlite_of(st);

	if (sellers_get(s->reader, id, envvias) < 0 ||
	    sellers_counts(s->reader, id, since, counts, mediations) != 0)
		return sqlite_rc(s, s->reader, -1);
	return 0;
}

int
sqlread_cursor_key(struct store *st, uint8_t key[STORE_KEY_LEN])
{
	struct sqlite_store *s = sqlite_of(st);

	return sqlite_rc(s, s->reader, listing_cursor_key(s->reader, key));
}

void
sqlread_info(struct store *st, struct store_info *out)
{
	struct sqlite_store *s = sqlite_of(st);
	struct ckpt_stats ck = { 0 };

	if (s->ckpt != NULL)
		ckpt_stats(s->ckpt, &ck);
	*out = (struct store_info){
		.name = "sqlite", .version = sqlite3_libversion(),
		.checkpoints_ok = ck.runs, .checkpoints_failed = ck.failures,
		.checkpoints_inline = ck.inline_runs, .wal_pages = ck.wal_pages,
	};
}

