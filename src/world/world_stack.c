/*
 * world_stack.c - stack hosts: build their kernels and drivers, install routes, report the
 * forwarding metrics (docs/results.md, "Stack"), and check the stack's invariants after the
 * end-of-run drain.
 */
#include "world/world_stack.h"

#include <math.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hwmodel/cache.h"
#include "hwmodel/hw.h"
#include "hwmodel/mem.h"
#include "hwmodel/nic.h"
#include "sim/panic.h"
#include "stack/if.h"
#include "stack/if_ix.h"
#include "stack/ifpoll.h"
#include "stack/ip_var.h"
#include "stack/mbuf.h"
#include "stack/netisr.h"
#include "world/kern_host.h"


/* Transmission counts (tx_counts): starts by the queuing CPU, by the ring's CPU on message,
 * by the TX completion; TX rings found full; send-queue lock acquisitions. */
enum { TXC_DIRECT, TXC_OWNER, TXC_COMPLETION, TXC_RING_FULL, TXC_LOCKS, TXC_COUNT };

struct ws_host {
    const struct host_cfg *hc;
    struct hw_host *hw;
    struct kern_machine *km;
    struct kernel *k;
    struct ix_softc *sc[KERNEL_MAXIF];
    const struct nic_cfg *nc[KERNEL_MAXIF];
    struct nic *nic[KERNEL_MAXIF];
    unsigned nnic;
    /* at the start of measurement */
    uint64_t drops0[DROP_COUNT], tx0, rx0, ipis0, icmp0;
    struct netisr_stats ns0;
    uint64_t intr0;
    uint64_t txc0[TXC_COUNT]; /* transmission counts (tx_counts) */
    struct ifpoll_stats poll0;
};

struct world_stacks {
    struct sim *sim;
    const struct config *c;
    struct ws_host *h;
    size_t nh;
};

static const uint64_t default_ops[KOP_COUNT] = {
#define OP_DEF(name, cycles, doc) cycles,
    KERN_OPS(OP_DEF)
#undef OP_DEF
};

struct world_stacks *wstack_create(struct sim *sim, const struct config *c)
{
    struct world_stacks *ws = xcalloc(1, sizeof(*ws));
    ws->sim = sim;
    ws->c = c;
    ws->h = xcalloc(c->nhosts + 1, sizeof(*ws->h));
    return ws;
}

bool wstack_any(const struct world_stacks *ws) { return ws->nh > 0; }

/* Packets the host's drivers took in, and those forwarded, dropped (every reason the
 * conservation counts) or sitting in a queue. */
static void conservation(struct ws_host *wh, uint64_t *in, uint64_t *out);

uint64_t wstack_queued(const struct world_stacks *ws)
{
    uint64_t n = 0;
    for (size_t i = 0; i < ws->nh; i++)
        n += kernel_packets_queued(ws->h[i].k);
    return n;
}

bool wstack_idle(const struct world_stacks *ws, uint64_t *signature)
{
    bool idle = true;
    uint64_t sig = 0;
    for (size_t i = 0; i < ws->nh; i++) {
        uint64_t in, out;
        conservation(&ws->h[i], &in, &out);
        /* a packet being handled is in neither count; queued ones are in out */
        idle = idle && in == out && kernel_packets_queued(ws->h[i].k) == 0;
        sig = sig * 1000003u + in;
    }
    *signature = sig;
    return idle;
}

/* A route of the scenario (an interface's subnet or a routes: entry) into every routing
 * table of the host; dst need not be masked (rt_add masks it). Duplicates were refused by
 * the scenario check (config.c, check_subnets); running out of memory is the user's to fix. */
static void host_route_add(struct ws_host *wh, uint32_t dst, unsigned plen, uint32_t gw,
                           struct ifnet *ifp, const char *sec, const char *name)
{
    int e = kernel_route_add(wh->k, dst, plen, gw, ifp);
    if (e == ENOMEM)
        kernel_nomem(wh->k, "routing-table nodes");
    SIM_ASSERTF(e == 0, "%s.%s: cannot add its route (error %d)", sec, name, e);
}

