/*
 * kernel.h - one simulated host's kernel: its design switches, its per-CPU state and its
 * subsystems. Every host in a simulation has its own struct kernel; nothing in src/stack is
 * global (CONVENTIONS.md rule 3).
 *
 * The switches are the historical design choices of DragonFly's network stack (seed 000
 * section 2, seed 002 section VI), bundled into presets in scenarios/presets/dragonfly-*.yaml.
 *
 * Ownership legend for this and the other stack headers: [I] immutable after kernel_create,
 * [c] owned by the CPU named by the enclosing struct's cpu field (or the index of the per-CPU
 * array it sits in), [x] touched across CPUs (priced by the coherence model through
 * kern_touch), [E] bookkeeping of the model itself (never priced, used by reports and
 * invariants).
 */
#ifndef MPSTACK_STACK_KERNEL_H
#define MPSTACK_STACK_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "stack/kern.h"

#define KERNEL_MAXCPU 128
#define KERNEL_MAXIF 8

/* Threads that run protocol code on each CPU (seed 000 sections 2.1 and 2.3). */
enum netisr_threading {
    NETISR_ONE = 0,   /* one netisr per CPU (2010 on) */
    NETISR_THREE = 1, /* TCP, UDP and "other" threads per CPU (2006): ip_mport of seed 002 */
};
/* Back end of a netisr's message port (hardware.md section 4). */
enum netisr_port_kind {
    PORT_IPIQ = 0, /* thread port: cross-CPU puts travel through the IPI queues */
    PORT_SPIN = 1, /* spinlock port: the sender enqueues under the port's spinlock */
};
/* How the driver hands received packets to the netisrs (seed 000 section 2.2). */
enum rx_handoff {
    HANDOFF_PACKET = 0, /* one message per packet, sent as it is taken from the ring */
    HANDOFF_BATCH = 1,  /* packets gathered per target CPU, one message per batch */
};
/* Which hash picks the netisr CPU of a received packet. */
enum flow_hash {
    HASH_TOEPLITZ = 0,  /* the NIC's RSS hash with the Microsoft key */
    HASH_SYMMETRIC = 1, /* the NIC's RSS hash with DragonFly's symmetric key (2010 on) */
    HASH_XOR = 2,       /* software (src ^ dst ^ sport ^ dport) & mask: INP_MPORT_HASH */
};
enum stats_layout {
    STATS_SHARED = 0, /* one counter struct per interface, written by every CPU */
    STATS_PERCPU = 1, /* a cache-line padded struct per CPU, summed when read (2013) */
};
enum route_layout {
    ROUTES_PERCPU = 0, /* the routing table replicated per CPU (seed 000 figure 1.3) */
    ROUTES_SHARED = 1, /* one table; each lookup takes and drops a reference */
};
enum tx_rings {
    TX_ONE = 0,    /* one TX ring (and send queue) per interface */
    TX_PERCPU = 1, /* as many as the chip and driver allow, ring = CPU mod rings (2013) */
};

struct kernel_cfg {
    int threading;           /* enum netisr_threading */
    int port;                /* enum netisr_port_kind */
    int handoff;             /* enum rx_handoff */
    int hash;                /* enum flow_hash */
    int stats;               /* enum stats_layout */
    int routes;              /* enum route_layout */
    int tx_rings;            /* enum tx_rings */
    uint64_t netisr_batch;   /* messages per netisr wake-up before the rollups (512) */
    uint64_t ipiq_depth;     /* entries per IPI queue (MAXCPUFIFO: 32) */
    uint64_t nmbclusters;    /* mbuf + cluster pairs the host may have (bounded pool) */
    uint64_t magazine;       /* objects per object-cache magazine */
    bool forwarding;         /* net.inet.ip.forwarding */
    bool trust_rxcsum;       /* accept the NIC's IP checksum verdict */
    uint64_t ifq_maxlen;     /* packets per interface send queue */
    uint64_t ifq_stage;      /* net.link.stage_cntmax: packets a netisr stages per subqueue
                                before it starts transmission (1: start at once) */
    uint64_t extra_routes;   /* random prefixes added to the table (a realistic depth) */
    uint64_t poll_hz;        /* polling(4): ticks a second per CPU (net.ifpoll.pollhz) */
    uint64_t poll_burst_max; /* most packets per ring per tick (burst_max) */
    uint64_t poll_each_burst;/* packets per ring per poll message (each_burst) */
    uint64_t poll_user_frac; /* percent of a tick the polls leave free (user_frac) */
};

struct mbuf;
struct ifnet;
struct rtable;
struct netisr;
struct ifpoll;
struct objcache;

