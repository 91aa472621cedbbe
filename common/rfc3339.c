#include "rfc3339.h"

#include <stdbool.h>
#include <stdlib.h>

#include "civil.h"
#include "log.h"
#include "tz.h"

/* The fields of a local date-time, as written. */
struct rfc3339_fields {
	int	year, month, day;
	int	hour, min, sec;
	int	ms;
	int	offset_s;
};

static int64_t
rfc3339_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Read exactly n decimal digits at *p and advance it; -1 when one is missing. */
static int
rfc3339_digits(const char **p, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		char c = (*p)[i];

		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*p += n;
	return v;
}

/* Read a number of n digits in [0, max] followed by the character sep (or none). */
static int
rfc3339_field(const char **p, int n, int max, char sep)
{
	int v = rfc3339_digits(p, n);

	if (v < 0 || v > max)
		return -1;
	if (sep != '\0' && *(*p)++ != sep)
		return -1;
	return v;
}

/* ".d{1,9}", or nothing: milliseconds (the rest truncated), or -1. */
static int
rfc3339_fraction(const char **p)
{
	int ms = 0, n = 0;

	if (**p != '.')
		return 0;
	for ((*p)++; **p >= '0' && **p <= '9'; (*p)++, n++)
		if (n < 3)
			ms = ms * 10 + (**p - '0');
	if (n < 1 || n > 9)
		return -1;
	for (; n < 3; n++)
		ms *= 10;
	return ms;
}

/* "Z" or "±hh:mm" then the end of the string: 0 and *offset_s, or -1. */
static int
rfc3339_offset(const char *p, int *offset_s)
{
	int sign, h, m;

	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		*offset_s = 0;
		return 0;
	}
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	if ((h = rfc3339_field(&p, 2, 23, ':')) < 0 ||
	    (m = rfc3339_field(&p, 2, 59, '\0')) < 0 || *p != '\0')
		return -1;
	*offset_s = sign * (h * 3600 + m * 60);
	return 0;
}

static int
rfc3339_scan(const char *p, struct rfc3339_fields *f)
{
	if ((f->year = rfc3339_field(&p, 4, CIVIL_YEAR_MAX, '-')) < 0 ||
	    (f->month = rfc3339_field(&p, 2, 12, '-')) < 0 ||
	    (f->day = rfc3339_field(&p, 2, 31, '\0')) < 0)
		return -1;
	if (*p != 'T' && *p != 't')
		return -1;
	p++;
	/* Leap seconds (":60") are refused: no clock here can represent them. */
	if ((f->hour = rfc3339_field(&p, 2, 23, ':')) < 0 ||
	    (f->min = rfc3339_field(&p, 2, 59, ':')) < 0 ||
	    (f->sec = rfc3339_field(&p, 2, 59, '\0')) < 0 ||
	    (f->ms = rfc3339_fraction(&p)) < 0)
		return -1;
	if (!civil_valid(f->year, f->month, f->day))
		return -1;
	return rfc3339_offset(p, &f->offset_s);
}

int
rfc3339_parse(const char *s, int64_t *ms)
{
	struct rfc3339_fields f;
	int64_t secs;

	if (rfc3339_scan(s, &f) == -1)
		return -1;
	secs = civil_days(f.year, f.month, f.day) * 86400 +
	    f.hour * 3600 + f.min * 60 + f.sec - f.offset_s;
	*ms = secs * 1000 + f.ms;
	return 0;
}

/* Split instant ms into the fields of the wall clock at offset_s from UTC. */
static void
rfc3339_split(int64_t ms, int offset_s, struct rfc3339_fields *f)
{
	int64_t secs = rfc3339_floor_div(ms, 1000);
	int64_t local = secs + offset_s;
	int64_t days = rfc3339_floor_div(local, 86400);
	int sod = (int)(local - days * 86400);

	civil_from_days(days, &f->year, &f->month, &f->day);
	f->hour = sod / 3600;
	f->min = sod / 60 % 60;
	f->sec = sod % 60;
	f->ms = (int)(ms - secs * 1000);
	f->offset_s = offset_s;
}

