/*
 * config.h - the bound form of a scenario: what the loader fills from YAML.
 *
 * The parameter tables that define these fields (keys, types, defaults, ranges, docs) are
 * in config.c and, for workload kinds, next to each application (src/apps). All fields are
 * [I]: immutable once the scenario is loaded.
 */
#ifndef MPSTACK_WORLD_CONFIG_H
#define MPSTACK_WORLD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario/param.h"
#include "sim/sim_time.h"

struct sim_cfg {
    sim_time_t duration;     /* measured time, after the warm-up */
    sim_time_t warmup;
    uint64_t seed;
    sim_time_t quantum;
    int event_queue;         /* enum evq_kind */
};

struct host_cfg {
    char *name;
    uint64_t cpus;
    uint64_t freq;           /* Hz */
    int sched;               /* index into config_sched_names */
    uint64_t switch_cycles;
};

struct workload_cfg {
    char *name;
    int kind;                /* index into the workload kinds */
    void *kcfg;              /* the kind's own struct (e.g. struct queue_cfg) */
    char *host;
};

struct outputs_cfg {
    char *db;
    bool store;
};

struct config {
    char *description;
    struct sim_cfg sim;
    struct host_cfg *hosts;
    size_t nhosts;
    struct workload_cfg *workloads;
    size_t nworkloads;
    struct outputs_cfg outputs;
};

/* The schema of an mpstack scenario. */
extern const struct schema config_schema;
extern const char *const config_sched_names[];

/* Directory of shipped scenarios and presets: $MPSTACK_SCENARIOS, else the source tree's
 * scenarios/ directory. */
const char *config_scenario_dir(void);

const struct host_cfg *config_host(const struct config *c, const char *name);

#endif
