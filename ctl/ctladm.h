#ifndef CTLADM_H
#define CTLADM_H

/* The commands about the daemon as a whole rather than one protocol. */

#include "ctlcmd.h"

/* status: GET /v1/stats. */
ctlcmd_fn ctladm_status;
/* The instances sharing the daemon's database (GET /v1/cluster). */
ctlcmd_fn ctladm_cluster;
/* reload: POST /v1/reload, exit 0 only once the daemon runs the new configuration. */
ctlcmd_fn ctladm_reload;
/* clock [now | RFC3339 | +DURATION]: read, set or advance the daemon's test clock. */
ctlcmd_fn ctladm_clock;
/* seller ID [--envvias yes|no]: GET, or PUT then show. */
ctlcmd_fn ctladm_seller;
/* events [--after SEQ] [--limit N] [--wait S]: one page of the feed. */
ctlcmd_fn ctladm_events;

#endif
