#ifndef PGDOUBT_H
#define PGDOUBT_H

struct pg_store;

/*
 * A commit in doubt (the writer's connection lost after its sync was sent, before its
 * answer): settled by its mark once its session is gone, asked again until then, its
 * session ended after a while (pgdoubt.c says why not pg_xact_status). pgwrite.c marks
 * the commit in flight in doubt; this tells its outcome once known.
 */

/* Ask about the commit in flight, in doubt: once the writer is up (an open
 * transaction's batch takes the question along). */
void pgdoubt_ask(struct pg_store *s);
/* The timer of a commit in doubt (pg_store's doubt_ev): ask again. */
void pgdoubt_cb(int fd, short what, void *arg);

#endif
