#ifndef SCHED_H
#define SCHED_H

#include <stdint.h>

struct event_base;

/*
 * The scheduler: one re-armable timer on the head of the deadline index (the store's
 * smallest clock_next). When it fires it applies what is due in batches, one
 * transaction each, yielding to the loop between batches. It never sleeps more than
 * SCHED_MAX_SLEEP_MS without reading the wall clock again, so a clock step or a
 * suspend cannot leave a deadline unfired.
 */

#define SCHED_MAX_SLEEP_MS 60000
/* A batch: at most SCHED_BATCH points in one transaction, and no more than
 * SCHED_BATCH_US of the loop's time, so a long catch-up keeps answering clients. Big
 * batches share their pages and their fsync: 2048 drained 1M clocks 15% faster than
 * 512. */
#define SCHED_BATCH 2048
#define SCHED_BATCH_US 20000
/* While the last commit's sync is in flight, batches go on into the open transaction
 * (it commits once that sync is over), up to this many points. */
#define SCHED_OPEN_MAX (4 * SCHED_BATCH)
/* A catch-up (more due than a batch) holds its transaction open this long at most, so
 * that up to SCHED_OPEN_MAX points share one commit; what it delays is the answer to
 * the writes that join it, never when a clock is applied. */
#define SCHED_HOLD_US 200000

struct clock;
struct engine;
struct store;
struct turn;

struct sched;

/* Schedule the clocks of st on base: the timer reads now from clock, applies through
 * engine in turn's transactions. Never NULL. */
struct sched *sched_new(struct event_base *base, struct store *st, struct engine *e,
    struct turn *t, const struct clock *clock);
/* NULL is a no-op. */
void sched_free(struct sched *s);
/* Look at the head again (after a commit, a clock change or at start). */
void sched_kick(struct sched *s);
/* Another instance moved a clock of ours to `at` (INT64_MIN: what we own changed):
 * look at the head again if that is before the timer. */
void sched_wake(struct sched *s, int64_t at);
/* Run fn(arg) once nothing is due any more at the current time (at once if so). */
void sched_when_idle(struct sched *s, void (*fn)(void *), void *arg);
/* How many clock points (expiries and warnings) were applied since start and are
 * durable (counted once their commit is on disk). */
int64_t sched_fired_count(const struct sched *s);
/* How long ago (ms) the oldest clock point that is due at now and not yet applied fell
 * due, 0 when none is: from the head as the scheduler last read it (after each batch
 * and each commit), so it grows while the store cannot apply or be read. On a cluster,
 * of this instance's shards (the head is of those). */
int64_t sched_oldest_due(const struct sched *s, int64_t now);

#endif
