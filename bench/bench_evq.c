/*
 * bench_evq.c - the classic "hold model" benchmark of the pending-event set
 * (Vaucher and Duval, CACM 1975; Jones, CACM 1986): keep N events pending; each operation
 * pops the earliest and pushes a new one at its time plus an exponential increment. The
 * random draw is part of the measured loop, as it is in a simulator.
 *
 *   bench_evq [--smoke] [--ops N]
 *
 * Prints hold operations per second for the 4-ary heap, the calendar queue and the radix
 * heap at 10^3,
 * 10^5 and 10^6 pending events. Results and the reproducing command: docs/performance.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evq.h"
#include "rng.h"

static void noop(struct sim *sim, void *arg) { (void)sim; (void)arg; }

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Returns hold operations per second. */
static double hold(enum evq_kind kind, size_t pending, size_t ops)
{
    struct evq *q = evq_create(kind);
    struct rng g;
    rng_init(&g, 42, "hold");
    const double mean = 1e6; /* 1 us in ps */
    for (size_t i = 0; i < pending; i++)
        evq_push(q, (sim_time_t)rng_exp(&g, mean), noop, NULL);
    sim_time_t t;
    evq_fn fn;
    void *arg;
    /* reach the steady-state time distribution before timing */
    for (size_t i = 0; i < 2 * pending; i++) {
        evq_pop(q, &t, &fn, &arg);
        evq_push(q, t + (sim_time_t)rng_exp(&g, mean), noop, NULL);
    }
    double t0 = now_s();
    for (size_t i = 0; i < ops; i++) {
        evq_pop(q, &t, &fn, &arg);
        evq_push(q, t + (sim_time_t)rng_exp(&g, mean), noop, NULL);
    }
    double dt = now_s() - t0;
    evq_check(q);
    evq_destroy(q);
    return (double)ops / dt;
}

int main(int argc, char **argv)
{
    size_t ops = 20000000;
    bool smoke = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--smoke") == 0)
            smoke = true;
        else if (strcmp(argv[i], "--ops") == 0 && i + 1 < argc)
            ops = (size_t)strtoull(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: bench_evq [--smoke] [--ops N]\n");
            return 2;
        }
    }
    size_t sizes[] = {1000, 100000, 1000000};
    enum evq_kind kinds[] = {EVQ_HEAP4, EVQ_CALENDAR, EVQ_RADIX};
    printf("%-10s %10s %14s %10s\n", "queue", "pending", "Mholds/s", "ns/hold");
    for (size_t k = 0; k < 3; k++)
        for (size_t s = 0; s < 3; s++) {
            size_t n = smoke ? sizes[s] / 100 : sizes[s];
            size_t o = smoke ? 10000 : ops;
            double r = hold(kinds[k], n, o);
            printf("%-10s %10zu %14.2f %10.1f\n", evq_kind_name(kinds[k]), n, r / 1e6, 1e9 / r);
        }
    return 0;
}
