/*
 * queue.c - the queueing workload (see queue.h).
 *
 * Statistics. The measured window [warm-up, end) is cut into `batches` equal batches. For
 * each batch: the mean waiting and response time of the jobs that started service (resp.
 * completed) in it, the time-average numbers in system and in queue, and the busy fraction
 * of the server CPUs (from the engine's per-CPU accounting). A metric's value is the mean of
 * its batch means and its ci95 is t(0.975, B-1) * s / sqrt(B) over those batch means (the
 * batch-means method). Batches must be long next to the queue's relaxation time for the
 * interval to be honest; the validation scenarios size them so (docs/validation.md).
 */
#include "queue.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/queue_theory.h"
#include "scenario/units.h"
#include "sim/panic.h"
#include "sim/rng.h"
#include "sim/sim.h"
#include "sim/stats.h"
#include "world/world.h"

static const char *const discipline_names[] = {"shared", "partitioned", NULL};
static const char *const service_names[] = {"exponential", "deterministic", NULL};

#define QF(f) offsetof(struct queue_cfg, f)
const struct param_def queue_params[QUEUE_NPARAMS] = {
    {.key = "servers", .type = PT_UINT, .offset = QF(servers), .def = "1", .min = 1,
     .max = 1024, .unit = "threads",
     .doc = "server threads, one on each of the host's CPUs 0..servers-1"},
    {.key = "discipline", .type = PT_ENUM, .offset = QF(discipline), .def = "shared",
     .choices = discipline_names,
     .doc = "shared: one queue for all servers (M/M/c); partitioned: a queue per server, "
            "arrivals dispatched by a hash of their flow key"},
    {.key = "service", .type = PT_ENUM, .offset = QF(service), .def = "exponential",
     .choices = service_names, .doc = "service-time distribution"},
    {.key = "mean_service", .type = PT_DURATION, .offset = QF(mean_service), .def = "10us",
     .min = 1000, .max = 1e12, .doc = "mean service time charged on the server's CPU"},
    {.key = "load", .type = PT_FLOAT, .offset = QF(load), .def = "0.5", .min = 0.001,
     .max = 0.999, .unit = "fraction",
     .doc = "offered load per server, rho = lambda * E[S] / servers; sets the arrival rate"},
    {.key = "batches", .type = PT_UINT, .offset = QF(batches), .def = "20", .min = 2,
     .max = 10000, .unit = "batches",
     .doc = "batches of the measured window for batch-means confidence intervals"},
};
_Static_assert(PARAM_COUNT(queue_params) == QUEUE_NPARAMS, "QUEUE_NPARAMS out of date");

struct queue_job {
    struct sim_msg msg; /* first member: the job is the message */
    sim_time_t arrival;
    sim_time_t service;
    struct queue_job *free_next;
};

struct queue_app;

struct queue_server {
    struct queue_app *app;
    struct sim_port *port;
    struct sim_cpu *cpu;
    struct sim_thread *td;
};

/* Accumulators of one batch. */
struct batch {
    double wait_sum, resp_sum;
    uint64_t waits, resps, arrivals;
    double system, queue, util;
};

struct queue_app {
    struct sim *sim;
    char name[64];
    const struct queue_cfg *cfg;
    unsigned c;
    double lambda;                 /* arrivals per second */
    double mean_gap_ps;
    struct rng arrivals, service, route;
    struct sim_port *ports;        /* 1 (shared) or c (partitioned) */
    struct queue_server *servers;
    struct queue_job *free_jobs;
    struct queue_job **chunks;     /* job storage, freed at the end */
    size_t nchunks, chunks_cap;
    uint64_t jobs_live;
    /* statistics */
    struct stat_level in_system, in_queue;
    bool measuring;
    sim_time_t t0, batch_len;
    unsigned nbatches, cur;
    struct batch *b;
    sim_time_t *busy_mark;         /* per server CPU: busy time at the batch start */
    int user_cat;
};

/* ---- jobs ---- */

