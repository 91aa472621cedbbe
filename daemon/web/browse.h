#ifndef BROWSE_H
#define BROWSE_H

struct evhttp_request;
struct store;

/*
 * Read-only views over many protocols: GET /v1/protocols (filters and signed cursor
 * pages) and GET /v1/forecast (clocks running out within a horizon).
 */

/* Read through reader (the read-only connection); load the cursor secret from it.
 * 0, or -1 when the secret cannot be read. */
int browse_init(struct store *reader);
void browse_list(struct evhttp_request *req, const char *unused);
void browse_forecast(struct evhttp_request *req, const char *unused);

#endif
