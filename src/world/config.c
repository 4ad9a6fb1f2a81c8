/*
 * config.c - the parameter tables of an mpstack scenario: sim, hosts, workloads, outputs.
 * docs/parameters.md is generated from these tables (and the applications' own).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "apps/queue.h"
#include "hwmodel/nic.h"
#include "hwmodel/nic_refdrv.h"
#include "stack/if.h"
#include "scenario/scenario.h"
#include "scenario/units.h"
#include "sim/evq.h"
#include "sim/panic.h"
#include "stack/kernel.h"
#include "stack/mbuf.h"
#include "stack/route.h"

const char *const config_sched_names[] = {"lwkt", NULL};
/* In enum evq_kind order. */
static const char *const evq_names[] = {"heap", "calendar", "radix", NULL};

static const struct param_def root_params[] = {
    {.key = "description", .type = PT_STRING, .offset = offsetof(struct config, description),
     .def = "", .doc = "one line saying what the scenario shows (listed by `mpstack list`)"},
    {.key = "variant", .type = PT_STRING, .offset = offsetof(struct config, variant),
     .def = "", .doc = "which of the scenario's compare: variants this run is (set by `mpstack "
                       "compare`; empty: the scenario as written)"},
};

#define SIMF(f) offsetof(struct sim_cfg, f)
static const struct param_def sim_params[] = {
    {.key = "duration", .type = PT_DURATION, .offset = SIMF(duration), .def = "1s",
     .min = 1, .max = 1e16,
     .doc = "simulated time measured after the warm-up; the run ends at warmup + duration"},
    {.key = "warmup", .type = PT_DURATION, .offset = SIMF(warmup), .def = "0s", .min = 0,
     .max = 1e16, .doc = "simulated time run before measuring starts (statistics are reset)"},
    {.key = "seed", .type = PT_UINT, .offset = SIMF(seed), .def = "1",
     .doc = "master seed; every random stream is derived from it and its own name"},
    {.key = "quantum", .type = PT_DURATION, .offset = SIMF(quantum), .def = "0s", .min = 0,
     .max = 1e12,
     .doc = "temporal-decoupling quantum: how far a thread may run ahead of global time "
            "between synchronisation points (0 = exact)"},
    {.key = "event_queue", .type = PT_ENUM, .offset = SIMF(event_queue), .def = "radix",
     .choices = evq_names,
     .doc = "pending-event structure; all give identical results, radix is the fastest from "
            "about 64 pending events up (docs/performance.md)"},
};

#define HOSTF(f) offsetof(struct host_cfg, f)
static const struct param_def host_params[] = {
    {.key = "hw", .type = PT_REF, .offset = HOSTF(hw), .def = "", .ref = "hw_profiles",
     .doc = "hardware profile (include: hw/NAME brings the shipped ones); empty: an ideal "
            "machine where everything is free and there is no cache model"},
    {.key = "cpus", .type = PT_UINT, .offset = HOSTF(cpus), .def = "0", .min = 0, .max = 1024,
     .unit = "CPUs",
     .doc = "simulated CPUs (hardware threads) used; 0: all of the profile's, or 1"},
    {.key = "freq", .type = PT_FREQ, .offset = HOSTF(freq), .def = "0Hz", .min = 0,
     .max = 1e11, .doc = "core clock; 0Hz: the profile's, or 2.1GHz without one"},
    {.key = "sched", .type = PT_ENUM, .offset = HOSTF(sched), .def = "lwkt",
     .choices = config_sched_names,
     .doc = "per-CPU scheduling policy (lwkt: fixed priorities, round robin among equals, "
            "preemption only by interrupt threads)"},
    {.key = "memory", .type = PT_SIZE, .offset = HOSTF(memory), .def = "1GiB", .min = 1 << 20,
     .max = 1099511627776.0,
     .doc = "simulated physical memory: the arena every kernel allocation comes from"},
    {.key = "stack", .type = PT_BOOL, .offset = HOSTF(stack), .def = "false",
     .doc = "run mpstack's kernel on this host (its NICs are driven by the stack's igb/ix "
            "driver, configured by the `kernel` section); false: NICs use the reference driver"},
    {.key = "costs", .type = PT_REF, .offset = HOSTF(costs), .def = "", .ref = "op_costs",
     .doc = "per-operation stack costs (op_costs entry; include: hw/NAME brings the shipped "
            "ones); empty: the built-in defaults"},
};

static const char *const threading_names[] = {"one", "three", NULL};
static const char *const port_names[] = {"ipiq", "spin", NULL};
static const char *const handoff_names[] = {"packet", "batch", NULL};
static const char *const hash_names[] = {"toeplitz", "symmetric", "xor", NULL};
static const char *const stats_names[] = {"shared", "percpu", NULL};
static const char *const rtlayout_names[] = {"percpu", "shared", NULL};
static const char *const txrings_names[] = {"one", "percpu", NULL};

