#include "deadline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "strcopy.h"
#include "tz.h"

#define DEADLINE_DAY_MS (24 * 3600 * 1000LL)

/* 00:00 local of the pickup date, plus the grace: whole days as calendar days (so a
 * DST change cannot move it off midnight), the rest as elapsed time. */
static int64_t
deadline_pickup(const struct cal *cal, const struct duration *grace, int64_t pickup_day)
{
	int64_t midnight = tz_local_midnight(pickup_day);

	if (duration_is_bdays(grace))
		return cal_add_business_days(cal, midnight, grace->bdays, NULL, 0, NULL);
	return tz_local_midnight(pickup_day + grace->ms / DEADLINE_DAY_MS) +
	    grace->ms % DEADLINE_DAY_MS;
}

int64_t
deadline_due(const struct clockrule *c, int64_t start, int64_t date_day)
{
	if (c->date_param != NULL)
		return deadline_pickup(c->cal, &c->d, date_day);
	if (duration_is_bdays(&c->d))
		return cal_add_business_days(c->cal, start, c->d.bdays, NULL, 0, NULL);
	return start + c->d.ms;
}

int64_t
deadline_next(const struct clockrule *c, int64_t start, int64_t due)
{
	if (!c->warns)
		return due;
	if (c->warn.ms > 0 && due - c->warn.ms > start)
		return due - c->warn.ms;
	return due;
}

/* Append ";key=value" to buf at *n (of len bytes), cut at its end. */
static void
deadline_put(char *buf, size_t len, size_t *n, const char *key, const char *value)
{
	const char *parts[4] = { ";", key, "=", value };

	for (size_t k = *n == 0; k < 4; k++) {
		size_t m = strlen(parts[k]);

		if (m > len - 1 - *n)
			m = len - 1 - *n;
		memcpy(buf + *n, parts[k], m);
		*n += m;
	}
	buf[*n] = '\0';
}

/*
 * What every clock keeps is short (written with each change that starts one, 1M times
 * in a drain): what the kind or the protocol already says is left out. The response
 * clock (kind 1) always leads to mediation and the reply window (7) to resolved (SPEC
 * §3), so only a wait says where it leads; a kind numbered for its name (below
 * RULEBOOK_KIND_HASHED) needs no name; the rulebook is the protocol's marketplace's
 * unless said; the file is the built-in one unless said.
 */
void
deadline_rule(const struct clockrule *c, int64_t date_day, const char *marketplace,
    char *buf, size_t len)
{
	char tmp[32], date[CIVIL_DATE_LEN + RULEBOOK_ID_MAX + 2], line[16];
	size_t n = 0;

	buf[0] = '\0';
	deadline_put(buf, len, &n, "rule", c->rule);
	deadline_put(buf, len, &n, "value", duration_text(&c->d, tmp, sizeof tmp));
	deadline_put(buf, len, &n, "source", c->source);
	if (duration_is_bdays(&c->d))
		deadline_put(buf, len, &n, "calendar", cal_kind_name(cal_kind_of(c->cal)));
	if (c->date_param != NULL) {
		snprintf(date, sizeof date, "%s:", c->date_param);
		civil_format_date(date_day, date + strlen(date));
		deadline_put(buf, len, &n, "date", date);
	}
	if (c->kind != RULEBOOK_KIND_RESPONSE && c->kind != RULEBOOK_KIND_REPLY)
		deadline_put(buf, len, &n, "to", proto_state_name(c->on_expiry));
	if (c->kind >= RULEBOOK_KIND_HASHED)
		deadline_put(buf, len, &n, "kind", c->name);
	if (c->attempt != NULL)
		deadline_put(buf, len, &n, "attempt", c->attempt);
	if (marketplace == NULL || strcmp(c->book, marketplace) != 0)
		deadline_put(buf, len, &n, "book", c->book);
	snprintf(line, sizeof line, "%d", c->line);
	deadline_put(buf, len, &n, "line", line);
	/* The file last: a path too long for the text loses its end, nothing else. */
	if (c->file != NULL && strcmp(c->file, RULEBOOK_BUILTIN_PATH) != 0)
		deadline_put(buf, len, &n, "file", c->file);
}

/* Where a field of the rule text goes. */
struct deadline_slot {
	const char *key;
	char *dst;
	size_t len;
};

/* Each "k=v" field of text into the slot of its key, in one pass (the first of a key
 * wins; unknown keys and fields without '=' are skipped); a slot not found stays "".
 * Returns the slots filled, as bits. */
static unsigned
deadline_fields(const char *text, const struct deadline_slot *slots, size_t n_slots)
{
	unsigned seen = 0;

	for (size_t i = 0; i < n_slots; i++)
		slots[i].dst[0] = '\0';
	while (*text) {
		size_t n = strcspn(text, ";");
		const char *eq = memchr(text, '=', n);

		for (size_t i = 0; eq != NULL && i < n_slots; i++) {
			size_t klen = (size_t)(eq - text), vlen = n - klen - 1;

			if ((seen & 1u << i) || strncmp(text, slots[i].key, klen) != 0 ||
			    slots[i].key[klen] != '\0')
				continue;
			if (vlen >= slots[i].len)
				vlen = slots[i].len - 1;
			memcpy(slots[i].dst, eq + 1, vlen);
			slots[i].dst[vlen] = '\0';
			seen |= 1u << i;
			break;
		}
		text += n;
		text += *text == ';';
	}
	return seen;
}

