#include "proto.h"

#include <string.h>

static const char *const proto_states[PROTO_N_STATES][2] = {
	[PROTO_PENDING] = { "pending", "Pendente" },
	[PROTO_AWAITING] = { "awaiting", "Aguardando" },
	[PROTO_CLOSED] = { "closed", "Encerrado" },
	[PROTO_UNRESOLVED] = { "unresolved", "Não resolvido" },
	[PROTO_MEDIATION] = { "mediation", "Mediado" },
	[PROTO_RESOLVED] = { "resolved", "Resolvido" },
};

/* The rulebooks name the states as the enum orders them. */
_Static_assert(PROTO_PENDING == 0 && PROTO_AWAITING == 1 && PROTO_CLOSED == 2 &&
    PROTO_UNRESOLVED == 3 && PROTO_MEDIATION == 4 && PROTO_RESOLVED == 5,
    "rulebook.c's rulebook_states has this order");

static const char *const proto_causes[PROTO_N_CAUSES] = {
	"create", "action", "event", "expiry", "warning"
};

bool
proto_valid_id(const char *s)
{
	size_t n = 0;

	/* By hand: strspn builds a table of its set at every call, about 500
	 * instructions of every request that names a protocol. */
	for (; s[n] != '\0'; n++) {
		unsigned char c = (unsigned char)s[n];

		if (n == PROTO_ID_MAX || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' || c == '-'))
			return false;
	}
	return n > 0;
}

const char *
proto_state_name(enum proto_state s)
{
	return (unsigned)s < PROTO_N_STATES ? proto_states[s][0] : "?";
}

const char *
proto_state_label(enum proto_state s)
{
	return (unsigned)s < PROTO_N_STATES ? proto_states[s][1] : "?";
}

int
proto_state_parse(const char *s)
{
	for (int i = 0; i < PROTO_N_STATES; i++)
		if (strcmp(s, proto_states[i][0]) == 0)
			return i;
	return -1;
}

const char *
proto_cause_name(enum proto_cause c)
{
	return (unsigned)c < PROTO_N_CAUSES ? proto_causes[c] : "?";
}

const char *
proto_origin_name(enum proto_origin o)
{
	return o == PROTO_PREVENTIVE ? "preventive" : "customer";
}