#define KF(f) offsetof(struct kernel_cfg, f)
static const struct param_def kernel_params[] = {
    {.key = "threading", .type = PT_ENUM, .offset = KF(threading), .def = "one",
     .choices = threading_names,
     .doc = "protocol threads per CPU: one netisr (2010 on), or three (TCP, UDP, other; 2006)"},
    {.key = "port", .type = PT_ENUM, .offset = KF(port), .def = "spin", .choices = port_names,
     .doc = "netisr message port back end: ipiq (thread port, cross-CPU puts through IPI "
            "queues) or spin (spinlock port, IPI only to wake a sleeping netisr)"},
    {.key = "handoff", .type = PT_ENUM, .offset = KF(handoff), .def = "packet",
     .choices = handoff_names,
     .doc = "RX hand-off from the driver: a message per packet, or per target CPU per "
            "interrupt (2008 batching)"},
    {.key = "hash", .type = PT_ENUM, .offset = KF(hash), .def = "symmetric",
     .choices = hash_names,
     .doc = "flow hash that picks the netisr CPU: NIC Toeplitz with the Microsoft key, with "
            "DragonFly's symmetric key, or the software XOR 4-tuple hash of 2006 (ip_mport)"},
    {.key = "stats", .type = PT_ENUM, .offset = KF(stats), .def = "percpu",
     .choices = stats_names,
     .doc = "interface and IP counters: one shared struct, or one cache-line padded struct "
            "per CPU (2013)"},
    {.key = "route_table", .type = PT_ENUM, .offset = KF(routes), .def = "percpu",
     .choices = rtlayout_names,
     .doc = "routing table replicated per CPU, or one shared table with referenced entries"},
    {.key = "tx_rings", .type = PT_ENUM, .offset = KF(tx_rings), .def = "percpu",
     .choices = txrings_names,
     .doc = "one TX ring per interface, or as many as the driver allows (ring = CPU mod rings)"},
    {.key = "netisr_batch", .type = PT_UINT, .offset = KF(netisr_batch), .def = "512", .min = 1,
     .max = 1e6, .unit = "messages",
     .doc = "messages a netisr handles per wake-up before running the rollups"},
    {.key = "ipiq_depth", .type = PT_UINT, .offset = KF(ipiq_depth), .def = "32", .min = 2,
     .max = 4096, .unit = "entries", .doc = "entries per IPI queue (MAXCPUFIFO)"},
    {.key = "nmbclusters", .type = PT_UINT, .offset = KF(nmbclusters), .def = "65536",
     .min = 64, .max = 1e8, .unit = "clusters",
     .doc = "mbuf + 2 KB cluster pairs the host may allocate (bounded pool)"},
    {.key = "magazine", .type = PT_UINT, .offset = KF(magazine), .def = "64", .min = 1,
     .max = 4096, .unit = "objects", .doc = "objects per object-cache magazine"},
    {.key = "forwarding", .type = PT_BOOL, .offset = KF(forwarding), .def = "true",
     .doc = "net.inet.ip.forwarding"},
    {.key = "trust_rxcsum", .type = PT_BOOL, .offset = KF(trust_rxcsum), .def = "true",
     .doc = "accept the NIC's IPv4 header checksum verdict instead of checking in software"},
    {.key = "ifq_stage", .type = PT_UINT, .offset = KF(ifq_stage), .def = "4", .min = 1,
     .max = 4096, .unit = "packets",
     .doc = "net.link.stage_cntmax: packets a netisr queues on a send queue before it starts "
            "transmission itself, or fewer once they reach the outgoing interface's MTU less an "
            "IPv6 + TCP header (60 bytes: 1,440 at the default MTU of 1500; ifq staging; the "
            "rollup starts the rest); 1: start at once (a start left with packets still "
            "hands them to the ring's CPU at the end of the netisr's batch)"},
    {.key = "ifq_maxlen", .type = PT_UINT, .offset = KF(ifq_maxlen), .def = "1024", .min = 1,
     .max = 1e6, .unit = "packets", .doc = "packets per interface send queue"},
    {.key = "extra_routes", .type = PT_UINT, .offset = KF(extra_routes), .def = "0",
     .max = 1e6, .unit = "routes",
     .doc = "random prefixes (seeded, /8 to /24 outside 10/8) added to every routing table "
            "of each stack host, via its first interface with a peer (a host with none gets "
            "none), for a realistic trie depth"},
    {.key = "poll_hz", .type = PT_UINT, .offset = KF(poll_hz), .def = "6000", .min = 1,
     .max = 30000, .unit = "Hz",
     .doc = "polling(4) ticks a second on each polling CPU, plus (cpu x 3) mod 50 so that CPUs "
            "do not tick in step (net.ifpoll.pollhz, IFPOLL_FREQ_DEFAULT; NICs in polling "
            "mode on a stack host)"},
    {.key = "poll_burst_max", .type = PT_UINT, .offset = KF(poll_burst_max), .def = "250",
     .min = 10, .max = 5000, .unit = "packets",
     .doc = "most packets polling takes from each RX ring in a tick (net.ifpoll.burst_max, "
            "IOPOLL_BURST_MAX); the budget in use adapts between 1 and this"},
    {.key = "poll_each_burst", .type = PT_UINT, .offset = KF(poll_each_burst), .def = "50",
     .min = 1, .max = 5000, .unit = "packets",
     .doc = "packets per ring per poll message: a tick's budget is taken in chunks of this, "
            "each queued behind the netisr's other messages (net.ifpoll.each_burst, "
            "IOPOLL_EACH_BURST; at most poll_burst_max)"},
    {.key = "poll_user_frac", .type = PT_UINT, .offset = KF(poll_user_frac), .def = "50",
     .max = 100, .unit = "percent",
     .doc = "share of each tick polling leaves to other work: a tick whose polls take longer "
            "than 100 - this percent of it lowers the budget by one, else raises it "
            "(net.ifpoll.user_frac, IOPOLL_USER_FRAC)"},
};

