/*
 * netisr.h - per-CPU protocol threads and their message ports (DragonFly sys/net/netisr.c,
 * sys/kern/lwkt_msgport.c, sys/kern/lwkt_ipiq.c; hardware.md section 4).
 *
 * Each CPU runs one netisr thread (or, with NETISR_THREE, a TCP, a UDP and an "other"
 * thread, as in 2006). A thread waits on its port, then handles up to netisr_batch messages
 * in a row and runs the registered rollups (deferred work such as starting transmission),
 * then waits again. polling(4)'s polls are messages too (ifpoll.c).
 *
 * Port back ends:
 *  - PORT_IPIQ (thread port): a put from the owner's CPU enqueues directly; from another CPU
 *    it travels through the IPI queue of that CPU pair (a FIFO of ipiq_depth entries), and a
 *    hardware IPI is sent only when the target has none pending (gd_npoll). The target's IPI
 *    handler enqueues the message and wakes the thread if it waits.
 *  - PORT_SPIN: the sender takes the port's spinlock (its line moves to the sender), queues,
 *    and wakes the thread if it was waiting: a local wakeup, or through the IPI queue (one
 *    IPI, unless one is pending) when the thread is on another CPU.
 * Send-queue starts on another CPU are messages too (if.c, ifsq_ifstart_schedule).
 */
#ifndef MPSTACK_STACK_NETISR_H
#define MPSTACK_STACK_NETISR_H

#include <stdint.h>

#include "stack/kernel.h"
#include "stack/netmsg.h"

/* Which of a CPU's threads a message goes to (all the same thread with NETISR_ONE). */
enum netisr_thread { NETISR_OTHER = 0, NETISR_TCP = 1, NETISR_UDP = 2 };

struct netisr *netisr_create(struct kernel *k);
void netisr_start(struct kernel *k);
void netisr_destroy(struct kernel *k);

/* Handle every message queued on `cpu`'s ports, with the rollups, as its netisr threads
 * would; `cpu` must be the calling CPU (it aborts otherwise). For unit tests and the fuzz
 * target, which run no threads. Returns the messages handled. */
uint64_t netisr_handle_queued(struct kernel *k, unsigned cpu);
/* Asynchronous send of nm to `thread` on `cpu` (lwkt_sendmsg / lwkt_sendmsg_oncpu). (thread) */
void netisr_sendmsg(struct kernel *k, struct netmsg *nm, unsigned cpu, enum netisr_thread t);
/* A function an IPI-queue entry runs on its target CPU (lwkt_send_ipiq). */
typedef void (*netisr_ipifn)(struct kernel *k, void *arg);

/* The name a handler's slices get on the timeline (else "netmsg"). (set-up) */
void netisr_name_handler(struct kernel *k, netisr_fn fn, const char *name);

/* Deferred work run by every netisr thread after each batch (netisr_register_rollup). */
typedef void (*netisr_rollup_fn)(struct kernel *k, unsigned cpu, void *arg);
void netisr_register_rollup(struct kernel *k, netisr_rollup_fn fn, void *arg);

/* Whether the caller runs as netisr work, after which this CPU's rollups run: a message
 * handler, polling(4)'s polls included (DragonFly: curthread->td_type ==
 * TD_TYPE_NETISR); not an interrupt thread that preempted one, nor set-up code. Work
 * deferred to the rollups from here is certain to run. (thread) */
bool netisr_in_work(struct kernel *k);

/* CPU that handles a flow hash: hash & mask over the power-of-two netisr CPUs. */
static inline unsigned netisr_hashcpu(const struct kernel *k, uint32_t hash)
{
    return hash & (k->k_ncpus2 - 1);
}

/* [E] counts for reports and invariants */
struct netisr_stats {
    uint64_t sent, handled;           /* messages */
    uint64_t local_puts, remote_puts;
    uint64_t ipiq_entries, ipiq_ipis, ipiq_avoided, ipiq_full_waits;
    uint64_t wakeups, wakeups_remote;
    uint64_t batches;                 /* wake-ups of netisr threads that found work */
    uint64_t spin_spins;              /* spin port lock wait rounds */
};
void netisr_stats(const struct kernel *k, struct netisr_stats *out);
/* Messages sitting in ports and IPI queues now. */
uint64_t netisr_queued(const struct kernel *k);
/* Invariants: sent == handled + queued + being sent (a put waiting for a lock or an IPI
 * queue when the check runs); every queued message is marked queued. */
void netisr_check(const struct kernel *k);
/* Apply fn to every message still queued (control messages too: nm_flags NMF_CONTROL). */
void netisr_foreach_queued(const struct kernel *k, void (*fn)(struct netmsg *nm, void *arg),
                           void *arg);

#endif
