#ifndef CTLREQ_H
#define CTLREQ_H

/*
 * One request to the daemon, from finding its socket to the exit code: the socket is
 * --socket, else $PROTOCOLD_SOCKET, else the `socket` of the configuration (-c, else
 * $PROTOCOLD_CONFIG, else /etc/protocold/protocold.ini), else /run/protocold.sock.
 */

#include <stddef.h>

#include <jansson.h>

#include "ctl.h"
#include "ctlshow.h"
#include "httpmsg.h"

struct ctlreq {
	const char *method;	/* "GET", "POST", "PUT" */
	const char *target;	/* path and query, already encoded */
	const json_t *body;	/* sent compact; NULL: none */
	const char *raw;	/* instead of body: sent as it is */
	size_t raw_len;
	const char *content_type;	/* of raw; NULL: application/json */
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
/*
 * Like ctlreq_run, but a 2xx answer is not printed: CTL_EXIT_OK with *answer (a new
 * reference, NULL for an empty body) and *status. Any other outcome is reported as
 * ctlreq_run does, and *answer is NULL.
 */
int ctlreq_fetch(const struct ctl_opts *o, const struct ctlreq *rq, json_t **answer,
    int *status);
/* The path of the daemon's socket (see above), located on the first call. */
const char *ctlreq_socket(const struct ctl_opts *o);
/* Report on stderr that httpc or httpstream failed with err (and its cause): the exit
 * code, CTL_EXIT_NODAEMON, CTL_EXIT_DENIED or CTL_EXIT_REFUSED. */
int ctlreq_unreachable(int err, const char *cause);
/* Report a whole answer that is not 2xx as ctlreq_run does: the exit code. */
int ctlreq_refused(const struct ctl_opts *o, const struct httpmsg *m);
/*
 * GET target and nothing else: no output, no configuration note, timeout_ms for the
 * connection and each wait. 0 and *answer (a new reference) for a 2xx JSON answer;
 * else a negative errno (-EPROTO for any other answer) and *cause, a malloc'd
 * sentence naming the socket. For what must stay quiet or go on without the daemon
 * (--version, completion).
 */
int ctlreq_get_quiet(const struct ctl_opts *o, const char *target, int timeout_ms,
    json_t **answer, char **cause);
/* Forget the located socket (after the last request). */
void ctlreq_shutdown(void);

#endif
