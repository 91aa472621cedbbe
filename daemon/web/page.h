#ifndef PAGE_H
#define PAGE_H

#include <stddef.h>

struct evhttp_request;
struct web;

/*
 * The operator's page (protocold(8), THE PAGE): GET / and its script and style, built
 * into the binary from daemon/web/ui/ (build/gen/ui.c), and Chart.js read at request
 * time from the path Debian's libjs-chart.js installs it at. The page itself only reads
 * the API with GETs.
 */

/* Where Debian's libjs-chart.js (3.9.x) puts its UMD build: served as /ui/chart.js. */
#define PAGE_CHARTJS_PATH "/usr/share/javascript/chart.js/chart.min.js"

/* The page's files as generated from daemon/web/ui/ (build/gen/ui.c). */
extern const char page_index_html[];
extern const char page_app_js[];
extern const char page_app_css[];

/* The routes' handlers (http.h's http_handler): text/html, JavaScript, CSS, each with
 * Cache-Control: no-cache; chart.js answers 404 asset_not_found when not installed. */
void page_index(struct web *web, struct evhttp_request *req, const char *unused);
void page_app_js_get(struct web *web, struct evhttp_request *req, const char *unused);
void page_app_css_get(struct web *web, struct evhttp_request *req, const char *unused);
void page_chartjs_get(struct web *web, struct evhttp_request *req, const char *unused);

#endif
