/*
 * A blocking HTTP/1.1 client over AF_UNIX: connect, send one request, read until
 * httpmsg says the answer is complete.
 * The socket is non-blocking and every wait goes through poll(2) with a limit.
 */

#include "httpc.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "xmalloc.h"

/* One exchange: the bytes read so far, and the parser that judges them. */
struct httpc_conn {
	int fd;
	char *buf;
	size_t len, cap;
	struct httpmsg_parser *parser;
};

static int64_t
httpc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for events on fd until deadline: 0, or -ETIMEDOUT / -errno. */
static int
httpc_wait(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int64_t left;
	int n;

	for (;;) {
		left = deadline - httpc_now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

static int
httpc_connect_wait(int fd, int64_t deadline)
{
	socklen_t sl = sizeof(int);
	int r, soerr = 0;

	if ((r = httpc_wait(fd, POLLOUT, deadline)) < 0)
		return r;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == -1)
		return -errno;
	return -soerr;
}

/* A connected non-blocking socket, or -errno. */
static int
httpc_connect(const char *path, int timeout_ms)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int64_t deadline = httpc_now_ms() + timeout_ms;
	int fd, r = 0;

	if (strlen(path) >= sizeof sun.sun_path)
		return -ENAMETOOLONG;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -errno;
	while (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == EINPROGRESS)
			r = httpc_connect_wait(fd, deadline);
		else if (errno == EAGAIN && httpc_now_ms() < deadline) {
			poll(NULL, 0, 10);	/* listen backlog full: try again */
			continue;
		} else
			r = errno == EAGAIN ? -ETIMEDOUT : -errno;
		break;
	}
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

/* Send all of buf: 0, or -errno (-EPIPE when the peer closed early). */
static int
httpc_send(int fd, const char *buf, size_t len, int timeout_ms)
{
	ssize_t n;
	int r;

	while (len > 0) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno != EAGAIN)
			return -errno;
		if ((r = httpc_wait(fd, POLLOUT, httpc_now_ms() + timeout_ms)) < 0)
			return r;
	}
	return 0;
}

static char *
httpc_format(const struct httpc_request *req, size_t *len)
{
	char *head, *out, ctype[128] = "";
	size_t hlen;

	if (req->body != NULL)
		snprintf(ctype, sizeof ctype, "Content-Type: %s\r\n",
		    req->content_type != NULL ? req->content_type : "application/json");
	head = xasprintf("%s %s HTTP/1.1\r\nHost: localhost\r\n"
	    "User-Agent: protocolctl\r\nAccept: %s\r\n%sContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n", req->method, req->target,
	    req->accept != NULL ? req->accept : "application/json", ctype,
	    req->body != NULL ? req->body_len : 0);
	hlen = strlen(head);
	*len = hlen + (req->body != NULL ? req->body_len : 0);
	out = xrealloc(head, *len + 1);
	if (req->body != NULL)
		memcpy(out + hlen, req->body, req->body_len);
	out[*len] = '\0';
	return out;
}

ssize_t
httpc_recv(int fd, char *buf, size_t len, int timeout_ms)
{
	int64_t deadline = timeout_ms < 0 ? INT64_MAX : httpc_now_ms() + timeout_ms;
	ssize_t n;
	int r;

	for (;;) {
		n = recv(fd, buf, len, 0);
		if (n >= 0)
			return n;
		if (errno == ECONNRESET)
			return 0;	/* the daemon closed with some of our request unread */
		if (errno != EINTR && errno != EAGAIN)
			return -errno;
		if (errno == EAGAIN && (r = httpc_wait(fd, POLLIN, deadline)) < 0)
			return r;
	}
}

/* Read until the answer is complete: 0, or -errno. */
static int
httpc_read(struct httpc_conn *c, int timeout_ms)
{
	ssize_t n;
	int r;

	for (;;) {
		if (c->cap - c->len < 4096) {
			c->cap = c->cap == 0 ? 16384 : c->cap * 2;
			c->buf = xrealloc(c->buf, c->cap);
		}
		if ((n = httpc_recv(c->fd, c->buf + c->len, c->cap - c->len, timeout_ms)) < 0)
			return (int)n;
		c->len += (size_t)n;
		if ((r = httpmsg_parse(c->parser, c->buf, c->len, n == 0)) != 0)
			return r < 0 ? r : 0;
	}
}

char *
httpc_cause(const char *path, int err, int timeout_ms)
{
	if (err == -ETIMEDOUT)
		return xasprintf("%s: no answer within %d s", path, timeout_ms / 1000);
	if (err == -ENODATA)
		return xasprintf("%s: the daemon closed the connection without answering",
		    path);
	if (err == -ECONNABORTED)
		return xasprintf("%s: the daemon closed the connection within its answer",
		    path);
	if (err == -EPROTO)
		return xasprintf("%s: the answer is not valid HTTP/1.1", path);
	if (err == -EMSGSIZE)
		return xasprintf("%s: the answer is larger than %u bytes", path,
		    HTTPMSG_MAX_BODY);
	if (err == -ENAMETOOLONG)
		return xasprintf("%s: socket path too long (at most %zu bytes)", path,
		    sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	return xasprintf("%s: %s", path, strerror(-err));
}

int
httpc_open(const char *path, const struct httpc_request *req, char **cause)
{
	char *out;
	size_t outlen;
	int fd, werr;

	*cause = NULL;
	if ((fd = httpc_connect(path, req->connect_timeout_ms)) < 0) {
		*cause = httpc_cause(path, fd, req->connect_timeout_ms);
		return fd;
	}
	out = httpc_format(req, &outlen);
	werr = httpc_send(fd, out, outlen, req->io_timeout_ms);
	free(out);
	/* A daemon may answer (413) and close before reading it all: read anyway. */
	if (werr != 0 && werr != -EPIPE && werr != -ECONNRESET) {
		*cause = httpc_cause(path, werr, req->io_timeout_ms);
		close(fd);
		return werr;
	}
	return fd;
}

int
httpc_do(const char *path, const struct httpc_request *req, struct httpmsg **resp,
    char **cause)
{
	struct httpc_conn c = { .fd = -1 };
	int r;

	*resp = NULL;
	if ((c.fd = httpc_open(path, req, cause)) < 0)
		return c.fd;
	c.parser = httpmsg_parser_new();
	if ((r = httpc_read(&c, req->io_timeout_ms)) == 0)
		*resp = httpmsg_take(c.parser, c.buf, c.len);
	else
		*cause = httpc_cause(path, r, req->io_timeout_ms);
	httpmsg_parser_free(c.parser);
	close(c.fd);
	free(c.buf);
	return r;
}

enum httpc_fail
httpc_classify(int err)
{
	switch (-err) {
	case ENOENT:
	case ECONNREFUSED:
	case ENOTDIR:
		return HTTPC_FAIL_NODAEMON;
	case EACCES:
	case EPERM:
		return HTTPC_FAIL_DENIED;
	default:
		return HTTPC_FAIL_OTHER;
	}
}

char *
httpc_urlencode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = xmalloc(strlen(s) * 3 + 1), *o = out;
	unsigned char ch;

	for (; *s != '\0'; s++) {
		ch = (unsigned char)*s;
		if (isalnum(ch) || strchr("-._~", ch) != NULL)
			*o++ = (char)ch;
		else {
			*o++ = '%';
			*o++ = hex[ch >> 4];
			*o++ = hex[ch & 15];
		}
	}
	*o = '\0';
	return out;
}
