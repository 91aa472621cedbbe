/*
 * fuzz_rulebook: rbread_parse on the input as the text of a rulebook (any bytes: no
 * NUL is added, so ASan sees a read past its end), then the result freed. Checks the
 * reader's promises (rbread.h, rulebook.h): a rulebook or errors, never both; every
 * error line is "fuzz.ini:…\n", at most the cap written and the rest counted; what it
 * accepts holds together (names, states, waits, clocks, moves, reasons' actions). The
 * same input parsed with a cap of 0 counts the same errors and writes none.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rbread.h"
#include "rulebook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "fuzz_rulebook: %s:%d: check failed: %s\n",	\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

#define FUZZ_PATH "fuzz.ini"
#define FUZZ_MAX_ERRORS 100

/* Every line is "fuzz.ini:…\n"; as many lines as were written. */
static void
fuzz_check_errors(const char *errors, int n)
{
	const char *line = errors, *nl;
	int lines = 0;

	FUZZ_CHECK(errors != NULL && errors[0] != '\0');
	FUZZ_CHECK(errors[strlen(errors) - 1] == '\n');
	for (; *line != '\0'; line = nl + 1, lines++) {
		nl = strchr(line, '\n');
		FUZZ_CHECK(nl != NULL);
		FUZZ_CHECK(strncmp(line, FUZZ_PATH ":", strlen(FUZZ_PATH ":")) == 0);
	}
	FUZZ_CHECK(lines == (n < FUZZ_MAX_ERRORS ? n : FUZZ_MAX_ERRORS));
}

static void
fuzz_check_duration(const struct rulebook_dl *dl, bool zero_ok)
{
	const struct duration *d = &dl->d;

	FUZZ_CHECK(d->ms >= 0 && d->bdays >= 0);
	FUZZ_CHECK(d->bdays == 0 || d->ms == 0);
	FUZZ_CHECK(zero_ok || d->ms > 0 || d->bdays > 0);
	FUZZ_CHECK(memchr(d->text, '\0', sizeof d->text) != NULL);
	FUZZ_CHECK(dl->line >= 0);
}

static bool
fuzz_is_date(enum rulebook_ptype t)
{
	return t == RULEBOOK_DATE || t == RULEBOOK_DATE_FUTURE;
}

static void
fuzz_check_action(const struct rulebook *b, size_t i)
{
	const struct rulebook_states *st = &rulebook_states;
	const struct rulebook_action *a = &b->actions[i];

	FUZZ_CHECK(rbread_id_ok(a->name));
	FUZZ_CHECK(rulebook_action(b, a->name) == a);	/* names are unique */
	FUZZ_CHECK(a->label != NULL && a->label[0] != '\0');
	FUZZ_CHECK(a->line > 0);
	FUZZ_CHECK(a->to == st->awaiting || a->to == st->closed || a->to == st->resolved ||
	    a->to == st->pending);
	FUZZ_CHECK(a->to != st->closed || b->has_reply_window);
	FUZZ_CHECK(a->has_wait == (a->to == st->awaiting));
	FUZZ_CHECK(a->on_timeout == st->pending || a->on_timeout == st->mediation ||
	    a->on_timeout == st->resolved);
	FUZZ_CHECK(a->n_params <= RULEBOOK_MAX_PARAMS);
	for (size_t k = 0; k < a->n_params; k++) {
		FUZZ_CHECK(rbread_id_ok(a->params[k].name));
		FUZZ_CHECK(strcmp(a->params[k].name, "action") != 0);
		FUZZ_CHECK(a->params[k].type >= RULEBOOK_TEXT &&
		    a->params[k].type <= RULEBOOK_URL);
		FUZZ_CHECK(rulebook_ptype_name(a->params[k].type) != NULL);
		for (size_t j = 0; j < k; j++)
			FUZZ_CHECK(strcmp(a->params[j].name, a->params[k].name) != 0);
	}
	FUZZ_CHECK(a->clock != NULL && rbread_id_ok(a->clock));
	FUZZ_CHECK(a->config_key != NULL && rbread_id_ok(a->config_key));
	FUZZ_CHECK(a->clock_line > 0);
	if (!a->has_wait) {
		FUZZ_CHECK(a->kind == 0 && a->wait_param == -1);
		return;
	}
	FUZZ_CHECK(a->wait.line > 0);
	fuzz_check_duration(&a->wait, a->wait_param >= 0);
	FUZZ_CHECK(a->wait_param < (int)a->n_params);
	FUZZ_CHECK(a->wait_param < 0 || fuzz_is_date(a->params[a->wait_param].type));
	FUZZ_CHECK(a->kind == rulebook_kind_number(a->clock));
	FUZZ_CHECK(a->kind > RULEBOOK_KIND_RESPONSE && a->kind <= RULEBOOK_KIND_MAX &&
	    a->kind != RULEBOOK_KIND_REPLY);
	FUZZ_CHECK(rulebook_kind_action(b, a->kind) == a);	/* a clock each */
}

