/*
 * loadgen: an HTTP/1.1 load generator for a Unix socket (evhttp's client cannot connect
 * to a Unix path in libevent 2.1, so this speaks HTTP itself over bufferevents).
 *
 * N keep-alive connections, each sending its next request as soon as the previous
 * answer is complete (closed loop). The path may carry "{id}", replaced by an id from
 * a numeric range (prefix + zero-padded number), taken in sequence (each once, with
 * --once) or at random. Prints one JSON line: requests/s, latency percentiles, errors.
 *
 *   loadgen -s SOCK [-c CONNS] [-d SECONDS] [-n MAX] [-m METHOD] [-p PATH] [-b BODY]
 *           [--ids FROM:TO] [--id-prefix P] [--id-width W] [--random] [--once]
 *           [--label NAME]
 */

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

enum lg_state { LG_STATUS, LG_HEADERS, LG_BODY, LG_CHUNK_SIZE, LG_CHUNK_DATA, LG_TRAILER };

struct lg_conn {
	struct bufferevent *bev;
	enum lg_state state;
	bool busy;		/* a request is in flight (or the connection is being made) */
	bool connecting;
	bool chunked, close_after;
	int status;
	int64_t body_left;
	uint64_t sent_ns;
};

struct lg_opts {
	const char *socket, *method, *path, *body, *prefix, *label;
	int conns, width;
	double duration;
	int64_t max_requests, id_from, id_to;
	bool random, once, has_ids;
};

static struct lg_opts opt = {
	.method = "GET", .path = "/", .prefix = "", .label = "", .conns = 64,
	.duration = 5.0,
};
static struct event_base *lg_base;
static struct lg_conn *lg_conns;
static struct sockaddr_un lg_addr;
static bool lg_stopping;
static int64_t lg_issued, lg_done, lg_errors, lg_non2xx, lg_by_class[6];
static int64_t lg_next_id;
static uint64_t lg_rng = 0x9e3779b97f4a7c15ULL, lg_t0, lg_tlast;
static uint32_t *lg_lat;	/* microseconds */
static size_t lg_n_lat, lg_cap_lat;

static void lg_send(struct lg_conn *c);
static void lg_connect(struct lg_conn *c);

static void
lg_die(const char *msg)
{
	fprintf(stderr, "loadgen: %s\n", msg);
	exit(2);
}

static uint64_t
lg_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t
lg_rand(void)
{
	lg_rng ^= lg_rng << 13;
	lg_rng ^= lg_rng >> 7;
	lg_rng ^= lg_rng << 17;
	return lg_rng;
}

/* The next id of the range, or -1 when --once has used them all. */
static int64_t
lg_pick_id(void)
{
	int64_t span = opt.id_to - opt.id_from;

	if (opt.random)
		return opt.id_from + (int64_t)(lg_rand() % (uint64_t)span);
	if (lg_next_id >= span) {
		if (opt.once)
			return -1;
		lg_next_id = 0;
	}
	return opt.id_from + lg_next_id++;
}

/* Write the request line's path into out, with {id} replaced. false: ids used up. */
static bool
lg_format_path(struct evbuffer *out)
{
	const char *mark = strstr(opt.path, "{id}");
	int64_t id;

	if (mark == NULL || !opt.has_ids) {
		evbuffer_add_printf(out, "%s", opt.path);
		return true;
	}
	if ((id = lg_pick_id()) < 0)
		return false;
	evbuffer_add_printf(out, "%.*s%s%0*" PRId64 "%s", (int)(mark - opt.path), opt.path,
	    opt.prefix, opt.width, id, mark + 4);
	return true;
}

static bool
lg_may_send(void)
{
	if (lg_stopping)
		return false;
	if (opt.max_requests > 0 && lg_issued >= opt.max_requests)
		return false;
	return true;
}

static void
lg_maybe_finish(void)
{
	for (int i = 0; i < opt.conns; i++)
		if (lg_conns[i].busy)
			return;
	event_base_loopbreak(lg_base);
}

