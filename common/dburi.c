#include "dburi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

bool
dburi_is_pg(const char *database)
{
	return strncmp(database, "postgresql://", 13) == 0 ||
	    strncmp(database, "postgres://", 11) == 0;
}

/* s with [from, to) replaced by "***". */
static char *
dburi_mask(const char *s, size_t from, size_t to)
{
	return xasprintf("%.*s***%s", (int)from, s, s + to);
}

char *
dburi_shown(const char *database)
{
	char *shown = xstrdup(database), *next;
	const char *host, *at, *colon, *pw;
	size_t end;

	if (!dburi_is_pg(database))
		return shown;
	/* user:password@ in the authority (before the path or the parameters) */
	host = strstr(shown, "://") + 3;
	end = strcspn(host, "/?");
	at = memrchr(host, '@', end);
	colon = at != NULL ? memchr(host, ':', (size_t)(at - host)) : NULL;
	if (colon != NULL) {
		next = dburi_mask(shown, (size_t)(colon + 1 - shown), (size_t)(at - shown));
		free(shown);
		shown = next;
	}
	/* password=… among the parameters */
	for (pw = strchr(shown, '?'); pw != NULL; pw = strchr(pw + 1, '&')) {
		if (strncmp(pw + 1, "password=", 9) != 0)
			continue;
		end = (size_t)(pw + 10 - shown);
		next = dburi_mask(shown, end, end + strcspn(shown + end, "&"));
		free(shown);
		shown = next;
		pw = shown + end;
	}
	return shown;
}
