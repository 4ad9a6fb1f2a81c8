/*
 * test_results.c - the results database: schema creation and version, one run stored with
 * all its rows, a failed store leaving nothing behind, a database from a newer mpstack
 * refused, and NaN confidence intervals stored as NULL.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "results/results.h"
#include "world/config.h"

static char path[256];

static long long query_int(const char *sql)
{
    sqlite3 *db;
    sqlite3_open(path, &db);
    sqlite3_stmt *st;
    long long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static int integrity_ok(void)
{
    sqlite3 *db;
    sqlite3_open(path, &db);
    sqlite3_stmt *st;
    int ok = 0;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        ok = strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return ok;
}

static struct scenario *tiny_scenario(void)
{
    char sp[300];
    snprintf(sp, sizeof(sp), "%s.yaml", path);
    FILE *f = fopen(sp, "w");
    fputs("hosts: {h: {cpus: 1}}\nworkloads: {q: {kind: queue, host: h}}\n", f);
    fclose(f);
    struct diag d;
    diag_init(&d);
    struct scenario_opts o = {.path = sp, .scenario_dir = "/nonexistent"};
    struct scenario *sc = scenario_load(&config_schema, &o, &d);
    diag_print(&d, stderr);
    diag_fini(&d);
    unlink(sp);
    return sc;
}

static void fill(struct run_record *r)
{
    rec_init(r);
    r->scenario_path = strdup("x.yaml");
    r->scenario_name = strdup("x");
    r->description = strdup("d");
    r->seed = 7;
    snprintf(r->version, sizeof(r->version), "test");
    snprintf(r->started_at, sizeof(r->started_at), "2026-01-01T00:00:00Z");
    r->sim_time = 5;
    r->events = 3;
    rec_metric(r, "a.b", 1.5, "s", 0.1);
    rec_metric(r, "a.c", 2.0, "jobs", NAN);
    rec_series(r, "a.s", 1, 0.5);
    rec_series(r, "a.s", 2, 0.7);
    rec_cpu_time(r, "h", 0, "idle", 4);
}

static void test_store(void)
{
    char err[512];
    struct results_db *db = results_open(path, err, sizeof(err));
    CHECK(db != NULL);
    if (!db)
        return;
    CHECK_EQ(query_int("PRAGMA user_version"), RESULTS_SCHEMA_VERSION);
    struct scenario *sc = tiny_scenario();
    CHECK(sc != NULL);
    struct run_record r;
    fill(&r);
    int64_t id = 0;
    CHECK_EQ(results_store(db, &r, sc, &id, err, sizeof(err)), 0);
    CHECK_EQ(id, 1);
    CHECK_EQ(query_int("SELECT count(*) FROM runs"), 1);
    CHECK_EQ(query_int("SELECT seed FROM runs WHERE id=1"), 7);
    CHECK_EQ(query_int("SELECT count(*) FROM metrics WHERE run_id=1"), 2);
    CHECK_EQ(query_int("SELECT count(*) FROM metrics WHERE name='a.c' AND ci95 IS NULL"), 1);
    CHECK_EQ(query_int("SELECT count(*) FROM series WHERE run_id=1"), 2);
    CHECK_EQ(query_int("SELECT count(*) FROM cpu_time WHERE run_id=1"), 1);
    CHECK_EQ(query_int("SELECT count(*) FROM params WHERE run_id=1"), (long long)sc->nparams);
    CHECK_EQ(query_int("SELECT num FROM params WHERE key='sim.duration'"), 1000000000000);
    long long set = 0;
    for (size_t i = 0; i < sc->nparams; i++)
        set += sc->params[i].mark.file != NULL;
    CHECK_EQ(set, 3); /* hosts.h.cpus, workloads.q.kind, workloads.q.host */
    CHECK_EQ(query_int("SELECT count(*) FROM params WHERE source='default'"),
             (long long)sc->nparams - set);
    /* a store that fails half-way (duplicate metric name violates the key) leaves nothing */
    rec_metric(&r, "dup", 1, "", NAN);
    free(r.metrics[r.nmetrics - 1].name);
    r.metrics[r.nmetrics - 1].name = strdup("a.b");
    CHECK(results_store(db, &r, sc, &id, err, sizeof(err)) != 0);
    CHECK(strstr(err, "UNIQUE") != NULL);
    CHECK_EQ(query_int("SELECT count(*) FROM runs"), 1);
    CHECK_EQ(query_int("SELECT count(*) FROM metrics"), 2);
    rec_fini(&r);
    scenario_free(sc);
    results_close(db);
    CHECK(integrity_ok());
}

static void test_newer_schema_refused(void)
{
    sqlite3 *db;
    sqlite3_open(path, &db);
    sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
    sqlite3_close(db);
    char err[512];
    struct results_db *r = results_open(path, err, sizeof(err));
    CHECK(r == NULL);
    CHECK(strstr(err, "schema version 99") != NULL);
    results_close(r);
}

static void test_creates_directories(void)
{
    char nested[400];
    snprintf(nested, sizeof(nested), "%s.d/a/b/r.sqlite", path);
    char err[512];
    struct results_db *r = results_open(nested, err, sizeof(err));
    CHECK(r != NULL);
    results_close(r);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s.d'", path);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    snprintf(path, sizeof(path), "/tmp/mpstack-test-results-%d.sqlite", (int)getpid());
    RUN(test_store);
    RUN(test_newer_schema_refused);
    RUN(test_creates_directories);
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "rm -f '%s' '%s-wal' '%s-shm'", path, path, path);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup failed\n");
    return check_result();
}
