/*
 * takeover: one kill -9 of a protocold instance of a cluster, and the time until the
 * survivors own every shard (scenario h of tests/bench/run.sh, issue 24).
 *
 *   takeover --kill PID --victim NAME --at MS --socket SOCK [--socket SOCK ...]
 *            [--every-ms 10] [--timeout-ms 15000]
 *
 * First reads GET /v1/cluster through the first socket and notes the shards the victim
 * owns. At the epoch instant MS (milliseconds) it sends SIGKILL to PID, then asks every
 * survivor's socket for GET /v1/cluster every --every-ms ms: done when the union, over
 * those answers, of the shards of the live instances other than the victim is all 64.
 * Prints one JSON line:
 *   {"victim", "pid", "kill_ms" (epoch ms of the kill, with fractions),
 *    "takeover_ms" (the kill to the first poll that saw all 64; null on timeout),
 *    "declared_ms" (the kill to the first answer not showing the victim alive),
 *    "victim_shards" (before the kill), "polls", "errors"}
 * Exits 0 when the survivors owned every shard before the timeout, else 1.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define TO_SHARDS 64
#define TO_MAX_SOCKS 8

static double
to_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
to_sleep_until(double ms)
{
	struct timespec ts;

	if (ms <= to_now_ms())
		return;
	ts.tv_sec = (time_t)(ms / 1e3);
	ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1e3) * 1e6);
	while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Undo a chunked body in place; returns its length or -1. */
static long
to_dechunk(char *b, size_t len)
{
	size_t r = 0, w = 0;

	for (;;) {
		char *end;
		unsigned long n = strtoul(b + r, &end, 16);
		char *crlf = strstr(b + r, "\r\n");

		if (crlf == NULL || end == b + r)
			return -1;
		r = (size_t)(crlf - b) + 2;
		if (n == 0)
			return (long)w;
		if (r + n > len)
			return -1;
		memmove(b + w, b + r, n);
		w += n;
		r += n + 2;
		if (r > len)
			return -1;
	}
}

/* GET /v1/cluster through SOCK: the parsed body, or NULL. */
static json_t *
to_cluster(const char *sock)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct timeval tv = { 2, 0 };
	static const char req[] = "GET /v1/cluster HTTP/1.1\r\nHost: localhost\r\n"
	    "Connection: close\r\n\r\n";
	char *buf = NULL, *body;
	size_t len = 0, cap = 0;
	json_t *j = NULL;
	int fd;

	if (strlen(sock) >= sizeof a.sun_path)
		return NULL;
	strcpy(a.sun_path, sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    write(fd, req, sizeof req - 1) != (ssize_t)(sizeof req - 1))
		goto out;
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 65536);

			if (nb == NULL)
				goto out;
			buf = nb;
			cap += 65536;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (strncmp(buf, "HTTP/1.1 200", 12) != 0 || (body = strstr(buf, "\r\n\r\n")) == NULL)
		goto out;
	*body = '\0';
	body += 4;
	if (strcasestr(buf, "transfer-encoding: chunked") != NULL) {
		long bl = to_dechunk(body, len - (size_t)(body - buf));

		if (bl < 0)
			goto out;
		body[bl] = '\0';
	}
	j = json_loads(body, 0, NULL);
out:
	close(fd);
	free(buf);
	return j;
}

/* The shards (a bit each) of the live instances of J other than VICTIM; *victim_alive
 * is set when J shows the victim alive. */
static uint64_t
to_survivors(json_t *j, const char *victim, bool *victim_alive)
{
	json_t *ins = json_object_get(j, "instances"), *m;
	uint64_t mask = 0;
	size_t i;

	json_array_foreach(ins, i, m) {
		const char *name = json_string_value(json_object_get(m, "instance"));
		json_t *sh = json_object_get(m, "shards"), *s;
		size_t k;

		if (name == NULL || !json_is_true(json_object_get(m, "alive")))
			continue;
		if (strcmp(name, victim) == 0) {
			*victim_alive = true;
			continue;
		}
		json_array_foreach(sh, k, s) {
			json_int_t v = json_integer_value(s);

			if (v >= 0 && v < TO_SHARDS)
				mask |= 1ULL << v;
		}
	}
	return mask;
}

static void
to_usage(void)
{
	fprintf(stderr, "usage: takeover --kill PID --victim NAME --at MS --socket SOCK "
	    "[--socket SOCK ...] [--every-ms 10] [--timeout-ms 15000]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "kill", required_argument, NULL, 'k' },
		{ "victim", required_argument, NULL, 'v' },
		{ "at", required_argument, NULL, 'a' },
		{ "socket", required_argument, NULL, 's' },
		{ "every-ms", required_argument, NULL, 'e' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *socks[TO_MAX_SOCKS], *victim = NULL;
	int nsocks = 0, o, polls = 0, errors = 0;
	long pid = 0;
	double at = 0, every = 10, timeout = 15000, t_kill, t_own = -1, t_declared = -1, next;
	json_t *before, *vsh = json_array();

	while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (o) {
		case 'k': pid = strtol(optarg, NULL, 10); break;
		case 'v': victim = optarg; break;
		case 'a': at = strtod(optarg, NULL); break;
		case 's':
			if (nsocks == TO_MAX_SOCKS)
				to_usage();
			socks[nsocks++] = optarg;
			break;
		case 'e': every = strtod(optarg, NULL); break;
		case 't': timeout = strtod(optarg, NULL); break;
		default: to_usage();
		}
	}
	if (pid <= 1 || victim == NULL || nsocks == 0 || every <= 0 || timeout <= 0)
		to_usage();

	before = to_cluster(socks[0]);
	if (before != NULL) {
		json_t *m;
		size_t i;

		json_array_foreach(json_object_get(before, "instances"), i, m) {
			const char *name = json_string_value(json_object_get(m, "instance"));

			if (name != NULL && strcmp(name, victim) == 0)
				json_array_extend(vsh, json_object_get(m, "shards"));
		}
		json_decref(before);
	}

	to_sleep_until(at);
	t_kill = to_now_ms();
	if (kill((pid_t)pid, SIGKILL) != 0) {
		fprintf(stderr, "takeover: kill %ld: %s\n", pid, strerror(errno));
		return 1;
	}
	next = t_kill;
	while (to_now_ms() - t_kill < timeout) {
		uint64_t mask = 0;
		bool valive = false;
		int got = 0;

		for (int i = 0; i < nsocks; i++) {
			json_t *j = to_cluster(socks[i]);

			if (j == NULL) {
				errors++;
				continue;
			}
			got++;
			mask |= to_survivors(j, victim, &valive);
			json_decref(j);
		}
		polls++;
		if (got > 0 && !valive && t_declared < 0)
			t_declared = to_now_ms();
		if (mask == UINT64_MAX) {
			t_own = to_now_ms();
			break;
		}
		next += every;
		to_sleep_until(next);
	}
	{
		json_t *out = json_pack("{s:s, s:I, s:f, s:o, s:o, s:o, s:i, s:i}",
		    "victim", victim, "pid", (json_int_t)pid, "kill_ms", t_kill,
		    "takeover_ms", t_own < 0 ? json_null() : json_real(t_own - t_kill),
		    "declared_ms", t_declared < 0 ? json_null() : json_real(t_declared - t_kill),
		    "victim_shards", vsh, "polls", polls, "errors", errors);
		char *s = json_dumps(out, JSON_COMPACT | JSON_REAL_PRECISION(17));

		puts(s);
		free(s);
		json_decref(out);
	}
	return t_own < 0;
}