static struct ws_host *host_of(struct world_stacks *ws, const char *name)
{
    for (size_t i = 0; i < ws->nh; i++)
        if (strcmp(ws->h[i].hc->name, name) == 0)
            return &ws->h[i];
    return NULL;
}

void wstack_add_host(struct world_stacks *ws, const struct host_cfg *hc, struct hw_host *h)
{
    if (!hc->stack)
        return;
    const struct config *c = ws->c;
    uint64_t ops[KOP_COUNT];
    memcpy(ops, default_ops, sizeof(ops));
    for (size_t i = 0; i < c->nop_costs && hc->costs[0]; i++) {
        if (strcmp(c->op_costs[i].name, hc->costs) != 0)
            continue;
        for (int o = 0; o < KOP_COUNT; o++)
            ops[o] = (uint64_t)llround((double)c->op_costs[i].cycles[o] * c->op_costs[i].scale);
    }
    struct ws_host *wh = &ws->h[ws->nh++];
    wh->hc = hc;
    wh->hw = h;
    wh->km = kern_host_create(h, ops);
    wh->k = kernel_create(wh->km, hc->name, &c->kernel);
}

bool wstack_take_nic(struct world_stacks *ws, const struct nic_cfg *nc, struct nic *n,
                     const struct nic_plan *pl)
{
    struct ws_host *wh = host_of(ws, nc->host);
    if (!wh)
        return false;
    SIM_ASSERT(wh->nnic < KERNEL_MAXIF);
    struct kern_dev *dev = kern_host_add_dev(wh->km, n, (unsigned)nc->socket);
    struct ix_attach_args a = {.mode = (enum ix_mode)pl->mode, .rx_rings = pl->rx_rings,
                               .tx_rings = pl->tx_rings, .nvec = pl->nvec};
    memcpy(a.rx_cpu, pl->rx_cpu, sizeof(a.rx_cpu));
    memcpy(a.tx_cpu, pl->tx_cpu, sizeof(a.tx_cpu));
    memcpy(a.rx_vec, pl->rx_vec, sizeof(a.rx_vec));
    memcpy(a.tx_vec, pl->tx_vec, sizeof(a.tx_vec));
    memcpy(a.vec_cpu, pl->vec_cpu, sizeof(a.vec_cpu));
    memcpy(a.vec_rate, pl->vec_rate, sizeof(a.vec_rate));
    memcpy(a.reta, pl->reta, sizeof(a.reta));
    const struct nic_chip *chip = nic_chip(n);
    a.rx_ndesc = nc->rx_ring ? (unsigned)nc->rx_ring : chip->ring_default;
    a.tx_ndesc = nc->tx_ring ? (unsigned)nc->tx_ring : 1024;
    a.mtu = (uint32_t)nc->mtu;
    a.ifq_maxlen = (uint32_t)ws->c->kernel.ifq_maxlen;
    SIM_ASSERT(config_parse_mac(nc->mac, a.mac) == 0);
    struct ix_softc *sc = ix_attach(wh->k, dev, &a);
    if (!sc)
        exit(1); /* ix_attach said why */
    struct ifnet *ifp = ix_ifnet(sc);
    wh->sc[wh->nnic] = sc;
    wh->nc[wh->nnic] = nc;
    wh->nic[wh->nnic] = n;
    uint32_t addr;
    unsigned plen;
    if (nc->addr[0] && config_parse_prefix(nc->addr, &addr, &plen) == 0) {
        wh->k->k_addr[ifp->if_index] = addr;
        host_route_add(wh, addr, plen, 0, ifp, "nics", nc->name);
    }
    uint8_t mac[6];
    if (nc->peer[0] && config_parse_prefix(nc->peer, &addr, NULL) == 0 &&
        config_parse_mac(nc->peer_mac, mac) == 0)
        SIM_ASSERT(kernel_arp_add(wh->k, ifp, addr, mac) == 0);
    wh->nnic++;
    return true;
}

static struct ifnet *ifp_named(struct ws_host *wh, const char *nic)
{
    for (unsigned i = 0; i < wh->nnic; i++)
        if (strcmp(wh->nc[i]->name, nic) == 0)
            return ix_ifnet(wh->sc[i]);
    return NULL;
}