#define OPCF(i) (offsetof(struct op_costs_cfg, cycles) + (i) * sizeof(uint64_t))
static const struct param_def op_cost_params[] = {
#define OP_PARAM(name_, cycles_, doc_)                                                    \
    {.key = #name_, .type = PT_UINT, .offset = OPCF(KOP_##name_), .def = #cycles_,        \
     .max = 1e7, .unit = "cycles", .doc = doc_},
    KERN_OPS(OP_PARAM)
#undef OP_PARAM
    {.key = "scale", .type = PT_FLOAT, .offset = offsetof(struct op_costs_cfg, scale),
     .def = "1", .min = 0.01, .max = 100,
     .doc = "one calibration factor applied to every operation above (docs/lessons/forwarding.md)"},
};

#define RTF(f) offsetof(struct route_cfg, f)
static const struct param_def route_params[] = {
    {.key = "host", .type = PT_REF, .offset = RTF(host), .ref = "hosts",
     .doc = "the host whose routing table gets the route (a stack host)"},
    {.key = "dst", .type = PT_STRING, .offset = RTF(dst),
     .doc = "destination prefix, a.b.c.d/len; a host takes each prefix once, its interfaces' "
            "subnets included"},
    {.key = "gateway", .type = PT_STRING, .offset = RTF(gateway), .def = "",
     .doc = "next hop (IPv4); empty: directly connected"},
    {.key = "nic", .type = PT_REF, .offset = RTF(nic), .ref = "nics",
     .doc = "outgoing interface, one of the route's host"},
};

static const char *const nic_model_names[] = {"82576", "82599", NULL};
static const char *const nic_mode_names[] = {"msix", "msi", "polling", NULL};
static const char *const nic_service_names[] = {"none", "drain", NULL};

#define NICF(f) offsetof(struct nic_cfg, f)
static const struct param_def nic_params[] = {
    {.key = "host", .type = PT_REF, .offset = NICF(host), .ref = "hosts",
     .doc = "the host the NIC is plugged into (a stack host takes at most 8)"},
    {.key = "model", .type = PT_ENUM, .offset = NICF(model), .def = "82599",
     .choices = nic_model_names, .doc = "Intel 82576 (1 GbE, igb) or 82599 (10 GbE, ix)"},
    {.key = "link", .type = PT_REF, .offset = NICF(link), .ref = "links",
     .doc = "the link its port is connected to"},
    {.key = "side", .type = PT_UINT, .offset = NICF(side), .def = "1", .min = 0, .max = 1,
     .unit = "side", .doc = "which end of the link"},
    {.key = "socket", .type = PT_UINT, .offset = NICF(socket), .def = "0", .max = 7,
     .unit = "socket", .doc = "socket of its PCIe root port (where DDIO writes go)"},
    {.key = "mode", .type = PT_ENUM, .offset = NICF(mode), .def = "msix",
     .choices = nic_mode_names,
     .doc = "how the driver services it: MSI-X interrupts, one MSI, or ring polling"},
    {.key = "rx_ring", .type = PT_UINT, .offset = NICF(rx_ring), .def = "0", .max = 4096,
     .unit = "descriptors", .doc = "RX descriptors per ring; 0: the driver's default (igb "
                                   "512, ix 1024)"},
    {.key = "tx_ring", .type = PT_UINT, .offset = NICF(tx_ring), .def = "0", .max = 4096,
     .unit = "descriptors", .doc = "TX descriptors per ring; 0: the driver's default (1024)"},
    {.key = "rx_rings", .type = PT_UINT, .offset = NICF(rx_rings), .def = "0", .max = 128,
     .unit = "rings", .doc = "at most this many RX rings (DragonFly's hw.ix.rxr / hw.igb.rxr "
                             "tunables); 0: as many as the chip, vectors and CPUs allow"},
    {.key = "ring_pow2", .type = PT_BOOL, .offset = NICF(ring_pow2), .def = "true",
     .doc = "round ring counts down to a power of two, as DragonFly's drivers did until "
            "2017 (if_ring_count2)"},
    {.key = "service", .type = PT_ENUM, .offset = NICF(service), .def = "drain",
     .choices = nic_service_names,
     .doc = "hosts without the stack: drain (the reference driver takes and recycles "
            "received descriptors) or none (nobody does; rings fill)"},
    {.key = "pollhz", .type = PT_UINT, .offset = NICF(pollhz), .def = "6000", .min = 1,
     .max = 30000, .unit = "Hz",
     .doc = "hosts without the stack: the reference driver's polling frequency (a stack host "
            "polls at kernel.poll_hz)"},
    {.key = "poll_burst", .type = PT_UINT, .offset = NICF(poll_burst), .def = "250", .min = 1,
     .max = 5000, .unit = "descriptors",
     .doc = "hosts without the stack: descriptors the reference driver takes per ring per "
            "poll (a stack host: kernel.poll_burst_max and poll_each_burst)"},
    {.key = "mtu", .type = PT_UINT, .offset = NICF(mtu), .def = "1500", .min = IF_MTU_MIN,
     .max = 1500, .unit = "bytes",
     .doc = "the interface's IPv4 MTU (stack hosts): received frames longer than it plus the "
            "Ethernet header are dropped (drop.oversize), forwarded packets longer than the "
            "outgoing interface's are dropped (drop.need_frag; fragmentation is not "
            "modelled). At most 1500: a jumbo frame would span receive buffers, which the "
            "model does not do"},
    {.key = "mac", .type = PT_STRING, .offset = NICF(mac), .def = "02:00:00:00:00:01",
     .doc = "the interface's MAC address (stack hosts; generators send to 02:00:00:00:00:01)"},
    {.key = "addr", .type = PT_STRING, .offset = NICF(addr), .def = "",
     .doc = "the interface's IPv4 address and prefix, a.b.c.d/len (adds a connected route; "
            "each interface of a host in a subnet of its own)"},
    {.key = "peer", .type = PT_STRING, .offset = NICF(peer), .def = "",
     .doc = "IPv4 address of the neighbour on the link (a static ARP entry)"},
    {.key = "peer_mac", .type = PT_STRING, .offset = NICF(peer_mac), .def = "02:00:00:00:00:02",
     .doc = "MAC address of that neighbour"},
};

