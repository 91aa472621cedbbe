/*
 * protocolctl: the command-line client of protocold (spec.md §10).
 * main parses the global options, finds the command in the table and runs it.
 */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctlarg.h"
#include "ctlcmd.h"
#include "ctlreq.h"
#include "ctlversion.h"
#include "log.h"

/* The global options, before the command ("+": stop at the first argument); *version
 * set for --version, which is answered once all of them are known (--socket may
 * follow it). */
static int
ctl_globals(struct ctl_opts *o, int argc, char **argv, bool *version)
{
	static const struct option opts[] = {
		{ "version", no_argument, NULL, CTLARG_VERSION },
		CTLARG_LONGOPTS
	};
	int ch, rc;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+" CTLARG_SHORTOPTS, opts, NULL)) != -1) {
		if (ch == CTLARG_VERSION) {
			*version = true;
			continue;
		}
		if ((rc = ctlarg_common(o, ch, argv)) == CTL_EXIT_HELP) {
			ctlcmd_usage(stdout, NULL);
			exit(CTL_EXIT_OK);
		}
		if (rc != CTL_EXIT_OK)
			return rc;
	}
	if (optind == argc && !*version)
		return ctlarg_usage("no command given");
	return CTL_EXIT_OK;
}

static int
ctl_run(struct ctl_opts *o, int argc, char **argv)
{
	const struct ctlcmd *cmd;
	int rc;

	if ((cmd = ctlcmd_find(argv[0])) == NULL) {
		rc = ctlarg_usage("unknown command \"%s\"", argv[0]);
		fprintf(stderr, "Try 'protocolctl help'.\n");
		return rc;
	}
	rc = cmd->run(o, argc, argv);
	if (rc == CTL_EXIT_HELP) {
		ctlcmd_usage(stdout, cmd);
		rc = CTL_EXIT_OK;
	} else if (rc == CTL_EXIT_USAGE)
		ctlcmd_usage(stderr, cmd);
	return rc;
}

int
main(int argc, char **argv)
{
	struct ctl_opts o = { .timeout_s = CTL_DEFAULT_TIMEOUT_S };
	bool version = false;
	int rc;

	log_init("protocolctl", false);
	if ((rc = ctl_globals(&o, argc, argv, &version)) != CTL_EXIT_OK) {
		ctlcmd_usage(stderr, NULL);
		return rc;
	}
	if (version)
		rc = ctlversion_show(&o);
	else
		rc = ctl_run(&o, argc - optind, argv + optind);
	ctlreq_shutdown();
	fflush(stdout);
	return ferror(stdout) ? CTL_EXIT_REFUSED : rc;
}
