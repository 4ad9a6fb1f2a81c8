/*
 * if.h - network interfaces: struct ifnet, its statistics and its send queues
 * (DragonFly sys/net/if_var.h, sys/net/ifq_var.h).
 *
 * Statistics have their real layouts, so false sharing is real. With STATS_SHARED the
 * counters are the classic BSD struct if_data embedded in struct ifnet, right after the
 * read-mostly fields every packet reads (flags, MTU, the driver's methods): each CPU's
 * increment takes the line from the last writer and also evicts the readers' copies of those
 * fields. With STATS_PERCPU (DragonFly 2013, IFNET_STAT_INC) each CPU writes its own
 * cache-line aligned struct, and readers sum them.
 *
 * Send queues (ifaltq subqueues): one per TX ring. A subqueue belongs to one CPU (the CPU of
 * its TX ring). A packet is queued under the subqueue's spinlock by whichever CPU forwards
 * it; the owner starts transmission in its netisr rollup, and a CPU that is not the owner
 * asks the owner to start through the IPI queues (ifsq_ifstart_schedule), once until the
 * owner has run it.
 */
#ifndef MPSTACK_STACK_IF_H
#define MPSTACK_STACK_IF_H

#include <stdint.h>

#include "stack/kernel.h"
#include "stack/spinlock.h"

#define IF_MAXSUBQ 64
#define IFNAMSIZ 16

/* struct if_data's counters (u_long in the BSDs; 64-bit here). */
#define IF_COUNTERS(X) \
    X(ipackets) X(ierrors) X(opackets) X(oerrors) X(collisions) X(ibytes) X(obytes) \
    X(imcasts) X(omcasts) X(iqdrops) X(noproto) X(oqdrops)

struct if_data {
#define IF_FIELD(n) uint64_t ifi_##n;
    IF_COUNTERS(IF_FIELD)
#undef IF_FIELD
};

/* One CPU's copy, on its own line(s) (if_data_pcpu). */
struct if_data_pcpu {
    struct if_data d;
    uint8_t pad[128 - sizeof(struct if_data)];
};

struct ifnet;
struct ifaltq_subque;

/* What a driver provides. */
struct if_ops {
    /* Start transmission on subqueue sq: dequeue and post packets (on sq's CPU). */
    void (*if_start)(struct ifnet *ifp, struct ifaltq_subque *sq);
};

struct ifaltq_subque {
    struct spinlock lock;             /* [x] */
    struct mbuf *head, *tail;         /* [x] */
    uint32_t len, maxlen;             /* [x] */
    uint32_t start_scheduled;         /* [x] an IPI-queue start request is outstanding */
    uint32_t rollup_pending;          /* [c] the owner starts it in its next rollup */
    unsigned cpu;                     /* [I] owner (its TX ring's CPU) */
    unsigned index;                   /* [I] TX ring */
    struct ifnet *ifp;                /* [I] */
    uint64_t start_ipis;              /* [E] start requests sent to the owner */
};

struct arp_entry {
    uint32_t addr;                    /* host order */
    uint8_t mac[6];
};

struct ifnet {
    /* read on every packet: [I] after attach */
    char if_xname[IFNAMSIZ];
    unsigned if_index;
    uint32_t if_flags;
    uint32_t if_mtu;
    uint8_t if_lladdr[6];
    const struct if_ops *if_ops;
    void *if_softc;
    struct kernel *if_kernel;
    /* classic shared counters: written by every CPU with STATS_SHARED [x] */
    struct if_data if_data;
    struct if_data_pcpu *if_data_pcpu;  /* [I] pointer; entries [c] */
    struct ifaltq_subque *if_snd[IF_MAXSUBQ]; /* [I] */
    unsigned if_snd_cnt;              /* [I] */
    struct arp_entry *if_arp;         /* [I] static ARP table, sorted by addr */
    unsigned if_narp;                 /* [I] */
};

#define IFF_UP 0x1u

/* Create an interface; its send queues are made by if_attach_subq. (set-up) */
struct ifnet *if_create(struct kernel *k, const char *name, const uint8_t mac[6],
                        uint32_t mtu, const struct if_ops *ops, void *softc);
/* ntx subqueues, subqueue i owned by CPU cpu_of[i]. (set-up) */
void if_attach_subq(struct ifnet *ifp, unsigned ntx, const unsigned *cpu_of, uint32_t maxlen);
void if_destroy(struct kernel *k, struct ifnet *ifp);

/* IFNET_STAT_INC: add v to counter `field` of the calling CPU's view. (thread) */
void if_stat_add(struct ifnet *ifp, size_t field_offset, uint64_t v);
#define IFNET_STAT_INC(ifp, name, v) if_stat_add((ifp), offsetof(struct if_data, ifi_##name), (v))
/* IFNET_STAT_GET: the counter summed over CPUs (reports; not priced). */
uint64_t if_stat_get(const struct ifnet *ifp, size_t field_offset);

/* Queue a packet for transmission (ifq_dispatch); drops and counts when the queue is full.
 * (thread) */
void ifq_dispatch(struct ifnet *ifp, struct mbuf *m);
/* The driver's dequeue, on the subqueue's CPU; NULL when empty. (thread) */
struct mbuf *ifsq_dequeue(struct ifnet *ifp, struct ifaltq_subque *sq);
/* Register the start rollup with the netisrs (after netisr_create). */
void if_register_rollup(struct kernel *k);

/* Static ARP: the entry for addr (host order) or NULL. Touches what it reads. (thread) */
const struct arp_entry *arp_lookup(struct ifnet *ifp, uint32_t addr);
int if_arp_add(struct kernel *k, struct ifnet *ifp, uint32_t addr, const uint8_t mac[6]);

/* Packets sitting in the interface's send queues. */
uint64_t if_queued(const struct ifnet *ifp);

#endif
