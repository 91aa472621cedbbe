#ifndef CTLVERSION_H
#define CTLVERSION_H

/*
 * protocolctl --version: its own version, then the daemon's (GET /v1/version), as the
 * README promises; a daemon that does not answer is said on stderr, not an error.
 */

#include "ctl.h"

/* Print the versions (one JSON object with --json). Always CTL_EXIT_OK. */
int ctlversion_show(const struct ctl_opts *o);

#endif
