#include "problem.h"

#include <stdarg.h>
#include <stdio.h>

size_t
problem_utf8_len(const unsigned char *s)
{
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if ((n == 3 && s[0] == 0xe0 && s[1] < 0xa0) || (n == 3 && s[0] == 0xed && s[1] >= 0xa0) ||
	    (n == 4 && s[0] == 0xf0 && s[1] < 0x90) || (n == 4 && s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return n;
}

void
problem_clean(char *text)
{
	unsigned char *s = (unsigned char *)text;

	while (*s) {
		size_t n = problem_utf8_len(s);

		if (n == 0)
			*s++ = '?';
		else
			s += n;
	}
}

int
problem_set(struct problem *p, int status, const char *code, const char *fmt, ...)
{
	va_list ap;

	p->status = status;
	p->code = code;
	p->n_allowed = 0;
	p->list_allowed = false;
	va_start(ap, fmt);
	vsnprintf(p->detail, sizeof p->detail, fmt, ap);
	va_end(ap);
	problem_clean(p->detail);
	return -1;
}

void
problem_allow(struct problem *p, const char *name)
{
	p->list_allowed = true;
	if (name != NULL && p->n_allowed < PROBLEM_MAX_ALLOWED)
		p->allowed[p->n_allowed++] = name;
}
