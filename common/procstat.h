#ifndef PROCSTAT_H
#define PROCSTAT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * This process's figures as the Prometheus client libraries export them (process_*):
 * read from Linux's /proc/self and getrlimit(2), at each call, nothing kept. Cheap
 * enough for every scrape: three small reads and one directory listing.
 */

struct procstat {
	double start_time_seconds;	/* Unix time the process started */
	double cpu_seconds;		/* user + system */
	int64_t resident_bytes;
	int64_t virtual_bytes;
	int64_t open_fds;
	int64_t max_fds;		/* the soft limit of open files, -1 unlimited */
};

/* Fill out from /proc/self: 0, or -1 when /proc cannot be read (out is then zeroed). */
int procstat_read(struct procstat *out);
/* Parse the text of a /proc/PID/stat file, given the clock ticks per second, the page
 * size and the boot time (Unix seconds): true when it has the fields (out's start,
 * CPU, resident and virtual figures set), false and out untouched otherwise. */
bool procstat_parse_stat(const char *text, long ticks, long page, double boot,
    struct procstat *out);
/* The boot time ("btime N") in the text of /proc/stat, or -1. */
double procstat_parse_boot(const char *text);

#endif
