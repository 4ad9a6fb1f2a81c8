/*
 * test_scenario.c - the scenario loader through its C interface: include order and deep
 * merge, --set precedence and instance creation, defaults and the resolved table (order,
 * canonical text, base-unit numbers, where each value came from), aliases, and the
 * parameter reference generated from the same tables. The exact error messages of every
 * kind of mistake are tested end to end in tests/cli/test_errors.py.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apps/queue.h"
#include "check.h"
#include "scenario/scenario.h"
#include "scenario/ytree.h"
#include "world/config.h"

static char dir[256];

static void write_file(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static struct scenario *load(const char *rel, const char *const *sets, size_t nsets,
                             struct diag *d)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    struct scenario_opts o = {.path = path, .sets = sets, .nsets = nsets, .scenario_dir = dir};
    return scenario_load(&config_schema, &o, d);
}

static const char base[] = "description: base\n"
                           "include: [common, extra.yaml]\n"
                           "sim:\n"
                           "  seed: 9\n"
                           "hosts:\n"
                           "  srv:\n"
                           "    cpus: 4\n"
                           "workloads:\n"
                           "  q:\n"
                           "    kind: queue\n"
                           "    host: srv\n"
                           "    servers: 2\n";

static void setup(void)
{
    snprintf(dir, sizeof(dir), "%s", "/tmp/mpstack-test-scenario-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    char p[300];
    snprintf(p, sizeof(p), "%s/presets", dir);
    mkdir(p, 0777);
    write_file("presets/common.yaml", "sim:\n  duration: 3s\n  seed: 1\nhosts:\n  srv:\n"
                                      "    freq: 3GHz\n    cpus: 2\n");
    write_file("extra.yaml", "sim:\n  warmup: 100ms\n");
    write_file("s.yaml", base);
}

static void test_merge_and_defaults(void)
{
    struct diag d;
    diag_init(&d);
    struct scenario *sc = load("s.yaml", NULL, 0, &d);
    diag_print(&d, stderr);
    CHECK(sc != NULL);
    if (!sc)
        return;
    const struct config *c = sc->cfg;
    CHECK_EQ(c->sim.duration, sim_s(3));      /* from the preset */
    CHECK_EQ(c->sim.warmup, sim_ms(100));     /* from the relative include */
    CHECK_EQ(c->sim.seed, 9);                 /* the file wins over its includes */
    CHECK_EQ(c->nhosts, 1);
    CHECK_EQ(c->hosts[0].cpus, 4);            /* file over preset, inside a merged map */
    CHECK_EQ(c->hosts[0].freq, 3000000000);   /* preset key kept by the deep merge */
    CHECK_EQ(c->sim.quantum, 0);              /* default */
    const struct queue_cfg *q = c->workloads[0].kcfg;
    CHECK_EQ(q->servers, 2);
    CHECK_EQ(q->mean_service, sim_us(10));    /* default of the queue kind */
    CHECK(strcmp(c->outputs.db, "results/mpstack.sqlite") == 0);
    /* the resolved table: every parameter, in schema order, with its source */
    const struct param_value *pv = scenario_param(sc, "sim.duration");
    CHECK(pv && strcmp(pv->text, "3s") == 0 && pv->num == 3e12);
    CHECK(pv && pv->mark.file && strstr(pv->mark.file, "common.yaml"));
    pv = scenario_param(sc, "sim.quantum");
    CHECK(pv && pv->mark.file == NULL); /* a default */
    pv = scenario_param(sc, "workloads.q.kind");
    CHECK(pv && strcmp(pv->text, "queue") == 0);
    pv = scenario_param(sc, "hosts.srv.freq");
    CHECK(pv && strcmp(pv->text, "3GHz") == 0 && pv->num == 3e9);
    CHECK(strcmp(sc->params[0].key, "description") == 0);
    CHECK(scenario_param(sc, "workloads.q.load") != NULL);
    CHECK(scenario_param(sc, "nonsense") == NULL);
    scenario_free(sc);
    diag_fini(&d);
}

