/*
 * sim_cpu.c - simulated CPUs and the life of a simulated thread on one.
 *
 * A CPU is owned by at most one thread at a time (cpu->cur). The owner is either executing
 * (its coroutine is the one running on the host) or suspended until its resume event: it
 * has charged work up to its local clock and waits for global time to catch up. Whatever
 * happens to the CPU meanwhile is decided in global time order:
 *
 *   - the owner blocks, yields or exits:  its stretch is accounted, the policy picks the
 *     next thread, which gets a resume event at now + switch time;
 *   - an interrupt thread becomes runnable and the policy says it preempts ("borrows" the
 *     CPU, as LWKT does): the owner's resume event is cancelled, its unfinished work
 *     (local clock - now) is kept in `remaining`, it goes on the CPU's preempted stack and
 *     the interrupt thread runs at once. When the interrupt thread blocks, the preempted
 *     thread resumes with the same `remaining`: it is delayed by exactly the time the CPU
 *     spent elsewhere, at the instant the interrupt arrived.
 *
 * Time accounting is per stretch: [run_start, run_body) is switch time (category "sched"),
 * from run_body on the owner's category. sim_cpu_times() adds the open stretch up to any
 * instant, so a reader can snapshot busy time at a warm-up or batch boundary.
 */
#include "sim_var.h"
#include "trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "panic.h"

/* ---- CPUs ---- */

struct sim_cpu *sim_cpu_add(struct sim *sim, const struct sim_cpu_params *p)
{
    SIM_ASSERT(p->hz > 0);
    struct sim_cpu *cpu = xcalloc(1, sizeof(*cpu));
    cpu->sim = sim;
    cpu->id = p->id;
    cpu->hz = p->hz;
    cpu->switch_ps = sim_cycles_to_ps(p->switch_cycles, p->hz, NULL);
    cpu->host = p->host ? xstrdup(p->host) : xstrdup("");
    cpu->sched = p->sched ? p->sched : &sim_sched_lwkt;
    cpu->rq = cpu->sched->create(cpu);
    xgrow((void **)&sim->cpus, &sim->cpus_cap, sim->ncpus + 1, sizeof(*sim->cpus));
    sim->cpus[sim->ncpus++] = cpu;
    return cpu;
}

void sim_cpu_destroy(struct sim_cpu *cpu)
{
    cpu->sched->destroy(cpu->rq);
    free((void *)cpu->host);
    free(cpu);
}

size_t sim_ncpus(const struct sim *sim) { return sim->ncpus; }

struct sim_cpu *sim_cpu_at(const struct sim *sim, size_t i)
{
    return i < sim->ncpus ? sim->cpus[i] : NULL;
}

int sim_cpu_id(const struct sim_cpu *cpu) { return cpu->id; }
uint64_t sim_cpu_hz(const struct sim_cpu *cpu) { return cpu->hz; }
const char *sim_cpu_host(const struct sim_cpu *cpu) { return cpu->host; }
uint64_t sim_cpu_switches(const struct sim_cpu *cpu) { return cpu->switches; }
uint64_t sim_cpu_preemptions(const struct sim_cpu *cpu) { return cpu->preemptions; }
struct sim_thread *sim_cpu_current(const struct sim_cpu *cpu) { return cpu->cur; }

/* Split [start, t) of the open stretch into switch time and owner time. */
static void stretch_split(const struct sim_cpu *cpu, sim_time_t t, sim_time_t *sched,
                          sim_time_t *body)
{
    SIM_ASSERTF(t >= cpu->run_start, "cpu %d: accounting at %llu before stretch start %llu",
                cpu->id, (unsigned long long)t, (unsigned long long)cpu->run_start);
    if (t <= cpu->run_body) {
        *sched = t - cpu->run_start;
        *body = 0;
    } else {
        *sched = cpu->run_body - cpu->run_start;
        *body = t - cpu->run_body;
    }
}

