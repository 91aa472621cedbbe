#include "market.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "http.h"
#include "jsonw.h"
#include "proto.h"
#include "rulebook.h"
#include "web_int.h"

static void
market_duration(struct jsonw *w, const char *key, const struct rulebook_dl *dl, bool set)
{
	char buf[32];

	jsonw_key(w, key);
	if (set)
		jsonw_str(w, duration_text(&dl->d, buf, sizeof buf));
	else
		jsonw_null(w);
}

static void
market_params(struct jsonw *w, const struct rulebook_action *a)
{
	jsonw_arr(w);
	for (size_t k = 0; k < a->n_params; k++) {
		jsonw_obj(w);
		jsonw_key(w, "name");
		jsonw_str(w, a->params[k].name);
		jsonw_key(w, "type");
		jsonw_str(w, rulebook_ptype_name(a->params[k].type));
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
}

/* "wait": "48h", "pickup_date + 1d", or null. */
static void
market_wait(struct jsonw *w, const struct rulebook_action *a)
{
	char buf[32], text[RULEBOOK_ID_MAX + 40];
	const char *d;

	jsonw_key(w, "wait");
	if (!a->has_wait) {
		jsonw_null(w);
		return;
	}
	d = duration_text(&a->wait.d, buf, sizeof buf);
	if (a->wait_param >= 0)
		snprintf(text, sizeof text, "%s + %s", a->params[a->wait_param].name, d);
	else
		snprintf(text, sizeof text, "%s", d);
	jsonw_str(w, text);
}

static void
market_action(struct jsonw *w, const struct rulebook_action *a)
{
	jsonw_obj(w);
	jsonw_key(w, "name");
	jsonw_str(w, a->name);
	jsonw_key(w, "label");
	jsonw_str(w, a->label);
	jsonw_key(w, "params");
	market_params(w, a);
	jsonw_key(w, "to");
	jsonw_str(w, proto_state_name(a->to));
	market_wait(w, a);
	jsonw_key(w, "clock");
	jsonw_str_or_null(w, a->has_wait ? a->clock : "");
	jsonw_key(w, "on_timeout");
	jsonw_str_or_null(w, a->has_wait ? proto_state_name(a->on_timeout) : "");
	jsonw_key(w, "attempts");
	jsonw_bool(w, a->has_wait && a->attempts && a->on_timeout == PROTO_PENDING);
	jsonw_key(w, "envvias");
	jsonw_bool(w, a->envvias);
	jsonw_key(w, "line");
	jsonw_int(w, a->line);
	jsonw_obj_end(w);
}

static void
market_event(struct jsonw *w, const struct rulebook *b, const struct rulebook_event *e)
{
	jsonw_obj(w);
	jsonw_key(w, "name");
	jsonw_str(w, e->name);
	jsonw_key(w, "moves");
	jsonw_arr(w);
	for (size_t i = 0; i < e->n_moves; i++) {
		const struct rulebook_move *m = &e->moves[i];

		jsonw_obj(w);
		jsonw_key(w, "from");
		jsonw_str(w, proto_state_name(m->from));
		jsonw_key(w, "waiting_on");
		jsonw_str_or_null(w, m->only_action >= 0 ? b->actions[m->only_action].name :
		    "");
		jsonw_key(w, "to");
		jsonw_str(w, proto_state_name(m->to));
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	jsonw_obj_end(w);
}

static void
market_reason(struct jsonw *w, const struct rulebook *b, const struct rulebook_reason *r)
{
	jsonw_obj(w);
	jsonw_key(w, "name");
	jsonw_str(w, r->name);
	jsonw_key(w, "label");
	jsonw_str_or_null(w, r->label ? r->label : "");
	jsonw_key(w, "origin");
	jsonw_str(w, r->preventive ? "preventive" : "customer");
	jsonw_key(w, "actions");
	if (!r->has_actions)
		jsonw_null(w);
	else {
		jsonw_arr(w);
		for (size_t i = 0; i < b->n_actions; i++)
			if (r->actions & (UINT64_C(1) << i))
				jsonw_str(w, b->actions[i].name);
		jsonw_arr_end(w);
	}
	market_duration(w, "response", &r->response, r->response.line > 0);
	market_duration(w, "response_critical", &r->response_critical,
	    r->response_critical.line > 0);
	jsonw_obj_end(w);
}

static void
market_book(struct web *web, struct jsonw *w, const struct rulebook *b)
{
	jsonw_obj(w);
	jsonw_key(w, "name");
	jsonw_str(w, b->name);
	jsonw_key(w, "title");
	jsonw_str(w, b->title);
	jsonw_key(w, "default");
	jsonw_bool(w, b == config_default_book(web->cfg));
	jsonw_key(w, "file");
	jsonw_str(w, b->path);
	market_duration(w, "response", &b->response, true);
	market_duration(w, "response_critical", &b->response_critical, true);
	market_duration(w, "warn_before", &b->warn_before, true);
	market_duration(w, "reply_window", &b->reply_window, b->has_reply_window);
	jsonw_key(w, "calendar");
	jsonw_str(w, cal_kind_name(b->has_calendar ? b->calendar : web->cfg->holidays));
	jsonw_key(w, "actions");
	jsonw_arr(w);
	for (size_t i = 0; i < b->n_actions; i++)
		market_action(w, &b->actions[i]);
	jsonw_arr_end(w);
	jsonw_key(w, "events");
	jsonw_arr(w);
	for (size_t i = 0; i < b->n_events; i++)
		market_event(w, b, &b->events[i]);
	jsonw_arr_end(w);
	jsonw_key(w, "reasons");
	jsonw_arr(w);
	for (size_t i = 0; i < b->n_reasons; i++)
		market_reason(w, b, &b->reasons[i]);
	jsonw_arr_end(w);
	jsonw_obj_end(w);
}

void
market_list(struct web *web, struct evhttp_request *req, const char *unused)
{
	struct jsonw w;

	jsonw_init(&w, web->pool);
	jsonw_obj(&w);
	jsonw_key(&w, "default");
	jsonw_str(&w, config_default_book(web->cfg)->name);
	jsonw_key(&w, "items");
	jsonw_arr(&w);
	for (size_t i = 0; i < web->cfg->n_books; i++)
		market_book(web, &w, web->cfg->books[i]);
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	http_reply_jsonw(web->http, req, 200, &w);
	jsonw_free(&w);
}

void
market_get(struct web *web, struct evhttp_request *req, const char *name)
{
	const struct rulebook *b = config_book(web->cfg, name);
	struct jsonw w;

	if (b == NULL) {
		http_reply_error(web->http, req, 404, "marketplace_not_found", "no rulebook "
		    "of marketplace \"%.40s\" is loaded (GET /v1/marketplaces lists them)",
		    name);
		return;
	}
	jsonw_init(&w, web->pool);
	market_book(web, &w, b);
	http_reply_jsonw(web->http, req, 200, &w);
	jsonw_free(&w);
}