static void
lg_send(struct lg_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	size_t blen = opt.body ? strlen(opt.body) : 0;

	if (!lg_may_send()) {
		lg_stopping = true;
		lg_maybe_finish();
		return;
	}
	evbuffer_add_printf(out, "%s ", opt.method);
	if (!lg_format_path(out)) {
		evbuffer_drain(out, evbuffer_get_length(out));
		lg_stopping = true;
		lg_maybe_finish();
		return;
	}
	evbuffer_add_printf(out, " HTTP/1.1\r\nHost: localhost\r\n");
	if (opt.body != NULL)
		evbuffer_add_printf(out, "Content-Type: application/json\r\n"
		    "Content-Length: %zu\r\n\r\n%s", blen, opt.body);
	else
		evbuffer_add_printf(out, "\r\n");
	c->busy = true;
	c->state = LG_STATUS;
	c->sent_ns = lg_now_ns();
	lg_issued++;
}

static void
lg_record(struct lg_conn *c)
{
	uint64_t now = lg_now_ns(), us = (now - c->sent_ns) / 1000;

	if (lg_n_lat == lg_cap_lat) {
		lg_cap_lat = lg_cap_lat ? lg_cap_lat * 2 : 65536;
		lg_lat = realloc(lg_lat, lg_cap_lat * sizeof *lg_lat);
		if (lg_lat == NULL)
			lg_die("out of memory");
	}
	lg_lat[lg_n_lat++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
	lg_done++;
	lg_tlast = now;
	if (c->status >= 100 && c->status < 600)
		lg_by_class[c->status / 100]++;
	if (c->status < 200 || c->status > 299)
		lg_non2xx++;
}

/* A complete answer: count it, then the next request (or a new connection). */
static void
lg_complete(struct lg_conn *c)
{
	lg_record(c);
	c->busy = false;
	if (c->close_after) {
		bufferevent_free(c->bev);
		c->bev = NULL;
		if (lg_may_send())
			lg_connect(c);
		else
			lg_maybe_finish();
		return;
	}
	lg_send(c);
}

static void
lg_header(struct lg_conn *c, const char *line)
{
	const char *v = strchr(line, ':');

	if (v == NULL)
		return;
	for (v++; *v == ' ' || *v == '\t'; v++)
		;
	if (strncasecmp(line, "Content-Length:", 15) == 0)
		c->body_left = strtoll(v, NULL, 10);
	else if (strncasecmp(line, "Transfer-Encoding:", 18) == 0 &&
	    strncasecmp(v, "chunked", 7) == 0)
		c->chunked = true;
	else if (strncasecmp(line, "Connection:", 11) == 0 && strncasecmp(v, "close", 5) == 0)
		c->close_after = true;
}

/* Consume what the input holds; true when an answer was completed. */
static bool
lg_parse(struct lg_conn *c, struct evbuffer *in)
{
	char *line;
	size_t n;

	for (;;) {
		switch (c->state) {
		case LG_STATUS:
		case LG_HEADERS:
		case LG_CHUNK_SIZE:
		case LG_TRAILER:
			if ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF)) == NULL)
				return false;
			if (c->state == LG_STATUS) {
				c->status = strncmp(line, "HTTP/1.", 7) == 0 && n >= 12 ?
				    atoi(line + 9) : 0;
				c->body_left = 0;
				c->chunked = c->close_after = false;
				c->state = LG_HEADERS;
			} else if (c->state == LG_HEADERS && n > 0) {
				lg_header(c, line);
			} else if (c->state == LG_HEADERS) {
				bool empty = c->status == 204 || c->status == 304 ||
				    c->status < 200;

				c->state = c->chunked ? LG_CHUNK_SIZE : LG_BODY;
				if (empty) {
					c->body_left = 0;
					c->state = LG_BODY;
				}
			} else if (c->state == LG_CHUNK_SIZE) {
				c->body_left = strtoll(line, NULL, 16);
				c->state = c->body_left == 0 ? LG_TRAILER : LG_CHUNK_DATA;
				c->body_left += c->body_left ? 2 : 0;	/* the CRLF after it */
			} else if (n == 0) {
				free(line);
				lg_complete(c);
				return true;
			}
			free(line);
			break;
		case LG_BODY:
		case LG_CHUNK_DATA:
			n = evbuffer_get_length(in);
			if ((int64_t)n > c->body_left)
				n = (size_t)c->body_left;
			evbuffer_drain(in, n);
			c->body_left -= (int64_t)n;
			if (c->body_left > 0)
				return false;
			if (c->state == LG_CHUNK_DATA) {
				c->state = LG_CHUNK_SIZE;
				break;
			}
			lg_complete(c);
			return true;
		}
	}
}

