#ifndef FEED_H
#define FEED_H

#include <stdbool.h>
#include <stdint.h>

struct event_base;
struct evhttp_request;
struct store;

/*
 * The transition feed, GET /v1/events: history entries of every protocol in commit
 * order, read through the read-only connection, so only committed ones are ever
 * shown. A request with nothing after its `after` waits (long-poll) until a commit
 * brings something or its wait runs out; with follow=1 the answer is an endless NDJSON
 * stream. Waiters cost nothing while nothing commits; when something does, the new
 * entries are read once per distinct position and shared by everyone there. A
 * follower gets one chunk of whole entries (FEED_CHUNK_BYTES, or one entry if bigger)
 * at a time and the next only once the last has left, so a slow reader holds at most
 * a chunk; one that stops reading while the daemon's output is over its budget is
 * dropped (its stream just ends; httpconn.h) and may resume with after= its last seq.
 */

#define FEED_CHUNK_BYTES (64 * 1024)
#define FEED_DEFAULT_LIMIT 100
#define FEED_MAX_LIMIT 1000
#define FEED_MAX_WAIT_S 300

void feed_init(struct event_base *base, struct store *reader);
/* Answer every waiting request (long-polls empty, streams ended) and stop. */
void feed_shutdown(void);
/* Answer req with up to limit entries after seq `after`, waiting up to wait_s. */
void feed_get(struct evhttp_request *req, int64_t after, int limit, int wait_s);
/* Stream every entry after seq `after` to req as NDJSON, as they commit. */
void feed_follow(struct evhttp_request *req, int64_t after);
/* Something committed: wake the waiters (a commit hook). */
void feed_notify(void);
/* How many requests are waiting or following. */
int feed_waiting(void);

#endif