static void acct_close(struct sim_cpu *cpu, sim_time_t t)
{
    if (!cpu->cur)
        return;
    sim_time_t sched, body;
    stretch_split(cpu, t, &sched, &body);
    cpu->acct[SIM_CAT_SCHED] += sched;
    cpu->acct[cpu->cur->category] += body;
    if (cpu->sim->trace)
        sim_trace_cpu_slice(cpu->sim->trace, cpu->cur, cpu->id, cpu->host, cpu->run_start, t);
    cpu->run_start = cpu->run_body = t;
}

void sim_cpu_times(const struct sim_cpu *cpu, sim_time_t t, sim_time_t *out)
{
    memcpy(out, cpu->acct, sizeof(cpu->acct));
    if (cpu->cur) {
        sim_time_t sched, body;
        stretch_split(cpu, t, &sched, &body);
        out[SIM_CAT_SCHED] += sched;
        out[cpu->cur->category] += body;
    }
    sim_time_t busy = 0;
    for (int i = 1; i < SIM_MAX_CATEGORIES; i++)
        busy += out[i];
    SIM_ASSERTF(busy <= t, "cpu %d busy %llu ps in %llu ps", cpu->id, (unsigned long long)busy,
                (unsigned long long)t);
    out[SIM_CAT_IDLE] = t - busy;
}

/* ---- dispatch ---- */

static void ev_resume(struct sim *sim, void *arg)
{
    struct sim_thread *td = arg;
    td->resume_ev = EVQ_NONE;
    SIM_ASSERTF(td->cpu->cur == td && td->state == TD_RUNNING,
                "resuming %s, which does not own cpu %d (state %d)", td->name, td->cpu->id,
                (int)td->state);
    td->local = sim->now;
    sim->cur = td;
    coro_switch(&sim->main, &td->coro);
    sim->cur = NULL;
    if (td->state == TD_DEAD)
        coro_destroy(&td->coro);
}

/* Give the idle CPU to td at time t. */
static void cpu_run(struct sim_cpu *cpu, struct sim_thread *td, sim_time_t t)
{
    SIM_ASSERT(cpu->cur == NULL);
    sim_time_t sw = 0;
    if (cpu->last != td) {
        sw = cpu->switch_ps;
        cpu->switches++;
        cpu->last = td;
    }
    cpu->cur = td;
    td->state = TD_RUNNING;
    cpu->run_start = t;
    cpu->run_body = t + sw;
    td->local = t + sw + td->remaining;
    td->remaining = 0;
    td->resume_ev = evq_push(cpu->sim->evq, td->local, ev_resume, td);
}

/* Next owner: a preempted thread resumes unless a runnable thread would preempt it. */
static struct sim_thread *pick_next(struct sim_cpu *cpu)
{
    struct sim_thread *cand = cpu->sched->peek(cpu->rq);
    struct sim_thread *pre = cpu->preempted;
    if (pre && !(cand && cpu->sched->preempts(pre, cand) != SIM_PREEMPT_NO)) {
        cpu->preempted = pre->pre_next;
        pre->pre_next = NULL;
        return pre;
    }
    if (cand)
        cpu->sched->remove(cpu->rq, cand);
    return cand;
}

static void cpu_dispatch(struct sim_cpu *cpu, sim_time_t t)
{
    struct sim_thread *td = pick_next(cpu);
    if (td)
        cpu_run(cpu, td, t);
}

/* An interrupt thread takes the CPU from its owner at time t. */
static void preempt(struct sim *sim, struct sim_cpu *cpu, struct sim_thread *intr, sim_time_t t)
{
    struct sim_thread *cur = cpu->cur;
    if (cur == sim->cur) {
        /* The owner itself made the wakeup; it synchronised first, so nothing remains. */
        SIM_ASSERT(cur->local == t);
        cur->remaining = 0;
    } else {
        SIM_ASSERTF(cur->local >= t, "cpu %d: owner %s is behind global time", cpu->id,
                    cur->name);
        cur->remaining = cur->local - t;
        bool was_pending = evq_cancel(sim->evq, cur->resume_ev);
        SIM_ASSERTF(was_pending, "cpu %d: owner %s had no resume event", cpu->id, cur->name);
        cur->resume_ev = EVQ_NONE;
    }
    acct_close(cpu, t);
    cur->state = TD_PREEMPTED;
    cur->pre_next = cpu->preempted;
    cpu->preempted = cur;
    cpu->preemptions++;
    cpu->cur = NULL;
    cpu_run(cpu, intr, t);
}

