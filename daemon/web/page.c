#include "page.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "web_int.h"
#include "xmalloc.h"

#define PAGE_MAX_ASSET (4 * 1024 * 1024)	/* Chart.js's min build is ~200 KiB */

/* Answer text (of type) with the page's caching rule: always ask again. */
static void
page_reply(struct web *web, struct evhttp_request *req, const char *type, const char *text,
    size_t len)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-cache");
	http_reply_text(web->http, req, 200, type, text, len);
}

void
page_index(struct web *web, struct evhttp_request *req, const char *unused)
{
	page_reply(web, req, "text/html; charset=utf-8", page_index_html,
	    strlen(page_index_html));
}

void
page_app_js_get(struct web *web, struct evhttp_request *req, const char *unused)
{
	page_reply(web, req, "text/javascript; charset=utf-8", page_app_js,
	    strlen(page_app_js));
}

void
page_app_css_get(struct web *web, struct evhttp_request *req, const char *unused)
{
	page_reply(web, req, "text/css; charset=utf-8", page_app_css, strlen(page_app_css));
}

/* The whole of path (at most PAGE_MAX_ASSET bytes) in *len bytes, or NULL (errno). */
static char *
page_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	int saved;

	if (f == NULL)
		return NULL;
	buf = xmalloc(PAGE_MAX_ASSET);
	*len = fread(buf, 1, PAGE_MAX_ASSET, f);
	saved = ferror(f) ? EIO : !feof(f) ? EFBIG : 0;
	fclose(f);
	if (saved != 0) {
		free(buf);
		errno = saved;
		return NULL;
	}
	return buf;
}

/*
 * Chart.js is the system's (libjs-chart.js), read at each request: an upgrade of the
 * package is served at once, and the daemon carries no copy. A small file read on the
 * loop, asked once per page load.
 */
void
page_chartjs_get(struct web *web, struct evhttp_request *req, const char *unused)
{
	size_t len = 0;
	char *text = page_read_file(PAGE_CHARTJS_PATH, &len);

	if (text == NULL) {
		http_reply_error(web->http, req, 404, "asset_not_found", "%s cannot be read "
		    "(%s): install Debian's libjs-chart.js for the page's chart; the page shows "
		    "every number without it", PAGE_CHARTJS_PATH, strerror(errno));
		return;
	}
	page_reply(web, req, "text/javascript; charset=utf-8", text, len);
	free(text);
}
