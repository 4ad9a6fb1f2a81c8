/*
 * ether.h - Ethernet input and output (DragonFly sys/net/if_ethersubr.c).
 *
 * Receive is split as in DragonFly: the driver, in its interrupt (or polling) context, calls
 * ether_input_classify(), which checks the frame's length, reads the Ethernet header and
 * picks the netisr (CPU and thread) from the flow hash; then the packet travels to that
 * netisr, one message per packet (ether_dispatch) or one per batch (ether_dispatch_batch),
 * where ether_input_handler() demultiplexes by EtherType.
 */
#ifndef MPSTACK_STACK_ETHER_H
#define MPSTACK_STACK_ETHER_H

#include <stdint.h>

#include "stack/kernel.h"
#include "stack/netisr.h"

struct mbuf;
struct ifnet;

/* Checks a received frame (m_len/m_pkthdr.len set, m_data at the Ethernet header) and picks
 * its netisr. Returns the CPU, or -1 when the frame was dropped (counted, freed). */
int ether_input_classify(struct ifnet *ifp, struct mbuf *m, enum netisr_thread *thread);
/* Hand one packet, or a batch chained by m_nextpkt, to a netisr. (thread) */
void ether_dispatch(struct kernel *k, struct mbuf *m, unsigned cpu, enum netisr_thread t);
/* Send an IPv4 packet (m_data at the IP header) to next hop `nexthop` (host order). */
void ether_output(struct ifnet *ifp, struct mbuf *m, uint32_t nexthop);

/* Software flow hash of an IPv4 packet, as the NIC would compute it (for frames the NIC did
 * not hash), or the XOR hash of seed 002. */
uint32_t ether_soft_hash(struct kernel *k, const uint8_t *frame, uint32_t len);

/* Name the Ethernet input handler for the timeline (kernel_create). */
void ether_register(struct kernel *k);

#endif