void sim_thread_make_runnable(struct sim *sim, struct sim_thread *td)
{
    SIM_ASSERTF(td->state == TD_NEW || td->state == TD_BLOCKED,
                "waking %s in state %d", td->name, (int)td->state);
    struct sim_cpu *cpu = td->cpu;
    td->state = TD_RUNNABLE;
    if (cpu->cur && cpu->sched->preempts(cpu->cur, td) == SIM_PREEMPT_BORROW) {
        if (cpu->cur->crit == 0) {
            preempt(sim, cpu, td, sim->now);
            return;
        }
        cpu->crit_deferred = true; /* runs when the owner leaves its critical section */
    }
    cpu->sched->enqueue(cpu->rq, td, SIM_ENQ_WAKEUP);
    if (!cpu->cur)
        cpu_dispatch(cpu, sim->now);
}

void sim_after_wakeups(struct sim *sim)
{
    struct sim_thread *td = sim->cur;
    if (td && td->state == TD_PREEMPTED)
        coro_switch(&td->coro, &sim->main);
}

/* The current thread (synchronised) leaves its CPU in `state`; the policy picks the next
 * owner. The caller then switches to the engine. */
static void leave_cpu(struct sim *sim, struct sim_thread *td, enum td_state state)
{
    SIM_ASSERT(td == sim->cur);
    SIM_ASSERTF(td->local == sim->now, "%s leaves its CPU at local %llu, global %llu", td->name,
                (unsigned long long)td->local, (unsigned long long)sim->now);
    struct sim_cpu *cpu = td->cpu;
    acct_close(cpu, sim->now);
    cpu->cur = NULL;
    td->state = state;
    cpu_dispatch(cpu, sim->now);
}

void sim_thread_suspend(struct sim *sim, struct sim_thread *td, enum td_state state)
{
    leave_cpu(sim, td, state);
    coro_switch(&td->coro, &sim->main);
}

/* ---- threads ---- */

static void td_entry(void *arg)
{
    struct sim_thread *td = arg;
    td->fn(td->arg);
    sim_thread_exit(td->sim);
}

struct sim_thread *sim_thread_create(struct sim *sim, struct sim_cpu *cpu,
                                     const struct sim_thread_params *p)
{
    SIM_ASSERT(cpu && cpu->sim == sim && p->fn);
    SIM_ASSERTF(p->pri >= 0 && p->pri <= SIM_PRI_MAX, "thread %s: priority %d out of 0..%d",
                p->name, p->pri, SIM_PRI_MAX);
    SIM_ASSERTF(p->category >= 0 && p->category < sim->ncats, "thread %s: bad category %d",
                p->name, p->category);
    struct sim_thread *td = xcalloc(1, sizeof(*td));
    td->sim = sim;
    td->cpu = cpu;
    snprintf(td->name, sizeof(td->name), "%s", p->name ? p->name : "thread");
    td->pri = p->pri;
    td->flags = p->flags;
    td->category = p->category;
    td->fn = p->fn;
    td->arg = p->arg;
    td->state = TD_NEW;
    size_t stack = p->stack_size ? p->stack_size : sim->p.stack_size;
    if (coro_init(&td->coro, stack, td_entry, td) != 0)
        SIM_PANIC("cannot map a %zu-byte stack for thread %s", stack, td->name);
    td->all_next = sim->threads;
    sim->threads = td;
    return td;
}

void sim_thread_start(struct sim *sim, struct sim_thread *td)
{
    SIM_ASSERTF(td->state == TD_NEW, "thread %s started twice", td->name);
    sim_sync_if_thread(sim);
    sim_thread_make_runnable(sim, td);
    sim_after_wakeups(sim);
}

