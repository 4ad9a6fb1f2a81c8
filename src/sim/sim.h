/*
 * sim.h - the discrete-event engine: time, events, timers, simulated CPUs and threads,
 * sleep/wakeup and message ports.
 *
 * Execution model (docs/architecture.md, "Execution model"):
 *  - One event queue per simulation, ordered by (time, insertion sequence).
 *  - A simulated thread is a coroutine bound to a simulated CPU. Its code runs on the host
 *    in zero simulated time, except what it charges with sim_charge()/sim_charge_ps(),
 *    which advances the thread's local clock.
 *  - Temporal decoupling: a thread may run ahead of global time by up to `quantum` ps
 *    before it synchronises. Every interaction (sending a message, waking or sleeping,
 *    taking a lock, an IPI) is a synchronisation point: the thread first waits until
 *    global time reaches its local clock, so interactions happen in global time order.
 *    quantum 0 is exact: every charge synchronises.
 *  - Each CPU has a pluggable scheduling policy (sim_sched.h). The first one is LWKT:
 *    fixed priorities, round robin among equals, no preemption except by interrupt
 *    threads. An interrupt thread that becomes runnable while another thread runs
 *    preempts it at that instant; the preempted thread's remaining work resumes when the
 *    interrupt thread blocks, so it is delayed by exactly the handler's run time.
 *
 * Who may call what: functions marked (thread) must be called from a simulated thread's
 * code; (any) also from event handlers in the engine. No function here is thread-safe in
 * the host sense: a simulation runs on one host thread, and two simulations share nothing.
 */
#ifndef MPSTACK_SIM_SIM_H
#define MPSTACK_SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "evq.h"
#include "rng.h"
#include "sim_time.h"

struct sim;
struct sim_cpu;
struct sim_thread;
struct sim_sched_ops;

typedef evq_fn sim_event_fn;
typedef evq_id sim_event_id;

/* ---- the simulation ---------------------------------------------------------------- */

struct sim_params {
    uint64_t seed;            /* master seed of every random stream */
    sim_time_t quantum;       /* temporal-decoupling quantum, 0 = exact */
    enum evq_kind evq;        /* event-queue back end */
    size_t stack_size;        /* default coroutine stack size in bytes (0 = default) */
};

#define SIM_DEFAULT_STACK (256u * 1024u)

struct sim *sim_create(const struct sim_params *p);
/* Frees everything: CPUs, threads (finished or still blocked), pending events. */
void sim_destroy(struct sim *sim);

/* Global simulated time (the time of the event being handled). (any) */
sim_time_t sim_now(const struct sim *sim);
/* Time as the caller sees it: the current thread's local clock, or global time. (any)
 * Under temporal decoupling a thread's local clock is provisional until its next
 * synchronisation point: an interrupt that arrives meanwhile delays the thread further. */
sim_time_t sim_local_now(const struct sim *sim);
uint64_t sim_seed(const struct sim *sim);
sim_time_t sim_quantum(const struct sim *sim);
/* Events executed so far. */
uint64_t sim_events(const struct sim *sim);
size_t sim_pending_events(const struct sim *sim);
struct evq *sim_evq(struct sim *sim);

/* Run events with time <= end, then leave the clock at `end` (unless stopped early).
 * Must be called from the engine (not from a simulated thread). Returns the number of
 * events executed by this call. */
uint64_t sim_run_until(struct sim *sim, sim_time_t end);
/* Ask sim_run_until to return after the current event. (any) */
void sim_stop(struct sim *sim);
bool sim_stopped(const struct sim *sim);

/* Called from sim_run_until every `every` events, e.g. to draw a progress line. */
typedef void (*sim_progress_fn)(struct sim *sim, void *arg);
void sim_set_progress(struct sim *sim, sim_progress_fn fn, void *arg, uint64_t every);

/* Derive the named random stream from the master seed (rng.h). (any) */
void sim_rng(const struct sim *sim, const char *name, struct rng *out);

/* ---- events and timers ------------------------------------------------------------- */

/* Schedule fn(sim, arg) at absolute time `when` (>= now). (any) */
sim_event_id sim_at(struct sim *sim, sim_time_t when, sim_event_fn fn, void *arg);
/* Schedule relative to the caller's local time. (any) */
sim_event_id sim_after(struct sim *sim, sim_time_t delay, sim_event_fn fn, void *arg);
/* Cancel a pending event; false if it already ran or was cancelled. (any) */
bool sim_cancel(struct sim *sim, sim_event_id id);

