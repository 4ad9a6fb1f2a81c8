/*
 * world.c - build the simulated machines, devices and workloads of a scenario, run them,
 * and gather what they measured.
 */
#include "world.h"

#include <math.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/app.h"
#include "apps/queue.h"
#include "hwmodel/cache.h"
#include "hwmodel/mem.h"
#include "hwmodel/nic.h"
#include "hwmodel/pcap.h"
#include "sim/trace.h"
#include "hwmodel/nic_refdrv.h"
#include "hwmodel/traffic.h"
#include "hwmodel/wire.h"
#include "sim/panic.h"
#include "sim/sim_sched.h"
#include "version.h"
#include "world/world_stack.h"

/* Workload kinds, in the order of the schema's variants (config.c). */
static const struct app_ops *const app_kinds[] = {&queue_app_ops};

struct world_app {
    const struct app_ops *ops;
    void *state;
};

struct world_nic {
    const struct nic_cfg *cfg;
    struct nic *nic;
    struct nic_plan plan;
    struct nic_refdrv *drv;
    struct pcap_writer *pcap;   /* --pcap PREFIX: PREFIX<name>.pcap */
};

struct world {
    const struct config *cfg;
    char trace_path[4096];
    struct sim *sim;
    struct frame_pool pool;
    struct world_host *hosts;
    size_t nhosts;
    struct link **links;
    struct world_nic *nics;
    struct pktgen **gens;
    struct sink **sinks;
    struct world_app *apps;
    size_t napps;
    struct world_stacks *stacks;
    sim_time_t start, end;
    /* per CPU (in sim order), busy time per category at the start of measurement */
    sim_time_t (*mark)[SIM_MAX_CATEGORIES];
};

struct sim *world_sim(const struct world *w) { return w->sim; }
const struct config *world_config(const struct world *w) { return w->cfg; }
sim_time_t world_measure_start(const struct world *w) { return w->start; }
sim_time_t world_end(const struct world *w) { return w->end; }

const struct world_host *world_host(const struct world *w, const char *name)
{
    for (size_t i = 0; i < w->nhosts; i++)
        if (strcmp(w->hosts[i].cfg->name, name) == 0)
            return &w->hosts[i];
    return NULL;
}

static struct link *link_named(const struct world *w, const char *name)
{
    for (size_t i = 0; i < w->cfg->nlinks; i++)
        if (strcmp(w->cfg->links[i].name, name) == 0)
            return w->links[i];
    SIM_PANIC("no link %s (the scenario loader checks references)", name);
}

static void measure_start(struct sim *sim, void *arg)
{
    struct world *w = arg;
    sim_time_t t = sim_now(sim);
    const struct config *c = w->cfg;
    for (size_t i = 0; i < sim_ncpus(sim); i++)
        sim_cpu_times(sim_cpu_at(sim, i), t, w->mark[i]);
    for (size_t i = 0; i < w->nhosts; i++) {
        struct world_host *wh = &w->hosts[i];
        unsigned n = hw_ncpus(wh->hw);
        if (!wh->ipi0)
            wh->ipi0 = xcalloc((size_t)n * n, sizeof(*wh->ipi0));
        for (unsigned a = 0; a < n; a++)
            for (unsigned b = 0; b < n; b++)
                wh->ipi0[a * n + b] = hw_ipi_count(wh->hw, a, b);
        if (hw_cache(wh->hw))
            cache_reset_stats(hw_cache(wh->hw));
    }
    for (size_t i = 0; i < c->nlinks; i++)
        link_measure_start(w->links[i]);
    for (size_t i = 0; i < c->nnics; i++) {
        nic_measure_start(w->nics[i].nic);
        if (w->nics[i].drv)
            nic_refdrv_measure_start(w->nics[i].drv);
    }
    for (size_t i = 0; i < c->ngenerators; i++)
        pktgen_measure_start(w->gens[i]);
    for (size_t i = 0; i < c->nsinks; i++)
        sink_measure_start(w->sinks[i]);
    wstack_measure_start(w->stacks);
    for (size_t i = 0; i < w->napps; i++)
        w->apps[i].ops->measure_start(w->apps[i].state, t);
}

