/*
 * coro.h - coroutines: the execution vehicle of simulated threads.
 *
 * Each simulated thread (netisr-N, an interrupt thread, an application thread) runs real C
 * code on a stack of its own. The engine runs on the host thread's stack (the "main"
 * coroutine) and switches into a simulated thread when that thread's CPU resumes it; the
 * thread switches back when it waits. Switching is a hand-written register swap for x86-64
 * and aarch64 (coro_switch_x86_64.S, coro_switch_aarch64.S), ucontext on anything else.
 * Every stack has an inaccessible guard page below it, so an overflow faults at once instead
 * of corrupting a neighbour. AddressSanitizer and Valgrind are told about each switch.
 */
#ifndef MPSTACK_SIM_CORO_H
#define MPSTACK_SIM_CORO_H

#include <stddef.h>

/* CORO_FORCE_UCONTEXT lets tests exercise the fallback on machines that have a switch. */
#if defined(CORO_FORCE_UCONTEXT) || (!defined(__x86_64__) && !defined(__aarch64__))
#define CORO_UCONTEXT 1
#include <ucontext.h>
#endif

struct coro {
    void *sp;               /* saved stack pointer while switched out */
    void *map;              /* mmap base (the guard page), NULL for main */
    size_t map_size;
    const void *stack_lo;   /* usable stack bounds, for ASan */
    size_t stack_size;
    void (*entry)(void *);
    void *arg;
    struct coro *from;      /* who switched to us last (entry uses it once) */
    void *asan_fake;        /* ASan fake-stack handle across a switch */
    unsigned vg_stack_id;   /* Valgrind stack registration */
#ifdef CORO_UCONTEXT
    ucontext_t uc;
#endif
};

/* The calling host thread's own context; it needs no stack of its own. */
void coro_init_main(struct coro *c);

/* A new coroutine that will run entry(arg) on a fresh stack of at least stack_size bytes
 * (rounded up to pages, plus one guard page). entry must never return; it ends by
 * coro_exit_to(). Returns 0, or -1 with errno set if the stack cannot be mapped. */
int coro_init(struct coro *c, size_t stack_size, void (*entry)(void *), void *arg);

/* Save the current context in `from` and continue `to`. */
void coro_switch(struct coro *from, struct coro *to);

/* Last switch out of `from`, which will never be resumed (its stack may then be freed). */
_Noreturn void coro_exit_to(struct coro *from, struct coro *to);

/* Release the stack of a coroutine that is not running. */
void coro_destroy(struct coro *c);

#endif
