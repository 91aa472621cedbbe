/*
 * Output primitives. Everything for scripts goes to stdout as JSON; everything for
 * people about a failure goes to stderr through the log module ("protocolctl: …").
 */

#include "ctlout.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "xmalloc.h"

#define CTLOUT_LABEL_WIDTH 19	/* "expirations fired:" and a space */

const char *const ctlout_states[] = {
	"pending", "awaiting", "closed", "unresolved", "mediation", "resolved", NULL
};

const char *const ctlout_kinds[] = {
	"response", "photos_wait", "address_wait", "posting_wait", "pickup_wait",
	"letter_wait", "reply_window", NULL
};

/* The portal's words for the states (spec.md §3), in ctlout_states order. */
static const char *const ctlout_labels[] = {
	"Pendente", "Aguardando", "Encerrado", "Não resolvido", "Mediado", "Resolvido"
};

static size_t ctlout_json_flags = JSON_INDENT(2);
/* Whether tables print their header row and views their footer (--no-legend). Set once
 * by the option parser, like ctlout_json_flags: the views take no options. */
static bool ctlout_legend = true;

void
ctlout_json(const json_t *v)
{
	json_dumpf(v, stdout, ctlout_json_flags | JSON_ENCODE_ANY);
	fputc('\n', stdout);
}

void
ctlout_json_lines(void)
{
	ctlout_json_flags = JSON_COMPACT;
}

void
ctlout_no_legend(void)
{
	ctlout_legend = false;
}

bool
ctlout_has_legend(void)
{
	return ctlout_legend;
}

/* A problem's list member (a string, or an object with a message) for people. */
static void
ctlout_problem_item(const char *what, const json_t *item)
{
	char buf[1024];
	const json_t *msg = json_object_get(item, "message");

	if (json_is_string(msg))
		item = msg;
	log_warnx("%s %s", what, ctlout_value(item, buf, sizeof buf));
}

/* The first line of body, for an answer that is not a problem document. */
static void
ctlout_raw_problem(int status, const char *reason, const char *body)
{
	int n = (int)strcspn(body != NULL ? body : "", "\r\n");

	if (n > 0)
		log_warnx("HTTP %d %s: %.*s", status, reason, n > 300 ? 300 : n, body);
	else
		log_warnx("HTTP %d %s", status, reason);
}

void
ctlout_problem(const json_t *problem, int status, const char *reason, const char *body)
{
	const char *title = json_string_value(json_object_get(problem, "title"));
	const char *detail = json_string_value(json_object_get(problem, "detail"));
	const json_t *allowed = json_object_get(problem, "allowed");
	const json_t *errors = json_object_get(problem, "errors");
	const json_t *v;
	char buf[1024];
	size_t i;

	if (title == NULL && detail == NULL) {
		ctlout_raw_problem(status, reason, body);
		return;
	}
	if (title != NULL && detail != NULL)
		log_warnx("%s: %s", title, detail);
	else
		log_warnx("%s", title != NULL ? title : detail);
	if (json_is_array(allowed)) {
		buf[0] = '\0';
		json_array_foreach(allowed, i, v)
			snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s",
			    i > 0 ? ", " : "", json_is_string(v) ? json_string_value(v) : "?");
		log_warnx("allowed: %s", i > 0 ? buf : "nothing");
	}
	json_array_foreach(errors, i, v)
		ctlout_problem_item("  -", v);
}

json_t *
ctlout_problem_new(int status, const char *reason, const char *body)
{
	size_t n = body != NULL ? strlen(body) : 0;
	json_t *p = json_object();

	while (n > 0 && strchr(" \t\r\n", body[n - 1]) != NULL)
		n--;
	/* Members that are not UTF-8 (json_string* gives NULL) are left out. */
	json_object_set_new(p, "type", json_string("about:blank"));
	json_object_set_new(p, "title", json_string(reason != NULL ? reason : ""));
	json_object_set_new(p, "status", json_integer(status));
	json_object_set_new(p, "detail", json_stringn(n > 0 ? body : "", n));
	return p;
}

char *
ctlout_span(long long secs, char *buf, size_t len)
{
	unsigned long long s = secs < 0 ? -(unsigned long long)secs : (unsigned long long)secs;
	const char *sign = secs < 0 ? "-" : "";
	unsigned long long d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60;
	size_t off;

	if (s < 60) {
		snprintf(buf, len, "%s%llus", sign, s);
		return buf;
	}
	off = (size_t)snprintf(buf, len, "%s", sign);
	if (d > 0 && off < len)
		off += (size_t)snprintf(buf + off, len - off, "%llud ", d);
	if (h > 0 && off < len)
		off += (size_t)snprintf(buf + off, len - off, "%lluh ", h);
	if (m > 0 && off < len)
		off += (size_t)snprintf(buf + off, len - off, "%llum ", m);
	if (off > 0 && off <= len && buf[off - 1] == ' ')
		buf[off - 1] = '\0';
	return buf;
}

char *
ctlout_span_ms(long long ms, char *buf, size_t len)
{
	if (ms > -1000 && ms < 1000) {
		snprintf(buf, len, "%lldms", ms);
		return buf;
	}
	return ctlout_span(ms / 1000, buf, len);
}