static void test_set_overrides(void)
{
    struct diag d;
    diag_init(&d);
    const char *sets[] = {"sim.seed=5", "workloads.q.load=0.9", "sim.seed=6",
                          "hosts.other.cpus=8"};
    struct scenario *sc = load("s.yaml", sets, 4, &d);
    diag_print(&d, stderr);
    CHECK(sc != NULL);
    if (!sc)
        return;
    const struct config *c = sc->cfg;
    CHECK_EQ(c->sim.seed, 6); /* the later --set wins */
    CHECK_EQ(((const struct queue_cfg *)c->workloads[0].kcfg)->load * 10, 9);
    CHECK_EQ(c->nhosts, 2);   /* --set may create an instance */
    const struct param_value *pv = scenario_param(sc, "sim.seed");
    CHECK(pv && strcmp(pv->mark.file, "--set") == 0 && pv->mark.line == 3 &&
          pv->mark.col == 10);
    scenario_free(sc);
    diag_fini(&d);
}

static void test_errors_collected(void)
{
    write_file("bad.yaml", "sim:\n  duration: 10\n  sed: 3\nhosts:\n  h:\n    cpus: 2000\n");
    struct diag d;
    diag_init(&d);
    struct scenario *sc = load("bad.yaml", NULL, 0, &d);
    CHECK(sc == NULL);
    CHECK_EQ(diag_count(&d), 3); /* all three mistakes, not just the first */
    diag_fini(&d);
}

static void test_ytree(void)
{
    struct srcpool pool = {0};
    struct diag d;
    diag_init(&d);
    struct ynode *t = ytree_parse_string("a.yaml", "x: &A {k: 1}\ny: *A\n", &pool, &d);
    CHECK(t != NULL && diag_count(&d) == 0);
    const struct ynode *y = ytree_get(t, "y");
    CHECK(y && y->kind == Y_MAP && strcmp(ytree_get(y, "k")->str, "1") == 0);
    struct ynode *o = ytree_parse_string("b.yaml", "x: {j: 2}\nz: 3\n", &pool, &d);
    ytree_merge(t, o);
    const struct ynode *x = ytree_get(t, "x");
    CHECK(ytree_get(x, "k") && ytree_get(x, "j") && ytree_get(t, "z"));
    CHECK(strcmp(ytree_get(t, "z")->mark.file, "b.yaml") == 0);
    ytree_free(t);
    ytree_free(o);
    CHECK(ytree_parse_string("c.yaml", "a: 1\na: 2\n", &pool, &d) == NULL);
    CHECK(ytree_parse_string("d.yaml", "a: [1, 2\n", &pool, &d) == NULL);
    CHECK(ytree_parse_string("e.yaml", "- 1\n- 2\n", &pool, &d) == NULL);
    t = ytree_parse_string("f.yaml", "", &pool, &d);
    CHECK(t && t->kind == Y_MAP && t->n == 0);
    ytree_free(t);
    diag_fini(&d);
    srcpool_fini(&pool);
}

static void test_reference_covers_schema(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    schema_write_markdown(&config_schema, f);
    fclose(f);
    CHECK(strstr(buf, "| `sim.duration` | duration |") != NULL);
    CHECK(strstr(buf, "| `workloads.<name>.load` |") != NULL);
    CHECK(strstr(buf, "(kind `queue`)") != NULL);
    for (size_t i = 0; i < QUEUE_NPARAMS; i++)
        CHECK(strstr(buf, queue_params[i].key) != NULL);
    free(buf);
}

int main(void)
{
    setup();
    RUN(test_merge_and_defaults);
    RUN(test_set_overrides);
    RUN(test_errors_collected);
    RUN(test_ytree);
    RUN(test_reference_covers_schema);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_result();
}
