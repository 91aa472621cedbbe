#include "problem.h"

#include <stdarg.h>
#include <stdio.h>

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
	return -1;
}

void
problem_allow(struct problem *p, const char *name)
{
	p->list_allowed = true;
	if (name != NULL && p->n_allowed < PROBLEM_MAX_ALLOWED)
		p->allowed[p->n_allowed++] = name;
}
