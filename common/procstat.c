#include "procstat.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* /proc/stat holds a line per CPU: a few KiB even on a large machine. */
#define PROCSTAT_BUF 65536

/* The file's text, cut to len - 1 bytes, in buf: its length, or -1. */
static ssize_t
procstat_slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t n = 0;

	if (fd < 0)
		return -1;
	while (got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	if (n < 0)
		return -1;
	buf[got] = '\0';
	return (ssize_t)got;
}

bool
procstat_parse_stat(const char *text, long ticks, long page, double boot,
    struct procstat *out)
{
	unsigned long long utime, stime, start, vsize;
	long long rss;
	/* The command (field 2) is in parentheses and may hold any byte, ')' too: the
	 * fields start after the last ')'. */
	const char *p = strrchr(text, ')');

	if (p == NULL || ticks <= 0 || page <= 0)
		return false;
	/* Fields 3–13 skipped, then utime (14), stime (15), 16–21, starttime (22),
	 * vsize (23), rss (24, pages). */
	if (sscanf(p + 1, "%*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu %llu"
	    " %*s %*s %*s %*s %*s %*s %llu %llu %lld", &utime, &stime, &start, &vsize,
	    &rss) != 5)
		return false;
	out->cpu_seconds = (double)(utime + stime) / (double)ticks;
	out->start_time_seconds = boot + (double)start / (double)ticks;
	out->virtual_bytes = (int64_t)vsize;
	out->resident_bytes = (int64_t)rss * page;
	return true;
}

double
procstat_parse_boot(const char *text)
{
	const char *p = text;
	long long btime;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, "btime ", 6) == 0 && sscanf(p + 6, "%lld", &btime) == 1)
			return (double)btime;
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return -1;
}

/* Entries in /proc/self/fd, less the one the listing itself holds open. */
static int64_t
procstat_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int64_t n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n > 0 ? n - 1 : 0;
}

int
procstat_read(struct procstat *out)
{
	char *buf = malloc(PROCSTAT_BUF);
	struct rlimit rl;
	double boot = -1;
	bool ok = false;

	*out = (struct procstat){ 0 };
	if (buf == NULL)
		return -1;
	if (procstat_slurp("/proc/stat", buf, PROCSTAT_BUF) >= 0)
		boot = procstat_parse_boot(buf);
	if (boot >= 0 && procstat_slurp("/proc/self/stat", buf, PROCSTAT_BUF) >= 0)
		ok = procstat_parse_stat(buf, sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE),
		    boot, out);
	free(buf);
	out->open_fds = procstat_fds();
	if (!ok || out->open_fds < 0) {
		*out = (struct procstat){ 0 };
		return -1;
	}
	out->max_fds = -1;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		out->max_fds = (int64_t)rl.rlim_cur;
	return 0;
}
