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
 * Send queues (ifaltq subqueues): one per TX ring; a subqueue belongs to the CPU of its TX
 * ring. As DragonFly's ifq_dispatch: a netisr queues the packet under the subqueue's spinlock
 * and counts it in its per-CPU stage; below net.link.stage_cntmax staged packets (and the
 * MTU less 60 staged bytes) it leaves the start to its rollup. Otherwise, if nobody is transmitting from the subqueue (the
 * `started` interlock), it becomes the transmitter: it tries the TX ring's serializer and
 * runs the driver's start itself (ifsq_ifstart_try), whichever CPU it is on. When the
 * serializer is busy, the start goes to the owner CPU at once (ifsq_ifstart_schedule: the
 * subqueue's start message to the owner's netisr port). When packets remain after a start,
 * the transmitter keeps the interlock and hands the start to the owner too, but a netisr
 * defers that hand-off to the end of its batch (the stage's SCHED flag, sent by the rollup),
 * or sends it earlier once it has staged stage_cntmax more packets of its own.
 *
 * The driver marks a subqueue oactive when its TX ring has no room for a packet of the
 * largest scatter list; nobody calls the driver's start then, and the TX completion (the
 * ring's interrupt or poll, on its CPU) clears the flag and restarts (ifsq_devstart).
 */
#ifndef MPSTACK_STACK_IF_H
#define MPSTACK_STACK_IF_H

#include <stdint.h>

#include "stack/kernel.h"
#include "stack/netmsg.h"
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
    /* Start transmission on subqueue sq, with its serializer held: dequeue and post packets
     * until the queue is empty or the ring is full (then it sets oactive). */
    void (*if_start)(struct ifnet *ifp, struct ifaltq_subque *sq);
    /* The TX ring's serializer (ifsq_serialize_hw): try, take (spinning), release. */
    bool (*if_tryserialize_tx)(struct ifnet *ifp, struct ifaltq_subque *sq);
    void (*if_serialize_tx)(struct ifnet *ifp, struct ifaltq_subque *sq);
    void (*if_deserialize_tx)(struct ifnet *ifp, struct ifaltq_subque *sq);
};

/* A netisr's staging count on one subqueue (struct ifsubq_stage), on its own line. */
struct ifsq_stage {
    uint32_t cnt;                     /* [c] packets queued since this CPU last started */
    uint32_t len;                     /* [c] ... and their bytes */
    uint8_t queued;                   /* [c] the rollup must see to the subqueue (QUED) */
    uint8_t sched;                    /* [c] ... by handing its start to the owner (SCHED) */
    uint8_t pad[54];
};

/* max_protohdr of a kernel with INET6, as DragonFly's GENERIC: tcp_init raises it to an IPv6
 * and a TCP header, 40 + 20 (IPv4 alone: sizeof(struct tcpiphdr), 40). Staging stops once the
 * staged bytes reach the MTU less this, about one full TCP segment (ifq_dispatch). */
#define IFQ_STAGE_PROTOHDR 60
/* The smallest MTU a scenario may give (nics.<n>.mtu) must leave staging a positive limit. */
#define IF_MTU_MIN 68
_Static_assert(IF_MTU_MIN > IFQ_STAGE_PROTOHDR, "staging needs MTU > max_protohdr");
_Static_assert(sizeof(struct ifsq_stage) == 64, "a staging entry is one cache line");

struct ifaltq_subque {
    struct spinlock lock;             /* [x] */
    struct mbuf *head, *tail;         /* [x] */
    uint32_t len, maxlen;             /* [x] */
    uint32_t started;                 /* [x] one CPU is transmitting from it (ifsq_started) */
    uint32_t oactive;                 /* [x] the TX ring is full (ifsq_hw_oactive); under the
                                         ring's serializer */
    struct ifsq_startmsg {            /* ifsq_ifstart_lmsg: "start on the owner" */
        struct netmsg nm;
        struct ifaltq_subque *sq;
    } start_msg;                      /* [x] owned by the port while scheduled */
    unsigned cpu;                     /* [I] owner (its TX ring's CPU) */
    unsigned index;                   /* [I] TX ring */
    struct ifnet *ifp;                /* [I] */
    struct ifsq_stage *stage;         /* [I] pointer; one entry per CPU [c] */
    uint64_t owner_starts;            /* [E] start requests sent to the owner's netisr */
    uint64_t direct_starts;           /* [E] starts run by the queuing CPU itself */
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
/* The driver's dequeue, with the TX serializer held; NULL when empty. (thread) */
struct mbuf *ifsq_dequeue(struct ifnet *ifp, struct ifaltq_subque *sq);
/* ifsq_is_empty: an unlocked look at the queue's length, as drivers and the start path make
 * before taking the lock. (thread) */
bool ifsq_is_empty(struct kern_machine *km, const struct ifaltq_subque *sq);
/* ifsq_is_oactive, and ifsq_set_oactive (on) / ifsq_clr_oactive (off), with the TX
 * serializer held. */
bool ifsq_is_oactive(struct kern_machine *km, const struct ifaltq_subque *sq);
void ifsq_set_oactive(struct kern_machine *km, struct ifaltq_subque *sq, bool on);
/* The driver's TX completion found packets waiting (ifsq_devstart): with the serializer held,
 * become the transmitter unless another CPU is. Returns whether it did. (thread) */
bool ifsq_devstart(struct ifnet *ifp, struct ifaltq_subque *sq);
/* Register the start rollup with the netisrs (after netisr_create). */
void if_register_rollup(struct kernel *k);

/* Static ARP: the entry for addr (host order) or NULL. Touches what it reads. (thread) */
const struct arp_entry *arp_lookup(struct ifnet *ifp, uint32_t addr);
int if_arp_add(struct kernel *k, struct ifnet *ifp, uint32_t addr, const uint8_t mac[6]);

/* Packets sitting in the interface's send queues. */
uint64_t if_queued(const struct ifnet *ifp);

#endif