/* Random prefixes in 1.0.0.0/8 .. 126.0.0.0/8 except 10/8, /8 to /24, via the first
 * interface with a neighbour: they deepen the trie without capturing the test traffic. */
static void add_extra_routes(struct world_stacks *ws, struct ws_host *wh)
{
    uint64_t want = ws->c->kernel.extra_routes;
    struct ifnet *ifp = NULL;
    uint32_t gw = 0;
    for (unsigned i = 0; i < wh->nnic && !ifp; i++)
        if (wh->nc[i]->peer[0] && config_parse_prefix(wh->nc[i]->peer, &gw, NULL) == 0)
            ifp = ix_ifnet(wh->sc[i]);
    if (!want || !ifp)
        return;
    char name[96];
    snprintf(name, sizeof(name), "routes.%s", wh->hc->name);
    struct rng r;
    sim_rng(ws->sim, name, &r);
    uint64_t added = 0, tries = 0;
    while (added < want && tries++ < want * 20) {
        unsigned plen = 8 + (unsigned)rng_below(&r, 17);
        uint32_t first = 1 + (uint32_t)rng_below(&r, 126);
        if (first == 10)
            continue;
        uint32_t dst = first << 24 | (uint32_t)rng_below(&r, 1u << 24);
        int e = kernel_route_add(wh->k, dst, plen, gw, ifp); /* rt_add masks dst */
        if (e == ENOMEM) /* the scenario check estimates the worst case; this is the rest */
            kernel_nomem(wh->k, "kernel.extra_routes' routing-table nodes");
        SIM_ASSERTF(e == 0 || e == EEXIST, "extra route: error %d", e);
        added += e == 0; /* a random prefix drawn twice is drawn again */
    }
    /* 125 first octets x (2^17 - 1) prefixes of /8 to /24: over 16 M distinct, so the at most
     * 1 M the key allows are found in far fewer than 20 draws each */
    SIM_ASSERTF(added == want, "extra routes: %llu of %llu found", (unsigned long long)added,
                (unsigned long long)want);
}

void wstack_start(struct world_stacks *ws)
{
    const struct config *c = ws->c;
    for (size_t i = 0; i < c->nroutes; i++) {
        const struct route_cfg *r = &c->routes[i];
        struct ws_host *wh = host_of(ws, r->host);
        SIM_ASSERT(wh);
        uint32_t dst, gw = 0;
        unsigned plen;
        SIM_ASSERT(config_parse_prefix(r->dst, &dst, &plen) == 0);
        if (r->gateway[0])
            SIM_ASSERT(config_parse_prefix(r->gateway, &gw, NULL) == 0);
        struct ifnet *ifp = ifp_named(wh, r->nic);
        SIM_ASSERTF(ifp, "routes.%s: nic %s is not on host %s", r->name, r->nic, r->host);
        host_route_add(wh, dst, plen, gw, ifp, "routes", r->name);
    }
    for (size_t i = 0; i < ws->nh; i++) {
        add_extra_routes(ws, &ws->h[i]);
        kernel_start(ws->h[i].k);
    }
}

/* ---- measurement ---- */

static uint64_t host_ipis(struct hw_host *h)
{
    uint64_t n = 0;
    for (unsigned a = 0; a < hw_ncpus(h); a++)
        for (unsigned b = 0; b < hw_ncpus(h); b++)
            n += hw_ipi_count(h, a, b);
    return n;
}

static void totals(struct ws_host *wh, uint64_t *rx, uint64_t *tx, uint64_t *intr)
{
    *rx = *tx = *intr = 0;
    for (unsigned i = 0; i < wh->nnic; i++) {
        struct ix_stats st;
        ix_stats(wh->sc[i], &st);
        *rx += st.rx_packets;
        *tx += st.tx_packets;
        *intr += st.interrupts;
    }
}

