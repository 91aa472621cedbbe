#ifndef HTTPSTREAM_H
#define HTTPSTREAM_H

/*
 * An HTTP/1.1 answer read as a stream: the head first, then the body line by line as
 * it arrives (Content-Length, chunked coding or until the end of the stream), for
 * answers that go on for as long as the connection lasts (the feed's follow=1).
 */

#include <stddef.h>
#include <sys/types.h>

#include "httpc.h"
#include "httpmsg.h"

struct httpstream;

/* The longest body line httpstream_line returns (-EMSGSIZE beyond). */
#define HTTPSTREAM_MAX_LINE (16u * 1024 * 1024)

/*
 * Connect to the socket at path, send req and read the answer's head (within
 * req->io_timeout_ms): 0 and *s (free with httpstream_free), or a negative errno and
 * *cause (a malloc'd sentence) as httpc_do.
 */
int httpstream_open(const char *path, const struct httpc_request *req,
    struct httpstream **s, char **cause);
/* The answer's head (status, headers; its body is empty). */
const struct httpmsg *httpstream_head(const struct httpstream *s);
/*
 * The next line of the body, without its "\n" or "\r\n", NUL-terminated, valid until
 * the next call: 1 with *line and *len; 0 at the end of the body (a last line without
 * "\n" is returned before); or a negative errno and *cause (malloc'd): -ECONNABORTED
 * when the stream ended within the body (an incomplete last line is dropped),
 * -ETIMEDOUT after timeout_ms (negative: no limit) without a byte, -EPROTO, -EMSGSIZE.
 */
int httpstream_line(struct httpstream *s, char **line, size_t *len, int timeout_ms,
    char **cause);
/*
 * The next bytes of the body, as they are (a binary body): up to len into buf, within
 * timeout_ms of each read: how many (> 0), 0 at the end of the body, or a negative
 * errno and *cause (malloc'd) as httpstream_line (-ECONNABORTED: the stream ended
 * before the body's end).
 */
ssize_t httpstream_read(struct httpstream *s, char *buf, size_t len, int timeout_ms,
    char **cause);
/*
 * Read the rest of the body (within timeout_ms of each read): 0 and the whole answer
 * in *m (what httpstream_line has not returned, as its body; free with httpmsg_free),
 * or a negative errno and *cause.
 */
int httpstream_finish(struct httpstream *s, struct httpmsg **m, int timeout_ms,
    char **cause);
/* Close the connection and free; NULL is a no-op. */
void httpstream_free(struct httpstream *s);

#endif
