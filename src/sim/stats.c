/*
 * stats.c - collectors and the Student-t machinery behind confidence intervals.
 */
#include "stats.h"

#include <math.h>

#include "panic.h"

void stat_acc_add(struct stat_acc *a, double x)
{
    a->n++;
    double d = x - a->mean;
    a->mean += d / (double)a->n;
    a->m2 += d * (x - a->mean);
}

double stat_acc_var(const struct stat_acc *a)
{
    return a->n > 1 ? a->m2 / (double)(a->n - 1) : 0.0;
}

void stat_level_init(struct stat_level *l, sim_time_t t, int64_t value)
{
    l->start = l->last = t;
    l->value = value;
    l->area = 0;
}

void stat_level_add(struct stat_level *l, sim_time_t t, int64_t delta)
{
    SIM_ASSERTF(t >= l->last, "level changed at %llu ps, before its last change %llu ps",
                (unsigned long long)t, (unsigned long long)l->last);
    l->area += (__int128)l->value * (__int128)(t - l->last);
    l->last = t;
    l->value += delta;
}

double stat_level_mean(const struct stat_level *l, sim_time_t t)
{
    SIM_ASSERT(t >= l->last);
    if (t == l->start)
        return (double)l->value;
    __int128 area = l->area + (__int128)l->value * (__int128)(t - l->last);
    return (double)area / (double)(t - l->start);
}

void stat_level_restart(struct stat_level *l, sim_time_t t)
{
    SIM_ASSERT(t >= l->last);
    l->start = l->last = t;
    l->area = 0;
}

/* One modified-Lentz step with partial numerator aa: updates c and d, returns the factor
 * by which the continued fraction's value changes. */
static double lentz_step(double aa, double *c, double *d)
{
    const double tiny = 1e-300;
    *d = 1.0 + aa * *d;
    if (fabs(*d) < tiny)
        *d = tiny;
    *c = 1.0 + aa / *c;
    if (fabs(*c) < tiny)
        *c = tiny;
    *d = 1.0 / *d;
    return *d * *c;
}

/* Continued fraction for I_x(a, b), evaluated with the modified Lentz method
 * (Lentz 1976; Press et al., "Numerical Recipes", 3rd ed., section 6.4): each iteration m
 * contributes an even term m(b-m)x / ((a+2m-1)(a+2m)) and an odd term
 * -(a+m)(a+b+m)x / ((a+2m)(a+2m+1)). */
static double betacf(double a, double b, double x)
{
    /* first term: c starts at 1, d at 1 / (1 - (a+b)x / (a+1)) */
    double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
    if (fabs(d) < 1e-300)
        d = 1e-300;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 10000; m++) {
        double m2 = 2.0 * m;
        h *= lentz_step(m * (b - m) * x / ((a - 1.0 + m2) * (a + m2)), &c, &d);
        double del = lentz_step(-(a + m) * (a + b + m) * x / ((a + m2) * (a + 1.0 + m2)), &c, &d);
        h *= del;
        if (fabs(del - 1.0) < 1e-15)
            break;
    }
    return h;
}

double stat_betai(double a, double b, double x)
{
    if (x <= 0.0)
        return 0.0;
    if (x >= 1.0)
        return 1.0;
    double lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
    double bt = exp(lbt);
    /* The continued fraction converges fast for x < (a+1)/(a+b+2); use the symmetry
     * I_x(a,b) = 1 - I_{1-x}(b,a) otherwise. */
    if (x < (a + 1.0) / (a + b + 2.0))
        return bt * betacf(a, b, x) / a;
    return 1.0 - bt * betacf(b, a, 1.0 - x) / b;
}

double stat_t_cdf(double t, double df)
{
    double tail = 0.5 * stat_betai(0.5 * df, 0.5, df / (df + t * t));
    return t >= 0 ? 1.0 - tail : tail;
}

double stat_t_quantile(double p, double df)
{
    SIM_ASSERTF(p > 0.0 && p < 1.0 && df > 0.0, "t quantile of p=%g df=%g", p, df);
    if (p == 0.5)
        return 0.0;
    if (p < 0.5)
        return -stat_t_quantile(1.0 - p, df);
    /* Bracket, then bisect: the CDF is monotone, so this cannot fail to converge. */
    double lo = 0.0, hi = 1.0;
    while (stat_t_cdf(hi, df) < p)
        hi *= 2.0;
    for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
        double mid = 0.5 * (lo + hi);
        if (stat_t_cdf(mid, df) < p)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

void stat_batch_ci(const double *x, int n, double level, double *mean, double *half)
{
    struct stat_acc a;
    stat_acc_init(&a);
    for (int i = 0; i < n; i++)
        stat_acc_add(&a, x[i]);
    *mean = a.mean;
    if (n < 2) {
        *half = 0.0;
        return;
    }
    double t = stat_t_quantile(0.5 * (1.0 + level), (double)(n - 1));
    *half = t * sqrt(stat_acc_var(&a) / (double)n);
}
