#ifndef LOG_H
#define LOG_H

#include <stdbool.h>
#include <stdint.h>

/* Where log lines go: stderr, with "<N>" priority prefixes when journald reads it. */
void log_init(const char *progname, bool debug);
/* Turn debug lines on or off. */
void log_set_debug(bool debug);
bool log_debug_enabled(void);

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))
/* Informational message. */
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
/* Warning followed by ": strerror(errno)". */
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
/* Warning without errno. */
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
/* Debug message, printed only when debug is on. */
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
/*
 * A warning that may repeat every second while a cause lasts (a full disk, a
 * database that refuses writes): the first is written, the next ones at most once per
 * interval, each with how many were left out since. The caller gives the time (its
 * monotonic clock, µs), so that this module reads no clock of its own.
 */
struct log_limit {
	int64_t last_us;	/* when the last line was written (0: never) */
	long left_out;		/* lines not written since */
};
/* Warn through l (not more than once per every_us): true when written. */
bool log_warnx_limited(struct log_limit *l, int64_t now_us, int64_t every_us,
    const char *fmt, ...) LOG_PRINTF(4, 5);
/* The cause is over: say so once if lines were left out (what: "the scheduler"),
 * and start again. */
void log_limit_clear(struct log_limit *l, const char *what);
/* Error with strerror(errno), then exit(1). */
void fatal(const char *fmt, ...) LOG_PRINTF(1, 2) __attribute__((noreturn));
/* Error, then exit(1). */
void fatalx(const char *fmt, ...) LOG_PRINTF(1, 2) __attribute__((noreturn));

#endif
