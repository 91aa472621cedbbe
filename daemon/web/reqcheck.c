#include "reqcheck.h"

#include <ctype.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Add the Content-Length field v, a list of decimal numbers (RFC 9110 §8.6), to *len
 * (-1: none yet): false when a number is malformed or differs from another. */
static bool
reqcheck_length_field(const char *v, int64_t *len)
{
	for (;;) {
		int64_t n = 0;
		size_t digits = 0;

		v += strspn(v, " \t");
		for (; isdigit((unsigned char)*v); v++, digits++) {
			if (n > (INT64_MAX - 9) / 10)
				return false;
			n = n * 10 + (*v - '0');
		}
		v += strspn(v, " \t");
		if (digits == 0 || (*len >= 0 && n != *len))
			return false;
		*len = n;
		if (*v == '\0')
			return true;
		if (*v++ != ',')
			return false;
	}
}

/*
 * RFC 9112 §6: a body's length must be unambiguous. libevent 2.1 frames a body by the
 * first Content-Length field alone, or as chunked when the first Transfer-Encoding
 * field is exactly that, and ignores the rest; anything in front of us may have framed
 * the same bytes otherwise. So a request whose fields disagree, carry both, or name
 * another coding is refused, with a detail in why, and its connection closed after the
 * answer: what follows its body must never be read as the next request. Identical
 * lengths, repeated or listed, are one length (§8.6 allows them).
 */
bool
reqcheck_framing_bad(struct evhttp_request *req, char *why, size_t len)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	int64_t length = -1;
	int n_te = 0;
	bool chunked = false;

	for (struct evkeyval *kv = h->tqh_first; kv != NULL; kv = kv->next.tqe_next) {
		if (strcasecmp(kv->key, "Content-Length") == 0 &&
		    !reqcheck_length_field(kv->value, &length)) {
			snprintf(why, len, "Content-Length \"%.40s\" is not a number or differs "
			    "from another: a request has one body length (RFC 9112 §6.3)",
			    kv->value);
			return true;
		}
		if (strcasecmp(kv->key, "Transfer-Encoding") == 0) {
			n_te++;
			chunked = strcasecmp(kv->value, "chunked") == 0;
		}
	}
	if (n_te > 0 && length >= 0)
		snprintf(why, len, "a request may carry Transfer-Encoding or Content-Length, "
		    "not both (RFC 9112 §6.1)");
	else if (n_te > 1 || (n_te == 1 && !chunked))
		snprintf(why, len, "the only Transfer-Encoding understood here is \"chunked\", "
		    "alone in one field (RFC 9112 §6.1)");
	else
		return false;
	return true;
}

/* An HTTP/1.1 request must name its host (RFC 9112 §3.2); HTTP/1.0 may not. */
bool
reqcheck_host_missing(struct evhttp_request *req)
{
	bool v11 = req->major > 1 || (req->major == 1 && req->minor >= 1);

	return v11 && evhttp_find_header(evhttp_request_get_input_headers(req), "Host") ==
	    NULL;
}
