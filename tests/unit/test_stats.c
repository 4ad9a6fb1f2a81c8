/*
 * test_stats.c - the statistics behind every confidence interval: Student-t quantiles
 * against published table values, the time-weighted level, batch-means intervals, and the
 * random streams (independence by name, range of rng_below, exponential mean).
 */
#include <math.h>

#include "check.h"
#include "rng.h"
#include "stats.h"

static void test_t_quantiles(void)
{
    /* Two-sided 95% and 99.9% critical values from standard t tables. */
    CHECK_NEAR(stat_t_quantile(0.975, 1), 12.7062, 1e-3);
    CHECK_NEAR(stat_t_quantile(0.975, 2), 4.3027, 1e-4);
    CHECK_NEAR(stat_t_quantile(0.975, 5), 2.5706, 1e-4);
    CHECK_NEAR(stat_t_quantile(0.975, 19), 2.0930, 1e-4);
    CHECK_NEAR(stat_t_quantile(0.975, 30), 2.0423, 1e-4);
    CHECK_NEAR(stat_t_quantile(0.975, 120), 1.9799, 1e-4);
    CHECK_NEAR(stat_t_quantile(0.995, 10), 3.1693, 1e-4);
    CHECK_NEAR(stat_t_quantile(0.9995, 19), 3.8834, 1e-4);
    CHECK_NEAR(stat_t_quantile(0.9995, 29), 3.6594, 1e-4);
    CHECK_NEAR(stat_t_quantile(0.025, 19), -2.0930, 1e-4);
    CHECK_NEAR(stat_t_quantile(0.975, 1e7), 1.95996, 1e-4); /* the normal limit */
    CHECK_NEAR(stat_t_cdf(0.0, 7), 0.5, 1e-12);
    CHECK_NEAR(stat_betai(2, 3, 0.4), 0.5248, 1e-4);
}

static void test_level(void)
{
    struct stat_level l;
    stat_level_init(&l, 0, 0);
    stat_level_add(&l, 10, +2); /* 0 on [0,10) */
    stat_level_add(&l, 30, -1); /* 2 on [10,30) */
    /* 1 on [30,40) */
    CHECK_NEAR(stat_level_mean(&l, 40), (0 * 10 + 2 * 20 + 1 * 10) / 40.0, 1e-12);
    stat_level_restart(&l, 40);
    CHECK_NEAR(stat_level_mean(&l, 50), 1.0, 1e-12);
    /* exact for long runs: a level of 1e6 for 1e15 ps */
    stat_level_init(&l, 0, 1000000);
    CHECK_NEAR(stat_level_mean(&l, UINT64_C(1000000000000000)), 1e6, 1e-6);
}

static void test_batch_ci(void)
{
    double x[] = {1, 2, 3, 4, 5};
    double mean, half;
    stat_batch_ci(x, 5, 0.95, &mean, &half);
    CHECK_NEAR(mean, 3.0, 1e-12);
    /* s = sqrt(2.5), t_{0.975,4} = 2.7764 */
    CHECK_NEAR(half, 2.7764 * sqrt(2.5 / 5.0), 1e-3);
    stat_batch_ci(x, 1, 0.95, &mean, &half);
    CHECK_EQ(half, 0);
}

/* Coverage: for iid normal-ish batches the 95% interval holds the true mean about 95% of
 * the time (checked over 2000 independent trials with a fixed seed). */
static void test_ci_coverage(void)
{
    struct rng g;
    rng_init(&g, 99, "coverage");
    int hits = 0, trials = 2000;
    for (int t = 0; t < trials; t++) {
        double x[10];
        for (int i = 0; i < 10; i++) {
            double s = 0;
            for (int k = 0; k < 12; k++)
                s += rng_uniform(&g);
            x[i] = s - 6.0; /* approximately N(0,1) */
        }
        double mean, half;
        stat_batch_ci(x, 10, 0.95, &mean, &half);
        if (fabs(mean) <= half)
            hits++;
    }
    double cover = (double)hits / trials;
    CHECK(cover > 0.93 && cover < 0.97);
}

static void test_rng_streams(void)
{
    struct rng a, b, c;
    rng_init(&a, 1, "arrivals");
    rng_init(&b, 1, "arrivals");
    rng_init(&c, 1, "service");
    int same = 1, differ = 0;
    for (int i = 0; i < 100; i++) {
        uint64_t x = rng_u64(&a), y = rng_u64(&b), z = rng_u64(&c);
        same &= x == y;
        differ += x != z;
    }
    CHECK(same);
    CHECK_EQ(differ, 100);
    /* rng_below covers its range without bias on a small n */
    int counts[3] = {0, 0, 0};
    for (int i = 0; i < 30000; i++)
        counts[rng_below(&a, 3)]++;
    for (int k = 0; k < 3; k++)
        CHECK(counts[k] > 9500 && counts[k] < 10500);
    struct stat_acc acc;
    stat_acc_init(&acc);
    for (int i = 0; i < 200000; i++)
        stat_acc_add(&acc, rng_exp(&a, 5.0));
    CHECK_NEAR(acc.mean, 5.0, 0.06);
    CHECK_NEAR(stat_acc_var(&acc), 25.0, 0.6);
}

int main(void)
{
    RUN(test_t_quantiles);
    RUN(test_level);
    RUN(test_batch_ci);
    RUN(test_ci_coverage);
    RUN(test_rng_streams);
    return check_result();
}
