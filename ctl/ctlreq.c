/*
 * A request's whole life: where the daemon is, the exchange over httpc, and how the
 * answer maps to output and exit code (spec.md §10). The configuration is read only to
 * find the socket, and its errors are told only when the daemon cannot be reached.
 */

#include "ctlreq.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctlout.h"
#include "httpc.h"
#include "log.h"
#include "xmalloc.h"

/* The socket to use, and why the configuration did not give it (NULLs if it did). */
struct ctlreq_sock {
	char *path;
	const char *cfg_path;
	char *cfg_errors;
};

/* Located once per run: a command may send many requests (pages, batches, retries). */
static struct ctlreq_sock ctlreq_sock;

static const char *
ctlreq_env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

static void
ctlreq_locate(const struct ctl_opts *o, struct ctlreq_sock *s)
{
	struct config *cfg;
	char *errors = NULL;
	const char *v;

	memset(s, 0, sizeof *s);
	if ((v = o->socket) != NULL || (v = ctlreq_env("PROTOCOLD_SOCKET")) != NULL) {
		s->path = xstrdup(v);
		return;
	}
	if ((v = o->config) == NULL && (v = ctlreq_env("PROTOCOLD_CONFIG")) == NULL)
		v = CONFIG_DEFAULT_PATH;
	if ((cfg = config_load(v, &errors)) != NULL) {
		s->path = xstrdup(cfg->socket != NULL ? cfg->socket : CONFIG_DEFAULT_SOCKET);
		config_free(cfg);
		free(errors);
		return;
	}
	s->path = xstrdup(CONFIG_DEFAULT_SOCKET);
	s->cfg_path = v;
	s->cfg_errors = errors != NULL ? errors : xstrdup("unknown error");
}

/* Why the default socket was tried: the configuration's errors, one line each. */
static void
ctlreq_config_note(const struct ctlreq_sock *s)
{
	char *copy, *line, *next;

	if (s->cfg_path == NULL)
		return;
	log_warnx("(%s is the default: the configuration %s could not be read)", s->path,
	    s->cfg_path);
	copy = xstrdup(s->cfg_errors);
	for (line = copy; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		log_warnx("  %s", line);
	}
	free(copy);
}

const char *
ctlreq_socket(const struct ctl_opts *o)
{
	if (ctlreq_sock.path == NULL)
		ctlreq_locate(o, &ctlreq_sock);
	return ctlreq_sock.path;
}

void
ctlreq_shutdown(void)
{
	free(ctlreq_sock.path);
	free(ctlreq_sock.cfg_errors);
	memset(&ctlreq_sock, 0, sizeof ctlreq_sock);
}

int
ctlreq_unreachable(int err, const char *cause)
{
	const struct ctlreq_sock *s = &ctlreq_sock;

	switch (httpc_classify(err)) {
	case HTTPC_FAIL_NODAEMON:
		log_warnx("no daemon at %s", cause);
		ctlreq_config_note(s);
		return CTL_EXIT_NODAEMON;
	case HTTPC_FAIL_DENIED:
		log_warnx("cannot connect to %s", cause);
		ctlreq_config_note(s);
		return CTL_EXIT_DENIED;
	default:
		log_warnx("cannot talk to the daemon at %s", cause);
		return CTL_EXIT_REFUSED;
	}
}

/* A 2xx answer: its JSON into *answer. */
static int
ctlreq_success(const struct httpmsg *m, json_t *v, const char *jerr, json_t **answer)
{
	if (v == NULL && m->body_len > 0) {
		log_warnx("the daemon's answer (HTTP %d) is not JSON: %s", m->status, jerr);
		return CTL_EXIT_REFUSED;
	}
	*answer = json_incref(v);
	return CTL_EXIT_OK;
}

static int
ctlreq_refused_json(const struct ctl_opts *o, const struct httpmsg *m, const json_t *v)
{
	const json_t *problem = json_is_object(v) ? v : NULL;
	json_t *stand_in;

	fflush(stdout);
	if (o->json && problem != NULL)
		ctlout_json(problem);
	else if (o->json) {
		stand_in = ctlout_problem_new(m->status, m->reason, m->body);
		ctlout_json(stand_in);
		json_decref(stand_in);
	}
	fflush(stdout);
	ctlout_problem(problem, m->status, m->reason, m->body);
	return m->status == 403 ? CTL_EXIT_DENIED : CTL_EXIT_REFUSED;
}