static void build_hosts(struct world *w)
{
    const struct config *c = w->cfg;
    w->nhosts = c->nhosts;
    w->hosts = xcalloc(c->nhosts ? c->nhosts : 1, sizeof(*w->hosts));
    for (size_t i = 0; i < c->nhosts; i++) {
        const struct host_cfg *hc = &c->hosts[i];
        const struct hw_profile *prof = hc->hw[0] ? config_profile(c, hc->hw) : NULL;
        uint64_t hz = hc->freq ? hc->freq : prof ? prof->freq : UINT64_C(2100000000);
        struct hw_host_params hp = {.name = hc->name, .profile = prof,
                                    .ncpus = config_host_ncpus(c, hc), .hz = hz,
                                    .sched = sim_sched_find(config_sched_names[hc->sched]),
                                    .mem_bytes = hc->memory};
        SIM_ASSERT(hp.sched != NULL);
        struct world_host *h = &w->hosts[i];
        h->cfg = hc;
        h->hw = hw_host_create(w->sim, &hp);
        h->ncpus = hw_ncpus(h->hw);
        h->cpus = xcalloc(h->ncpus, sizeof(*h->cpus));
        for (size_t k = 0; k < h->ncpus; k++)
            h->cpus[k] = hw_cpu(h->hw, (unsigned)k);
        wstack_add_host(w->stacks, hc, h->hw);
    }
}

static void build_devices(struct world *w)
{
    const struct config *c = w->cfg;
    w->links = xcalloc(c->nlinks + 1, sizeof(*w->links));
    for (size_t i = 0; i < c->nlinks; i++) {
        const struct link_cfg *lc = &c->links[i];
        struct link_params lp = {.name = lc->name, .bps = lc->rate, .delay = lc->delay,
                                 .queue = (uint32_t)lc->queue, .loss = lc->loss};
        w->links[i] = link_create(w->sim, &w->pool, &lp);
    }
    w->nics = xcalloc(c->nnics + 1, sizeof(*w->nics));
    for (size_t i = 0; i < c->nnics; i++) {
        const struct nic_cfg *nc = &c->nics[i];
        struct world_nic *wn = &w->nics[i];
        const struct world_host *h = world_host(w, nc->host);
        const struct nic_chip *chip = &nic_chips[nc->model];
        struct nic_params np = {.name = nc->name, .chip = chip, .host = h->hw,
                                .socket = (unsigned)nc->socket};
        wn->cfg = nc;
        wn->nic = nic_create(w->sim, &w->pool, &np);
        if (c->outputs.pcap && c->outputs.pcap[0]) {
            char file[4096];
            /* a compare: variant gets its own files: PREFIX<variant>-<nic>.pcap */
            snprintf(file, sizeof(file), "%s%s%s%s.pcap", c->outputs.pcap, c->variant,
                     c->variant[0] ? "-" : "", nc->name);
            if (!(wn->pcap = pcap_open(file))) {
                fprintf(stderr, "mpstack: cannot write %s: %s\n", file, strerror(errno));
                exit(1);
            }
            nic_capture(wn->nic, wn->pcap);
        }
        nic_attach(wn->nic, link_named(w, nc->link), (int)nc->side);
        nic_plan_dragonfly_rx(chip, (unsigned)h->ncpus, (unsigned)nc->rx_rings,
                              (enum nic_mode)nc->mode, nc->ring_pow2, &wn->plan);
        if (wstack_take_nic(w->stacks, nc, wn->nic, &wn->plan))
            continue; /* the stack's own driver runs it */
        struct nic_refdrv_params dp = {
            .plan = &wn->plan,
            .rx_ring = nc->rx_ring ? (unsigned)nc->rx_ring : chip->ring_default,
            .tx_ring = nc->tx_ring ? (unsigned)nc->tx_ring : 1024,
            .service = (enum nic_service)nc->service, .pollhz = (uint32_t)nc->pollhz,
            .poll_burst = (uint32_t)nc->poll_burst};
        wn->drv = nic_refdrv_create(wn->nic, &dp);
    }
    wstack_start(w->stacks);
    w->gens = xcalloc(c->ngenerators + 1, sizeof(*w->gens));
    for (size_t i = 0; i < c->ngenerators; i++)
        w->gens[i] = pktgen_create(w->sim, &w->pool, &c->generators[i],
                                   link_named(w, c->generators[i].link));
    unsigned max_flows = 1;
    for (size_t i = 0; i < c->ngenerators; i++)
        if (c->generators[i].flows > max_flows)
            max_flows = (unsigned)c->generators[i].flows;
    w->sinks = xcalloc(c->nsinks + 1, sizeof(*w->sinks));
    for (size_t i = 0; i < c->nsinks; i++)
        w->sinks[i] = sink_create(w->sim, &w->pool, &c->sinks[i],
                                  link_named(w, c->sinks[i].link), max_flows);
}

