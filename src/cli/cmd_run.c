/*
 * cmd_run.c - `mpstack run`, `mpstack compare` and `mpstack validate`.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern char **environ;

#include "cli.h"
#include "results/results.h"
#include "scenario/units.h"
#include "sim/panic.h"
#include "world/config.h"
#include "world/world.h"

static const char run_usage[] =
    "usage: mpstack run FILE [--set key=value]... [--seed N] [--db PATH] [--pcap PREFIX]\n"
    "                        [--trace FILE [--trace-window START:END]] [--json] [--quiet]\n"
    "\n"
    "Run a scenario, store the run in the results database and print a summary.\n"
    "\n"
    "  --set key=value  override any parameter (e.g. --set workloads.q.load=0.9); repeatable,\n"
    "                   later ones win; see `mpstack params`\n"
    "  --seed N         master seed (same as --set sim.seed=N)\n"
    "  --db PATH        results database (same as --set outputs.db=PATH);\n"
    "                   default results/mpstack.sqlite\n"
    "  --pcap PREFIX    write each NIC port's frames to PREFIX<nic>.pcap (same as\n"
    "                   --set outputs.pcap=PREFIX)\n"
    "  --trace FILE     write a timeline (Chrome trace JSON, opens in the Perfetto UI)\n"
    "  --trace-window START:END  only that part of the run, e.g. 5ms:5.2ms\n"
    "  --json           print one JSON object (run id, scenario, seed, parameters, metrics)\n"
    "                   instead of the table\n"
    "  --quiet          no progress line and no table (errors and --json output only)\n"
    "\n"
    "A scenario mistake is reported as file:line:column and exits with status 2 having\n"
    "written nothing. Ctrl-C stops the run; nothing is stored (status 130).\n";

static const char validate_usage[] =
    "usage: mpstack validate FILE [--set key=value]...\n"
    "\n"
    "Load a scenario with its includes and overrides, check every key (and every compare:\n"
    "variant and sweep: grid value), and print the resolved parameters. Exits 0 if it is\n"
    "valid, 2 (with file:line:column messages) if not.\n";

static const char compare_usage[] =
    "usage: mpstack compare FILE [--set key=value]... [--seed N] [--db PATH] [--json] [--quiet]\n"
    "\n"
    "Run every variant of the scenario's compare: block (the scenario with that variant's\n"
    "overrides), store each as a run tagged with its variant name, and print the block's\n"
    "metrics side by side, one column per variant. --set applies to every variant and wins\n"
    "over the variant's own overrides (with a warning naming the variants it overrides).\n"
    "Options as for `mpstack run`.\n"
    "\n"
    "All variants are checked before any runs; a mistake is reported as file:line:column\n"
    "and exits with status 2. Ctrl-C stops the current variant: the variants already run\n"
    "stay stored (status 130).\n";

struct run_opts {
    const char *file;
    const char **sets;
    size_t nsets;
    bool json, quiet;
    char seed_set[96]; /* --seed N as "sim.seed=N" */
    char *db_set;      /* --db PATH as "outputs.db=PATH" */
    char **owned;      /* --pcap, --trace, --trace-window as their --set strings */
    size_t nowned;
    unsigned jobs;     /* sweep: runs at once (0: as many as CPUs) */
    size_t point[SWEEP_MAX_AXES]; /* run --sweep-point I,J,...: one index per grid axis */
    size_t npoint;
};

/* Whether the override "key=value" sets `key`. */
static bool set_has_key(const char *set, const char *key)
{
    size_t kl = strlen(key);
    return strncmp(set, key, kl) == 0 && set[kl] == '=';
}

static void add_set(struct run_opts *o, const char *s)
{
    o->sets = xrealloc(o->sets, (o->nsets + 1) * sizeof(*o->sets));
    o->sets[o->nsets++] = s;
}

