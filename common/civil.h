#ifndef CIVIL_H
#define CIVIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Proleptic Gregorian calendar arithmetic on "day numbers": days since
 * 1970-01-01 (negative before). Pure functions, no time zone involved.
 */

#define CIVIL_DATE_LEN 11 /* "YYYY-MM-DD" + NUL */

/* The day number of y-m-d (the date must be valid). */
int64_t civil_days(int y, int m, int d);
/* The date of a day number. */
void civil_from_days(int64_t days, int *y, int *m, int *d);
/* Day of week of a day number: 0 = Sunday … 6 = Saturday. */
int civil_weekday(int64_t days);
/* True when y-m-d exists (1 <= y <= 9999). */
bool civil_valid(int y, int m, int d);
/* Parse exactly "YYYY-MM-DD" into a day number: 0, or -1 when malformed or not a real date. */
int civil_parse_date(const char *s, int64_t *days);
/* Write "YYYY-MM-DD" into buf (at least CIVIL_DATE_LEN bytes). */
void civil_format_date(int64_t days, char *buf);

#endif
