/*
 * sched_lwkt.c - DragonFly LWKT-style per-CPU scheduling policy.
 *
 * Modelled on sys/kern/lwkt_thread.c (Hsu, "The DragonFlyBSD Operating System", 2004, and
 * seed 002): 32 fixed priority levels (TDPRI_*, sys/sys/thread.h), the highest non-empty
 * level runs, threads of equal priority take turns in FIFO order (a thread that wakes or
 * yields goes to the tail). A kernel thread is never preempted by another kernel thread;
 * only an interrupt thread of higher priority takes the CPU at once, and it "borrows" it:
 * the preempted thread continues as soon as the interrupt thread blocks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "panic.h"
#include "sim.h"
#include "sim_sched.h"

#define LWKT_LEVELS (SIM_PRI_MAX + 1)

struct lwkt_rq {
    struct sim_thread *head[LWKT_LEVELS];
    struct sim_thread *tail[LWKT_LEVELS];
    uint32_t mask; /* bit p set: level p not empty */
};

static void *lwkt_create(struct sim_cpu *cpu)
{
    (void)cpu;
    return xcalloc(1, sizeof(struct lwkt_rq));
}

static void lwkt_destroy(void *rq) { free(rq); }

static void lwkt_enqueue(void *rqp, struct sim_thread *td, enum sim_enqueue_why why)
{
    (void)why; /* woken and yielding threads both go to the tail of their level */
    struct lwkt_rq *rq = rqp;
    int p = sim_thread_pri(td);
    *sim_thread_rqlink(td) = NULL;
    if (rq->tail[p])
        *sim_thread_rqlink(rq->tail[p]) = td;
    else
        rq->head[p] = td;
    rq->tail[p] = td;
    rq->mask |= UINT32_C(1) << p;
}

static struct sim_thread *lwkt_peek(void *rqp)
{
    struct lwkt_rq *rq = rqp;
    if (!rq->mask)
        return NULL;
    return rq->head[31 - __builtin_clz(rq->mask)];
}

static void lwkt_remove(void *rqp, struct sim_thread *td)
{
    struct lwkt_rq *rq = rqp;
    int p = sim_thread_pri(td);
    struct sim_thread *prev = NULL, *t = rq->head[p];
    while (t && t != td) {
        prev = t;
        t = *sim_thread_rqlink(t);
    }
    SIM_ASSERTF(t == td, "thread %s is not on its run queue", sim_thread_name(td));
    struct sim_thread *next = *sim_thread_rqlink(td);
    if (prev)
        *sim_thread_rqlink(prev) = next;
    else
        rq->head[p] = next;
    if (rq->tail[p] == td)
        rq->tail[p] = prev;
    if (!rq->head[p])
        rq->mask &= ~(UINT32_C(1) << p);
    *sim_thread_rqlink(td) = NULL;
}

static enum sim_preempt lwkt_preempts(const struct sim_thread *cur, const struct sim_thread *cand)
{
    if ((sim_thread_flags(cand) & SIM_TDF_INTR) && sim_thread_pri(cand) > sim_thread_pri(cur))
        return SIM_PREEMPT_BORROW;
    return SIM_PREEMPT_NO;
}

static bool lwkt_yields_to(const struct sim_thread *cur, const struct sim_thread *cand)
{
    return sim_thread_pri(cand) >= sim_thread_pri(cur);
}

const struct sim_sched_ops sim_sched_lwkt = {
    .name = "lwkt",
    .doc = "DragonFly LWKT: fixed priorities, round robin among equals, preemption only "
           "by interrupt threads",
    .create = lwkt_create,
    .destroy = lwkt_destroy,
    .enqueue = lwkt_enqueue,
    .peek = lwkt_peek,
    .remove = lwkt_remove,
    .preempts = lwkt_preempts,
    .yields_to = lwkt_yields_to,
};

const struct sim_sched_ops *sim_sched_find(const char *name)
{
    static const struct sim_sched_ops *const all[] = {&sim_sched_lwkt};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (strcmp(all[i]->name, name) == 0)
            return all[i];
    return NULL;
}
