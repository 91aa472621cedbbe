#ifndef CTLIMPORT_H
#define CTLIMPORT_H

/*
 * import: a bulk load of an NDJSON file of protocols (one create object a line), sent
 * in requests of at most CTLIMPORT_MAX_LINES lines and CTLIMPORT_MAX_BYTES bytes to
 * POST /v1/protocols:import, with the daemon's counts summed over the requests.
 */

#include "ctlcmd.h"

#define CTLIMPORT_MAX_LINES 10000
#define CTLIMPORT_MAX_BYTES (8u * 1024 * 1024)
/* The bad lines the summary lists, the first ones of the file. */
#define CTLIMPORT_MAX_ERRORS 20

/* import FILE|-: exit 0 when the daemon accepted every request (even if it found
 * lines invalid), 1 (or 3, 4) when it refused or could not be reached, 2 for a FILE
 * that cannot be opened. */
ctlcmd_fn ctlimport_import;

#endif
