/*
 * evq.c - slots, handles, order numbers, and dispatch to the selected back end.
 */
#include "evq_var.h"

#include <stdlib.h>

#include "panic.h"

struct evq *evq_create(enum evq_kind kind)
{
    struct evq *q = xcalloc(1, sizeof(*q));
    q->kind = kind;
    q->next_seq = 1;
    q->next_gen = 1;
    q->seq_limit = EVQ_SEQ_LIMIT;
    switch (kind) {
    case EVQ_HEAP4:
        evq_heap_init(q);
        break;
    case EVQ_CALENDAR:
        evq_cal_init(q);
        break;
    case EVQ_RADIX:
        evq_radix_init(q);
        break;
    default:
        SIM_PANIC("unknown event queue kind %d", (int)kind);
    }
    return q;
}

void evq_destroy(struct evq *q)
{
    if (!q)
        return;
    switch (q->kind) {
    case EVQ_HEAP4:
        evq_heap_fini(q);
        break;
    case EVQ_CALENDAR:
        evq_cal_fini(q);
        break;
    case EVQ_RADIX:
        evq_radix_fini(q);
        break;
    }
    free(q->gen);
    free(q->free);
    free(q->slots);
    free(q);
}

enum evq_kind evq_kind(const struct evq *q) { return q->kind; }

const char *evq_kind_name(enum evq_kind kind)
{
    switch (kind) {
    case EVQ_HEAP4:
        return "heap";
    case EVQ_CALENDAR:
        return "calendar";
    case EVQ_RADIX:
        return "radix";
    }
    return "?";
}

void evq_set_seq_limit(struct evq *q, uint64_t limit)
{
    SIM_ASSERT(limit >= 2 && limit <= EVQ_SEQ_LIMIT);
    q->seq_limit = limit;
}

uint64_t evq_renumber_count(const struct evq *q) { return q->renumbers; }

void evq_slots_reserve(struct evq *q, uint32_t s)
{
    xgrow((void **)&q->slots, &q->slots_cap, (size_t)s + 1, sizeof(*q->slots));
}

static uint32_t slot_alloc(struct evq *q)
{
    if (q->nfree)
        return q->free[--q->nfree];
    SIM_ASSERTF(q->nslots < EVQ_MAX_SLOTS, "more than %u pending events", EVQ_MAX_SLOTS);
    xgrow((void **)&q->gen, &q->gen_cap, q->nslots + 1, sizeof(*q->gen));
    q->gen[q->nslots] = 0;
    return (uint32_t)q->nslots++;
}

void evq_slot_free(struct evq *q, uint32_t s)
{
    q->gen[s] = 0;
    xgrow((void **)&q->free, &q->free_cap, q->nfree + 1, sizeof(*q->free));
    q->free[q->nfree++] = s;
}

static void renumber(struct evq *q)
{
    switch (q->kind) {
    case EVQ_HEAP4:
        evq_heap_renumber(q);
        break;
    case EVQ_CALENDAR:
        evq_cal_renumber(q);
        break;
    case EVQ_RADIX:
        evq_radix_renumber(q);
        break;
    }
    SIM_ASSERT(q->next_seq == q->live + 1);
    q->renumbers++;
}

evq_id evq_push(struct evq *q, sim_time_t time, evq_fn fn, void *arg)
{
    SIM_ASSERTF(time >= q->last_pop,
                "event scheduled in the past: %llu ps < now %llu ps",
                (unsigned long long)time, (unsigned long long)q->last_pop);
    SIM_ASSERT(fn != NULL);
    if (q->next_seq >= q->seq_limit)
        renumber(q);
    uint32_t s = slot_alloc(q);
    uint64_t g = q->next_gen++;
    q->gen[s] = g;
    uint64_t seq = q->next_seq++;
    q->live++;
    switch (q->kind) {
    case EVQ_HEAP4:
        evq_heap_push(q, s, time, seq, fn, arg);
        break;
    case EVQ_CALENDAR:
        evq_cal_push(q, s, time, seq, fn, arg);
        break;
    case EVQ_RADIX:
        evq_radix_push(q, s, time, seq, fn, arg);
        break;
    }
    return (evq_id){g, s};
}

bool evq_is_pending(const struct evq *q, evq_id id)
{
    return id.seq != 0 && id.slot < q->nslots && q->gen[id.slot] == id.seq;
}

bool evq_cancel(struct evq *q, evq_id id)
{
    if (!evq_is_pending(q, id))
        return false;
    q->gen[id.slot] = 0;
    q->live--;
    switch (q->kind) {
    case EVQ_HEAP4:
        evq_heap_cancel(q, id.slot);
        break;
    case EVQ_CALENDAR:
        evq_cal_cancel(q, id.slot);
        break;
    case EVQ_RADIX:
        evq_radix_cancel(q, id.slot);
        break;
    }
    return true;
}

bool evq_pop(struct evq *q, sim_time_t *time, evq_fn *fn, void **arg)
{
    struct evq_popped p;
    bool got = q->kind == EVQ_HEAP4   ? evq_heap_pop(q, &p)
               : q->kind == EVQ_RADIX ? evq_radix_pop(q, &p)
                                      : evq_cal_pop(q, &p);
    if (!got)
        return false;
    *time = p.time;
    *fn = p.fn;
    *arg = p.arg;
    q->last_pop = p.time;
    q->live--;
    evq_slot_free(q, p.slot);
    return true;
}

sim_time_t evq_peek_time(struct evq *q)
{
    if (q->live == 0)
        return SIM_TIME_MAX;
    return q->kind == EVQ_HEAP4   ? evq_heap_peek(q)
           : q->kind == EVQ_RADIX ? evq_radix_peek(q)
                                  : evq_cal_peek(q);
}

sim_time_t evq_bound(const struct evq *q)
{
    if (q->live == 0)
        return SIM_TIME_MAX;
    /* The calendar queue's peek moves its cursor; it offers no bound (0: never ahead). */
    return q->kind == EVQ_HEAP4   ? evq_heap_bound(q)
           : q->kind == EVQ_RADIX ? evq_radix_bound(q)
                                  : 0;
}

size_t evq_size(const struct evq *q) { return q->live; }

void evq_check(const struct evq *q)
{
    size_t nlive = 0;
    for (size_t s = 0; s < q->nslots; s++) {
        SIM_ASSERTF(q->gen[s] < q->next_gen, "slot %zu has generation %llu >= next %llu", s,
                    (unsigned long long)q->gen[s], (unsigned long long)q->next_gen);
        nlive += q->gen[s] != 0;
    }
    SIM_ASSERTF(nlive == q->live, "live count %zu but %zu slots hold an event", q->live, nlive);
    for (size_t i = 0; i < q->nfree; i++) {
        uint32_t s = q->free[i];
        SIM_ASSERTF(s < q->nslots && q->gen[s] == 0, "free slot %u is in use", s);
    }
    size_t ndead = q->kind == EVQ_RADIX ? q->radix.dead_n : 0; /* cancelled, not yet freed */
    SIM_ASSERTF(nlive + q->nfree + ndead == q->nslots,
                "%zu live + %zu free + %zu cancelled != %zu slots", nlive, q->nfree, ndead,
                q->nslots);
    if (q->kind == EVQ_HEAP4)
        evq_heap_check(q);
    else if (q->kind == EVQ_RADIX)
        evq_radix_check(q);
    else
        evq_cal_check(q);
}
