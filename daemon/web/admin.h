#ifndef ADMIN_H
#define ADMIN_H

#include <stddef.h>

struct evhttp_request;
struct store;

/*
 * The operator's endpoints: stats, health, version, reload and the test clock.
 */

/* Read stats through reader (the read-only connection). */
void admin_init(struct store *reader);
/* One line for systemd's STATUS=: "1234 protocols, 210 awaiting, next due in 3h12m". */
void admin_status_text(char *buf, size_t len);
/* Reload the configuration, telling systemd (SIGHUP and POST /v1/reload):
 * 0, or -1 with *errors (malloc'd); either outcome is logged (runconf_reload). */
int admin_do_reload(char **errors);

void admin_stats(struct evhttp_request *req, const char *unused);
void admin_live(struct evhttp_request *req, const char *unused);
void admin_ready(struct evhttp_request *req, const char *unused);
void admin_version(struct evhttp_request *req, const char *unused);
void admin_reload(struct evhttp_request *req, const char *unused);
void admin_clock_get(struct evhttp_request *req, const char *unused);
void admin_clock_post(struct evhttp_request *req, const char *unused);
/* GET /metrics: the Prometheus text exposition. */
void admin_metrics(struct evhttp_request *req, const char *unused);

#endif
