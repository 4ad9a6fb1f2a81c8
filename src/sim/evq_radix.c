/*
 * evq_radix.c - radix-heap back end of the event queue.
 *
 * Ahuja, Mehlhorn, Orlin and Tarjan, "Faster algorithms for the shortest path problem",
 * JACM 37(2), 1990. A radix heap is a monotone priority queue: it needs every key pushed to
 * be at least the last minimum taken out, which simulated time guarantees (nothing is
 * scheduled in the past, and among equal times a new event has a larger seq). Keys are the
 * 128-bit (time, seq) of the heap entries. Bucket i > 0 holds the entries whose key differs
 * from `last` (the last minimum) first in bit i - 1; bucket 0 holds the key equal to `last`.
 *
 * Pop takes bucket 0; when it is empty, the lowest non-empty bucket is scanned for its
 * minimum, which becomes `last`, and its entries are redistributed into lower buckets
 * (each to the bucket of its first differing bit with the new `last`; entries in higher
 * buckets stay valid). An entry only ever moves down, so it moves at most 128 times and in
 * practice a few: the work is sequential appends and scans over arrays, with no pointer
 * chasing, which is what makes this structure fast when the pending set is far larger than
 * the caches (docs/performance.md).
 *
 * Entries carry the event's function and argument, so popping reads no slot: at 10^6
 * pending events the slot table is tens of megabytes and a load from it is a DRAM miss
 * (it was three quarters of the time per operation before this layout; see
 * docs/performance.md). Pop only stores into the slot (to invalidate its handle), and a
 * store miss does not stall. Cancellation is lazy: the cancelled slot goes into a small
 * open-addressing set, and an entry whose slot is in the set is dropped when it surfaces
 * (its slot is freed then). The buckets are compacted when dead entries outnumber live ones.
 */
#include "evq_var.h"

#include <stdlib.h>
#include <string.h>

#include "panic.h"

typedef unsigned __int128 hkey;

static inline hkey key_of(const struct evq_rent *e)
{
    return ((hkey)e->time << 64) | e->seq_slot;
}

static inline uint32_t ent_slot(const struct evq_rent *e)
{
    return (uint32_t)(e->seq_slot & EVQ_MAX_SLOTS);
}

static inline unsigned bucket_of(hkey k, hkey last)
{
    hkey x = k ^ last;
    uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;
    if (hi)
        return 128u - (unsigned)__builtin_clzll(hi);
    return lo ? 64u - (unsigned)__builtin_clzll(lo) : 0u;
}

/* ---- the set of dead (cancelled, not yet dropped) slots ---- */

#define DEAD_EMPTY UINT32_MAX