/* Transmission so far, summed over the host's send queues and NICs. */
static void tx_counts(const struct ws_host *wh, uint64_t out[TXC_COUNT])
{
    const struct kernel *k = wh->k;
    for (int c = 0; c < TXC_COUNT; c++)
        out[c] = 0;
    for (unsigned f = 0; f < k->k_nifnet; f++)
        for (unsigned q = 0; q < k->k_ifnet[f]->if_snd_cnt; q++) {
            const struct ifaltq_subque *sq = k->k_ifnet[f]->if_snd[q];
            out[TXC_DIRECT] += sq->direct_starts;
            out[TXC_OWNER] += sq->owner_starts;
            out[TXC_LOCKS] += sq->lock.sl_acquires;
        }
    for (unsigned n = 0; n < wh->nnic; n++) {
        struct ix_stats st;
        ix_stats(wh->sc[n], &st);
        out[TXC_RING_FULL] += st.tx_ring_full;
        out[TXC_COMPLETION] += st.tx_completion_starts;
    }
}

void wstack_measure_start(struct world_stacks *ws)
{
    for (size_t i = 0; i < ws->nh; i++) {
        struct ws_host *wh = &ws->h[i];
        for (int r = 0; r < DROP_COUNT; r++)
            wh->drops0[r] = kernel_drops(wh->k, (enum drop_reason)r);
        wh->icmp0 = kernel_icmp_errors(wh->k);
        totals(wh, &wh->rx0, &wh->tx0, &wh->intr0);
        wh->ipis0 = host_ipis(wh->hw);
        netisr_stats(wh->k, &wh->ns0);
        tx_counts(wh, wh->txc0);
        ifpoll_stats(wh->k, &wh->poll0);
    }
}


static double per(double a, double b) { return b > 0 ? a / b : 0; }

/* Line transfers and line waits per forwarded packet by region, summed over the stack
 * hosts (each host's regions are matched by name). */
static void report_lines(struct world_stacks *ws, struct run_record *rec, double fwd)
{
    struct line_acc {
        const char *name;
        double transfers, wait_ns;
    } acc[64]; /* a stack host has 13 regions (mem.c's "other" and kernel.c's) */
    size_t nacc = 0;
    for (size_t i = 0; i < ws->nh; i++) {
        struct hw_host *h = ws->h[i].hw;
        struct cache_model *cm = hw_cache(h);
        if (!cm)
            continue;
        struct mem_arena *m = hw_mem(h);
        double ns_per_cycle = 1e9 / (double)sim_cpu_hz(hw_cpu(h, 0)); /* the CPUs' clock */
        for (uint16_t r = 0; r < mem_nregions(m); r++) {
            const struct cache_region_stats *rs = cache_region_stats(cm, r);
            const char *name = mem_region_name(m, r);
            size_t k = 0;
            while (k < nacc && strcmp(acc[k].name, name) != 0)
                k++;
            SIM_ASSERTF(k < sizeof(acc) / sizeof(acc[0]), "more than 64 memory regions");
            if (k == nacc)
                acc[nacc++] = (struct line_acc){name, 0, 0};
            acc[k].transfers += (double)rs->transfers;
            acc[k].wait_ns += (double)rs->wait_cycles * ns_per_cycle;
        }
    }
    if (!nacc)
        return; /* no host with a cache model */
    double all = 0, wait = 0;
    for (size_t k = 0; k < nacc; k++) {
        all += acc[k].transfers;
        wait += acc[k].wait_ns;
        rec_metricf(rec, "lines/packet", per(acc[k].transfers, fwd), "lines.transfers.%s",
                    acc[k].name);
        rec_metricf(rec, "ns/packet", per(acc[k].wait_ns, fwd), "lines.wait_ns.%s", acc[k].name);
    }
    rec_metricf(rec, "lines/packet", per(all, fwd), "lines.transfers.total");
    rec_metricf(rec, "ns/packet", per(wait, fwd), "lines.wait_ns.total");
}

