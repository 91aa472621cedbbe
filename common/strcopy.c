#include "strcopy.h"

#include <string.h>

size_t
strcopy(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
	return n;
}
