#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

static const char *log_progname = "protocold";
static bool log_debug_on;
static bool log_prefix_prio;

void
log_init(const char *progname, bool debug)
{
	log_progname = progname;
	log_debug_on = debug;
	/* journald sets JOURNAL_STREAM for services whose stderr it reads. */
	log_prefix_prio = getenv("JOURNAL_STREAM") != NULL;
}

void
log_set_debug(bool debug)
{
	log_debug_on = debug;
}

bool
log_debug_enabled(void)
{
	return log_debug_on;
}

static void
log_vwrite(int prio, const char *fmt, va_list ap, const char *suffix)
{
	char line[2048];

	vsnprintf(line, sizeof line, fmt, ap);
	if (log_prefix_prio)
		fprintf(stderr, "<%d>%s%s%s\n", prio, line,
		    suffix ? ": " : "", suffix ? suffix : "");
	else
		fprintf(stderr, "%s: %s%s%s\n", log_progname, line,
		    suffix ? ": " : "", suffix ? suffix : "");
	fflush(stderr);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	const char *err = strerror(errno);

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, fmt, ap, err);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_debug_on)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

bool
log_warnx_limited(struct log_limit *l, int64_t now_us, int64_t every_us, const char *fmt,
    ...)
{
	char line[1800];
	va_list ap;

	if (l->last_us != 0 && now_us - l->last_us < every_us) {
		l->left_out++;
		return false;
	}
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (l->left_out > 0)
		log_warnx("%s (and %ld more like it in the last %lld s)", line, l->left_out,
		    (long long)((now_us - l->last_us) / 1000000));
	else
		log_warnx("%s", line);
	l->last_us = now_us == 0 ? 1 : now_us;
	l->left_out = 0;
	return true;
}

void
log_limit_clear(struct log_limit *l, const char *what)
{
	if (l->last_us != 0)
		log_info("%s: working again%s", what, l->left_out > 0 ?
		    " (the warnings above repeated meanwhile)" : "");
	*l = (struct log_limit){ 0 };
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	const char *err = strerror(errno);

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, fmt, ap, err);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
