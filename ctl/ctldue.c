/*
 * explain and forecast. explain reads the protocol (GET /v1/protocols/ID) and shows
 * only its clock's explanation; forecast is one GET of /v1/forecast.
 */

#include "ctldue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlarg.h"
#include "ctlout.h"
#include "ctlreq.h"
#include "ctlshow.h"
#include "duration.h"
#include "httpc.h"
#include "xmalloc.h"

#define CTLDUE_BUF 512
#define CTLDUE_DEFAULT_WITHIN "24h"

static const char *
ctldue_get(const json_t *o, const char *key, char *buf)
{
	return ctlout_value(json_object_get(o, key), buf, CTLDUE_BUF);
}

/* "48h (from [deadlines])", "48h (the default)". */
static void
ctldue_value(const json_t *ex)
{
	const char *src = json_string_value(json_object_get(ex, "source"));
	char buf[CTLDUE_BUF];

	if (src == NULL)
		ctlout_kv("value", "%s", ctldue_get(ex, "value", buf));
	else
		ctlout_kv("value", "%s (%s%s)", ctldue_get(ex, "value", buf),
		    strcmp(src, "default") == 0 ? "the " : "from ", src);
}

/* The days a business-day rule skipped, one a line. */
static void
ctldue_skipped(const json_t *skipped)
{
	char b1[CTLDUE_BUF], b2[CTLDUE_BUF];
	const json_t *d;
	size_t i;

	if (json_array_size(skipped) == 0)
		ctlout_kv("skipped", "none");
	json_array_foreach(skipped, i, d)
		ctlout_kv(i == 0 ? "skipped" : "", "%s %s", ctldue_get(d, "date", b1),
		    ctldue_get(d, "why", b2));
}

static void
ctldue_explain_lines(const json_t *ex)
{
	const char *text = json_string_value(json_object_get(ex, "text"));
	const json_t *skipped = json_object_get(ex, "skipped");
	char buf[CTLDUE_BUF];

	if (text != NULL)
		printf("%s\n\n", text);
	ctlout_kv("rule", "%s", ctldue_get(ex, "rule", buf));
	ctldue_value(ex);
	ctlout_kv("started at", "%s", ctldue_get(ex, "started_at", buf));
	if (json_object_get(ex, "calendar") != NULL)
		ctlout_kv("calendar", "%s", ctldue_get(ex, "calendar", buf));
	if (json_is_array(skipped))
		ctldue_skipped(skipped);
	if (json_object_get(ex, "pickup_date") != NULL)
		ctlout_kv("pickup date", "%s", ctldue_get(ex, "pickup_date", buf));
	ctlout_kv("due at", "%s", ctldue_get(ex, "due_at", buf));
}

static void
ctldue_explain_print(const struct ctl_opts *o, const json_t *p)
{
	const json_t *clock = json_object_get(p, "clock");
	const json_t *ex = json_object_get(clock, "explain");
	char b1[CTLDUE_BUF], b2[CTLDUE_BUF];

	if (o->json)
		ctlout_json(ex != NULL ? ex : json_null());
	else if (!json_is_object(clock))
		printf("%s: no clock runs (state %s)\n", ctldue_get(p, "id", b1),
		    ctldue_get(p, "state", b2));
	else if (!json_is_object(ex))
		printf("%s: the daemon does not explain its %s clock\n",
		    ctldue_get(p, "id", b1), ctldue_get(clock, "kind", b2));
	else
		ctldue_explain_lines(ex);
}

int
ctldue_explain(struct ctl_opts *o, int argc, char **argv)
{
	static const struct option opts[] = { CTLARG_LONGOPTS };
	struct ctlreq rq = { .method = "GET" };
	json_t *p;
	char *target;
	int rc, status;

	if ((rc = ctlarg_parse(o, argc, argv, opts, NULL, NULL)) != CTL_EXIT_OK ||
	    (rc = ctlarg_count(argc, argv, 1, 1)) != CTL_EXIT_OK ||
	    (rc = ctlarg_id("protocol id", argv[optind])) != CTL_EXIT_OK)
		return rc;
	rq.target = target = xasprintf("/v1/protocols/%s", argv[optind]);
	if ((rc = ctlreq_fetch(o, &rq, &p, &status)) == CTL_EXIT_OK)
		ctldue_explain_print(o, p);
	json_decref(p);
	free(target);
	return rc;
}

