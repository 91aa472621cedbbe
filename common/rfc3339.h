#ifndef RFC3339_H
#define RFC3339_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RFC3339_LEN 40 /* enough for any instant this module writes, with NUL */

/* Parse an RFC 3339 date-time with a mandatory offset ("Z" or "±hh:mm"),
 * optional fraction (up to 9 digits, truncated to ms): 0 and *ms set, or -1.
 * Years are 0001-9999 as written, so with its offset the instant may lie up to a day
 * outside rfc3339_in_range ("9999-12-31T23:00:00-05:00"). */
int rfc3339_parse(const char *s, int64_t *ms);
/* True when ms has a four-digit year in UTC, CIVIL_MS_MIN..CIVIL_MS_MAX (civil.h):
 * the instants the formatters below write exactly. */
bool rfc3339_in_range(int64_t ms);
/* Format instant ms in the local zone (tz module) with its offset, e.g.
 * "2026-11-23T15:00:00-03:00", with ".123" only when ms has a fraction.
 * Returns buf. buf must hold RFC3339_LEN bytes.
 * Safe for any int64 and never writes a year of five digits or a sign: within a day
 * of the range's ends, where the local year would be 0000 or 10000, it writes the same
 * instant in UTC ("Z"); out of rfc3339_in_range it writes the nearer end in UTC,
 * "0001-01-01T00:00:00Z" or "9999-12-31T23:59:59.999Z", and logs that once. */
char *rfc3339_format(int64_t ms, char *buf);
/* The same in UTC with "Z" (the same ends out of range). */
char *rfc3339_format_utc(int64_t ms, char *buf);

#endif
