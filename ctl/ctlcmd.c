/*
 * The command table, help, and the commands on one protocol: show, create, act,
 * event. Each checks its arguments (usage errors never reach the daemon), builds
 * the request and hands it to ctlreq.
 */

#include "ctlcmd.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ctladm.h"
#include "ctlcomp.h"
#include "ctlarg.h"
#include "ctlbackup.h"
#include "ctldue.h"
#include "ctlimport.h"
#include "ctllist.h"
#include "ctlmarket.h"
#include "ctlreq.h"
#include "ctlshow.h"
#include "ctlwatch.h"
#include "log.h"
#include "xmalloc.h"

static ctlcmd_fn ctlcmd_help, ctlcmd_show, ctlcmd_create, ctlcmd_act, ctlcmd_event;

static const struct ctlcmd ctlcmd_table[] = {
	{ "status", "", "counts per state, running clocks, next due, uptime",
	    ctladm_status },
	{ "show", "ID", "one protocol, its clock and what it allows", ctlcmd_show },
	{ "explain", "ID", "how the running clock's due time was worked out",
	    ctldue_explain },
	{ "list", "[--state S] [--seller S] [--marketplace M]\n"
	    "\t[--due-before RFC3339] [--limit N]",
	    "protocols, every page (a table, or one JSON object a line)", ctllist_list },
	{ "history", "ID", "every transition of one protocol, oldest first",
	    ctllist_history },
	{ "create", "ID --seller S [--marketplace M] [--order O]\n"
	    "\t[--origin customer|preventive] [--reason R] [--critical] [--opened-at RFC3339]",
	    "open a protocol (again with the same fields: no change)", ctlcmd_create },
	{ "act", "ID ACTION [KEY=VALUE ...] [--if-version N]",
	    "the seller's action, with its parameters", ctlcmd_act },
	{ "event", "ID EVENT [--if-version N]",
	    "an event, e.g. customer_replied or mediation_resolved", ctlcmd_event },
	{ "events", "[--after SEQ] [--limit N] [--wait SECONDS]",
	    "one page of the feed of transitions of all protocols", ctladm_events },
	{ "watch", "[--after SEQ] [--retry-for SECONDS]",
	    "follow the feed as it happens, across daemon restarts", ctlwatch_watch },
	{ "import", "FILE.ndjson | -",
	    "create protocols in bulk from NDJSON (one create object a line)",
	    ctlimport_import },
	{ "forecast", "[--within DURATION] [--seller S]",
	    "the clocks that run out within 24h (or DURATION), by outcome",
	    ctldue_forecast },
	{ "marketplaces", "[NAME]",
	    "the rulebooks loaded, or one with its actions, events, reasons",
	    ctlmarket_marketplaces },
	{ "cluster", "", "the instances sharing the database: alive, shards owned, heartbeat",
	    ctladm_cluster },
	{ "seller", "ID [--envvias yes|no]", "a seller's counts; set whether it uses Envvias",
	    ctladm_seller },
	{ "reload", "", "reload the configuration and wait for the outcome",
	    ctladm_reload },
	{ "backup", "FILE", "an online copy of the SQLite database into FILE",
	    ctlbackup_backup },
	{ "clock", "[now | RFC3339 | +DURATION]",
	    "read, set or advance the clock of a daemon run with --test-clock",
	    ctladm_clock },
	{ "help", "[COMMAND]", "this text, or one command's", ctlcmd_help },
	{ "__complete", "WHAT [ARG ...]",
	    "(internal) the words the shell completions offer, one a line",
	    ctlcomp_complete },
};

#define CTLCMD_N (sizeof ctlcmd_table / sizeof ctlcmd_table[0])

const struct ctlcmd *
ctlcmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < CTLCMD_N; i++)
		if (strcmp(ctlcmd_table[i].name, name) == 0)
			return &ctlcmd_table[i];
	return NULL;
}