void wstack_report(struct world_stacks *ws, struct run_record *rec, double secs)
{
    if (!ws->nh)
        return;
    uint64_t fwd = 0, rx = 0, ipis = 0, intr = 0, icmp = 0, drops[DROP_COUNT] = {0};
    struct netisr_stats ns = {0};
    for (size_t i = 0; i < ws->nh; i++) {
        struct ws_host *wh = &ws->h[i];
        uint64_t r, t, in;
        totals(wh, &r, &t, &in);
        fwd += t - wh->tx0;
        rx += r - wh->rx0;
        intr += in - wh->intr0;
        ipis += host_ipis(wh->hw) - wh->ipis0;
        icmp += kernel_icmp_errors(wh->k) - wh->icmp0;
        for (int d = 0; d < DROP_COUNT; d++)
            drops[d] += kernel_drops(wh->k, (enum drop_reason)d) - wh->drops0[d];
        struct netisr_stats s;
        netisr_stats(wh->k, &s);
        ns.handled += s.handled - wh->ns0.handled;
        ns.batches += s.batches - wh->ns0.batches;
        ns.remote_puts += s.remote_puts - wh->ns0.remote_puts;
        ns.ipiq_ipis += s.ipiq_ipis - wh->ns0.ipiq_ipis;
        ns.ipiq_avoided += s.ipiq_avoided - wh->ns0.ipiq_avoided;
        ns.wakeups += s.wakeups - wh->ns0.wakeups;
    }
    rec_metricf(rec, "packets", (double)fwd, "fwd.packets");
    rec_metricf(rec, "Mpps", secs > 0 ? (double)fwd / secs / 1e6 : 0, "fwd.mpps");
    rec_metricf(rec, "packets", (double)rx, "fwd.received");
    uint64_t dropped = 0;
    for (int d = 0; d < DROP_COUNT; d++) {
        dropped += drops[d];
        rec_metricf(rec, "packets", (double)drops[d], "drop.%s", drop_reason_name((enum drop_reason)d));
    }
    rec_metricf(rec, "packets", (double)dropped, "drop.total");
    rec_metricf(rec, "messages", (double)icmp, "icmp.errors");
    rec_metricf(rec, "IPIs/packet", per((double)ipis, (double)fwd), "ipi.per_packet");
    rec_metricf(rec, "IPIs", (double)ipis, "ipi.sent");
    rec_metricf(rec, "interrupts/packet", per((double)intr, (double)fwd), "intr.per_packet");
    rec_metricf(rec, "messages/wakeup", per((double)ns.handled, (double)ns.batches), "netisr.batch");
    rec_metricf(rec, "messages", (double)ns.remote_puts, "netisr.remote_puts");
    rec_metricf(rec, "IPIs", (double)ns.ipiq_ipis, "netisr.ipiq_ipis");
    rec_metricf(rec, "entries", (double)ns.ipiq_avoided, "netisr.ipiq_avoided");
    /* Who started transmission, how often rings filled, how busy the send-queue locks were. */
    uint64_t tx[TXC_COUNT] = {0};
    for (size_t i = 0; i < ws->nh; i++) {
        uint64_t now[TXC_COUNT];
        tx_counts(&ws->h[i], now);
        for (int c = 0; c < TXC_COUNT; c++)
            tx[c] += now[c] - ws->h[i].txc0[c];
    }
    rec_metricf(rec, "starts", (double)tx[TXC_DIRECT], "tx.direct_starts");
    rec_metricf(rec, "starts", (double)tx[TXC_OWNER], "tx.owner_starts");
    rec_metricf(rec, "starts", (double)tx[TXC_COMPLETION], "tx.completion_starts");
    rec_metricf(rec, "events", (double)tx[TXC_RING_FULL], "tx.ring_full");
    rec_metricf(rec, "acquisitions/s", secs > 0 ? (double)tx[TXC_LOCKS] / secs : 0,
                "ifq.lock_rate");
    /* polling(4): lost ticks in the window; the budgets and loads where the window ends */
    uint64_t lost = 0, ticks = 0, stalled = 0, bsum = 0, fsum = 0, pcpus = 0;
    for (size_t i = 0; i < ws->nh; i++) {
        struct ifpoll_stats ps;
        ifpoll_stats(ws->h[i].k, &ps);
        lost += ps.lost_polls - ws->h[i].poll0.lost_polls;
        ticks += ps.ticks - ws->h[i].poll0.ticks;
        stalled += ps.stalled - ws->h[i].poll0.stalled;
        bsum += ps.burst_sum;
        fsum += ps.kern_frac_sum;
        pcpus += ps.cpus;
    }
    if (pcpus) {
        rec_metricf(rec, "packets", per((double)bsum, (double)pcpus), "poll.burst");
        rec_metricf(rec, "percent", per((double)fsum, (double)pcpus), "poll.kern_frac");
        rec_metricf(rec, "fraction", per((double)lost, (double)ticks), "poll.lost");
        rec_metricf(rec, "resets", (double)stalled, "poll.stalled");
    }
    /* Where the mbufs are when measurement ends (gauges, summed over stack hosts). */
    uint64_t in_use = 0, posted = 0, held = 0, queued = 0, limit = 0;
    for (size_t i = 0; i < ws->nh; i++) {
        struct ws_host *wh = &ws->h[i];
        struct objcache_stats oc;
        objcache_stats(wh->k->k_mbufs, &oc);
        in_use += oc.in_use;
        limit += wh->k->k_cfg.nmbclusters;
        for (unsigned n = 0; n < wh->nnic; n++) {
            struct ix_stats st;
            ix_stats(wh->sc[n], &st);
            posted += st.mbufs_rx;
            held += st.mbufs_tx;
        }
        queued += kernel_packets_queued(wh->k);
    }
    rec_metricf(rec, "mbufs", (double)limit, "mbuf.limit");
    rec_metricf(rec, "mbufs", (double)in_use, "mbuf.in_use");
    rec_metricf(rec, "mbufs", (double)posted, "mbuf.rx_rings");
    rec_metricf(rec, "mbufs", (double)held, "mbuf.tx_rings");
    rec_metricf(rec, "mbufs", (double)queued, "mbuf.queued");
    report_lines(ws, rec, (double)fwd);
}

