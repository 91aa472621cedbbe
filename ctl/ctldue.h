#ifndef CTLDUE_H
#define CTLDUE_H

/* The commands about when clocks run out: one clock's explanation, and the forecast. */

#include "ctlcmd.h"

/* explain ID: clock.explain of GET /v1/protocols/ID for people; --json: that object,
 * or null when no clock runs. */
ctlcmd_fn ctldue_explain;
/* forecast [--within D] [--seller S]: GET /v1/forecast, a summary for people. */
ctlcmd_fn ctldue_forecast;

#endif
