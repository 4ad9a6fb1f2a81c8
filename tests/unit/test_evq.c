/*
 * test_evq.c - the event queue: (time, seq) order, cancellation, stale handles, bounded
 * memory under churn, renumbering of order sequences, and a cross-check that the 4-ary
 * heap, the calendar queue and the radix heap pop exactly the same sequence under the same
 * random operations (several time distributions, including many simultaneous events and
 * far-future outliers).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "evq.h"
#include "rng.h"

static void noop(struct sim *sim, void *arg) { (void)sim; (void)arg; }

struct ref {
    sim_time_t t;
    uint64_t order;
};

static int ref_cmp(const void *a, const void *b)
{
    const struct ref *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Pops come out sorted by time, and FIFO among equal times. */
static void order_matches_sort(enum evq_kind kind)
{
    enum { N = 20000 };
    struct evq *q = evq_create(kind);
    struct ref *r = malloc(N * sizeof(*r));
    struct rng g;
    rng_init(&g, 7, "order");
    for (uint64_t i = 0; i < N; i++) {
        r[i].t = rng_below(&g, 5000) * 1000; /* many ties */
        r[i].order = i;
        evq_push(q, r[i].t, noop, (void *)(uintptr_t)i);
    }
    evq_check(q);
    qsort(r, N, sizeof(*r), ref_cmp);
    for (int i = 0; i < N; i++) {
        sim_time_t t;
        evq_fn fn;
        void *arg;
        CHECK(evq_pop(q, &t, &fn, &arg));
        CHECK_EQ(t, r[i].t);
        CHECK_EQ((uintptr_t)arg, r[i].order);
        if ((uintptr_t)arg != r[i].order)
            break;
    }
    CHECK_EQ(evq_size(q), 0);
    sim_time_t t;
    evq_fn fn;
    void *arg;
    CHECK(!evq_pop(q, &t, &fn, &arg));
    CHECK_EQ(evq_peek_time(q), SIM_TIME_MAX);
    free(r);
    evq_destroy(q);
}

static const enum evq_kind kinds[] = {EVQ_HEAP4, EVQ_CALENDAR, EVQ_RADIX};
#define NKINDS 3

static void test_order(void)
{
    for (int k = 0; k < NKINDS; k++)
        order_matches_sort(kinds[k]);
}

static void cancel_semantics(enum evq_kind kind)
{
    struct evq *q = evq_create(kind);
    evq_id a = evq_push(q, 100, noop, (void *)1);
    evq_id b = evq_push(q, 50, noop, (void *)2);
    evq_id c = evq_push(q, 100, noop, (void *)3);
    CHECK(evq_is_pending(q, a));
    CHECK(evq_is_pending(q, b));
    CHECK(evq_cancel(q, b));
    CHECK(!evq_cancel(q, b));
    CHECK(!evq_is_pending(q, b));
    CHECK_EQ(evq_peek_time(q), 100);
    /* The freed slot is reused; the old handle must not see the new event. */
    evq_id d = evq_push(q, 200, noop, (void *)4);
    CHECK_EQ(d.slot, b.slot);
    CHECK(!evq_is_pending(q, b));
    CHECK(!evq_cancel(q, b));
    CHECK(evq_is_pending(q, d));
    sim_time_t t;
    evq_fn fn;
    void *arg;
    CHECK(evq_pop(q, &t, &fn, &arg));
    CHECK_EQ((uintptr_t)arg, 1);
    CHECK(!evq_is_pending(q, a));
    CHECK(!evq_cancel(q, a));
    CHECK(evq_cancel(q, c));
    CHECK(evq_pop(q, &t, &fn, &arg));
    CHECK_EQ((uintptr_t)arg, 4);
    CHECK_EQ(t, 200);
    CHECK_EQ(evq_size(q), 0);
    evq_check(q);
    evq_destroy(q);
}

static void test_cancel(void)
{
    for (int k = 0; k < NKINDS; k++)
        cancel_semantics(kinds[k]);
}

/* Timer churn: most events are cancelled before they fire; the live count stays exact and
 * the invariant walkers pass throughout. */
static void churn(enum evq_kind kind)
{
    struct evq *q = evq_create(kind);
    struct rng g;
    rng_init(&g, 3, "churn");
    enum { LIVE = 1000 };
    evq_id ids[LIVE];
    sim_time_t now = 0;
    for (int i = 0; i < LIVE; i++)
        ids[i] = evq_push(q, now + 1 + rng_below(&g, 1000000), noop, NULL);
    for (int round = 0; round < 200000; round++) {
        int i = (int)rng_below(&g, LIVE);
        evq_cancel(q, ids[i]);
        ids[i] = evq_push(q, now + 1 + rng_below(&g, 1000000), noop, NULL);
        if (round % 4 == 0) {
            sim_time_t t;
            evq_fn fn;
            void *arg;
            CHECK(evq_pop(q, &t, &fn, &arg));
            now = t;
            /* whichever handle fired is no longer pending; refill it */
            for (int k = 0; k < LIVE; k++)
                if (!evq_is_pending(q, ids[k])) {
                    ids[k] = evq_push(q, now + 1 + rng_below(&g, 1000000), noop, NULL);
                    break;
                }
        }
        if (round % 20000 == 0)
            evq_check(q);
    }
    CHECK_EQ(evq_size(q), LIVE);
    evq_check(q);
    evq_destroy(q);
}

