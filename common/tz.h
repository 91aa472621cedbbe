#ifndef TZ_H
#define TZ_H

#include <stdint.h>

/*
 * The configured local time zone, from the system tz database. There is one per
 * process (it is applied through TZ and tzset, so the process must be single-threaded
 * where it matters). Instants are UTC milliseconds since the epoch.
 */

/* Check that name is a zone of the tz database (a TZif file under $TZDIR or
 * /usr/share/zoneinfo): 0, or -1 with *cause set to a malloc'd message. */
int tz_check(const char *name, char **cause);
/* Make name the local zone: 0, or -1 with *cause (the old zone stays). */
int tz_set(const char *name, char **cause);
/* The name set last ("UTC" before any tz_set: until then the functions below work in
 * UTC, whatever the environment's TZ says). */
const char *tz_name(void);
/* The local calendar date (a civil day number) of instant ms. */
int64_t tz_local_days(int64_t ms);
/* The first instant of local date `days` (00:00 local, or the first existing instant
 * of that day when a DST change skips midnight; the start of the next day when the
 * whole date was skipped), as UTC ms. */
int64_t tz_local_midnight(int64_t days);
/* The offset of local time from UTC at instant ms, in seconds (-10800 for -03:00). */
int tz_offset_s(int64_t ms);

#endif
