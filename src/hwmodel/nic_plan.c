/*
 * nic_plan.c - how DragonFly's igb and ix drivers lay out rings, vectors and CPUs.
 *
 * Sources (hardware.md sections 1 and 2; docs/hw/nic-reference.md section 3):
 *  - igb_alloc_msix / ix_alloc_msix: one MSI-X vector is kept for link status (bound to
 *    CPU 0); rings use the rest. Each RX ring has its own vector; a TX ring whose CPU has
 *    an RX ring shares that ring's vector ("rxNtxM"); any other TX ring gets its own.
 *  - Ring counts are capped by the vectors left (MSI-X), by the chip (16 RSS queues on both;
 *    16 TX rings on the 82576, 64 on the 82599) and by the netisr CPUs, and the 2016-era
 *    if_ring_count2() rounds them down to a power of two. So on 16 CPUs an 82576 uses 8
 *    rings with MSI-X (10 vectors - 1 = 9 -> 8) and 16 with polling, as the DragonFly paper
 *    says. Today's if_ringmap_alloc() does not round (pow2 = false): 9 rings.
 *  - MSI (no MSI-X): 2 RX rings and 1 TX ring on one message; causes on EICR bits TX 0,
 *    RX0 1, RX1 2 (ix: IX_TX_INTR_VEC, IX_RX0/RX1_INTR_VEC; igb assigns TX first then RX).
 *  - Polling: interrupts off; each ring is polled from the netisr of its CPU.
 *  - Interrupt rates: igb 6000/s for RX vectors and MSI, 4000/s for TX-only vectors;
 *    ix 8000/s and 6000/s.
 *  - The rxr tunables (hw.igb.rxr, hw.ix.rxr) cap the RX rings further (rx_max; 0: no cap).
 *  - Ring i runs on CPU i (if_ringmap places rings on consecutive CPUs from 0).
 */
#include <stdio.h>
#include <string.h>

#include "hwmodel/nic.h"
#include "hwmodel/toeplitz.h"
#include "sim/panic.h"

static unsigned min_u(unsigned a, unsigned b) { return a < b ? a : b; }

static unsigned pow2_floor(unsigned x)
{
    unsigned p = 1;
    while (p * 2 <= x)
        p *= 2;
    return p;
}

static unsigned ring_count(unsigned n, bool pow2) { return pow2 ? pow2_floor(n) : n; }

static void plan_polling(const struct nic_chip *chip, unsigned ncpus, unsigned rx_max, bool pow2,
                         struct nic_plan *p)
{
    p->rx_rings = ring_count(min_u(min_u(chip->rss_queues, ncpus), rx_max), pow2);
    p->tx_rings = ring_count(min_u(chip->max_txrings_df, ncpus), pow2);
    for (unsigned i = 0; i < 128; i++)
        p->rx_vec[i] = p->tx_vec[i] = -1;
}

static void plan_msi(const struct nic_chip *chip, unsigned ncpus, unsigned rx_max,
                     struct nic_plan *p)
{
    p->rx_rings = ncpus >= 2 && rx_max >= 2 ? 2 : 1;
    p->tx_rings = 1;
    p->nvec = 1;
    p->tx_vec[0] = 0;              /* EICR bits, all on message 0 */
    p->rx_vec[0] = 1;
    p->rx_vec[1] = 2;
    p->vec_cpu[0] = 0;
    p->vec_rate[0] = chip->rate_msi;
}

static void plan_msix(const struct nic_chip *chip, unsigned ncpus, unsigned rx_max, bool pow2,
                      struct nic_plan *p)
{
    unsigned usable = chip->msix_vectors - 1; /* one kept for link status */
    unsigned rx = ring_count(min_u(min_u(min_u(chip->rss_queues, usable), ncpus), rx_max), pow2);
    unsigned tx = ring_count(min_u(chip->max_txrings_df, ncpus), pow2);
    /* TX rings beyond the RX rings need vectors of their own */
    while (tx > rx && tx > usable)
        tx = ring_count(tx - 1, pow2);
    p->rx_rings = rx;
    p->tx_rings = tx;
    unsigned v = 0;
    for (unsigned i = 0; i < rx; i++, v++) {
        p->rx_vec[i] = (int)v;
        p->vec_cpu[v] = i % ncpus;
        p->vec_rate[v] = chip->rx_rate_msix;
    }
    for (unsigned j = 0; j < tx; j++) {
        if (j < rx) {
            p->tx_vec[j] = p->rx_vec[j]; /* same CPU: share the RX ring's vector */
            continue;
        }
        p->tx_vec[j] = (int)v;
        p->vec_cpu[v] = j % ncpus;
        p->vec_rate[v] = chip->tx_rate_msix;
        v++;
    }
    p->sts_vec = (int)v;
    p->vec_cpu[v] = 0;
    p->vec_rate[v] = 0;
    p->nvec = v + 1;
}

void nic_plan_dragonfly(const struct nic_chip *chip, unsigned ncpus, enum nic_mode mode,
                        bool pow2, struct nic_plan *out)
{
    nic_plan_dragonfly_rx(chip, ncpus, 0, mode, pow2, out);
}

void nic_plan_dragonfly_rx(const struct nic_chip *chip, unsigned ncpus, unsigned rx_max,
                           enum nic_mode mode, bool pow2, struct nic_plan *out)
{
    SIM_ASSERT(ncpus >= 1);
    if (rx_max == 0)
        rx_max = ~0u;
    memset(out, 0, sizeof(*out));
    out->mode = mode;
    out->sts_vec = -1;
    if (mode == NIC_MODE_POLLING)
        plan_polling(chip, ncpus, rx_max, pow2, out);
    else if (mode == NIC_MODE_MSI)
        plan_msi(chip, ncpus, rx_max, out);
    else
        plan_msix(chip, ncpus, rx_max, pow2, out);
    for (unsigned i = 0; i < out->rx_rings; i++)
        out->rx_cpu[i] = i % ncpus;
    for (unsigned j = 0; j < out->tx_rings; j++)
        out->tx_cpu[j] = j % ncpus;
    toeplitz_reta_fill(out->reta, out->rx_rings);
}
