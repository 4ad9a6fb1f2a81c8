/*
 * panic.h - impossible states and allocation failure.
 *
 * Expected failures (a bad scenario, a full ring, a malformed packet) are values and counted
 * drops. Impossible states abort at once with file, line and the bad values: SIM_ASSERT is
 * always compiled in (it guards invariants such as "the clock never runs backwards", which
 * are cheap next to the work they protect). Memory exhaustion of the host is fatal too.
 */
#ifndef MPSTACK_SIM_PANIC_H
#define MPSTACK_SIM_PANIC_H

#include <stddef.h>

_Noreturn void sim_panic(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define SIM_PANIC(...) sim_panic(__FILE__, __LINE__, __VA_ARGS__)

#define SIM_ASSERT(cond)                                                               \
    do {                                                                               \
        if (__builtin_expect(!(cond), 0))                                              \
            sim_panic(__FILE__, __LINE__, "assertion failed: %s", #cond);              \
    } while (0)

/* Assertion with a message that shows the offending values. */
#define SIM_ASSERTF(cond, ...)                                                         \
    do {                                                                               \
        if (__builtin_expect(!(cond), 0))                                              \
            sim_panic(__FILE__, __LINE__, __VA_ARGS__);                                \
    } while (0)

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* Grow *arr (element size `elem`) so it can hold at least `need` elements. */
void xgrow(void **arr, size_t *cap, size_t need, size_t elem);

#endif
