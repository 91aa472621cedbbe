#ifndef PROTO_H
#define PROTO_H

#include <stdbool.h>
#include <stdint.h>

/* The value types of the domain: a protocol and the enums it is made of. */

#define PROTO_ID_MAX 64
#define PROTO_MARKET_MAX 32		/* a marketplace's name (rulebook.h) */
#define PROTO_RULE_MAX 255
#define PROTO_ATTEMPTS_MAX 255

enum proto_state {
	PROTO_PENDING,
	PROTO_AWAITING,
	PROTO_CLOSED,
	PROTO_UNRESOLVED,
	PROTO_MEDIATION,
	PROTO_RESOLVED,
	PROTO_N_STATES
};

/* A clock's kind is a number (rulebook.h, RULEBOOK_KIND_*): the rulebooks name
 * them; 0 is none. */
#define PROTO_CLOCK_NONE 0

enum proto_origin {
	PROTO_CUSTOMER,
	PROTO_PREVENTIVE
};

/* What caused a history entry. */
enum proto_cause {
	PROTO_CAUSE_CREATE,
	PROTO_CAUSE_ACTION,
	PROTO_CAUSE_EVENT,
	PROTO_CAUSE_EXPIRY,
	PROTO_CAUSE_WARNING,
	PROTO_N_CAUSES
};

struct protocol {
	int64_t rid;			/* the store's row id; 0 before insert */
	char id[PROTO_ID_MAX + 1];
	char seller[PROTO_ID_MAX + 1];
	char order[PROTO_ID_MAX + 1];	/* "" when none */
	char reason[PROTO_ID_MAX + 1];	/* "" when none */
	char marketplace[PROTO_MARKET_MAX + 1];	/* its rulebook's; never changes */
	enum proto_origin origin;
	bool critical;
	bool opened_given;		/* opened_at came in the create request */
	int64_t opened_at;
	enum proto_state state;
	int clock;			/* its kind, PROTO_CLOCK_NONE when none runs */
	int64_t clock_start;
	int64_t clock_due;
	int64_t clock_next;		/* the warning point while it is pending, else due */
	char clock_rule[PROTO_RULE_MAX + 1];	/* what the clock was started under (deadline.h) */
	/* How often each wait expired unanswered, "request_photos=2,confirm_address=1"
	 * (rules_attempt adds one), as the store keeps it. */
	char attempts[PROTO_ATTEMPTS_MAX + 1];
	int64_t version;
	int64_t updated_at;
	/* state and clock as the store last read or wrote them: a save counts the
	 * change from these (rows.c). */
	enum proto_state stored_state;
	int stored_clock;
};

/* One history (and feed) entry. */
struct proto_event {
	int64_t seq;			/* set by the store */
	int64_t rid;
	int64_t at;
	int from;			/* enum proto_state, -1 for none */
	enum proto_state to;
	enum proto_cause cause;
	const char *name;		/* action, event or clock name */
	int64_t due_at;			/* 0 when none */
	int64_t late_ms;		/* meaningful when due_at != 0 */
	const char *detail;		/* JSON object text or NULL */
};

/* True for 1–64 characters of [A-Za-z0-9._:-]. */
bool proto_valid_id(const char *s);
/* Names of the enums, as the API writes them. */
const char *proto_state_name(enum proto_state s);
const char *proto_state_label(enum proto_state s);
const char *proto_cause_name(enum proto_cause c);
const char *proto_origin_name(enum proto_origin o);
/* Parse a state name: the enum, or -1. */
int proto_state_parse(const char *s);

#endif
