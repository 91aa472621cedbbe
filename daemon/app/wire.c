#include "wire.h"

#include "admin.h"
#include "api.h"
#include "browse.h"
#include "commit.h"
#include "engine.h"
#include "feed.h"
#include "http.h"
#include "runconf.h"
#include "sched.h"
#include "snapshot.h"
#include "sqlite.h"
#include "xmalloc.h"

int
wire_start(struct event_base *base, struct store *writer, struct store *reader, int fd,
    char **cause)
{
	const struct http_route *routes;
	size_t n;

	engine_init(writer);
	commit_init(base, writer);
	sched_init(base, writer);
	feed_init(base, reader);
	snapshot_init(base, reader);
	/* The reads of the turn see the commit: the snapshot ends before the feed reads. */
	commit_add_hook(snapshot_release);
	commit_add_hook(feed_notify);
	commit_add_pre_hook(snapshot_block, snapshot_unblock);
	routes = api_routes(&n);
	api_init(reader, writer);
	admin_init(reader);
	if (browse_init(reader) != 0) {
		*cause = xasprintf("database: cannot read the cursor secret: %s",
		    store_error(reader));
		return -1;
	}
	return http_init(base, fd, runconf_get(), routes, n, cause);
}