int
deadline_expiry(const struct protocol *p, char *to, size_t to_len, char *attempt,
    size_t attempt_len)
{
	enum { TO, ATTEMPT };
	const struct deadline_slot slots[] = {
		[TO] = { "to", to, to_len },
		[ATTEMPT] = { "attempt", attempt, attempt_len },
	};

	/* SPEC §3: where these two lead is no rule's to change (nothing to parse). */
	if (p->clock == RULEBOOK_KIND_RESPONSE || p->clock == RULEBOOK_KIND_REPLY) {
		strcopy(to, to_len, proto_state_name(p->clock == RULEBOOK_KIND_RESPONSE ?
		    PROTO_MEDIATION : PROTO_RESOLVED));
		attempt[0] = '\0';
		return 0;
	}
	return (deadline_fields(p->clock_rule, slots, 2) & 1u << TO) ? 0 : -1;
}

void
deadline_kind(const struct protocol *p, char *buf, size_t len)
{
	const struct deadline_slot slot = { "kind", buf, len };

	deadline_fields(p->clock_rule, &slot, 1);
}

/* "PARAM:YYYY-MM-DD" (or an old text's pickup date alone) into out. */
static void
deadline_date(const char *text, const char *old, struct deadline_explain *out)
{
	const char *colon = strchr(text, ':');

	if (old[0] != '\0') {
		strcopy(out->date_param, sizeof out->date_param, "pickup_date");
		civil_parse_date(old, &out->pickup_day);
	} else if (colon != NULL && (size_t)(colon - text) < sizeof out->date_param) {
		memcpy(out->date_param, text, (size_t)(colon - text));
		out->date_param[colon - text] = '\0';
		civil_parse_date(colon + 1, &out->pickup_day);
	}
}

/* What deadline_rule leaves out as the kind or the protocol says it (a text with a
 * line: one written since rulebooks). */
static void
deadline_defaults(const struct protocol *p, struct deadline_explain *out, bool has_line)
{
	if (out->to[0] == '\0' && (p->clock == RULEBOOK_KIND_RESPONSE ||
	    p->clock == RULEBOOK_KIND_REPLY))
		strcopy(out->to, sizeof out->to, proto_state_name(p->clock ==
		    RULEBOOK_KIND_RESPONSE ? PROTO_MEDIATION : PROTO_RESOLVED));
	if (!has_line)
		return;
	if (out->book[0] == '\0')
		strcopy(out->book, sizeof out->book, p->marketplace);
	if (out->file[0] == '\0')
		strcopy(out->file, sizeof out->file, RULEBOOK_BUILTIN_PATH);
}

int
deadline_explain(const struct protocol *p, const struct cal *cal, struct deadline_explain *out)
{
	char date[CIVIL_DATE_LEN + RULEBOOK_ID_MAX + 2], old[CIVIL_DATE_LEN], line[16];
	char err[DURATION_ERR_LEN];
	enum { RULE, VALUE, SOURCE, CALENDAR, OLD, DATE, TO, ATTEMPT, BOOK, LINE, FILE_ };
	const struct deadline_slot slots[] = {
		[RULE] = { "rule", out->rule, sizeof out->rule },
		[VALUE] = { "value", out->value, sizeof out->value },
		[SOURCE] = { "source", out->source, sizeof out->source },
		[CALENDAR] = { "calendar", out->calendar, sizeof out->calendar },
		[OLD] = { "pickup_date", old, sizeof old },
		[DATE] = { "date", date, sizeof date },
		[TO] = { "to", out->to, sizeof out->to },
		[ATTEMPT] = { "attempt", out->attempt, sizeof out->attempt },
		[BOOK] = { "book", out->book, sizeof out->book },
		[LINE] = { "line", line, sizeof line },
		[FILE_] = { "file", out->file, sizeof out->file },
	};
	struct duration d;
	unsigned seen;

	out->pickup_day = INT64_MIN;
	out->n_skips = 0;
	out->date_param[0] = '\0';
	if (p->clock == PROTO_CLOCK_NONE)
		return -1;
	/* Parsed once: a field at a time cost a thousand instructions of a GET. */
	seen = deadline_fields(p->clock_rule, slots, sizeof slots / sizeof slots[0]);
	if (!(seen & 1u << RULE))
		return -1;
	deadline_date(date, old, out);
	out->line = atoi(line);
	deadline_defaults(p, out, line[0] != '\0');
	if (out->calendar[0] && duration_parse(out->value, &d, err) == 0 &&
	    duration_is_bdays(&d)) {
		int64_t from = out->pickup_day != INT64_MIN ?
		    tz_local_midnight(out->pickup_day) : p->clock_start;

		cal_add_business_days(cal, from, d.bdays, out->skips, DEADLINE_MAX_SKIPS,
		    &out->n_skips);
	}
	return 0;
}
