#include "translog.h"

#include <stdlib.h>

#include "commit.h"
#include "log.h"
#include "strcopy.h"
#include "sysd.h"
#include "xmalloc.h"

struct translog_line {
	char id[PROTO_ID_MAX + 1];
	int from;
	enum proto_state to;
	enum proto_cause cause;
	const char *name;	/* static: an action, event or clock name */
	int64_t late_ms;
	bool has_late;
};
struct translog_set {
	struct translog_line *v;
	size_t n, cap;
	uint64_t seq;	/* commit_seq() of its transaction */
	bool info;	/* log_transitions = info: logged at info, else at debug */
};
/* The open transaction's; the one before may still wait for its sync. */
static struct translog_set *translog_cur;

static void
translog_flush(void *arg, bool ok)
{
	struct translog_set *g = arg;

	for (size_t i = 0; ok && i < g->n; i++) {
		struct translog_line *l = &g->v[i];

		sysd_transition(g->info, l->id,
		    l->from >= 0 ? proto_state_name(l->from) : "-", proto_state_name(l->to),
		    proto_cause_name(l->cause), l->name, l->late_ms, l->has_late);
	}
	if (translog_cur == g)
		translog_cur = NULL;
	free(g->v);
	free(g);
}

void
translog_add(const struct proto_event *ev, const char *id, bool info)
{
	struct translog_set *g = translog_cur;
	struct translog_line *l;

	/* Nothing would print them (a reload that turns them on starts from here). */
	if (!info && !log_debug_enabled())
		return;
	if (g == NULL || g->seq != commit_seq()) {
		g = translog_cur = xcalloc(1, sizeof *g);
		g->seq = commit_seq();
		g->info = info;
		commit_after(translog_flush, g);
	}
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 256;
		g->v = xrealloc(g->v, g->cap * sizeof *g->v);
	}
	l = &g->v[g->n++];
	strcopy(l->id, sizeof l->id, id);
	l->from = ev->from;
	l->to = ev->to;
	l->cause = ev->cause;
	l->name = ev->name;
	l->late_ms = ev->late_ms;
	l->has_late = ev->due_at != 0;
}

size_t
translog_count(void)
{
	struct translog_set *g = translog_cur;

	return g != NULL && g->seq == commit_seq() ? g->n : 0;
}

void
translog_undo(size_t n)
{
	struct translog_set *g = translog_cur;

	if (g != NULL && g->seq == commit_seq())
		g->n = n;
}

