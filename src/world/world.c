/*
 * world.c - build the simulated hosts and workloads of a scenario and run them.
 */
#include "world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/app.h"
#include "apps/queue.h"
#include "sim/panic.h"
#include "sim/sim_sched.h"
#include "version.h"

/* Workload kinds, in the order of the schema's variants (config.c). */
static const struct app_ops *const app_kinds[] = {&queue_app_ops};

struct world_app {
    const struct app_ops *ops;
    void *state;
};

struct world {
    const struct config *cfg;
    struct sim *sim;
    struct world_host *hosts;
    size_t nhosts;
    struct world_app *apps;
    size_t napps;
    sim_time_t start, end;
    /* per CPU (in sim order), busy time per category at the start of measurement */
    sim_time_t (*mark)[SIM_MAX_CATEGORIES];
};

struct sim *world_sim(const struct world *w) { return w->sim; }
const struct config *world_config(const struct world *w) { return w->cfg; }
sim_time_t world_measure_start(const struct world *w) { return w->start; }
sim_time_t world_end(const struct world *w) { return w->end; }

const struct world_host *world_host(const struct world *w, const char *name)
{
    for (size_t i = 0; i < w->nhosts; i++)
        if (strcmp(w->hosts[i].cfg->name, name) == 0)
            return &w->hosts[i];
    return NULL;
}

static void measure_start(struct sim *sim, void *arg)
{
    struct world *w = arg;
    sim_time_t t = sim_now(sim);
    for (size_t i = 0; i < sim_ncpus(sim); i++)
        sim_cpu_times(sim_cpu_at(sim, i), t, w->mark[i]);
    for (size_t i = 0; i < w->napps; i++)
        w->apps[i].ops->measure_start(w->apps[i].state, t);
}

struct world *world_create(const struct scenario *sc)
{
    const struct config *cfg = sc->cfg;
    struct world *w = xcalloc(1, sizeof(*w));
    w->cfg = cfg;
    struct sim_params sp = {.seed = cfg->sim.seed, .quantum = cfg->sim.quantum,
                            .evq = (enum evq_kind)cfg->sim.event_queue};
    w->sim = sim_create(&sp);
    w->start = cfg->sim.warmup;
    w->end = cfg->sim.warmup + cfg->sim.duration;
    w->nhosts = cfg->nhosts;
    w->hosts = xcalloc(cfg->nhosts ? cfg->nhosts : 1, sizeof(*w->hosts));
    for (size_t i = 0; i < cfg->nhosts; i++) {
        const struct host_cfg *hc = &cfg->hosts[i];
        struct world_host *h = &w->hosts[i];
        h->cfg = hc;
        h->ncpus = (size_t)hc->cpus;
        h->cpus = xcalloc(h->ncpus, sizeof(*h->cpus));
        const struct sim_sched_ops *sched = sim_sched_find(config_sched_names[hc->sched]);
        SIM_ASSERT(sched != NULL);
        for (size_t c = 0; c < h->ncpus; c++) {
            struct sim_cpu_params cp = {.id = (int)c, .hz = hc->freq,
                                        .switch_cycles = hc->switch_cycles, .sched = sched,
                                        .host = hc->name};
            h->cpus[c] = sim_cpu_add(w->sim, &cp);
        }
    }
    w->mark = xcalloc(sim_ncpus(w->sim) ? sim_ncpus(w->sim) : 1, sizeof(*w->mark));
    /* First event of the run, so at equal times measurement starts before anything else. */
    sim_at(w->sim, w->start, measure_start, w);
    w->napps = cfg->nworkloads;
    w->apps = xcalloc(w->napps ? w->napps : 1, sizeof(*w->apps));
    for (size_t i = 0; i < cfg->nworkloads; i++) {
        const struct workload_cfg *wc = &cfg->workloads[i];
        SIM_ASSERT(wc->kind >= 0 && (size_t)wc->kind < sizeof(app_kinds) / sizeof(app_kinds[0]));
        w->apps[i].ops = app_kinds[wc->kind];
        w->apps[i].state = w->apps[i].ops->create(w, wc);
    }
    return w;
}

void world_destroy(struct world *w)
{
    if (!w)
        return;
    sim_destroy(w->sim); /* threads first: they may point into application state */
    for (size_t i = 0; i < w->napps; i++)
        w->apps[i].ops->destroy(w->apps[i].state);
    for (size_t i = 0; i < w->nhosts; i++)
        free(w->hosts[i].cpus);
    free(w->hosts);
    free(w->apps);
    free(w->mark);
    free(w);
}

bool world_run(struct world *w)
{
    sim_run_until(w->sim, w->end);
    return !sim_stopped(w->sim);
}

static void report_cpu_time(struct world *w, struct run_record *rec, sim_time_t t)
{
    struct sim *sim = w->sim;
    for (size_t i = 0; i < sim_ncpus(sim); i++) {
        struct sim_cpu *cpu = sim_cpu_at(sim, i);
        sim_time_t now[SIM_MAX_CATEGORIES];
        sim_cpu_times(cpu, t, now);
        for (int c = 0; c < sim_ncategories(sim); c++)
            rec_cpu_time(rec, sim_cpu_host(cpu), sim_cpu_id(cpu), sim_category_name(sim, c),
                         now[c] - w->mark[i][c]);
    }
}

void world_report(struct world *w, const struct scenario *sc, struct run_record *rec)
{
    const struct config *cfg = w->cfg;
    sim_time_t t = sim_now(w->sim);
    rec->scenario_path = xstrdup(sc->path);
    rec->scenario_name = xstrdup(sc->name);
    rec->description = xstrdup(cfg->description ? cfg->description : "");
    rec->seed = cfg->sim.seed;
    snprintf(rec->version, sizeof(rec->version), "%s (%s)", MPSTACK_VERSION, MPSTACK_GIT);
    rec->sim_time = t;
    rec->measured = t > w->start ? t - w->start : 0;
    rec->events = sim_events(w->sim);
    rec->interrupted = sim_stopped(w->sim);
    if (t >= w->start)
        report_cpu_time(w, rec, t);
    for (size_t i = 0; i < w->napps; i++)
        w->apps[i].ops->report(w->apps[i].state, rec, t);
}
