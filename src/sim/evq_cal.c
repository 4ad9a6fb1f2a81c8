/*
 * evq_cal.c - calendar-queue back end of the event queue.
 *
 * R. Brown, "Calendar queues: a fast O(1) priority queue implementation for the simulation
 * event set problem", CACM 31(10), 1988. Time is cut into buckets of `width` ps that wrap
 * around a "year" of nb buckets. Each bucket is a list sorted by (time, seq). Dequeue walks
 * forward from the bucket of the last popped time, taking the first head that lies inside
 * the bucket's current window; after a whole year with no hit it falls back to a direct
 * search of the bucket heads. The bucket count doubles when the population exceeds twice
 * the buckets and halves below half; on each resize the width is re-estimated as three times
 * the mean gap between the earliest events (Brown's rule, gaps above twice the first mean
 * discarded).
 *
 * Invariant: no pending event precedes the window of bucket `cur`, because every push is at
 * or after the last popped time and `cur` is the bucket of that time.
 */
#include "evq_var.h"

#include <stdlib.h>

#include "panic.h"

#define CAL_MIN_BUCKETS 2
#define CAL_SAMPLE 25

static inline uint32_t bucket_of(const struct evq_cal *c, sim_time_t t)
{
    return (uint32_t)((t / c->width) & (c->nb - 1));
}

static inline bool slot_before(const struct evq *q, uint32_t a, uint32_t b)
{
    return evq_before(q->slots[a].time, q->slots[a].seq, q->slots[b].time, q->slots[b].seq);
}

static void set_position(struct evq_cal *c, sim_time_t t)
{
    c->cur = bucket_of(c, t);
    c->cur_top = (t / c->width + 1) * c->width;
}

static void alloc_buckets(struct evq_cal *c, uint32_t nb)
{
    c->nb = nb;
    c->head = xmalloc(nb * sizeof(*c->head));
    c->tail = xmalloc(nb * sizeof(*c->tail));
    for (uint32_t i = 0; i < nb; i++)
        c->head[i] = c->tail[i] = EVQ_NIL;
}

void evq_cal_init(struct evq *q)
{
    struct evq_cal *c = &q->cal;
    *c = (struct evq_cal){0};
    alloc_buckets(c, CAL_MIN_BUCKETS);
    c->width = sim_us(1);
    set_position(c, 0);
}

void evq_cal_fini(struct evq *q)
{
    free(q->cal.head);
    free(q->cal.tail);
}

/* Insert into its bucket, scanning from the tail: new events are usually the latest. */
static void link_slot(struct evq *q, uint32_t s)
{
    struct evq_cal *c = &q->cal;
    uint32_t b = bucket_of(c, q->slots[s].time);
    uint32_t p = c->tail[b];
    while (p != EVQ_NIL && slot_before(q, s, p))
        p = q->slots[p].prev;
    q->slots[s].prev = p;
    if (p == EVQ_NIL) {
        q->slots[s].next = c->head[b];
        c->head[b] = s;
    } else {
        q->slots[s].next = q->slots[p].next;
        q->slots[p].next = s;
    }
    if (q->slots[s].next == EVQ_NIL)
        c->tail[b] = s;
    else
        q->slots[q->slots[s].next].prev = s;
}

static void cal_unlink(struct evq *q, uint32_t s)
{
    struct evq_cal *c = &q->cal;
    uint32_t b = bucket_of(c, q->slots[s].time);
    uint32_t n = q->slots[s].next, p = q->slots[s].prev;
    if (p == EVQ_NIL)
        c->head[b] = n;
    else
        q->slots[p].next = n;
    if (n == EVQ_NIL)
        c->tail[b] = p;
    else
        q->slots[n].prev = p;
}

/* Find the earliest event without removing it; also moves the cursor to its bucket. */
static uint32_t find_min(struct evq *q)
{
    struct evq_cal *c = &q->cal;
    uint32_t i = c->cur;
    sim_time_t top = c->cur_top;
    for (uint32_t k = 0; k < c->nb; k++) {
        uint32_t h = c->head[i];
        if (h != EVQ_NIL && q->slots[h].time < top) {
            c->cur = i;
            c->cur_top = top;
            return h;
        }
        i = (i + 1) & (c->nb - 1);
        top += c->width;
    }
    /* A sparse year: direct search over the bucket heads. */
    uint32_t best = EVQ_NIL;
    for (uint32_t b = 0; b < c->nb; b++) {
        uint32_t h = c->head[b];
        if (h != EVQ_NIL && (best == EVQ_NIL || slot_before(q, h, best)))
            best = h;
    }
    if (best != EVQ_NIL)
        set_position(c, q->slots[best].time);
    return best;
}

/* Brown's width estimate from the gaps between the earliest of the `linked` events. */
static sim_time_t estimate_width(struct evq *q, size_t linked)
{
    struct evq_cal *c = &q->cal;
    uint32_t sample[CAL_SAMPLE];
    size_t n = linked < CAL_SAMPLE ? linked : CAL_SAMPLE;
    if (n < 2)
        return c->width;
    uint32_t save_cur = c->cur;
    sim_time_t save_top = c->cur_top;
    for (size_t i = 0; i < n; i++) {
        sample[i] = find_min(q);
        cal_unlink(q, sample[i]);
    }
    sim_time_t span = q->slots[sample[n - 1]].time - q->slots[sample[0]].time;
    double mean = (double)span / (double)(n - 1);
    double sum = 0;
    size_t cnt = 0;
    for (size_t i = 1; i < n; i++) {
        double gap = (double)(q->slots[sample[i]].time - q->slots[sample[i - 1]].time);
        if (gap <= 2.0 * mean) {
            sum += gap;
            cnt++;
        }
    }
    /* Re-link in the old geometry; the cursor returns to where it was. */
    for (size_t i = 0; i < n; i++)
        link_slot(q, sample[i]);
    c->cur = save_cur;
    c->cur_top = save_top;
    double w = cnt ? 3.0 * sum / (double)cnt : 0.0;
    if (w < 1.0)
        return c->width; /* all sampled events simultaneous: keep the old width */
    if (w > (double)(SIM_TIME_MAX >> 8))
        w = (double)(SIM_TIME_MAX >> 8);
    return (sim_time_t)w;
}