#define LINKF(f) offsetof(struct link_cfg, f)
static const struct param_def link_params[] = {
    {.key = "rate", .type = PT_BITRATE, .offset = LINKF(rate), .def = "10Gbps", .min = 1e6,
     .max = 1e12, .doc = "line rate of each direction"},
    {.key = "delay", .type = PT_DURATION, .offset = LINKF(delay), .def = "1us", .max = 1e13,
     .doc = "propagation delay"},
    {.key = "queue", .type = PT_UINT, .offset = LINKF(queue), .def = "1000", .max = 1e7,
     .unit = "frames", .doc = "frames that may wait behind the one being sent"},
    {.key = "loss", .type = PT_FLOAT, .offset = LINKF(loss), .def = "0", .min = 0, .max = 1,
     .unit = "probability", .doc = "probability that a frame is corrupted on the wire"},
};

#define WLF(f) offsetof(struct workload_cfg, f)
static const struct param_def workload_params[] = {
    {.key = "host", .type = PT_REF, .offset = WLF(host), .ref = "hosts",
     .doc = "the host whose CPUs run this workload"},
};

static const struct variant_def workload_kinds[] = {
    {.name = "queue",
     .doc = "Poisson arrivals served by threads on simulated CPUs (M/M/1, M/D/1, M/M/c, "
            "partitioned)",
     .params = queue_params, .nparams = QUEUE_NPARAMS, .size = sizeof(struct queue_cfg)},
};

#define OUTF(f) offsetof(struct outputs_cfg, f)
static const struct param_def output_params[] = {
    {.key = "db", .type = PT_STRING, .offset = OUTF(db), .def = "results/mpstack.sqlite",
     .doc = "SQLite results database (created if missing; --db overrides)"},
    {.key = "store", .type = PT_BOOL, .offset = OUTF(store), .def = "true",
     .doc = "store the run in the database"},
    {.key = "sweep_id", .type = PT_STRING, .offset = OUTF(sweep_id), .def = "",
     .doc = "the sweep this run belongs to (set by `mpstack sweep`; stored in runs.sweep_id)"},
    {.key = "pcap", .type = PT_STRING, .offset = OUTF(pcap), .def = "",
     .doc = "write every frame each NIC port receives and sends to PREFIX<nic>.pcap (pcap, "
            "nanosecond timestamps; --pcap PREFIX); empty: no capture"},
    {.key = "trace", .type = PT_STRING, .offset = OUTF(trace), .def = "",
     .doc = "write a timeline of the run to this file as Chrome trace-event JSON, for the "
            "Perfetto UI (--trace FILE); empty: none"},
    {.key = "trace_window", .type = PT_STRING, .offset = OUTF(trace_window), .def = "",
     .doc = "START:END (simulated durations, e.g. 5ms:5.2ms): only this part of the run goes "
            "into the timeline (--trace-window); empty: all of it"},
};

#define SECTION_MAP(key_, doc_, params_, type_, field_, count_)                            \
    {.key = key_, .kind = SEC_MAP, .doc = doc_, .params = params_,                          \
     .nparams = PARAM_COUNT(params_), .size = sizeof(type_),                                \
     .offset = offsetof(struct config, field_), .count_offset = offsetof(struct config, count_), \
     .name_offset = offsetof(type_, name)}

