/*
 * config.h - the bound form of a scenario: what the loader fills from YAML.
 *
 * The parameter tables that define these fields (keys, types, defaults, ranges, docs) are
 * in config.c and, for workload kinds, next to each application (src/apps). All fields are
 * [I]: immutable once the scenario is loaded.
 */
#ifndef MPSTACK_WORLD_CONFIG_H
#define MPSTACK_WORLD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hwmodel/hw.h"
#include "hwmodel/traffic.h"
#include "scenario/param.h"
#include "sim/sim_time.h"
#include "stack/kern.h"
#include "stack/kernel.h"

struct sim_cfg {
    sim_time_t duration;     /* measured time, after the warm-up */
    sim_time_t warmup;
    uint64_t seed;
    sim_time_t quantum;
    int event_queue;         /* enum evq_kind */
};

struct host_cfg {
    char *name;
    char *hw;                /* hardware profile name, "" for an ideal machine */
    uint64_t cpus;           /* 0: all of the profile's (1 without a profile) */
    uint64_t freq;           /* Hz; 0: the profile's (2.1 GHz without one) */
    int sched;               /* index into config_sched_names */
    uint64_t memory;         /* bytes of simulated physical memory (arena) */
    bool stack;              /* runs mpstack's kernel (drivers, netisr, IPv4) */
    char *costs;             /* op_costs entry, "" for the built-in defaults */
};

/* Cycles per named stack operation (kern.h KERN_OPS), times one calibration scale. */
struct op_costs_cfg {
    char *name;
    uint64_t cycles[KOP_COUNT];
    double scale;
};

struct route_cfg {
    char *name;
    char *host;
    char *dst;               /* "a.b.c.d/len" */
    char *gateway;           /* "" for a connected route */
    char *nic;
};

struct nic_cfg {
    char *name;
    char *host;
    int model;               /* index into nic_chips */
    char *link;
    uint64_t side;
    uint64_t socket;
    int mode;                /* enum nic_mode */
    uint64_t rx_ring, tx_ring; /* 0: the driver's default */
    uint64_t rx_rings;       /* cap on RX rings (hw.ix.rxr); 0: none */
    bool ring_pow2;
    int service;             /* enum nic_service */
    uint64_t pollhz, poll_burst;
    uint64_t mtu;            /* IPv4 MTU (stack hosts) */
    char *mac;               /* our MAC address (stack hosts) */
    char *addr;              /* our IPv4 address and prefix, "" for none */
    char *peer, *peer_mac;   /* the neighbour on this link: a static ARP entry */
};

struct link_cfg {
    char *name;
    uint64_t rate;           /* bits per second */
    sim_time_t delay;
    uint64_t queue;
    double loss;
};

struct workload_cfg {
    char *name;
    int kind;                /* index into the workload kinds */
    void *kcfg;              /* the kind's own struct (e.g. struct queue_cfg) */
    char *host;
};

struct outputs_cfg {
    char *db;
    bool store;
    char *sweep_id;          /* set by mpstack sweep on each run it starts */
    char *pcap;              /* capture prefix: one PREFIX<nic>.pcap per NIC; "" for none */
    char *trace;             /* timeline file (Chrome trace JSON); "" for none */
    char *trace_window;      /* "START:END" durations; "" for the whole run */
};

struct config {
    char *description;
    char *variant;           /* compare: variant of this run, "" for none */
    struct sim_cfg sim;
    struct hw_profile *profiles;
    size_t nprofiles;
    struct host_cfg *hosts;
    size_t nhosts;
    struct nic_cfg *nics;
    size_t nnics;
    struct link_cfg *links;
    size_t nlinks;
    struct pktgen_cfg *generators;
    size_t ngenerators;
    struct sink_cfg *sinks;
    size_t nsinks;
    struct workload_cfg *workloads;
    size_t nworkloads;
    struct kernel_cfg kernel;
    struct op_costs_cfg *op_costs;
    size_t nop_costs;
    struct route_cfg *routes;
    size_t nroutes;
    struct outputs_cfg outputs;
};

/* The schema of an mpstack scenario. */
extern const struct schema config_schema;
extern const char *const config_sched_names[];

/* Directory of shipped scenarios and presets: $MPSTACK_SCENARIOS, else the source tree's
 * scenarios/ directory. */
const char *config_scenario_dir(void);

const struct host_cfg *config_host(const struct config *c, const char *name);
const struct hw_profile *config_profile(const struct config *c, const char *name);
const struct link_cfg *config_link(const struct config *c, const char *name);
/* CPUs host h really has: its cpus, or all of its profile's, or 1. */
unsigned config_host_ncpus(const struct config *c, const struct host_cfg *h);
/* "a.b.c.d/len" (plen != NULL; without "/len" the length is 32) or "a.b.c.d" (plen NULL):
 * host byte order; 0 or -1. */
int config_parse_prefix(const char *text, uint32_t *addr, unsigned *plen);
int config_parse_mac(const char *text, uint8_t mac[6]);

/* outputs.trace_window as [start, end) (0 and SIM_TIME_MAX when empty); -1 if malformed. */
int config_trace_window(const struct config *c, sim_time_t *start, sim_time_t *end);

#endif