int
ctlreq_refused(const struct ctl_opts *o, const struct httpmsg *m)
{
	json_t *v = NULL;
	int rc;

	if (m->body_len > 0)
		v = json_loadb(m->body, m->body_len, 0, NULL);
	rc = ctlreq_refused_json(o, m, v);
	json_decref(v);
	return rc;
}

static int
ctlreq_answer(const struct ctl_opts *o, const struct httpmsg *m, json_t **answer)
{
	json_error_t jerr = { .text = "" };
	json_t *v = NULL;
	int rc;

	if (m->body_len > 0)
		v = json_loadb(m->body, m->body_len, 0, &jerr);
	if (m->status / 100 == 2)
		rc = ctlreq_success(m, v, jerr.text, answer);
	else
		rc = ctlreq_refused_json(o, m, v);
	json_decref(v);
	return rc;
}

/* The body to send: rq->raw as it is, or rq->body encoded (*owned, to free). */
static int
ctlreq_body(const struct ctlreq *rq, struct httpc_request *hr, char **owned)
{
	*owned = NULL;
	if (rq->raw != NULL) {
		hr->body = rq->raw;
		hr->body_len = rq->raw_len;
		hr->content_type = rq->content_type;
	} else if (rq->body != NULL) {
		if ((*owned = json_dumps(rq->body, JSON_COMPACT)) == NULL) {
			log_warnx("cannot encode the request as JSON");
			return CTL_EXIT_USAGE;
		}
		hr->body = *owned;
		hr->body_len = strlen(*owned);
	}
	return CTL_EXIT_OK;
}

int
ctlreq_fetch(const struct ctl_opts *o, const struct ctlreq *rq, json_t **answer,
    int *status)
{
	struct httpc_request hr = { .method = rq->method, .target = rq->target };
	struct httpmsg *m;
	char *body, *cause;
	int r, rc;

	*answer = NULL;
	*status = 0;
	if ((rc = ctlreq_body(rq, &hr, &body)) != CTL_EXIT_OK)
		return rc;
	hr.connect_timeout_ms = o->timeout_s * 1000;
	hr.io_timeout_ms = (o->timeout_s + rq->extra_s) * 1000;
	if ((r = httpc_do(ctlreq_socket(o), &hr, &m, &cause)) < 0)
		rc = ctlreq_unreachable(r, cause);
	else {
		*status = m->status;
		rc = ctlreq_answer(o, m, answer);
	}
	httpmsg_free(m);
	free(cause);
	free(body);
	return rc;
}

int
ctlreq_run(const struct ctl_opts *o, const struct ctlreq *rq)
{
	json_t *v;
	int rc, status;

	if ((rc = ctlreq_fetch(o, rq, &v, &status)) != CTL_EXIT_OK || v == NULL)
		return rc;
	if (o->json)
		ctlout_json(v);
	else if (rq->show != NULL)
		rq->show(v, status);
	json_decref(v);
	return CTL_EXIT_OK;
}

int
ctlreq_get_quiet(const struct ctl_opts *o, const char *target, int timeout_ms,
    json_t **answer, char **cause)
{
	struct httpc_request hr = { .method = "GET", .target = target,
	    .connect_timeout_ms = timeout_ms, .io_timeout_ms = timeout_ms };
	struct httpmsg *m;
	const char *path = ctlreq_socket(o);
	int r;

	*answer = NULL;
	*cause = NULL;
	if ((r = httpc_do(path, &hr, &m, cause)) < 0)
		return r;
	if (m->status / 100 == 2)
		*answer = json_loadb(m->body, m->body_len, 0, NULL);
	if (*answer == NULL)
		*cause = xasprintf("%s: HTTP %d %s", path, m->status, m->reason);
	r = *answer != NULL ? 0 : -EPROTO;
	httpmsg_free(m);
	return r;
}