void world_trace_path(const struct config *c, char *out, size_t n)
{
    const char *t = c->outputs.trace, *v = c->variant;
    size_t len = strlen(t);
    bool json = len > 5 && strcmp(t + len - 5, ".json") == 0;
    if (!v[0])
        snprintf(out, n, "%s", t);
    else if (json) /* a compare: variant gets its own file: NAME-<variant>.json */
        snprintf(out, n, "%.*s-%s.json", (int)(len - 5), t, v);
    else
        snprintf(out, n, "%s-%s", t, v);
}

struct world *world_create(const struct scenario *sc)
{
    const struct config *cfg = sc->cfg;
    struct world *w = xcalloc(1, sizeof(*w));
    w->cfg = cfg;
    struct sim_params sp = {.seed = cfg->sim.seed, .quantum = cfg->sim.quantum,
                            .evq = (enum evq_kind)cfg->sim.event_queue};
    w->sim = sim_create(&sp);
    if (cfg->outputs.trace && cfg->outputs.trace[0]) {
        sim_time_t ws, we;
        config_trace_window(cfg, &ws, &we);
        world_trace_path(cfg, w->trace_path, sizeof(w->trace_path));
        struct sim_trace *t = sim_trace_open(w->trace_path, ws, we);
        if (!t) {
            fprintf(stderr, "mpstack: cannot write %s: %s\n", w->trace_path, strerror(errno));
            exit(1);
        }
        sim_set_trace(w->sim, t);
    }
    w->stacks = wstack_create(w->sim, cfg);
    frame_pool_init(&w->pool);
    w->start = cfg->sim.warmup;
    w->end = cfg->sim.warmup + cfg->sim.duration;
    build_hosts(w);
    w->mark = xcalloc(sim_ncpus(w->sim) ? sim_ncpus(w->sim) : 1, sizeof(*w->mark));
    /* First event of the run, so at equal times measurement starts before anything else. */
    sim_at(w->sim, w->start, measure_start, w);
    build_devices(w);
    w->napps = cfg->nworkloads;
    w->apps = xcalloc(w->napps ? w->napps : 1, sizeof(*w->apps));
    for (size_t i = 0; i < cfg->nworkloads; i++) {
        const struct workload_cfg *wc = &cfg->workloads[i];
        SIM_ASSERT(wc->kind >= 0 && (size_t)wc->kind < sizeof(app_kinds) / sizeof(app_kinds[0]));
        w->apps[i].ops = app_kinds[wc->kind];
        w->apps[i].state = w->apps[i].ops->create(w, wc);
    }
    return w;
}

