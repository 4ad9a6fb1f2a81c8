/*
 * fake_kern.h - a tiny fake machine behind src/stack/kern.h, for unit tests and the fuzz
 * target: one host thread, no simulation, no cache model.
 *
 * Where it sits: stack code is written against kern.h only. In a full run the simulated
 * host implements kern.h (src/world/kern_host.c); a unit test links the stack file it tests
 * with fake_kern.c instead, drives it directly, and reads back what the code asked of the
 * machine: cycles charged (per named operation too), memory touches, live allocations (for
 * leak checks at teardown), IPIs per target, device register values and interrupt vectors.
 *
 * What the fake does with each kern.h call:
 *  - CPUs: kern_ncpus is the count given to fake_kern_create; every CPU is on socket 0;
 *    kern_curcpu returns what fake_kern_set_cpu last set (0 at first). kern_curthread is
 *    NULL in the test's own code, and a distinct identity while a thread, an IPI handler or
 *    an interrupt handler runs (fake_kern_thread_run, fake_kern_ipi_deliver,
 *    fake_kern_dev_fire).
 *  - Cost: kern_charge/kern_charge_op add cycles (kern_charge_op at the KERN_OPS default
 *    costs, which kern_op_cycles returns); kern_now is a clock in picoseconds that charges
 *    advance at a notional 1 GHz (1000 ps per cycle) and sleep timeouts advance too.
 *    kern_touch and kern_sync are only counted.
 *  - Memory: kern_alloc is calloc (aligned_alloc(64, ...) for 64 bytes and more, zeroed);
 *    kern_paddr/kern_vaddr are the identity. Fault injection: fake_kern_fail_alloc_after.
 *    kern_region gives dense ids by name, id 0 being "other" as in the host's arena.
 *  - Threads: kern_thread_start records the thread and does not run it (a test may run a
 *    body that returns with fake_kern_thread_run). kern_sleep cannot block on one host
 *    thread: it returns 0 ("woken") at once when the timeout is 0, else advances the clock
 *    by the timeout and returns EWOULDBLOCK. kern_wakeup is counted.
 *  - IPIs: kern_ipi_send counts per target; fake_kern_ipi_deliver runs a CPU's handler.
 *  - Devices: fake_kern_add_dev registers one; registers read back the last value written
 *    (0 at first); kern_dev_intr records (vector, cpu, fn, arg) for fake_kern_dev_fire.
 *
 * Contract violations by the code under test (a CPU out of range, an unknown operation, a
 * free with no live allocation) abort with a message naming the call and the bad value.
 * No mutable globals: all state hangs off the machine, so tests may run several at once.
 */
#ifndef MPSTACK_TESTS_FAKE_KERN_H
#define MPSTACK_TESTS_FAKE_KERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stack/kern.h"

#define FAKE_KERN_MAX_REGIONS 256 /* kern_region aborts beyond this many names */
#define FAKE_KERN_PS_PER_CYCLE 1000 /* the notional 1 GHz clock of kern_now */

/* Counters of what the code under test asked of the machine (all since creation). */
struct fake_kern_stats {
    uint64_t cycles;         /* kern_charge + kern_charge_op, in cycles */
    uint64_t touches;        /* kern_touch calls */
    uint64_t touch_bytes;    /* bytes those calls named */
    uint64_t syncs;          /* kern_sync calls */
    uint64_t allocs;         /* kern_alloc calls that returned memory */
    uint64_t frees;          /* kern_free calls with a non-NULL pointer */
    uint64_t alloc_failures; /* kern_alloc calls that returned NULL (injected) */
    uint64_t sleeps;         /* kern_sleep calls */
    uint64_t wakeups;        /* kern_wakeup calls */
    uint64_t ipis;           /* kern_ipi_send calls, all targets */
};

/* A machine with `ncpus` CPUs (>= 1); aborts if the host is out of memory. */
struct kern_machine *fake_kern_create(unsigned ncpus);
/* Free the machine, its devices and its records. Memory the code under test still holds
 * from kern_alloc is not freed: check fake_kern_live_allocs first. */
void fake_kern_destroy(struct kern_machine *km);

/* The CPU kern_curcpu reports from now on (cpu < ncpus). */
void fake_kern_set_cpu(struct kern_machine *km, unsigned cpu);
/* Critical-section depth now (0 between operations: nothing left a section open). */
unsigned fake_kern_crit_depth(const struct kern_machine *km);

uint64_t fake_kern_cycles(const struct kern_machine *km);  /* all cycles charged */
uint64_t fake_kern_touches(const struct kern_machine *km); /* kern_touch calls */
/* How many times `op` was charged (the sum of kern_charge_op's n). */
uint64_t fake_kern_op_count(const struct kern_machine *km, enum kern_op op);
const struct fake_kern_stats *fake_kern_stats(const struct kern_machine *km);

/* kern_alloc calls minus kern_free calls: 0 at teardown means nothing leaked. */
size_t fake_kern_live_allocs(const struct kern_machine *km);
/* Fault injection: the n-th next kern_alloc (n = 1: the very next) returns NULL, once;
 * later calls succeed again. n <= 0 (conventionally -1) disarms it. */
void fake_kern_fail_alloc_after(struct kern_machine *km, long n);

/* Threads started with kern_thread_start, in start order; run number i (< nthreads) on its
 * CPU (kern_curcpu is that CPU during the call, restored after). */
size_t fake_kern_nthreads(const struct kern_machine *km);
void fake_kern_thread_run(struct kern_machine *km, size_t i);

/* IPIs sent to `to` (< ncpus); run `cpu`'s IPI handler as if one arrived (false if none). */
uint64_t fake_kern_ipis(const struct kern_machine *km, unsigned to);
bool fake_kern_ipi_deliver(struct kern_machine *km, unsigned cpu);
/* The CPU's periodic timer (kern_timer_periodic): its period (0: none), and one tick run
 * now as that CPU's interrupt (false: no timer). */
kern_time_t fake_kern_timer_period(const struct kern_machine *km, unsigned cpu);
bool fake_kern_timer_fire(struct kern_machine *km, unsigned cpu);

/* Register a device that kern_dev_find will return under `name` (copied, unique), with
 * chip model `model` ("82576", "82599"; copied) behind socket 0. Freed with the machine. */
struct kern_dev *fake_kern_add_dev(struct kern_machine *km, const char *name,
                                   const char *model);
/* Peek and poke a register without counting an access (as the device itself would). */
uint32_t fake_kern_dev_reg(const struct kern_dev *d, uint32_t reg);
void fake_kern_dev_set(struct kern_dev *d, uint32_t reg, uint32_t v);
/* kern_dev_read and kern_dev_write calls on d. */
uint64_t fake_kern_dev_reads(const struct kern_dev *d);
uint64_t fake_kern_dev_writes(const struct kern_dev *d);
/* Call fn(arg, reg, val) after each kern_dev_write on d (NULL: none), inside the writer's
 * call: what other CPUs do while the driver writes a register. */
void fake_kern_dev_on_write(struct kern_dev *d, void (*fn)(void *arg, uint32_t reg, uint32_t val),
                            void *arg);
/* Raise `vector`: call the fn(arg) that kern_dev_intr programmed, with kern_curcpu set to
 * the vector's CPU for the call (restored after). False if the vector was never programmed. */
bool fake_kern_dev_fire(struct kern_dev *d, unsigned vector);

#endif
