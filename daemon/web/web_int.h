#ifndef WEB_INT_H
#define WEB_INT_H

#include "cursor.h"
#include "jsonw.h"
#include "web.h"

/*
 * Inside the web wing: the context every handler gets (a route's fn takes it). It is
 * made by web_new; the modules keep their own state in the structs it points to. Not
 * for the app, which sees struct web opaque (web.h).
 */

struct feed;
struct http;
struct import_job;
struct render;
struct testclock_wait;
struct webread;

struct web {
	struct event_base *base;
	struct store *st;
	struct engine *engine;
	struct turn *turn;
	struct sched *sched;
	struct clock *clock;
	struct metrics *metrics;
	struct web_app app;
	const struct config *cfg;	/* the running configuration (web_reconfigure) */
	const struct cal *cal;
	struct http *http;		/* the server: every answer goes through it */
	struct feed *feed;
	struct render *render;
	struct cursor cursor;		/* the list cursors' secret, once has_key */
	bool has_key;
	bool key_asked;			/* its read is on its way */
	bool key_told;			/* its first answer came: connections are taken */
	bool starting;			/* in web_new (an answer then is its to tell) */
	struct jsonw_pool *pool;	/* the answers' spare buffers */
	struct import_job *imports;	/* in progress (import.c) */
	struct testclock_wait *clock_waits;	/* POST /v1/clock in progress (testclock.c) */
	struct webread *reads;		/* the store's reads on their way (webread.h) */
	int n_reads;
};

/* Ask the store for the cursors' secret unless it is known or on its way: has_key
 * says when it came (at once with SQLite). */
void web_cursor_key_read(struct web *w);

#endif
