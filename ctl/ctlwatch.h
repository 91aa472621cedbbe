#ifndef CTLWATCH_H
#define CTLWATCH_H

/*
 * watch: follow the feed (GET /v1/events?follow=1) for as long as protocolctl runs,
 * reconnecting after the last entry printed when the daemon goes away.
 */

#include "ctlcmd.h"

/* watch [--after SEQ] [--retry-for SECONDS]: exits 0 on SIGINT or SIGTERM, 3 when no
 * daemon answered for SECONDS, 1 or 4 when the daemon refused. */
ctlcmd_fn ctlwatch_watch;

#endif
