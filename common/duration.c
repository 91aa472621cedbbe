#include "duration.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "civil.h"

/* Every error ends with this, so it always says which units exist. */
#define DURATION_UNITS " (units: s, min, h, d, w; or Nbd alone, business days)"
/* The bounds (why ten years: civil.h). */
#define DURATION_MAX_S (CIVIL_SPAN_MAX_DAYS * 86400LL)
#define DURATION_MAX_BDAYS CIVIL_SPAN_MAX_BDAYS
#define DURATION_MAX_DIGITS 12			/* keeps the sum clear of overflow */
#define DURATION_QUOTE 20			/* bytes of the input quoted in errors */

struct duration_unit {
	const char *name;
	int64_t s;		/* seconds per unit; 0 for business days */
};

/* Largest first: duration_format walks this order. */
static const struct duration_unit duration_units[] = {
	{ "w", 7 * 86400 },
	{ "d", 86400 },
	{ "h", 3600 },
	{ "min", 60 },
	{ "s", 1 },
	{ "bd", 0 },
};

/* Units people write that do not exist here, and what to write instead. */
static const struct {
	const char *name;
	const char *why;
} duration_wrong_units[] = {
	{ "m", "is ambiguous (minutes or months?): write min for minutes" },
	{ "M", "(months) does not exist: write days, e.g. 30d" },
	{ "y", "(years) does not exist: write days, e.g. 365d" },
	{ "ms", "is below a second: the smallest unit is s" },
	{ "us", "is below a second: the smallest unit is s" },
	{ "ns", "is below a second: the smallest unit is s" },
};

struct duration_parser {
	const char *p;		/* cursor */
	int64_t s;		/* sum of the calendar components, seconds */
	int64_t bdays;
	int n;			/* components read */
	int n_bd;		/* of which business days */
	char *err;
};

static int duration_fail(struct duration_parser *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static int
duration_fail(struct duration_parser *dp, const char *fmt, ...)
{
	size_t room = DURATION_ERR_LEN - strlen(DURATION_UNITS);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dp->err, room, fmt, ap);
	va_end(ap);
	strcat(dp->err, DURATION_UNITS);
	return -1;
}

static const struct duration_unit *
duration_unit_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
		if (strlen(duration_units[i].name) == len &&
		    strncmp(duration_units[i].name, name, len) == 0)
			return &duration_units[i];
	}
	return NULL;
}

/* An error for a unit that does not exist. */
static int
duration_bad_unit(struct duration_parser *dp, const char *name, int len)
{
	size_t i;

	for (i = 0; i < sizeof(duration_wrong_units) / sizeof(duration_wrong_units[0]); i++) {
		if (strlen(duration_wrong_units[i].name) == (size_t)len &&
		    strncmp(duration_wrong_units[i].name, name, len) == 0)
			return duration_fail(dp, "unit \"%.*s\" %s", len, name,
			    duration_wrong_units[i].why);
	}
	return duration_fail(dp, "unknown unit \"%.*s\"", len > DURATION_QUOTE ?
	    DURATION_QUOTE : len, name);
}

/*
 * "1.5h": say what the whole-number form is when there is one ("1h 30min").
 * ip is the integer part, frac/flen the digits after the dot.
 */
static int
duration_fraction(struct duration_parser *dp, int64_t ip, const char *frac, int flen,
    const struct duration_unit *u, const char *text, int tlen)
{
	struct duration d = { 0 };
	int64_t f = 0, scale = 1;
	char buf[64];
	int i;

	if (u->s == 0)
		return duration_fail(dp, "business days are whole: %.*s is not",
		    tlen, text);
	for (i = 0; i < flen && i < 6; i++) {
		f = f * 10 + (frac[i] - '0');
		scale *= 10;
	}
	if (flen > 6 || ip > DURATION_MAX_S / u->s || (f * u->s) % scale != 0)
		return duration_fail(dp, "fractions are not allowed: write %.*s in "
		    "whole numbers of a smaller unit", tlen, text);
	d.ms = (ip * u->s + f * u->s / scale) * 1000;
	return duration_fail(dp, "fractions are not allowed: write %s for %.*s",
	    duration_format(&d, buf, sizeof(buf)), tlen, text);
}

/* The digits at dp->p into *n; the cursor moves past them. */
static int
duration_number(struct duration_parser *dp, int64_t *n)
{
	const char *start = dp->p;

	*n = 0;
	while (isdigit((unsigned char)*dp->p)) {
		if (dp->p - start >= DURATION_MAX_DIGITS)
			return duration_fail(dp, "%.*s... is too long: at most 10 years, "
			    "%dd or %dbd", DURATION_MAX_DIGITS, start, CIVIL_SPAN_MAX_DAYS,
			    CIVIL_SPAN_MAX_BDAYS);
		*n = *n * 10 + (*dp->p++ - '0');
	}
	return 0;
}

/* Add n of unit u to the total. */
static int
duration_add(struct duration_parser *dp, int64_t n, const struct duration_unit *u)
{
	dp->n++;
	if (u->s == 0) {
		dp->n_bd++;
		dp->bdays += n;
		if (dp->bdays > DURATION_MAX_BDAYS)
			return duration_fail(dp, "too long: at most 10 years of business "
			    "days, %dbd", DURATION_MAX_BDAYS);
		return 0;
	}
	if (n > DURATION_MAX_S / u->s || dp->s + n * u->s > DURATION_MAX_S)
		return duration_fail(dp, "too long: at most 10 years, %dd (%dw %dd, %dh)",
		    CIVIL_SPAN_MAX_DAYS, CIVIL_SPAN_MAX_DAYS / 7, CIVIL_SPAN_MAX_DAYS % 7,
		    CIVIL_SPAN_MAX_DAYS * 24);
	dp->s += n * u->s;
	return 0;
}