const struct ctlcmd *
ctlcmd_at(size_t i)
{
	return i < CTLCMD_N ? &ctlcmd_table[i] : NULL;
}

void
ctlcmd_usage(FILE *f, const struct ctlcmd *cmd)
{
	size_t i;

	if (cmd != NULL) {
		fprintf(f, "usage: protocolctl [OPTIONS] %s%s%s\n  %s\n", cmd->name,
		    cmd->args[0] != '\0' ? " " : "", cmd->args, cmd->summary);
		return;
	}
	fprintf(f, "usage: protocolctl [--socket PATH] [-c CONFIG] [--json] [--no-legend]\n"
	    "                   [--timeout SECONDS] COMMAND ...\n"
	    "       protocolctl --version\n\ncommands:\n");
	for (i = 0; i < CTLCMD_N; i++)
		if (strncmp(ctlcmd_table[i].name, "__", 2) != 0)	/* internal */
			fprintf(f, "  %-12s %s\n", ctlcmd_table[i].name,
			    ctlcmd_table[i].summary);
	fprintf(f, "\nThe socket is --socket, else $PROTOCOLD_SOCKET, else the configuration's"
	    " (-c,\nelse $PROTOCOLD_CONFIG, else /etc/protocold/protocold.ini).\n"
	    "Exit: 0 ok, 1 refused by the daemon, 2 usage, 3 no daemon, "
	    "4 permission denied.\n");
}

int
ctlcmd_set_string(json_t *obj, const char *key, const char *value)
{
	json_t *s = json_string(value);

	if (s == NULL)
		return ctlarg_usage("%s: not valid UTF-8", key);
	json_object_set_new(obj, key, s);
	return CTL_EXIT_OK;
}

static int
ctlcmd_help(struct ctl_opts *o, int argc, char **argv)
{
	static const struct option opts[] = { CTLARG_LONGOPTS };
	const struct ctlcmd *cmd = NULL;
	int rc;

	if ((rc = ctlarg_parse(o, argc, argv, opts, NULL, NULL)) != CTL_EXIT_OK ||
	    (rc = ctlarg_count(argc, argv, 0, 1)) != CTL_EXIT_OK)
		return rc;
	if (optind < argc && (cmd = ctlcmd_find(argv[optind])) == NULL)
		return ctlarg_usage("unknown command \"%s\"", argv[optind]);
	ctlcmd_usage(stdout, cmd);
	return CTL_EXIT_OK;
}

static int
ctlcmd_show(struct ctl_opts *o, int argc, char **argv)
{
	static const struct option opts[] = { CTLARG_LONGOPTS };
	struct ctlreq rq = { .method = "GET", .show = ctlshow_protocol };
	char *target;
	int rc;

	if ((rc = ctlarg_parse(o, argc, argv, opts, NULL, NULL)) != CTL_EXIT_OK ||
	    (rc = ctlarg_count(argc, argv, 1, 1)) != CTL_EXIT_OK ||
	    (rc = ctlarg_id("protocol id", argv[optind])) != CTL_EXIT_OK)
		return rc;
	rq.target = target = xasprintf("/v1/protocols/%s", argv[optind]);
	rc = ctlreq_run(o, &rq);
	free(target);
	return rc;
}

/* POST body to /v1/protocols/ID<suffix>; the answer is a protocol. */
static int
ctlcmd_post(struct ctl_opts *o, const char *id, const char *suffix, const json_t *body,
    ctlshow_fn *show)
{
	struct ctlreq rq = { .method = "POST", .body = body, .show = show };
	char *target;
	int rc;

	rq.target = target = xasprintf("/v1/protocols%s%s%s", id != NULL ? "/" : "",
	    id != NULL ? id : "", suffix);
	rc = ctlreq_run(o, &rq);
	free(target);
	return rc;
}

