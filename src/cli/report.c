/*
 * report.c - what `mpstack run` prints: a short table for people, or one JSON object
 * (built with Debian's libjansson) for programs.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "scenario/units.h"

/* Display scale for a metric: seconds get an SI prefix chosen from the value (and the same
 * scale is applied to its interval); anything else is shown as is. */
static double display_scale(double v, const char *unit, const char **shown)
{
    static const struct {
        double scale;
        const char *name;
    } pre[] = {{1, "s"}, {1e-3, "ms"}, {1e-6, "us"}, {1e-9, "ns"}, {1e-12, "ps"}};
    *shown = unit;
    if (strcmp(unit, "s") != 0 || v == 0 || isnan(v))
        return 1.0;
    size_t n = sizeof(pre) / sizeof(pre[0]);
    for (size_t i = 0; i < n; i++)
        if (fabs(v) >= pre[i].scale || i + 1 == n) {
            *shown = pre[i].name;
            return pre[i].scale;
        }
    return 1.0;
}

void report_table(FILE *out, const struct run_record *rec, int64_t run_id, const char *db)
{
    char sim[64], meas[64];
    units_format_duration(rec->sim_time, sim, sizeof(sim));
    units_format_duration(rec->measured, meas, sizeof(meas));
    if (run_id >= 0)
        fprintf(out, "run %lld  %s  seed %llu  (stored in %s)\n", (long long)run_id,
                rec->scenario_name, (unsigned long long)rec->seed, db);
    else
        fprintf(out, "%s  seed %llu  (not stored)\n", rec->scenario_name,
                (unsigned long long)rec->seed);
    double rate = rec->wall_seconds > 0 ? (double)rec->events / rec->wall_seconds : 0;
    fprintf(out, "simulated %s (%s measured) in %.2f s: %llu events, %.2f M events/s\n\n", sim,
            meas, rec->wall_seconds, (unsigned long long)rec->events, rate / 1e6);
    fprintf(out, "%-30s %14s %12s  %s\n", "metric", "value", "+/- 95%", "unit");
    for (size_t i = 0; i < rec->nmetrics; i++) {
        const struct metric *m = &rec->metrics[i];
        const char *unit;
        double scale = display_scale(m->value, m->unit, &unit);
        char ci[32] = "";
        if (!isnan(m->ci95))
            snprintf(ci, sizeof(ci), "%.4g", m->ci95 / scale);
        fprintf(out, "%-30s %14.6g %12s  %s\n", m->name, m->value / scale, ci, unit);
    }
}

static json_t *num_or_null(double v) { return isnan(v) || isinf(v) ? json_null() : json_real(v); }

int report_json(FILE *out, const struct run_record *rec, const struct scenario *sc,
                int64_t run_id)
{
    json_t *o = json_object();
    json_object_set_new(o, "run_id", run_id >= 0 ? json_integer(run_id) : json_null());
    json_object_set_new(o, "scenario", json_string(rec->scenario_name));
    json_object_set_new(o, "path", json_string(rec->scenario_path));
    json_object_set_new(o, "seed", json_integer((json_int_t)rec->seed));
    json_object_set_new(o, "version", json_string(rec->version));
    json_object_set_new(o, "sim_time_ps", json_integer((json_int_t)rec->sim_time));
    json_object_set_new(o, "measured_ps", json_integer((json_int_t)rec->measured));
    json_object_set_new(o, "events", json_integer((json_int_t)rec->events));
    json_object_set_new(o, "wall_seconds", json_real(rec->wall_seconds));
    json_t *params = json_object();
    for (size_t i = 0; i < sc->nparams; i++)
        json_object_set_new(params, sc->params[i].key, json_string(sc->params[i].text));
    json_object_set_new(o, "params", params);
    json_t *metrics = json_object(), *units = json_object(), *ci = json_object();
    for (size_t i = 0; i < rec->nmetrics; i++) {
        const struct metric *m = &rec->metrics[i];
        json_object_set_new(metrics, m->name, num_or_null(m->value));
        json_object_set_new(units, m->name, json_string(m->unit));
        if (!isnan(m->ci95))
            json_object_set_new(ci, m->name, json_real(m->ci95));
    }
    json_object_set_new(o, "metrics", metrics);
    json_object_set_new(o, "ci95", ci);
    json_object_set_new(o, "units", units);
    int rc = json_dumpf(o, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    fputc('\n', out);
    json_decref(o);
    return rc == 0 ? 0 : 1;
}
