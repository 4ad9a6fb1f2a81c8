/*
 * evq_var.h - the event queue's internals, shared by evq.c and its two back ends.
 * Everything here is engine-only [E].
 */
#ifndef MPSTACK_SIM_EVQ_VAR_H
#define MPSTACK_SIM_EVQ_VAR_H

#include "evq.h"

#define EVQ_NIL UINT32_MAX

/* Order numbers ("seq") are 40 bits so that a heap entry is 16 bytes; the slot index takes
 * the other 24 bits, which bounds the number of event records at 2^24 - 1 (16.7 million
 * pending events). When seq would reach 2^40 (about 10^12 schedules) every pending event is
 * renumbered 1..n in its current order (evq_renumber), which changes no outcome. */
#define EVQ_SEQ_BITS 40
#define EVQ_SLOT_BITS 24
#define EVQ_SEQ_LIMIT (UINT64_C(1) << EVQ_SEQ_BITS)
#define EVQ_MAX_SLOTS ((UINT32_C(1) << EVQ_SLOT_BITS) - 1)

/* The event record of the heap and calendar back ends (the radix heap keeps the same data
 * in its bucket entries instead). It is live while seq != 0. */
struct evq_slot {
    uint64_t seq;
    sim_time_t time;
    evq_fn fn;
    void *arg;
    uint32_t next; /* calendar: bucket list */
    uint32_t prev; /* calendar: bucket list */
};

/* Heap entry: the key (time, seq) and the slot, in 16 bytes, so the four children of a node
 * fill exactly one cache line. Sifting never dereferences a slot. */
struct evq_hent {
    sim_time_t time;
    uint64_t seq_slot; /* seq << 24 | slot */
};

static inline uint32_t hent_slot(const struct evq_hent *e)
{
    return (uint32_t)(e->seq_slot & EVQ_MAX_SLOTS);
}

static inline uint64_t hent_seq(const struct evq_hent *e) { return e->seq_slot >> EVQ_SLOT_BITS; }

struct evq_heap {
    struct evq_hent *a;  /* a[0] is the root; a + 1 is 64-byte aligned */
    void *mem;           /* allocation behind a */
    size_t n, cap;
    size_t stale;        /* entries whose slot died (cancelled) */
};

#define EVQ_RADIX_BUCKETS 129

/* Radix entries carry the event itself, so a pop reads no slot (see evq_radix.c). */
struct evq_rent {
    sim_time_t time;
    uint64_t seq_slot; /* as in evq_hent */
    evq_fn fn;
    void *arg;
};

struct evq_rbucket {
    struct evq_rent *a;
    uint32_t n, cap;
};

struct evq_radix {
    struct evq_rbucket b[EVQ_RADIX_BUCKETS];
    unsigned __int128 last; /* every entry's key is >= last */
    uint64_t mask[3];       /* bit i: bucket i not empty */
    size_t n;               /* entries, stale ones included */
    uint64_t moves;         /* entries redistributed (for docs/performance.md) */
    /* Slots cancelled while their entry still sits in a bucket: an open-addressing set of
     * slot numbers, small and cache resident, consulted on pop instead of the slot table. */
    uint32_t *dead;
    size_t dead_cap, dead_n;
};

struct evq_cal {
    uint32_t *head, *tail; /* per bucket, EVQ_NIL when empty */
    uint32_t nb;           /* bucket count, a power of two */
    sim_time_t width;      /* bucket width in ps, >= 1 */
    uint32_t cur;          /* bucket holding the last popped time */
    sim_time_t cur_top;    /* end of that bucket's current window */
    uint64_t resizes;
};

struct evq {
    enum evq_kind kind;
    /* Slot numbers name pending events. gen[s] is the generation of the event in slot s (0
     * when none), which is what a handle is checked against; it is a dense array of its
     * own so that validating or invalidating a handle touches 8 bytes, not a record. */
    uint64_t *gen;
    size_t nslots, gen_cap;
    uint32_t *free;        /* stack of free slot numbers */
    size_t nfree, free_cap;
    struct evq_slot *slots; /* heap and calendar only */
    size_t slots_cap;
    uint64_t next_seq;
    uint64_t seq_limit;    /* EVQ_SEQ_LIMIT; lowered by tests to exercise renumbering */
    uint64_t next_gen;
    uint64_t renumbers;
    size_t live;
    sim_time_t last_pop;
    struct evq_heap heap;
    struct evq_cal cal;
    struct evq_radix radix;
};

static inline bool evq_before(sim_time_t ta, uint64_t sa, sim_time_t tb, uint64_t sb)
{
    return ta < tb || (ta == tb && sa < sb);
}

/* What a back end's pop hands to evq_pop. */
struct evq_popped {
    uint32_t slot;
    sim_time_t time;
    evq_fn fn;
    void *arg;
};

/* evq.c */
void evq_slot_free(struct evq *q, uint32_t s); /* gen 0, back on the free stack */

/* Back ends. push gets a fresh slot and the event; pop returns false when empty; cancel is
 * called after gen[slot] was cleared and owns freeing the slot (now or later); renumber
 * gives the pending events seq 1..live in their current order and sets q->next_seq. */
void evq_heap_init(struct evq *q);
void evq_heap_fini(struct evq *q);
void evq_heap_push(struct evq *q, uint32_t slot, sim_time_t t, uint64_t seq, evq_fn fn, void *arg);
bool evq_heap_pop(struct evq *q, struct evq_popped *out);
void evq_heap_cancel(struct evq *q, uint32_t slot);
sim_time_t evq_heap_peek(struct evq *q);
sim_time_t evq_heap_bound(const struct evq *q);
void evq_heap_renumber(struct evq *q);
void evq_heap_check(const struct evq *q);

void evq_cal_init(struct evq *q);
void evq_cal_fini(struct evq *q);
void evq_cal_push(struct evq *q, uint32_t slot, sim_time_t t, uint64_t seq, evq_fn fn, void *arg);
bool evq_cal_pop(struct evq *q, struct evq_popped *out);
void evq_cal_cancel(struct evq *q, uint32_t slot);
sim_time_t evq_cal_peek(struct evq *q);
void evq_cal_renumber(struct evq *q);
void evq_cal_check(const struct evq *q);

void evq_radix_init(struct evq *q);
void evq_radix_fini(struct evq *q);
void evq_radix_push(struct evq *q, uint32_t slot, sim_time_t t, uint64_t seq, evq_fn fn, void *arg);
bool evq_radix_pop(struct evq *q, struct evq_popped *out);
void evq_radix_cancel(struct evq *q, uint32_t slot);
sim_time_t evq_radix_peek(struct evq *q);
sim_time_t evq_radix_bound(const struct evq *q);
void evq_radix_renumber(struct evq *q);
void evq_radix_check(const struct evq *q);

/* Make sure slots[] covers slot s (heap and calendar). */
void evq_slots_reserve(struct evq *q, uint32_t s);

#endif
