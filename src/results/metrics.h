/*
 * metrics.h - what one run produces, in memory until it is stored in one transaction.
 *
 * Metrics are named scalars with a unit and, where the run can estimate it, the half-width
 * of a 95% confidence interval. Names are stable (docs/results.md lists them); applications
 * prefix theirs with the workload name ("q.wait.mean"). Series are (time, value) samples,
 * e.g. one per batch. CPU time is per host, CPU and category over the measured window.
 */
#ifndef MPSTACK_RESULTS_METRICS_H
#define MPSTACK_RESULTS_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim_time.h"

struct metric {
    char *name;
    double value;
    char *unit;
    double ci95;      /* half-width; NaN when not estimated */
};

struct series_point {
    char *name;
    sim_time_t t;
    double value;
};

struct cpu_time_row {
    char *host;
    int cpu;
    char *category;
    sim_time_t ps;
};

/* One cell of a CPU-by-CPU matrix (IPIs sent from src to dst; cache lines dst took from
 * src). */
struct pair_row {
    char *host;
    char *name;
    int src, dst;
    double value;
};

/* One bucket of a histogram: `count` samples at most `upper` (in `unit`). */
struct hist_row {
    char *name;
    char *unit;
    double upper;
    uint64_t count;
};

struct run_record {
    /* identity */
    char *scenario_path;
    char *scenario_name;
    char *description;
    uint64_t seed;
    char sweep_id[64];       /* "" when the run belongs to no sweep */
    char version[96];
    char started_at[40];     /* UTC, ISO 8601 */
    /* totals */
    double wall_seconds;
    sim_time_t sim_time;     /* simulated time at the end (warm-up included) */
    sim_time_t measured;     /* length of the measured window */
    uint64_t events;
    bool interrupted;
    /* outputs */
    struct metric *metrics;
    size_t nmetrics, metrics_cap;
    struct series_point *series;
    size_t nseries, series_cap;
    struct cpu_time_row *cpu;
    size_t ncpu, cpu_cap;
    struct pair_row *pairs;
    size_t npairs, pairs_cap;
    struct hist_row *hist;
    size_t nhist, hist_cap;
};

void rec_init(struct run_record *r);
void rec_fini(struct run_record *r);
/* Add a metric; a name already present aborts (names must be unique within a run). */
void rec_metric(struct run_record *r, const char *name, double value, const char *unit,
                double ci95);
/* The same without a confidence interval, the name built printf-style. */
void rec_metricf(struct run_record *r, const char *unit, double value, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void rec_series(struct run_record *r, const char *name, sim_time_t t, double value);
void rec_cpu_time(struct run_record *r, const char *host, int cpu, const char *category,
                  sim_time_t ps);
void rec_pair(struct run_record *r, const char *host, const char *name, int src, int dst,
              double value);
void rec_hist(struct run_record *r, const char *name, const char *unit, double upper,
              uint64_t count);
const struct metric *rec_find_metric(const struct run_record *r, const char *name);

#endif
