/*
 * evq_heap.c - 4-ary implicit min-heap back end of the event queue.
 *
 * Layout (LaMarca and Ladner, "The influence of caches on the performance of heaps", JEA
 * 1996): entries are 16 bytes and the array is placed so that the four children of every
 * node, a[4i+1..4i+4], share one 64-byte cache line. A sift-down therefore costs one line
 * per level, and a 4-ary heap has half the levels of a binary one. Keys are compared as one
 * 128-bit number (time, then seq). Measured in bench/bench_evq (docs/performance.md).
 *
 * Cancellation is lazy: evq_cancel frees the slot, and an entry whose seq no longer
 * matches its slot is dropped when it reaches the top. When stale entries outnumber live
 * ones the heap is compacted in O(n), so memory stays bounded under heavy timer churn.
 */
#include "evq_var.h"

#include <stdlib.h>
#include <string.h>

#include "panic.h"

#define ARITY 4
#define LINE 64
#define LEAD 3 /* a[0] sits 3 entries into the allocation, so a + 1 is line aligned */

typedef unsigned __int128 hkey;

static inline hkey key_of(const struct evq_hent *e)
{
    return ((hkey)e->time << 64) | e->seq_slot;
}

static inline bool hent_live(const struct evq *q, const struct evq_hent *e)
{
    return q->slots[hent_slot(e)].seq == hent_seq(e);
}

void evq_heap_init(struct evq *q) { q->heap = (struct evq_heap){0}; }

void evq_heap_fini(struct evq *q) { free(q->heap.mem); }

static void grow(struct evq_heap *h)
{
    size_t cap = h->cap ? 2 * h->cap : 256;
    size_t bytes = (cap + LEAD + 4) * sizeof(struct evq_hent);
    bytes = (bytes + LINE - 1) / LINE * LINE;
    void *mem = aligned_alloc(LINE, bytes);
    if (!mem)
        SIM_PANIC("out of memory growing the event heap to %zu entries", cap);
    struct evq_hent *a = (struct evq_hent *)mem + LEAD;
    if (h->n)
        memcpy(a, h->a, h->n * sizeof(*a));
    free(h->mem);
    h->mem = mem;
    h->a = a;
    h->cap = cap;
}

static void sift_up(struct evq_hent *a, size_t i, struct evq_hent e)
{
    hkey k = key_of(&e);
    while (i > 0) {
        size_t p = (i - 1) / ARITY;
        if (k >= key_of(&a[p]))
            break;
        a[i] = a[p];
        i = p;
    }
    a[i] = e;
}

/* Index of the least of the children c..min(c+4, n)-1 (c < n). */
static inline size_t min_child(const struct evq_hent *a, size_t c, size_t n)
{
    if (c + ARITY <= n) {
        /* all four present: two independent comparisons, then one (no data branches) */
        hkey k0 = key_of(&a[c]), k1 = key_of(&a[c + 1]);
        hkey k2 = key_of(&a[c + 2]), k3 = key_of(&a[c + 3]);
        size_t m01 = k1 < k0 ? c + 1 : c, m23 = k3 < k2 ? c + 3 : c + 2;
        hkey k01 = k1 < k0 ? k1 : k0, k23 = k3 < k2 ? k3 : k2;
        return k23 < k01 ? m23 : m01;
    }
    size_t m = c;
    for (size_t j = c + 1; j < n; j++)
        if (key_of(&a[j]) < key_of(&a[m]))
            m = j;
    return m;
}

/* Place e in the hole at i, moving smaller children up (used to build and compact). */
static void sift_down(struct evq_hent *a, size_t n, size_t i, struct evq_hent e)
{
    hkey k = key_of(&e);
    for (size_t c; (c = ARITY * i + 1) < n;) {
        size_t m = min_child(a, c, n);
        if (key_of(&a[m]) >= k)
            break;
        a[i] = a[m];
        i = m;
    }
    a[i] = e;
}

/*
 * Remove the root of a heap of n + 1 entries whose last entry `e` has already been taken
 * off. Bottom-up (Wegener, "Bottom-up heapsort", TCS 1993): the hole at the root descends
 * to a leaf along the least children, with no comparison against e, then e rises from
 * there. In an event queue e comes from the bottom and nearly always belongs near the
 * bottom, so this saves a comparison and an unpredictable branch per level. While a level
 * is compared, the 256-byte block holding its grandchildren (children of 4m+1..4m+4) is
 * already being fetched.
 */
static void pop_root(struct evq_hent *a, size_t n, struct evq_hent e)
{
    size_t i = 0;
    for (size_t c; (c = ARITY * i + 1) < n;) {
        size_t g = ARITY * c + 1;
        if (g < n) {
            const char *p = (const char *)&a[g];
            __builtin_prefetch(p);
            __builtin_prefetch(p + LINE);
            __builtin_prefetch(p + 2 * LINE);
            __builtin_prefetch(p + 3 * LINE);
        }
        size_t m = min_child(a, c, n);
        a[i] = a[m];
        i = m;
    }
    sift_up(a, i, e);
}