static const struct section_def sections[] = {
    {.key = "sim", .kind = SEC_OBJECT, .doc = "the run: length, seed, engine settings",
     .params = sim_params, .nparams = PARAM_COUNT(sim_params), .size = sizeof(struct sim_cfg),
     .offset = offsetof(struct config, sim)},
    SECTION_MAP("hw_profiles", "hardware profiles (scenarios/hw/)", hw_profile_params,
                struct hw_profile, profiles, nprofiles),
    SECTION_MAP("hosts", "simulated machines", host_params, struct host_cfg, hosts, nhosts),
    SECTION_MAP("nics", "network interface cards", nic_params, struct nic_cfg, nics, nnics),
    SECTION_MAP("links", "point-to-point links", link_params, struct link_cfg, links, nlinks),
    SECTION_MAP("generators", "pktgen-style traffic generators", pktgen_params,
                struct pktgen_cfg, generators, ngenerators),
    SECTION_MAP("sinks", "traffic sinks that count, check and time frames", sink_params,
                struct sink_cfg, sinks, nsinks),
    {.key = "workloads", .kind = SEC_MAP, .doc = "what runs on the hosts",
     .params = workload_params, .nparams = PARAM_COUNT(workload_params),
     .size = sizeof(struct workload_cfg), .offset = offsetof(struct config, workloads),
     .count_offset = offsetof(struct config, nworkloads),
     .name_offset = offsetof(struct workload_cfg, name), .discriminator = "kind",
     .variants = workload_kinds, .nvariants = PARAM_COUNT(workload_kinds),
     .variant_index_offset = offsetof(struct workload_cfg, kind),
     .variant_ptr_offset = offsetof(struct workload_cfg, kcfg)},
    {.key = "kernel", .kind = SEC_OBJECT,
     .doc = "mpstack's kernel on stack hosts: the design switches (presets: dragonfly-*)",
     .params = kernel_params, .nparams = PARAM_COUNT(kernel_params),
     .size = sizeof(struct kernel_cfg), .offset = offsetof(struct config, kernel)},
    SECTION_MAP("op_costs", "per-operation stack costs in cycles (scenarios/hw/)",
                op_cost_params, struct op_costs_cfg, op_costs, nop_costs),
    SECTION_MAP("routes", "static routes of stack hosts", route_params, struct route_cfg,
                routes, nroutes),
    {.key = "outputs", .kind = SEC_OBJECT, .doc = "where results go",
     .params = output_params, .nparams = PARAM_COUNT(output_params),
     .size = sizeof(struct outputs_cfg), .offset = offsetof(struct config, outputs)},
};

const struct host_cfg *config_host(const struct config *c, const char *name)
{
    for (size_t i = 0; i < c->nhosts; i++)
        if (strcmp(c->hosts[i].name, name) == 0)
            return &c->hosts[i];
    return NULL;
}

const struct hw_profile *config_profile(const struct config *c, const char *name)
{
    for (size_t i = 0; i < c->nprofiles; i++)
        if (strcmp(c->profiles[i].name, name) == 0)
            return &c->profiles[i];
    return NULL;
}

const struct link_cfg *config_link(const struct config *c, const char *name)
{
    for (size_t i = 0; i < c->nlinks; i++)
        if (strcmp(c->links[i].name, name) == 0)
            return &c->links[i];
    return NULL;
}

unsigned config_host_ncpus(const struct config *c, const struct host_cfg *h)
{
    const struct hw_profile *p = h->hw[0] ? config_profile(c, h->hw) : NULL;
    if (h->cpus)
        return (unsigned)h->cpus;
    return p ? hw_profile_ncpus(p) : 1;
}

static const struct ymark *mark_of(const struct scenario *sc, const char *section,
                                   const char *name, const char *key)
{
    char k[256];
    snprintf(k, sizeof(k), "%s.%s.%s", section, name, key);
    return scenario_mark(sc, k);
}

static void check_hosts(const struct scenario *sc, struct diag *d)
{
    const struct config *c = sc->cfg;
    for (size_t i = 0; i < c->nhosts; i++) {
        const struct host_cfg *h = &c->hosts[i];
        const struct hw_profile *p = h->hw[0] ? config_profile(c, h->hw) : NULL;
        if (p && h->cpus > hw_profile_ncpus(p))
            diag_add(d, mark_of(sc, "hosts", h->name, "cpus"),
                     "hosts.%s.cpus: %llu CPUs, but profile '%s' has %u (valid: 0 for all, or "
                     "1 to %u)", h->name, (unsigned long long)h->cpus, p->name,
                     hw_profile_ncpus(p), hw_profile_ncpus(p));
    }
}

/* Each end of a link takes one device. */
static void claim_side(const struct scenario *sc, struct diag *d, const char **owner,
                       const char *section, const char *name, const char *link, unsigned side)
{
    const struct config *c = sc->cfg;
    for (size_t i = 0; i < c->nlinks; i++) {
        if (strcmp(c->links[i].name, link) != 0)
            continue;
        const char **slot = &owner[2 * i + side];
        if (*slot)
            diag_add(d, mark_of(sc, section, name, "side"),
                     "%s.%s: side %u of links.%s is already taken by %s (valid: the other "
                     "side, or another link)", section, name, side, link, *slot);
        else
            *slot = name;
    }
}

static void check_nics(const struct scenario *sc, struct diag *d, const char **owner)
{
    const struct config *c = sc->cfg;
    for (size_t i = 0; i < c->nnics; i++) {
        const struct nic_cfg *n = &c->nics[i];
        const struct nic_chip *chip = &nic_chips[n->model];
        claim_side(sc, d, owner, "nics", n->name, n->link, (unsigned)n->side);
        const struct link_cfg *l = config_link(c, n->link);
        if (l && l->rate > chip->link_bps)
            diag_add(d, mark_of(sc, "links", l->name, "rate"),
                     "links.%s.rate: nics.%s is an %s, at most %llu Mb/s", l->name, n->name,
                     chip->name, (unsigned long long)(chip->link_bps / 1000000));
        const uint64_t rings[2] = {n->rx_ring, n->tx_ring};
        const char *keys[2] = {"rx_ring", "tx_ring"};
        for (int k = 0; k < 2; k++)
            if (rings[k] && (rings[k] < chip->ring_min || rings[k] > chip->ring_max ||
                             rings[k] % 8))
                diag_add(d, mark_of(sc, "nics", n->name, keys[k]),
                         "nics.%s.%s: %llu descriptors; the %s driver takes %u to %u in "
                         "multiples of 8 (a ring is a multiple of 128 bytes), or 0", n->name,
                         keys[k], (unsigned long long)rings[k], chip->driver, chip->ring_min,
                         chip->ring_max);
    }
}

