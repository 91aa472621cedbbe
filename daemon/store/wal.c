#include "wal.h"

#include <sqlite3.h>
#include <stdio.h>
#include <sys/stat.h>

#include "conn.h"
#include "xmalloc.h"

void
wal_note(struct conn *c)
{
	struct stat sb;

	if (stat(c->wal_path, &sb) != 0)
		return;
	c->wal_dev = sb.st_dev;
	c->wal_ino = sb.st_ino;
	c->wal_known = true;
}

int
wal_gone(struct conn *c)
{
	snprintf(c->error, sizeof c->error, "%s was removed or replaced while the "
	    "database was open (not by protocold)", c->wal_path);
	c->errcode = SQLITE_IOERR;
	return -1;
}

int
wal_check(struct conn *c)
{
	struct stat sb;

	if (!c->wal_known) {
		wal_note(c);
		return 0;
	}
	if (stat(c->wal_path, &sb) == 0 && sb.st_dev == c->wal_dev &&
	    sb.st_ino == c->wal_ino)
		return 0;
	return wal_gone(c);
}

int
wal_save(struct conn *c, char **cause)
{
	int log = -1, done = -1, rc;

	if (c->in_txn)
		conn_rollback(c);
	rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log,
	    &done);
	if (rc == SQLITE_OK && log == done)
		return 0;
	*cause = xasprintf("the checkpoint of %s stopped short (%s; %d of %d frames "
	    "copied)", c->wal_path, sqlite3_errmsg(c->db), done, log);
	return -1;
}
