#ifndef JSONW_H
#define JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * A JSON text writer for the answers read most (a protocol, a page of them): it
 * writes straight into one growing buffer, where building jansson objects and dumping
 * them cost a third of a GET. Commas and nesting are tracked; strings are escaped and
 * any byte that is not well-formed UTF-8 is written as '?'.
 */

#define JSONW_MAX_DEPTH 16

struct jsonw {
	char *buf;
	size_t len, cap;
	int depth;
	bool first[JSONW_MAX_DEPTH];	/* nothing written yet in this container */
	bool after_key;
};

void jsonw_init(struct jsonw *w);
/* The text written (NUL-terminated, *len without it); the caller frees it, with free()
 * or jsonw_recycle(). */
char *jsonw_take(struct jsonw *w, size_t *len);
/* Free a text taken from a writer whose cap was cap: kept for the next jsonw_init
 * when it has the first size (a few at most). Loop thread only, as every writer. */
void jsonw_recycle(char *text, size_t cap);
void jsonw_free(struct jsonw *w);

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
void jsonw_str(struct jsonw *w, const char *s);
/* s, or null when it is empty. */
void jsonw_str_or_null(struct jsonw *w, const char *s);
void jsonw_int(struct jsonw *w, int64_t v);
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);
/* A value already written as JSON text (n bytes), copied as it is. */
void jsonw_raw(struct jsonw *w, const char *json, size_t n);
/* A newline after the text (the end of an answer). */
void jsonw_newline(struct jsonw *w);

#endif
