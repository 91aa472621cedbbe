#ifndef MARKET_H
#define MARKET_H

struct evhttp_request;
struct web;

/*
 * GET /v1/marketplaces and GET /v1/marketplaces/{name}: the rulebooks as loaded
 * (doc/rules.md): each one's deadlines, actions (label, parameters, where each leads,
 * its wait), events and reasons, so that a portal can draw its menu from them.
 */

void market_list(struct web *web, struct evhttp_request *req, const char *unused);
void market_get(struct web *web, struct evhttp_request *req, const char *name);

#endif