/* Returns 0, or EXIT_USAGE after printing why. */
static int parse_opts(int argc, char **argv, bool is_run, struct run_opts *o)
{
    static const struct option longopts[] = {
        {"set", required_argument, NULL, 's'}, {"seed", required_argument, NULL, 'S'},
        {"db", required_argument, NULL, 'd'},  {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},     {"jobs", required_argument, NULL, 'J'},
        {"sweep-point", required_argument, NULL, 'P'}, {"pcap", required_argument, NULL, 'C'},
        {"trace", required_argument, NULL, 'T'}, {"trace-window", required_argument, NULL, 'W'},
        {NULL, 0, NULL, 0},
    };
    const char *cmd = !is_run ? "validate" : strcmp(argv[0], "compare") == 0 ? "compare"
                                           : strcmp(argv[0], "sweep") == 0   ? "sweep"
                                                                             : "run";
    const char *seed = NULL, *db = NULL;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+:", longopts, NULL)) != -1 || optind < argc) {
        if (c == -1) { /* a positional argument: allow options after it */
            if (o->file) {
                fprintf(stderr, "mpstack %s: one scenario file expected, got '%s' and '%s'\n",
                        cmd, o->file, argv[optind]);
                return EXIT_USAGE;
            }
            o->file = argv[optind++];
            continue;
        }
        bool run_only = c == 'S' || c == 'd' || c == 'j' || c == 'q' || c == 'C' || c == 'T' ||
                        c == 'W';
        bool misplaced = (c == 'J' && strcmp(cmd, "sweep") != 0) ||
                         (c == 'P' && strcmp(cmd, "run") != 0);
        if (c == ':') {
            fprintf(stderr, "mpstack %s: %s needs a value (see mpstack %s --help)\n", cmd,
                    argv[optind - 1], cmd);
            return EXIT_USAGE;
        }
        if (c == '?' || (run_only && !is_run) || misplaced) {
            fprintf(stderr, "mpstack %s: unknown option '%s' (see mpstack %s --help)\n", cmd,
                    argv[optind - 1], cmd);
            return EXIT_USAGE;
        }
        if (c == 's')
            add_set(o, optarg);
        else if (c == 'S')
            seed = optarg;
        else if (c == 'd')
            db = optarg;
        else if (c == 'j')
            o->json = true;
        else if (c == 'q')
            o->quiet = true;
        else if (c == 'C' || c == 'T' || c == 'W') {
            const char *key = c == 'C' ? "outputs.pcap" : c == 'T' ? "outputs.trace"
                                                                   : "outputs.trace_window";
            size_t n = strlen(optarg) + strlen(key) + 2;
            char *set = xmalloc(n);
            snprintf(set, n, "%s=%s", key, optarg);
            o->owned = xrealloc(o->owned, (o->nowned + 1) * sizeof(*o->owned));
            o->owned[o->nowned++] = set;
            add_set(o, set);
        } else if (c == 'J' || c == 'P') {
            const char *t = optarg;
            do {
                uint64_t v;
                char num[32];
                size_t len = strcspn(t, ",");
                snprintf(num, sizeof(num), "%.*s", (int)(len < 31 ? len : 31), t);
                if (len > 31 || units_parse_uint(num, &v) || (c == 'J' && (v < 1 || v > 1024 || t[len])) ||
                    (c == 'P' && (o->npoint == SWEEP_MAX_AXES || (t[len] == ',' && !t[len + 1])))) {
                    fprintf(stderr, "mpstack %s: --%s expects %s, got '%s'\n", cmd,
                            c == 'J' ? "jobs" : "sweep-point",
                            c == 'J' ? "1 to 1024" : "value indexes I,J,... (at most 16)", optarg);
                    return EXIT_USAGE;
                }
                if (c == 'J')
                    o->jobs = (unsigned)v;
                else
                    o->point[o->npoint++] = (size_t)v;
                t += len + (t[len] == ',');
            } while (c == 'P' && *t);
        }
    }
    if (!o->file) {
        fprintf(stderr, "mpstack %s: no scenario file given (see mpstack %s --help)\n", cmd, cmd);
        return EXIT_USAGE;
    }
    if (seed) {
        uint64_t v;
        if (units_parse_uint(seed, &v)) {
            fprintf(stderr, "mpstack %s: --seed expects a whole number, got '%s'\n", cmd, seed);
            return EXIT_USAGE;
        }
        snprintf(o->seed_set, sizeof(o->seed_set), "sim.seed=%s", seed);
        add_set(o, o->seed_set);
    }
    if (db) {
        size_t n = strlen(db) + 16;
        o->db_set = xmalloc(n);
        snprintf(o->db_set, n, "outputs.db=%s", db);
        add_set(o, o->db_set);
    }
    return 0;
}

/* Load the scenario with the command line's --set, a variant and a sweep point; mistakes go
 * to d. */
