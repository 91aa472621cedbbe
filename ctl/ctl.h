#ifndef CTL_H
#define CTL_H

/*
 * The value types every protocolctl module shares: exit codes (spec.md §10) and the
 * options that hold for a whole run.
 */

#include <stdbool.h>

#define CTL_VERSION "0.1.0"

/* Exit codes, a contract with scripts and systemd (ExecReload=). */
enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_REFUSED = 1,	/* the daemon refused (4xx/5xx but 403), or talking failed */
	CTL_EXIT_USAGE = 2,
	CTL_EXIT_NODAEMON = 3,	/* nothing listens at the socket */
	CTL_EXIT_DENIED = 4,	/* HTTP 403, or EACCES on the socket */
	CTL_EXIT_HELP = -1	/* internal: --help after a command; never returned by main */
};

/* Global options; the NULL ones come from the environment or the configuration. */
struct ctl_opts {
	const char *socket;	/* --socket */
	const char *config;	/* -c */
	bool json;		/* --json */
	bool no_legend;		/* --no-legend: tables without their header (and footer) */
	int timeout_s;		/* --timeout: connect and idle-read limit */
};

#define CTL_DEFAULT_TIMEOUT_S 60

#endif