void evq_heap_push(struct evq *q, uint32_t slot, sim_time_t t, uint64_t seq, evq_fn fn, void *arg)
{
    struct evq_heap *h = &q->heap;
    evq_slots_reserve(q, slot);
    q->slots[slot] = (struct evq_slot){.seq = seq, .time = t, .fn = fn, .arg = arg};
    if (h->n == h->cap)
        grow(h);
    struct evq_hent e = {t, seq << EVQ_SLOT_BITS | slot};
    sift_up(h->a, h->n++, e);
}

static void remove_top(struct evq_heap *h)
{
    struct evq_hent last = h->a[--h->n];
    if (h->n > 0)
        pop_root(h->a, h->n, last);
}

/* Drop stale entries sitting at the top. */
static void skip_stale(struct evq *q)
{
    struct evq_heap *h = &q->heap;
    while (h->n > 0 && !hent_live(q, &h->a[0])) {
        remove_top(h);
        h->stale--;
    }
}

bool evq_heap_pop(struct evq *q, struct evq_popped *out)
{
    struct evq_heap *h = &q->heap;
    skip_stale(q);
    if (h->n == 0)
        return false;
    uint32_t s = hent_slot(&h->a[0]);
    struct evq_slot *sl = &q->slots[s];
    *out = (struct evq_popped){s, sl->time, sl->fn, sl->arg};
    sl->seq = 0;
    remove_top(h);
    /* The next pop reads the new top's record: start fetching it now. */
    if (h->n)
        __builtin_prefetch(&q->slots[hent_slot(&h->a[0])]);
    return true;
}

sim_time_t evq_heap_bound(const struct evq *q)
{
    return q->heap.n ? q->heap.a[0].time : SIM_TIME_MAX; /* a stale top is no later */
}

sim_time_t evq_heap_peek(struct evq *q)
{
    skip_stale(q);
    return q->heap.n ? q->heap.a[0].time : SIM_TIME_MAX;
}

/* Rebuild without stale entries (Floyd's bottom-up heap construction). */
static void evq_heap_compact(struct evq *q)
{
    struct evq_heap *h = &q->heap;
    size_t n = 0;
    for (size_t i = 0; i < h->n; i++)
        if (hent_live(q, &h->a[i]))
            h->a[n++] = h->a[i];
    h->n = n;
    h->stale = 0;
    if (n > 1)
        for (size_t i = (n - 2) / ARITY + 1; i-- > 0;)
            sift_down(h->a, n, i, h->a[i]);
}

static int cmp_hent(const void *a, const void *b)
{
    hkey x = key_of(a), y = key_of(b);
    return x < y ? -1 : x > y;
}

void evq_heap_renumber(struct evq *q)
{
    struct evq_heap *h = &q->heap;
    evq_heap_compact(q);
    /* A sorted array is a heap; numbering it in order keeps every relation. */
    qsort(h->a, h->n, sizeof(*h->a), cmp_hent);
    for (size_t i = 0; i < h->n; i++) {
        uint32_t s = hent_slot(&h->a[i]);
        h->a[i].seq_slot = (uint64_t)(i + 1) << EVQ_SLOT_BITS | s;
        q->slots[s].seq = i + 1;
    }
    q->next_seq = h->n + 1;
}

void evq_heap_cancel(struct evq *q, uint32_t slot)
{
    struct evq_heap *h = &q->heap;
    q->slots[slot].seq = 0; /* its entry is now stale */
    evq_slot_free(q, slot);
    h->stale++;
    /* Compacting when stale entries outnumber live ones (with some hysteresis) keeps the
     * cost amortised O(1) per cancel and the array at most about twice the live count. */
    if (h->stale > 64 && h->stale > h->n - h->stale)
        evq_heap_compact(q);
}

void evq_heap_check(const struct evq *q)
{
    const struct evq_heap *h = &q->heap;
    size_t live = 0;
    SIM_ASSERT(h->n == 0 || ((uintptr_t)(h->a + 1) % LINE) == 0);
    for (size_t i = 0; i < h->n; i++) {
        if (i > 0) {
            size_t p = (i - 1) / ARITY;
            SIM_ASSERTF(key_of(&h->a[i]) >= key_of(&h->a[p]),
                        "heap order broken at %zu (t=%llu seq=%llu) below %zu (t=%llu seq=%llu)",
                        i, (unsigned long long)h->a[i].time,
                        (unsigned long long)hent_seq(&h->a[i]), p,
                        (unsigned long long)h->a[p].time, (unsigned long long)hent_seq(&h->a[p]));
        }
        SIM_ASSERTF(hent_slot(&h->a[i]) < q->nslots, "heap entry %zu has slot %u", i,
                    hent_slot(&h->a[i]));
        SIM_ASSERTF(evq_heap_bound(q) <= h->a[i].time, "heap bound above a pending time");
        if (hent_live(q, &h->a[i])) {
            live++;
            SIM_ASSERTF(q->slots[hent_slot(&h->a[i])].time == h->a[i].time,
                        "heap entry %zu time differs from its slot", i);
        }
    }
    SIM_ASSERTF(live == q->live, "heap holds %zu live entries, queue says %zu", live, q->live);
    SIM_ASSERTF(h->n - live == h->stale, "heap has %zu stale entries, counter says %zu",
                h->n - live, h->stale);
}
