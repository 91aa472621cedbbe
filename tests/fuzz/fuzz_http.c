/*
 * fuzz_http: raw bytes of HTTP/1.1 requests against the real server: evhttp on a Unix
 * socket, the route table of api_routes(), every handler and its JSON decoding, the
 * engine and the store on a temp SQLite database, under a test clock.
 *
 * One daemon lives for the whole run (started as main.c does: daemon_start, without
 * systemd and signals). Each input is written on a new connection; the loop runs until
 * nothing more happens, then the client half-closes, then the long-polls and streams
 * are ended (web_shutdown_feed), then it closes. Between inputs the database is emptied, the test clock is put back and
 * the feed re-reads its position, so an input gives the same answers alone as in a run.
 */

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "daemon.h"
#include "log.h"
#include "rfc3339.h"
#include "sched.h"
#include "sqlite.h"
#include "store.h"
#include "turn.h"
#include "web.h"

#define FUZZ_NOW "2026-11-23T15:00:00-03:00"	/* the test clock at each input */
#define FUZZ_IDLE_TURNS 4	/* turns with nothing happening that mean "idle" */
#define FUZZ_MAX_TURNS 200000	/* a bound on the turns of one phase */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct {
	char dir[256];		/* the temp directory: config, database, socket */
	char conf[300], db[300], sock[300];
	int64_t now;
	struct daemon d;
	sqlite3 *admin;		/* the harness's own connection, to empty the database */
	sqlite3_stmt *data_version;
	int64_t last_version;
	bool verbose;		/* FUZZ_HTTP_VERBOSE set: answers go to stderr */
} fz;

/* The client side of one input. */
struct fuzz_client {
	int fd;
	const uint8_t *data;
	size_t size, off;
	bool eof;		/* the server closed its side */
};

static void
fuzz_cleanup(void)
{
	char path[320];

	if (fz.dir[0] == '\0')
		return;
	daemon_stop(&fz.d);
	if (fz.data_version != NULL)
		sqlite3_finalize(fz.data_version);
	if (fz.admin != NULL)
		sqlite3_close(fz.admin);
	unlink(fz.conf);
	unlink(fz.db);
	snprintf(path, sizeof path, "%s-wal", fz.db);
	unlink(path);
	snprintf(path, sizeof path, "%s-shm", fz.db);
	unlink(path);
	rmdir(fz.dir);
	fz.dir[0] = '\0';
}

static void
fuzz_write_config(void)
{
	FILE *f = fopen(fz.conf, "w");

	if (f == NULL)
		fatal("%s", fz.conf);
	fprintf(f, "[daemon]\ndatabase = %s\nsocket = %s\ntimezone = America/Sao_Paulo\n"
	    "synchronous = normal\nlog_transitions = debug\n"
	    "[calendar]\nholidays = br-national\n", fz.db, fz.sock);
	if (fclose(f) != 0)
		fatal("%s", fz.conf);
}

static void
fuzz_paths(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(fz.dir, sizeof fz.dir, "%s/fuzz_http.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(fz.dir) == NULL)
		fatal("mkdtemp %s", fz.dir);
	snprintf(fz.conf, sizeof fz.conf, "%s/fuzz.ini", fz.dir);
	snprintf(fz.db, sizeof fz.db, "%s/fuzz.db", fz.dir);
	snprintf(fz.sock, sizeof fz.sock, "%s/fuzz.sock", fz.dir);
}

static void
fuzz_admin_exec(const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(fz.admin, sql, NULL, NULL, &err) != SQLITE_OK)
		fatalx("fuzz: %s: %s", sql, err ? err : "?");
}

static int64_t
fuzz_data_version(void)
{
	int64_t v;

	sqlite3_reset(fz.data_version);
	if (sqlite3_step(fz.data_version) != SQLITE_ROW)
		fatalx("fuzz: PRAGMA data_version: %s", sqlite3_errmsg(fz.admin));
	v = sqlite3_column_int64(fz.data_version, 0);
	sqlite3_reset(fz.data_version);
	return v;
}

