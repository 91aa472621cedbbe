#include "clockrule.h"

#include <stdio.h>
#include <string.h>

/* Where the value in force comes from, best first (clockrule.h). */
struct clockrule_from {
	int dl;					/* the main file's key, or -1: none */
	const struct rulebook_dl *book_reason;	/* the rulebook's [reason.X], or NULL */
	const struct rulebook_dl *book;		/* the rulebook's own */
	int book_line;				/* its line when it is a default */
};

static void
clockrule_set(struct clockrule *out, const struct duration *d, const char *file, int line)
{
	out->d = *d;
	out->file = file;
	out->line = line;
}

/* The main file's [reason.X] of p that sets dl, or NULL. */
static const struct config_reason *
clockrule_main_reason(const struct config *cfg, const struct protocol *p, int dl)
{
	for (size_t i = 0; p->reason[0] && i < cfg->n_reasons; i++)
		if (cfg->reasons[i].set[dl] && strcmp(cfg->reasons[i].name, p->reason) == 0)
			return &cfg->reasons[i];
	return NULL;
}

static void
clockrule_value(const struct config *cfg, const struct rulebook *b,
    const struct protocol *p, const struct clockrule_from *f, struct clockrule *out)
{
	bool main = f->dl >= 0 && b == config_default_book(cfg);
	const struct config_reason *r = main ? clockrule_main_reason(cfg, p, f->dl) : NULL;

	if (r != NULL) {
		clockrule_set(out, &r->dl[f->dl], cfg->path, r->line[f->dl]);
		snprintf(out->source, sizeof out->source, "[reason.%s]", r->name);
	} else if (f->book_reason != NULL && f->book_reason->line > 0) {
		clockrule_set(out, &f->book_reason->d, b->path, f->book_reason->line);
		snprintf(out->source, sizeof out->source, "[reason.%s]", p->reason);
	} else if (main && cfg->dl_set[f->dl]) {
		clockrule_set(out, &cfg->dl[f->dl], cfg->path, cfg->dl_line[f->dl]);
		snprintf(out->source, sizeof out->source, "[deadlines]");
	} else {
		clockrule_set(out, &f->book->d, b->path, f->book->line ? f->book->line :
		    f->book_line);
		snprintf(out->source, sizeof out->source, "default");
	}
}

/* warn_before: the main file's for the default rulebook, else the rulebook's. */
static void
clockrule_warn(const struct config *cfg, const struct rulebook *b,
    const struct protocol *p, struct clockrule *out)
{
	const struct config_reason *r = NULL;
	bool main = b == config_default_book(cfg);

	if (main)
		r = clockrule_main_reason(cfg, p, CONFIG_DL_WARN_BEFORE);
	if (r != NULL)
		out->warn = r->dl[CONFIG_DL_WARN_BEFORE];
	else if (main && cfg->dl_set[CONFIG_DL_WARN_BEFORE])
		out->warn = cfg->dl[CONFIG_DL_WARN_BEFORE];
	else
		out->warn = b->warn_before.d;
}

static void
clockrule_base(const struct rulebook *b, const struct cal *cal, struct clockrule *out)
{
	memset(out, 0, sizeof *out);
	out->kind = PROTO_CLOCK_NONE;
	out->book = b->name;
	out->cal = b->cal != NULL ? b->cal : cal;
}

/* The response clock of p: 24 h critical / 48 h normal unless a rule says otherwise. */
static void
clockrule_response(const struct config *cfg, const struct rulebook *b,
    const struct protocol *p, struct clockrule *out)
{
	const struct rulebook_reason *r = p->reason[0] ? rulebook_reason(b, p->reason) : NULL;
	struct clockrule_from f = { CONFIG_DL_RESPONSE_NORMAL, NULL, &b->response, 0 };

	if (r != NULL && r->preventive)
		r = NULL;
	if (p->critical) {
		f = (struct clockrule_from){ CONFIG_DL_RESPONSE_CRITICAL,
		    r ? &r->response_critical : NULL, &b->response_critical, b->response.line };
		out->rule = "response_critical";
	} else {
		f.book_reason = r ? &r->response : NULL;
		out->rule = "response_normal";
	}
	out->kind = RULEBOOK_KIND_RESPONSE;
	out->name = "response";
	out->on_expiry = PROTO_MEDIATION;
	out->warns = true;
	clockrule_value(cfg, b, p, &f, out);
	clockrule_warn(cfg, b, p, out);
}

void
clockrule_entry(const struct config *cfg, const struct cal *cal, const struct rulebook *b,
    const struct protocol *p, enum proto_state s, struct clockrule *out)
{
	struct clockrule_from f = { CONFIG_DL_REPLY_WINDOW, NULL, &b->reply_window, 0 };

	clockrule_base(b, cal, out);
	if ((s == PROTO_PENDING || s == PROTO_UNRESOLVED) && p->origin != PROTO_PREVENTIVE)
		clockrule_response(cfg, b, p, out);
	else if (s == PROTO_CLOSED && b->has_reply_window) {
		out->kind = RULEBOOK_KIND_REPLY;
		out->name = out->rule = "reply_window";
		out->on_expiry = PROTO_RESOLVED;
		clockrule_value(cfg, b, p, &f, out);
	}
}

/* The main file's deadline key called name, or -1. */
static int
clockrule_dl(const char *name)
{
	for (int dl = 0; dl < CONFIG_DL_COUNT; dl++)
		if (strcmp(config_dl_name(dl), name) == 0)
			return dl;
	return -1;
}

void
clockrule_wait(const struct config *cfg, const struct cal *cal, const struct rulebook *b,
    const struct protocol *p, int i, struct clockrule *out)
{
	const struct rulebook_action *a = &b->actions[i];
	struct clockrule_from f = { clockrule_dl(a->config_key), NULL, &a->wait, a->line };

	clockrule_base(b, cal, out);
	out->kind = a->kind;
	out->name = a->clock;
	out->rule = a->config_key;
	out->on_expiry = (enum proto_state)a->on_timeout;
	out->attempt = a->attempts && a->on_timeout == PROTO_PENDING ? a->name : NULL;
	out->date_param = a->wait_param >= 0 ? a->params[a->wait_param].name : NULL;
	clockrule_value(cfg, b, p, &f, out);
}

void
clockrule_expiry_now(const struct rulebook *b, int kind, enum proto_state *to,
    const char **attempt)
{
	const struct rulebook_action *a = b != NULL ? rulebook_kind_action(b, kind) : NULL;

	*attempt = NULL;
	if (kind == RULEBOOK_KIND_RESPONSE)
		*to = PROTO_MEDIATION;
	else if (kind == RULEBOOK_KIND_REPLY)
		*to = PROTO_RESOLVED;
	else if (a == NULL)
		*to = PROTO_PENDING;
	else {
		*to = (enum proto_state)a->on_timeout;
		if (a->attempts && a->on_timeout == PROTO_PENDING)
			*attempt = a->name;
	}
}
