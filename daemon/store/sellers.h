#ifndef SELLERS_H
#define SELLERS_H

#include <stdbool.h>
#include <stdint.h>

#include "proto.h"

struct conn;

/*
 * Sellers (conn.h): the Envvias flag (which actions a protocol allows) and the counts
 * GET /v1/sellers/{id} shows. A seller never written is unknown, with Envvias off.
 */

/* 1 known, 0 unknown (envvias false), -1 error (conn_error). */
int sellers_get(struct conn *c, const char *id, bool *envvias);
int sellers_put(struct conn *c, const char *id, bool envvias);
/* The seller's protocols per state, and its mediations at or after since: 0 or -1. */
int sellers_counts(struct conn *c, const char *id, int64_t since,
    int64_t counts[PROTO_N_STATES], int64_t *mediations);

#endif
