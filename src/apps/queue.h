/*
 * queue.h - the queueing workload: Poisson arrivals served by simulated threads.
 *
 * `servers` threads run on CPUs 0..servers-1 of the host, one per CPU. Each arrival is a
 * message carrying its service time; a server takes it from a port (blocking receive),
 * charges the service time on its CPU, and completes it. With discipline "shared" all
 * servers receive from one port (M/M/c); with "partitioned" each server has its own port
 * and arrivals are dispatched by a hash of a random flow key (c independent M/M/1 queues,
 * as RSS spreads flows over rings). Measured: waiting and response times, numbers in
 * system and in queue (time averages), and the servers' CPU utilisation, each with a
 * batch-means 95% confidence interval, next to the closed forms of queue_theory.h.
 */
#ifndef MPSTACK_APPS_QUEUE_H
#define MPSTACK_APPS_QUEUE_H

#include <stdint.h>

#include "apps/app.h"
#include "scenario/param.h"
#include "scenario/scenario.h"
#include "sim/sim_time.h"

struct host_cfg;
struct workload_cfg;

enum queue_discipline { QUEUE_SHARED, QUEUE_PARTITIONED };
enum queue_service { QUEUE_EXPONENTIAL, QUEUE_DETERMINISTIC };

struct queue_cfg {
    uint64_t servers;
    int discipline;
    int service;
    sim_time_t mean_service;
    double load;
    uint64_t batches;
};

#define QUEUE_NPARAMS 6
extern const struct param_def queue_params[QUEUE_NPARAMS];
extern const struct app_ops queue_app_ops;

/* Cross-key checks (servers must fit on the host). */
void queue_check(const struct scenario *sc, const struct workload_cfg *w,
                 const struct host_cfg *h, unsigned host_cpus, struct diag *d);

#endif