static void check_ipv4(const struct scenario *sc, struct diag *d, const char *name,
                       const char *key, const char *text)
{
    struct in_addr a;
    if (inet_pton(AF_INET, text, &a) != 1)
        diag_add(d, mark_of(sc, "generators", name, key),
                 "generators.%s.%s: '%s' is not an IPv4 address (e.g. 10.0.0.1)", name, key,
                 text);
}

static void check_traffic(const struct scenario *sc, struct diag *d, const char **owner)
{
    const struct config *c = sc->cfg;
    for (size_t i = 0; i < c->ngenerators; i++) {
        const struct pktgen_cfg *g = &c->generators[i];
        claim_side(sc, d, owner, "generators", g->name, g->link, (unsigned)g->side);
        check_ipv4(sc, d, g->name, "src_ip", g->src_ip);
        check_ipv4(sc, d, g->name, "dst_ip", g->dst_ip);
        if (g->rate.kind != RATE_LINE && g->rate.value == 0)
            diag_add(d, mark_of(sc, "generators", g->name, "rate"),
                     "generators.%s.rate: a rate of 0 sends nothing (valid: line, or more "
                     "than 0)", g->name);
    }
    for (size_t i = 0; i < c->nsinks; i++)
        claim_side(sc, d, owner, "sinks", c->sinks[i].name, c->sinks[i].link,
                   (unsigned)c->sinks[i].side);
}

int config_parse_prefix(const char *text, uint32_t *addr, unsigned *plen)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%s", text);
    char *slash = strchr(buf, '/');
    unsigned len = 32;
    if (slash) {
        char *end;
        unsigned long v = strtoul(slash + 1, &end, 10);
        if (end == slash + 1 || *end || v > 32)
            return -1;
        len = (unsigned)v;
        *slash = 0;
    }
    struct in_addr a;
    if (inet_pton(AF_INET, buf, &a) != 1)
        return -1;
    *addr = ntohl(a.s_addr);
    if (plen)
        *plen = len;
    else if (slash)
        return -1;
    return 0;
}