static void
fuzz_check_events(const struct rulebook *b)
{
	const struct rulebook_states *st = &rulebook_states;

	FUZZ_CHECK(b->n_events <= RULEBOOK_MAX_EVENTS);
	for (size_t i = 0; i < b->n_events; i++) {
		const struct rulebook_event *e = &b->events[i];

		FUZZ_CHECK(rbread_id_ok(e->name));
		FUZZ_CHECK(rulebook_event(b, e->name) == e);
		FUZZ_CHECK(e->n_moves > 0 && e->line > 0);
		for (size_t k = 0; k < e->n_moves; k++) {
			const struct rulebook_move *m = &e->moves[k];

			FUZZ_CHECK(m->from >= 0 && (size_t)m->from < st->n);
			FUZZ_CHECK(m->to >= 0 && (size_t)m->to < st->n);
			FUZZ_CHECK(m->from != m->to);
			FUZZ_CHECK(m->to != st->closed || b->has_reply_window);
			FUZZ_CHECK(m->line > e->line);
			if (m->only_action >= 0) {
				FUZZ_CHECK(m->from == st->awaiting);
				FUZZ_CHECK((size_t)m->only_action < b->n_actions);
				FUZZ_CHECK(b->actions[m->only_action].to == st->awaiting);
			} else
				FUZZ_CHECK(m->only_action == -1);
		}
	}
}

static void
fuzz_check_reasons(const struct rulebook *b)
{
	FUZZ_CHECK(b->n_reasons <= RULEBOOK_MAX_REASONS);
	for (size_t i = 0; i < b->n_reasons; i++) {
		const struct rulebook_reason *r = &b->reasons[i];

		FUZZ_CHECK(rbread_id_ok(r->name));
		FUZZ_CHECK(rulebook_reason(b, r->name) == r);
		FUZZ_CHECK(r->line > 0);
		FUZZ_CHECK(!r->preventive || r->has_actions);
		FUZZ_CHECK(!r->preventive || (r->response.line == 0 &&
		    r->response_critical.line == 0));
		FUZZ_CHECK(r->has_actions || r->actions == 0);
		FUZZ_CHECK(b->n_actions == 64 || (r->actions >> b->n_actions) == 0);
		if (r->response.line)
			fuzz_check_duration(&r->response, false);
		if (r->response_critical.line)
			fuzz_check_duration(&r->response_critical, false);
	}
}

static void
fuzz_check_book(const struct rulebook *b)
{
	FUZZ_CHECK(strcmp(b->path, FUZZ_PATH) == 0);
	FUZZ_CHECK(b->name != NULL && rulebook_name_ok(b->name));
	FUZZ_CHECK(b->title != NULL && b->title[0] != '\0');
	FUZZ_CHECK(b->line > 0);
	FUZZ_CHECK(b->market == rulebook_market_number(b->name));
	FUZZ_CHECK(b->market >= 0 && b->market < RULEBOOK_MARKET_IDS);
	FUZZ_CHECK(b->response.line > 0);
	fuzz_check_duration(&b->response, false);
	fuzz_check_duration(&b->response_critical, false);
	fuzz_check_duration(&b->warn_before, true);
	FUZZ_CHECK(b->has_reply_window == (b->reply_window.line > 0));
	if (b->has_reply_window)
		fuzz_check_duration(&b->reply_window, false);
	for (size_t i = 1; i < b->n_extra_holidays; i++)
		FUZZ_CHECK(b->extra_holidays[i - 1] < b->extra_holidays[i]);
	FUZZ_CHECK(b->cal == NULL);	/* made by the configuration's loader */
	FUZZ_CHECK(b->n_actions <= RULEBOOK_MAX_ACTIONS);
	for (size_t i = 0; i < b->n_actions; i++)
		fuzz_check_action(b, i);
	fuzz_check_events(b);
	fuzz_check_reasons(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	char *errors = NULL, *none = NULL;
	int n = 0, n0 = 0;
	struct rbread_errors err = { &errors, &n, FUZZ_MAX_ERRORS };
	struct rbread_errors err0 = { &none, &n0, 0 };
	struct rulebook *b = rbread_parse(FUZZ_PATH, text, size, &rulebook_states, &err);
	struct rulebook *b0 = rbread_parse(FUZZ_PATH, text, size, &rulebook_states, &err0);

	FUZZ_CHECK((b == NULL) == (n > 0));
	FUZZ_CHECK((b == NULL) == (errors != NULL));
	FUZZ_CHECK(n0 == n && none == NULL);
	FUZZ_CHECK((b0 == NULL) == (b == NULL));
	if (b != NULL) {
		fuzz_check_book(b);
		FUZZ_CHECK(b->digest == b0->digest);
	} else
		fuzz_check_errors(errors, n);
	rulebook_free(b);
	rulebook_free(b0);
	free(errors);
	return 0;
}
