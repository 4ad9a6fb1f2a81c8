/*
 * netmsg.h - the messages netisr threads handle (DragonFly sys/net/netmsg.h).
 *
 * Ownership rule (CONVENTIONS.md rule 5): a message has one owner at a time. The sender
 * owns it until netisr_sendmsg(); then the IPI queue or the port does; then the netisr
 * thread that took it from its port, which calls nm_dispatch and from then on the handler
 * owns it (a packet message belongs to its mbuf, which the handler passes on or frees).
 */
#ifndef MPSTACK_STACK_NETMSG_H
#define MPSTACK_STACK_NETMSG_H

#include <stdint.h>

struct netmsg;
typedef void (*netisr_fn)(struct netmsg *nm);

#define NMF_QUEUED 0x1u   /* [x] on a port or in an IPI queue (invariant: not sent twice) */
#define NMF_CONTROL 0x2u  /* [I] not a packet message (e.g. a send queue's start request) */

struct netmsg {
    struct netmsg *nm_next;    /* [x] port queue link, owned by the port */
    netisr_fn nm_dispatch;     /* what the netisr runs */
    uint32_t nm_flags;         /* NMF_* */
    uint32_t nm_seq;           /* [E] message serial, for the no-loss invariant */
};

/* A received packet or a batch of them (the mbufs chained by m_nextpkt). */
struct netmsg_packet {
    struct netmsg nm_base;
    struct mbuf *nm_packet;
};

#endif
