#ifndef TESTCLOCK_H
#define TESTCLOCK_H

struct evhttp_request;
struct web;

/*
 * The test clock's endpoints (--test-clock): GET /v1/clock, and POST /v1/clock, which
 * moves the clock, keeps it in the database (so that the instances sharing one share
 * it: store_clock_save in the turn's transaction) and answers once that is committed
 * and every clock due at the new time is applied and committed.
 */

/* The routes' handlers (http.h's http_handler). */
void testclock_get(struct web *web, struct evhttp_request *req, const char *unused);
void testclock_post(struct web *web, struct evhttp_request *req, const char *unused);
/* Forget the POST /v1/clock requests still waiting (at the stop: their connections
 * go with the server; the scheduler, freed after, must not call them back). */
void testclock_shutdown(struct web *web);

#endif