/* An action's or event's name: 1–64 of [A-Za-z0-9_]. */
static int
ctlcmd_name(const char *what, const char *s)
{
	size_t n = strlen(s);

	if (n >= 1 && n <= 64 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n)
		return CTL_EXIT_OK;
	return ctlarg_usage("%s \"%s\": expected a name such as %s", what, s,
	    strcmp(what, "action") == 0 ? "request_photos" : "customer_replied");
}

struct ctlcmd_create {
	const char *seller, *market, *order, *origin, *reason, *opened_at;
	bool critical;
};

enum {
	CTLCMD_SELLER = CTLARG_OWN, CTLCMD_ORDER, CTLCMD_ORIGIN, CTLCMD_REASON,
	CTLCMD_CRITICAL, CTLCMD_OPENED_AT, CTLCMD_IF_VERSION, CTLCMD_MARKET
};

static int
ctlcmd_create_opt(void *ctx, int ch, const char *arg)
{
	struct ctlcmd_create *c = ctx;

	switch (ch) {
	case CTLCMD_SELLER:
		c->seller = arg;
		break;
	case CTLCMD_MARKET:
		c->market = arg;
		return ctlarg_market("--marketplace", arg);
	case CTLCMD_ORDER:
		c->order = arg;
		break;
	case CTLCMD_ORIGIN:
		c->origin = arg;
		break;
	case CTLCMD_REASON:
		c->reason = arg;
		break;
	case CTLCMD_OPENED_AT:
		c->opened_at = arg;
		break;
	default:
		c->critical = true;
	}
	return CTL_EXIT_OK;
}

/* The body of POST /v1/protocols in body, or a usage error. */
static int
ctlcmd_create_body(const char *id, const struct ctlcmd_create *c, json_t *body)
{
	int rc;

	if (c->seller == NULL)
		return ctlarg_usage("--seller is required");
	if ((rc = ctlarg_id("seller id", c->seller)) != CTL_EXIT_OK)
		return rc;
	if (c->origin != NULL && strcmp(c->origin, "customer") != 0 &&
	    strcmp(c->origin, "preventive") != 0)
		return ctlarg_usage("--origin \"%s\": use customer or preventive", c->origin);
	json_object_set_new(body, "id", json_string(id));
	json_object_set_new(body, "seller", json_string(c->seller));
	if (c->market != NULL)
		json_object_set_new(body, "marketplace", json_string(c->market));
	if (c->order != NULL && (rc = ctlcmd_set_string(body, "order", c->order)) != 0)
		return rc;
	if (c->origin != NULL)
		json_object_set_new(body, "origin", json_string(c->origin));
	if (c->reason != NULL && (rc = ctlcmd_set_string(body, "reason", c->reason)) != 0)
		return rc;
	if (c->critical)
		json_object_set_new(body, "critical", json_true());
	if (c->opened_at != NULL)
		return ctlcmd_set_string(body, "opened_at", c->opened_at);
	return CTL_EXIT_OK;
}

/* 201: created; 200: the same protocol existed already. */
static void
ctlcmd_show_created(const json_t *p, int status)
{
	if (status == 200)
		log_info("%s exists already with the same fields: nothing changed",
		    json_string_value(json_object_get(p, "id")));
	ctlshow_protocol(p, status);
}

static int
ctlcmd_create(struct ctl_opts *o, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seller", required_argument, NULL, CTLCMD_SELLER },
		{ "marketplace", required_argument, NULL, CTLCMD_MARKET },
		{ "order", required_argument, NULL, CTLCMD_ORDER },
		{ "origin", required_argument, NULL, CTLCMD_ORIGIN },
		{ "reason", required_argument, NULL, CTLCMD_REASON },
		{ "critical", no_argument, NULL, CTLCMD_CRITICAL },
		{ "opened-at", required_argument, NULL, CTLCMD_OPENED_AT },
		CTLARG_LONGOPTS
	};
	struct ctlcmd_create c = { 0 };
	json_t *body = json_object();
	int rc;

	if ((rc = ctlarg_parse(o, argc, argv, opts, ctlcmd_create_opt, &c)) == CTL_EXIT_OK &&
	    (rc = ctlarg_count(argc, argv, 1, 1)) == CTL_EXIT_OK &&
	    (rc = ctlarg_id("protocol id", argv[optind])) == CTL_EXIT_OK &&
	    (rc = ctlcmd_create_body(argv[optind], &c, body)) == CTL_EXIT_OK)
		rc = ctlcmd_post(o, NULL, "", body, ctlcmd_show_created);
	json_decref(body);
	return rc;
}