const char *sim_thread_name(const struct sim_thread *td) { return td->name; }
struct sim_cpu *sim_thread_cpu(const struct sim_thread *td) { return td->cpu; }
bool sim_thread_finished(const struct sim_thread *td) { return td->state == TD_DEAD; }
struct sim_thread *sim_curthread(const struct sim *sim) { return sim->cur; }
int sim_thread_pri(const struct sim_thread *td) { return td->pri; }
unsigned sim_thread_flags(const struct sim_thread *td) { return td->flags; }
struct sim_thread **sim_thread_rqlink(struct sim_thread *td) { return &td->rq_next; }

void sim_charge_ps(struct sim *sim, sim_time_t ps)
{
    struct sim_thread *td = sim->cur;
    SIM_ASSERTF(td != NULL, "CPU time charged outside a simulated thread");
    td->local += ps;
    if (td->local - sim->now > sim->p.quantum)
        sim_sync(sim);
}

void sim_charge(struct sim *sim, uint64_t cycles)
{
    struct sim_thread *td = sim->cur;
    SIM_ASSERTF(td != NULL, "CPU time charged outside a simulated thread");
    sim_charge_ps(sim, sim_cycles_to_ps(cycles, td->cpu->hz, &td->cyc_rem));
}

void sim_sync(struct sim *sim)
{
    struct sim_thread *td = sim->cur;
    SIM_ASSERTF(td != NULL, "sim_sync outside a simulated thread");
    if (td->local == sim->now)
        return;
    SIM_ASSERT(td->local > sim->now);
    /* Conservative look-ahead: when nothing else is due before the caller's clock (and the
     * run does not end first), pushing its resume would pop it next; advance in place. An
     * event at the same time came first, so it keeps its place: the caller yields. It
     * still counts as an event (the resume it stands for), so event counts do not depend on
     * the queue structure or on how a run is cut into sim_run_until calls. */
    if (td->local < evq_bound(sim->evq) && td->local <= sim->run_end && !sim->stop) {
        sim->now = td->local;
        sim->events++;
        sim->lookahead++;
        return;
    }
    td->resume_ev = evq_push(sim->evq, td->local, ev_resume, td);
    coro_switch(&td->coro, &sim->main);
}

void sim_sync_if_thread(struct sim *sim)
{
    if (sim->cur)
        sim_sync(sim);
}

void sim_yield(struct sim *sim)
{
    struct sim_thread *td = sim->cur;
    SIM_ASSERTF(td != NULL, "sim_yield outside a simulated thread");
    sim_sync(sim);
    struct sim_cpu *cpu = td->cpu;
    struct sim_thread *cand = cpu->sched->peek(cpu->rq);
    if (!cand || !cpu->sched->yields_to(td, cand))
        return;
    cpu->sched->enqueue(cpu->rq, td, SIM_ENQ_YIELD);
    sim_thread_suspend(sim, td, TD_RUNNABLE);
}

void sim_thread_exit(struct sim *sim)
{
    struct sim_thread *td = sim->cur;
    SIM_ASSERTF(td != NULL, "sim_thread_exit outside a simulated thread");
    sim_sync(sim);
    leave_cpu(sim, td, TD_DEAD);
    coro_exit_to(&td->coro, &sim->main);
}

/* ---- critical sections ---- */

void sim_crit_enter(struct sim *sim)
{
    SIM_ASSERTF(sim->cur != NULL, "sim_crit_enter outside a simulated thread");
    sim->cur->crit++;
}

void sim_crit_exit(struct sim *sim)
{
    struct sim_thread *td = sim->cur;
    SIM_ASSERTF(td != NULL && td->crit > 0, "sim_crit_exit without sim_crit_enter");
    if (--td->crit || !td->cpu->crit_deferred)
        return;
    struct sim_cpu *cpu = td->cpu;
    cpu->crit_deferred = false;
    sim_sync(sim); /* the interrupt arrived in the past of the local clock: let it in now */
    if (td->state != TD_RUNNING || cpu->cur != td)
        return; /* preempted while synchronising: the deferred thread has run already */
    struct sim_thread *cand = cpu->sched->peek(cpu->rq);
    if (cand && cpu->sched->preempts(td, cand) == SIM_PREEMPT_BORROW) {
        cpu->sched->remove(cpu->rq, cand);
        preempt(sim, cpu, cand, sim->now);
        coro_switch(&td->coro, &sim->main);
    }
}