void world_destroy(struct world *w)
{
    if (!w)
        return;
    const struct config *c = w->cfg;
    if (sim_get_trace(w->sim) && sim_trace_close(w->sim))
        fprintf(stderr, "mpstack: writing %s failed: %s\n", w->trace_path, strerror(errno));
    sim_destroy(w->sim); /* threads first: they may point into device and app state */
    wstack_destroy(w->stacks); /* before the hosts: it frees into their arenas */
    for (size_t i = 0; i < w->napps; i++)
        w->apps[i].ops->destroy(w->apps[i].state);
    for (size_t i = 0; i < c->nsinks; i++)
        sink_destroy(w->sinks[i]);
    for (size_t i = 0; i < c->ngenerators; i++)
        pktgen_destroy(w->gens[i]);
    for (size_t i = 0; i < c->nnics; i++) {
        nic_refdrv_destroy(w->nics[i].drv);
        nic_destroy(w->nics[i].nic);
        if (w->nics[i].pcap && pcap_close(w->nics[i].pcap))
            fprintf(stderr, "mpstack: writing the capture of %s failed: %s\n",
                    w->nics[i].cfg->name, strerror(errno));
    }
    for (size_t i = 0; i < c->nlinks; i++)
        link_destroy(w->links[i]);
    for (size_t i = 0; i < w->nhosts; i++) {
        hw_host_destroy(w->hosts[i].hw);
        free(w->hosts[i].cpus);
        free(w->hosts[i].ipi0);
    }
    frame_pool_fini(&w->pool);
    free(w->links);
    free(w->nics);
    free(w->gens);
    free(w->sinks);
    free(w->hosts);
    free(w->apps);
    free(w->mark);
    free(w);
}

bool world_run(struct world *w)
{
    sim_run_until(w->sim, w->end);
    return !sim_stopped(w->sim);
}

/* ---- reporting ---- */


static void report_cpu_time(struct world *w, struct run_record *rec, sim_time_t t)
{
    struct sim *sim = w->sim;
    for (size_t i = 0; i < sim_ncpus(sim); i++) {
        struct sim_cpu *cpu = sim_cpu_at(sim, i);
        sim_time_t now[SIM_MAX_CATEGORIES];
        sim_cpu_times(cpu, t, now);
        for (int c = 0; c < sim_ncategories(sim); c++)
            rec_cpu_time(rec, sim_cpu_host(cpu), sim_cpu_id(cpu), sim_category_name(sim, c),
                         now[c] - w->mark[i][c]);
    }
}

/* The sink's latency histogram (hist table) and its percentiles (bucket upper bounds, so at
 * most 3% above the exact order statistic). */
static void report_latency_hist(struct run_record *rec, const char *name,
                                const struct sink_stats *st)
{
    static const struct {
        double q;
        const char *suffix;
    } pct[] = {{0.5, "p50"}, {0.9, "p90"}, {0.99, "p99"}, {0.999, "p999"}};
    uint64_t n = 0;
    for (unsigned b = 0; b < SINK_HIST_BUCKETS; b++)
        n += st->lat_hist[b];
    char hname[160];
    snprintf(hname, sizeof(hname), "sink.%s.latency", name);
    uint64_t cum = 0;
    size_t k = 0, np = sizeof(pct) / sizeof(pct[0]);
    for (unsigned b = 0; b < SINK_HIST_BUCKETS; b++) {
        if (!st->lat_hist[b])
            continue;
        double upper = (double)sink_hist_upper(b) * 1e-9;
        rec_hist(rec, hname, "s", upper, st->lat_hist[b]);
        cum += st->lat_hist[b];
        while (k < np && (double)cum >= pct[k].q * (double)n) {
            rec_metricf(rec, "s", upper, "sink.%s.latency.%s", name, pct[k].suffix);
            k++;
        }
    }
}

