#ifndef HTTPCONN_H
#define HTTPCONN_H

#include <stddef.h>

struct bufferevent;
struct event_base;
struct evbuffer;
struct evbuffer_cb_info;
struct evhttp_connection;
struct metrics;

/*
 * The server's connections, for http.c: each known from the moment evhttp makes its
 * bufferevent (httpconn_born) until it closes, with its input watched from the first
 * byte (for the request line: http.c's body limit), evhttp's one close callback of
 * each (ours, forwarded to whoever holds the connection's request), and a budget on
 * the answers queued in the daemon for all of them together.
 *
 * An answer waits in the daemon's memory until its client reads it, so clients that
 * stop reading could hold any amount between them. When the bytes queued for all of
 * them pass HTTPCONN_BUDGET, every connection whose answer has been on its way without
 * a byte taken for HTTPCONN_STALL_MS is closed (its client sees the answer or stream
 * end early); this is looked at again every 250 ms while the total stays over. Each
 * drop is counted in the metrics and every sweep that drops some logs one line. A
 * connection whose request is still being served (a long-poll waiting, a read waiting
 * for the fsync, an import) has no answer on its way and is never dropped. Memory
 * freed so, or by clients leaving, is given back to the system.
 */

#define HTTPCONN_BUDGET (64u << 20)	/* bytes of answers queued, all connections */
#define HTTPCONN_STALL_MS 1000		/* no byte taken for this long: stalled */

/* What a holder of a request hears when its connection closes; it must not answer
 * the request or touch its connection then. */
typedef void httpconn_close_fn(void *arg);
/* Bytes came into evcon's input (in): its evbuffer callback, forwarded. */
typedef void httpconn_input_fn(void *arg, struct evhttp_connection *evcon,
    struct evbuffer *in, const struct evbuffer_cb_info *info);

struct httpconn_set;

/* The (empty) set of connections of base's server, whose input goes to input(arg, …)
 * and whose drops are counted in m; also makes big allocations go back to the system
 * when freed. Never NULL. */
struct httpconn_set *httpconn_start(struct event_base *base, struct metrics *m,
    httpconn_input_fn *input, void *arg);
/* Forget every connection still known (after evhttp_free: they are gone) and free the
 * set; NULL is a no-op. */
void httpconn_stop(struct httpconn_set *set);
/* evhttp made bev for a connection it accepted (its bevcb): known from now on. */
void httpconn_born(struct httpconn_set *set, struct bufferevent *bev);
/* A request arrived on evcon: known from now until it closes; no answer on its way. */
void httpconn_request(struct httpconn_set *set, struct evhttp_connection *evcon);
/* The answer to evcon's request starts (or, for a stream, goes on): from now it may be
 * dropped when it stalls. fn(arg), unless NULL, is called if the connection closes
 * before the next request: the stream's holder learns its request is gone. */
void httpconn_answer(struct httpconn_set *set, struct evhttp_connection *evcon,
    httpconn_close_fn *fn, void *arg);

#endif
