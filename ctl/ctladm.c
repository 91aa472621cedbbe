/*
 * The daemon-wide commands: status, reload, clock, seller, events.
 */

#include "ctladm.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctlarg.h"
#include "ctlreq.h"
#include "ctlshow.h"
#include "httpc.h"
#include "xmalloc.h"

#define CTLADM_MAX_WAIT_S 3600
#define CTLADM_CLOCK_EXTRA_S 600	/* a clock move answers once all it fired is applied */

/* A command without arguments: one request. */
static int
ctladm_plain(struct ctl_opts *o, int argc, char **argv, const struct ctlreq *rq)
{
	static const struct option opts[] = { CTLARG_LONGOPTS };
	int rc;

	if ((rc = ctlarg_parse(o, argc, argv, opts, NULL, NULL)) != CTL_EXIT_OK ||
	    (rc = ctlarg_count(argc, argv, 0, 0)) != CTL_EXIT_OK)
		return rc;
	return ctlreq_run(o, rq);
}

int
ctladm_status(struct ctl_opts *o, int argc, char **argv)
{
	struct ctlreq rq = { .method = "GET", .target = "/v1/stats", .show = ctlshow_stats };

	return ctladm_plain(o, argc, argv, &rq);
}

int
ctladm_cluster(struct ctl_opts *o, int argc, char **argv)
{
	struct ctlreq rq = { .method = "GET", .target = "/v1/cluster",
	    .show = ctlshow_cluster };

	return ctladm_plain(o, argc, argv, &rq);
}

int
ctladm_reload(struct ctl_opts *o, int argc, char **argv)
{
	json_t *empty = json_object();
	struct ctlreq rq = {
		.method = "POST", .target = "/v1/reload", .body = empty,
		.show = ctlshow_reload
	};
	int rc;

	rc = ctladm_plain(o, argc, argv, &rq);
	json_decref(empty);
	return rc;
}

/* clock: nothing or "now" reads; "+DURATION" advances; anything else sets. */
int
ctladm_clock(struct ctl_opts *o, int argc, char **argv)
{
	static const struct option opts[] = { CTLARG_LONGOPTS };
	struct ctlreq rq = { .method = "GET", .target = "/v1/clock", .show = ctlshow_clock };
	const char *arg;
	json_t *body = NULL;
	int rc;

	if ((rc = ctlarg_parse(o, argc, argv, opts, NULL, NULL)) != CTL_EXIT_OK ||
	    (rc = ctlarg_count(argc, argv, 0, 1)) != CTL_EXIT_OK)
		return rc;
	arg = optind < argc ? argv[optind] : "now";
	if (strcmp(arg, "now") != 0) {
		body = json_object();
		if (arg[0] == '+')
			rc = ctlcmd_set_string(body, "advance", arg + 1);
		else
			rc = ctlcmd_set_string(body, "now", arg);
		if (rc == CTL_EXIT_OK && (arg[0] == '\0' || strcmp(arg, "+") == 0))
			rc = ctlarg_usage("clock: expected now, an RFC 3339 instant or "
			    "+DURATION (e.g. +48h)");
		rq.method = "POST";
		rq.body = body;
		rq.extra_s = CTLADM_CLOCK_EXTRA_S;
	}
	if (rc == CTL_EXIT_OK)
		rc = ctlreq_run(o, &rq);
	json_decref(body);
	return rc;
}

enum { CTLADM_ENVVIAS = CTLARG_OWN, CTLADM_AFTER, CTLADM_LIMIT, CTLADM_WAIT };

static int
ctladm_envvias_opt(void *ctx, int ch, const char *arg)
{
	json_t **body = ctx;
	int yes;

	if (strcmp(arg, "yes") == 0 || strcmp(arg, "true") == 0)
		yes = 1;
	else if (strcmp(arg, "no") == 0 || strcmp(arg, "false") == 0)
		yes = 0;
	else
		return ctlarg_usage("--envvias \"%s\": use yes or no", arg);
	json_decref(*body);
	*body = json_pack("{s:b}", "envvias", yes);
	return CTL_EXIT_OK;
}

int
ctladm_seller(struct ctl_opts *o, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "envvias", required_argument, NULL, CTLADM_ENVVIAS },
		CTLARG_LONGOPTS
	};
	struct ctlreq rq = { .method = "GET", .show = ctlshow_seller };
	json_t *body = NULL;
	char *target;
	int rc;

	if ((rc = ctlarg_parse(o, argc, argv, opts, ctladm_envvias_opt, &body)) ==
	    CTL_EXIT_OK && (rc = ctlarg_count(argc, argv, 1, 1)) == CTL_EXIT_OK &&
	    (rc = ctlarg_id("seller id", argv[optind])) == CTL_EXIT_OK) {
		rq.target = target = xasprintf("/v1/sellers/%s", argv[optind]);
		if (body != NULL) {
			rq.method = "PUT";
			rq.body = body;
		}
		rc = ctlreq_run(o, &rq);
		free(target);
	}
	json_decref(body);
	return rc;
}

/* The feed's query: each given value, in the order after, limit, wait. */
struct ctladm_feed {
	const char *after, *limit, *wait;
	long long wait_s;
};

static int
ctladm_feed_opt(void *ctx, int ch, const char *arg)
{
	struct ctladm_feed *f = ctx;
	long long n;

	switch (ch) {
	case CTLADM_AFTER:
		f->after = arg;
		return ctlarg_uint("--after", arg, INT64_MAX, &n);
	case CTLADM_LIMIT:
		f->limit = arg;
		return ctlarg_uint("--limit", arg, 1000000, &n);
	default:
		f->wait = arg;
		return ctlarg_uint("--wait", arg, CTLADM_MAX_WAIT_S, &f->wait_s);
	}
}

static char *
ctladm_feed_target(const struct ctladm_feed *f)
{
	const char *names[] = { "after", "limit", "wait" };
	const char *values[] = { f->after, f->limit, f->wait };
	char *target = xstrdup("/v1/events"), *v, *t;
	size_t i;
	int first = 1;

	for (i = 0; i < 3; i++) {
		if (values[i] == NULL)
			continue;
		v = httpc_urlencode(values[i]);
		t = xasprintf("%s%c%s=%s", target, first ? '?' : '&', names[i], v);
		free(v);
		free(target);
		target = t;
		first = 0;
	}
	return target;
}

int
ctladm_events(struct ctl_opts *o, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "after", required_argument, NULL, CTLADM_AFTER },
		{ "limit", required_argument, NULL, CTLADM_LIMIT },
		{ "wait", required_argument, NULL, CTLADM_WAIT },
		CTLARG_LONGOPTS
	};
	struct ctladm_feed f = { 0 };
	struct ctlreq rq = { .method = "GET", .show = ctlshow_events };
	char *target;
	int rc;

	if ((rc = ctlarg_parse(o, argc, argv, opts, ctladm_feed_opt, &f)) != CTL_EXIT_OK ||
	    (rc = ctlarg_count(argc, argv, 0, 0)) != CTL_EXIT_OK)
		return rc;
	rq.target = target = ctladm_feed_target(&f);
	rq.extra_s = (int)f.wait_s;
	rc = ctlreq_run(o, &rq);
	free(target);
	return rc;
}
