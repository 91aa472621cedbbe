#ifndef CTLBACKUP_H
#define CTLBACKUP_H

/*
 * protocolctl backup FILE: the daemon's online copy of its SQLite database (GET
 * /v1/backup), written to FILE.tmp, synced, checked (the SQLite header, the length
 * announced), then renamed to FILE and its directory synced: FILE is either the old
 * one or a whole copy, never half of one.
 */

#include "ctlcmd.h"

/* The command (ctlcmd.h). */
ctlcmd_fn ctlbackup_backup;

#endif
