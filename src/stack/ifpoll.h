/*
 * ifpoll.h - polling(4) as DragonFly's sys/net/if_poll.c runs it (hardware.md section 4).
 *
 * Each CPU with a polled ring has an RX and a TX poll context (DragonFly polled the first
 * ncpus2 CPUs, where its power-of-two ring maps put every ring; with nics.<n>.ring_pow2
 * false, as since 2017, rings and polling cover every CPU). A periodic timer on the
 * CPU (a systimer: an interrupt, not a thread of the stack) ticks at pollhz plus
 * (cpu * 3) % 50 Hz, so that CPUs do not tick in step. At each tick it asks for a poll of
 * each context: it sends the context's poll message to the CPU's own netisr, unless a poll
 * of that context is still under way (then the tick is counted as lost).
 *
 * The polls are netisr messages, so they wait in the port behind the packets already there
 * and the rollups follow them:
 *  - rxpoll: the first one of a tick sets the tick's budget to poll_burst; each takes at
 *    most each_burst of it and calls every registered RX handler with that count (packets
 *    per ring); then it queues the "more" message behind the packets it handed over.
 *  - rxpollmore: if budget is left, queue the poll again. Otherwise the tick's work is done:
 *    its duration, as a share of a tick (kern_frac), adapts poll_burst by one, down when
 *    it is more than 100 - user_frac percent, else up to burst_max. If ticks were lost
 *    meanwhile, poll again at once with a burst cut by an eighth.
 *  - txpoll: call every registered TX handler (reclaim, restart the send queue); txpollmore
 *    polls again at once if ticks were lost.
 * A handler whose serializer is held elsewhere is skipped for that poll (lwkt_serialize_try).
 *
 * So under overload a CPU takes fewer packets from its rings at each tick, and the NIC drops
 * the rest at no CPU cost: the burst settles where the poll's work fills 100 - user_frac
 * percent of a tick.
 *
 * Where the model differs: DragonFly runs the poll handlers in a critical section, so a tick
 * arriving meanwhile waits for its end; here it may run in the middle (it finds the poll
 * under way either way and counts a lost tick). After a stall reset (more than 100 ticks
 * pending) if_poll.c's unsigned count could wrap below zero; the model stops it at zero.
 */
#ifndef MPSTACK_STACK_IFPOLL_H
#define MPSTACK_STACK_IFPOLL_H

#include <stdbool.h>
#include <stdint.h>

#include "stack/kernel.h"

struct spinlock;

/* A ring's poll handler: RX gets the most packets it may take, TX gets -1. */
typedef void (*ifpoll_iofn)(void *arg, int count);

struct ifpoll *ifpoll_create(struct kernel *k);
void ifpoll_destroy(struct kernel *k);
/* Register fn(arg, count) with the RX (rx) or TX poll context of `cpu`, called with `ser`
 * held (tried, not waited for; NULL: none). (set-up, before kernel_start) */
void ifpoll_register(struct kernel *k, unsigned cpu, bool rx, ifpoll_iofn fn, void *arg,
                     struct spinlock *ser);
/* Start the timers of the CPUs with handlers. (set-up) */
void ifpoll_start(struct kernel *k);

/* [E] totals over the CPUs with RX poll handlers (skipped and stalled: all contexts) */
struct ifpoll_stats {
    unsigned cpus;             /* CPUs with RX handlers */
    uint64_t ticks;            /* their timer ticks */
    uint64_t lost_polls;       /* RX: ticks that found the previous poll still under way */
    uint64_t stalled;          /* more than 100 ticks pending: the context was reset */
    uint64_t skipped;          /* handler calls skipped: serializer held elsewhere */
    uint64_t burst_sum;        /* current poll_burst, summed over the RX contexts */
    uint64_t kern_frac_sum;    /* last kern_frac (percent of a tick), summed likewise */
};
void ifpoll_stats(const struct kernel *k, struct ifpoll_stats *out);

#endif