static void resize(struct evq *q, uint32_t nb, size_t linked)
{
    struct evq_cal *c = &q->cal;
    sim_time_t width = estimate_width(q, linked);
    uint32_t *oldhead = c->head, *oldtail = c->tail;
    uint32_t oldnb = c->nb;
    alloc_buckets(c, nb);
    c->width = width;
    c->resizes++;
    for (uint32_t b = 0; b < oldnb; b++) {
        uint32_t s = oldhead[b];
        while (s != EVQ_NIL) {
            uint32_t next = q->slots[s].next;
            link_slot(q, s);
            s = next;
        }
    }
    free(oldhead);
    free(oldtail);
    set_position(c, q->last_pop);
}

void evq_cal_push(struct evq *q, uint32_t s, sim_time_t t, uint64_t seq, evq_fn fn, void *arg)
{
    evq_slots_reserve(q, s);
    q->slots[s] = (struct evq_slot){.seq = seq, .time = t, .fn = fn, .arg = arg,
                                    .next = EVQ_NIL, .prev = EVQ_NIL};
    link_slot(q, s);
    if (q->live > 2 * (size_t)q->cal.nb && q->cal.nb < (UINT32_C(1) << 30))
        resize(q, q->cal.nb * 2, q->live);
}

bool evq_cal_pop(struct evq *q, struct evq_popped *out)
{
    if (q->live == 0)
        return false;
    uint32_t s = find_min(q);
    cal_unlink(q, s);
    struct evq_slot *sl = &q->slots[s];
    *out = (struct evq_popped){s, sl->time, sl->fn, sl->arg};
    sl->seq = 0;
    size_t linked = q->live - 1; /* q->live still counts the popped event */
    if (linked < q->cal.nb / 2 && q->cal.nb > CAL_MIN_BUCKETS)
        resize(q, q->cal.nb / 2, linked);
    return true;
}

void evq_cal_cancel(struct evq *q, uint32_t s)
{
    cal_unlink(q, s);
    q->slots[s].seq = 0;
    evq_slot_free(q, s);
}

static int by_time_seq(const void *a, const void *b, void *ctx)
{
    const struct evq_slot *sl = ctx;
    const struct evq_slot *x = &sl[*(const uint32_t *)a], *y = &sl[*(const uint32_t *)b];
    if (evq_before(x->time, x->seq, y->time, y->seq))
        return -1;
    return evq_before(y->time, y->seq, x->time, x->seq) ? 1 : 0;
}

void evq_cal_renumber(struct evq *q)
{
    struct evq_cal *c = &q->cal;
    uint32_t *all = xmalloc((q->live ? q->live : 1) * sizeof(*all));
    size_t n = 0;
    for (uint32_t b = 0; b < c->nb; b++)
        for (uint32_t s = c->head[b]; s != EVQ_NIL; s = q->slots[s].next)
            all[n++] = s;
    SIM_ASSERT(n == q->live);
    qsort_r(all, n, sizeof(*all), by_time_seq, q->slots);
    for (size_t i = 0; i < n; i++)
        q->slots[all[i]].seq = i + 1; /* same order: the buckets stay sorted */
    q->next_seq = n + 1;
    free(all);
}

sim_time_t evq_cal_peek(struct evq *q)
{
    uint32_t s = find_min(q);
    return s == EVQ_NIL ? SIM_TIME_MAX : q->slots[s].time;
}

void evq_cal_check(const struct evq *q)
{
    const struct evq_cal *c = &q->cal;
    size_t count = 0;
    sim_time_t window_start = c->cur_top - c->width;
    SIM_ASSERTF(bucket_of(c, window_start) == c->cur, "cursor bucket %u does not match window",
                c->cur);
    for (uint32_t b = 0; b < c->nb; b++) {
        uint32_t prev = EVQ_NIL;
        for (uint32_t s = c->head[b]; s != EVQ_NIL; s = q->slots[s].next) {
            SIM_ASSERTF(q->slots[s].seq != 0, "dead slot %u linked in bucket %u", s, b);
            SIM_ASSERTF(bucket_of(c, q->slots[s].time) == b, "slot %u in bucket %u, belongs in %u",
                        s, b, bucket_of(c, q->slots[s].time));
            SIM_ASSERTF(q->slots[s].prev == prev, "bucket %u: broken prev link at slot %u", b, s);
            SIM_ASSERTF(prev == EVQ_NIL || slot_before(q, prev, s), "bucket %u unsorted at %u", b,
                        s);
            SIM_ASSERTF(q->slots[s].time >= window_start,
                        "slot %u at %llu ps precedes the cursor window %llu", s,
                        (unsigned long long)q->slots[s].time, (unsigned long long)window_start);
            SIM_ASSERTF(++count <= q->live, "more linked events than live (%zu)", q->live);
            prev = s;
        }
        SIM_ASSERTF(c->tail[b] == prev, "bucket %u tail mismatch", b);
    }
    SIM_ASSERTF(count == q->live, "%zu linked events, %zu live", count, q->live);
}
