/*
 * metrics.c - the in-memory run record.
 */
#include "metrics.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/panic.h"

void rec_init(struct run_record *r) { memset(r, 0, sizeof(*r)); }

void rec_fini(struct run_record *r)
{
    for (size_t i = 0; i < r->nmetrics; i++) {
        free(r->metrics[i].name);
        free(r->metrics[i].unit);
    }
    for (size_t i = 0; i < r->nseries; i++)
        free(r->series[i].name);
    for (size_t i = 0; i < r->ncpu; i++) {
        free(r->cpu[i].host);
        free(r->cpu[i].category);
    }
    for (size_t i = 0; i < r->npairs; i++) {
        free(r->pairs[i].host);
        free(r->pairs[i].name);
    }
    free(r->metrics);
    free(r->series);
    free(r->cpu);
    free(r->pairs);
    for (size_t i = 0; i < r->nhist; i++) {
        free(r->hist[i].name);
        free(r->hist[i].unit);
    }
    free(r->hist);
    free(r->scenario_path);
    free(r->scenario_name);
    free(r->description);
    memset(r, 0, sizeof(*r));
}

const struct metric *rec_find_metric(const struct run_record *r, const char *name)
{
    for (size_t i = 0; i < r->nmetrics; i++)
        if (strcmp(r->metrics[i].name, name) == 0)
            return &r->metrics[i];
    return NULL;
}

void rec_metric(struct run_record *r, const char *name, double value, const char *unit,
                double ci95)
{
    SIM_ASSERTF(!rec_find_metric(r, name), "metric %s reported twice", name);
    xgrow((void **)&r->metrics, &r->metrics_cap, r->nmetrics + 1, sizeof(*r->metrics));
    r->metrics[r->nmetrics++] = (struct metric){xstrdup(name), value, xstrdup(unit ? unit : ""),
                                                ci95};
}

void rec_metricf(struct run_record *r, const char *unit, double value, const char *fmt, ...)
{
    char name[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof(name), fmt, ap);
    va_end(ap);
    rec_metric(r, name, value, unit, NAN);
}

void rec_series(struct run_record *r, const char *name, sim_time_t t, double value)
{
    xgrow((void **)&r->series, &r->series_cap, r->nseries + 1, sizeof(*r->series));
    r->series[r->nseries++] = (struct series_point){xstrdup(name), t, value};
}

void rec_pair(struct run_record *r, const char *host, const char *name, int src, int dst,
              double value)
{
    xgrow((void **)&r->pairs, &r->pairs_cap, r->npairs + 1, sizeof(*r->pairs));
    r->pairs[r->npairs++] = (struct pair_row){xstrdup(host), xstrdup(name), src, dst, value};
}

void rec_hist(struct run_record *r, const char *name, const char *unit, double upper,
              uint64_t count)
{
    xgrow((void **)&r->hist, &r->hist_cap, r->nhist + 1, sizeof(*r->hist));
    r->hist[r->nhist++] = (struct hist_row){xstrdup(name), xstrdup(unit), upper, count};
}

void rec_cpu_time(struct run_record *r, const char *host, int cpu, const char *category,
                  sim_time_t ps)
{
    xgrow((void **)&r->cpu, &r->cpu_cap, r->ncpu + 1, sizeof(*r->cpu));
    r->cpu[r->ncpu++] = (struct cpu_time_row){xstrdup(host), cpu, xstrdup(category), ps};
}
