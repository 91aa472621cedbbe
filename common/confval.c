#include "confval.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "civil.h"
#include "dburi.h"
#include "tz.h"
#include "xmalloc.h"

#define CONFVAL_SOCKET_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)
#define CONFVAL_TZ_EXAMPLE "America/Sao_Paulo"	/* config.h's default zone */

/* Paths */

/* The directory's length after the leading "./" and "../" of *value, which are
 * skipped; the directory is a real path (no symbolic links to go back through). */
static size_t
confval_fold(const char *dir, const char **value)
{
	size_t len = strlen(dir);

	for (;;) {
		if (strncmp(*value, "./", 2) == 0)
			*value += 2;
		else if (strncmp(*value, "../", 3) == 0) {
			*value += 3;
			while (len > 1 && dir[len - 1] != '/')
				len--;
			if (len > 1)
				len--;
		} else
			return len;
	}
}

int
confval_path(const char *dir, const char *value, char **out, char **why)
{
	size_t len;

	if (value[0] == '/') {
		*out = xstrdup(value);
		return 0;
	}
	len = confval_fold(dir, &value);
	if (len == 1)
		*out = xasprintf("/%s", value);
	else
		*out = xasprintf("%.*s/%s", (int)len, dir, value);
	return 0;
}

int
confval_database(const char *dir, const char *value, char **out, char **why)
{
	const char *c;

	if (!dburi_is_pg(value))
		return confval_path(dir, value, out, why);
	for (c = value; *c != '\0'; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f) {
			*why = xstrdup("a PostgreSQL URI has no space or control character "
			    "(percent-encode it: %20)");
			return -1;
		}
	*out = xstrdup(value);
	return 0;
}

int
confval_socket(const char *dir, const char *value, char **out, char **why)
{
	char *path;

	if (confval_path(dir, value, &path, why) == -1)
		return -1;
	if (strlen(path) > CONFVAL_SOCKET_MAX) {
		*why = xasprintf("\"%s\" is %zu bytes long, more than the %zu a Unix socket "
		    "path may have (choose a shorter path)", path, strlen(path),
		    CONFVAL_SOCKET_MAX);
		free(path);
		return -1;
	}
	*out = path;
	return 0;
}

/* [daemon] */

int
confval_split_hostport(const char *value, char *host, size_t hostlen, unsigned *port)
{
	const char *colon, *end;
	size_t n;
	char *stop;
	unsigned long p;

	if (value[0] == '[') {
		if ((end = strchr(value, ']')) == NULL || end[1] != ':')
			return -1;
		value++;
		colon = end + 1;
	} else if ((colon = strrchr(value, ':')) == NULL)
		return -1;
	else
		end = colon;
	n = (size_t)(end - value);
	if (n == 0 || n >= hostlen || colon[1] == '\0' ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return -1;
	p = strtoul(colon + 1, &stop, 10);
	if (p < 1 || p > 65535)
		return -1;
	memcpy(host, value, n);
	host[n] = '\0';
	*port = (unsigned)p;
	return 0;
}

int
confval_hostport(const char *value, char **out, char **why)
{
	char host[INET6_ADDRSTRLEN + 1];
	unsigned char addr[sizeof(struct in6_addr)];
	unsigned port;
	bool v6 = value[0] == '[';

	if (confval_split_hostport(value, host, sizeof host, &port) != 0 ||
	    inet_pton(v6 ? AF_INET6 : AF_INET, host, addr) != 1) {
		*why = xasprintf("\"%s\" is not a TCP address: an IPv4 address and a port, or "
		    "an IPv6 address in brackets and a port (e.g. 127.0.0.1:9464 or "
		    "[::1]:9464)", value);
		return -1;
	}
	*out = xstrdup(value);
	return 0;
}

int
confval_mode(const char *value, unsigned *out, char **why)
{
	size_t len = strlen(value);
	unsigned long mode;

	mode = strtoul(value, NULL, 8);
	if (len > 4 || strspn(value, "01234567") != len || mode > 0777) {
		*why = xasprintf("\"%s\" is not an octal mode from 0 to 0777 (e.g. 0660)",
		    value);
		return -1;
	}
	*out = mode;
	return 0;
}

int
confval_group(const char *value, char **out, char **why)
{
	if (getgrnam(value) == NULL) {
		*why = xasprintf("group \"%s\" does not exist (create it, or leave "
		    "write_group out: then only root and the daemon's user may write)", value);
		return -1;
	}
	*out = xstrdup(value);
	return 0;
}

int
confval_timezone(const char *value, char **out, char **why)
{
	char *cause = NULL;

	if (tz_check(value, &cause) == -1) {
		*why = xasprintf("%s (a zone of the tz database, e.g. %s)", cause,
		    CONFVAL_TZ_EXAMPLE);
		free(cause);
		return -1;
	}
	*out = xstrdup(value);
	return 0;
}

int
confval_synchronous(const char *value, bool *full, char **why)
{
	if (strcmp(value, "full") != 0 && strcmp(value, "normal") != 0) {
		*why = xasprintf("\"%s\" is not a mode (full or normal)", value);
		return -1;
	}
	*full = strcmp(value, "full") == 0;
	return 0;
}

int
confval_log_level(const char *value, bool *info, char **why)
{
	if (strcmp(value, "info") != 0 && strcmp(value, "debug") != 0) {
		*why = xasprintf("\"%s\" is not a level (info or debug)", value);
		return -1;
	}
	*info = strcmp(value, "info") == 0;
	return 0;
}

int
confval_count(const char *value, long min, long max, long *out, char **why)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(value, &end, 10);
	if (!isdigit((unsigned char)value[0]) || *end != '\0' || errno != 0 || n < min ||
	    n > max) {
		*why = xasprintf("\"%s\" is not a whole number from %ld to %ld", value, min,
		    max);
		return -1;
	}
	*out = n;
	return 0;
}

