/*
 * if_ix.h - the stack's driver for the Intel 82576 (DragonFly igb) and 82599 (DragonFly ix).
 *
 * Both chips use the same advanced descriptors and the same ring service, so one driver
 * serves both, with the register map and the EITR formula chosen by chip; DragonFly keeps
 * two drivers (sys/dev/netif/igb, sys/dev/netif/ix) whose rxeof/txeof/encap follow the same
 * steps. It reaches the chip only through kern.h: register reads and writes (priced as
 * MMIO), descriptor rings and clusters in host memory (bus addresses from kern_paddr), and
 * interrupt vectors.
 *
 * What it does, after DragonFly's drivers:
 *  - RX (ix_rxeof): for each written-back descriptor, take the mbuf, post a fresh cluster
 *    (m_getcl; none: drop the frame and re-post the old one), fill the packet header (length,
 *    RSS hash, checksum verdict), count ipackets/ibytes, pick the netisr and hand the packet
 *    over, per packet or batched per interrupt (k_cfg.handoff); RDT every 32 descriptors
 *    (IX_DEF_RXWREG_NSEGS).
 *  - TX (ix_start): dequeue from the subqueue, one data descriptor per packet, RS every
 *    ndesc/16 descriptors (tx_intr_nsegs), TDT every 8 descriptors (IX_DEF_TXWREG_NSEGS) and
 *    at the end. It stops when the ring has no room for the longest scatter list (36
 *    descriptors free: IX_MAX_SCATTER + IX_TX_RESERVED) and marks the subqueue oactive; it
 *    never reclaims. Completions are read from the head write-back (ix_txeof) only in the
 *    ring's interrupt or its CPU's poll, which clear oactive and restart (ifsq_devstart).
 *  - Service: MSI-X (a vector per ring pair, re-enabled through EIMS), one MSI, or polling
 *    (ifpoll.c: poll messages in the ring CPU's netisr, at kernel.poll_hz, with an adaptive
 *    budget of packets per ring per tick).
 */
#ifndef MPSTACK_STACK_IF_IX_H
#define MPSTACK_STACK_IF_IX_H

#include <stdint.h>

#include "stack/kernel.h"

enum ix_mode { IX_MODE_MSIX = 0, IX_MODE_MSI = 1, IX_MODE_POLLING = 2 };

/* The driver's ring and vector layout (from DragonFly's rules, hwmodel's nic_plan). */
struct ix_attach_args {
    enum ix_mode mode;
    unsigned rx_rings, tx_rings;
    unsigned rx_cpu[128], tx_cpu[128];
    int rx_vec[128], tx_vec[128];
    unsigned nvec;
    unsigned vec_cpu[64];
    uint32_t vec_rate[64];
    uint8_t reta[128];
    unsigned rx_ndesc, tx_ndesc;
    uint8_t mac[6];
    uint32_t mtu;
    uint32_t ifq_maxlen;
};

struct ifnet;
struct ix_softc;

/* Bring the chip up and create its interface (set-up, before the run). NULL if memory for
 * the rings or the clusters runs out. */
struct ix_softc *ix_attach(struct kernel *k, struct kern_dev *dev, const struct ix_attach_args *a);
void ix_detach(struct ix_softc *sc);
struct ifnet *ix_ifnet(struct ix_softc *sc);

/* [E] for reports and invariants */
struct ix_stats {
    uint64_t rx_packets, tx_packets, rx_doorbells, tx_doorbells, interrupts, polls;
    uint64_t tx_ring_full, tx_completion_starts;
    uint64_t mbufs_rx, mbufs_tx; /* mbufs posted in RX rings, held by TX rings now */
};
void ix_stats(const struct ix_softc *sc, struct ix_stats *out);

/* Process written-back RX descriptors of ring q as the interrupt handler does (fuzzing and
 * unit tests drive the driver with it). Returns descriptors taken. (thread) */
uint32_t ix_rxeof(struct ix_softc *sc, unsigned q, uint32_t budget);
/* The RX descriptor ring q and the cluster posted in slot i (tests and the fuzz target
 * play the chip's DMA with them). */
void *ix_rx_desc(struct ix_softc *sc, unsigned q, unsigned i);
void *ix_rx_buf(struct ix_softc *sc, unsigned q, unsigned i);
unsigned ix_rx_next(const struct ix_softc *sc, unsigned q);
/* TX descriptor i of ring q (tests read what the driver posted). */
void *ix_tx_desc(struct ix_softc *sc, unsigned q, unsigned i);
/* Ring q's head write-back word (tests play the chip's TX completion by writing it). */
uint32_t *ix_tx_head_wb(struct ix_softc *sc, unsigned q);

#endif
