#ifndef COUNTS_H
#define COUNTS_H

#include <stdint.h>

/*
 * The changes a transaction makes to the per-key counters (protocols by state and by
 * clock, history entries by cause), kept in memory and written once at its commit:
 * a trigger's UPDATE per row cost more than the transition itself.
 */

/* Keys: COUNTS_STATE + state, COUNTS_CLOCK + clock, COUNTS_CAUSE + cause. */
#define COUNTS_STATE 0
#define COUNTS_CLOCK 100
#define COUNTS_CAUSE 200
#define COUNTS_KEYS 300

struct counts;
struct store_stats;

struct counts *counts_new(void);
/* NULL is a no-op. */
void counts_free(struct counts *c);
/* Add d to key (0 <= key < COUNTS_KEYS; others are ignored). */
void counts_add(struct counts *c, int key, int d);
/* Forget everything (the transaction ended). */
void counts_clear(struct counts *c);
/* Sum the log by key into sums[COUNTS_KEYS]; returns how many keys are not zero. */
int counts_sum(const struct counts *c, int64_t sums[COUNTS_KEYS]);
/* A counter row read back (key k, count n) into the stats it counts; other keys are
 * ignored. */
void counts_to_stats(struct store_stats *out, int k, int64_t n);

#endif
