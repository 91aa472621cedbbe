#include "tz.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "civil.h"
#include "xmalloc.h"

#define TZ_DEFAULT_DIR	"/usr/share/zoneinfo"
#define TZ_NAME_MAX	255
/* Local offsets stay within -12:00..+14:00; this brackets any local midnight. */
#define TZ_MIDNIGHT_SPAN_S	(26 * 3600)

static char tz_current[TZ_NAME_MAX + 1] = "UTC";
static bool tz_applied;

static int64_t
tz_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Reject what could escape the zone directory or is no zone name at all. */
static const char *
tz_name_problem(const char *name)
{
	if (*name == '\0')
		return "is empty";
	if (strlen(name) > TZ_NAME_MAX)
		return "is too long";
	if (*name == '/')
		return "is an absolute path";
	if (strstr(name, "..") != NULL)
		return "contains \"..\"";
	return NULL;
}

/* 0 when path is a TZif file; -1 with errno, or EINVAL for other files. */
static int
tz_file_is_tzif(const char *path)
{
	char magic[4];
	ssize_t n;
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, magic, sizeof magic);
	saved = errno;
	close(fd);
	if (n == -1) {
		errno = saved;
		return -1;
	}
	if (n != (ssize_t)sizeof magic || memcmp(magic, "TZif", sizeof magic) != 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
tz_check(const char *name, char **cause)
{
	const char *dir = getenv("TZDIR"), *problem;
	char *path;
	int rc;

	if ((problem = tz_name_problem(name)) != NULL) {
		*cause = xasprintf("bad time zone name \"%s\": it %s", name, problem);
		return -1;
	}
	if (dir == NULL || *dir == '\0')
		dir = TZ_DEFAULT_DIR;
	path = xasprintf("%s/%s", dir, name);
	if ((rc = tz_file_is_tzif(path)) == -1) {
		if (errno == EINVAL)
			*cause = xasprintf("unknown time zone \"%s\": %s is not "
			    "a tz database file", name, path);
		else
			*cause = xasprintf("unknown time zone \"%s\": %s: %s",
			    name, path, strerror(errno));
	}
	free(path);
	return rc;
}

/*
 * Offsets by UTC day: an answer shows several instants and each needed a localtime_r.
 * A day whose first and last seconds have the same offset is taken to have it
 * throughout (no zone changes its offset and changes it back within one day); a day
 * with a change is never cached, so its instants are looked up one by one.
 */
#define TZ_CACHE_SLOTS 64

static struct tz_cached_day {
	int64_t day;
	int offset_s;
	bool valid;
} tz_cache[TZ_CACHE_SLOTS];

static void
tz_cache_clear(void)
{
	memset(tz_cache, 0, sizeof tz_cache);
}

int
tz_set(const char *name, char **cause)
{
	if (tz_check(name, cause) == -1)
		return -1;
	if (setenv("TZ", name, 1) == -1) {
		*cause = xasprintf("cannot set time zone \"%s\": %s", name,
		    strerror(errno));
		tzset();	/* TZ is unchanged: the old zone stays */
		return -1;
	}
	tzset();
	tz_cache_clear();
	strcpy(tz_current, name);	/* fits: tz_check bounds the length */
	tz_applied = true;
	return 0;
}

const char *
tz_name(void)
{
	return tz_current;
}

/* Until a zone is set, keep the promise that it is UTC whatever the environment says. */
static void
tz_apply_default(void)
{
	if (tz_applied)
		return;
	if (setenv("TZ", tz_current, 1) == 0)
		tzset();
	tz_applied = true;
}

static void
tz_local_tm(int64_t ms, struct tm *tm)
{
	time_t t = (time_t)tz_floor_div(ms, 1000);

	tz_apply_default();
	if (localtime_r(&t, tm) == NULL)
		memset(tm, 0, sizeof *tm);
}

/* The offset at second s, from the C library (a lock and a search of the zone's
 * transitions each time). */
static int
tz_offset_at(int64_t s)
{
	struct tm tm;

	tz_local_tm(s * 1000, &tm);
	return (int)tm.tm_gmtoff;
}

int
tz_offset_s(int64_t ms)
{
	int64_t s = tz_floor_div(ms, 1000), day = tz_floor_div(s, 86400);
	struct tz_cached_day *c = &tz_cache[(uint64_t)day % TZ_CACHE_SLOTS];
	int first;

	if (c->valid && c->day == day)
		return c->offset_s;
	first = tz_offset_at(day * 86400);
	if (first != tz_offset_at(day * 86400 + 86399))
		return tz_offset_at(s);
	*c = (struct tz_cached_day){ .day = day, .offset_s = first, .valid = true };
	return first;
}

int64_t
tz_local_days(int64_t ms)
{
	return tz_floor_div(tz_floor_div(ms, 1000) + tz_offset_s(ms), 86400);
}

/* True when second s is the first second of local date days. */
static bool
tz_starts_day(int64_t s, int64_t days)
{
	return tz_local_days(s * 1000) == days &&
	    tz_local_days((s - 1) * 1000) < days;
}

/*
 * The first second whose local date is days or later, by bisection near the UTC
 * midnight. That relies on the local date only moving forward there, which holds for
 * the zones in use: a clock set back by DST repeats the last hour of a day (Brazil's
 * 00:00 -> 23:00), it does not go back across a midnight.
 */
static int64_t
tz_search_day_start(int64_t days)
{
	int64_t lo = days * 86400 - TZ_MIDNIGHT_SPAN_S;
	int64_t hi = days * 86400 + TZ_MIDNIGHT_SPAN_S;

	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;

		if (tz_local_days(mid * 1000) >= days)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

int64_t
tz_local_midnight(int64_t days)
{
	struct tm tm = { 0 };
	int y, m, d;
	time_t t;

	tz_apply_default();
	civil_from_days(days, &y, &m, &d);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	/*
	 * What mktime makes of a midnight that a DST change skipped (Brazil until 2019)
	 * or repeated is unspecified, and a whole day can be missing (Samoa 2011-12-30):
	 * keep its answer only when it is the start of that day.
	 */
	if (tz_starts_day((int64_t)t, days))
		return (int64_t)t * 1000;
	return tz_search_day_start(days) * 1000;
}
