/*
 * trivial: the smallest evhttp server on a Unix socket, answering every request with a
 * fixed small JSON object. The yardstick of GET /v1/protocols/{id}: same library, same
 * transport, same client, no database and no rendering.
 *
 *   trivial SOCKET [--default-loop]
 *
 * Runs until SIGTERM or SIGINT; prints "ready" once listening. Its event loop is
 * configured as protocold's (daemon/main.c); --default-loop takes libevent's defaults
 * instead, as a minimal evhttp program would.
 */

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const char trivial_body[] =
    "{\"id\":\"P-1001\",\"seller\":\"loja-42\",\"state\":\"pending\",\"version\":1}";

static void
trivial_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *buf = arg;

	evbuffer_drain(buf, evbuffer_get_length(buf));
	evbuffer_add_reference(buf, trivial_body, sizeof trivial_body - 1, NULL, NULL);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
	    "application/json");
	evhttp_send_reply(req, 200, "OK", buf);
}

static void
trivial_stop(evutil_socket_t sig, short what, void *arg)
{
	event_base_loopexit(arg, NULL);
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct event_config *ec;
	struct event_base *base;
	struct evconnlistener *lis;
	struct evhttp *http;
	struct evbuffer *buf;
	struct event *term, *intr;

	if (argc < 2 || argc > 3 || strlen(argv[1]) >= sizeof sun.sun_path ||
	    (argc == 3 && strcmp(argv[2], "--default-loop") != 0)) {
		fprintf(stderr, "usage: trivial SOCKET [--default-loop]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	memcpy(sun.sun_path, argv[1], strlen(argv[1]) + 1);
	unlink(sun.sun_path);
	/* The event loop protocold runs (daemon/main.c), so that the yardstick is not
	 * handicapped by a configuration the daemon does not use. */
	ec = event_config_new();
	if (argc == 2) {
		event_config_set_flag(ec, EVENT_BASE_FLAG_PRECISE_TIMER);
		event_config_set_flag(ec, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	}
	base = event_base_new_with_config(ec);
	event_config_free(ec);
	buf = evbuffer_new();
	http = evhttp_new(base);
	lis = evconnlistener_new_bind(base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE, -1,
	    (struct sockaddr *)&sun, sizeof sun);
	if (base == NULL || buf == NULL || http == NULL || lis == NULL) {
		perror("trivial: cannot listen");
		return 1;
	}
	evhttp_bind_listener(http, lis);
	evhttp_set_gencb(http, trivial_cb, buf);
	term = evsignal_new(base, SIGTERM, trivial_stop, base);
	intr = evsignal_new(base, SIGINT, trivial_stop, base);
	evsignal_add(term, NULL);
	evsignal_add(intr, NULL);
	printf("ready\n");
	fflush(stdout);
	event_base_dispatch(base);
	evhttp_free(http);
	evbuffer_free(buf);
	event_free(term);
	event_free(intr);
	event_base_free(base);
	unlink(sun.sun_path);
	return 0;
}
