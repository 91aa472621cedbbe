#include "decide.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "clockrule.h"
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
	/* The entries of the decision being made, the warnings' details and their
	 * names (copied: a reload frees the rulebook they came from). */
	struct proto_event *ev;
	char (*det)[DECIDE_DETAIL_MAX];	/* "" when the entry has none of its own */
	char (*names)[RULEBOOK_ID_MAX + 1];
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
	free(d->names);
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
	for (size_t i = 0; i < d->n; i++) {
		if (d->det[i][0] != '\0')
			d->ev[i].detail = d->det[i];
		d->ev[i].name = d->names[i];
	}
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
		d->names = xrealloc(d->names, d->cap * sizeof *d->names);
	}
	d->ev[d->n] = (struct proto_event){
		.rid = p->rid, .at = at, .from = from, .to = p->state, .cause = cause,
		.due_at = due, .late_ms = due ? at - due : 0, .detail = detail,
	};
	strcopy(d->names[d->n], sizeof d->names[d->n], name);
	d->det[d->n][0] = '\0';
	return d->n++;
}

/* Start clock c on p at instant start (or stop p's clock when c has none); date_day:
 * the date of c's date_param. */
static void
decide_start_clock(struct protocol *p, const struct clockrule *c, int64_t start,
    int64_t date_day)
{
	p->clock = c->kind;
	if (c->kind == PROTO_CLOCK_NONE) {
		p->clock_start = p->clock_due = p->clock_next = 0;
		p->clock_rule[0] = '\0';
		return;
	}
	p->clock_start = start;
	p->clock_due = deadline_due(c, start, date_day);
	p->clock_next = deadline_next(c, start, p->clock_due);
	deadline_rule(c, date_day, p->marketplace, p->clock_rule, sizeof p->clock_rule);
}

/* The rulebook p's rules come from: its marketplace's, else (a rulebook dropped since
 * its clock started, doc/rules.md) the default one, which only durations are taken
 * from. */
static const struct rulebook *
decide_book(const struct decide *d, const struct protocol *p)
{
	const struct rulebook *b = rules_book(d->cfg, p);

	return b != NULL ? b : config_default_book(d->cfg);
}

/* The clock p starts on entering state s by itself. */
static void
decide_entry_clock(const struct decide *d, const struct protocol *p, enum proto_state s,
    struct clockrule *c)
{
	clockrule_entry(d->cfg, d->cal, decide_book(d, p), p, s, c);
}

/* Where the expiry of p's clock leads and whose attempt it counts: as kept with the
 * clock (its rule held, whatever was reloaded since), or as its rulebook says now for
 * a clock started before protocold kept that. */
static void
decide_expiry(const struct decide *d, const struct protocol *p, enum proto_state *to,
    char attempt[RULEBOOK_ID_MAX + 1])
{
	const char *now_attempt;
	char kept[16];
	int s;

	attempt[0] = '\0';
	if (deadline_expiry(p, kept, sizeof kept, attempt, RULEBOOK_ID_MAX + 1) == 0 &&
	    (s = proto_state_parse(kept)) >= 0) {
		*to = (enum proto_state)s;
		return;
	}
	attempt[0] = '\0';
	clockrule_expiry_now(rules_book(d->cfg, p), p->clock, to, &now_attempt);
	if (now_attempt != NULL)
		strcopy(attempt, RULEBOOK_ID_MAX + 1, now_attempt);
}

/* The name of p's clock for the history: as the rulebooks call its kind, else as its
 * rule text keeps it (a rulebook no longer loaded), into buf. */
static const char *
decide_kind_name(const struct decide *d, const struct protocol *p, char *buf, size_t len)
{
	const char *name = rules_kind_name(d->cfg, p->clock);

	if (name != NULL)
		return name;
	deadline_kind(p, buf, len);
	return buf[0] ? buf : "clock";
}

