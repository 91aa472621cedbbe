#ifndef XMALLOC_H
#define XMALLOC_H

#include <stddef.h>

/* Allocators that never return NULL: they abort with a message on exhaustion. */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a fresh buffer. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
