#include "rfc3339.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "civil.h"
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
	if ((f->year = rfc3339_field(&p, 4, 9999, '-')) < 0 ||
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

static char *
rfc3339_write(const struct rfc3339_fields *f, bool zulu, char *buf)
{
	int n, off = abs(f->offset_s);

	/* Years of four digits (all that protocold shows) are written by hand: every
	 * answer carries several instants, and snprintf was most of their cost. */
	if (f->year >= 0 && f->year <= 9999) {
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
		buf[n] = '\0';
	} else
		n = snprintf(buf, RFC3339_LEN, "%04d-%02d-%02dT%02d:%02d:%02d",
		    f->year, f->month, f->day, f->hour, f->min, f->sec);
	/* Room for the milliseconds, the offset and the NUL: ".mmm" "+hh:mm". */
	if (n <= 0 || n + 11 > RFC3339_LEN)
		return buf;
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

char *
rfc3339_format(int64_t ms, char *buf)
{
	struct rfc3339_fields f;
	/*
	 * RFC 3339 offsets have no seconds, but local mean times do (-03:06:28 in São
	 * Paulo before 1914). Writing the clock at the offset cut to whole minutes keeps
	 * the text an exact name for the instant.
	 */
	int offset_s = tz_offset_s(ms) / 60 * 60;

	rfc3339_split(ms, offset_s, &f);
	return rfc3339_write(&f, false, buf);
}

char *
rfc3339_format_utc(int64_t ms, char *buf)
{
	struct rfc3339_fields f;

	rfc3339_split(ms, 0, &f);
	return rfc3339_write(&f, true, buf);
}
