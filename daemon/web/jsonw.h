#ifndef JSONW_H
#define JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * The JSON text writer of every answer: it writes straight into one growing buffer,
 * where building jansson objects and dumping them cost a third of a GET. Commas and
 * nesting are tracked; strings are escaped as jansson's json_dumps escapes them (so
 * the answers kept their bytes when they moved off jansson), and any byte that is not
 * well-formed UTF-8 is written as '?' (problem_clean's rule).
 */

#define JSONW_MAX_DEPTH 16
#define JSONW_INIT_CAP 4096	/* a writer's first buffer */
#define JSONW_MAX_SPARES 16

/*
 * Spare buffers of the first size, for the next writers. A malloc of 4 KiB is past the
 * allocator's per-thread cache: with its free it cost about 2k instructions of a GET
 * of 70k. Writers run on the loop thread only; a few spares cover the answers in
 * flight. An answer's text is handed to its connection and comes back when it has
 * been sent, or when libevent frees the connection's buffers, which may be after the
 * server is gone (at event_base_free): the pool lives until every buffer it lent is
 * back.
 */
struct jsonw_pool;

struct jsonw {
	char *buf;
	size_t len, cap;
	int depth;
	bool first[JSONW_MAX_DEPTH];	/* nothing written yet in this container */
	bool after_key;
	struct jsonw_pool *pool;	/* its buffer's, while it has the first size */
};

/* An empty pool (never NULL). */
struct jsonw_pool *jsonw_pool_new(void);
/* Free the pool's spares and the pool, now or once the last buffer it lent is back
 * (jsonw_recycle, jsonw_free); NULL is a no-op. */
void jsonw_pool_free(struct jsonw_pool *pool);
/* How many spares pool keeps. */
size_t jsonw_pool_spares(const struct jsonw_pool *pool);

/* An empty writer whose first buffer comes from pool (NULL: from malloc). */
void jsonw_init(struct jsonw *w, struct jsonw_pool *pool);
/* The text written (NUL-terminated, *len without it). The caller frees it: with
 * jsonw_recycle(w->pool as it was, text, w->cap as it was) when the writer had a
 * pool, else with free() or that. */
char *jsonw_take(struct jsonw *w, size_t *len);
/* Free a text taken from a writer whose cap was cap: back to pool (unless NULL) when
 * it has the first size, kept there for the next jsonw_init. */
void jsonw_recycle(struct jsonw_pool *pool, char *text, size_t cap);
/* Free the writer's buffer (into its pool); the writer may be freed twice. */
void jsonw_free(struct jsonw *w);

/* Open and close an object or an array (a value: after its comma or key). */
void jsonw_obj(struct jsonw *w);
void jsonw_obj_end(struct jsonw *w);
void jsonw_arr(struct jsonw *w);
void jsonw_arr_end(struct jsonw *w);
/* The key of the next member of the current object (n bytes, no NUL among them). */
void jsonw_key_n(struct jsonw *w, const char *key, size_t n);
/* The same for a NUL-terminated key: inline, so that the length of a literal key is
 * known when compiling. */
static inline void
jsonw_key(struct jsonw *w, const char *key)
{
	jsonw_key_n(w, key, strlen(key));
}
/* A string value, escaped. */
void jsonw_str(struct jsonw *w, const char *s);
/* The n bytes of s as a string (no NUL among them). */
void jsonw_str_n(struct jsonw *w, const char *s, size_t n);
/* s, or null when it is empty. */
void jsonw_str_or_null(struct jsonw *w, const char *s);
/* A number, true/false, null. */
void jsonw_int(struct jsonw *w, int64_t v);
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);
/* A value already written as JSON text (n bytes), copied as it is. */
void jsonw_raw(struct jsonw *w, const char *json, size_t n);
/* A newline after the text (the end of an answer). */
void jsonw_newline(struct jsonw *w);

#endif
