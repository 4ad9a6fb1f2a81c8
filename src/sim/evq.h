/*
 * evq.h - the pending-event set of a simulation.
 *
 * Events are ordered by (time, insertion sequence): two events at the same picosecond run in
 * the order they were scheduled, so a run is a pure function of its scenario and seed. The
 * queue owns its event records ("slots"); callers hold an evq_id handle, which stays safe to
 * use after the event has fired or been cancelled (a stale handle is simply not pending).
 *
 * Two interchangeable back ends sit behind one contract:
 *   EVQ_HEAP4     a 4-ary implicit heap of (time, seq, slot) entries; cancellation is lazy
 *                 (the slot's sequence number changes, stale entries are skipped when they
 *                 reach the top, and the heap is compacted when they outnumber live ones);
 *   EVQ_CALENDAR  R. Brown's calendar queue (CACM 31(10), 1988): buckets of sorted,
 *                 doubly-linked lists, resized as the population doubles or halves, with the
 *                 bucket width re-estimated from the spacing of the earliest events;
 *   EVQ_RADIX     a radix heap (Ahuja, Mehlhorn, Orlin, Tarjan, JACM 37(2), 1990), which
 *                 needs keys that never go below the last minimum - true of simulated
 *                 time - and keeps each bucket as a contiguous array.
 * bench/bench_evq measures both; docs/performance.md records which is faster and why the
 * default is what it is. tests/unit/test_evq cross-checks that they pop identical orders.
 *
 * Ownership: an evq belongs to one simulation and is touched only by its engine [E].
 */
#ifndef MPSTACK_SIM_EVQ_H
#define MPSTACK_SIM_EVQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_time.h"

struct sim;
typedef void (*evq_fn)(struct sim *sim, void *arg);

/* Handle to a scheduled event: the slot and the generation of the scheduling that filled
 * it. gen 0 means "no event". */
typedef struct evq_id {
    uint64_t seq; /* generation; unique over the queue's life */
    uint32_t slot;
} evq_id;

#define EVQ_NONE ((evq_id){0, 0})

static inline bool evq_id_valid(evq_id id) { return id.seq != 0; }

enum evq_kind {
    EVQ_HEAP4 = 0,
    EVQ_CALENDAR = 1,
    EVQ_RADIX = 2,
};

struct evq;

struct evq *evq_create(enum evq_kind kind);
void evq_destroy(struct evq *q);
enum evq_kind evq_kind(const struct evq *q);
const char *evq_kind_name(enum evq_kind kind);

/* Schedule fn(sim, arg) at `time`. `time` must not precede the last popped event. */
evq_id evq_push(struct evq *q, sim_time_t time, evq_fn fn, void *arg);

/* Remove a pending event. Returns false if it already fired or was cancelled. */
bool evq_cancel(struct evq *q, evq_id id);

bool evq_is_pending(const struct evq *q, evq_id id);

/* Pop the earliest event. Returns false when the queue is empty. */
bool evq_pop(struct evq *q, sim_time_t *time, evq_fn *fn, void **arg);

/* Time of the earliest pending event, SIM_TIME_MAX if none. */
sim_time_t evq_peek_time(struct evq *q);
/* A lower bound of the earliest pending time that does not change the queue (events may
 * still be pushed at any time not before the last popped one); 0 when the structure cannot
 * say. */
sim_time_t evq_bound(const struct evq *q);

/* Number of pending (live) events. */
size_t evq_size(const struct evq *q);

/* Testing hook: renumber order sequences once they reach `limit` instead of 2^40. */
void evq_set_seq_limit(struct evq *q, uint64_t limit);
uint64_t evq_renumber_count(const struct evq *q);

/* Invariant walker: aborts with file, line and the offending values if the structure is
 * inconsistent (heap order, bucket order and links, live count). O(n). */
void evq_check(const struct evq *q);

#endif
