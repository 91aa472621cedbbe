#ifndef PGCONN_H
#define PGCONN_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;

/*
 * One connection to PostgreSQL on the event loop, in pipeline mode (the PostgreSQL
 * store, pg.h, keeps two: a writer and a reader). Statements are prepared once per
 * connection and sent at once; their answers come back through callbacks, in the
 * order they were sent, from the loop when they arrive. A sync ends a batch: the
 * statements sent since the last one are one (implicit) transaction, committed when
 * the server reaches the sync. The loop never waits for the server: the socket's
 * read and write events drive libpq, and the output of one loop turn leaves in one
 * write.
 *
 * A lost connection (or one that owes answers and has heard nothing from the server
 * for 10 s: a cut network, a frozen server) tells every answer still owed at once
 * (PGCONN_LOST), then the owner (down), and reconnects by itself: 50 ms later, doubling to 2 s between
 * attempts; once connected and set up again (its SETs run, its statements prepared)
 * it tells the owner (up). While it is down nothing can be sent.
 */

enum pgconn_status {
	PGCONN_OK,		/* the statement ran (or the sync was reached): r */
	PGCONN_ERROR,		/* the server refused it, an earlier statement of its batch
				 * failed (it did not run), or a sync's commit failed: err */
	PGCONN_LOST,		/* the connection was lost before the answer came: the
				 * statement (or the commit at a sync) may or may not have
				 * run */
	PGCONN_CLOSED		/* pgconn_free: free what waited for it, tell no one */
};

/* An answer: r (OK; freed after the call) or err (ERROR, LOST). */
typedef void pgconn_fn(void *arg, enum pgconn_status st, const PGresult *r,
    const char *err);

/* A statement prepared on each connection, sent by its name. */
struct pgconn_stmt {
	const char *name;
	const char *sql;
};

/* What a connection is for, and whom it tells. */
struct pgconn_def {
	const char *role;		/* "writer", "reader": in messages */
	const char *const *setup;	/* statements run first on each connection
					 * (SETs), NULL-terminated */
	const struct pgconn_stmt *stmts;
	size_t nstmts;
	void (*up)(void *arg);		/* (re)connected and set up */
	void (*down)(void *arg);	/* lost, after every answer owed was told */
	void *arg;
	/* A notification arrived (a channel its setup LISTENs to), or NULL. */
	void (*notify)(void *arg, const char *channel, const char *payload);
};

struct pgconn;

/* Connect to uri now (the start: this waits, up to 10 s) and set the connection up
 * for def, its events on base: the connection, up, or NULL with *cause (allocated).
 * def's pointers must outlive it. */
struct pgconn *pgconn_open(struct event_base *base, const char *uri,
    const struct pgconn_def *def, char **cause);
/* Close: each answer still owed gets PGCONN_CLOSED (to free what waited for it).
 * NULL is a no-op. */
void pgconn_free(struct pgconn *c);

/* Whether statements can be sent now. */
bool pgconn_is_up(const struct pgconn *c);
/* Why it is down (the first line of libpq's message), or "". */
const char *pgconn_why(const struct pgconn *c);
/* The number of the connection: it changes at each new connection, so that what was
 * begun on one can tell it is gone. */
uint64_t pgconn_generation(const struct pgconn *c);
/* The session's application_name ("protocold/HOST/PID.START/w3": pgsweep.h), a new one at
 * each connection. */
const char *pgconn_name(const struct pgconn *c);
/* The server's version (server_version's first word: "15.5"), "" before the first
 * connection. */
const char *pgconn_server_version(const struct pgconn *c);
/* The server process of the connection, 0 when down; its socket, -1 when down (both
 * for tests, which cut it). */
int pgconn_backend_pid(const struct pgconn *c);
int pgconn_socket(const struct pgconn *c);

/* Send the prepared statement name with n text parameters (NULL for SQL NULL); fn
 * (may be NULL) gets its answer. 0, or -1 when the connection is down (fn is not
 * called; pgconn_why says why). */
int pgconn_send(struct pgconn *c, const char *name, int n, const char *const *values,
    pgconn_fn *fn, void *arg);
/* End the batch: fn(arg, OK) once the server reached the sync (the statements since
 * the last one committed), ERROR when the commit there failed, LOST when the
 * connection was lost before: 0, or -1 when down (fn is not called). */
int pgconn_sync(struct pgconn *c, pgconn_fn *fn, void *arg);

/* Keep what is sent from now on (copies of its parameters, in order) instead of
 * sending it, until pgconn_release: for what must go after a batch not yet complete
 * (pg.c: the next transaction's statements, while the commit of the last one waits
 * for an answer it needs). */
void pgconn_hold(struct pgconn *c);
/* Stop holding: first(arg) sends (when not NULL), then what was held. */
void pgconn_release(struct pgconn *c, void (*first)(void *arg), void *arg);

/* Run the connection without the loop (the loop has stopped, or has not started):
 * wait, blocking, until done(arg) is true (0), or for at most timeout_us (-1). The
 * answers arrive, the connection is lost and reconnects as on the loop. */
int pgconn_wait(struct pgconn *c, bool (*done)(void *arg), void *arg, int64_t timeout_us);

#endif
