/*
 * sim.c - the simulation object: clock, event loop, timers, categories, random streams.
 */
#include "sim_var.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "panic.h"

struct sim *sim_create(const struct sim_params *p)
{
    struct sim *sim = xcalloc(1, sizeof(*sim));
    sim->p = *p;
    if (sim->p.stack_size == 0)
        sim->p.stack_size = SIM_DEFAULT_STACK;
    sim->evq = evq_create(p->evq);
    coro_init_main(&sim->main);
    snprintf(sim->cats[SIM_CAT_IDLE], sizeof(sim->cats[0]), "idle");
    snprintf(sim->cats[SIM_CAT_SCHED], sizeof(sim->cats[0]), "sched");
    sim->ncats = 2;
    for (int i = 0; i < SIM_SLEEPQ_BUCKETS; i++)
        sim->sleepq[i].tailp = &sim->sleepq[i].head;
    return sim;
}

void sim_destroy(struct sim *sim)
{
    if (!sim)
        return;
    SIM_ASSERTF(sim->cur == NULL, "sim_destroy called from simulated thread %s",
                sim->cur ? sim->cur->name : "");
    struct sim_thread *td = sim->threads;
    while (td) {
        struct sim_thread *next = td->all_next;
        coro_destroy(&td->coro);
        free(td);
        td = next;
    }
    for (size_t i = 0; i < sim->ncpus; i++)
        sim_cpu_destroy(sim->cpus[i]);
    free(sim->cpus);
    evq_destroy(sim->evq);
    free(sim);
}

sim_time_t sim_now(const struct sim *sim) { return sim->now; }

sim_time_t sim_local_now(const struct sim *sim)
{
    return sim->cur ? sim->cur->local : sim->now;
}

uint64_t sim_seed(const struct sim *sim) { return sim->p.seed; }
sim_time_t sim_quantum(const struct sim *sim) { return sim->p.quantum; }
uint64_t sim_events(const struct sim *sim) { return sim->events; }
size_t sim_pending_events(const struct sim *sim) { return evq_size(sim->evq); }
struct evq *sim_evq(struct sim *sim) { return sim->evq; }

void sim_rng(const struct sim *sim, const char *name, struct rng *out)
{
    rng_init(out, sim->p.seed, name);
}

void sim_set_progress(struct sim *sim, sim_progress_fn fn, void *arg, uint64_t every)
{
    sim->progress = fn;
    sim->progress_arg = arg;
    sim->progress_every = every ? every : 1;
    sim->progress_left = sim->progress_every;
}

void sim_stop(struct sim *sim) { sim->stop = true; }
bool sim_stopped(const struct sim *sim) { return sim->stop; }

uint64_t sim_run_until(struct sim *sim, sim_time_t end)
{
    SIM_ASSERTF(sim->cur == NULL, "sim_run_until called from simulated thread %s",
                sim->cur->name);
    SIM_ASSERTF(end >= sim->now, "run end %llu ps is before now %llu ps",
                (unsigned long long)end, (unsigned long long)sim->now);
    uint64_t start = sim->events;
    sim->run_end = end;
    while (!sim->stop) {
        if (evq_peek_time(sim->evq) > end)
            break;
        sim_time_t t;
        evq_fn fn;
        void *arg;
        evq_pop(sim->evq, &t, &fn, &arg);
        SIM_ASSERTF(t >= sim->now, "clock would run backwards: %llu ps after %llu ps",
                    (unsigned long long)t, (unsigned long long)sim->now);
        sim->now = t;
        sim->events++;
        fn(sim, arg);
        if (sim->progress && --sim->progress_left == 0) {
            sim->progress_left = sim->progress_every;
            sim->progress(sim, sim->progress_arg);
        }
    }
    if (!sim->stop && sim->now < end)
        sim->now = end;
    return sim->events - start;
}

sim_event_id sim_at(struct sim *sim, sim_time_t when, sim_event_fn fn, void *arg)
{
    return evq_push(sim->evq, when, fn, arg);
}

sim_event_id sim_after(struct sim *sim, sim_time_t delay, sim_event_fn fn, void *arg)
{
    return evq_push(sim->evq, sim_local_now(sim) + delay, fn, arg);
}

bool sim_cancel(struct sim *sim, sim_event_id id) { return evq_cancel(sim->evq, id); }

/* ---- timers ---- */

static void timer_fire(struct sim *sim, void *arg)
{
    struct sim_timer *t = arg;
    t->ev = EVQ_NONE;
    if (!t->armed)
        return;
    if (t->when > sim->now) { /* pushed back while pending: sleep on */
        t->ev_when = t->when;
        t->ev = evq_push(sim->evq, t->when, timer_fire, t);
        return;
    }
    t->armed = false;
    t->fn(sim, t->arg);
}

void sim_timer_init(struct sim_timer *t, sim_event_fn fn, void *arg)
{
    memset(t, 0, sizeof(*t));
    t->fn = fn;
    t->arg = arg;
}

void sim_timer_arm(struct sim *sim, struct sim_timer *t, sim_time_t when)
{
    sim_time_t now = sim_local_now(sim);
    if (when < now)
        when = now;
    if (t->armed && evq_is_pending(sim->evq, t->ev) && t->ev_when <= when) {
        t->when = when; /* the pending event will notice and sleep on */
        return;
    }
    if (evq_id_valid(t->ev))
        evq_cancel(sim->evq, t->ev);
    t->when = t->ev_when = when;
    t->armed = true;
    t->ev = evq_push(sim->evq, when, timer_fire, t);
}

void sim_timer_cancel(struct sim *sim, struct sim_timer *t)
{
    if (evq_id_valid(t->ev))
        evq_cancel(sim->evq, t->ev);
    t->ev = EVQ_NONE;
    t->armed = false;
}

/* ---- categories ---- */

int sim_category(struct sim *sim, const char *name)
{
    for (int i = 0; i < sim->ncats; i++)
        if (strcmp(sim->cats[i], name) == 0)
            return i;
    SIM_ASSERTF(sim->ncats < SIM_MAX_CATEGORIES, "more than %d CPU-time categories",
                SIM_MAX_CATEGORIES);
    SIM_ASSERTF(strlen(name) < sizeof(sim->cats[0]), "category name '%s' too long", name);
    snprintf(sim->cats[sim->ncats], sizeof(sim->cats[0]), "%s", name);
    return sim->ncats++;
}

int sim_ncategories(const struct sim *sim) { return sim->ncats; }

const char *sim_category_name(const struct sim *sim, int cat)
{
    return cat >= 0 && cat < sim->ncats ? sim->cats[cat] : "?";
}
