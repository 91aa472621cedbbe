#ifndef WEBREAD_H
#define WEBREAD_H

struct web;

/*
 * The store's reads the web has asked and not yet been answered (core/store.h: a
 * read answers through its callback, before the call returns with SQLite, later from
 * the loop with a client-server backend). Every handler that reads keeps what its
 * answer needs in a small heap struct whose first member is a struct webread, and
 * writes its callbacks so that they work either way.
 *
 * The rule, for every read the web asks:
 *
 * - The struct is the read's to free: the callback that ends the read (the last one
 *   of a chain: get, then history) frees it, whatever it says.
 * - A request waiting for a read keeps its connection: libevent does not read a
 *   connection while its request is unanswered (nor notice its peer leaving), so the
 *   request stays valid until it is answered; a peer that left makes the answer's
 *   write fail and libevent frees the connection and the request then.
 * - web_free cancels every read still on its way before the server (and with it the
 *   connections and their requests) is freed: webread_live/webread_end then say NULL,
 *   and the callback, when it comes, frees its struct and touches nothing else (not
 *   the web, not the request). So a backend must call each read's callback exactly
 *   once, at store_close at the latest (with -1): a read never answered would leak
 *   its struct, never more.
 */

struct webread;
/* At web_free, for a read still on its way: release what must not outlive the web (a
 * status text's caller is told NULL). The struct itself stays for the callback. */
typedef void webread_cancel_fn(struct webread *r);

struct webread {
	struct web *web;		/* NULL once cancelled */
	webread_cancel_fn *cancel;	/* or NULL */
	struct webread *prev, *next;	/* in the web's list */
};

/* r (the first member of the caller's struct) is a read on its way for web; cancel
 * (or NULL) is called if web_free comes first. */
void webread_start(struct web *web, struct webread *r, webread_cancel_fn *cancel);
/* The web r was asked for, or NULL when it was freed (a chain's middle callback). */
struct web *webread_live(const struct webread *r);
/* r's read is over (its last callback): the web, or NULL when it was freed (then only
 * free the struct). */
struct web *webread_end(struct webread *r);
/* Cancel every read of web still on its way (web_free). */
void webread_cancel_all(struct web *web);
/* How many reads of web are on their way. */
int webread_pending(const struct web *web);

#endif
