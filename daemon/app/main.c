/* protocold: keeps the deadlines of marketplace customer-service protocols. */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "rfc3339.h"
#include "sysd.h"

#define EXIT_CONFIG 6

struct options {
	const char *config;
	bool check_config;
	bool test_clock;
	const char *test_start;
	bool debug;
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: protocold [-c FILE] [--test-clock[=INSTANT]] [--check-config] "
	    "[--debug]\n");
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "test-clock", optional_argument, NULL, 'T' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	*o = (struct options){ .config = CONFIG_DEFAULT_PATH };
	while ((ch = getopt_long(argc, argv, "c:dh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'C': o->check_config = true; break;
		case 'T': o->test_clock = true; o->test_start = optarg; break;
		case 'd': o->debug = true; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("protocold 0.1.0\n"); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind != argc) {
		usage(stderr);
		exit(2);
	}
}

/* The configuration, or exit 6 with its errors; --check-config exits here. */
static void
load_config(const struct options *o, struct daemon *d)
{
	char *errors = NULL;

	if (daemon_configure(d, o->config, &errors) != 0) {
		fprintf(stderr, "%s", errors);
		if (errors[0] && errors[strlen(errors) - 1] != '\n')
			fputc('\n', stderr);
		exit(EXIT_CONFIG);
	}
	if (o->check_config) {
		printf("%s: ok\n", o->config);
		daemon_stop(d);
		exit(0);
	}
}

/* --test-clock=INSTANT: where the test clock starts; NULL without an INSTANT. */
static const int64_t *
test_start(const struct options *o, int64_t *start)
{
	char err[256];

	if (o->test_start == NULL)
		return NULL;
	if (rfc3339_parse(o->test_start, start) != 0)
		fatalx("--test-clock=%s: not an RFC 3339 instant with an offset", o->test_start);
	if (clock_test_check(*start, err, sizeof err) != 0)
		fatalx("--test-clock: %s", err);
	return start;
}

int
main(int argc, char **argv)
{
	struct options o;
	struct daemon d = { 0 };
	char *cause = NULL;
	int64_t start;
	int status, api_fd, http_fd;

	parse_args(argc, argv, &o);
	log_init("protocold", o.debug);
	load_config(&o, &d);
	sysd_listen_fds(&api_fd, &http_fd);
	if (daemon_start(&d, o.test_clock, test_start(&o, &start), api_fd, http_fd,
	    &cause) != 0)
		fatalx("%s", cause);
	if (o.test_clock)
		log_info("test clock on: time moves only through POST /v1/clock");
	status = daemon_run(&d);
	daemon_stop(&d);
	log_info("stopped");
	return status;
}
