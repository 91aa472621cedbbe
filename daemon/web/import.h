#ifndef IMPORT_H
#define IMPORT_H

struct evhttp_request;
struct web;

/*
 * POST /v1/protocols:import: an NDJSON body of create requests, applied in batches of
 * IMPORT_BATCH lines, yielding to the loop between batches. Up to IMPORT_TXN_LINES
 * lines (at most IMPORT_HOLD_US) share one transaction (turn_hold); other clients'
 * writes made meanwhile join it and are acknowledged at its commit. The answer counts
 * created, identical, conflicting and invalid lines and names the first bad ones.
 */

#define IMPORT_BATCH 2000
#define IMPORT_TXN_LINES 32000
#define IMPORT_HOLD_US 500000
#define IMPORT_MAX_ERRORS 20

/* The route's handler. */
void import_post(struct web *web, struct evhttp_request *req, const char *unused);
/* Drop the imports in progress (at the stop, once the turn is drained: their
 * committed batches stay). */
void import_shutdown(struct web *web);

#endif
