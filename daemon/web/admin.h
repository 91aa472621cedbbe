#ifndef ADMIN_H
#define ADMIN_H

#include <stddef.h>

#include "web.h"

struct evhttp_request;

/*
 * The operator's endpoints: stats, metrics, health, version and reload; and the status
 * line systemd shows. (The test clock's are testclock.h's.)
 */

/* One line for systemd's STATUS=: "1234 protocols, 210 awaiting, next due in 3h12m",
 * told to fn(arg, text) once (web.h, web_status_text). */
void admin_status_text(struct web *web, web_status_fn *fn, void *arg);

/* The routes' handlers (http.h's http_handler). */
void admin_stats(struct web *web, struct evhttp_request *req, const char *unused);
void admin_live(struct web *web, struct evhttp_request *req, const char *unused);
void admin_ready(struct web *web, struct evhttp_request *req, const char *unused);
void admin_version(struct web *web, struct evhttp_request *req, const char *unused);
void admin_reload(struct web *web, struct evhttp_request *req, const char *unused);
/* GET /metrics: the Prometheus text exposition. */
void admin_metrics(struct web *web, struct evhttp_request *req, const char *unused);

#endif