/* After the number of a component: an error for a missing unit. */
static int
duration_no_unit(struct duration_parser *dp, const char *num, int nlen)
{
	if (*dp->p != '\0' && !isspace((unsigned char)*dp->p))
		return duration_fail(dp, "unexpected \"%.*s\" after %.*s", DURATION_QUOTE,
		    dp->p, nlen, num);
	if (dp->n == 0 && *dp->p == '\0')
		return duration_fail(dp, "\"%.*s\" needs a unit, e.g. %.*sh: a number alone "
		    "could mean anything", nlen, num, nlen, num);
	return duration_fail(dp, "%.*s needs a unit", nlen, num);
}

/* One "<integer><unit>" at dp->p. */
static int
duration_component(struct duration_parser *dp)
{
	const char *num = dp->p, *frac = NULL, *unit;
	const struct duration_unit *u;
	int64_t n;
	int flen = 0;

	if (*num == '-')
		return duration_fail(dp, "negative durations are not allowed");
	if (!isdigit((unsigned char)*num) &&
	    !(*num == '.' && isdigit((unsigned char)num[1]))) {
		if (*num == '#')
			return duration_fail(dp, "unexpected \"%.*s\": '#' starts no comment "
			    "here, only ';' after a space does", DURATION_QUOTE, num);
		return duration_fail(dp, "unexpected \"%.*s\"", DURATION_QUOTE, num);
	}
	if (duration_number(dp, &n) == -1)
		return -1;
	if (*dp->p == '.' && isdigit((unsigned char)dp->p[1])) {
		frac = ++dp->p;
		while (isdigit((unsigned char)*dp->p))
			dp->p++;
		flen = (int)(dp->p - frac);
	}
	while (*dp->p == ' ' || *dp->p == '\t')
		dp->p++;
	for (unit = dp->p; isalpha((unsigned char)*dp->p); dp->p++)
		continue;
	if (unit == dp->p)
		return duration_no_unit(dp, num, (int)(dp->p - num));
	if ((u = duration_unit_find(unit, dp->p - unit)) == NULL)
		return duration_bad_unit(dp, unit, (int)(dp->p - unit));
	if (frac != NULL)
		return duration_fraction(dp, n, frac, flen, u, num, (int)(dp->p - num));
	return duration_add(dp, n, u);
}

/* The whole has been read: the business-day rules. */
static int
duration_finish(struct duration_parser *dp, struct duration *out)
{
	if (dp->n_bd > 0 && dp->n > 1)
		return duration_fail(dp, "business days (bd) cannot be combined with "
		    "other units or repeated: write Nbd alone");
	if (dp->n_bd > 0 && dp->bdays == 0)
		return duration_fail(dp, "0bd is no duration: business days start at 1bd");
	out->ms = dp->s * 1000;
	out->bdays = (int)dp->bdays;
	return 0;
}

/* Keep s, trimmed, as the text the duration was written as (when it fits). */
static void
duration_keep_text(const char *s, struct duration *d)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	d->text[0] = '\0';
	if (n < sizeof d->text)
		snprintf(d->text, sizeof d->text, "%.*s", (int)n, s);
}

int
duration_parse(const char *s, struct duration *out, char *err)
{
	struct duration_parser dp = { .p = s, .err = err };

	err[0] = '\0';
	for (;;) {
		while (isspace((unsigned char)*dp.p))
			dp.p++;
		if (*dp.p == '\0')
			break;
		if (duration_component(&dp) == -1)
			return -1;
	}
	if (dp.n == 0)
		return duration_fail(&dp, "empty duration: write e.g. 48h");
	if (duration_finish(&dp, out) != 0)
		return -1;
	duration_keep_text(s, out);
	return 0;
}

const char *
duration_text(const struct duration *d, char *buf, size_t len)
{
	if (d->text[0])
		return d->text;
	return duration_format(d, buf, len);
}

char *
duration_format(const struct duration *d, char *buf, size_t len)
{
	int64_t ms = d->ms, per;
	size_t i, off = 0;
	int n;

	if (d->bdays > 0) {
		snprintf(buf, len, "%dbd", d->bdays);
		return buf;
	}
	snprintf(buf, len, "%s", ms == 0 ? "0s" : ms < 0 ? "-" : "");
	off = strlen(buf);
	ms = ms < 0 ? -ms : ms;
	for (i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
		if ((per = duration_units[i].s * 1000) == 0 || ms < per)
			continue;
		n = snprintf(buf + off, len - off, "%s%lld%s", off > 1 ? " " : "",
		    (long long)(ms / per), duration_units[i].name);
		off = n < 0 || (size_t)n >= len - off ? len - 1 : off + n;
		ms %= per;
	}
	if (ms > 0)
		snprintf(buf + off, len - off, "%s%lldms", off > 1 ? " " : "", (long long)ms);
	return buf;
}

bool
duration_is_bdays(const struct duration *d)
{
	return d->bdays > 0;
}