/* A re-armable timer. Re-arming to a later time than the pending expiry does not touch the
 * event queue: the pending event notices the new deadline when it fires and re-schedules
 * itself (the callout trick used by kernel timer wheels), so TCP-style timers that are
 * pushed back on every ACK cost O(1). */
struct sim_timer {
    sim_event_id ev;      /* [E] pending queue event, if any */
    sim_time_t ev_when;   /* [E] time of that event */
    sim_time_t when;      /* [E] current deadline (>= ev_when) */
    sim_event_fn fn;
    void *arg;
    bool armed;
};

void sim_timer_init(struct sim_timer *t, sim_event_fn fn, void *arg);
void sim_timer_arm(struct sim *sim, struct sim_timer *t, sim_time_t when);   /* (any) */
void sim_timer_cancel(struct sim *sim, struct sim_timer *t);                  /* (any) */
static inline bool sim_timer_armed(const struct sim_timer *t) { return t->armed; }

/* ---- CPU time categories ----------------------------------------------------------- */

/* Threads carry a category; each CPU accumulates busy time per category. 0 is "idle" (the
 * remainder) and 1 is "sched" (context-switch time); others are registered by name. */
#define SIM_CAT_IDLE 0
#define SIM_CAT_SCHED 1
#define SIM_MAX_CATEGORIES 16

int sim_category(struct sim *sim, const char *name);
int sim_ncategories(const struct sim *sim);
const char *sim_category_name(const struct sim *sim, int cat);

/* ---- CPUs ---------------------------------------------------------------------------- */

struct sim_cpu_params {
    int id;                              /* CPU number within its host */
    uint64_t hz;                         /* core clock */
    uint64_t switch_cycles;              /* cost of switching to a different thread */
    const struct sim_sched_ops *sched;   /* NULL = LWKT */
    const char *host;                    /* owning host's name, for reports */
};

struct sim_cpu *sim_cpu_add(struct sim *sim, const struct sim_cpu_params *p);
size_t sim_ncpus(const struct sim *sim);
struct sim_cpu *sim_cpu_at(const struct sim *sim, size_t index);
int sim_cpu_id(const struct sim_cpu *cpu);
uint64_t sim_cpu_hz(const struct sim_cpu *cpu);
const char *sim_cpu_host(const struct sim_cpu *cpu);
/* Busy time per category from time 0 up to `t` (t >= the CPU's last state change, normally
 * sim_now()); out[SIM_CAT_IDLE] is the rest. out has SIM_MAX_CATEGORIES entries. */
void sim_cpu_times(const struct sim_cpu *cpu, sim_time_t t, sim_time_t *out);
uint64_t sim_cpu_switches(const struct sim_cpu *cpu);
uint64_t sim_cpu_preemptions(const struct sim_cpu *cpu);
/* The thread that owns the CPU now (running, or suspended mid-work), or NULL if idle. */
struct sim_thread *sim_cpu_current(const struct sim_cpu *cpu);

/* ---- threads ------------------------------------------------------------------------- */

/* Priorities follow DragonFly's LWKT (sys/sys/thread.h): higher runs first. */
enum {
    SIM_PRI_IDLE = 0,
    SIM_PRI_USER_NORM = 6,
    SIM_PRI_KERN_USER = 10,
    SIM_PRI_KERN_DAEMON = 12,
    SIM_PRI_SOFT_NORM = 14,
    SIM_PRI_SOFT_TIMER = 16,
    SIM_PRI_INT_SUPPORT = 20,
    SIM_PRI_INT_LOW = 27,
    SIM_PRI_INT_MED = 28,
    SIM_PRI_INT_HIGH = 29,
    SIM_PRI_MAX = 31,
};

/* Thread flags. */
#define SIM_TDF_INTR 0x1u   /* an interrupt thread: may preempt (policy decides) */

struct sim_thread_params {
    const char *name;
    int pri;
    unsigned flags;
    int category;                /* from sim_category() */
    void (*fn)(void *arg);       /* thread body; returning ends the thread */
    void *arg;
    size_t stack_size;           /* 0 = the simulation's default */
};

