/*
 * bench_coro.c - cost of one coroutine switch (save callee-saved registers, swap stacks,
 * restore), measured as half a round trip between the host context and a coroutine.
 *
 *   bench_coro [--smoke]
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "coro.h"

static struct coro main_ctx, co;
static volatile uint64_t count;

static void body(void *arg)
{
    (void)arg;
    for (;;) {
        count++;
        coro_switch(&co, &main_ctx);
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    uint64_t trips = argc > 1 && strcmp(argv[1], "--smoke") == 0 ? 10000 : 50000000;
    coro_init_main(&main_ctx);
    if (coro_init(&co, 64 * 1024, body, NULL) != 0)
        return 1;
    for (int i = 0; i < 1000; i++)
        coro_switch(&main_ctx, &co);
    double t0 = now_s();
    for (uint64_t i = 0; i < trips; i++)
        coro_switch(&main_ctx, &co);
    double dt = now_s() - t0;
    printf("coroutine switch: %.2f ns (%llu round trips in %.3f s)\n", dt * 1e9 / (2.0 * trips),
           (unsigned long long)trips, dt);
    coro_destroy(&co);
    return 0;
}
