#ifndef COUNTS_H
#define COUNTS_H

#include <stddef.h>
#include <stdint.h>

/*
 * The changes a transaction makes to the per-key counters (protocols by state, by
 * marketplace and state, and by clock kind; history entries by cause), kept in memory
 * and written once at its commit: a trigger's UPDATE per row cost more than the
 * transition itself.
 */

/* Keys. A clock kind below 100 keeps the key it had before rulebooks (100 + kind);
 * other kinds (hashed names, rulebook.h) count from COUNTS_CLOCK_HIGH. A marketplace's
 * states count from COUNTS_MARKET + 8 x its number. */
#define COUNTS_STATE 0
#define COUNTS_CLOCK 100
#define COUNTS_CAUSE 200
#define COUNTS_CLOCK_HIGH 10000
#define COUNTS_MARKET 1000000

struct counts;
struct store_stats;
struct protocol;

struct counts *counts_new(void);
/* NULL is a no-op. */
void counts_free(struct counts *c);
/* Add d to key (key >= 0). */
void counts_add(struct counts *c, int key, int d);
/* The key of clock kind, and of a marketplace (its name) in state s. */
int counts_clock_key(int kind);
int counts_market_key(const char *marketplace, int s);
/* Count p as one more (d = 1) or one less (-1) by its state, its marketplace's state
 * and its clock. */
void counts_protocol(struct counts *c, const struct protocol *p, int d);
/* Count p's move from what was stored (p->stored_*) to what it is now, then take
 * now as stored. */
void counts_move(struct counts *c, struct protocol *p);
/* Forget everything (the transaction ended). */
void counts_clear(struct counts *c);
/* The keys whose sum is not zero, in key order (the order rows are locked in):
 * how many; key i and its sum through counts_at. */
size_t counts_n(const struct counts *c);
void counts_at(const struct counts *c, size_t i, int *key, int64_t *sum);
/* A counter row read back (key k, count n) into the stats it counts; other keys are
 * ignored. */
void counts_to_stats(struct store_stats *out, int k, int64_t n);

#endif