static void
lg_read_cb(struct bufferevent *bev, void *arg)
{
	struct lg_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	/* An answer may replace the connection (Connection: close): stop reading then. */
	while (c->bev == bev && c->busy && evbuffer_get_length(in) > 0)
		if (!lg_parse(c, in))
			break;
}

/* The connection failed or ended: count it, then reconnect or stop. */
static void
lg_conn_lost(struct lg_conn *c, int err)
{
	lg_errors++;
	if (c->connecting) {
		/* No server there: say so once and stop. */
		if (!lg_stopping)
			fprintf(stderr, "loadgen: cannot connect to %s: %s\n", opt.socket,
			    strerror(err));
		lg_stopping = true;
	} else if (c->busy)
		lg_issued--;	/* not answered: an error, not a request */
	c->busy = c->connecting = false;
	bufferevent_free(c->bev);
	c->bev = NULL;
	if (lg_may_send() && lg_errors < 1000)
		lg_connect(c);
	else {
		lg_stopping = true;
		lg_maybe_finish();
	}
}

static void
lg_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct lg_conn *c = arg;

	if (what & BEV_EVENT_CONNECTED) {
		c->connecting = false;
		lg_send(c);
	} else if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		lg_conn_lost(c, errno);
}

static void
lg_connect(struct lg_conn *c)
{
	struct bufferevent *bev = bufferevent_socket_new(lg_base, -1, BEV_OPT_CLOSE_ON_FREE);

	if (bev == NULL)
		lg_die("bufferevent_socket_new failed");
	c->bev = bev;
	bufferevent_setcb(bev, lg_read_cb, NULL, lg_event_cb, c);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	c->busy = c->connecting = true;	/* the first request goes out once connected */
	c->state = LG_STATUS;
	/* A refused connect is reported through the event callback; other failures only
	 * by the return value. */
	if (bufferevent_socket_connect(bev, (struct sockaddr *)&lg_addr, sizeof lg_addr) != 0 &&
	    c->bev == bev)
		lg_conn_lost(c, errno);
}

static void
lg_stop_cb(evutil_socket_t fd, short what, void *arg)
{
	lg_stopping = true;
	lg_maybe_finish();
}

static int
lg_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double
lg_pct(double p)
{
	size_t i;

	if (lg_n_lat == 0)
		return 0;
	i = (size_t)(p * (double)(lg_n_lat - 1) + 0.5);
	return lg_lat[i] / 1000.0;
}

static void
lg_report(void)
{
	double elapsed = lg_tlast > lg_t0 ? (double)(lg_tlast - lg_t0) / 1e9 : 0, sum = 0;

	for (size_t i = 0; i < lg_n_lat; i++)
		sum += lg_lat[i];
	qsort(lg_lat, lg_n_lat, sizeof *lg_lat, lg_cmp);
	printf("{\"label\":\"%s\",\"method\":\"%s\",\"path\":\"%s\",\"connections\":%d,"
	    "\"requests\":%" PRId64 ",\"elapsed_s\":%.3f,\"rps\":%.1f,\"p50_ms\":%.3f,"
	    "\"p99_ms\":%.3f,\"max_ms\":%.3f,\"mean_ms\":%.3f,\"errors\":%" PRId64 ","
	    "\"non2xx\":%" PRId64 ",\"status\":{\"2xx\":%" PRId64 ",\"3xx\":%" PRId64 ","
	    "\"4xx\":%" PRId64 ",\"5xx\":%" PRId64 "}}\n", opt.label, opt.method, opt.path,
	    opt.conns, lg_done, elapsed, elapsed > 0 ? (double)lg_done / elapsed : 0,
	    lg_pct(0.50), lg_pct(0.99), lg_n_lat ? lg_lat[lg_n_lat - 1] / 1000.0 : 0,
	    lg_n_lat ? sum / (double)lg_n_lat / 1000.0 : 0, lg_errors + lg_non2xx, lg_non2xx,
	    lg_by_class[2], lg_by_class[3], lg_by_class[4], lg_by_class[5]);
}