static struct queue_job *job_alloc(struct queue_app *a)
{
    if (!a->free_jobs) {
        enum { CHUNK = 1024 };
        struct queue_job *c = xcalloc(CHUNK, sizeof(*c));
        xgrow((void **)&a->chunks, &a->chunks_cap, a->nchunks + 1, sizeof(*a->chunks));
        a->chunks[a->nchunks++] = c;
        for (int i = CHUNK - 1; i >= 0; i--) {
            c[i].free_next = a->free_jobs;
            a->free_jobs = &c[i];
        }
    }
    struct queue_job *j = a->free_jobs;
    a->free_jobs = j->free_next;
    memset(&j->msg, 0, sizeof(j->msg));
    a->jobs_live++;
    return j;
}

static void job_free(struct queue_app *a, struct queue_job *j)
{
    j->free_next = a->free_jobs;
    a->free_jobs = j;
    a->jobs_live--;
}

/* ---- the model ---- */

static unsigned route(struct queue_app *a)
{
    if (a->cfg->discipline == QUEUE_SHARED)
        return 0;
    uint64_t key = rng_u64(&a->route);  /* a flow's identity */
    uint64_t h = rng_splitmix64(&key);  /* ... hashed, as RSS hashes a tuple */
    return (unsigned)(h % a->c);
}

static struct batch *cur_batch(struct queue_app *a)
{
    return a->measuring && a->cur < a->nbatches ? &a->b[a->cur] : NULL;
}

static void arrival(struct sim *sim, void *arg)
{
    struct queue_app *a = arg;
    sim_time_t now = sim_now(sim);
    struct queue_job *j = job_alloc(a);
    j->arrival = now;
    j->service = a->cfg->service == QUEUE_DETERMINISTIC
                     ? a->cfg->mean_service
                     : (sim_time_t)llround(rng_exp(&a->service, (double)a->cfg->mean_service));
    struct batch *b = cur_batch(a);
    if (b)
        b->arrivals++;
    stat_level_add(&a->in_system, now, +1);
    stat_level_add(&a->in_queue, now, +1);
    sim_port_put(sim, &a->ports[route(a)], &j->msg);
    sim_time_t gap = (sim_time_t)llround(rng_exp(&a->arrivals, a->mean_gap_ps));
    sim_at(sim, now + gap, arrival, a);
}

static void server_main(void *arg)
{
    struct queue_server *s = arg;
    struct queue_app *a = s->app;
    struct sim *sim = a->sim;
    for (;;) {
        struct queue_job *j = (struct queue_job *)sim_port_get(sim, s->port);
        sim_time_t start = sim_now(sim); /* a receive is a synchronisation point */
        stat_level_add(&a->in_queue, start, -1);
        struct batch *b = cur_batch(a);
        if (b) {
            b->wait_sum += sim_time_to_s(start - j->arrival);
            b->waits++;
        }
        sim_charge_ps(sim, j->service);
        sim_sync(sim); /* the departure is an interaction: do it in global time */
        sim_time_t done = sim_now(sim);
        stat_level_add(&a->in_system, done, -1);
        b = cur_batch(a);
        if (b) {
            b->resp_sum += sim_time_to_s(done - j->arrival);
            b->resps++;
        }
        job_free(a, j);
    }
}

/* ---- batches ---- */

static sim_time_t server_busy(const struct queue_app *a, unsigned i, sim_time_t t)
{
    sim_time_t acct[SIM_MAX_CATEGORIES];
    sim_cpu_times(a->servers[i].cpu, t, acct);
    return acct[a->user_cat];
}

static void batch_open(struct queue_app *a, sim_time_t t)
{
    stat_level_restart(&a->in_system, t);
    stat_level_restart(&a->in_queue, t);
    for (unsigned i = 0; i < a->c; i++)
        a->busy_mark[i] = server_busy(a, i, t);
}

static void batch_close(struct sim *sim, void *arg)
{
    struct queue_app *a = arg;
    sim_time_t t = sim_now(sim);
    struct batch *b = &a->b[a->cur];
    b->system = stat_level_mean(&a->in_system, t);
    b->queue = stat_level_mean(&a->in_queue, t);
    sim_time_t busy = 0;
    for (unsigned i = 0; i < a->c; i++)
        busy += server_busy(a, i, t) - a->busy_mark[i];
    b->util = (double)busy / ((double)a->batch_len * a->c);
    a->cur++;
    batch_open(a, t);
    if (a->cur < a->nbatches)
        sim_at(sim, a->t0 + (sim_time_t)(a->cur + 1) * a->batch_len, batch_close, a);
}