static const struct option ctlcmd_version_opts[] = {
	{ "if-version", required_argument, NULL, CTLCMD_IF_VERSION },
	CTLARG_LONGOPTS
};

static int
ctlcmd_version_opt(void *ctx, int ch, const char *arg)
{
	return ctlarg_uint("--if-version", arg, LLONG_MAX, ctx);
}

/* KEY=VALUE arguments from argv[first] on, as string members of body. */
static int
ctlcmd_params(json_t *body, int first, int argc, char **argv)
{
	const char *eq;
	char *key;
	int i, rc = CTL_EXIT_OK;

	for (i = first; i < argc && rc == CTL_EXIT_OK; i++) {
		eq = strchr(argv[i], '=');
		if (eq == NULL || eq == argv[i])
			return ctlarg_usage("\"%s\": parameters are KEY=VALUE", argv[i]);
		key = xstrndup(argv[i], (size_t)(eq - argv[i]));
		if (strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(key))
			rc = ctlarg_usage("\"%s\": a key is of a-z 0-9 _", key);
		else if (strcmp(key, "if_version") == 0)
			rc = ctlarg_usage("if_version: use --if-version N");
		else if (json_object_get(body, key) != NULL)
			rc = ctlarg_usage("%s: given twice", key);
		else
			rc = ctlcmd_set_string(body, key, eq + 1);
		free(key);
	}
	return rc;
}

static int
ctlcmd_act(struct ctl_opts *o, int argc, char **argv)
{
	json_t *body = json_object();
	long long version = -1;
	int rc;

	if ((rc = ctlarg_parse(o, argc, argv, ctlcmd_version_opts, ctlcmd_version_opt,
	    &version)) == CTL_EXIT_OK &&
	    (rc = ctlarg_count(argc, argv, 2, INT_MAX)) == CTL_EXIT_OK &&
	    (rc = ctlarg_id("protocol id", argv[optind])) == CTL_EXIT_OK &&
	    (rc = ctlcmd_name("action", argv[optind + 1])) == CTL_EXIT_OK) {
		json_object_set_new(body, "action", json_string(argv[optind + 1]));
		rc = ctlcmd_params(body, optind + 2, argc, argv);
	}
	if (rc == CTL_EXIT_OK && version >= 0)
		json_object_set_new(body, "if_version", json_integer(version));
	if (rc == CTL_EXIT_OK)
		rc = ctlcmd_post(o, argv[optind], "/actions", body, ctlshow_protocol);
	json_decref(body);
	return rc;
}

static int
ctlcmd_event(struct ctl_opts *o, int argc, char **argv)
{
	json_t *body = json_object();
	long long version = -1;
	int rc;

	if ((rc = ctlarg_parse(o, argc, argv, ctlcmd_version_opts, ctlcmd_version_opt,
	    &version)) == CTL_EXIT_OK &&
	    (rc = ctlarg_count(argc, argv, 2, 2)) == CTL_EXIT_OK &&
	    (rc = ctlarg_id("protocol id", argv[optind])) == CTL_EXIT_OK &&
	    (rc = ctlcmd_name("event", argv[optind + 1])) == CTL_EXIT_OK) {
		json_object_set_new(body, "event", json_string(argv[optind + 1]));
		if (version >= 0)
			json_object_set_new(body, "if_version", json_integer(version));
		rc = ctlcmd_post(o, argv[optind], "/events", body, ctlshow_protocol);
	}
	json_decref(body);
	return rc;
}
