#include "decide.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "deadline.h"
#include "metrics.h"
#include "rfc3339.h"
#include "strcopy.h"
#include "tz.h"
#include "xmalloc.h"

/* A warning's history detail: {"expires_at":"<RFC 3339>"}. */
#define DECIDE_DETAIL_MAX 80

struct decide {
	struct metrics *m;
	const struct config *cfg;
	const struct cal *cal;
	/* The entries of the decision being made, and the warnings' details. */
	struct proto_event *ev;
	char (*det)[DECIDE_DETAIL_MAX];	/* "" when the entry has none of its own */
	size_t n, cap;
};

struct decide *
decide_new(struct metrics *m)
{
	struct decide *d = xcalloc(1, sizeof *d);

	d->m = m;
	return d;
}

void
decide_free(struct decide *d)
{
	if (d == NULL)
		return;
	free(d->ev);
	free(d->det);
	free(d);
}

void
decide_configure(struct decide *d, const struct config *cfg, const struct cal *cal)
{
	d->cfg = cfg;
	d->cal = cal;
}

bool
decide_log_info(const struct decide *d)
{
	return d->cfg->log_transitions_info;
}

void
decide_begin(struct decide *d)
{
	d->n = 0;
}

const struct proto_event *
decide_entries(struct decide *d, size_t *n)
{
	/* Set here: the array may have moved since the detail was written. */
	for (size_t i = 0; i < d->n; i++)
		if (d->det[i][0] != '\0')
			d->ev[i].detail = d->det[i];
	*n = d->n;
	return d->ev;
}

/* Append an entry of p (in its state now): its index. */
static size_t
decide_record(struct decide *d, const struct protocol *p, int from, enum proto_cause cause,
    const char *name, int64_t at, int64_t due, const char *detail)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->ev = xrealloc(d->ev, d->cap * sizeof *d->ev);
		d->det = xrealloc(d->det, d->cap * sizeof *d->det);
	}
	d->ev[d->n] = (struct proto_event){
		.rid = p->rid, .at = at, .from = from, .to = p->state, .cause = cause,
		.name = name, .due_at = due, .late_ms = due ? at - due : 0, .detail = detail,
	};
	d->det[d->n][0] = '\0';
	return d->n++;
}

/* Start clock c on p at instant start (or stop the clock for NONE). */
static void
decide_start_clock(struct decide *d, struct protocol *p, enum proto_clock c, int64_t start,
    int64_t pickup_day)
{
	p->clock = c;
	if (c == PROTO_CLOCK_NONE) {
		p->clock_start = p->clock_due = p->clock_next = 0;
		p->clock_rule[0] = '\0';
		return;
	}
	p->clock_start = start;
	p->clock_due = deadline_due(d->cfg, d->cal, p, c, start, pickup_day);
	p->clock_next = deadline_next(d->cfg, p, c, start, p->clock_due);
	deadline_rule(d->cfg, d->cal, p, c, pickup_day, p->clock_rule,
	    sizeof p->clock_rule);
}

int
decide_step(struct decide *d, struct protocol *p, int64_t now)
{
	const struct rules_clock *rule = rules_clock(p->clock);
	const char *name = proto_clock_name(p->clock);
	int64_t due = p->clock_due, at = p->clock_next;
	enum proto_state from = p->state;
	char when[RFC3339_LEN];
	size_t i;

	if (at < due) {
		/* The response warning: a point on the clock, no change of state. */
		p->clock_next = due;
		metrics_fired(d->m, now - at);
		i = decide_record(d, p, from, PROTO_CAUSE_WARNING, name, now, at, NULL);
		snprintf(d->det[i], sizeof d->det[i], "{\"expires_at\":\"%s\"}",
		    rfc3339_format(due, when));
		return DECIDE_WARNED;
	}
	if (rule->attempt_action >= 0)
		p->attempts[rule->attempt_action]++;
	p->state = rule->on_expiry;
	/* The next clock starts when this one ran out, not when we got to it. */
	decide_start_clock(d, p, rules_entry_clock(p, p->state), due, 0);
	p->version++;
	p->updated_at = now;
	metrics_fired(d->m, now - due);
	decide_record(d, p, from, PROTO_CAUSE_EXPIRY, name, now, due, NULL);
	return DECIDE_EXPIRED;
}

int
decide_settle(struct decide *d, struct protocol *p, int64_t now)
{
	int n = 0;

	while (p->clock != PROTO_CLOCK_NONE && p->clock_next <= now) {
		decide_step(d, p, now);
		n++;
	}
	return n;
}

/* Creation */

static bool
decide_printable(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > PROTO_ID_MAX)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