static void queue_measure_start(void *app, sim_time_t t)
{
    struct queue_app *a = app;
    a->measuring = true;
    a->t0 = t;
    a->cur = 0;
    batch_open(a, t);
    sim_at(a->sim, t + a->batch_len, batch_close, a);
}

/* ---- life cycle ---- */

static void *queue_create(struct world *w, const struct workload_cfg *wc)
{
    struct queue_app *a = xcalloc(1, sizeof(*a));
    const struct queue_cfg *qc = wc->kcfg;
    struct sim *sim = world_sim(w);
    const struct world_host *h = world_host(w, wc->host);
    a->sim = sim;
    a->cfg = qc;
    snprintf(a->name, sizeof(a->name), "%s", wc->name);
    a->c = (unsigned)qc->servers;
    a->lambda = qc->load * a->c / sim_time_to_s(qc->mean_service);
    a->mean_gap_ps = (double)SIM_PS_PER_S / a->lambda;
    char stream[128];
    snprintf(stream, sizeof(stream), "workload.%s.arrivals", a->name);
    sim_rng(sim, stream, &a->arrivals);
    snprintf(stream, sizeof(stream), "workload.%s.service", a->name);
    sim_rng(sim, stream, &a->service);
    snprintf(stream, sizeof(stream), "workload.%s.route", a->name);
    sim_rng(sim, stream, &a->route);
    unsigned nports = qc->discipline == QUEUE_SHARED ? 1 : a->c;
    a->ports = xcalloc(nports, sizeof(*a->ports));
    for (unsigned i = 0; i < nports; i++)
        sim_port_init(&a->ports[i], a->name);
    a->user_cat = sim_category(sim, "user");
    a->servers = xcalloc(a->c, sizeof(*a->servers));
    for (unsigned i = 0; i < a->c; i++) {
        struct queue_server *s = &a->servers[i];
        s->app = a;
        s->port = &a->ports[qc->discipline == QUEUE_SHARED ? 0 : i];
        s->cpu = h->cpus[i];
        char name[96];
        snprintf(name, sizeof(name), "%s-server%u", a->name, i);
        struct sim_thread_params tp = {.name = name, .pri = SIM_PRI_USER_NORM,
                                       .category = a->user_cat, .fn = server_main, .arg = s};
        s->td = sim_thread_create(sim, s->cpu, &tp);
        sim_thread_start(sim, s->td);
    }
    a->nbatches = (unsigned)qc->batches;
    a->b = xcalloc(a->nbatches, sizeof(*a->b));
    a->busy_mark = xcalloc(a->c, sizeof(*a->busy_mark));
    sim_time_t measured = world_end(w) - world_measure_start(w);
    a->batch_len = measured / a->nbatches;
    stat_level_init(&a->in_system, 0, 0);
    stat_level_init(&a->in_queue, 0, 0);
    sim_time_t first = (sim_time_t)llround(rng_exp(&a->arrivals, a->mean_gap_ps));
    sim_at(sim, first, arrival, a);
    return a;
}

/* Report "<workload>.<name>" = mean of the batch means, with its 95% half-width. */
static double report_ci(struct run_record *rec, const char *prefix, const char *name,
                        const double *x, unsigned n, const char *unit)
{
    double mean, half;
    stat_batch_ci(x, (int)n, 0.95, &mean, &half);
    char key[160];
    snprintf(key, sizeof(key), "%s.%s", prefix, name);
    rec_metric(rec, key, mean, unit, half);
    return mean;
}

static void report_plain(struct run_record *rec, const char *prefix, const char *name,
                         double v, const char *unit)
{
    char key[160];
    snprintf(key, sizeof(key), "%s.%s", prefix, name);
    rec_metric(rec, key, v, unit, NAN);
}

static void report_theory(const struct queue_app *a, struct run_record *rec)
{
    struct queue_theory th;
    queue_theory_compute(a->c, a->cfg->discipline == QUEUE_PARTITIONED,
                         a->cfg->service == QUEUE_DETERMINISTIC, a->lambda,
                         sim_time_to_s(a->cfg->mean_service), &th);
    report_plain(rec, a->name, "theory.util", th.util, "fraction");
    if (!th.valid)
        return; /* M/D/c: no closed form */
    report_plain(rec, a->name, "theory.wait.mean", th.wait, "s");
    report_plain(rec, a->name, "theory.response.mean", th.response, "s");
    report_plain(rec, a->name, "theory.system.mean", th.system, "jobs");
    report_plain(rec, a->name, "theory.queue.mean", th.queue, "jobs");
}

