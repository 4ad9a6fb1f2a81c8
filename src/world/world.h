/*
 * world.h - a simulation built from a loaded scenario: hosts with their CPUs, and the
 * workloads running on them. The world schedules the start of measurement (the end of the
 * warm-up), runs to the end, and gathers every workload's metrics and the per-CPU time
 * into a run record.
 */
#ifndef MPSTACK_WORLD_WORLD_H
#define MPSTACK_WORLD_WORLD_H

#include <stdbool.h>
#include <stddef.h>

#include "results/metrics.h"
#include "scenario/scenario.h"
#include "sim/sim.h"
#include "world/config.h"

struct world_host {
    const struct host_cfg *cfg;
    struct hw_host *hw;
    struct sim_cpu **cpus;
    size_t ncpus;
    uint64_t *ipi0;          /* IPIs per (from, to) pair when measurement started */
};

struct world;
struct config;

struct world *world_create(const struct scenario *sc);
/* The timeline file of a run: outputs.trace, with "-<variant>" before .json for a compare:
 * variant. */
void world_trace_path(const struct config *c, char *out, size_t n);
void world_destroy(struct world *w);

struct sim *world_sim(const struct world *w);
const struct config *world_config(const struct world *w);
const struct world_host *world_host(const struct world *w, const char *name);
sim_time_t world_measure_start(const struct world *w);
sim_time_t world_end(const struct world *w);

/* Run to the end. Returns false if sim_stop() cut it short. */
bool world_run(struct world *w);

/* Fill rec with identity, totals, CPU time over the measured window, the devices' and
 * every workload's metrics. Checks the run's invariants (every frame accounted for, the
 * caches' directory consistent) and aborts if one is broken. Call once, after world_run. */
void world_report(struct world *w, const struct scenario *sc, struct run_record *rec);

#endif
