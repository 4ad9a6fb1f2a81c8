/*
 * results.c - the SQLite results database.
 */
#include "results.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/panic.h"

struct results_db {
    sqlite3 *db;
};

static const char schema_v1[] =
    "CREATE TABLE runs (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  scenario TEXT NOT NULL,       -- the scenario file as given on the command line\n"
    "  name TEXT NOT NULL,           -- e.g. validation/mm1\n"
    "  description TEXT NOT NULL,\n"
    "  seed INTEGER NOT NULL,\n"
    "  version TEXT NOT NULL,        -- mpstack version and git revision\n"
    "  started_at TEXT NOT NULL,     -- UTC, ISO 8601 (wall clock)\n"
    "  wall_seconds REAL NOT NULL,   -- wall-clock run time\n"
    "  sim_time_ps INTEGER NOT NULL, -- simulated time at the end, warm-up included\n"
    "  measured_ps INTEGER NOT NULL, -- simulated time measured (after the warm-up)\n"
    "  events INTEGER NOT NULL,      -- events executed\n"
    "  sweep_id TEXT                 -- set when the run belongs to a sweep\n"
    ");\n"
    "CREATE TABLE params (\n"
    "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  key TEXT NOT NULL,            -- e.g. hosts.server.cpus\n"
    "  value TEXT NOT NULL,          -- canonical text, e.g. 10us\n"
    "  num REAL,                     -- value in base units (ps, Hz, ...), NULL if not numeric\n"
    "  unit TEXT NOT NULL,\n"
    "  source TEXT NOT NULL,         -- file:line:col where it was set, or 'default'\n"
    "  PRIMARY KEY (run_id, key)\n"
    ");\n"
    "CREATE TABLE metrics (\n"
    "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  name TEXT NOT NULL,           -- e.g. q.wait.mean\n"
    "  value REAL NOT NULL,\n"
    "  unit TEXT NOT NULL,\n"
    "  ci95 REAL,                    -- half-width of the 95% confidence interval, if known\n"
    "  PRIMARY KEY (run_id, name)\n"
    ");\n"
    "CREATE TABLE series (\n"
    "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  name TEXT NOT NULL,\n"
    "  t_ps INTEGER NOT NULL,        -- simulated time of the sample\n"
    "  value REAL NOT NULL\n"
    ");\n"
    "CREATE INDEX series_by_run ON series(run_id, name, t_ps);\n"
    "CREATE TABLE cpu_time (\n"
    "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  host TEXT NOT NULL,\n"
    "  cpu INTEGER NOT NULL,\n"
    "  category TEXT NOT NULL,       -- idle, sched, user, intr, netisr, ...\n"
    "  ps INTEGER NOT NULL,          -- simulated time in the measured window\n"
    "  PRIMARY KEY (run_id, host, cpu, category)\n"
    ");\n";

/* Version 2 adds CPU-by-CPU matrices and histograms; a version-1 database is upgraded in
 * place. */
static const char schema_v2_add[] =
    "CREATE TABLE pairs (\n"
    "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  host TEXT NOT NULL,\n"
    "  name TEXT NOT NULL,           -- ipi (sent src -> dst), lines (dst took a line from src)\n"
    "  src INTEGER NOT NULL,\n"
    "  dst INTEGER NOT NULL,\n"
    "  value REAL NOT NULL,          -- in the measured window; zero cells are not stored\n"
    "  PRIMARY KEY (run_id, host, name, src, dst)\n"
    ");\n"
    "CREATE TABLE hist (\n"
    "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  name TEXT NOT NULL,           -- e.g. sink.sink.latency\n"
    "  unit TEXT NOT NULL,\n"
    "  upper REAL NOT NULL,          -- the bucket holds samples <= upper (and > the previous)\n"
    "  count INTEGER NOT NULL,       -- samples in the measured window; empty buckets omitted\n"
    "  PRIMARY KEY (run_id, name, upper)\n"
    ");\n";

const char *results_schema_sql(void) { return schema_v1; }

const char *results_schema_v2_sql(void) { return schema_v2_add; }

static int fail(sqlite3 *db, char *err, size_t n, const char *what)
{
    snprintf(err, n, "%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
    return -1;
}

static int exec(sqlite3 *db, const char *sql, char *err, size_t n)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, n, "%s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/*
 * Switch a database to WAL.  Several runs may open the same new file at once; the switch
 * needs an exclusive lock, and SQLite reports the lock-upgrade deadlock between two such
 * openers as SQLITE_BUSY at once, without calling the busy handler.  So retry here, with
 * a short growing pause, for up to the same minute the busy timeout gives a writer.
 */
static int set_wal(sqlite3 *db, char *err, size_t n)
{
    int pause_ms = 2;
    for (int waited_ms = 0;; waited_ms += pause_ms, pause_ms = pause_ms < 100 ? pause_ms * 2 : 100) {
        int rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            return 0;
        if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
            break;
        if (waited_ms >= 60000)
            break;
        sqlite3_sleep(pause_ms);
    }
    return fail(db, err, n, "switching the results database to WAL");
}

/* mkdir -p of the directory part of path. */
static int make_parent_dirs(const char *path, char *err, size_t n)
{
    char *copy = xstrdup(path);
    for (char *p = copy + (*copy != 0); *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(copy, 0777) != 0 && errno != EEXIST) {
            snprintf(err, n, "cannot create directory '%s': %s", copy, strerror(errno));
            free(copy);
            return -1;
        }
        *p = '/';
    }
    free(copy);
    return 0;
}