static inline size_t dead_home(uint32_t s, size_t cap)
{
    return (size_t)((s * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & (cap - 1);
}

static void dead_insert_raw(uint32_t *tab, size_t cap, uint32_t s)
{
    size_t i = dead_home(s, cap);
    while (tab[i] != DEAD_EMPTY)
        i = (i + 1) & (cap - 1);
    tab[i] = s;
}

static void dead_add(struct evq_radix *r, uint32_t s)
{
    if (2 * (r->dead_n + 1) > r->dead_cap) {
        size_t cap = r->dead_cap ? 2 * r->dead_cap : 64;
        uint32_t *tab = xmalloc(cap * sizeof(*tab));
        for (size_t i = 0; i < cap; i++)
            tab[i] = DEAD_EMPTY;
        for (size_t i = 0; i < r->dead_cap; i++)
            if (r->dead[i] != DEAD_EMPTY)
                dead_insert_raw(tab, cap, r->dead[i]);
        free(r->dead);
        r->dead = tab;
        r->dead_cap = cap;
    }
    dead_insert_raw(r->dead, r->dead_cap, s);
    r->dead_n++;
}

/* Remove s if present (linear probing with backward-shift deletion, so no tombstones). */
static bool dead_take(struct evq_radix *r, uint32_t s)
{
    size_t cap = r->dead_cap, i = dead_home(s, cap);
    while (r->dead[i] != s) {
        if (r->dead[i] == DEAD_EMPTY)
            return false;
        i = (i + 1) & (cap - 1);
    }
    size_t hole = i;
    for (size_t j = (hole + 1) & (cap - 1); r->dead[j] != DEAD_EMPTY; j = (j + 1) & (cap - 1)) {
        size_t home = dead_home(r->dead[j], cap);
        /* move j into the hole unless its home lies cyclically in (hole, j] */
        bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!stays) {
            r->dead[hole] = r->dead[j];
            hole = j;
        }
    }
    r->dead[hole] = DEAD_EMPTY;
    r->dead_n--;
    return true;
}

static bool dead_has(const struct evq_radix *r, uint32_t s)
{
    if (!r->dead_n)
        return false;
    size_t cap = r->dead_cap, i = dead_home(s, cap);
    for (; r->dead[i] != DEAD_EMPTY; i = (i + 1) & (cap - 1))
        if (r->dead[i] == s)
            return true;
    return false;
}

/* ---- buckets ---- */

void evq_radix_init(struct evq *q) { memset(&q->radix, 0, sizeof(q->radix)); }

void evq_radix_fini(struct evq *q)
{
    for (int i = 0; i < EVQ_RADIX_BUCKETS; i++)
        free(q->radix.b[i].a);
    free(q->radix.dead);
}

static inline void append(struct evq_radix *r, unsigned i, const struct evq_rent *e)
{
    struct evq_rbucket *b = &r->b[i];
    if (b->n == b->cap) {
        uint32_t cap = b->cap ? 2 * b->cap : 16;
        b->a = xrealloc(b->a, cap * sizeof(*b->a));
        b->cap = cap;
    }
    b->a[b->n++] = *e;
    r->mask[i >> 6] |= UINT64_C(1) << (i & 63);
}

static inline void mark_empty(struct evq_radix *r, unsigned i)
{
    r->mask[i >> 6] &= ~(UINT64_C(1) << (i & 63));
}

void evq_radix_push(struct evq *q, uint32_t slot, sim_time_t t, uint64_t seq, evq_fn fn, void *arg)
{
    struct evq_radix *r = &q->radix;
    struct evq_rent e = {t, seq << EVQ_SLOT_BITS | slot, fn, arg};
    append(r, bucket_of(key_of(&e), r->last), &e);
    r->n++;
}

/* Lowest non-empty bucket above 0, or 0 if none. */
static unsigned lowest_bucket(const struct evq_radix *r)
{
    uint64_t m0 = r->mask[0] & ~UINT64_C(1);
    if (m0)
        return (unsigned)__builtin_ctzll(m0);
    if (r->mask[1])
        return 64u + (unsigned)__builtin_ctzll(r->mask[1]);
    if (r->mask[2])
        return 128u + (unsigned)__builtin_ctzll(r->mask[2]);
    return 0;
}

/* Make bucket 0 hold the minimum. Returns false if the queue holds no entries. */
static bool refill(struct evq_radix *r)
{
    unsigned i = lowest_bucket(r);
    if (i == 0)
        return false;
    struct evq_rbucket *b = &r->b[i];
    hkey m = key_of(&b->a[0]);
    for (uint32_t k = 1; k < b->n; k++) {
        hkey kk = key_of(&b->a[k]);
        m = kk < m ? kk : m;
    }
    r->last = m;
    uint32_t n = b->n;
    b->n = 0;
    mark_empty(r, i);
    for (uint32_t k = 0; k < n; k++)
        append(r, bucket_of(key_of(&b->a[k]), m), &b->a[k]); /* always below i */
    r->moves += n;
    return true;
}

static void drop_top(struct evq_radix *r)
{
    if (--r->b[0].n == 0)
        mark_empty(r, 0);
    r->n--;
}

/* The minimum live entry, left in bucket 0; dead minima are dropped on the way. */
static struct evq_rent *top(struct evq *q)
{
    struct evq_radix *r = &q->radix;
    for (;;) {
        if (r->b[0].n == 0 && !refill(r))
            return NULL;
        struct evq_rent *e = &r->b[0].a[r->b[0].n - 1];
        if (!r->dead_n || !dead_take(r, ent_slot(e)))
            return e;
        uint32_t s = ent_slot(e);
        drop_top(r);
        evq_slot_free(q, s);
    }
}

bool evq_radix_pop(struct evq *q, struct evq_popped *out)
{
    struct evq_rent *e = top(q);
    if (!e)
        return false;
    out->slot = ent_slot(e);
    out->time = e->time;
    out->fn = e->fn;
    out->arg = e->arg;
    drop_top(&q->radix);
    return true;
}

/* A lower bound of every pending time that leaves the structure as it is (peek refills
 * bucket 0, which moves `last` forward: later pushes below it would be misplaced). Keys in
 * bucket i > 0 differ from `last` first at bit i - 1, where they have a one. */
sim_time_t evq_radix_bound(const struct evq *q)
{
    const struct evq_radix *r = &q->radix;
    if (r->b[0].n)
        return (sim_time_t)(r->last >> 64);
    unsigned i = lowest_bucket(r);
    if (i == 0)
        return SIM_TIME_MAX;
    hkey lb = i >= 128 ? (hkey)1 << 127 : ((r->last >> i) << i) | ((hkey)1 << (i - 1));
    return (sim_time_t)(lb >> 64);
}

sim_time_t evq_radix_peek(struct evq *q)
{
    struct evq_rent *e = top(q);
    return e ? e->time : SIM_TIME_MAX;
}

static void evq_radix_compact(struct evq *q)
{
    struct evq_radix *r = &q->radix;
    if (!r->dead_n)
        return;
    for (unsigned i = 0; i < EVQ_RADIX_BUCKETS; i++) {
        struct evq_rbucket *b = &r->b[i];
        uint32_t n = 0;
        for (uint32_t k = 0; k < b->n; k++) {
            uint32_t s = ent_slot(&b->a[k]);
            if (dead_take(r, s)) {
                evq_slot_free(q, s);
                r->n--;
            } else {
                b->a[n++] = b->a[k];
            }
        }
        b->n = n;
        if (!n)
            mark_empty(r, i);
    }
    SIM_ASSERT(r->dead_n == 0);
}

void evq_radix_cancel(struct evq *q, uint32_t slot)
{
    struct evq_radix *r = &q->radix;
    dead_add(r, slot); /* the slot is freed when its entry leaves */
    if (r->dead_n > 64 && r->dead_n > r->n - r->dead_n)
        evq_radix_compact(q);
}

static int cmp_rent(const void *a, const void *b)
{
    hkey x = key_of(a), y = key_of(b);
    return x < y ? -1 : x > y;
}

void evq_radix_renumber(struct evq *q)
{
    struct evq_radix *r = &q->radix;
    evq_radix_compact(q);
    struct evq_rent *all = xmalloc((r->n ? r->n : 1) * sizeof(*all));
    size_t n = 0;
    for (unsigned i = 0; i < EVQ_RADIX_BUCKETS; i++) {
        for (uint32_t k = 0; k < r->b[i].n; k++)
            all[n++] = r->b[i].a[k];
        r->b[i].n = 0;
        mark_empty(r, i);
    }
    qsort(all, n, sizeof(*all), cmp_rent);
    /* New keys keep the order; re-bucket against the least key possible at the last
     * popped time, which no pending event precedes. */
    r->last = (hkey)q->last_pop << 64;
    for (size_t k = 0; k < n; k++) {
        all[k].seq_slot = (uint64_t)(k + 1) << EVQ_SLOT_BITS | ent_slot(&all[k]);
        append(r, bucket_of(key_of(&all[k]), r->last), &all[k]);
    }
    q->next_seq = n + 1;
    free(all);
}

void evq_radix_check(const struct evq *q)
{
    const struct evq_radix *r = &q->radix;
    size_t n = 0, live = 0, dead = 0;
    for (unsigned i = 0; i < EVQ_RADIX_BUCKETS; i++) {
        const struct evq_rbucket *b = &r->b[i];
        bool bit = (r->mask[i >> 6] >> (i & 63)) & 1;
        SIM_ASSERTF(bit == (b->n > 0), "radix bucket %u: mask bit %d but %u entries", i, bit,
                    b->n);
        for (uint32_t k = 0; k < b->n; k++) {
            const struct evq_rent *e = &b->a[k];
            hkey kk = key_of(e);
            uint32_t s = ent_slot(e);
            SIM_ASSERTF(kk >= r->last, "radix bucket %u holds a key below the last minimum", i);
            SIM_ASSERTF(bucket_of(kk, r->last) == i, "radix entry in bucket %u belongs in %u", i,
                        bucket_of(kk, r->last));
            SIM_ASSERTF(s < q->nslots, "radix entry with slot %u", s);
            SIM_ASSERTF(evq_radix_bound(q) <= e->time, "radix bound %llu above a pending %llu",
                        (unsigned long long)evq_radix_bound(q), (unsigned long long)e->time);
            n++;
            if (dead_has(r, s)) {
                dead++;
                SIM_ASSERTF(q->gen[s] == 0, "cancelled slot %u has a generation", s);
            } else {
                live++;
                SIM_ASSERTF(q->gen[s] != 0, "radix entry for slot %u, which is free", s);
                SIM_ASSERTF((e->seq_slot >> EVQ_SLOT_BITS) < q->next_seq,
                            "radix entry seq beyond next_seq");
            }
        }
    }
    SIM_ASSERTF(n == r->n, "radix holds %zu entries, counter says %zu", n, r->n);
    SIM_ASSERTF(live == q->live, "radix holds %zu live entries, queue says %zu", live, q->live);
    SIM_ASSERTF(dead == r->dead_n, "radix has %zu dead entries, set holds %zu", dead, r->dead_n);
}