/* Reasons a packet is dropped, each counted (drop.<name> in the results). */
#define DROP_REASONS(X)                                                                     \
    X(nombuf, "no mbuf cluster to refill the RX ring (the frame is dropped, the buffer reused)") \
    X(runt, "frame shorter than 60 bytes")                                                   \
    X(oversize, "frame longer than the MTU plus the Ethernet header")                        \
    X(rx_error, "the NIC reported a receive error or a frame spanning descriptors")          \
    X(ether_type, "unknown or unsupported EtherType")                                        \
    X(not_for_us, "destination MAC is neither ours nor broadcast/multicast")                 \
    X(ip_short, "IPv4: fewer bytes than a header")                                           \
    X(ip_version, "IPv4: version is not 4")                                                  \
    X(ip_hlen, "IPv4: header length below 20 bytes or beyond the packet")                    \
    X(ip_len, "IPv4: total length below the header length or beyond the frame")             \
    X(ip_cksum, "IPv4: header checksum wrong (in software or as the NIC reported)")          \
    X(ip_options, "IPv4: options present (not forwarded by this model)")                     \
    X(ip_fragment, "IPv4: a fragment (reassembly is not modelled)")                          \
    X(ip_local, "IPv4: addressed to this host, and no local protocol is attached")           \
    X(ip_noforward, "IPv4: not for us and forwarding is off")                                \
    X(ttl, "IPv4: TTL expired in forwarding (ICMP time exceeded counted)")                   \
    X(no_route, "IPv4: no route (ICMP unreachable counted)")                                 \
    X(need_frag, "IPv4: larger than the outgoing MTU (fragmentation not modelled)")          \
    X(no_arp, "no ARP entry for the next hop")                                               \
    X(ifq_full, "interface send queue full")

enum drop_reason {
#define DROP_ENUM(name, doc) DROP_##name,
    DROP_REASONS(DROP_ENUM)
#undef DROP_ENUM
    DROP_COUNT
};
const char *drop_reason_name(enum drop_reason r);
const char *drop_reason_doc(enum drop_reason r);

/* Per-CPU kernel state (DragonFly's globaldata, the parts the stack uses). [c] */
struct kcpu {
    unsigned cpu;
    uint64_t drops[DROP_COUNT]; /* [E] the model's tallies (the kernel's own counters are
                                 * the ifnet/ip statistics, which are priced) */
    uint64_t icmp_errors;        /* [E] ICMP errors the stack would have sent */
};

struct kernel {
    struct kern_machine *k_mach;     /* [I] */
    const char *k_name;              /* [I] host name */
    struct kernel_cfg k_cfg;         /* [I] */
    unsigned k_ncpus;                /* [I] */
    unsigned k_ncpus2;               /* [I] largest power of two <= ncpus (netisr hash) */
    struct kcpu *k_cpu[KERNEL_MAXCPU];
    struct objcache *k_mbufs;        /* mbuf + cluster pairs */
    struct netisr *k_netisr;
    struct ifpoll *k_ifpoll;         /* polling(4) contexts (ifpoll.c) */
    struct ifnet *k_ifnet[KERNEL_MAXIF];
    unsigned k_nifnet;
    struct rtable *k_rt[KERNEL_MAXCPU]; /* per-CPU replicas, or [0] shared by all */
    struct ipstat *k_ipstat;         /* per CPU (padded) or one shared */
    uint32_t k_addr[KERNEL_MAXIF];   /* [I] our IPv4 address on each interface */
    /* regions, for the line-transfer report */
    uint16_t r_mbuf, r_cluster, r_objcache, r_netisr, r_ipiq, r_ifnet, r_ifstat, r_ipstat,
        r_route, r_ifq, r_ring;
};

/* The host's simulated memory (hosts.<name>.memory) cannot hold the kernel's data: say so,
 * naming the key, and exit with status 1. */
_Noreturn void kernel_nomem(const struct kernel *k, const char *what);

struct kernel *kernel_create(struct kern_machine *km, const char *name,
                             const struct kernel_cfg *cfg);
/* Start the netisr threads (after the interfaces are attached). */
void kernel_start(struct kernel *k);
void kernel_destroy(struct kernel *k);

/* A drop on the calling CPU: the mbuf (if any) is freed. (thread) */
void kernel_drop(struct kernel *k, struct mbuf *m, enum drop_reason r);
/* Count a drop whose buffer is kept (an RX frame lost for want of a fresh cluster). */
void kernel_drop_count(struct kernel *k, enum drop_reason r);
uint64_t kernel_drops(const struct kernel *k, enum drop_reason r);
/* ICMP errors the stack would have sent (time exceeded, unreachable, need-fragment); ICMP
 * output is not modelled, so they are only counted. */
uint64_t kernel_icmp_errors(const struct kernel *k);
/* Packets sitting in netisr ports, IPI queues and interface send queues now. */
uint64_t kernel_packets_queued(const struct kernel *k);

/* Routes and neighbours (set-up, before the run). */
int kernel_route_add(struct kernel *k, uint32_t dst, unsigned plen, uint32_t gateway,
                     struct ifnet *ifp);
int kernel_arp_add(struct kernel *k, struct ifnet *ifp, uint32_t addr, const uint8_t mac[6]);

/* End-of-run invariants: every mbuf is free or sits in a queue, every message was handled
 * once, structures consistent. Aborts with a message on a violation. */
void kernel_check(struct kernel *k);

static inline unsigned kernel_curcpu(const struct kernel *k) { return kern_curcpu(k->k_mach); }

#endif