static int user_version(sqlite3 *db, int *v)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(st);
    *v = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

static int ensure_schema(sqlite3 *db, char *err, size_t n)
{
    if (exec(db, "BEGIN IMMEDIATE", err, n))
        return -1;
    int v;
    if (user_version(db, &v)) {
        fail(db, err, n, "reading the schema version");
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    if (v == 0) {
        char sql[64];
        snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", RESULTS_SCHEMA_VERSION);
        if (exec(db, schema_v1, err, n) || exec(db, schema_v2_add, err, n) ||
            exec(db, sql, err, n)) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
    } else if (v == 1) {
        if (exec(db, schema_v2_add, err, n) || exec(db, "PRAGMA user_version = 2", err, n)) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
    } else if (v > RESULTS_SCHEMA_VERSION) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        snprintf(err, n, "the database has schema version %d; this mpstack knows up to %d "
                         "(use a newer mpstack or another --db)",
                 v, RESULTS_SCHEMA_VERSION);
        return -1;
    }
    return exec(db, "COMMIT", err, n);
}

struct results_db *results_open(const char *path, char *err, size_t n)
{
    if (make_parent_dirs(path, err, n))
        return NULL;
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        fail(db, err, n, "opening the results database");
        sqlite3_close(db);
        return NULL;
    }
    /* Concurrent runs: WAL lets readers proceed; writers wait up to a minute each. */
    sqlite3_busy_timeout(db, 60000);
    if (set_wal(db, err, n) ||
        exec(db, "PRAGMA foreign_keys = ON", err, n) || ensure_schema(db, err, n)) {
        sqlite3_close(db);
        return NULL;
    }
    struct results_db *r = xcalloc(1, sizeof(*r));
    r->db = db;
    return r;
}

void results_close(struct results_db *r)
{
    if (!r)
        return;
    sqlite3_close(r->db);
    free(r);
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_TRANSIENT);
}

static void bind_real_or_null(sqlite3_stmt *st, int i, double v)
{
    if (isnan(v))
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_double(st, i, v);
}

static int step_reset(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int insert_run(sqlite3 *db, const struct run_record *rec, int64_t *id)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO runs (scenario, name, description, seed, version, "
                           "started_at, wall_seconds, sim_time_ps, measured_ps, events, "
                           "sweep_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    bind_text(st, 1, rec->scenario_path);
    bind_text(st, 2, rec->scenario_name);
    bind_text(st, 3, rec->description);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)rec->seed);
    bind_text(st, 5, rec->version);
    bind_text(st, 6, rec->started_at);
    sqlite3_bind_double(st, 7, rec->wall_seconds);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)rec->sim_time);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)rec->measured);
    sqlite3_bind_int64(st, 10, (sqlite3_int64)rec->events);
    if (rec->sweep_id[0])
        bind_text(st, 11, rec->sweep_id);
    else
        sqlite3_bind_null(st, 11);
    int rc = step_reset(st);
    sqlite3_finalize(st);
    *id = sqlite3_last_insert_rowid(db);
    return rc;
}

