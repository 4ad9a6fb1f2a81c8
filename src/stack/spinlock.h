/*
 * spinlock.h - a kernel spinlock on a simulated machine.
 *
 * Taking the lock is an atomic read-modify-write of its line, priced by the coherence model:
 * cheap when this CPU took it last, a cache-to-cache transfer when another CPU did. While
 * another CPU holds it the caller spins, paying cycles, until the holder lets go.
 *
 * The holder runs in a critical section, so an interrupt on its CPU cannot spin on it.
 *
 * Under temporal decoupling a thread runs ahead of global time, so both taking and releasing
 * are synchronisation points (kern_sync): a CPU sees the lock held exactly for the simulated
 * interval the holder spends inside. The lock word is [x].
 */
#ifndef MPSTACK_STACK_SPINLOCK_H
#define MPSTACK_STACK_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "stack/kern.h"

#define SPIN_PAUSE_CYCLES 40 /* one round of the wait loop (a PAUSE and a re-read) */

struct spinlock {
    uint32_t sl_lock;     /* [x] 0 free, 1 held */
    uint32_t sl_cpu;      /* [x] holder */
    uint64_t sl_spins;    /* [E] wait-loop rounds, all CPUs */
    uint64_t sl_acquires; /* [E] */
};

static inline void spin_lock(struct kern_machine *km, struct spinlock *l)
{
    kern_crit_enter(km); /* as DragonFly's spin_lock: no preemption while held */
    kern_sync(km);
    kern_touch(km, &l->sl_lock, sizeof(l->sl_lock), KT_ATOMIC);
    while (l->sl_lock) {
        l->sl_spins++;
        kern_charge(km, SPIN_PAUSE_CYCLES);
        kern_sync(km);
        kern_touch(km, &l->sl_lock, sizeof(l->sl_lock), KT_READ);
        if (!l->sl_lock)
            kern_touch(km, &l->sl_lock, sizeof(l->sl_lock), KT_ATOMIC);
    }
    l->sl_lock = 1;
    l->sl_cpu = kern_curcpu(km);
    l->sl_acquires++;
}

/* One attempt (lwkt_serialize_try, spin_trylock): true with the lock held (and the caller
 * in a critical section), false without either. */
static inline bool spin_trylock(struct kern_machine *km, struct spinlock *l)
{
    kern_crit_enter(km);
    kern_sync(km);
    kern_touch(km, &l->sl_lock, sizeof(l->sl_lock), KT_ATOMIC);
    if (l->sl_lock) {
        kern_crit_exit(km);
        return false;
    }
    l->sl_lock = 1;
    l->sl_cpu = kern_curcpu(km);
    l->sl_acquires++;
    return true;
}

static inline void spin_unlock(struct kern_machine *km, struct spinlock *l)
{
    kern_sync(km);
    kern_touch(km, &l->sl_lock, sizeof(l->sl_lock), KT_WRITE);
    l->sl_lock = 0;
    kern_crit_exit(km);
}

#endif
