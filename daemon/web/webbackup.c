#include "webbackup.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "store.h"
#include "web_int.h"
#include "webread.h"
#include "xmalloc.h"

/* Bytes read from the copy and queued at a time. */
#define WEBBACKUP_PIECE (256 * 1024)

struct webbackup {
	struct webread r;		/* first: the copy is a read on its way */
	struct web *web;		/* once the copy came (the stream's) */
	struct evhttp_request *req;
	int fd;				/* the copy, unlinked */
	int64_t size, off;		/* its bytes, those sent */
};

static void
webbackup_free(struct webbackup *wb)
{
	if (wb->fd != -1)
		close(wb->fd);
	free(wb);
}

/* The copy is sent, or cannot be read: end the answer. Its Connection: close makes a
 * short body end the connection, which its reader sees against Content-Length. */
static void
webbackup_end(struct webbackup *wb)
{
	http_stream_end(wb->web->http, wb->req);
	webbackup_free(wb);
}

static void webbackup_sent(struct evhttp_connection *conn, void *arg);

/* Queue the next piece of the copy; the next one once it has left (webbackup_sent). */
static void
webbackup_send(struct webbackup *wb)
{
	struct evbuffer *buf;
	struct evbuffer_iovec v;
	size_t n = (size_t)(wb->size - wb->off);
	ssize_t got;

	if (n == 0) {
		webbackup_end(wb);
		return;
	}
	n = n < WEBBACKUP_PIECE ? n : WEBBACKUP_PIECE;
	buf = evbuffer_new();
	if (buf == NULL || evbuffer_reserve_space(buf, (ev_ssize_t)n, &v, 1) < 1 ||
	    (got = pread(wb->fd, v.iov_base, n, wb->off)) <= 0) {
		log_warnx("backup: the copy cannot be read at %" PRId64 " of %" PRId64
		    " bytes (%s); its answer ends short", wb->off, wb->size,
		    buf == NULL ? "out of memory" : strerror(errno));
		if (buf != NULL)
			evbuffer_free(buf);
		webbackup_end(wb);
		return;
	}
	v.iov_len = (size_t)got;
	evbuffer_commit_space(buf, &v, 1);
	wb->off += got;
	evhttp_send_reply_chunk_with_cb(wb->req, buf, webbackup_sent, wb);
	evbuffer_free(buf);
}

/* The piece queued has left for the peer. */
static void
webbackup_sent(struct evhttp_connection *conn, void *arg)
{
	webbackup_send(arg);
}

/* The connection closed before the copy was sent: the peer left, the daemon dropped
 * it (a stalled reader) or stops. */
static void
webbackup_gone(void *arg)
{
	struct webbackup *wb = arg;

	/* Detached when its peer left: ours to free (feed.c's followers do the same). */
	if (evhttp_request_get_connection(wb->req) == NULL)
		evhttp_request_free(wb->req);
	webbackup_free(wb);
}

/* Start the answer: the copy's head, then its pieces (none for a HEAD). */
static void
webbackup_stream(struct web *web, struct webbackup *wb, const struct store_backup *b)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(wb->req);
	char num[32];

	wb->web = web;
	wb->fd = b->fd;
	wb->size = b->size;
	snprintf(num, sizeof num, "%" PRId64, b->size);
	evhttp_add_header(h, "Content-Length", num);	/* so not chunked */
	snprintf(num, sizeof num, "%" PRId64, b->seq);
	evhttp_add_header(h, "Protocold-Backup-Seq", num);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "Connection", "close");
	log_info("backup: sending a copy of %" PRId64 " bytes, up to feed seq %" PRId64,
	    b->size, b->seq);
	http_stream_start(web->http, wb->req, b->type, webbackup_gone, wb);
	if (evhttp_request_get_command(wb->req) == EVHTTP_REQ_HEAD)
		wb->size = 0;	/* evhttp sends no body: the head is the answer */
	webbackup_send(wb);
}

/* The store's copy came (or did not). */
static void
webbackup_made(void *arg, const struct store_backup *b)
{
	struct webbackup *wb = arg;
	struct web *web = webread_end(&wb->r);

	if (web == NULL || b->rc != STORE_BACKUP_OK) {
		if (b->rc == STORE_BACKUP_OK)
			close(b->fd);
		if (web == NULL)
			;
		else if (b->rc == STORE_BACKUP_UNSUPPORTED)
			http_reply_error(web->http, wb->req, 409, "backup_not_supported",
			    "this daemon's database is PostgreSQL: back it up with the server's "
			    "own tools (pg_dump, or pg_basebackup and WAL archiving); see "
			    "protocold(8), BACKUP AND RESTORE");
		else if (b->rc == STORE_BACKUP_BUSY)
			http_reply_error(web->http, wb->req, 409, "backup_in_progress",
			    "another backup is being made; retry once it is done");
		else {
			log_warnx("backup failed: %s", b->error);
			http_reply_error(web->http, wb->req, 500, "backup_failed", "the copy of "
			    "the database failed (%s); nothing was left behind, retry later",
			    b->error);
		}
		webbackup_free(wb);
		return;
	}
	webbackup_stream(web, wb, b);
}

void
webbackup_get(struct web *web, struct evhttp_request *req, const char *id)
{
	struct webbackup *wb = xcalloc(1, sizeof *wb);

	wb->req = req;
	wb->fd = -1;
	webread_start(web, &wb->r, NULL);
	store_backup(web->st, webbackup_made, wb);
}
