/*
 * coro.c - stacks, first entry and sanitizer bookkeeping for coroutines.
 */
#include "coro.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "panic.h"

#if defined(__SANITIZE_ADDRESS__)
#define CORO_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CORO_ASAN 1
#endif
#endif

#ifdef CORO_ASAN
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom, size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save, const void **bottom_old,
                                     size_t *size_old);
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
/* A coroutine that never returns leaves its frames' redzones poisoned in the shadow memory;
 * a later mapping at the same address must start clean. */
#define CORO_UNPOISON(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define CORO_UNPOISON(p, n) ((void)0)
#endif

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define CORO_VALGRIND 1
#endif
#endif

#ifndef CORO_UCONTEXT
void coro_swap(void **save_sp, void *new_sp);
void coro_boot(void);
#endif

/* First code run on a new stack. */
static void coro_start(struct coro *self)
{
#ifdef CORO_ASAN
    /* Completes the switch that brought us here and learns the bounds of the stack we came
     * from (the main stack's bounds are not known until then). */
    const void *lo;
    size_t size;
    __sanitizer_finish_switch_fiber(NULL, &lo, &size);
    if (self->from && !self->from->map) {
        self->from->stack_lo = lo;
        self->from->stack_size = size;
    }
#endif
    self->entry(self->arg);
    SIM_PANIC("coroutine entry returned; it must end with coro_exit_to()");
}

#ifdef CORO_UCONTEXT
static void coro_start_uc(unsigned hi, unsigned lo)
{
    coro_start((struct coro *)(((uintptr_t)hi << 32) | (uintptr_t)lo));
}
#endif

void coro_init_main(struct coro *c)
{
    memset(c, 0, sizeof(*c));
}

int coro_init(struct coro *c, size_t stack_size, void (*entry)(void *), void *arg)
{
    memset(c, 0, sizeof(*c));
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t usable = (stack_size + page - 1) / page * page;
    if (usable < 4 * page)
        usable = 4 * page;
    size_t total = usable + page;
    void *map = mmap(NULL, total, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (map == MAP_FAILED)
        return -1;
    if (mprotect(map, page, PROT_NONE) != 0) {
        int e = errno;
        munmap(map, total);
        errno = e;
        return -1;
    }
    CORO_UNPOISON((char *)map + page, usable);
    c->map = map;
    c->map_size = total;
    c->stack_lo = (char *)map + page;
    c->stack_size = usable;
    c->entry = entry;
    c->arg = arg;
    char *top = (char *)map + total; /* page aligned, hence 16-byte aligned */
#ifdef CORO_VALGRIND
    c->vg_stack_id = VALGRIND_STACK_REGISTER(c->stack_lo, top);
#endif
#if defined(CORO_UCONTEXT)
    if (getcontext(&c->uc) != 0)
        return -1;
    c->uc.uc_stack.ss_sp = (void *)c->stack_lo;
    c->uc.uc_stack.ss_size = usable;
    c->uc.uc_link = NULL;
    uintptr_t p = (uintptr_t)c;
    makecontext(&c->uc, (void (*)(void))coro_start_uc, 2, (unsigned)(p >> 32), (unsigned)p);
#elif defined(__x86_64__)
    /* Frame popped by coro_swap: r15 r14 r13 r12 rbx rbp, then the return address. After
     * the `ret` into coro_boot, rsp = top - 16 (16-byte aligned), so the `call` in
     * coro_boot enters coro_start with the alignment the ABI requires. */
    uint64_t *f = (uint64_t *)(top - 72);
    f[0] = 0;                        /* r15 */
    f[1] = 0;                        /* r14 */
    f[2] = (uint64_t)(uintptr_t)c;   /* r13: argument */
    f[3] = (uint64_t)(uintptr_t)coro_start; /* r12: function */
    f[4] = 0;                        /* rbx */
    f[5] = 0;                        /* rbp */
    f[6] = (uint64_t)(uintptr_t)coro_boot;
    c->sp = f;
#elif defined(__aarch64__)
    uint64_t *f = (uint64_t *)(top - 160);
    memset(f, 0, 160);
    f[0] = (uint64_t)(uintptr_t)coro_start; /* x19: function */
    f[1] = (uint64_t)(uintptr_t)c;          /* x20: argument */
    f[10] = 0;                              /* x29 */
    f[11] = (uint64_t)(uintptr_t)coro_boot; /* x30 */
    c->sp = f;
#endif
    return 0;
}

void coro_switch(struct coro *from, struct coro *to)
{
    to->from = from;
#ifdef CORO_ASAN
    __sanitizer_start_switch_fiber(&from->asan_fake, to->stack_lo, to->stack_size);
#endif
#ifdef CORO_UCONTEXT
    if (swapcontext(&from->uc, &to->uc) != 0)
        SIM_PANIC("swapcontext failed");
#else
    coro_swap(&from->sp, to->sp);
#endif
#ifdef CORO_ASAN
    __sanitizer_finish_switch_fiber(from->asan_fake, NULL, NULL);
#endif
}

void coro_exit_to(struct coro *from, struct coro *to)
{
    to->from = from;
#ifdef CORO_ASAN
    /* NULL: this fiber is finished, ASan may release its fake stack. */
    __sanitizer_start_switch_fiber(NULL, to->stack_lo, to->stack_size);
#endif
#ifdef CORO_UCONTEXT
    setcontext(&to->uc);
#else
    coro_swap(&from->sp, to->sp);
#endif
    SIM_PANIC("finished coroutine was resumed");
}

void coro_destroy(struct coro *c)
{
    if (!c->map)
        return;
#ifdef CORO_VALGRIND
    VALGRIND_STACK_DEREGISTER(c->vg_stack_id);
#endif
    CORO_UNPOISON(c->stack_lo, c->stack_size);
    munmap(c->map, c->map_size);
    c->map = NULL;
}