const char *
ctlout_value(const json_t *v, char *buf, size_t len)
{
	size_t n;

	if (v == NULL || json_is_null(v))
		return "-";
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_boolean(v))
		return json_is_true(v) ? "yes" : "no";
	if (json_is_integer(v)) {
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	n = json_dumpb(v, buf, len - 1, JSON_COMPACT | JSON_ENCODE_ANY);
	buf[n < len ? n : len - 1] = '\0';
	return buf;
}

const char *
ctlout_state_label(const char *state)
{
	size_t i;

	for (i = 0; state != NULL && ctlout_states[i] != NULL; i++)
		if (strcmp(state, ctlout_states[i]) == 0)
			return ctlout_labels[i];
	return NULL;
}

void
ctlout_kv(const char *label, const char *fmt, ...)
{
	int pad = CTLOUT_LABEL_WIDTH - 1 - (int)strlen(label);
	char value[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof value, fmt, ap);
	va_end(ap);
	if (label[0] == '\0')
		printf("%*s%s\n", CTLOUT_LABEL_WIDTH, "", value);
	else if (value[0] == '\0')
		printf("%s:\n", label);
	else
		printf("%s:%*s%s\n", label, pad > 1 ? pad : 1, "", value);
}

static int ctlout_progress_shown;

void
ctlout_progress(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (!isatty(STDERR_FILENO))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\r%s\033[K", line);	/* the terminal's progress line, not a log */
	fflush(stderr);
	ctlout_progress_shown = 1;
}

void
ctlout_progress_end(void)
{
	if (!ctlout_progress_shown)
		return;
	fputc('\n', stderr);
	ctlout_progress_shown = 0;
}

/* Tables keep their cells until printed; the widths of all cells added are kept. */
struct ctlout_table {
	size_t ncols;
	size_t nrows;		/* not printed yet, the header included before the first print */
	size_t cap;		/* rows allocated */
	char **cells;		/* nrows * ncols */
	size_t *w;		/* the widest cell of each column so far */
	bool frozen;		/* printed once by ctlout_table_flush: w no longer grows */
	bool hidden;		/* the first row is the header, not printed (--no-legend) */
};

/* Characters in a UTF-8 string: the bytes that do not continue a sequence. */
static size_t
ctlout_table_width(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

struct ctlout_table *
ctlout_table_new(size_t ncols, const char *const *header)
{
	struct ctlout_table *t = xcalloc(1, sizeof *t);

	t->ncols = ncols;
	t->w = xcalloc(ncols, sizeof *t->w);
	/* Without the legend the header still sets the widths: the rows are those
	 * of the table with it. */
	ctlout_table_add(t, header);
	t->hidden = !ctlout_legend;
	return t;
}

void
ctlout_table_add(struct ctlout_table *t, const char *const *cells)
{
	size_t i, cw;
	char *cell;

	if (t->nrows == t->cap) {
		t->cap = t->cap == 0 ? 64 : t->cap * 2;
		t->cells = xrealloc(t->cells, t->cap * t->ncols * sizeof *t->cells);
	}
	for (i = 0; i < t->ncols; i++) {
		cell = xstrdup(cells[i] != NULL ? cells[i] : "-");
		if ((cw = ctlout_table_width(cell)) > t->w[i] && !t->frozen)
			t->w[i] = cw;
		t->cells[t->nrows * t->ncols + i] = cell;
	}
	t->nrows++;
}

void
ctlout_table_min(struct ctlout_table *t, size_t col, size_t width)
{
	if (col < t->ncols && t->w[col] < width)
		t->w[col] = width;
}

/*
 * Each column starts where the widths say; a cell wider than its column (only in a
 * table printed in pieces) pushes the rest of its row right by as little as it can,
 * two blanks at least, and the row is back in line at the next column with room.
 */
static void
ctlout_table_row(const struct ctlout_table *t, char *const *row, FILE *f)
{
	size_t c, pos = 0, start = 0;
	int pad;

	for (c = 0; c < t->ncols; c++) {
		fputs(row[c], f);
		pos += ctlout_table_width(row[c]);
		if (c + 1 == t->ncols)
			break;
		start += t->w[c] + 2;
		pad = start > pos + 2 ? (int)(start - pos) : 2;
		fprintf(f, "%*s", pad, "");
		pos += (size_t)pad;
	}
	fputc('\n', f);
}

void
ctlout_table_print(const struct ctlout_table *t, FILE *f)
{
	size_t r;

	for (r = t->hidden ? 1 : 0; r < t->nrows; r++)
		ctlout_table_row(t, t->cells + r * t->ncols, f);
}

static void
ctlout_table_clear(struct ctlout_table *t)
{
	size_t i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	t->nrows = 0;
	t->hidden = false;
}

void
ctlout_table_flush(struct ctlout_table *t, FILE *f)
{
	ctlout_table_print(t, f);
	ctlout_table_clear(t);
	t->frozen = true;
}

void
ctlout_table_free(struct ctlout_table *t)
{
	if (t == NULL)
		return;
	ctlout_table_clear(t);
	free(t->cells);
	free(t->w);
	free(t);
}
