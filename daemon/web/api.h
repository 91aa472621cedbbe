#ifndef API_H
#define API_H

#include <jansson.h>
#include <stddef.h>

#include "engine.h"
#include "http.h"
#include "problem.h"

/*
 * The API's endpoints (spec.md §8): request decoding, the call into the engine or the
 * store, and the answer. A write is answered once the turn's commit that holds it is
 * durable (or failed: 503), a refusal too (it may rest on what that commit holds).
 */

/* A string member of a request object: 1 (*out set), 0 (absent or null), or -1
 * (not a string; *pb is a 422 naming key). */
int api_member_str(json_t *o, const char *key, const char **out, struct problem *pb);
/* The fields of a create request (POST /v1/protocols, one import line): 0, or -1
 * with *pb. r points into o. */
int api_decode_create(json_t *o, struct engine_create *r, struct problem *pb);
/* The route table for http_new. */
const struct http_route *api_routes(size_t *n);

#endif
