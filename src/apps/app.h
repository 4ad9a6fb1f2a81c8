/*
 * app.h - the interface between the world and a workload ("application").
 *
 * A workload kind (a queueing model today; forwarding, HTTP and UDP benchmarks later)
 * creates its threads and events on the hosts of a world, is told when measurement starts
 * (end of the warm-up), and reports its metrics into the run record at the end.
 */
#ifndef MPSTACK_APPS_APP_H
#define MPSTACK_APPS_APP_H

#include "results/metrics.h"
#include "sim/sim_time.h"

struct world;
struct workload_cfg;

struct app_ops {
    const char *kind;
    void *(*create)(struct world *w, const struct workload_cfg *cfg);
    void (*measure_start)(void *app, sim_time_t t);
    void (*report)(void *app, struct run_record *rec, sim_time_t t);
    void (*destroy)(void *app);
};

#endif