static struct scenario *load_into(const struct run_opts *o, const char *variant,
                                  const size_t *point, size_t npoint, struct diag *d)
{
    struct scenario_opts so = {.path = o->file, .sets = o->sets, .nsets = o->nsets,
                               .scenario_dir = config_scenario_dir(), .variant = variant,
                               .sweep_point = point, .nsweep_point = npoint};
    return scenario_load(&config_schema, &so, d);
}

static void report_mistakes(const struct diag *d)
{
    diag_print(d, stderr);
    fprintf(stderr, "mpstack: %zu error%s in the scenario; nothing was run or written\n",
            diag_count(d), diag_count(d) == 1 ? "" : "s");
}

static struct scenario *load_point(const struct run_opts *o, const char *variant,
                                   const size_t *point, size_t npoint)
{
    struct diag d;
    diag_init(&d);
    struct scenario *sc = load_into(o, variant, point, npoint, &d);
    if (!sc)
        report_mistakes(&d);
    diag_fini(&d);
    return sc;
}

/* Load a variant or a sweep point, adding to `seen` only the mistakes not seen at another
 * (a bad value takes part in many points; each message names its place, so repeats match). */
static struct scenario *load_once(const struct run_opts *o, const char *variant,
                                  const size_t *point, size_t npoint, struct diag *seen)
{
    struct diag d;
    diag_init(&d);
    struct scenario *sc = load_into(o, variant, point, npoint, &d);
    for (size_t i = 0; i < d.n; i++) {
        bool have = false;
        for (size_t j = 0; j < seen->n && !have; j++)
            have = strcmp(seen->msgs[j], d.msgs[i]) == 0;
        if (!have)
            diag_add(seen, NULL, "%s", d.msgs[i]);
    }
    diag_fini(&d);
    return sc;
}

/* Check what loading the scenario alone does not: every compare: variant, and every value of
 * every sweep: grid key (with the other keys at their first value). False if any is bad; its
 * mistakes are in `seen`, each once. */
static bool check_variants_and_grid(const struct run_opts *o, const struct scenario *base,
                                    struct diag *seen)
{
    bool ok = true;
    for (size_t v = 0; v < base->nvariants; v++) {
        struct scenario *sc = load_once(o, base->variants[v].name, NULL, 0, seen);
        ok = ok && sc;
        scenario_free(sc);
    }
    size_t one[SWEEP_MAX_AXES] = {0};
    for (size_t a = 0; a < base->nsweep; a++)
        for (size_t j = a ? 1 : 0; j < base->sweep[a].n; j++) {
            one[a] = j;
            struct scenario *sc = load_once(o, NULL, one, base->nsweep, seen);
            ok = ok && sc;
            scenario_free(sc);
            one[a] = 0;
        }
    return ok;
}

static struct scenario *load_variant(const struct run_opts *o, const char *variant)
{
    return load_point(o, variant, NULL, 0);
}

static struct scenario *load(const struct run_opts *o)
{
    return load_point(o, NULL, o->npoint ? o->point : NULL, o->npoint);
}

/* Parse the command line and load its scenario: 0 with *sc set, or an exit status. */
static int prepare(int argc, char **argv, bool is_run, struct run_opts *o, struct scenario **sc)
{
    *sc = NULL;
    int rc = parse_opts(argc, argv, is_run, o);
    if (rc)
        return rc;
    *sc = load(o);
    return *sc ? 0 : EXIT_USAGE;
}

/* The run's results database when outputs.store is set: 0, or 1 after saying why. */
static int open_results(const struct config *cfg, struct results_db **db)
{
    *db = NULL;
    if (!cfg->outputs.store)
        return 0;
    char err[1024];
    *db = results_open(cfg->outputs.db, err, sizeof(err));
    if (*db)
        return 0;
    fprintf(stderr, "mpstack: %s: %s\n", cfg->outputs.db, err);
    return 1;
}