/* ---- invariants ---- */

/* Drops of packets the driver had taken in (nombuf and rx_error happen before). */
static uint64_t counted_drops(const struct kernel *k)
{
    uint64_t n = 0;
    for (int d = 0; d < DROP_COUNT; d++)
        if (d != DROP_nombuf && d != DROP_rx_error)
            n += kernel_drops(k, (enum drop_reason)d);
    return n;
}

static void conservation(struct ws_host *wh, uint64_t *in, uint64_t *out)
{
    uint64_t tx, intr;
    totals(wh, in, &tx, &intr);
    *out = tx + counted_drops(wh->k) + kernel_packets_queued(wh->k);
}

void wstack_check(struct world_stacks *ws)
{
    for (size_t i = 0; i < ws->nh; i++) {
        struct ws_host *wh = &ws->h[i];
        struct kernel *k = wh->k;
        kernel_check(k);
        uint64_t rx, tx, intr, posted = 0, held = 0, dropped = 0;
        totals(wh, &rx, &tx, &intr);
        for (unsigned n = 0; n < wh->nnic; n++) {
            struct ix_stats st;
            ix_stats(wh->sc[n], &st);
            posted += st.mbufs_rx;
            held += st.mbufs_tx;
        }
        dropped = counted_drops(k);
        uint64_t queued = kernel_packets_queued(k);
        SIM_ASSERTF(rx == tx + dropped + queued,
                    "host %s: packets in (%llu) != forwarded (%llu) + dropped (%llu) + queued (%llu)",
                    wh->hc->name, (unsigned long long)rx, (unsigned long long)tx,
                    (unsigned long long)dropped, (unsigned long long)queued);
        struct objcache_stats oc;
        objcache_stats(k->k_mbufs, &oc);
        SIM_ASSERTF(oc.in_use == posted + held + queued,
                    "host %s: %llu mbufs in use, but %llu in RX rings + %llu in TX rings + %llu queued",
                    wh->hc->name, (unsigned long long)oc.in_use, (unsigned long long)posted,
                    (unsigned long long)held, (unsigned long long)queued);
    }
}

void wstack_destroy(struct world_stacks *ws)
{
    if (!ws)
        return;
    for (size_t i = 0; i < ws->nh; i++) {
        for (unsigned n = 0; n < ws->h[i].nnic; n++)
            ix_detach(ws->h[i].sc[n]);
        kernel_destroy(ws->h[i].k);
        kern_host_destroy(ws->h[i].km);
    }
    free(ws->h);
    free(ws);
}
