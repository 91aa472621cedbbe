#ifndef FEED_H
#define FEED_H

#include <stdint.h>

struct event_base;
struct evhttp_request;
struct store;

/*
 * The transition feed, GET /v1/events: history entries of every protocol in commit
 * order. A request with nothing after its `after` waits (long-poll) until a commit
 * brings something or its wait runs out. Entries are read through the read-only
 * connection, so only committed ones are ever shown.
 */

#define FEED_DEFAULT_LIMIT 100
#define FEED_MAX_LIMIT 1000
#define FEED_MAX_WAIT_S 300

void feed_init(struct event_base *base, struct store *reader);
/* Answer every waiting request (empty) and stop. */
void feed_shutdown(void);
/* Answer req with up to limit entries after seq `after`, waiting up to wait_s. */
void feed_get(struct evhttp_request *req, int64_t after, int limit, int wait_s);
/* Something committed: wake the waiters (a commit hook). */
void feed_notify(void);
/* How many requests are waiting. */
int feed_waiting(void);

#endif