static void
lg_usage(void)
{
	fprintf(stderr, "usage: loadgen -s SOCKET [-c CONNS] [-d SECONDS] [-n MAX] "
	    "[-m METHOD] [-p PATH] [-b BODY] [--ids FROM:TO] [--id-prefix P] "
	    "[--id-width W] [--random] [--once] [--label NAME]\n");
	exit(2);
}

static void
lg_parse_ids(const char *s)
{
	char *end;

	opt.id_from = strtoll(s, &end, 10);
	if (*end != ':')
		lg_usage();
	opt.id_to = strtoll(end + 1, &end, 10);
	if (*end != '\0' || opt.id_to <= opt.id_from)
		lg_usage();
	opt.has_ids = true;
}

static void
lg_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "connections", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "requests", required_argument, NULL, 'n' },
		{ "method", required_argument, NULL, 'm' },
		{ "path", required_argument, NULL, 'p' },
		{ "body", required_argument, NULL, 'b' },
		{ "ids", required_argument, NULL, 'I' },
		{ "id-prefix", required_argument, NULL, 'P' },
		{ "id-width", required_argument, NULL, 'W' },
		{ "random", no_argument, NULL, 'R' },
		{ "once", no_argument, NULL, 'O' },
		{ "label", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "s:c:d:n:m:p:b:", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': opt.socket = optarg; break;
		case 'c': opt.conns = atoi(optarg); break;
		case 'd': opt.duration = atof(optarg); break;
		case 'n': opt.max_requests = strtoll(optarg, NULL, 10); break;
		case 'm': opt.method = optarg; break;
		case 'p': opt.path = optarg; break;
		case 'b': opt.body = optarg; break;
		case 'I': lg_parse_ids(optarg); break;
		case 'P': opt.prefix = optarg; break;
		case 'W': opt.width = atoi(optarg); break;
		case 'R': opt.random = true; break;
		case 'O': opt.once = true; break;
		case 'L': opt.label = optarg; break;
		default: lg_usage();
		}
	}
	if (opt.socket == NULL || optind != argc || opt.conns < 1 || opt.duration <= 0)
		lg_usage();
	if (strlen(opt.socket) >= sizeof lg_addr.sun_path)
		lg_die("socket path too long");
}

int
main(int argc, char **argv)
{
	struct timeval stop;
	struct event *stop_ev;

	lg_args(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	lg_addr.sun_family = AF_UNIX;
	memcpy(lg_addr.sun_path, opt.socket, strlen(opt.socket) + 1);
	lg_rng ^= (uint64_t)time(NULL) * 0x2545F4914F6CDD1DULL;
	if ((lg_base = event_base_new()) == NULL)
		lg_die("event_base_new failed");
	if ((lg_conns = calloc((size_t)opt.conns, sizeof *lg_conns)) == NULL)
		lg_die("out of memory");
	stop.tv_sec = (time_t)opt.duration;
	stop.tv_usec = (suseconds_t)((opt.duration - (double)stop.tv_sec) * 1e6);
	stop_ev = evtimer_new(lg_base, lg_stop_cb, NULL);
	evtimer_add(stop_ev, &stop);
	lg_t0 = lg_now_ns();
	for (int i = 0; i < opt.conns && !lg_stopping; i++)
		lg_connect(&lg_conns[i]);
	if (!lg_stopping)
		event_base_dispatch(lg_base);
	lg_report();
	for (int i = 0; i < opt.conns; i++)
		if (lg_conns[i].bev != NULL)
			bufferevent_free(lg_conns[i].bev);
	event_free(stop_ev);
	event_base_free(lg_base);
	free(lg_conns);
	free(lg_lat);
	return lg_done > 0 ? 0 : 1;
}
