/*
 * config.c - the parameter tables of an mpstack scenario: sim, hosts, workloads, outputs.
 * docs/parameters.md is generated from these tables (and the applications' own).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "apps/queue.h"
#include "hwmodel/nic.h"
#include "hwmodel/nic_refdrv.h"
#include "scenario/scenario.h"
#include "sim/evq.h"
#include "sim/panic.h"

const char *const config_sched_names[] = {"lwkt", NULL};
/* In enum evq_kind order. */
static const char *const evq_names[] = {"heap", "calendar", "radix", NULL};

static const struct param_def root_params[] = {
    {.key = "description", .type = PT_STRING, .offset = offsetof(struct config, description),
     .def = "", .doc = "one line saying what the scenario shows (listed by `mpstack list`)"},
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
     .doc = "pending-event structure; all give identical results, radix is the fastest "
            "(docs/performance.md)"},
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
};

static const char *const nic_model_names[] = {"82576", "82599", NULL};
static const char *const nic_mode_names[] = {"msix", "msi", "polling", NULL};
static const char *const nic_service_names[] = {"none", "drain", NULL};

#define NICF(f) offsetof(struct nic_cfg, f)
static const struct param_def nic_params[] = {
    {.key = "host", .type = PT_REF, .offset = NICF(host), .ref = "hosts",
     .doc = "the host the NIC is plugged into"},
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
    {.key = "ring_pow2", .type = PT_BOOL, .offset = NICF(ring_pow2), .def = "true",
     .doc = "round ring counts down to a power of two, as DragonFly's drivers did until "
            "2017 (if_ring_count2)"},
    {.key = "service", .type = PT_ENUM, .offset = NICF(service), .def = "drain",
     .choices = nic_service_names,
     .doc = "until the stack's drivers exist: drain (the reference driver takes and recycles "
            "received descriptors) or none (nobody does; rings fill)"},
    {.key = "pollhz", .type = PT_UINT, .offset = NICF(pollhz), .def = "6000", .min = 1,
     .max = 30000, .unit = "Hz", .doc = "polling frequency (DragonFly IFPOLL_FREQ_DEFAULT)"},
    {.key = "poll_burst", .type = PT_UINT, .offset = NICF(poll_burst), .def = "250", .min = 1,
     .max = 5000, .unit = "descriptors",
     .doc = "descriptors per ring per poll (DragonFly IOPOLL_BURST_MAX)"},
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

/* Checks that need more than one key. */
static void config_check(const struct scenario *sc, struct diag *d)
{
    const struct config *c = sc->cfg;
    check_hosts(sc, d);
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
