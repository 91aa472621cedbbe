#include "pgsweep.h"

#include <errno.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "xmalloc.h"

/* How long the sessions ended are waited for, and how often we look. */
#define PGSWEEP_WAIT_US (10 * 1000000LL)
#define PGSWEEP_POLL_US 50000

/* The name's host part, and its length: the name, "/CONN" after it, fits the 63
 * bytes of a session's name. */
#define PGSWEEP_HOST_MAX 24

static void
pgsweep_host(char *buf, size_t len)
{
	char host[256];

	if (gethostname(host, sizeof host) != 0)
		strcpy(host, "?");
	host[sizeof host - 1] = '\0';
	snprintf(buf, len, "%.*s", PGSWEEP_HOST_MAX, host);
}

/* When process pid started (clock ticks since boot, /proc/PID/stat's 22nd field), or 0
 * when it is gone or unreadable. With the pid it names one life of one process. */
static unsigned long long
pgsweep_started(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long long at = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* After the command's ")" (which may hold spaces): state is field 3. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
	    "%*d %*d %*d %llu", &at) != 1)
		return 0;
	return at;
}

void
pgsweep_name(char *buf, size_t len)
{
	char host[PGSWEEP_HOST_MAX + 1];
	long pid = (long)getpid();

	pgsweep_host(host, sizeof host);
	snprintf(buf, len, "protocold/%s/%ld.%llx", host, pid, pgsweep_started(pid));
}

/*
 * Whether a session named name was left by a gone daemon of this host: its process is
 * gone, or its pid now names another life (a container's restart under the same pid,
 * or a reused one). A name without the start (an older protocold's) is gone when its
 * pid is, or is ours.
 */
static bool
pgsweep_orphan(const char *name, const char *host)
{
	size_t n = strlen(host);
	unsigned long long started;
	char *end;
	long pid;

	if (strncmp(name, "protocold/", 10) != 0 || strncmp(name + 10, host, n) != 0 ||
	    name[10 + n] != '/')
		return false;
	errno = 0;
	pid = strtol(name + 11 + n, &end, 10);
	if (errno != 0 || pid <= 0)
		return false;
	if (*end == '.') {
		started = strtoull(end + 1, &end, 16);
		if (*end != '\0' && *end != '/')
			return false;
		return started != pgsweep_started(pid);
	}
	if (*end != '\0' && *end != '/')
		return false;
	return pid == (long)getpid() || (kill((pid_t)pid, 0) == -1 && errno == ESRCH);
}

/* The server pids of the orphans on this database, as an SQL array ("{1,2}"), or
 * NULL when there is none; -1 in *rc on a failed query. */
static char *
pgsweep_find(PGconn *c, int *rc)
{
	char host[PGSWEEP_HOST_MAX + 1], *list = xstrdup("{"), *next;
	PGresult *r = PQexec(c, "SELECT pid, application_name FROM pg_stat_activity "
	    "WHERE datname = current_database() AND pid <> pg_backend_pid() AND "
	    "application_name LIKE 'protocold/%'");
	int n = 0;

	*rc = PQresultStatus(r) == PGRES_TUPLES_OK ? 0 : -1;
	pgsweep_host(host, sizeof host);
	for (int i = 0; *rc == 0 && i < PQntuples(r); i++) {
		if (!pgsweep_orphan(PQgetvalue(r, i, 1), host))
			continue;
		next = xasprintf("%s%s%s", list, n++ > 0 ? "," : "", PQgetvalue(r, i, 0));
		free(list);
		list = next;
	}
	PQclear(r);
	if (n == 0) {
		free(list);
		return NULL;
	}
	next = xasprintf("%s}", list);
	free(list);
	return next;
}

/* End the sessions of pids; a refusal (another role's) is warned about. */
static void
pgsweep_end(PGconn *c, const char *pids)
{
	const char *v[] = { pids };
	PGresult *r = PQexecParams(c, "SELECT count(*) FILTER (WHERE pg_terminate_backend("
	    "p)) FROM unnest($1::int[]) AS p", 1, NULL, v, NULL, NULL, 0);

	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		log_warnx("database: cannot end the sessions %s a killed protocold left: %s",
		    pids, PQresultErrorMessage(r));
	else
		log_info("database: ended the sessions %s a killed protocold left", pids);
	PQclear(r);
}

/* A failed query's cause (allocated). */
static char *
pgsweep_error(PGconn *c)
{
	const char *m = PQerrorMessage(c);

	return xasprintf("reading pg_stat_activity: %.*s", (int)strcspn(m, "\n"), m);
}

static int
pgsweep_wait(PGconn *c, char **cause)
{
	int64_t until = clock_mono_us() + PGSWEEP_WAIT_US;
	char *pids;
	int rc;

	while ((pids = pgsweep_find(c, &rc)) != NULL) {
		if (clock_mono_us() >= until) {
			*cause = xasprintf("the sessions %s of a killed protocold are still "
			    "there after %lld s", pids, PGSWEEP_WAIT_US / 1000000);
			free(pids);
			return -1;
		}
		free(pids);
		usleep(PGSWEEP_POLL_US);
	}
	if (rc == 0)
		return 0;
	*cause = pgsweep_error(c);
	return -1;
}

int
pgsweep_run(const char *uri, char **cause)
{
	static const char *const keys[] = { "dbname", "application_name", NULL };
	const char *values[] = { uri, "protocold (start)", NULL };
	PGconn *c = PQconnectdbParams(keys, values, 1);
	char *pids;
	int rc;

	if (c == NULL || PQstatus(c) != CONNECTION_OK) {
		*cause = xasprintf("the database server is unreachable: %s",
		    c == NULL ? "out of memory" : PQerrorMessage(c));
		(*cause)[strcspn(*cause, "\n")] = '\0';
		PQfinish(c);
		return -1;
	}
	if ((pids = pgsweep_find(c, &rc)) != NULL) {
		pgsweep_end(c, pids);
		free(pids);
	}
	if (rc == 0)
		rc = pgsweep_wait(c, cause);
	else
		*cause = pgsweep_error(c);
	PQfinish(c);
	return rc;
}
