#ifndef CONFLINE_H
#define CONFLINE_H

#include <stdio.h>

/*
 * The lines of a configuration file as inih (r55) sees them. A reader of lines to
 * hand to inih, which counts them, hands the over-long ones on empty (inih would
 * split them into two; only their first CONFLINE_MAX + 1 bytes are kept, the rest is
 * counted and skipped, so an endless line costs no memory) and tells what each line
 * is by inih's rules, reporting the malformed ones. It knows nothing of sections or
 * keys that exist: the loader (config.c) decides those, and is the only one that calls
 * inih.
 */

/* At most this many bytes a line, without its '\n': what fits inih's 200-byte buffer. */
#define CONFLINE_MAX 199

/* What the line just read is. */
enum confline_kind {
	CONFLINE_BLANK,		/* empty or a comment */
	CONFLINE_SECTION,	/* "[name]": confline_header() is name */
	CONFLINE_KEY,		/* "key = value": confline_key() is key */
	CONFLINE_MORE,		/* indented after a key: inih continues that key's value */
	CONFLINE_BAD,		/* malformed (reported; inih may still take it) */
	CONFLINE_LONG		/* over CONFLINE_MAX bytes (reported), handed on empty */
};

/* Told of each problem with a line: "what is wrong (what would be right)". */
typedef void confline_error_fn(void *arg, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

struct confline;

/* A reader of fp (which stays the caller's) that tells error(arg, …) of problems. */
struct confline *confline_new(FILE *fp, confline_error_fn *error, void *arg);
/* Free; NULL is a no-op. */
void confline_free(struct confline *cl);
/* The next line into buf (of size bytes, '\n' dropped, "" when over-long) and
 * classified, for ini_parse_stream's reader: buf, or NULL at the end or on a read
 * error (confline_errno). */
char *confline_read(struct confline *cl, char *buf, int size);
/* The number of the line just read, from 1; 0 before the first. */
int confline_lineno(const struct confline *cl);
/* What the line just read is. */
enum confline_kind confline_kind(const struct confline *cl);
/* Of a line that starts with '[': the name between the brackets (SECTION), or the
 * line from '[' on (BAD: no closing ']'; LONG: of its first CONFLINE_MAX + 1 bytes).
 * NULL for any other line. */
const char *confline_header(const struct confline *cl);
/* The key that the last KEY line set and a MORE line continues; NULL when none (no
 * key yet, or a section header since). */
const char *confline_key(const struct confline *cl);
/* The first line that inih, too, finds malformed (its ini_parse_stream result), or 0. */
int confline_first_bad(const struct confline *cl);
/* The errno of a failed read, or 0. */
int confline_errno(const struct confline *cl);
/* 0 when value (as inih hands it on) has no '#' that its writer surely meant as a
 * comment (at its start or after a space); else -1 and a malloc'd *why. */
int confline_hash_comment(const char *value, char **why);

#endif