int
decide_check_create(const struct engine_create *r, int64_t now, struct problem *pb)
{
	char when[RFC3339_LEN];

	if (!proto_valid_id(r->id))
		return problem_set(pb, 422, "invalid_field", "id must be 1 to 64 characters "
		    "of A-Z a-z 0-9 . _ : -");
	if (!proto_valid_id(r->seller))
		return problem_set(pb, 422, "invalid_field", "seller must be 1 to 64 "
		    "characters of A-Z a-z 0-9 . _ : -");
	if (r->order != NULL && !decide_printable(r->order))
		return problem_set(pb, 422, "invalid_field", "order must be 1 to 64 printable "
		    "ASCII characters without spaces");
	if (r->reason != NULL && !proto_valid_id(r->reason))
		return problem_set(pb, 422, "invalid_field", "reason must be a code of 1 to 64 "
		    "characters of A-Z a-z 0-9 . _ : -");
	if (rules_check_reason(r->origin, r->reason ? r->reason : "", pb) != 0)
		return -1;
	if (r->has_opened_at && r->opened_at > now)
		return problem_set(pb, 422, "opened_at_in_future", "opened_at is in the future "
		    "(now is %s)", rfc3339_format(now, when));
	return 0;
}

bool
decide_same_create(const struct engine_create *r, const struct protocol *p)
{
	return strcmp(r->seller, p->seller) == 0 &&
	    strcmp(r->order ? r->order : "", p->order) == 0 &&
	    strcmp(r->reason ? r->reason : "", p->reason) == 0 &&
	    r->origin == p->origin && r->critical == p->critical &&
	    r->has_opened_at == p->opened_given &&
	    (!r->has_opened_at || r->opened_at == p->opened_at);
}

void
decide_fill(struct decide *d, struct protocol *p, const struct engine_create *r,
    int64_t now)
{
	memset(p, 0, sizeof *p);
	strcopy(p->id, sizeof p->id, r->id);
	strcopy(p->seller, sizeof p->seller, r->seller);
	strcopy(p->order, sizeof p->order, r->order ? r->order : "");
	strcopy(p->reason, sizeof p->reason, r->reason ? r->reason : "");
	p->origin = r->origin;
	p->critical = r->critical;
	p->opened_given = r->has_opened_at;
	p->opened_at = r->has_opened_at ? r->opened_at : now;
	p->state = PROTO_PENDING;
	p->version = 1;
	p->updated_at = now;
	/* A new protocol's response clock runs from opened_at, which may be long past. */
	decide_start_clock(d, p, rules_entry_clock(p, PROTO_PENDING), p->opened_at, 0);
}

void
decide_created(struct decide *d, const struct protocol *p, int64_t now)
{
	decide_record(d, p, -1, PROTO_CAUSE_CREATE, "create", now, 0, NULL);
}

/* Actions and events */

static int
decide_check_version(const struct protocol *p, int64_t if_version, struct problem *pb)
{
	if (if_version < 0 || if_version == p->version)
		return 0;
	return problem_set(pb, 409, "version_conflict", "protocol %s is at version %lld, not "
	    "%lld: read it again and retry", p->id, (long long)p->version,
	    (long long)if_version);
}

/* Move p to state `to` by cause at now, starting clock c. */
static void
decide_transition(struct decide *d, struct protocol *p, enum proto_state to,
    enum proto_clock c, int64_t pickup_day, enum proto_cause cause, const char *name,
    const char *detail, int64_t now)
{
	enum proto_state from = p->state;

	p->state = to;
	decide_start_clock(d, p, c, now, pickup_day);
	p->version++;
	p->updated_at = now;
	decide_record(d, p, from, cause, name, now, 0, detail);
}

int
decide_act(struct decide *d, struct protocol *p, int i, const struct rules_args *args,
    int64_t if_version, const char *detail, bool envvias, int64_t now,
    struct problem *pb)
{
	const struct rules_action *a = rules_action(i);
	int64_t pickup_day = 0;
	const char *date;

	if (decide_check_version(p, if_version, pb) != 0 ||
	    rules_action_allowed(p, i, envvias, pb) != 0 ||
	    rules_action_args(i, args, tz_local_days(now), pb) != 0)
		return -1;
	if ((date = rules_arg(args, "pickup_date")) != NULL && a->clock == PROTO_CLOCK_PICKUP)
		civil_parse_date(date, &pickup_day);
	decide_transition(d, p, a->next, a->clock != PROTO_CLOCK_NONE ? a->clock :
	    rules_entry_clock(p, a->next), pickup_day, PROTO_CAUSE_ACTION, a->name, detail,
	    now);
	return 0;
}

int
decide_event(struct decide *d, struct protocol *p, const char *name, int64_t if_version,
    int64_t now, struct problem *pb)
{
	const struct rules_event *ev;

	if (decide_check_version(p, if_version, pb) != 0 ||
	    (ev = rules_event(p, name, pb)) == NULL)
		return -1;
	decide_transition(d, p, ev->to, rules_entry_clock(p, ev->to), 0, PROTO_CAUSE_EVENT,
	    ev->name, NULL, now);
	return 0;
}