static void opts_free(struct run_opts *o)
{
    free(o->sets);
    free(o->db_set);
    for (size_t i = 0; i < o->nowned; i++)
        free(o->owned[i]);
    free(o->owned);
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void utc_now(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Simulate and fill rec. Returns false if interrupted. */
static bool simulate(const struct scenario *sc, const struct run_opts *o, struct run_record *rec)
{
    utc_now(rec->started_at, sizeof(rec->started_at));
    struct world *w = world_create(sc);
    const struct config *cfg = sc->cfg;
    char label[256];
    snprintf(label, sizeof(label), "%s%s%s", sc->name, cfg->variant[0] ? " " : "", cfg->variant);
    struct progress *p = progress_start(world_sim(w), label, world_end(w), !o->quiet);
    double t0 = wall_now();
    bool done = world_run(w);
    rec->wall_seconds = wall_now() - t0;
    progress_finish(p);
    world_report(w, sc, rec);
    world_destroy(w);
    return done;
}

int cmd_run(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        fputs(run_usage, stdout);
        return 0;
    }
    struct run_opts o = {0};
    struct scenario *sc;
    int rc = prepare(argc, argv, true, &o, &sc);
    struct results_db *db = NULL;
    const struct config *cfg = sc ? sc->cfg : NULL;
    if (!rc)
        rc = open_results(cfg, &db);
    if (!rc) {
        struct run_record rec;
        rec_init(&rec);
        int64_t run_id = 0;
        if (!simulate(sc, &o, &rec)) {
            char t[64];
            units_format_duration(rec.sim_time, t, sizeof(t));
            fprintf(stderr, "mpstack: interrupted at simulated time %s; nothing stored\n", t);
            rc = EXIT_INTERRUPTED;
        } else if (db) {
            char err[1024];
            if (results_store(db, &rec, sc, &run_id, err, sizeof(err))) {
                fprintf(stderr, "mpstack: %s: %s\n", cfg->outputs.db, err);
                rc = 1;
            }
        }
        if (!rc && o.json)
            rc = report_json(stdout, &rec, sc, db ? run_id : -1);
        else if (!rc && !o.quiet)
            report_table(stdout, &rec, db ? run_id : -1, db ? cfg->outputs.db : NULL);
        rec_fini(&rec);
    }
    results_close(db);
    scenario_free(sc);
    opts_free(&o);
    return rc;
}

int cmd_validate(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        fputs(validate_usage, stdout);
        return 0;
    }
    struct run_opts o = {0};
    struct scenario *sc;
    int rc = prepare(argc, argv, false, &o, &sc);
    if (sc) { /* and what the scenario's compare: and sweep: blocks would run */
        struct diag seen;
        diag_init(&seen);
        if (!check_variants_and_grid(&o, sc, &seen)) {
            report_mistakes(&seen);
            rc = EXIT_USAGE;
            scenario_free(sc);
            sc = NULL;
        }
        diag_fini(&seen);
    }
    if (sc) {
        printf("%s: valid (%zu parameters)\n", o.file, sc->nparams);
        for (size_t i = 0; i < sc->nparams; i++) {
            const struct param_value *pv = &sc->params[i];
            char src[300];
            if (pv->mark.file)
                snprintf(src, sizeof(src), "%s:%d", pv->mark.file, pv->mark.line);
            else
                snprintf(src, sizeof(src), "default");
            printf("  %-40s %-24s %s\n", pv->key, pv->text, src);
        }
    }
    scenario_free(sc);
    opts_free(&o);
    return rc;
}

/* --help, or the options and the scenario of compare and sweep: true with *sc loaded, or
 * false with *rc the exit status. */
static bool command_start(int argc, char **argv, const char *usage, struct run_opts *o,
                          struct scenario **sc, int *rc)
{
    *sc = NULL;
    *rc = 0;
    if (cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return false;
    }
    *rc = prepare(argc, argv, true, o, sc);
    if (*rc) {
        opts_free(o);
        return false;
    }
    return true;
}

/* ---- compare ---- */

struct compare_col {
    const char *name;
    struct run_record rec;
    int64_t run_id;
    bool done;
};

static void compare_table(FILE *out, const struct scenario *base, struct compare_col *cols,
                          size_t n, const char *db)
{
    fprintf(out, "\n%s: %zu variants", base->name, n);
    if (db)
        fprintf(out, " (stored in %s)", db);
    fprintf(out, "\n\n%-28s", "metric");
    for (size_t c = 0; c < n; c++)
        fprintf(out, " %14.14s", cols[c].name);
    fprintf(out, "  unit\n%-28s", "run");
    for (size_t c = 0; c < n; c++)
        fprintf(out, " %14lld", (long long)cols[c].run_id);
    fputc('\n', out);
    for (size_t i = 0; i < base->ncompare_metrics; i++) {
        const char *name = base->compare_metrics[i];
        const char *unit = "";
        fprintf(out, "%-28s", name);
        for (size_t c = 0; c < n; c++) {
            const struct metric *m = cols[c].done ? rec_find_metric(&cols[c].rec, name) : NULL;
            if (m) {
                unit = m->unit;
                fprintf(out, " %14.5g", m->value);
            } else {
                fprintf(out, " %14s", "-");
            }
        }
        fprintf(out, "  %s\n", unit);
    }
}