/* v (0 <= v < 10^width) in width digits at buf; returns width. */
static int
rfc3339_put_digits(char *buf, int v, int width)
{
	for (int i = width - 1; i >= 0; i--, v /= 10)
		buf[i] = (char)('0' + v % 10);
	return width;
}

/* v (0 <= v < 100) in two digits at buf; returns 2. Without the loop of the above: an
 * instant has nine such pairs. */
static inline int
rfc3339_put2(char *buf, int v)
{
	buf[0] = (char)('0' + v / 10);
	buf[1] = (char)('0' + v % 10);
	return 2;
}

/* f's year is CIVIL_YEAR_MIN..CIVIL_YEAR_MAX: the callers see to it. At most 29 bytes
 * with the NUL ("YYYY-MM-DDThh:mm:ss.mmm+hh:mm"). */
static char *
rfc3339_write(const struct rfc3339_fields *f, bool zulu, char *buf)
{
	int n, off = abs(f->offset_s);

	/* Written by hand: every answer carries several instants, and snprintf was most
	 * of their cost. */
	n = rfc3339_put2(buf, f->year / 100);
	n += rfc3339_put2(buf + n, f->year % 100);
	buf[n++] = '-';
	n += rfc3339_put2(buf + n, f->month);
	buf[n++] = '-';
	n += rfc3339_put2(buf + n, f->day);
	buf[n++] = 'T';
	n += rfc3339_put2(buf + n, f->hour);
	buf[n++] = ':';
	n += rfc3339_put2(buf + n, f->min);
	buf[n++] = ':';
	n += rfc3339_put2(buf + n, f->sec);
	if (f->ms != 0) {
		buf[n++] = '.';
		n += rfc3339_put_digits(buf + n, f->ms, 3);
		buf[n] = '\0';
	}
	if (zulu) {
		buf[n++] = 'Z';
		buf[n] = '\0';
		return buf;
	}
	buf[n++] = f->offset_s < 0 ? '-' : '+';
	n += rfc3339_put2(buf + n, off / 3600 % 100);
	buf[n++] = ':';
	n += rfc3339_put2(buf + n, off / 60 % 60);
	buf[n] = '\0';
	return buf;
}

bool
rfc3339_in_range(int64_t ms)
{
	return ms >= CIVIL_MS_MIN && ms <= CIVIL_MS_MAX;
}

/* ms, or the nearer end of the range. Every input that reaches here was bounded (civil.h),
 * so an instant out of range is a bug somewhere: say so, once, rather than flood the log. */
static int64_t
rfc3339_clamp(int64_t ms)
{
	static bool warned;
	int64_t to = ms < CIVIL_MS_MIN ? CIVIL_MS_MIN : CIVIL_MS_MAX;

	if (rfc3339_in_range(ms))
		return ms;
	if (!warned)
		log_warnx("instant %lld ms has no four-digit year: written as the end of the "
		    "range, %s (logged once)", (long long)ms, to == CIVIL_MS_MIN ?
		    "0001-01-01T00:00:00Z" : "9999-12-31T23:59:59.999Z");
	warned = true;
	return to;
}

char *
rfc3339_format(int64_t ms, char *buf)
{
	struct rfc3339_fields f;
	int offset_s;

	if (!rfc3339_in_range(ms))
		return rfc3339_format_utc(ms, buf);
	/*
	 * RFC 3339 offsets have no seconds, but local mean times do (-03:06:28 in São
	 * Paulo before 1914). Writing the clock at the offset cut to whole minutes keeps
	 * the text an exact name for the instant.
	 */
	offset_s = tz_offset_s(ms) / 60 * 60;
	rfc3339_split(ms, offset_s, &f);
	/* Within a day of the ends the local year can be 0000 or 10000, which
	 * rfc3339_parse refuses: the same instant in UTC has four digits. */
	if (f.year < CIVIL_YEAR_MIN || f.year > CIVIL_YEAR_MAX)
		return rfc3339_format_utc(ms, buf);
	return rfc3339_write(&f, false, buf);
}

char *
rfc3339_format_utc(int64_t ms, char *buf)
{
	struct rfc3339_fields f;

	rfc3339_split(rfc3339_clamp(ms), 0, &f);
	return rfc3339_write(&f, true, buf);
}