int config_parse_mac(const char *text, uint8_t mac[6])
{
    unsigned v[6];
    char tail;
    if (sscanf(text, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
        return -1;
    for (int i = 0; i < 6; i++) {
        if (v[i] > 255)
            return -1;
        mac[i] = (uint8_t)v[i];
    }
    return 0;
}

/* Entry j of a host's routing table as the scenario gives it: the subnet of NIC j, or
 * route j - nnics. False when it is on another host or has no (valid) prefix. */
struct rt_entry {
    const char *sec, *name, *key, *prefix;
    uint32_t net;
    unsigned plen;
};

static bool rt_entry_of(const struct config *c, size_t j, const char *host, struct rt_entry *e)
{
    bool is_nic = j < c->nnics;
    const struct nic_cfg *n = is_nic ? &c->nics[j] : NULL;
    const struct route_cfg *r = is_nic ? NULL : &c->routes[j - c->nnics];
    if (strcmp(is_nic ? n->host : r->host, host) != 0)
        return false;
    *e = (struct rt_entry){.sec = is_nic ? "nics" : "routes", .name = is_nic ? n->name : r->name,
                           .key = is_nic ? "addr" : "dst", .prefix = is_nic ? n->addr : r->dst};
    uint32_t a;
    if (!e->prefix[0] || config_parse_prefix(e->prefix, &a, &e->plen))
        return false; /* no address, or reported elsewhere */
    e->net = a & (e->plen ? ~UINT32_C(0) << (32 - e->plen) : 0);
    return true;
}

/* A host's routing table takes each prefix once: the subnet of each of its interfaces
 * (added when the interface comes up) and each route. Also at most KERNEL_MAXIF interfaces
 * per stack host. Names the second of two entries that collide. */
static void check_subnets(const struct scenario *sc, struct diag *d)
{
    const struct config *c = sc->cfg;
    for (size_t i = 0; i < c->nhosts; i++) {
        const struct host_cfg *h = &c->hosts[i];
        if (!h->stack)
            continue;
        unsigned nnic = 0;
        for (size_t j = 0; j < c->nnics; j++)
            if (strcmp(c->nics[j].host, h->name) == 0 && ++nnic == KERNEL_MAXIF + 1)
                diag_add(d, mark_of(sc, "nics", c->nics[j].name, "host"),
                         "nics.%s.host: host %s has more than %d NICs; a stack host takes at "
                         "most %d", c->nics[j].name, h->name, KERNEL_MAXIF, KERNEL_MAXIF);
        for (size_t j = 0; j < c->nnics + c->nroutes; j++) {
            struct rt_entry e, f;
            if (!rt_entry_of(c, j, h->name, &e))
                continue;
            for (size_t k = 0; k < j; k++)
                if (rt_entry_of(c, k, h->name, &f) && f.net == e.net && f.plen == e.plen) {
                    diag_add(d, mark_of(sc, e.sec, e.name, e.key),
                             "%s.%s.%s: %s is the same prefix as %s.%s.%s (%s) on host %s; a "
                             "host's routing table takes each prefix once%s", e.sec, e.name,
                             e.key, e.prefix, f.sec, f.name, f.key, f.prefix, h->name,
                             j < c->nnics ? " (give each interface its own subnet)" : "");
                    break;
                }
        }
    }
}

static void check_stack(const struct scenario *sc, struct diag *d)
{
    const struct config *c = sc->cfg;
    uint32_t a;
    unsigned plen;
    uint8_t mac[6];
    for (size_t i = 0; i < c->nnics; i++) {
        const struct nic_cfg *n = &c->nics[i];
        if (config_parse_mac(n->mac, mac))
            diag_add(d, mark_of(sc, "nics", n->name, "mac"),
                     "nics.%s.mac: '%s' is not a MAC address (e.g. 02:00:00:00:00:01)", n->name, n->mac);
        if (config_parse_mac(n->peer_mac, mac))
            diag_add(d, mark_of(sc, "nics", n->name, "peer_mac"),
                     "nics.%s.peer_mac: '%s' is not a MAC address (e.g. 02:00:00:00:00:02)",
                     n->name, n->peer_mac);
        if (n->addr[0] && config_parse_prefix(n->addr, &a, &plen))
            diag_add(d, mark_of(sc, "nics", n->name, "addr"),
                     "nics.%s.addr: '%s' is not an IPv4 address with a prefix length (e.g. "
                     "10.0.0.1/24)", n->name, n->addr);
        if (n->peer[0] && config_parse_prefix(n->peer, &a, NULL))
            diag_add(d, mark_of(sc, "nics", n->name, "peer"),
                     "nics.%s.peer: '%s' is not an IPv4 address (e.g. 10.1.0.2)", n->name, n->peer);
    }
    /* What a stack host's kernel takes at boot, against its memory (leaving a quarter for
     * everything else): the mbuf pool, one IPI queue per CPU pair (netisr.c: two index
     * lines and 16-byte entries), and kernel.extra_routes in every routing table (each
     * allocation rounds up to a power of two, so at most twice rt_route_bytes). Reported
     * at the first key whose share tips it over. */
    for (size_t i = 0; i < c->nhosts; i++) {
        const struct host_cfg *h = &c->hosts[i];
        if (!h->stack)
            continue;
        uint64_t limit = h->memory / 4 * 3, mib = h->memory >> 20;
        uint64_t pool = objcache_pool_bytes(c->kernel.nmbclusters);
        uint64_t n = config_host_ncpus(c, h);
        uint64_t ipiq = n * n * (128 + c->kernel.ipiq_depth * 16);
        uint64_t ntables = c->kernel.routes == ROUTES_PERCPU ? n : 1;
        uint64_t routes = c->kernel.extra_routes * ntables * 2 * rt_route_bytes();
        if (pool > limit)
            diag_add(d, scenario_mark(sc, "kernel.nmbclusters"),
                     "kernel.nmbclusters: %llu mbuf + cluster pairs take %llu MiB, more than "
                     "three quarters of hosts.%s.memory (%llu MiB); lower it or raise the memory",
                     (unsigned long long)c->kernel.nmbclusters, (unsigned long long)(pool >> 20),
                     h->name, (unsigned long long)mib);
        else if (pool + ipiq > limit)
            diag_add(d, scenario_mark(sc, "kernel.ipiq_depth"),
                     "kernel.ipiq_depth: %llu CPUs' IPI queues of %llu entries take %llu MiB, "
                     "with the mbuf pool more than three quarters of hosts.%s.memory (%llu MiB); "
                     "lower it or raise the memory", (unsigned long long)n,
                     (unsigned long long)c->kernel.ipiq_depth, (unsigned long long)(ipiq >> 20),
                     h->name, (unsigned long long)mib);
        else if (pool + ipiq + routes > limit)
            diag_add(d, scenario_mark(sc, "kernel.extra_routes"),
                     "kernel.extra_routes: %llu routes in each of %llu routing tables take up "
                     "to %llu MiB, with the mbuf pool and IPI queues more than three quarters "
                     "of hosts.%s.memory (%llu MiB); lower it or raise the memory",
                     (unsigned long long)c->kernel.extra_routes, (unsigned long long)ntables,
                     (unsigned long long)(routes >> 20), h->name, (unsigned long long)mib);
    }
    /* polling(4): the reference driver's keys do nothing on a stack host, whose polling is
     * the kernel's (ifpoll.c); and a poll message cannot take more than a tick's budget */
    static const char *const refdrv_poll[][2] = {{"pollhz", "kernel.poll_hz"},
                                                 {"poll_burst", "kernel.poll_burst_max"}};
    for (size_t i = 0; i < c->nnics; i++) {
        const struct nic_cfg *n = &c->nics[i];
        const struct host_cfg *h = config_host(c, n->host);
        for (size_t j = 0; h && h->stack && j < 2; j++) {
            char key[256];
            snprintf(key, sizeof(key), "nics.%s.%s", n->name, refdrv_poll[j][0]);
            const struct param_value *pv = scenario_param(sc, key);
            if (pv && pv->mark.file)
                diag_add(d, &pv->mark,
                         "%s: host %s runs the stack, whose polling is set by %s (this key is "
                         "for hosts without the stack)", key, n->host, refdrv_poll[j][1]);
        }
    }
    if (c->kernel.poll_each_burst > c->kernel.poll_burst_max)
        diag_add(d, scenario_mark(sc, "kernel.poll_each_burst"),
                 "kernel.poll_each_burst: %llu packets per poll message is more than "
                 "kernel.poll_burst_max (%llu) allows in a whole tick; lower it or raise "
                 "poll_burst_max", (unsigned long long)c->kernel.poll_each_burst,
                 (unsigned long long)c->kernel.poll_burst_max);
    check_subnets(sc, d);
    for (size_t i = 0; i < c->nroutes; i++) {
        const struct route_cfg *r = &c->routes[i];
        if (config_parse_prefix(r->dst, &a, &plen))
            diag_add(d, mark_of(sc, "routes", r->name, "dst"),
                     "routes.%s.dst: '%s' is not a prefix (e.g. 198.18.0.0/15)", r->name, r->dst);
        if (r->gateway[0] && config_parse_prefix(r->gateway, &a, NULL))
            diag_add(d, mark_of(sc, "routes", r->name, "gateway"),
                     "routes.%s.gateway: '%s' is not an IPv4 address (e.g. 10.1.0.2)", r->name,
                     r->gateway);
        for (size_t j = 0; j < c->nnics; j++)
            if (strcmp(c->nics[j].name, r->nic) == 0 && strcmp(c->nics[j].host, r->host) != 0)
                diag_add(d, mark_of(sc, "routes", r->name, "nic"),
                         "routes.%s.nic: nics.%s is on host %s, not on the route's host %s",
                         r->name, r->nic, c->nics[j].host, r->host);
        const struct host_cfg *h = config_host(c, r->host);
        if (h && !h->stack)
            diag_add(d, mark_of(sc, "routes", r->name, "host"),
                     "routes.%s.host: host %s does not run the stack (set hosts.%s.stack: true)",
                     r->name, r->host, r->host);
    }
}

/* Checks that need more than one key. */
/* A path's directory must exist and be writable for key to write there. */
static void check_writable(const struct scenario *sc, struct diag *d, const char *key,
                           const char *file)
{
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", file);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof(dir), ".");
    else
        *(slash == dir ? slash + 1 : slash) = 0;
    if (access(dir, W_OK | X_OK) != 0)
        diag_add(d, scenario_mark(sc, key), "%s: cannot write into %s (%s); give a path in an "
                 "existing, writable directory", key, dir, strerror(errno));
}

static void check_outputs(const struct scenario *sc, struct diag *d)
{
    const struct config *c = sc->cfg;
    if (c->outputs.store && !c->outputs.db[0])
        diag_add(d, scenario_mark(sc, "outputs.db"), "outputs.db: empty; give the results "
                 "database's path, or outputs.store: false to store nothing");
    if (c->outputs.pcap[0])
        check_writable(sc, d, "outputs.pcap", c->outputs.pcap);
    if (c->outputs.trace[0])
        check_writable(sc, d, "outputs.trace", c->outputs.trace);
    else if (c->outputs.trace_window[0])
        diag_add(d, scenario_mark(sc, "outputs.trace_window"), "outputs.trace_window: a window "
                 "of no timeline; give outputs.trace (--trace FILE) too");
}

int config_trace_window(const struct config *c, sim_time_t *start, sim_time_t *end)
{
    *start = 0;
    *end = SIM_TIME_MAX;
    const char *w = c->outputs.trace_window;
    if (!w || !w[0])
        return 0;
    const char *colon = strchr(w, ':');
    if (!colon)
        return -1;
    char a[64];
    snprintf(a, sizeof(a), "%.*s", (int)(colon - w < 63 ? colon - w : 63), w);
    if (units_parse_duration(a, start) || units_parse_duration(colon + 1, end) || *end <= *start)
        return -1;
    return 0;
}

static void config_check(const struct scenario *sc, struct diag *d)
{
    const struct config *c = sc->cfg;
    check_outputs(sc, d);
    sim_time_t ws, we;
    if (config_trace_window(c, &ws, &we))
        diag_add(d, scenario_mark(sc, "outputs.trace_window"), "outputs.trace_window: expected "
                 "START:END, two durations with END after START (e.g. 5ms:5.2ms), got '%s'",
                 c->outputs.trace_window);

    check_hosts(sc, d);
    check_stack(sc, d);
    const char **owner = xcalloc(2 * (c->nlinks + 1), sizeof(*owner));
    check_nics(sc, d, owner);
    check_traffic(sc, d, owner);
    free(owner);
    for (size_t i = 0; i < c->nworkloads; i++) {
        const struct workload_cfg *w = &c->workloads[i];
        const struct host_cfg *h = config_host(c, w->host);
        if (strcmp(workload_kinds[w->kind].name, "queue") == 0)
            queue_check(sc, w, h, config_host_ncpus(c, h), d);
    }
}

const struct schema config_schema = {
    .name = "mpstack scenario",
    .params = root_params,
    .nparams = PARAM_COUNT(root_params),
    .sections = sections,
    .nsections = PARAM_COUNT(sections),
    .size = sizeof(struct config),
    .check = config_check,
};

const char *config_scenario_dir(void)
{
    const char *env = getenv("MPSTACK_SCENARIOS");
    return env && *env ? env : MPSTACK_SOURCE_DIR "/scenarios";
}
