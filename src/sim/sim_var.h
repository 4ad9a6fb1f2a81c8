/*
 * sim_var.h - engine internals shared by sim.c, sim_cpu.c, sim_sync.c and the policies.
 *
 * Field ownership: [I] immutable after creation, [E] engine only (all of this is engine
 * state; the simulated machine's own state lives elsewhere).
 */
#ifndef MPSTACK_SIM_SIM_VAR_H
#define MPSTACK_SIM_SIM_VAR_H

#include "coro.h"
#include "sim.h"
#include "sim_sched.h"

enum td_state {
    TD_NEW,        /* created, never started */
    TD_RUNNABLE,   /* on its CPU's run queue */
    TD_RUNNING,    /* owns its CPU: executing, or suspended until its resume event */
    TD_PREEMPTED,  /* set aside by an interrupt thread, with `remaining` work */
    TD_BLOCKED,    /* sleeping or waiting on a port */
    TD_DEAD,
};

struct sim_thread {
    struct sim *sim;              /* [I] */
    struct sim_cpu *cpu;          /* [I] threads do not migrate */
    char name[48];                /* [I] */
    int pri;                      /* [I] */
    unsigned flags;               /* [I] SIM_TDF_* */
    int category;                 /* [I] */
    unsigned trace_tid;           /* [E] its timeline track, 0 until first used */
    unsigned trace_depth;         /* [E] slices its code has open */
    uint64_t trace_open;          /* [E] which of those were written (bit per depth) */
    void (*fn)(void *);           /* [I] */
    void *arg;                    /* [I] */
    enum td_state state;          /* [E] */
    struct coro coro;             /* [E] */
    sim_time_t local;             /* [E] local clock while it owns the CPU */
    sim_time_t remaining;         /* [E] unfinished work when preempted */
    uint64_t cyc_rem;             /* [E] cycle-to-ps rounding carry */
    sim_event_id resume_ev;       /* [E] pending resume, while suspended */
    struct sim_thread *rq_next;   /* [E] run-queue link (policy) */
    struct sim_thread *pre_next;  /* [E] CPU's preempted stack */
    struct sim_thread *wq_next;   /* [E] port wait queue */
    struct sim_thread *sq_next;   /* [E] sleep-queue bucket */
    struct sim_thread **sq_prevp; /* [E] */
    const void *wchan;            /* [E] sleep channel */
    int wresult;                  /* [E] */
    unsigned crit;                /* [E] critical-section depth (no preemption) */
    struct sim_timer wtimer;      /* [E] sleep timeout */
    struct sim_thread *all_next;  /* [E] every thread of the simulation */
};

struct sim_cpu {
    struct sim *sim;                    /* [I] */
    int id;                             /* [I] */
    uint64_t hz;                        /* [I] */
    sim_time_t switch_ps;               /* [I] */
    const char *host;                   /* [I] */
    const struct sim_sched_ops *sched;  /* [I] */
    void *rq;                           /* [E] policy state */
    struct sim_thread *cur;             /* [E] owner of the CPU, NULL when idle */
    struct sim_thread *last;            /* [E] last thread dispatched */
    struct sim_thread *preempted;       /* [E] stack of preempted threads */
    bool crit_deferred;                 /* [E] an interrupt waits for the owner's crit_exit */
    sim_time_t run_start;               /* [E] start of cur's current stretch */
    sim_time_t run_body;                /* [E] end of that stretch's switch time */
    sim_time_t acct[SIM_MAX_CATEGORIES];/* [E] closed busy time per category */
    uint64_t switches, preemptions;     /* [E] */
};

#define SIM_SLEEPQ_BUCKETS 256

struct sim {
    struct sim_params p;                 /* [I] */
    struct evq *evq;                     /* [E] */
    sim_time_t now;                      /* [E] */
    uint64_t events;                     /* [E] */
    uint64_t lookahead;                  /* [E] synchronisations that needed no event */
    struct sim_trace *trace;             /* [E] timeline being written, or NULL */
    sim_time_t run_end;                  /* end of the current sim_run_until */
    bool stop;                           /* [E] */
    struct coro main;                    /* [E] the engine's own context */
    struct sim_thread *cur;              /* [E] thread whose code runs, or NULL */
    struct sim_cpu **cpus;               /* [E] */
    size_t ncpus, cpus_cap;
    struct sim_thread *threads;          /* [E] all threads, newest first */
    struct sim_sleepq {
        struct sim_thread *head, **tailp;
    } sleepq[SIM_SLEEPQ_BUCKETS];         /* [E] FIFO per bucket */
    char cats[SIM_MAX_CATEGORIES][32];  /* [E] */
    int ncats;
    sim_progress_fn progress;            /* [E] */
    void *progress_arg;
    uint64_t progress_every, progress_left;
};

/* sim_cpu.c: state transitions. */
void sim_cpu_destroy(struct sim_cpu *cpu);
/* A blocked or new thread becomes runnable now (may preempt; see sim_after_wakeups). */
void sim_thread_make_runnable(struct sim *sim, struct sim_thread *td);
/* The current thread gives up its CPU in `state` and switches to the engine. */
void sim_thread_suspend(struct sim *sim, struct sim_thread *td, enum td_state state);
/* If the running thread was preempted by a wakeup it made, switch out now. */
void sim_after_wakeups(struct sim *sim);
/* Synchronise if called from a thread (no-op in event handlers). */
void sim_sync_if_thread(struct sim *sim);

#endif
