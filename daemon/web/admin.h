#ifndef ADMIN_H
#define ADMIN_H

#include <stddef.h>

struct evhttp_request;
struct web;

/*
 * The operator's endpoints: stats, metrics, health, version, reload and the test
 * clock; and the status line systemd shows.
 */

/* One line for systemd's STATUS=: "1234 protocols, 210 awaiting, next due in 3h12m". */
void admin_status_text(struct web *web, char *buf, size_t len);
/* Forget the POST /v1/clock requests still waiting (at the stop: their connections
 * go with the server; the scheduler, freed after, must not call them back). */
void admin_shutdown(struct web *web);

/* The routes' handlers (http.h's http_handler). */
void admin_stats(struct web *web, struct evhttp_request *req, const char *unused);
void admin_live(struct web *web, struct evhttp_request *req, const char *unused);
void admin_ready(struct web *web, struct evhttp_request *req, const char *unused);
void admin_version(struct web *web, struct evhttp_request *req, const char *unused);
void admin_reload(struct web *web, struct evhttp_request *req, const char *unused);
void admin_clock_get(struct web *web, struct evhttp_request *req, const char *unused);
void admin_clock_post(struct web *web, struct evhttp_request *req, const char *unused);
/* GET /metrics: the Prometheus text exposition. */
void admin_metrics(struct web *web, struct evhttp_request *req, const char *unused);

#endif