/* Links: frames, packet and wire rates per direction ("ab" is side 0 to side 1). */
static void report_links(struct world *w, struct run_record *rec, double secs)
{
    static const char *const dir[2] = {"ab", "ba"};
    for (size_t i = 0; i < w->cfg->nlinks; i++) {
        const char *name = w->cfg->links[i].name;
        for (int s = 0; s < 2; s++) {
            const struct link_stats *st = link_stats(w->links[i], s);
            if (!st->frames && !st->dropped)
                continue;
            rec_metricf(rec, "frames", (double)st->frames, "link.%s.%s.frames", name, dir[s]);
            rec_metricf(rec, "frames", (double)st->delivered, "link.%s.%s.delivered", name, dir[s]);
            rec_metricf(rec, "Mpps", secs > 0 ? (double)st->frames / secs / 1e6 : 0,
                   "link.%s.%s.mpps", name, dir[s]);
            rec_metricf(rec, "Gbps", secs > 0 ? (double)st->wire_bytes * 8 / secs / 1e9 : 0,
                   "link.%s.%s.wire_gbps", name, dir[s]);
            rec_metricf(rec, "frames", (double)st->dropped, "link.%s.%s.drop.queue", name, dir[s]);
            rec_metricf(rec, "frames", (double)st->lost, "link.%s.%s.drop.lost", name, dir[s]);
        }
    }
}

static void report_nics(struct world *w, struct run_record *rec)
{
    for (size_t i = 0; i < w->cfg->nnics; i++) {
        const struct world_nic *wn = &w->nics[i];
        const char *name = wn->cfg->name;
        struct nic_stats st;
        nic_stats_window(wn->nic, &st);
        rec_metricf(rec, "rings", wn->plan.rx_rings, "nic.%s.rx.rings", name);
        rec_metricf(rec, "vectors", wn->plan.nvec, "nic.%s.vectors", name);
        rec_metricf(rec, "frames", (double)st.rx_frames, "nic.%s.rx.frames", name);
        rec_metricf(rec, "frames", (double)st.rx_drop_no_desc, "nic.%s.drop.no_descriptor", name);
        rec_metricf(rec, "frames", (double)st.rx_missed, "nic.%s.drop.missed", name);
        rec_metricf(rec, "frames", (double)st.rx_drop_disabled, "nic.%s.drop.disabled", name);
        rec_metricf(rec, "frames", (double)st.rx_drop_length, "nic.%s.drop.length", name);
        rec_metricf(rec, "frames", (double)st.rx_bad_desc, "nic.%s.drop.bad_descriptor", name);
        rec_metricf(rec, "frames", (double)st.tx_frames, "nic.%s.tx.frames", name);
        rec_metricf(rec, "frames", (double)nic_frames_held(wn->nic), "nic.%s.held", name);
        rec_metricf(rec, "interrupts", (double)st.interrupts, "nic.%s.interrupts", name);
        for (unsigned q = 0; q < wn->plan.rx_rings; q++) {
            rec_metricf(rec, "frames", (double)nic_rx_queue_frames(wn->nic, q), "nic.%s.rx.ring%u.frames",
                   name, q);
            if (wn->drv)
                rec_metricf(rec, "frames", (double)nic_refdrv_rx(wn->drv, q),
                       "nic.%s.driver.ring%u.frames", name, q);
        }
        for (unsigned v = 0; v < wn->plan.nvec; v++)
            rec_metricf(rec, "interrupts", (double)nic_vector_interrupts(wn->nic, v),
                   "nic.%s.vector%u.interrupts", name, v);
    }
}

