#include "sqlread.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include "ckpt.h"
#include "conn.h"
#include "history.h"
#include "listing.h"
#include "rows.h"
#include "sellers.h"
#include "sqlite_int.h"

/* The reads of committed data, on the reader connection (in the turn's snapshot, once
 * store_reads_ready said so): today's queries, one module each. The rows are at hand,
 * so each answer is given before the call returns. */

void
sqlread_get(struct store *st, const char *id, store_get_fn *fn, void *arg)
{
	struct sqlite_store *s = sqlite_of(st);
	struct protocol p;
	bool envvias = false;
	int rc = rows_get(s->reader, id, &p);

	if (rc == 1 && sellers_get(s->reader, p.seller, &envvias) < 0)
		rc = -1;
	rc = sqlite_rc(s, s->reader, rc);
	fn(arg, rc, rc == 1 ? &p : NULL, envvias);
}

void
sqlread_history(struct store *st, int64_t rid, int64_t after, int limit,
    store_event_fn *each, store_rows_fn *done, void *arg)
{
	struct sqlite_store *s = sqlite_of(st);
	int n = history_of(s->reader, rid, after, limit, each, arg);

	done(arg, sqlite_rc(s, s->reader, n));
}

void
sqlread_feed(struct store *st, int64_t after, int limit, store_event_fn *each,
    store_rows_fn *done, void *arg)
{
	struct sqlite_store *s = sqlite_of(st);
	int n = history_feed(s->reader, after, limit, each, arg);

	done(arg, sqlite_rc(s, s->reader, n));
}

void
sqlread_last_seq(struct store *st, store_int_fn *fn, void *arg)
{
	struct sqlite_store *s = sqlite_of(st);
	int64_t seq = 0;
	int rc = history_last_seq(s->reader, &seq);

	fn(arg, sqlite_rc(s, s->reader, rc), seq);
}

void
sqlread_list(struct store *st, const struct store_filter *f, int64_t after, int limit,
    store_protocol_fn *each, store_rows_fn *done, void *arg)
{
	struct sqlite_store *s = sqlite_of(st);
	int n = listing_protocols(s->reader, f, after, limit, each, arg);

	done(arg, sqlite_rc(s, s->reader, n));
}

void
sqlread_forecast(struct store *st, int64_t until, const char *seller,
    store_forecast_fn *fn, void *arg)
{
	struct sqlite_store *s = sqlite_of(st);
	struct store_forecast out;
	int rc = listing_forecast(s->reader, until, seller, &out);

	fn(arg, sqlite_rc(s, s->reader, rc), &out);
}

void
sqlread_stats(struct store *st, store_stats_fn *fn, void *arg)
{
	struct sqlite_store *s = sqlite_of(st);
	struct store_stats out;
	int rc = listing_stats(s->reader, &out);

	fn(arg, sqlite_rc(s, s->reader, rc), &out);
}

void
sqlread_seller(struct store *st, const char *id, int64_t since, store_seller_fn *fn,
    void *arg)
{
	struct sqlite_store *s = sqlite_of(st);
	int64_t counts[PROTO_N_STATES] = { 0 }, mediations = 0;
	bool envvias = false;
	int rc = 0;

	if (sellers_get(s->reader, id, &envvias) < 0 ||
	    sellers_counts(s->reader, id, since, counts, &mediations) != 0)
		rc = sqlite_rc(s, s->reader, -1);
	fn(arg, rc, envvias, counts, mediations);
}

void
sqlread_cursor_key(struct store *st, store_key_fn *fn, void *arg)
{
	struct sqlite_store *s = sqlite_of(st);
	uint8_t key[STORE_KEY_LEN] = { 0 };
	int rc = listing_cursor_key(s->reader, key);

	fn(arg, sqlite_rc(s, s->reader, rc), key);
}

void
sqlread_info(struct store *st, struct store_info *out)
{
	struct sqlite_store *s = sqlite_of(st);
	struct ckpt_stats ck = { 0 };
	struct stat sb;
	int64_t wal_bytes = 0;

	if (s->ckpt != NULL)
		ckpt_stats(s->ckpt, &ck);
	/* Its name, not SQLite's handle: what is on disk (a missing WAL is 0 bytes). */
	if (s->writer->wal_path != NULL && stat(s->writer->wal_path, &sb) == 0)
		wal_bytes = (int64_t)sb.st_size;
	*out = (struct store_info){
		.name = "sqlite", .version = sqlite3_libversion(),
		.sqlite = sqlite3_libversion(),
		.checkpoints_ok = ck.runs, .checkpoints_failed = ck.failures,
		.checkpoints_inline = ck.inline_runs, .wal_pages = ck.wal_pages,
		.wal_bytes = wal_bytes,
	};
}
