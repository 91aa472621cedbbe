#include "param.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "civil.h"

/* 1 to max bytes (or characters of UTF-8, when chars), not only blanks. */
static bool
param_text_ok(const char *v, size_t max, bool chars)
{
	size_t n = 0;
	bool blank = true;

	for (const unsigned char *c = (const unsigned char *)v; *c; c++) {
		if (!chars || (*c & 0xc0) != 0x80)
			n++;
		if (!isspace(*c))
			blank = false;
	}
	return n > 0 && n <= max && !blank;
}

static bool
param_url_ok(const char *v)
{
	size_t n = strlen(v), scheme;

	if (strncasecmp(v, "https://", 8) == 0)
		scheme = 8;
	else if (strncasecmp(v, "http://", 7) == 0)
		scheme = 7;
	else
		return false;
	/* A host must follow the scheme. */
	if (n > 2048 || strchr("/?#", v[scheme]) != NULL)
		return false;
	for (; *v; v++)
		if ((unsigned char)*v <= ' ' || *v == 0x7f)
			return false;
	return true;
}

static bool
param_code_ok(const char *v)
{
	size_t n = strlen(v);

	return n > 0 && n <= 64 && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789._:/-") == n;
}

/* A date that exists; for date_future from today to CIVIL_AHEAD_MAX_DAYS after it
 * (civil.h says why): 0, or -1 with a 422 problem that says the bound. */
static int
param_date_check(const struct rulebook_param *p, const char *v, int64_t today,
    struct problem *pb)
{
	int64_t day;
	char buf[CIVIL_DATE_LEN], last[CIVIL_DATE_LEN];

	if (civil_parse_date(v, &day) != 0)
		return problem_set(pb, 422, "invalid_param", "%s must be a date "
		    "YYYY-MM-DD that exists, not \"%.40s\"", p->name, v);
	if (p->type == RULEBOOK_DATE)
		return 0;
	civil_format_date(today, buf);
	if (day < today)
		return problem_set(pb, 422, "invalid_param", "%s %s is in the past "
		    "(today is %s, local time)", p->name, v, buf);
	civil_format_date(today + CIVIL_AHEAD_MAX_DAYS, last);
	if (day > today + CIVIL_AHEAD_MAX_DAYS)
		return problem_set(pb, 422, "invalid_param", "%s %s is too far ahead: at "
		    "most %d days after today (%s, local time), so %s at the latest",
		    p->name, v, CIVIL_AHEAD_MAX_DAYS, buf, last);
	return 0;
}

int
param_check(const struct rulebook_param *p, const char *v, int64_t today,
    struct problem *pb)
{
	switch (p->type) {
	case RULEBOOK_CODE:
		if (!param_code_ok(v))
			return problem_set(pb, 422, "invalid_param", "%s must be 1 to 64 "
			    "characters of A-Z a-z 0-9 . _ : / -", p->name);
		break;
	case RULEBOOK_TEXT:
		if (!param_text_ok(v, 256, true))
			return problem_set(pb, 422, "invalid_param", "%s must be a text of "
			    "1 to 256 characters that is not blank", p->name);
		break;
	case RULEBOOK_LONGTEXT:
		if (!param_text_ok(v, 4000, false))
			return problem_set(pb, 422, "invalid_param", "%s must be a text of "
			    "1 to 4000 bytes that is not blank", p->name);
		break;
	case RULEBOOK_URL:
		if (!param_url_ok(v))
			return problem_set(pb, 422, "invalid_param", "%s must be an http:// or "
			    "https:// URL of at most 2048 bytes, without spaces", p->name);
		break;
	case RULEBOOK_DATE:
	case RULEBOOK_DATE_FUTURE:
		return param_date_check(p, v, today, pb);
	}
	return 0;
}
