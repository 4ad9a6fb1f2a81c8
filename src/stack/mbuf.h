/*
 * mbuf.h - packet buffers: an mbuf header with a packet header, attached to a 2 KB cluster
 * (the only kind the data path uses: every received frame lands in a cluster the driver
 * posted, as with DragonFly's m_getcl() in igb/ix).
 *
 * As in DragonFly, the packet header embeds the netmsg that carries the packet to a netisr
 * (m_pkthdr.pk_netmsg, sys/sys/mbuf.h mh_netmsg), so handing a packet to another CPU needs no
 * allocation. mbuf + cluster pairs come from an object cache (DragonFly's mbufphdrcluster
 * objcache): a per-CPU stack of objects in front of a depot of magazines shared by all CPUs,
 * over a bounded pool of k_cfg.nmbclusters pairs. Freeing on another CPU than the one that
 * allocated is allowed and costs what it costs: the object's lines move.
 *
 * Ownership: an mbuf has one owner at a time (the RX ring, a message, a queue, a TX ring).
 * Fields are [x]: whoever owns the mbuf touches them, on whatever CPU it runs.
 */
#ifndef MPSTACK_STACK_MBUF_H
#define MPSTACK_STACK_MBUF_H

#include <stdint.h>

#include "stack/kernel.h"
#include "stack/netmsg.h"

#define MCLBYTES 2048

/* m_flags */
#define M_PKTHDR 0x0002u
#define M_HASH 0x0100u     /* m_pkthdr.hash is valid (from the NIC or computed) */

/* m_pkthdr.csum_flags (FreeBSD/DragonFly CSUM_*) */
#define CSUM_IP_CHECKED 0x0100u
#define CSUM_IP_VALID 0x0200u

/* [E] where an mbuf is, for the "every mbuf is accounted for" invariant */
enum mbuf_where { MW_FREE = 0, MW_RXRING, MW_STACK, MW_TXRING };

struct pkthdr {
    struct ifnet *rcvif;
    int32_t len;
    uint32_t hash;
    uint32_t csum_flags;
    uint16_t cpuid;            /* CPU the hash maps to */
    struct netmsg_packet netmsg;
};

struct mbuf {
    struct mbuf *m_next;       /* next buffer of this packet */
    struct mbuf *m_nextpkt;    /* next packet in a queue or a batch */
    uint8_t *m_data;
    int32_t m_len;
    uint32_t m_flags;
    struct pkthdr m_pkthdr;
    uint8_t *m_ext_buf;        /* the cluster */
    uint32_t m_ext_size;
    uint8_t m_where;           /* [E] enum mbuf_where */
    uint32_t m_serial;         /* [E] */
};

#define mtod(m, t) ((t)(void *)((m)->m_data))

/* A packet mbuf with a cluster, from the calling CPU's cache; NULL when the pool is
 * exhausted (counted by the caller). (thread, or set-up with cpu 0) */
struct mbuf *m_getcl(struct kernel *k);
/* Free a packet (the whole chain); NULL is ignored. (thread) */
void m_freem(struct kernel *k, struct mbuf *m);
/* Trim len bytes from the head (len > 0) or the tail (len < 0) of a one-buffer packet. */
void m_adj(struct mbuf *m, int32_t len);
/* Room before m_data, for prepending headers. */
static inline int32_t m_leadingspace(const struct mbuf *m)
{
    return (int32_t)(m->m_data - m->m_ext_buf);
}

/* ---- the object cache behind m_getcl ---- */

struct objcache_stats {
    uint64_t total;       /* objects created (<= limit) */
    uint64_t in_use;      /* objects outside the cache */
    uint64_t depot_gets, depot_puts, failures;
};

struct objcache *objcache_create(struct kernel *k, uint64_t limit, uint64_t magazine);
/* Host memory a pool of `limit` mbuf + cluster pairs takes (for the scenario's sizing check). */
uint64_t objcache_pool_bytes(uint64_t limit);
void objcache_destroy(struct kernel *k, struct objcache *oc);
void objcache_stats(const struct objcache *oc, struct objcache_stats *out);
/* Invariant: per-CPU stacks + depot + in_use == total; every cached mbuf is MW_FREE. */
void objcache_check(const struct objcache *oc);

#endif
