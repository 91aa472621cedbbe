/*
 * Argument checks. Every usage error is reported here, on stderr through the log
 * module, so the dispatcher only has to add the command's usage line.
 */

#include "ctlarg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlout.h"
#include "log.h"

#define CTLARG_ID_MAX 64
#define CTLARG_MARKET_MAX 32

int
ctlarg_usage(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_warnx("%s", msg);
	return CTL_EXIT_USAGE;
}

int
ctlarg_common(struct ctl_opts *o, int ch, char *const *argv)
{
	long long t;
	int rc;

	switch (ch) {
	case CTLARG_JSON:
		o->json = true;
		return CTL_EXIT_OK;
	case CTLARG_NO_LEGEND:
		o->no_legend = true;
		ctlout_no_legend();
		return CTL_EXIT_OK;
	case CTLARG_SOCKET:
		o->socket = optarg;
		return CTL_EXIT_OK;
	case CTLARG_CONFIG:
		o->config = optarg;
		return CTL_EXIT_OK;
	case CTLARG_TIMEOUT:
		if ((rc = ctlarg_uint("--timeout", optarg, 86400, &t)) != CTL_EXIT_OK)
			return rc;
		if (t == 0)
			return ctlarg_usage("--timeout: must be at least 1 second");
		o->timeout_s = (int)t;
		return CTL_EXIT_OK;
	case CTLARG_HELP:
		return CTL_EXIT_HELP;
	case ':':
		return ctlarg_usage("option %s needs a value", argv[optind - 1]);
	default:
		if (optopt != 0 && optopt < 256)
			return ctlarg_usage("unknown option -%c", optopt);
		return ctlarg_usage("unknown option %s", argv[optind - 1]);
	}
}

int
ctlarg_parse(struct ctl_opts *o, int argc, char **argv, const struct option *opts,
    ctlarg_own_fn *own, void *ctx)
{
	int ch, rc;

	optind = 0;	/* GNU: start over, argv[0] being the command */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, CTLARG_SHORTOPTS, opts, NULL)) != -1) {
		if (ch >= CTLARG_OWN && own != NULL)
			rc = own(ctx, ch, optarg);
		else
			rc = ctlarg_common(o, ch, argv);
		if (rc != CTL_EXIT_OK)
			return rc;
	}
	return CTL_EXIT_OK;
}

bool
ctlarg_id_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= CTLARG_ID_MAX && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") == n;
}

int
ctlarg_id(const char *what, const char *s)
{
	if (ctlarg_id_ok(s))
		return CTL_EXIT_OK;
	return ctlarg_usage("%s \"%s\": use 1 to %d of A-Z a-z 0-9 . _ : -", what, s,
	    CTLARG_ID_MAX);
}

int
ctlarg_market(const char *what, const char *s)
{
	size_t n = strlen(s);

	if (n >= 1 && n <= CTLARG_MARKET_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n)
		return CTL_EXIT_OK;
	return ctlarg_usage("%s \"%s\": a marketplace's name is 1 to %d of a-z 0-9 -",
	    what, s, CTLARG_MARKET_MAX);
}

int
ctlarg_uint(const char *opt, const char *s, long long max, long long *out)
{
	char *end;

	errno = 0;
	if (*s >= '0' && *s <= '9') {
		*out = strtoll(s, &end, 10);
		if (*end == '\0' && errno == 0 && *out <= max)
			return CTL_EXIT_OK;
	}
	return ctlarg_usage("%s \"%s\": expected a whole number from 0 to %lld", opt, s,
	    max);
}

int
ctlarg_count(int argc, char *const *argv, int min, int max)
{
	int n = argc - optind;

	if (n < min)
		return ctlarg_usage("missing argument");
	if (n > max)
		return ctlarg_usage("unexpected argument \"%s\"", argv[optind + max]);
	return CTL_EXIT_OK;
}
