#ifndef CTLMARKET_H
#define CTLMARKET_H

/* The rulebooks the daemon runs, one per marketplace (GET /v1/marketplaces). */

#include "ctlcmd.h"

/* marketplaces [NAME]: a table of the loaded rulebooks, or one rulebook: its
 * deadlines, actions, events and reasons. */
ctlcmd_fn ctlmarket_marketplaces;

#endif
