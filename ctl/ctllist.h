#ifndef CTLLIST_H
#define CTLLIST_H

/*
 * The commands that page through a list ({items, next}, following next until it is
 * null): list, and a protocol's history.
 */

#include "ctlcmd.h"

/* list [--state S] [--seller S] [--marketplace M] [--due-before T] [--limit N]: a
 * table, or NDJSON. */
ctlcmd_fn ctllist_list;
/* history ID: a table, or with --json one {items, next: null} with every page's items. */
ctlcmd_fn ctllist_history;

#endif
