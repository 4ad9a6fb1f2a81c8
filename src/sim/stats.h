/*
 * stats.h - statistics collectors for simulation output.
 *
 *  stat_acc    running mean and variance of samples (Welford's method);
 *  stat_level  time-weighted mean of an integer level such as "jobs in system", with the
 *              area kept as an exact 128-bit integer of level x picoseconds;
 *  stat_batch_ci  confidence interval of a steady-state mean from batch means
 *              (the batch-means method: Law, "Simulation Modeling and Analysis", ch. 9),
 *              using the Student-t quantile computed here from the regularised incomplete
 *              beta function, not from a table.
 */
#ifndef MPSTACK_SIM_STATS_H
#define MPSTACK_SIM_STATS_H

#include <stdint.h>

#include "sim_time.h"

struct stat_acc {
    uint64_t n;
    double mean;
    double m2;
};

static inline void stat_acc_init(struct stat_acc *a) { a->n = 0; a->mean = 0; a->m2 = 0; }
void stat_acc_add(struct stat_acc *a, double x);
/* Sample variance (n - 1 denominator); 0 with fewer than two samples. */
double stat_acc_var(const struct stat_acc *a);

struct stat_level {
    sim_time_t start;   /* start of the current averaging window */
    sim_time_t last;    /* time of the last change */
    int64_t value;
    __int128 area;      /* sum of value x duration since `start`, in level-ps */
};

void stat_level_init(struct stat_level *l, sim_time_t t, int64_t value);
/* Change the level by delta at time t (t must not precede the last change). */
void stat_level_add(struct stat_level *l, sim_time_t t, int64_t delta);
/* Time-weighted mean over [start, t). */
double stat_level_mean(const struct stat_level *l, sim_time_t t);
/* Start a new window at t, keeping the current level. */
void stat_level_restart(struct stat_level *l, sim_time_t t);

/* Student's t distribution with df degrees of freedom. */
double stat_t_cdf(double t, double df);
/* Quantile: the x with P(T <= x) = p, for 0 < p < 1. */
double stat_t_quantile(double p, double df);
/* Regularised incomplete beta function I_x(a, b). */
double stat_betai(double a, double b, double x);

/* Mean of n batch means and the half-width of its two-sided confidence interval at
 * `level` (e.g. 0.95): t_{(1+level)/2, n-1} * s / sqrt(n). half is 0 when n < 2. */
void stat_batch_ci(const double *x, int n, double level, double *mean, double *half);

#endif