int
confval_mib(const char *value, long max, long *out, char **why)
{
	char *end;
	long n, unit = 0;

	errno = 0;
	n = strtol(value, &end, 10);
	if (strcmp(end, "MiB") == 0)
		unit = 1;
	else if (strcmp(end, "GiB") == 0)
		unit = 1024;
	else if (*end == '\0' && n == 0)
		unit = 1;
	if (!isdigit((unsigned char)value[0]) || errno != 0 || unit == 0 || n > max / unit) {
		*why = xasprintf("\"%s\" is not a size: 0 (none), or a whole number of MiB or "
		    "GiB (\"512MiB\", \"1GiB\") up to %ldMiB", value, max);
		return -1;
	}
	*out = n * unit;
	return 0;
}

int
confval_timeout(const char *value, int64_t *ms, char **why)
{
	struct duration d;
	char err[DURATION_ERR_LEN];

	if (duration_parse(value, &d, err) != 0) {
		*why = xstrdup(err);
		return -1;
	}
	if (duration_is_bdays(&d) || d.ms < 1000) {
		*why = xasprintf("\"%s\" must be at least 1s, in plain time (e.g. 2min)", value);
		return -1;
	}
	*ms = d.ms;
	return 0;
}

/* [deadlines] */

int
confval_deadline(const char *value, bool zero_ok, const struct duration *example,
    struct duration *out, char **why)
{
	struct duration d;
	char err[DURATION_ERR_LEN], eg[64];

	if (duration_parse(value, &d, err) == -1) {
		*why = xstrdup(err);
		return -1;
	}
	duration_format(example, eg, sizeof(eg));
	if (zero_ok && duration_is_bdays(&d)) {
		*why = xasprintf("business days are not allowed here (a span of time, "
		    "e.g. %s)", eg);
		return -1;
	}
	if (!zero_ok && d.ms == 0 && d.bdays == 0) {
		*why = xasprintf("must be more than 0 (e.g. %s)", eg);
		return -1;
	}
	*out = d;
	return 0;
}

/* [calendar] */

int
confval_holidays(const char *value, enum cal_kind *out, char **why)
{
	enum cal_kind kind;

	if (cal_kind_parse(value, &kind) == -1) {
		*why = xasprintf("\"%s\" is not a calendar (br-national, br-banking or "
		    "none)", value);
		return -1;
	}
	*out = kind;
	return 0;
}

static int
confval_day_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Sort days and drop repeats; the new count. */
static size_t
confval_days_unique(int64_t *days, size_t n)
{
	size_t i, out = 0;

	qsort(days, n, sizeof(*days), confval_day_cmp);
	for (i = 0; i < n; i++) {
		if (out == 0 || days[out - 1] != days[i])
			days[out++] = days[i];
	}
	return out;
}

/* Add what is wrong with the date item to *bad, one line each. */
static void
confval_bad_day(const char *item, char **bad)
{
	char *all;

	all = xasprintf("%s%s\"%s\" is not a date (YYYY-MM-DD, e.g. 2026-01-25, "
	    "separated by commas)", *bad ? *bad : "", *bad ? "\n" : "", item);
	free(*bad);
	*bad = all;
}

/* Trim item in place: its first non-space character. */
static char *
confval_trim(char *item)
{
	char *end;

	while (isspace((unsigned char)*item))
		item++;
	for (end = item + strlen(item); end > item && isspace((unsigned char)end[-1]);)
		*--end = '\0';
	return item;
}

int
confval_extra_holidays(const char *value, int64_t **days, size_t *n, char **why)
{
	char *copy = xstrdup(value), *item, *save = NULL, *bad = NULL;
	int64_t *d = xcalloc(strlen(value) / 2 + 1, sizeof(*d));
	size_t i = 0;

	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		item = confval_trim(item);
		if (*item != '\0' && civil_parse_date(item, &d[i++]) == -1)
			confval_bad_day(item, &bad);
	}
	free(copy);
	if (bad != NULL) {
		free(d);
		*why = bad;
		return -1;
	}
	*n = confval_days_unique(d, i);
	*days = d;
	return 0;
}