/* Create a thread on `cpu`, not yet runnable. (any) */
struct sim_thread *sim_thread_create(struct sim *sim, struct sim_cpu *cpu,
                                     const struct sim_thread_params *p);
/* Make a new thread runnable at the caller's time. (any) */
void sim_thread_start(struct sim *sim, struct sim_thread *td);

const char *sim_thread_name(const struct sim_thread *td);
struct sim_cpu *sim_thread_cpu(const struct sim_thread *td);
bool sim_thread_finished(const struct sim_thread *td);
/* The simulated thread whose code is running, NULL in an event handler. (any) */
struct sim_thread *sim_curthread(const struct sim *sim);

/* Consume CPU time on the current thread's CPU. (thread) */
void sim_charge(struct sim *sim, uint64_t cycles);
void sim_charge_ps(struct sim *sim, sim_time_t ps);
/* Critical section (DragonFly crit_enter/crit_exit): an interrupt thread that would
 * preempt the current thread waits until the outermost crit_exit, then preempts at once
 * (its delay is the time it waited). Nests. (thread) */
void sim_crit_enter(struct sim *sim);
void sim_crit_exit(struct sim *sim);
/* Synchronisation point: wait until global time reaches the local clock. (thread) */
void sim_sync(struct sim *sim);
/* Give the CPU to another runnable thread of equal or higher priority, if any. (thread) */
void sim_yield(struct sim *sim);
/* End the current thread (returning from its body does the same). (thread) */
_Noreturn void sim_thread_exit(struct sim *sim);

/* ---- sleep and wakeup ------------------------------------------------------------------ */

#define SIM_ETIMEDOUT 60

/* Block the current thread on `chan` until sim_wakeup(chan) or, if timeout > 0, until
 * timeout ps pass. Returns 0 when woken, SIM_ETIMEDOUT on timeout. (thread) */
int sim_sleep(struct sim *sim, const void *chan, sim_time_t timeout);
/* Wake every thread sleeping on chan, in the order they went to sleep. (any) */
void sim_wakeup(struct sim *sim, const void *chan);
/* Wake the thread that has slept longest on chan. (any) */
void sim_wakeup_one(struct sim *sim, const void *chan);

/* ---- message ports --------------------------------------------------------------------- */

/*
 * A message is owned by exactly one party at a time: the sender until sim_port_put(), the
 * port while queued, the receiver after sim_port_get(), and the reply port (or the waiting
 * sender) after sim_port_reply(). The message is an intrusive header that the caller embeds
 * as the first member of its own message struct (DragonFly's lwkt_msg, netmsg_base).
 */
#define SIM_MSGF_QUEUED 0x1u  /* sitting on a port */
#define SIM_MSGF_DONE 0x2u    /* replied */
#define SIM_MSGF_SYNC 0x4u    /* a sender waits in sim_port_domsg() */

struct sim_port;

struct sim_msg {
    struct sim_msg *ms_next;      /* port queue link, owned by the port */
    struct sim_port *ms_reply;    /* where sim_port_reply() sends it (NULL: just mark done) */
    uint32_t ms_flags;
};

struct sim_port {
    struct sim_msg *mp_head;
    struct sim_msg **mp_tailp;
    uint32_t mp_count;
    struct sim_thread *mp_waitq;  /* receivers blocked in sim_port_get(), FIFO */
    struct sim_thread **mp_waitq_tailp;
    uint64_t mp_puts;
    const char *mp_name;
};

void sim_port_init(struct sim_port *port, const char *name);
/* Queue msg (asynchronous send) and wake one blocked receiver. (any) */
void sim_port_put(struct sim *sim, struct sim_port *port, struct sim_msg *msg);
/* Blocking receive: the oldest message, waiting for one if the port is empty. (thread) */
struct sim_msg *sim_port_get(struct sim *sim, struct sim_port *port);
/* Non-blocking receive; NULL if empty. (any) */
struct sim_msg *sim_port_tryget(struct sim *sim, struct sim_port *port);
/* Reply: mark done, then wake a synchronous sender or queue on the reply port. (any) */
void sim_port_reply(struct sim *sim, struct sim_msg *msg);
/* Synchronous send: queue msg and block until it is replied. (thread) */
void sim_port_domsg(struct sim *sim, struct sim_port *port, struct sim_msg *msg);

#endif
