#ifndef API_H
#define API_H

#include <stddef.h>

#include "http.h"

struct store;

/*
 * The API's endpoints (SPEC §8): request decoding, the call into the engine or the
 * store, and the answer. Writes answer only after their group commit.
 */

/* Serve reads from reader (the read-only connection) and writes through the engine. */
void api_init(struct store *reader, struct store *writer);
/* Reload the configuration, telling systemd (SIGHUP and POST /v1/reload):
 * 0, or -1 with *errors (malloc'd). */
int api_do_reload(char **errors);
/* The route table for http_init. */
const struct http_route *api_routes(size_t *n);

#endif
