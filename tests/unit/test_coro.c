/*
 * test_coro.c - coroutines: values survive many switches in both directions, callee-saved
 * floating point state survives, a deep call chain fits the stack it asked for, and running
 * off the bottom of a stack hits the guard page (SIGSEGV) instead of a neighbour.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "coro.h"

static struct coro main_ctx, co;
static volatile uint64_t counter;

static void pingpong(void *arg)
{
    double acc = 1.0; /* lives in a callee-saved or spilled register across switches */
    for (;;) {
        counter += (uint64_t)(uintptr_t)arg;
        acc *= 1.000001;
        coro_switch(&co, &main_ctx);
        if (acc < 1.0)
            counter = 0;
    }
}

static void test_switch_many(void)
{
    coro_init_main(&main_ctx);
    CHECK_EQ(coro_init(&co, 64 * 1024, pingpong, (void *)(uintptr_t)3), 0);
    double mine = 2.0;
    for (int i = 0; i < 100000; i++) {
        coro_switch(&main_ctx, &co);
        mine += 0.5;
    }
    CHECK_EQ(counter, 300000);
    CHECK_NEAR(mine, 2.0 + 50000.0, 1e-9);
    coro_destroy(&co);
}

static unsigned recurse(unsigned n)
{
    volatile char buf[256];
    memset((char *)buf, (int)n, sizeof(buf));
    return n == 0 ? (unsigned char)buf[0] : recurse(n - 1) + (unsigned char)buf[1];
}

static unsigned deep_result;

static void deep(void *arg)
{
    deep_result = recurse((unsigned)(uintptr_t)arg);
    coro_exit_to(&co, &main_ctx);
}

static void test_deep_stack(void)
{
    coro_init_main(&main_ctx);
    /* 1000 frames of ~300 bytes fit comfortably in 1 MiB */
    CHECK_EQ(coro_init(&co, 1 << 20, deep, (void *)(uintptr_t)1000), 0);
    coro_switch(&main_ctx, &co);
    CHECK(deep_result > 0);
    coro_destroy(&co);
}

#if !defined(__SANITIZE_ADDRESS__)
static void overflow(void *arg)
{
    (void)arg;
    recurse(1u << 20); /* far more than 16 KiB */
    coro_exit_to(&co, &main_ctx);
}

static void run_overflow(void *arg)
{
    (void)arg;
    coro_init_main(&main_ctx);
    if (coro_init(&co, 16 * 1024, overflow, NULL) != 0)
        _exit(2);
    coro_switch(&main_ctx, &co);
}

static void test_guard_page(void) { CHECK_EQ(check_dies_with(run_overflow, NULL), SIGSEGV); }
#else
/* Under ASan the overflow is reported by ASan itself; the guard page is still mapped. */
static void test_guard_page(void) {}
#endif

int main(void)
{
    RUN(test_switch_many);
    RUN(test_deep_stack);
    RUN(test_guard_page);
    return check_result();
}
