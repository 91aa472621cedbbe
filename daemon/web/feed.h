#ifndef FEED_H
#define FEED_H

#include <stdbool.h>
#include <stdint.h>

struct event_base;
struct evhttp_request;
struct http;
struct jsonw_pool;
struct store;

/*
 * The transition feed, GET /v1/events: history entries of every protocol in commit
 * order, read from the store's committed data, so only committed ones are ever shown.
 * A request with nothing after its `after` waits (long-poll) until a durable commit
 * brings something (feed_notify) or its wait runs out; with follow=1 the answer is an endless NDJSON
 * stream. Waiters cost nothing while nothing commits; when something does, the new
 * entries are read once per distinct position and shared by everyone there (feed.c:
 * one page read at a time, whether the store answers before returning or later). A
 * follower gets one chunk of whole entries (FEED_CHUNK_BYTES, or one entry if bigger)
 * at a time and the next only once the last has left, so a slow reader holds at most
 * a chunk; one that stops reading while the daemon's output is over its budget is
 * dropped (its stream just ends; httpconn.h) and may resume with after= its last seq.
 * A quiet stream carries an empty line now and then (feed_configure). An `after` past
 * the end of the store's feed (a database restored from an older copy) is refused:
 * 409 cursor_ahead.
 */

#define FEED_CHUNK_BYTES (64 * 1024)
#define FEED_DEFAULT_LIMIT 100
#define FEED_MAX_LIMIT 1000
#define FEED_MAX_WAIT_S 300

struct feed;

/* The feed of st's history on base, answering through h with pool's buffers (each
 * must outlive it); it asks where the feed ends now (known once the store answered:
 * followers wait till then). Never NULL. */
struct feed *feed_new(struct event_base *base, struct store *st, struct http *h,
    struct jsonw_pool *pool);
/* Send the followers a heartbeat (an empty line) every half idle_timeout, 30 s at
 * most: a quiet stream stays connected, for days. */
void feed_configure(struct feed *f, int64_t idle_timeout_ms);
/* feed_shutdown, then free; NULL is a no-op. Its reads still on their way are dropped
 * when their answers come (webread.h's rule). */
void feed_free(struct feed *f);
/* Answer every waiting request (long-polls with what they have: a page the store
 * answers before returning, else nothing; streams ended); the feed still takes
 * requests afterwards. */
void feed_shutdown(struct feed *f);
/* Answer req with up to limit entries after seq `after`, waiting up to wait_s. */
void feed_get(struct feed *f, struct evhttp_request *req, int64_t after, int limit,
    int wait_s);
/* Stream every entry after seq `after` to req as NDJSON, as they commit. */
void feed_follow(struct feed *f, struct evhttp_request *req, int64_t after);
/* Something committed and is durable: read where the feed ends, and wake the waiters
 * if it moved. */
void feed_notify(struct feed *f);
/* Another instance committed: the feed ends at seq last (when it is further than
 * known); the waiters are served. */
void feed_moved(struct feed *f, int64_t last);
/* The newest seq known committed (0 until the store told): a follower's `after` that is
 * never ahead of the feed (no 409 cursor_ahead); from memory. */
int64_t feed_last_seq(const struct feed *f);
/* How many requests are waiting or following. */
int feed_waiting(const struct feed *f);

#endif
