#ifndef CTLREQ_H
#define CTLREQ_H

/*
 * One request to the daemon, from finding its socket to the exit code: the socket is
 * --socket, else $PROTOCOLD_SOCKET, else the `socket` of the configuration (-c, else
 * $PROTOCOLD_CONFIG, else /etc/protocold/protocold.ini), else /run/protocold.sock.
 */

#include <jansson.h>

#include "ctl.h"
#include "ctlshow.h"

struct ctlreq {
	const char *method;	/* "GET", "POST", "PUT" */
	const char *target;	/* path and query, already encoded */
	const json_t *body;	/* sent compact; NULL: none */
	int extra_s;		/* added to the read timeout: long polls, clock moves */
	ctlshow_fn *show;	/* the view without --json; NULL prints nothing */
};

/*
 * Send rq to the daemon and report the outcome: a 2xx answer on stdout (verbatim
 * JSON with --json, else rq->show); a refusal on stderr for people, and with --json
 * its problem document on stdout too; a failure to connect or talk on stderr.
 * Returns the exit code (enum ctl_exit).
 */
int ctlreq_run(const struct ctl_opts *o, const struct ctlreq *rq);

#endif
