#ifndef PROBLEM_H
#define PROBLEM_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Why a request was refused, as the API will show it (RFC 9457): an HTTP status, a
 * stable machine-readable code, a detail for people, and optionally the names that
 * would have been accepted.
 */
#define PROBLEM_MAX_ALLOWED 64	/* a rulebook has at most 64 actions */

struct problem {
	int status;
	const char *code;
	char detail[512];
	const char *allowed[PROBLEM_MAX_ALLOWED];
	size_t n_allowed;
	bool list_allowed;	/* show "allowed" even when empty */
};

/* Fill p (status, code, printf detail, made valid UTF-8); clears the allowed list. Returns -1, so a
 * refusal can be `return problem_set(...)`. */
int problem_set(struct problem *p, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Make text valid UTF-8 in place (what a JSON document may carry): every byte that does
 * not start a well-formed sequence, e.g. of a request's path or a cut-off character,
 * becomes '?'. */
void problem_clean(char *text);
/* The length of the well-formed UTF-8 sequence that starts at s, or 0. */
size_t problem_utf8_len(const unsigned char *s);
/* Add a name to the allowed list (ignored past PROBLEM_MAX_ALLOWED); the list is
 * shown from then on, even when nothing is added. */
void problem_allow(struct problem *p, const char *name);

#endif
