/*
 * cmd_run.c - `mpstack run` and `mpstack validate`.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "results/results.h"
#include "scenario/units.h"
#include "sim/panic.h"
#include "world/config.h"
#include "world/world.h"

static const char run_usage[] =
    "usage: mpstack run FILE [--set key=value]... [--seed N] [--db PATH] [--json] [--quiet]\n"
    "\n"
    "Run a scenario, store the run in the results database and print a summary.\n"
    "\n"
    "  --set key=value  override any parameter (e.g. --set workloads.q.load=0.9); repeatable,\n"
    "                   later ones win; see `mpstack params`\n"
    "  --seed N         master seed (same as --set sim.seed=N)\n"
    "  --db PATH        results database (same as --set outputs.db=PATH);\n"
    "                   default results/mpstack.sqlite\n"
    "  --json           print one JSON object (run id, scenario, seed, parameters, metrics)\n"
    "                   instead of the table\n"
    "  --quiet          no progress line and no table (errors and --json output only)\n"
    "\n"
    "A scenario mistake is reported as file:line:column and exits with status 2 having\n"
    "written nothing. Ctrl-C stops the run; nothing is stored (status 130).\n";

static const char validate_usage[] =
    "usage: mpstack validate FILE [--set key=value]...\n"
    "\n"
    "Load a scenario with its includes and overrides, check every key, and print the\n"
    "resolved parameters. Exits 0 if it is valid, 2 (with file:line:column messages) if not.\n";

struct run_opts {
    const char *file;
    const char **sets;
    size_t nsets;
    bool json, quiet;
    char seed_set[96]; /* --seed N as "sim.seed=N" */
    char *db_set;      /* --db PATH as "outputs.db=PATH" */
};

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
        {"quiet", no_argument, NULL, 'q'},     {NULL, 0, NULL, 0},
    };
    const char *cmd = is_run ? "run" : "validate";
    const char *seed = NULL, *db = NULL;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1 || optind < argc) {
        if (c == -1) { /* a positional argument: allow options after it */
            if (o->file) {
                fprintf(stderr, "mpstack %s: one scenario file expected, got '%s' and '%s'\n",
                        cmd, o->file, argv[optind]);
                return EXIT_USAGE;
            }
            o->file = argv[optind++];
            continue;
        }
        bool run_only = c == 'S' || c == 'd' || c == 'j' || c == 'q';
        if (c == '?' || (run_only && !is_run)) {
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

static struct scenario *load(const struct run_opts *o)
{
    struct diag d;
    diag_init(&d);
    struct scenario_opts so = {.path = o->file, .sets = o->sets, .nsets = o->nsets,
                               .scenario_dir = config_scenario_dir()};
    struct scenario *sc = scenario_load(&config_schema, &so, &d);
    if (!sc) {
        diag_print(&d, stderr);
        fprintf(stderr, "mpstack: %zu error%s in the scenario; nothing was run or written\n",
                diag_count(&d), diag_count(&d) == 1 ? "" : "s");
    }
    diag_fini(&d);
    return sc;
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

static void opts_free(struct run_opts *o)
{
    free(o->sets);
    free(o->db_set);
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
    struct progress *p = progress_start(world_sim(w), sc->name, world_end(w), !o->quiet);
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
    if (!rc && cfg->outputs.store) {
        char err[1024];
        db = results_open(cfg->outputs.db, err, sizeof(err));
        if (!db) {
            fprintf(stderr, "mpstack: %s: %s\n", cfg->outputs.db, err);
            rc = 1;
        }
    }
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
