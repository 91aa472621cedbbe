#ifndef STRCOPY_H
#define STRCOPY_H

#include <stddef.h>

/*
 * Copy the string src into dst of len bytes (len > 0), cut to fit and always
 * terminated: snprintf(dst, len, "%s", src) without the format machinery, for the
 * copies on hot paths (every row read, every protocol created). Returns the length
 * copied.
 */
size_t strcopy(char *dst, size_t len, const char *src);

#endif