static void queue_report(void *app, struct run_record *rec, sim_time_t t)
{
    (void)t;
    struct queue_app *a = app;
    unsigned n = a->cur; /* complete batches (fewer if the run was interrupted) */
    double *w = xcalloc(n + 1, sizeof(double)), *r = xcalloc(n + 1, sizeof(double));
    double *L = xcalloc(n + 1, sizeof(double)), *Lq = xcalloc(n + 1, sizeof(double));
    double *U = xcalloc(n + 1, sizeof(double));
    uint64_t arrivals = 0, completed = 0;
    char wkey[160], skey[160];
    snprintf(wkey, sizeof(wkey), "%s.wait", a->name);
    snprintf(skey, sizeof(skey), "%s.system", a->name);
    for (unsigned i = 0; i < n; i++) {
        const struct batch *b = &a->b[i];
        w[i] = b->waits ? b->wait_sum / (double)b->waits : 0.0;
        r[i] = b->resps ? b->resp_sum / (double)b->resps : 0.0;
        L[i] = b->system;
        Lq[i] = b->queue;
        U[i] = b->util;
        arrivals += b->arrivals;
        completed += b->resps;
        sim_time_t bt = a->t0 + (sim_time_t)(i + 1) * a->batch_len;
        rec_series(rec, wkey, bt, w[i]);
        rec_series(rec, skey, bt, L[i]);
    }
    double window = sim_time_to_s((sim_time_t)n * a->batch_len);
    double lam = window > 0 ? (double)arrivals / window : 0.0;
    report_plain(rec, a->name, "arrivals", (double)arrivals, "jobs");
    report_plain(rec, a->name, "completed", (double)completed, "jobs");
    report_plain(rec, a->name, "lambda", lam, "1/s");
    report_ci(rec, a->name, "wait.mean", w, n, "s");
    double resp = report_ci(rec, a->name, "response.mean", r, n, "s");
    double sys = report_ci(rec, a->name, "system.mean", L, n, "jobs");
    report_ci(rec, a->name, "queue.mean", Lq, n, "jobs");
    report_ci(rec, a->name, "util", U, n, "fraction");
    /* Little's law between two independent measurements: L against lambda * R. */
    report_plain(rec, a->name, "little.rel_error", sys > 0 ? (sys - lam * resp) / sys : 0.0,
                 "fraction");
    report_theory(a, rec);
    free(w);
    free(r);
    free(L);
    free(Lq);
    free(U);
}

static void queue_destroy(void *app)
{
    struct queue_app *a = app;
    for (size_t i = 0; i < a->nchunks; i++)
        free(a->chunks[i]);
    free(a->chunks);
    free(a->ports);
    free(a->servers);
    free(a->b);
    free(a->busy_mark);
    free(a);
}

const struct app_ops queue_app_ops = {
    .kind = "queue",
    .create = queue_create,
    .measure_start = queue_measure_start,
    .report = queue_report,
    .destroy = queue_destroy,
};

void queue_check(const struct scenario *sc, const struct workload_cfg *w,
                 const struct host_cfg *h, unsigned host_cpus, struct diag *d)
{
    const struct queue_cfg *q = w->kcfg;
    if (h && q->servers > host_cpus) {
        char key[160];
        snprintf(key, sizeof(key), "workloads.%s.servers", w->name);
        diag_add(d, scenario_mark(sc, key),
                 "%s: %llu servers need as many CPUs, but host '%s' has %u (hosts.%s.cpus); "
                 "valid: 1 to %u",
                 key, (unsigned long long)q->servers, h->name, host_cpus, h->name, host_cpus);
    }
    const struct config *c = sc->cfg;
    if (c->sim.duration / q->batches == 0) {
        char key[160];
        snprintf(key, sizeof(key), "workloads.%s.batches", w->name);
        diag_add(d, scenario_mark(sc, key), "%s: sim.duration is too short for %llu batches",
                 key, (unsigned long long)q->batches);
    }
}
