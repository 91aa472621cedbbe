#ifndef CTLARG_H
#define CTLARG_H

/*
 * Command-line helpers shared by every command: the global options (accepted before
 * the command and after it), and checks that turn bad arguments into usage errors.
 */

#include <getopt.h>
#include <stdbool.h>

#include "ctl.h"

/* getopt_long codes of the global options; commands number theirs from CTLARG_OWN. */
enum {
	CTLARG_JSON = 'j',
	CTLARG_CONFIG = 'c',
	CTLARG_HELP = 'h',
	CTLARG_SOCKET = 256,
	CTLARG_TIMEOUT,
	CTLARG_VERSION,
	CTLARG_NO_LEGEND,
	CTLARG_OWN = 300
};

/* Short options for getopt_long: ':' first, so a missing value returns ':'. */
#define CTLARG_SHORTOPTS ":c:hj"

/* The global options, to end every command's struct option array. */
#define CTLARG_LONGOPTS \
	{ "json", no_argument, NULL, CTLARG_JSON }, \
	{ "no-legend", no_argument, NULL, CTLARG_NO_LEGEND }, \
	{ "socket", required_argument, NULL, CTLARG_SOCKET }, \
	{ "config", required_argument, NULL, CTLARG_CONFIG }, \
	{ "timeout", required_argument, NULL, CTLARG_TIMEOUT }, \
	{ "help", no_argument, NULL, CTLARG_HELP }, \
	{ NULL, 0, NULL, 0 }

/*
 * Handle what getopt_long returned (ch) when it is not a command's own option: store
 * a global option in o and return CTL_EXIT_OK; CTL_EXIT_HELP for --help; or report
 * an unknown option or a missing value (argv as given to getopt_long) and return
 * CTL_EXIT_USAGE.
 */
int ctlarg_common(struct ctl_opts *o, int ch, char *const *argv);
/* A command's own option: ch (>= CTLARG_OWN) with its value (NULL if none). */
typedef int ctlarg_own_fn(void *ctx, int ch, const char *arg);

/*
 * Run getopt_long over a command's argv (argv[0] is the command) with opts (which end
 * with CTLARG_LONGOPTS), in GNU order (options may follow the arguments). Own options
 * go to own(ctx, …), the global ones into o. CTL_EXIT_OK with optind at the first
 * positional argument, or the first non-OK code of own or ctlarg_common.
 */
int ctlarg_parse(struct ctl_opts *o, int argc, char **argv, const struct option *opts,
    ctlarg_own_fn *own, void *ctx);
/* Report a usage error ("protocolctl: …" on stderr); returns CTL_EXIT_USAGE. */
int ctlarg_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* True for 1–64 characters of [A-Za-z0-9._:-] (protocol and seller ids). */
bool ctlarg_id_ok(const char *s);
/* CTL_EXIT_OK for a valid id, else a usage error naming what (e.g. "protocol id"). */
int ctlarg_id(const char *what, const char *s);
/* CTL_EXIT_OK for a marketplace's name (1–32 of [a-z0-9-]), else a usage error naming
 * what (e.g. "--marketplace"). */
int ctlarg_market(const char *what, const char *s);
/* A decimal integer in [0, max] into *out: CTL_EXIT_OK, or a usage error naming opt. */
int ctlarg_uint(const char *opt, const char *s, long long max, long long *out);
/* CTL_EXIT_OK when the positional arguments left after getopt_long (argv[optind..argc))
 * number min to max, else a usage error. */
int ctlarg_count(int argc, char *const *argv, int min, int max);

#endif
