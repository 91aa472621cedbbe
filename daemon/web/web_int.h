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

struct admin_clock_wait;
struct feed;
struct http;
struct import_job;
struct render;

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
	struct cursor cursor;		/* the list cursors' secret */
	struct jsonw_pool *pool;	/* the answers' spare buffers */
	struct import_job *imports;	/* in progress (import.c) */
	struct admin_clock_wait *clock_waits;	/* POST /v1/clock in progress (admin.c) */
};

#endif
