#ifndef RFC3339_H
#define RFC3339_H

#include <stddef.h>
#include <stdint.h>

#define RFC3339_LEN 40 /* enough for any instant this module writes, with NUL */

/* Parse an RFC 3339 date-time with a mandatory offset ("Z" or "±hh:mm"),
 * optional fraction (up to 9 digits, truncated to ms): 0 and *ms set, or -1. */
int rfc3339_parse(const char *s, int64_t *ms);
/* Format instant ms in the local zone (tz module) with its offset, e.g.
 * "2026-11-23T15:00:00-03:00", with ".123" only when ms has a fraction.
 * Returns buf. buf must hold RFC3339_LEN bytes. */
char *rfc3339_format(int64_t ms, char *buf);
/* The same in UTC with "Z". */
char *rfc3339_format_utc(int64_t ms, char *buf);

#endif
