#ifndef CONFVAL_H
#define CONFVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cal.h"
#include "duration.h"

/*
 * The values of the configuration file, one parser per kind of value. Each takes a
 * value as inih hands it on (trimmed; the loader has refused empty ones where they are
 * not allowed) and returns 0 with *out set, or -1 with *out untouched and *why set to
 * a malloc'd "what is wrong (what would be right)". They know nothing of files, lines
 * or sections: the loader (config.c) adds those.
 */

/* value made absolute against dir (an absolute real path), leading "./" and "../"
 * folded in, into a malloc'd *out: always 0. */
int confval_path(const char *dir, const char *value, char **out, char **why);
/* `database`: a PostgreSQL URI (dburi_is_pg) kept as written, once it holds
 * no control character or space; else a SQLite file, as confval_path. */
int confval_database(const char *dir, const char *value, char **out, char **why);
/* confval_path, then -1 when the result is too long for a Unix socket's sun_path. */
int confval_socket(const char *dir, const char *value, char **out, char **why);
/* An octal mode of at most 4 digits, 0 to 0777 ("0660"). */
int confval_mode(const char *value, unsigned *out, char **why);
/* A group that exists now (getgrnam), copied into a malloc'd *out. */
int confval_group(const char *value, char **out, char **why);
/* A TCP address "HOST:PORT": HOST an IPv4 address, or an IPv6 one in brackets
 * ("[::1]:9464"), PORT 1 to 65535; *out is a copy of value. */
int confval_hostport(const char *value, char **out, char **why);
/* Split a value confval_hostport took into its host (no brackets) and port: 0, or -1
 * when it is malformed. */
int confval_split_hostport(const char *value, char *host, size_t hostlen,
    unsigned *port);
/* A zone of the tz database (tz_check), copied into a malloc'd *out. */
int confval_timezone(const char *value, char **out, char **why);
/* "full" (*full = true) or "normal" (false). */
int confval_synchronous(const char *value, bool *full, char **why);
/* "info" (*info = true) or "debug" (false). */
int confval_log_level(const char *value, bool *info, char **why);
/* A whole number from min to max. */
int confval_count(const char *value, long min, long max, long *out, char **why);
/* A size in MiB: "0", or a whole number with the unit MiB or GiB ("512MiB", "1GiB"),
 * at most max MiB: 0, or -1 with *why. A bare number other than 0 is refused (bytes?
 * megabytes?). */
int confval_mib(const char *value, long max, long *out, char **why);
/* A plain duration of at least 1 s, in ms. */
int confval_timeout(const char *value, int64_t *ms, char **why);
/* A duration (duration.h); zero_ok: may be 0 but not business days, else more than
 * 0. example (the key's default) is what the messages suggest. */
int confval_deadline(const char *value, bool zero_ok, const struct duration *example,
    struct duration *out, char **why);
/* A calendar name: "br-national", "br-banking" or "none". */
int confval_holidays(const char *value, enum cal_kind *out, char **why);
/* "YYYY-MM-DD, …" (empty items skipped, "" gives none) into a malloc'd *days, sorted
 * without repeats, and *n; on -1, *why has one line per bad date, joined by '\n'. */
int confval_extra_holidays(const char *value, int64_t **days, size_t *n, char **why);

#endif