int
decide_step(struct decide *d, struct protocol *p, int64_t now)
{
	char kind[RULEBOOK_ID_MAX + 1];
	const char *name = decide_kind_name(d, p, kind, sizeof kind);
	int64_t due = p->clock_due, at = p->clock_next;
	enum proto_state from = p->state, to;
	char when[RFC3339_LEN], attempt[RULEBOOK_ID_MAX + 1];
	struct clockrule next;
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
	i = decide_record(d, p, from, PROTO_CAUSE_EXPIRY, name, now, due, NULL);
	decide_expiry(d, p, &to, attempt);
	if (attempt[0])
		rules_attempt_add(p, attempt);
	p->state = to;
	/* The next clock starts when this one ran out, not when we got to it. */
	decide_entry_clock(d, p, p->state, &next);
	decide_start_clock(p, &next, due, 0);
	p->version++;
	p->updated_at = now;
	metrics_fired(d->m, now - due);
	d->ev[i].to = p->state;
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
decide_check_create(const struct decide *d, const struct engine_create *r, int64_t now,
    struct problem *pb)
{
	const struct rulebook *b;
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
	if ((b = rules_market(d->cfg, r->marketplace, pb)) == NULL ||
	    rules_check_reason(b, r->origin, r->reason ? r->reason : "", pb) != 0)
		return -1;
	if (r->has_opened_at && r->opened_at > now)
		return problem_set(pb, 422, "opened_at_in_future", "opened_at is in the future "
		    "(now is %s)", rfc3339_format(now, when));
	return 0;
}

bool
decide_same_create(const struct decide *d, const struct engine_create *r,
    const struct protocol *p)
{
	const char *market = r->marketplace ? r->marketplace :
	    config_default_book(d->cfg)->name;

	return strcmp(r->seller, p->seller) == 0 && strcmp(market, p->marketplace) == 0 &&
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
	struct clockrule c;

	memset(p, 0, sizeof *p);
	strcopy(p->id, sizeof p->id, r->id);
	strcopy(p->seller, sizeof p->seller, r->seller);
	strcopy(p->order, sizeof p->order, r->order ? r->order : "");
	strcopy(p->reason, sizeof p->reason, r->reason ? r->reason : "");
	strcopy(p->marketplace, sizeof p->marketplace, r->marketplace ? r->marketplace :
	    config_default_book(d->cfg)->name);
	p->origin = r->origin;
	p->critical = r->critical;
	p->opened_given = r->has_opened_at;
	p->opened_at = r->has_opened_at ? r->opened_at : now;
	p->state = PROTO_PENDING;
	p->version = 1;
	p->updated_at = now;
	/* A new protocol's response clock runs from opened_at, which may be long past. */
	decide_entry_clock(d, p, PROTO_PENDING, &c);
	decide_start_clock(p, &c, p->opened_at, 0);
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
    const struct clockrule *c, int64_t date_day, enum proto_cause cause, const char *name,
    const char *detail, int64_t now)
{
	enum proto_state from = p->state;

	p->state = to;
	decide_start_clock(p, c, now, date_day);
	p->version++;
	p->updated_at = now;
	decide_record(d, p, from, cause, name, now, 0, detail);
}

/* The clock action i of b starts for p: its wait, or the clock of the state it leads
 * to. */
static void
decide_action_clock(const struct decide *d, const struct rulebook *b,
    const struct protocol *p, int i, const struct rules_args *args, struct clockrule *c,
    int64_t *date_day)
{
	const char *date;

	*date_day = 0;
	if (!b->actions[i].has_wait) {
		decide_entry_clock(d, p, (enum proto_state)b->actions[i].to, c);
		return;
	}
	clockrule_wait(d->cfg, d->cal, b, p, i, c);
	if (c->date_param != NULL && (date = rules_arg(args, c->date_param)) != NULL)
		civil_parse_date(date, date_day);
}

int
decide_act(struct decide *d, struct protocol *p, const char *action,
    const struct rules_args *args, int64_t if_version, const char *detail, bool envvias,
    int64_t now, struct problem *pb)
{
	const struct rulebook *b = rules_book(d->cfg, p);
	struct clockrule c;
	int64_t date_day;
	int i;

	if (decide_check_version(p, if_version, pb) != 0)
		return -1;
	if (b == NULL)
		return problem_set(pb, 409, "marketplace_not_loaded", "protocol %s belongs to "
		    "marketplace %s, whose rulebook is not loaded: no action can be taken",
		    p->id, p->marketplace);
	if ((i = rules_action_find(b, action, pb)) < 0 ||
	    rules_action_allowed(b, p, i, envvias, pb) != 0 ||
	    rules_action_args(b, i, args, tz_local_days(now), pb) != 0)
		return -1;
	decide_action_clock(d, b, p, i, args, &c, &date_day);
	decide_transition(d, p, (enum proto_state)b->actions[i].to, &c, date_day,
	    PROTO_CAUSE_ACTION, b->actions[i].name, detail, now);
	return 0;
}

int
decide_event(struct decide *d, struct protocol *p, const char *name, int64_t if_version,
    int64_t now, struct problem *pb)
{
	const struct rulebook *b = rules_book(d->cfg, p);
	const struct rulebook_move *m;
	struct clockrule c;

	if (decide_check_version(p, if_version, pb) != 0)
		return -1;
	if (b == NULL)
		return problem_set(pb, 409, "marketplace_not_loaded", "protocol %s belongs to "
		    "marketplace %s, whose rulebook is not loaded: no event applies", p->id,
		    p->marketplace);
	if ((m = rules_event(b, p, name, pb)) == NULL)
		return -1;
	decide_entry_clock(d, p, (enum proto_state)m->to, &c);
	decide_transition(d, p, (enum proto_state)m->to, &c, 0, PROTO_CAUSE_EVENT, name,
	    NULL, now);
	return 0;
}

bool
decide_known_action(const struct decide *d, const char *name)
{
	return rules_known_action(d->cfg, name);
}

bool
decide_known_event(const struct decide *d, const char *name)
{
	return rules_known_event(d->cfg, name);
}