/* "30 to mediation, 85 back to the queue, 5 resolved", then any other outcome. */
static void
ctldue_outcomes(const json_t *by, char *out, size_t len)
{
	static const char *const keys[] = { "mediation", "pending", "resolved", NULL };
	static const char *const words[] = {
		"to mediation", "back to the queue", "resolved"
	};
	char buf[CTLDUE_BUF];
	const char *k;
	json_t *v;
	size_t i;

	out[0] = '\0';
	for (i = 0; keys[i] != NULL; i++) {
		v = json_object_get(by, keys[i]);
		snprintf(out + strlen(out), len - strlen(out), "%s%s %s",
		    i > 0 ? ", " : "", v != NULL ? ctlout_value(v, buf, sizeof buf) : "0",
		    words[i]);
	}
	json_object_foreach((json_t *)by, k, v)
		if (strcmp(k, "mediation") != 0 && strcmp(k, "pending") != 0 &&
		    strcmp(k, "resolved") != 0)
			snprintf(out + strlen(out), len - strlen(out), ", %s to %s",
			    ctlout_value(v, buf, sizeof buf), k);
}

/* The kinds with clocks that run out, in the usual order. */
static void
ctldue_by_kind(const json_t *by_kind)
{
	json_t *some = json_object();
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)by_kind, k, v)
		if (!json_is_integer(v) || json_integer_value(v) != 0)
			json_object_set(some, k, v);
	if (json_object_size(some) > 0) {
		ctlout_kv("by kind", "%s", "");
		ctlshow_by(some, ctlout_kinds, 0);
	}
	json_decref(some);
}

/* "in the next 24h: 120 clocks run out — 30 to mediation, …", then by kind. */
static void
ctldue_show_forecast(const json_t *f, int status)
{
	const json_t *total = json_object_get(f, "total");
	const char *seller = json_string_value(json_object_get(f, "seller"));
	long long n = json_is_integer(total) ? (long long)json_integer_value(total) : -1;
	char b1[CTLDUE_BUF], b2[CTLDUE_BUF], b3[64], outcomes[CTLDUE_BUF];

	snprintf(b2, sizeof b2, "%s%s", seller != NULL ? ", for seller " : "",
	    seller != NULL ? seller : "");
	ctldue_outcomes(json_object_get(f, "by_outcome"), outcomes, sizeof outcomes);
	if (n == 0)
		printf("in the next %s%s: no clock runs out\n", ctldue_get(f, "within", b1),
		    b2);
	else
		printf("in the next %s%s: %s clock%s out — %s\n",
		    ctldue_get(f, "within", b1), b2, ctlout_value(total, b3, sizeof b3),
		    n == 1 ? " runs" : "s run", outcomes);
	ctlout_kv("from", "%s", ctldue_get(f, "from", b1));
	ctlout_kv("until", "%s", ctldue_get(f, "until", b1));
	ctldue_by_kind(json_object_get(f, "by_kind"));
}

struct ctldue_fc {
	const char *within, *seller;
};

enum { CTLDUE_WITHIN = CTLARG_OWN, CTLDUE_SELLER };

static int
ctldue_fc_opt(void *ctx, int ch, const char *arg)
{
	struct ctldue_fc *fc = ctx;
	char err[DURATION_ERR_LEN];
	struct duration d;

	if (ch == CTLDUE_SELLER) {
		fc->seller = arg;
		return ctlarg_id("--seller", arg);
	}
	fc->within = arg;
	if (duration_parse(arg, &d, err) != 0)
		return ctlarg_usage("--within \"%s\": %s", arg, err);
	return CTL_EXIT_OK;
}

int
ctldue_forecast(struct ctl_opts *o, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "within", required_argument, NULL, CTLDUE_WITHIN },
		{ "seller", required_argument, NULL, CTLDUE_SELLER },
		CTLARG_LONGOPTS
	};
	struct ctldue_fc fc = { .within = CTLDUE_DEFAULT_WITHIN };
	struct ctlreq rq = { .method = "GET", .show = ctldue_show_forecast };
	char *target, *w;
	int rc;

	if ((rc = ctlarg_parse(o, argc, argv, opts, ctldue_fc_opt, &fc)) != CTL_EXIT_OK ||
	    (rc = ctlarg_count(argc, argv, 0, 0)) != CTL_EXIT_OK)
		return rc;
	w = httpc_urlencode(fc.within);
	rq.target = target = xasprintf("/v1/forecast?within=%s%s%s", w,
	    fc.seller != NULL ? "&seller=" : "", fc.seller != NULL ? fc.seller : "");
	rc = ctlreq_run(o, &rq);
	free(target);
	free(w);
	return rc;
}
