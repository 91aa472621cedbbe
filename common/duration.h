#ifndef DURATION_H
#define DURATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Durations as the configuration writes them: the systemd.time(7) subset
 * s, min, h, d, w, combinable ("1d 12h", "90min", "1d12h"), or N business days
 * "Nbd", alone. Exactly one of ms and bdays is in use: bdays > 0 means business days.
 */
struct duration {
	int64_t ms;
	int bdays;
	char text[24];	/* as it was written ("48h"), when it fit; else "" */
};

#define DURATION_ERR_LEN 160

/* Parse s: 0, or -1 with a message in err (DURATION_ERR_LEN bytes) that names the
 * problem and the units that exist. A bare number, "m", "M", "y", fractions,
 * negative values, mixing "bd" with other units and more than ten years
 * (CIVIL_SPAN_MAX_DAYS days, CIVIL_SPAN_MAX_BDAYS business days: civil.h) are errors.
 * "0s" (zero) is accepted; callers that need a positive value check it. */
int duration_parse(const char *s, struct duration *out, char *err);
/* Canonical text of d ("1d 12h", "90min" is written "1h 30min", "6bd", "0s"). Returns buf. */
char *duration_format(const struct duration *d, char *buf, size_t len);
/* The text d was written as, else its canonical form (in buf). */
const char *duration_text(const struct duration *d, char *buf, size_t len);
/* True for a business-day duration. */
bool duration_is_bdays(const struct duration *d);

#endif