static int insert_params(sqlite3 *db, int64_t id, const struct scenario *sc)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "INSERT INTO params VALUES (?,?,?,?,?,?)", -1, &st, NULL) !=
        SQLITE_OK)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < sc->nparams && rc == 0; i++) {
        const struct param_value *pv = &sc->params[i];
        char source[512];
        if (pv->mark.file)
            snprintf(source, sizeof(source), "%s:%d:%d", pv->mark.file, pv->mark.line,
                     pv->mark.col);
        else
            snprintf(source, sizeof(source), "default");
        sqlite3_bind_int64(st, 1, id);
        bind_text(st, 2, pv->key);
        bind_text(st, 3, pv->text);
        bind_real_or_null(st, 4, pv->num);
        bind_text(st, 5, pv->def ? param_unit(pv->def) : "");
        bind_text(st, 6, source);
        rc = step_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

static int insert_pairs(sqlite3 *db, int64_t id, const struct run_record *rec)
{
    sqlite3_stmt *p;
    if (sqlite3_prepare_v2(db, "INSERT INTO pairs VALUES (?,?,?,?,?,?)", -1, &p, NULL))
        return -1;
    int rc = 0;
    for (size_t i = 0; i < rec->npairs && rc == 0; i++) {
        sqlite3_bind_int64(p, 1, id);
        bind_text(p, 2, rec->pairs[i].host);
        bind_text(p, 3, rec->pairs[i].name);
        sqlite3_bind_int(p, 4, rec->pairs[i].src);
        sqlite3_bind_int(p, 5, rec->pairs[i].dst);
        sqlite3_bind_double(p, 6, rec->pairs[i].value);
        rc = step_reset(p);
    }
    sqlite3_finalize(p);
    if (rc)
        return rc;
    if (sqlite3_prepare_v2(db, "INSERT INTO hist VALUES (?,?,?,?,?)", -1, &p, NULL))
        return -1;
    for (size_t i = 0; i < rec->nhist && rc == 0; i++) {
        sqlite3_bind_int64(p, 1, id);
        bind_text(p, 2, rec->hist[i].name);
        bind_text(p, 3, rec->hist[i].unit);
        sqlite3_bind_double(p, 4, rec->hist[i].upper);
        sqlite3_bind_int64(p, 5, (sqlite3_int64)rec->hist[i].count);
        rc = step_reset(p);
    }
    sqlite3_finalize(p);
    return rc;
}

static int insert_outputs(sqlite3 *db, int64_t id, const struct run_record *rec)
{
    sqlite3_stmt *m = NULL, *s = NULL, *c = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(db, "INSERT INTO metrics VALUES (?,?,?,?,?)", -1, &m, NULL) ||
        sqlite3_prepare_v2(db, "INSERT INTO series VALUES (?,?,?,?)", -1, &s, NULL) ||
        sqlite3_prepare_v2(db, "INSERT INTO cpu_time VALUES (?,?,?,?,?)", -1, &c, NULL))
        goto out;
    for (size_t i = 0; i < rec->nmetrics; i++) {
        sqlite3_bind_int64(m, 1, id);
        bind_text(m, 2, rec->metrics[i].name);
        sqlite3_bind_double(m, 3, rec->metrics[i].value);
        bind_text(m, 4, rec->metrics[i].unit);
        bind_real_or_null(m, 5, rec->metrics[i].ci95);
        if (step_reset(m))
            goto out;
    }
    for (size_t i = 0; i < rec->nseries; i++) {
        sqlite3_bind_int64(s, 1, id);
        bind_text(s, 2, rec->series[i].name);
        sqlite3_bind_int64(s, 3, (sqlite3_int64)rec->series[i].t);
        sqlite3_bind_double(s, 4, rec->series[i].value);
        if (step_reset(s))
            goto out;
    }
    for (size_t i = 0; i < rec->ncpu; i++) {
        sqlite3_bind_int64(c, 1, id);
        bind_text(c, 2, rec->cpu[i].host);
        sqlite3_bind_int(c, 3, rec->cpu[i].cpu);
        bind_text(c, 4, rec->cpu[i].category);
        sqlite3_bind_int64(c, 5, (sqlite3_int64)rec->cpu[i].ps);
        if (step_reset(c))
            goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(m);
    sqlite3_finalize(s);
    sqlite3_finalize(c);
    return rc;
}

int results_store(struct results_db *r, const struct run_record *rec,
                  const struct scenario *sc, int64_t *run_id, char *err, size_t n)
{
    sqlite3 *db = r->db;
    if (exec(db, "BEGIN IMMEDIATE", err, n))
        return -1;
    int64_t id = 0;
    if (insert_run(db, rec, &id) || insert_params(db, id, sc) || insert_outputs(db, id, rec) ||
        insert_pairs(db, id, rec)) {
        fail(db, err, n, "storing the run");
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    if (exec(db, "COMMIT", err, n)) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    *run_id = id;
    return 0;
}

int results_sweep_points(struct results_db *r, const char *sweep_id, const char *const *keys,
                         size_t nkeys, char ***out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    sqlite3_stmt *runs, *par;
    if (sqlite3_prepare_v2(r->db, "SELECT id, seed FROM runs WHERE sweep_id = ? ORDER BY id",
                           -1, &runs, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_prepare_v2(r->db, "SELECT value FROM params WHERE run_id = ? AND key = ?", -1,
                           &par, NULL) != SQLITE_OK) {
        sqlite3_finalize(runs);
        return -1;
    }
    bind_text(runs, 1, sweep_id);
    size_t cap = 0;
    int rc = 0, st;
    while ((st = sqlite3_step(runs)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(runs, 0);
        char buf[2048];
        size_t len = (size_t)snprintf(buf, sizeof(buf), "seed=%llu",
                                      (unsigned long long)sqlite3_column_int64(runs, 1));
        for (size_t k = 0; k < nkeys; k++) {
            sqlite3_bind_int64(par, 1, id);
            bind_text(par, 2, keys[k]);
            int ps = sqlite3_step(par);
            if (ps != SQLITE_ROW && ps != SQLITE_DONE)
                rc = -1;
            const char *v = ps == SQLITE_ROW ? (const char *)sqlite3_column_text(par, 0) : "";
            if (len < sizeof(buf))
                len += (size_t)snprintf(buf + len, sizeof(buf) - len, "\x1f%s=%s", keys[k],
                                        v ? v : "");
            sqlite3_reset(par);
        }
        xgrow((void **)out, &cap, *nout + 1, sizeof(**out));
        (*out)[(*nout)++] = xstrdup(buf);
    }
    if (st != SQLITE_DONE) /* a read that stopped part-way: the caller must not resume on it */
        rc = -1;
    sqlite3_finalize(runs);
    sqlite3_finalize(par);
    return rc;
}
