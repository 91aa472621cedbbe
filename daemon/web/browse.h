#ifndef BROWSE_H
#define BROWSE_H

struct evhttp_request;
struct web;

/*
 * Read-only views over many protocols: GET /v1/protocols (filters and signed cursor
 * pages) and GET /v1/forecast (clocks running out within a horizon).
 */

/* The routes' handlers (http.h's http_handler). */
void browse_list(struct web *web, struct evhttp_request *req, const char *unused);
void browse_forecast(struct web *web, struct evhttp_request *req, const char *unused);

#endif
