#ifndef WEBBACKUP_H
#define WEBBACKUP_H

struct evhttp_request;
struct web;

/*
 * GET /v1/backup (doc/backup.md): the store makes a consistent copy of the whole
 * database in a thread (store_backup), which is sent as the answer's body
 * (of the store's media type, with Content-Length and Protocold-Backup-Seq: the feed's
 * last seq it holds), read from the copy's descriptor a piece at a time as the
 * connection drains: one piece queued at most, never the file in memory, so the
 * daemon's output budget (httpconn.h) never counts it against others. The route is for
 * peers who may write: the copy is the whole database.
 */

/* The route's handler. */
void webbackup_get(struct web *web, struct evhttp_request *req, const char *id);

#endif
