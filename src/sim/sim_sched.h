/*
 * sim_sched.h - the per-CPU scheduling policy interface.
 *
 * A policy owns the run queue of one CPU. The engine asks it where a runnable thread goes,
 * which thread runs next, and whether a newly runnable thread preempts the one that owns
 * the CPU. How a preemption is carried out is the engine's business (sim_cpu.c): the
 * preempted thread's unfinished work is set aside and resumed later, so it is delayed by
 * exactly the time the CPU spent elsewhere.
 */
#ifndef MPSTACK_SIM_SCHED_H
#define MPSTACK_SIM_SCHED_H

#include <stdbool.h>

struct sim_cpu;
struct sim_thread;

enum sim_enqueue_why {
    SIM_ENQ_WAKEUP,   /* became runnable */
    SIM_ENQ_YIELD,    /* gave up the CPU voluntarily */
};

enum sim_preempt {
    SIM_PREEMPT_NO,       /* queue the new thread */
    SIM_PREEMPT_BORROW,   /* run it now; the preempted thread resumes when it blocks
                           * (LWKT: an interrupt thread borrows the CPU) */
};

struct sim_sched_ops {
    const char *name;
    const char *doc;
    void *(*create)(struct sim_cpu *cpu);
    void (*destroy)(void *rq);
    void (*enqueue)(void *rq, struct sim_thread *td, enum sim_enqueue_why why);
    /* Highest-priority runnable thread, without removing it; NULL if none. */
    struct sim_thread *(*peek)(void *rq);
    void (*remove)(void *rq, struct sim_thread *td);
    /* Does `cand`, just made runnable, preempt `cur`, which owns the CPU? */
    enum sim_preempt (*preempts)(const struct sim_thread *cur, const struct sim_thread *cand);
    /* Should `cur`, which yields, give the CPU to `cand` (the best runnable thread)? */
    bool (*yields_to)(const struct sim_thread *cur, const struct sim_thread *cand);
};

extern const struct sim_sched_ops sim_sched_lwkt;

/* Look a policy up by name ("lwkt"); NULL if unknown. */
const struct sim_sched_ops *sim_sched_find(const char *name);

/* Thread attributes a policy may read. */
int sim_thread_pri(const struct sim_thread *td);
unsigned sim_thread_flags(const struct sim_thread *td);
/* The run-queue link a policy may use while the thread is queued. */
struct sim_thread **sim_thread_rqlink(struct sim_thread *td);

#endif