/* The harness's connection; a fixed cursor secret so cursors in inputs replay. */
static void
fuzz_open_admin(void)
{
	if (sqlite3_open_v2(fz.db, &fz.admin, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		fatalx("fuzz: %s: %s", fz.db, sqlite3_errmsg(fz.admin));
	sqlite3_busy_timeout(fz.admin, 5000);
	fuzz_admin_exec("PRAGMA synchronous = NORMAL");
	fuzz_admin_exec("UPDATE meta SET v = x'000102030405060708090a0b0c0d0e0f' "
	    "WHERE k = 'cursor_key'");
	if (sqlite3_prepare_v2(fz.admin, "PRAGMA data_version", -1, &fz.data_version,
	    NULL) != SQLITE_OK)
		fatalx("fuzz: %s", sqlite3_errmsg(fz.admin));
	fz.last_version = fuzz_data_version();
}

/* Make the database (the store's schema), so that the harness can set the cursors'
 * secret before the daemon reads it. */
static void
fuzz_make_db(void)
{
	struct sqlite_options o = { .sync_full = false };
	struct event_base *base = event_base_new();
	char *cause = NULL;
	struct store *st;

	if (base == NULL || (st = sqlite_store_open(fz.db, &o, base, &cause)) == NULL)
		fatalx("fuzz: database %s", cause ? cause : "(no loop)");
	store_close(st);
	event_base_free(base);
	fuzz_open_admin();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *errors = NULL, *cause = NULL;

	signal(SIGPIPE, SIG_IGN);
	log_init("fuzz_http", false);
	fz.verbose = getenv("FUZZ_HTTP_VERBOSE") != NULL;
	fuzz_paths();
	atexit(fuzz_cleanup);
	fuzz_write_config();
	if (daemon_configure(&fz.d, fz.conf, &errors) != 0)
		fatalx("fuzz: config: %s", errors);
	if (rfc3339_parse(FUZZ_NOW, &fz.now) != 0)
		fatalx("fuzz: bad FUZZ_NOW");
	fuzz_make_db();
	if (daemon_start(&fz.d, true, &fz.now, -1, -1, &cause) != 0)
		fatalx("fuzz: %s", cause);
	sched_kick(fz.d.sched);
	return 0;
}

/* Client */

static int
fuzz_connect(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", fz.sock);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0)
		fatal("fuzz: connect %s", fz.sock);
	return fd;
}

/* Write what fits and read (and drop) what came: whether anything moved. */
static bool
fuzz_pump(struct fuzz_client *c)
{
	char buf[65536];
	bool moved = false;
	ssize_t n;

	if (c->off < c->size) {
		n = send(c->fd, c->data + c->off, c->size - c->off, MSG_NOSIGNAL);
		if (n > 0) {
			c->off += (size_t)n;
			moved = true;
		} else if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
			c->off = c->size;	/* the server is gone: drop the rest */
	}
	while (!c->eof) {
		if ((n = recv(c->fd, buf, sizeof buf, 0)) == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				c->eof = true;	/* reset: as good as closed */
			break;
		}
		if (fz.verbose)
			fwrite(buf, 1, (size_t)n, stderr);
		c->eof = n == 0;
		moved = true;
	}
	return moved;
}

/* Run the loop until nothing happens for a few turns, or the server closed. */
static void
fuzz_spin(struct fuzz_client *c)
{
	int idle = 0;

	for (int turn = 0; turn < FUZZ_MAX_TURNS && idle < FUZZ_IDLE_TURNS; turn++) {
		bool moved;

		event_base_loop(fz.d.base, EVLOOP_NONBLOCK);
		if (c->fd < 0)
			moved = false;
		else if ((moved = fuzz_pump(c)) && c->eof && c->off == c->size)
			return;	/* the server closed: nothing more will come */
		if (moved || event_base_get_num_events(fz.d.base, EVENT_BASE_COUNT_ACTIVE) > 0)
			idle = 0;
		else
			idle++;
	}
}

/* Empty the database (nothing else holds a transaction now) when the input wrote. */
static void
fuzz_reset(void)
{
	int64_t v;

	if (turn_flush(fz.d.turn) != 0)
		fatalx("fuzz: turn_flush failed: %s", store_error(fz.d.store));
	clock_test_set(fz.d.clock, fz.now);
	if ((v = fuzz_data_version()) != fz.last_version) {
		fuzz_admin_exec("BEGIN IMMEDIATE; DELETE FROM history; DELETE FROM protocols; "
		    "DELETE FROM sellers; UPDATE counters SET n = 0 WHERE n <> 0; COMMIT");
		fz.last_version = fuzz_data_version();
		web_feed_notify(fz.d.web);
	}
	sched_kick(fz.d.sched);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_client c = { .fd = fuzz_connect(), .data = data, .size = size };

	fuzz_spin(&c);
	shutdown(c.fd, SHUT_WR);
	c.off = c.size;
	fuzz_spin(&c);
	web_shutdown_feed(fz.d.web);
	fuzz_spin(&c);
	close(c.fd);
	c.fd = -1;
	c.eof = true;
	fuzz_spin(&c);
	fuzz_reset();
	return 0;
}
