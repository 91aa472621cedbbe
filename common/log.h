#ifndef LOG_H
#define LOG_H

#include <stdbool.h>

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
/* Error with strerror(errno), then exit(1). */
void fatal(const char *fmt, ...) LOG_PRINTF(1, 2) __attribute__((noreturn));
/* Error, then exit(1). */
void fatalx(const char *fmt, ...) LOG_PRINTF(1, 2) __attribute__((noreturn));

#endif
