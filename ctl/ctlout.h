#ifndef CTLOUT_H
#define CTLOUT_H

/*
 * The pieces protocolctl's output is made of: JSON for scripts, "label: value" lines,
 * tables and spans of time for people, and the report of a refused request on stderr.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* The states (spec.md §3) and clock kinds in display order, NULL-terminated. */
extern const char *const ctlout_states[];
extern const char *const ctlout_kinds[];

/* v on stdout, indented by two (on one line after ctlout_json_lines), in the daemon's
 * key order, then a newline. */
void ctlout_json(const json_t *v);
/* From now on, ctlout_json prints one line per value: for commands that print NDJSON. */
void ctlout_json_lines(void);
/* From now on, tables print no header row and views no footer (--no-legend). */
void ctlout_no_legend(void);
/* False after ctlout_no_legend: whether a view prints its legend lines. */
bool ctlout_has_legend(void);
/*
 * A refused request for people, on stderr: "protocolctl: TITLE: DETAIL", then the
 * allowed actions and the listed errors when the problem document has them. When
 * problem is NULL (the answer was not JSON), the status, reason and body stand in.
 */
void ctlout_problem(const json_t *problem, int status, const char *reason,
    const char *body);
/* A problem document standing in for an answer that was not one. New reference. */
json_t *ctlout_problem_new(int status, const char *reason, const char *body);
/* secs for people: "1d 4h 3m", "2h", "45s"; negative "-5m". Returns buf. */
char *ctlout_span(long long secs, char *buf, size_t len);
/* ms for people: "120ms" below a second, else as ctlout_span. Returns buf. */
char *ctlout_span_ms(long long ms, char *buf, size_t len);
/* A JSON value for people: a string as it is, an integer, "yes"/"no", "-" for null or
 * NULL, compact JSON for the rest (cut to fit). Returns buf or a constant. */
const char *ctlout_value(const json_t *v, char *buf, size_t len);
/* The portal label of a state ("awaiting" → "Aguardando"), or NULL. */
const char *ctlout_state_label(const char *state);
/* A progress line on stderr when it is a terminal: rewritten in place ("\r"), ended
 * by ctlout_progress_end. Does nothing when stderr is not a terminal. */
void ctlout_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* End the progress line (a newline), if one was printed. */
void ctlout_progress_end(void);
/* One aligned "label: value" line on stdout; an empty label continues the line above
 * (the value aligned under its value). */
void ctlout_kv(const char *label, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Text tables: a header row, then rows, columns padded to their widest cell. */
struct ctlout_table;

/* A table of ncols columns headed by header[0..ncols) (after ctlout_no_legend, the
 * header is not printed but its widths still count). */
struct ctlout_table *ctlout_table_new(size_t ncols, const char *const *header);
/* Append a row of ncols cells (copied; NULL is written "-"). */
void ctlout_table_add(struct ctlout_table *t, const char *const *cells);
/* Make column col at least width characters wide. */
void ctlout_table_min(struct ctlout_table *t, size_t col, size_t width);
/* Print the header and the rows, two spaces between columns, no trailing blanks. */
void ctlout_table_print(const struct ctlout_table *t, FILE *f);
/*
 * Print the rows added since the last flush (the header with the first) and forget
 * them: for tables that arrive in pieces. The columns keep the widths of the first
 * flush (set them with ctlout_table_min for what may come): a wider cell later pushes
 * the rest of its row right, which is back in line at the next column with room.
 */
void ctlout_table_flush(struct ctlout_table *t, FILE *f);
/* Free; NULL is a no-op. */
void ctlout_table_free(struct ctlout_table *t);

#endif