static void test_churn(void)
{
    for (int k = 0; k < NKINDS; k++)
        churn(kinds[k]);
}

/* Increment distributions for the cross-check. */
static sim_time_t draw(struct rng *g, int dist)
{
    switch (dist) {
    case 0: return (sim_time_t)rng_exp(g, 1e6);                 /* exponential, mean 1 us */
    case 1: return rng_below(g, 4) * 1000;                        /* many equal times */
    case 2: return rng_below(g, 10) ? rng_below(g, 100) : rng_below(g, 1000000000); /* bimodal */
    case 3: return 0;                                             /* all simultaneous */
    default: return (sim_time_t)(rng_exp(g, 1e3) * (rng_below(g, 100) == 0 ? 1e6 : 1));
    }
}

/* Same operations on every back end; every pop must agree. With renumber_at set, order
 * sequences are renumbered every few hundred schedules, which must change nothing. */
static void cross_check(uint64_t renumber_at)
{
    for (int dist = 0; dist < 5; dist++) {
        struct evq *q[NKINDS];
        for (int k = 0; k < NKINDS; k++) {
            q[k] = evq_create(kinds[k]);
            if (renumber_at)
                evq_set_seq_limit(q[k], renumber_at);
        }
        struct rng g;
        rng_init(&g, 11 + (uint64_t)dist, "cross");
        enum { KEEP = 512 };
        evq_id id[NKINDS][KEEP];
        memset(id, 0, sizeof(id));
        sim_time_t now = 0;
        uint64_t tag = 0, mismatches = 0;
        for (int op = 0; op < 200000; op++) {
            uint64_t r = rng_below(&g, 100);
            if (r < 45 || evq_size(q[0]) < 10) {
                sim_time_t t = now + draw(&g, dist);
                int slot = (int)(tag % KEEP);
                for (int k = 0; k < NKINDS; k++)
                    id[k][slot] = evq_push(q[k], t, noop, (void *)(uintptr_t)tag);
                tag++;
            } else if (r < 55) {
                int slot = (int)rng_below(&g, KEEP);
                bool a = evq_cancel(q[0], id[0][slot]);
                for (int k = 1; k < NKINDS; k++)
                    mismatches += evq_cancel(q[k], id[k][slot]) != a;
            } else {
                sim_time_t t0, t;
                evq_fn f;
                void *a0, *a;
                bool p0 = evq_pop(q[0], &t0, &f, &a0);
                for (int k = 1; k < NKINDS; k++) {
                    bool p = evq_pop(q[k], &t, &f, &a);
                    mismatches += p != p0 || (p0 && (t != t0 || a != a0));
                }
                if (p0)
                    now = t0;
            }
            for (int k = 1; k < NKINDS; k++)
                mismatches += evq_size(q[k]) != evq_size(q[0]);
            if (op % 40000 == 0)
                for (int k = 0; k < NKINDS; k++)
                    evq_check(q[k]);
        }
        sim_time_t t0, t;
        evq_fn f;
        void *a0, *a;
        while (evq_pop(q[0], &t0, &f, &a0))
            for (int k = 1; k < NKINDS; k++)
                mismatches += !evq_pop(q[k], &t, &f, &a) || t != t0 || a != a0;
        for (int k = 0; k < NKINDS; k++) {
            CHECK(!evq_pop(q[k], &t, &f, &a));
            evq_check(q[k]);
            if (renumber_at)
                CHECK(evq_renumber_count(q[k]) > 0);
            evq_destroy(q[k]);
        }
        CHECK_EQ(mismatches, 0);
    }
}

static void test_cross_check(void) { cross_check(0); }
static void test_cross_check_renumbering(void) { cross_check(700); }

static void push_in_past(void *arg)
{
    struct evq *q = evq_create((enum evq_kind)(uintptr_t)arg);
    evq_push(q, 100, noop, NULL);
    sim_time_t t;
    evq_fn fn;
    void *a;
    evq_pop(q, &t, &fn, &a);
    evq_push(q, 99, noop, NULL); /* the clock would run backwards */
}

static void test_past_aborts(void)
{
    for (int k = 0; k < NKINDS; k++)
        CHECK_EQ(check_dies_with(push_in_past, (void *)(uintptr_t)kinds[k]), SIGABRT);
}

int main(void)
{
    RUN(test_order);
    RUN(test_cancel);
    RUN(test_churn);
    RUN(test_cross_check);
    RUN(test_cross_check_renumbering);
    RUN(test_past_aborts);
    return check_result();
}
