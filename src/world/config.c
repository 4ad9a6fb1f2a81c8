/*
 * config.c - the parameter tables of an mpstack scenario: sim, hosts, workloads, outputs.
 * docs/parameters.md is generated from these tables (and the applications' own).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "apps/queue.h"
#include "scenario/scenario.h"
#include "sim/evq.h"

const char *const config_sched_names[] = {"lwkt", NULL};
/* In enum evq_kind order. */
static const char *const evq_names[] = {"heap", "calendar", "radix", NULL};

static const struct param_def root_params[] = {
    {.key = "description", .type = PT_STRING, .offset = offsetof(struct config, description),
     .def = "", .doc = "one line saying what the scenario shows (listed by `mpstack list`)"},
};

#define SIMF(f) offsetof(struct sim_cfg, f)
static const struct param_def sim_params[] = {
    {.key = "duration", .type = PT_DURATION, .offset = SIMF(duration), .def = "1s",
     .min = 1, .max = 1e16,
     .doc = "simulated time measured after the warm-up; the run ends at warmup + duration"},
    {.key = "warmup", .type = PT_DURATION, .offset = SIMF(warmup), .def = "0s", .min = 0,
     .max = 1e16, .doc = "simulated time run before measuring starts (statistics are reset)"},
    {.key = "seed", .type = PT_UINT, .offset = SIMF(seed), .def = "1",
     .doc = "master seed; every random stream is derived from it and its own name"},
    {.key = "quantum", .type = PT_DURATION, .offset = SIMF(quantum), .def = "0s", .min = 0,
     .max = 1e12,
     .doc = "temporal-decoupling quantum: how far a thread may run ahead of global time "
            "between synchronisation points (0 = exact)"},
    {.key = "event_queue", .type = PT_ENUM, .offset = SIMF(event_queue), .def = "radix",
     .choices = evq_names,
     .doc = "pending-event structure; all give identical results, radix is the fastest "
            "(docs/performance.md)"},
};

#define HOSTF(f) offsetof(struct host_cfg, f)
static const struct param_def host_params[] = {
    {.key = "cpus", .type = PT_UINT, .offset = HOSTF(cpus), .def = "1", .min = 1, .max = 1024,
     .unit = "CPUs", .doc = "number of simulated CPUs (hardware threads)"},
    {.key = "freq", .type = PT_FREQ, .offset = HOSTF(freq), .def = "2.1GHz", .min = 1e6,
     .max = 1e11, .doc = "core clock: converts charged cycles into time"},
    {.key = "sched", .type = PT_ENUM, .offset = HOSTF(sched), .def = "lwkt",
     .choices = config_sched_names,
     .doc = "per-CPU scheduling policy (lwkt: fixed priorities, round robin among equals, "
            "preemption only by interrupt threads)"},
    {.key = "switch_cycles", .type = PT_UINT, .offset = HOSTF(switch_cycles), .def = "0",
     .min = 0, .max = 1e7, .unit = "cycles",
     .doc = "cost of switching a CPU to a different thread (0: free, as in the queueing "
            "validation)"},
};

#define WLF(f) offsetof(struct workload_cfg, f)
static const struct param_def workload_params[] = {
    {.key = "host", .type = PT_REF, .offset = WLF(host), .ref = "hosts",
     .doc = "the host whose CPUs run this workload"},
};

static const struct variant_def workload_kinds[] = {
    {.name = "queue",
     .doc = "Poisson arrivals served by threads on simulated CPUs (M/M/1, M/D/1, M/M/c, "
            "partitioned)",
     .params = queue_params, .nparams = QUEUE_NPARAMS, .size = sizeof(struct queue_cfg)},
};

#define OUTF(f) offsetof(struct outputs_cfg, f)
static const struct param_def output_params[] = {
    {.key = "db", .type = PT_STRING, .offset = OUTF(db), .def = "results/mpstack.sqlite",
     .doc = "SQLite results database (created if missing; --db overrides)"},
    {.key = "store", .type = PT_BOOL, .offset = OUTF(store), .def = "true",
     .doc = "store the run in the database"},
};

static const struct section_def sections[] = {
    {.key = "sim", .kind = SEC_OBJECT, .doc = "the run: length, seed, engine settings",
     .params = sim_params, .nparams = PARAM_COUNT(sim_params), .size = sizeof(struct sim_cfg),
     .offset = offsetof(struct config, sim)},
    {.key = "hosts", .kind = SEC_MAP, .doc = "simulated machines",
     .params = host_params, .nparams = PARAM_COUNT(host_params),
     .size = sizeof(struct host_cfg), .offset = offsetof(struct config, hosts),
     .count_offset = offsetof(struct config, nhosts),
     .name_offset = offsetof(struct host_cfg, name)},
    {.key = "workloads", .kind = SEC_MAP, .doc = "what runs on the hosts",
     .params = workload_params, .nparams = PARAM_COUNT(workload_params),
     .size = sizeof(struct workload_cfg), .offset = offsetof(struct config, workloads),
     .count_offset = offsetof(struct config, nworkloads),
     .name_offset = offsetof(struct workload_cfg, name), .discriminator = "kind",
     .variants = workload_kinds, .nvariants = PARAM_COUNT(workload_kinds),
     .variant_index_offset = offsetof(struct workload_cfg, kind),
     .variant_ptr_offset = offsetof(struct workload_cfg, kcfg)},
    {.key = "outputs", .kind = SEC_OBJECT, .doc = "where results go",
     .params = output_params, .nparams = PARAM_COUNT(output_params),
     .size = sizeof(struct outputs_cfg), .offset = offsetof(struct config, outputs)},
};

const struct host_cfg *config_host(const struct config *c, const char *name)
{
    for (size_t i = 0; i < c->nhosts; i++)
        if (strcmp(c->hosts[i].name, name) == 0)
            return &c->hosts[i];
    return NULL;
}

/* Checks that need more than one key. */
static void config_check(const struct scenario *sc, struct diag *d)
{
    const struct config *c = sc->cfg;
    for (size_t i = 0; i < c->nworkloads; i++) {
        const struct workload_cfg *w = &c->workloads[i];
        const struct host_cfg *h = config_host(c, w->host);
        if (strcmp(workload_kinds[w->kind].name, "queue") == 0)
            queue_check(sc, w, h, d);
    }
}

const struct schema config_schema = {
    .name = "mpstack scenario",
    .params = root_params,
    .nparams = PARAM_COUNT(root_params),
    .sections = sections,
    .nsections = PARAM_COUNT(sections),
    .size = sizeof(struct config),
    .check = config_check,
};

const char *config_scenario_dir(void)
{
    const char *env = getenv("MPSTACK_SCENARIOS");
    return env && *env ? env : MPSTACK_SOURCE_DIR "/scenarios";
}