static void report_traffic(struct world *w, struct run_record *rec, double secs)
{
    const struct config *c = w->cfg;
    for (size_t i = 0; i < c->ngenerators; i++) {
        const char *name = c->generators[i].name;
        uint64_t sent = pktgen_sent(w->gens[i]);
        rec_metricf(rec, "frames", (double)sent, "gen.%s.sent", name);
        rec_metricf(rec, "frames", (double)pktgen_refused(w->gens[i]), "gen.%s.refused", name);
        rec_metricf(rec, "Mpps", secs > 0 ? (double)sent / secs / 1e6 : 0, "gen.%s.mpps", name);
    }
    for (size_t i = 0; i < c->nsinks; i++) {
        const char *name = c->sinks[i].name;
        const struct sink_stats *st = sink_stats(w->sinks[i]);
        rec_metricf(rec, "frames", (double)st->frames, "sink.%s.frames", name);
        rec_metricf(rec, "Mpps", secs > 0 ? (double)st->frames / secs / 1e6 : 0, "sink.%s.mpps", name);
        rec_metricf(rec, "frames", (double)st->bad, "sink.%s.bad", name);
        rec_metricf(rec, "frames", (double)st->gaps, "sink.%s.gaps", name);
        rec_metricf(rec, "frames", (double)st->reordered, "sink.%s.reordered", name);
        if (st->latency.n) {
            rec_metricf(rec, "s", st->latency.mean, "sink.%s.latency.mean", name);
            rec_metricf(rec, "s", st->lat_min, "sink.%s.latency.min", name);
            rec_metricf(rec, "s", st->lat_max, "sink.%s.latency.max", name);
            report_latency_hist(rec, name, st);
        }
    }
}

/* Hosts: IPIs, and the coherence model's outcomes and line transfers by memory region. */
static void report_hosts(struct world *w, struct run_record *rec)
{
    for (size_t i = 0; i < w->nhosts; i++) {
        struct hw_host *h = w->hosts[i].hw;
        const char *name = hw_host_name(h);
        const uint64_t *ipi0 = w->hosts[i].ipi0;
        unsigned n = hw_ncpus(h);
        uint64_t ipis = 0;
        for (unsigned a = 0; a < n; a++)
            for (unsigned b = 0; b < n; b++) {
                uint64_t d = hw_ipi_count(h, a, b) - (ipi0 ? ipi0[a * n + b] : 0);
                ipis += d;
                if (d)
                    rec_pair(rec, name, "ipi", (int)a, (int)b, (double)d);
            }
        if (ipis)
            rec_metricf(rec, "IPIs", (double)ipis, "host.%s.ipi.sent", name);
        struct cache_model *cm = hw_cache(h);
        if (!cm)
            continue;
        struct mem_arena *ma = hw_mem(h);
        for (unsigned a = 0; a < n; a++)
            for (unsigned b = 0; b < n; b++) {
                uint64_t x = 0;
                for (uint16_t r = 0; r < mem_nregions(ma); r++)
                    x += cache_region_transfers(cm, r, a, b);
                if (x)
                    rec_pair(rec, name, "lines", (int)a, (int)b, (double)x);
            }
        uint64_t lines[CACHE_NOUTCOMES] = {0};
        for (unsigned c = 0; c < hw_ncpus(h); c++)
            for (int o = 0; o < CACHE_NOUTCOMES; o++)
                lines[o] += cache_cpu_stats(cm, c)->lines[o];
        for (int o = 0; o < CACHE_NOUTCOMES; o++)
            if (lines[o])
                rec_metricf(rec, "lines", (double)lines[o], "host.%s.cache.%s", name,
                       cache_outcome_name((enum cache_outcome)o));
        struct mem_arena *m = hw_mem(h);
        for (uint16_t r = 0; r < mem_nregions(m); r++) {
            const struct cache_region_stats *rs = cache_region_stats(cm, r);
            if (rs->transfers)
                rec_metricf(rec, "lines", (double)rs->transfers, "host.%s.lines.transfers.%s", name,
                       mem_region_name(m, r));
        }
    }
}

/* Frames on links and in NICs now. */
static size_t frames_held(const struct world *w)
{
    size_t held = 0;
    for (size_t l = 0; l < w->cfg->nlinks; l++)
        held += link_frames_held(w->links[l]);
    for (size_t n = 0; n < w->cfg->nnics; n++)
        held += nic_frames_held(w->nics[n].nic);
    return held;
}

/* Every frame ever allocated is held by a link or a NIC, or was freed: nothing leaks. */
static void check_frames(struct world *w)
{
    size_t held = frames_held(w);
    SIM_ASSERTF(held == w->pool.in_use, "frame accounting: %zu frames held by links and NICs, "
                "%llu in use", held, (unsigned long long)w->pool.in_use);
}

