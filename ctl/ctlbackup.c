#include "ctlbackup.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ctlarg.h"
#include "ctlout.h"
#include "ctlreq.h"
#include "httpstream.h"
#include "log.h"
#include "xmalloc.h"

#define CTLBACKUP_TYPE "application/vnd.sqlite3"
/* How long the daemon may take to make the copy before its answer starts (a copy of
 * many GiB takes minutes): --timeout still bounds every wait once it streams. */
#define CTLBACKUP_MAKE_S 3600
/* The first 16 bytes of every SQLite database file. */
#define CTLBACKUP_MAGIC "SQLite format 3"

struct ctlbackup {
	const struct ctl_opts *o;
	const char *file;
	char *tmp;		/* FILE.tmp, while it is ours */
	int fd;
	long long bytes, seq;
	char magic[16];		/* the copy's first bytes */
};

/* The copy's temp file, made before the daemon is asked (a wrong path is a usage
 * error, and costs the daemon no copy). Private: it is the whole database. */
static int
ctlbackup_create(struct ctlbackup *b)
{
	b->tmp = xasprintf("%s.tmp", b->file);
	b->fd = open(b->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (b->fd != -1)
		return CTL_EXIT_OK;
	log_warn("%s", b->tmp);
	free(b->tmp);
	b->tmp = NULL;
	return CTL_EXIT_USAGE;
}

/* The answer's head: CTL_EXIT_OK for a copy, else its refusal reported. */
static int
ctlbackup_head(struct ctlbackup *b, struct httpstream *s)
{
	const struct httpmsg *h = httpstream_head(s);
	const char *ct = httpmsg_header(h, "Content-Type");
	const char *seq = httpmsg_header(h, "Protocold-Backup-Seq");
	struct httpmsg *m;
	char *cause = NULL;
	int rc;

	if (h->status == 200 && ct != NULL && strcasecmp(ct, CTLBACKUP_TYPE) == 0 &&
	    seq != NULL) {
		b->seq = strtoll(seq, NULL, 10);
		return CTL_EXIT_OK;
	}
	if (h->status / 100 == 2) {
		log_warnx("the daemon answered no backup (HTTP %d, %s): is it older than "
		    "protocolctl?", h->status, ct != NULL ? ct : "no Content-Type");
		return CTL_EXIT_REFUSED;
	}
	if (httpstream_finish(s, &m, b->o->timeout_s * 1000, &cause) < 0) {
		rc = ctlreq_unreachable(-EPROTO, cause);
		free(cause);
		return rc;
	}
	rc = ctlreq_refused(b->o, m);
	httpmsg_free(m);
	return rc;
}

/* Write all of buf to the temp file: 0, or -1 (reported). */
static int
ctlbackup_write(struct ctlbackup *b, const char *buf, size_t len)
{
	ssize_t n;

	if (b->bytes < (long long)sizeof b->magic) {
		n = len < sizeof b->magic - (size_t)b->bytes ? (ssize_t)len :
		    (ssize_t)(sizeof b->magic - (size_t)b->bytes);
		memcpy(b->magic + b->bytes, buf, (size_t)n);
	}
	b->bytes += (long long)len;
	while (len > 0) {
		if ((n = write(b->fd, buf, len)) < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_warn("%s", b->tmp);
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The body into the temp file, as it comes. */
static int
ctlbackup_body(struct ctlbackup *b, struct httpstream *s)
{
	char *buf = xmalloc(65536), *cause = NULL;
	ssize_t n;
	int rc = CTL_EXIT_OK;

	while ((n = httpstream_read(s, buf, 65536, b->o->timeout_s * 1000, &cause)) > 0)
		if (ctlbackup_write(b, buf, (size_t)n) != 0) {
			rc = CTL_EXIT_REFUSED;
			break;
		}
	if (n < 0) {
		log_warnx("the copy did not arrive whole (%lld bytes): %s", b->bytes, cause);
		rc = CTL_EXIT_REFUSED;
	}
	free(cause);
	free(buf);
	return rc;
}

/* fsync the directory that holds path, so that a rename in it survives a crash. */
static int
ctlbackup_sync_dir(const char *path)
{
	char *copy = xstrdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd == -1 || fsync(fd) != 0) {
		log_warn("%s", dirname(copy));
		rc = -1;
	}
	if (fd != -1)
		close(fd);
	free(copy);
	return rc;
}

/* The temp file made durable, checked and named FILE. */
static int
ctlbackup_commit(struct ctlbackup *b)
{
	if (memcmp(b->magic, CTLBACKUP_MAGIC, sizeof CTLBACKUP_MAGIC) != 0) {
		log_warnx("%s: what the daemon sent is not an SQLite database; %s was left "
		    "as it was", b->tmp, b->file);
		return CTL_EXIT_REFUSED;
	}
	if (fsync(b->fd) != 0 || close(b->fd) != 0) {
		b->fd = -1;
		log_warn("%s", b->tmp);
		return CTL_EXIT_REFUSED;
	}
	b->fd = -1;
	if (rename(b->tmp, b->file) != 0) {
		log_warn("rename %s to %s", b->tmp, b->file);
		return CTL_EXIT_REFUSED;
	}
	free(b->tmp);
	b->tmp = NULL;
	return ctlbackup_sync_dir(b->file) == 0 ? CTL_EXIT_OK : CTL_EXIT_REFUSED;
}

/* Ask the daemon and take its copy into the temp file. */
static int
ctlbackup_fetch(struct ctlbackup *b)
{
	struct httpc_request hr = { .method = "GET", .target = "/v1/backup",
	    .accept = CTLBACKUP_TYPE };
	struct httpstream *s;
	char *cause = NULL;
	int r, rc;

	hr.connect_timeout_ms = b->o->timeout_s * 1000;
	hr.io_timeout_ms = (b->o->timeout_s > CTLBACKUP_MAKE_S ? b->o->timeout_s :
	    CTLBACKUP_MAKE_S) * 1000;
	if ((r = httpstream_open(ctlreq_socket(b->o), &hr, &s, &cause)) < 0) {
		rc = ctlreq_unreachable(r, cause);
		free(cause);
		return rc;
	}
	if ((rc = ctlbackup_head(b, s)) == CTL_EXIT_OK)
		rc = ctlbackup_body(b, s);
	httpstream_free(s);
	return rc;
}

static void
ctlbackup_report(const struct ctlbackup *b)
{
	json_t *v;

	if (b->o->json) {
		v = json_pack("{s:s, s:I, s:I}", "file", b->file, "bytes",
		    (json_int_t)b->bytes, "seq", (json_int_t)b->seq);
		ctlout_json(v);
		json_decref(v);
		return;
	}
	ctlout_kv("file", "%s", b->file);
	ctlout_kv("bytes", "%lld", b->bytes);
	ctlout_kv("feed seq", "%lld", b->seq);
}

int
ctlbackup_backup(struct ctl_opts *o, int argc, char **argv)
{
	static const struct option opts[] = { CTLARG_LONGOPTS };
	struct ctlbackup b = { .o = o, .fd = -1 };
	int rc;

	if ((rc = ctlarg_parse(o, argc, argv, opts, NULL, NULL)) != CTL_EXIT_OK ||
	    (rc = ctlarg_count(argc, argv, 1, 1)) != CTL_EXIT_OK)
		return rc;
	b.file = argv[optind];
	if ((rc = ctlbackup_create(&b)) != CTL_EXIT_OK)
		return rc;
	if ((rc = ctlbackup_fetch(&b)) == CTL_EXIT_OK)
		rc = ctlbackup_commit(&b);
	if (b.fd != -1)
		close(b.fd);
	if (b.tmp != NULL)
		unlink(b.tmp);	/* nothing half-made is left behind */
	free(b.tmp);
	if (rc == CTL_EXIT_OK)
		ctlbackup_report(&b);
	return rc;
}
