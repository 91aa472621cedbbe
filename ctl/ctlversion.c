/*
 * --version. The first line is protocolctl's own version, whatever happens next, so
 * "protocolctl --version | head -1" stays what it was; the daemon's line follows when
 * it answers within a few seconds.
 */

#include "ctlversion.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctlout.h"
#include "ctlreq.h"
#include "log.h"

#define CTLVERSION_WAIT_MS 5000	/* --version must not hang on a stuck daemon */

/* A string member of v, or "?" when it is missing. */
static const char *
ctlversion_get(const json_t *v, const char *key)
{
	const char *s = json_string_value(json_object_get(v, key));

	return s != NULL ? s : "?";
}

/* "protocold 0.1.0 (API 1; store sqlite; SQLite 3.40.1; libevent 2.1.12-stable)",
 * with the server's version after a store other than SQLite ("store postgresql 15.5"). */
static void
ctlversion_daemon(const json_t *v)
{
	const char *store = ctlversion_get(v, "store");
	const char *server = json_string_value(json_object_get(v, store));

	printf("protocold %s (API %s; store %s%s%s; SQLite %s; libevent %s)\n",
	    ctlversion_get(v, "version"), ctlversion_get(v, "api_version"), store,
	    server != NULL && strcmp(store, "sqlite") != 0 ? " " : "",
	    server != NULL && strcmp(store, "sqlite") != 0 ? server : "",
	    ctlversion_get(v, "sqlite"), ctlversion_get(v, "libevent"));
}

int
ctlversion_show(const struct ctl_opts *o)
{
	json_t *v, *all;
	char *cause;
	int timeout_ms = o->timeout_s * 1000;

	if (timeout_ms > CTLVERSION_WAIT_MS)
		timeout_ms = CTLVERSION_WAIT_MS;
	if (ctlreq_get_quiet(o, "/v1/version", timeout_ms, &v, &cause) < 0)
		log_warnx("cannot ask the daemon's version at %s", cause);
	free(cause);
	if (o->json) {
		all = json_pack("{s:s, s:O}", "protocolctl", CTL_VERSION, "protocold",
		    v != NULL ? v : json_null());
		ctlout_json(all);
		json_decref(all);
	} else {
		printf("protocolctl %s\n", CTL_VERSION);
		if (v != NULL)
			ctlversion_daemon(v);
	}
	json_decref(v);
	return CTL_EXIT_OK;
}
