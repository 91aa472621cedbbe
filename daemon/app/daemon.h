#ifndef DAEMON_H
#define DAEMON_H

#include <stdbool.h>
#include <stdint.h>

struct event;
struct event_base;

/*
 * The daemon as a whole: its parts, started in dependency order and stopped in
 * reverse (doc/design.md). main.c runs it; the HTTP fuzzer (tests/fuzz/fuzz_http.c)
 * starts the same parts without systemd and signals.
 *
 *   configuration  runconf (the file, reloaded on SIGHUP or POST /v1/reload)
 *   clock, metrics
 *   store          the SQLite backend (store/sqlite.h)
 *   turn           the group commit; its told() is daemon_told below
 *   engine, sched  the write path and the timer on the deadlines
 *   web            the HTTP API on the socket
 *   sysd           systemd's notifications and watchdog (main only)
 */

struct daemon {
	struct event_base *base;
	struct runconf *conf;
	struct clock *clock;
	struct metrics *metrics;
	struct store *store;
	struct turn *turn;
	struct engine *engine;
	struct sched *sched;
	struct web *web;
	struct sysd *sysd;		/* NULL when not run by daemon_run */
	struct event *sig_term, *sig_int, *sig_hup;
	bool stopping;
};

/* Load the configuration at path into d: 0, or -1 with *errors (malloc'd, one line per
 * problem). */
int daemon_configure(struct daemon *d, const char *path, char **errors);
/* Start the parts on a new loop, the API on fd (>= 0: passed by systemd) or the
 * configured socket, the read-only TCP listener on http_fd (>= 0: passed by systemd)
 * or the configured http_listen (if any): 0, or -1 with *cause (malloc'd). test_clock: the clock is a test
 * clock, at *test_start when given (kept in the database), else at the instant the
 * database keeps (the real now the first time). */
int daemon_start(struct daemon *d, bool test_clock, const int64_t *test_start, int fd,
    int http_fd, char **cause);
/* Tell systemd, catch the signals, apply what expired meanwhile, and run the loop
 * until a stop: the exit status (0, or 1 when a lost commit stopped it). */
int daemon_run(struct daemon *d);
/* Stop every part in reverse order and free them (after the loop). */
void daemon_stop(struct daemon *d);

#endif