static int compare_json(FILE *out, const struct scenario *base, struct compare_col *cols, size_t n)
{
    json_t *o = json_object();
    json_object_set_new(o, "scenario", json_string(base->name));
    json_t *names = json_array();
    for (size_t i = 0; i < base->ncompare_metrics; i++)
        json_array_append_new(names, json_string(base->compare_metrics[i]));
    json_object_set_new(o, "metrics", names);
    json_t *vs = json_array();
    for (size_t c = 0; c < n; c++) {
        json_t *v = json_object();
        json_object_set_new(v, "variant", json_string(cols[c].name));
        json_object_set_new(v, "run_id", cols[c].run_id >= 0 ? json_integer(cols[c].run_id)
                                                              : json_null());
        json_object_set_new(v, "seed", json_integer((json_int_t)cols[c].rec.seed));
        json_t *m = json_object();
        for (size_t i = 0; i < cols[c].rec.nmetrics; i++) {
            const struct metric *x = &cols[c].rec.metrics[i];
            json_object_set_new(m, x->name, isnan(x->value) || isinf(x->value)
                                                ? json_null() : json_real(x->value));
        }
        json_object_set_new(v, "values", m);
        json_array_append_new(vs, v);
    }
    json_object_set_new(o, "variants", vs);
    int rc = json_dumpf(o, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    fputc('\n', out);
    json_decref(o);
    return rc == 0 ? 0 : 1;
}

int cmd_compare(int argc, char **argv)
{
    struct run_opts o = {0};
    struct scenario *base;
    int rc;
    if (!command_start(argc, argv, compare_usage, &o, &base, &rc))
        return rc;
    if (!base->nvariants || !base->ncompare_metrics) {
        fprintf(stderr, "mpstack compare: %s has no compare: block with metrics: and variants: "
                        "(see docs/scenarios.md)\n", o.file);
        scenario_free(base);
        opts_free(&o);
        return EXIT_USAGE;
    }
    /* Check every variant before running any. */
    size_t n = base->nvariants;
    struct scenario **scs = xcalloc(n, sizeof(*scs));
    for (size_t i = 0; i < n; i++)
        if (!(scs[i] = load_variant(&o, base->variants[i].name)))
            rc = EXIT_USAGE;
    /* The last override of a key wins over a variant's own value of it: say so, since those
     * variants then run with the same value there. */
    for (size_t v = 0; !rc && v < n; v++)
        for (size_t k = 0; k < base->variants[v].nsets; k++) {
            const char *key = base->variants[v].keys[k], *by = NULL;
            for (size_t i = 0; i < o.nsets; i++)
                if (set_has_key(o.sets[i], key))
                    by = o.sets[i] == o.seed_set ? "--seed" : "--set";
            if (by)
                fprintf(stderr, "mpstack compare: warning: %s replaces %s of variant %s; it "
                                "runs with the %s value\n", by, key, base->variants[v].name, by);
        }
    const struct config *cfg = base->cfg;
    struct results_db *db = NULL;
    if (!rc)
        rc = open_results(cfg, &db);
    struct compare_col *cols = xcalloc(n, sizeof(*cols));
    size_t ran = 0;
    for (size_t i = 0; i < n && !rc; i++, ran++) {
        struct compare_col *c = &cols[i];
        c->name = base->variants[i].name;
        c->run_id = -1;
        rec_init(&c->rec);
        if (!simulate(scs[i], &o, &c->rec)) {
            fprintf(stderr, "mpstack: interrupted in variant %s; the %zu variant%s before it %s "
                            "stored\n", c->name, i, i == 1 ? "" : "s", i == 1 ? "is" : "are");
            rc = EXIT_INTERRUPTED;
            ran++;
            break;
        }
        if (db) {
            char err[1024];
            if (results_store(db, &c->rec, scs[i], &c->run_id, err, sizeof(err))) {
                fprintf(stderr, "mpstack: %s: %s\n", cfg->outputs.db, err);
                rc = 1;
            }
        }
        c->done = true;
    }
    for (size_t i = 0; !rc && i < base->ncompare_metrics; i++) {
        bool any = false;
        for (size_t c = 0; c < n && !any; c++)
            any = cols[c].done && rec_find_metric(&cols[c].rec, base->compare_metrics[i]);
        if (!any)
            fprintf(stderr, "mpstack compare: no variant has metric %s (compare.metrics; see "
                            "docs/results.md for the names)\n", base->compare_metrics[i]);
    }
    if (!rc && o.json)
        rc = compare_json(stdout, base, cols, n);
    else if (!rc && !o.quiet)
        compare_table(stdout, base, cols, n, db ? cfg->outputs.db : NULL);
    for (size_t i = 0; i < ran; i++)
        rec_fini(&cols[i].rec);
    free(cols);
    for (size_t i = 0; i < n; i++)
        scenario_free(scs[i]);
    free(scs);
    results_close(db);
    scenario_free(base);
    opts_free(&o);
    return rc;
}

/* ---- sweep ---- */

static const char sweep_usage[] =
    "usage: mpstack sweep FILE [--jobs N] [--set key=value]... [--seed N] [--db PATH] [--quiet]\n"
    "\n"
    "Run every point of the scenario's sweep: block (each combination of the grid's values,\n"
    "times `seeds` seeds from sim.seed up), N runs at a time (default: one per CPU), each\n"
    "stored as its own run tagged with the sweep's id (runs.sweep_id). The id is a hash of\n"
    "the scenario, its --set overrides and the grid, so the same command started again\n"
    "skips the points already stored: an interrupted sweep resumes. Progress (runs done,\n"
    "ETA) goes to stderr.\n"
    "\n"
    "Every point is checked before any runs; a mistake is reported as file:line:column and\n"
    "exits with status 2. Ctrl-C stops the runs in progress (they store nothing) and exits\n"
    "with status 130; the runs already stored stay.\n";

/* FNV-1a, 64 bits: the sweep id. */
static uint64_t fnv(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * UINT64_C(0x100000001b3);
    return (h ^ 0xff) * UINT64_C(0x100000001b3);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct sweep_run {
    size_t combo;
    uint64_t seed;
};

int cmd_sweep(int argc, char **argv)
{
    struct run_opts o = {0};
    struct scenario *base;
    int rc;
    if (!command_start(argc, argv, sweep_usage, &o, &base, &rc))
        return rc;
    const struct config *cfg = base->cfg;
    if (!base->nsweep || !cfg->outputs.store) {
        fprintf(stderr, "mpstack sweep: %s\n", !base->nsweep
                    ? "the scenario has no sweep: block with a grid: (see docs/scenarios.md)"
                    : "a sweep stores its runs; outputs.store is false");
        scenario_free(base);
        opts_free(&o);
        return EXIT_USAGE;
    }
    /* Runs in parallel would write the same capture and timeline files; a --set of a grid
     * key would make every point the same. */
    const char *why = NULL;
    if (o.json)
        why = "--json is not supported (read the runs from the database)";
    else if (cfg->outputs.trace[0] || cfg->outputs.pcap[0])
        why = "outputs.trace and outputs.pcap (--trace, --pcap) would be written by every run at "
              "once; trace one point with mpstack run --sweep-point";
    char grid_why[512];
    for (size_t i = 0; !why && i < o.nsets; i++)
        for (size_t a = 0; a < base->nsweep && !why; a++)
            if (set_has_key(o.sets[i], base->sweep[a].key)) {
                snprintf(grid_why, sizeof(grid_why), "--set %s: the grid sweeps this key, and "
                         "the override would make every point the same", base->sweep[a].key);
                why = grid_why;
            }
    if (why) {
        fprintf(stderr, "mpstack sweep: %s\n", why);
        scenario_free(base);
        opts_free(&o);
        return EXIT_USAGE;
    }
    size_t naxes = base->nsweep, ncombo = 1;
    for (size_t i = 0; i < naxes; i++)
        ncombo *= base->sweep[i].n;
    uint64_t nseeds = base->sweep_seeds, seed0 = cfg->sim.seed;
    /* Check every combination; keep each one's canonical values for the resume check. */
    char **point_text = xcalloc(ncombo, sizeof(char *));
    size_t *idx = xcalloc(ncombo * naxes, sizeof(size_t));
    const char **keys = xcalloc(naxes, sizeof(char *));
    for (size_t i = 0; i < naxes; i++)
        keys[i] = base->sweep[i].key;
    /* Each value of each axis once, the others at their first value; then, if all are good,
     * every combination (a mistake only some combination makes), stopping at the first bad
     * one. A mistake is reported once, however many points it takes part in. */
    struct diag seen;
    diag_init(&seen);
    if (!check_variants_and_grid(&o, base, &seen))
        rc = EXIT_USAGE;
    for (size_t c = 0; !rc && c < ncombo; c++) {
        size_t rest = c;
        for (size_t i = naxes; i-- > 0;) {
            idx[c * naxes + i] = rest % base->sweep[i].n;
            rest /= base->sweep[i].n;
        }
        struct scenario *sc = load_once(&o, NULL, &idx[c * naxes], naxes, &seen);
        if (!sc) {
            rc = EXIT_USAGE;
            break;
        }
        char buf[2048] = "";
        size_t len = 0;
        for (size_t i = 0; i < naxes; i++) {
            const struct param_value *pv = scenario_param(sc, keys[i]);
            len += (size_t)snprintf(buf + len, sizeof(buf) - len, "\x1f%s=%s", keys[i],
                                    pv ? pv->text : "");
            if (len >= sizeof(buf))
                len = sizeof(buf) - 1;
        }
        point_text[c] = xstrdup(buf);
        scenario_free(sc);
    }
    if (rc)
        report_mistakes(&seen);
    diag_fini(&seen);
    /* The id: the scenario's name and every resolved parameter (so an edit of the file or a
     * different --set is another sweep; outputs.* only say where results go), the grid's
     * points and the seeds. */
    uint64_t h = fnv(UINT64_C(0xcbf29ce484222325), base->name);
    for (size_t i = 0; i < base->nparams; i++)
        if (strncmp(base->params[i].key, "outputs.", 8) != 0) {
            h = fnv(h, base->params[i].key);
            h = fnv(h, base->params[i].text);
        }
    for (size_t c = 0; c < ncombo; c++)
        h = fnv(h, point_text[c] ? point_text[c] : "");
    char seeds[64];
    snprintf(seeds, sizeof(seeds), "seeds %llu from %llu", (unsigned long long)nseeds,
             (unsigned long long)seed0);
    h = fnv(h, seeds);
    char id[40];
    snprintf(id, sizeof(id), "sw-%016llx", (unsigned long long)h);

    struct results_db *db = NULL;
    if (!rc)
        rc = open_results(cfg, &db);
    char **done = NULL;
    size_t ndone = 0;
    if (!rc && results_sweep_points(db, id, keys, naxes, &done, &ndone)) {
        fprintf(stderr, "mpstack: %s: cannot read the sweep's stored runs\n", cfg->outputs.db);
        rc = 1;
    }
    if (ndone) /* sorted, so that each of up to 100,000 runs is looked up in log time */
        qsort(done, ndone, sizeof(*done), cmp_str);
    struct sweep_run *todo = xcalloc(ncombo * nseeds + 1, sizeof(*todo));
    size_t ntodo = 0, total = ncombo * nseeds;
    for (size_t c = 0; !rc && c < ncombo; c++)
        for (uint64_t k = 0; k < nseeds; k++) {
            char key[2100];
            snprintf(key, sizeof(key), "seed=%llu%s", (unsigned long long)(seed0 + k),
                     point_text[c]);
            const char *kp = key;
            bool have = ndone && bsearch(&kp, done, ndone, sizeof(*done), cmp_str) != NULL;
            if (!have)
                todo[ntodo++] = (struct sweep_run){c, seed0 + k};
        }
    results_close(db);
    long online = sysconf(_SC_NPROCESSORS_ONLN); /* -1 if unknown */
    unsigned jobs = o.jobs ? o.jobs : online < 1 ? 1 : online > 1024 ? 1024 : (unsigned)online;
    size_t started = 0, finished = 0, failed = 0, running = 0;
    pid_t *pids = xcalloc(jobs, sizeof(pid_t));
    double t0 = wall_now();
    struct sigaction old;
    cli_sigint_catch(&old);
    if (!rc && !o.quiet)
        fprintf(stderr, "sweep %s: %zu runs, %zu already stored, %zu to run, %u at a time\n", id,
                total, total - ntodo, ntodo, jobs);
    while (!rc && (started < ntodo || running > 0)) {
        while (!cli_sigint_caught() && started < ntodo && running < jobs) {
            const struct sweep_run *r = &todo[started++];
            char pointarg[256] = "", seedset[64], idset[64];
            size_t len = 0;
            for (size_t i = 0; i < naxes; i++)
                len += (size_t)snprintf(pointarg + len, sizeof(pointarg) - len, "%s%zu",
                                        i ? "," : "", idx[r->combo * naxes + i]);
            snprintf(seedset, sizeof(seedset), "sim.seed=%llu", (unsigned long long)r->seed);
            snprintf(idset, sizeof(idset), "outputs.sweep_id=%s", id);
            size_t na = 0;
            char **av = xcalloc(2 * o.nsets + 16, sizeof(char *));
            av[na++] = "mpstack";
            av[na++] = "run";
            av[na++] = (char *)o.file;
            for (size_t i = 0; i < o.nsets; i++) {
                av[na++] = "--set";
                av[na++] = (char *)o.sets[i];
            }
            av[na++] = "--sweep-point";
            av[na++] = pointarg;
            av[na++] = "--set";
            av[na++] = seedset;
            av[na++] = "--set";
            av[na++] = idset;
            av[na++] = "--quiet";
            pid_t pid;
            int e = posix_spawn(&pid, "/proc/self/exe", NULL, NULL, av, environ);
            free(av);
            if (e) {
                fprintf(stderr, "mpstack sweep: cannot start a run: %s\n", strerror(e));
                failed++;
                finished++;
                continue;
            }
            for (unsigned j = 0; j < jobs; j++)
                if (!pids[j]) {
                    pids[j] = pid;
                    break;
                }
            running++;
        }
        if (!running)
            break;
        if (cli_sigint_caught())
            for (unsigned j = 0; j < jobs; j++)
                if (pids[j])
                    kill(pids[j], SIGINT);
        int status;
        pid_t p = waitpid(-1, &status, 0);
        if (p < 0) {
            if (errno == EINTR) {
                for (unsigned j = 0; j < jobs; j++)
                    if (pids[j])
                        kill(pids[j], SIGINT);
                continue;
            }
            break;
        }
        for (unsigned j = 0; j < jobs; j++)
            if (pids[j] == p)
                pids[j] = 0;
        running--;
        finished++;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            if (!cli_sigint_caught())
                fprintf(stderr, "\nmpstack sweep: a run exited with %s %d\n",
                        WIFEXITED(status) ? "status" : "signal",
                        WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
            failed++;
        }
        if (!o.quiet) {
            double el = wall_now() - t0;
            double eta = finished ? el / (double)finished * (double)(ntodo - finished) : 0;
            fprintf(stderr, "\rsweep %s: %zu/%zu runs done, %.0f s, ETA %.0f s   ", id,
                    finished, ntodo, el, eta);
        }
    }
    sigaction(SIGINT, &old, NULL);
    if (!rc && !o.quiet && ntodo)
        fputc('\n', stderr);
    /* Runs stopped by Ctrl-C exit 130 and count as finished and failed: an interrupted sweep
     * is one where some run was not stored, whether or not it had started. */
    size_t stored = total - ntodo + (finished - failed);
    if (!rc && cli_sigint_caught() && stored < total) {
        fprintf(stderr, "mpstack: sweep interrupted; %zu of %zu runs stored, start it again to "
                        "resume\n", stored, total);
        rc = EXIT_INTERRUPTED;
    } else if (!rc && failed) {
        fprintf(stderr, "mpstack sweep: %zu of %zu runs failed (their messages are above); %zu "
                        "runs stored; start it again to retry the failed ones\n", failed, ntodo,
                stored);
        rc = 1;
    }
    if (!rc)
        printf("sweep %s: %zu runs in %s (%zu run now, %zu were stored)\n", id, total,
               cfg->outputs.db, ntodo, total - ntodo);
    for (size_t d = 0; d < ndone; d++)
        free(done[d]);
    free(done);
    for (size_t c = 0; c < ncombo; c++)
        free(point_text[c]);
    free(point_text);
    free(idx);
    free(keys);
    free(todo);
    free(pids);
    scenario_free(base);
    opts_free(&o);
    return rc;
}