/* Stop the generators and run until the stacks are quiet (the metrics are already taken), so
 * their conservation invariants can be checked exactly. Quiet: no packet in a stack's queue
 * or handler, and for a whole millisecond no packet taken in by a stack and no frame moved
 * on a link or in a NIC (a NIC nobody services may hold frames for ever; a slow link may
 * take long to empty, and the run waits as long as it moves). A stack that makes no progress
 * for a simulated second while holding packets has lost track of them (a send queue nobody
 * will start, say): a broken invariant, not a slow drain. */
static void drain(struct world *w)
{
    for (size_t i = 0; i < w->cfg->ngenerators; i++)
        pktgen_stop(w->gens[i]);
    uint64_t prev = UINT64_MAX;
    bool quiet = false;
    /* still: milliseconds in a row with nothing moving; the whole drain is bounded too, in
     * case something moves for ever */
    for (int still = 0, ms = 0; still < 1000 && ms < 1000000 && !quiet; ms++) {
        sim_run_until(w->sim, sim_now(w->sim) + SIM_PS_PER_MS);
        uint64_t sig;
        bool idle = wstack_idle(w->stacks, &sig);
        sig = sig * 1000003u + frames_held(w);
        quiet = idle && sig == prev;
        still = sig == prev ? still + 1 : 0;
        prev = sig;
    }
    SIM_ASSERTF(quiet, "the stack did not drain after traffic stopped (1 s of simulated time "
                "with nothing moving, or 1000 s in all), with %llu packets queued in the stack and %zu frames held "
                "by links and NICs", (unsigned long long)wstack_queued(w->stacks),
                frames_held(w));
}

/* At the end of a run. `quiet`: the stacks were drained. An interrupted run stops between
 * two events, where a simulated thread may be half-way through a handler (a message taken
 * from its port and not yet handled, a packet in neither count), so the stacks' conservation
 * checks would fail on a correct run: only the structure is checked then. */
static void check_invariants(struct world *w, bool quiet)
{
    check_frames(w);
    if (quiet)
        wstack_check(w->stacks);
    for (size_t i = 0; i < w->nhosts; i++) {
        if (hw_cache(w->hosts[i].hw))
            cache_check(hw_cache(w->hosts[i].hw));
        mem_check(hw_mem(w->hosts[i].hw));
    }
}

void world_report(struct world *w, const struct scenario *sc, struct run_record *rec)
{
    const struct config *cfg = w->cfg;
    sim_time_t t = sim_now(w->sim);
    rec->scenario_path = xstrdup(sc->path);
    rec->scenario_name = xstrdup(sc->name);
    rec->description = xstrdup(cfg->description ? cfg->description : "");
    rec->seed = cfg->sim.seed;
    snprintf(rec->sweep_id, sizeof(rec->sweep_id), "%s",
             cfg->outputs.sweep_id ? cfg->outputs.sweep_id : "");
    snprintf(rec->version, sizeof(rec->version), "%s (%s)", MPSTACK_VERSION, MPSTACK_GIT);
    rec->sim_time = t;
    rec->measured = t > w->start ? t - w->start : 0;
    rec->events = sim_events(w->sim);
    rec->interrupted = sim_stopped(w->sim);
    double secs = sim_time_to_s(rec->measured);
    if (t >= w->start)
        report_cpu_time(w, rec, t);
    report_hosts(w, rec);
    report_links(w, rec, secs);
    report_nics(w, rec);
    report_traffic(w, rec, secs);
    wstack_report(w->stacks, rec, secs);
    for (size_t i = 0; i < w->napps; i++)
        w->apps[i].ops->report(w->apps[i].state, rec, t);
    if (wstack_any(w->stacks) && !rec->interrupted)
        drain(w);
    check_invariants(w, !rec->interrupted);
}
