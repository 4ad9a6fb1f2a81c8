/*
 * nic_prog.h - how a driver programs the 82576 and 82599: the register sequences of
 * DragonFly's igb_init / ix_init (docs/hw/nic-reference.md sections 3 and 7), shared by the
 * hardware model's reference driver (hwmodel/nic_refdrv.c) and the stack's driver
 * (stack/if_ix.c), which may not include each other.
 *
 * Pure code over the register map in nic_regs.h: no state of its own. Every access goes
 * through the caller's callbacks, so each driver prices its MMIO its own way.
 */
#ifndef MPSTACK_HWMODEL_PROT_NIC_PROG_H
#define MPSTACK_HWMODEL_PROT_NIC_PROG_H

#include <stdbool.h>
#include <stdint.h>

#include "hwmodel/prot/nic_regs.h"

struct nic_prog {
    bool igb;                                   /* 82576, else 82599 */
    void *ctx;
    void (*wr)(void *ctx, uint32_t reg, uint32_t val);
    uint32_t (*rd)(void *ctx, uint32_t reg);
};

/* How the rings' causes reach the CPUs. */
enum nic_prog_intr { NIC_PROG_MSIX, NIC_PROG_MSI, NIC_PROG_POLLING };

static inline void nic_prog_wr(const struct nic_prog *p, uint32_t reg, uint32_t val)
{
    p->wr(p->ctx, reg, val);
}

static inline uint32_t nic_prog_rdt(const struct nic_prog *p, unsigned q)
{
    return p->igb ? IGB_RDT(q) : IX_RDT(q);
}

static inline uint32_t nic_prog_tdt(const struct nic_prog *p, unsigned q)
{
    return p->igb ? IGB_TDT(q) : IX_TDT(q);
}

/* Receive ring q: base, length, 2 KB-style buffers of bufsize bytes, DROP_EN ("drop rather
 * than hang the RX MAC for all rings", used with more than one ring), head 0, enabled. */
static inline void nic_prog_rx_ring(const struct nic_prog *p, unsigned q, uint64_t pa,
                                    uint32_t ndesc, uint32_t bufsize, bool drop_en)
{
    bool igb = p->igb;
    uint32_t srrctl = (bufsize >> 10) | NIC_SRRCTL_DESCTYPE_ADV1;
    if (drop_en)
        srrctl |= igb ? IGB_SRRCTL_DROP_EN : IX_SRRCTL_DROP_EN;
    nic_prog_wr(p, igb ? IGB_RDBAL(q) : IX_RDBAL(q), (uint32_t)pa);
    nic_prog_wr(p, igb ? IGB_RDBAH(q) : IX_RDBAH(q), (uint32_t)(pa >> 32));
    nic_prog_wr(p, igb ? IGB_RDLEN(q) : IX_RDLEN(q), ndesc * 16);
    nic_prog_wr(p, igb ? IGB_SRRCTL(q) : (q < 16 ? IX_SRRCTL_LO(q) : IX_SRRCTL_MID(q)), srrctl);
    nic_prog_wr(p, igb ? IGB_RDH(q) : IX_RDH(q), 0);
    nic_prog_wr(p, igb ? IGB_RXDCTL(q) : IX_RXDCTL(q), NIC_DCTL_ENABLE);
}

/* Transmit ring q with head write-back to wb_pa. */
static inline void nic_prog_tx_ring(const struct nic_prog *p, unsigned q, uint64_t pa,
                                    uint32_t ndesc, uint64_t wb_pa)
{
    bool igb = p->igb;
    nic_prog_wr(p, igb ? IGB_TDBAL(q) : IX_TDBAL(q), (uint32_t)pa);
    nic_prog_wr(p, igb ? IGB_TDBAH(q) : IX_TDBAH(q), (uint32_t)(pa >> 32));
    nic_prog_wr(p, igb ? IGB_TDLEN(q) : IX_TDLEN(q), ndesc * 16);
    nic_prog_wr(p, igb ? IGB_TDH(q) : IX_TDH(q), 0);
    nic_prog_wr(p, igb ? IGB_TDT(q) : IX_TDT(q), 0);
    nic_prog_wr(p, igb ? IGB_TDWBAL(q) : IX_TDWBAL(q), (uint32_t)wb_pa | NIC_TDWBAL_HEAD_WB);
    nic_prog_wr(p, igb ? IGB_TDWBAH(q) : IX_TDWBAH(q), (uint32_t)(wb_pa >> 32));
    nic_prog_wr(p, igb ? IGB_TXDCTL(q) : IX_TXDCTL(q), NIC_DCTL_ENABLE);
}

/* RSS: the 40-byte key, the 128-entry redirection table, MRQC (IPv4 and IPv4+TCP hashing,
 * on only with more than one ring), and RXCSUM with PCSD so descriptors carry the hash. */
static inline void nic_prog_rss(const struct nic_prog *p, const uint8_t key[40],
                                const uint8_t reta[128], bool enable)
{
    bool igb = p->igb;
    for (unsigned i = 0; i < 10; i++)
        nic_prog_wr(p, igb ? IGB_RSSRK(i) : IX_RSSRK(i),
                    (uint32_t)key[4 * i] | (uint32_t)key[4 * i + 1] << 8 |
                        (uint32_t)key[4 * i + 2] << 16 | (uint32_t)key[4 * i + 3] << 24);
    for (unsigned i = 0; i < 32; i++)
        nic_prog_wr(p, igb ? IGB_RETA(i) : IX_RETA(i),
                    (uint32_t)reta[4 * i] | (uint32_t)reta[4 * i + 1] << 8 |
                        (uint32_t)reta[4 * i + 2] << 16 | (uint32_t)reta[4 * i + 3] << 24);
    uint32_t mrqc = (igb ? NIC_MRQC_RSS_IGB : NIC_MRQC_RSS_IX) | NIC_MRQC_IPV4 | NIC_MRQC_IPV4_TCP;
    nic_prog_wr(p, igb ? IGB_MRQC : IX_MRQC, enable ? mrqc : 0);
    nic_prog_wr(p, igb ? IGB_RXCSUM : IX_RXCSUM,
                NIC_RXCSUM_PCSD | NIC_RXCSUM_IPOFL | NIC_RXCSUM_TUOFL);
}

/* Put queue q's RX (type 0) or TX (type 1) cause on vector/bit v (nic-reference 1.1). */
static inline void nic_prog_ivar(const struct nic_prog *p, unsigned q, int type, unsigned v)
{
    unsigned reg, shift;
    if (p->igb) {
        reg = q & 7;
        shift = (q < 8 ? 0 : 16) + 8 * (unsigned)type;
    } else {
        reg = q >> 1;
        shift = 16 * (q & 1) + 8 * (unsigned)type;
    }
    uint32_t off = p->igb ? IGB_IVAR0(reg) : IX_IVAR(reg);
    uint32_t val = p->rd(p->ctx, off) & ~(0xffu << shift);
    nic_prog_wr(p, off, val | (v | NIC_IVAR_VALID) << shift);
}

/* EITR for `rate` interrupts per second, as igb_set_eitr / ix_set_eitr compute it. */
static inline uint32_t nic_prog_eitr(bool igb, uint32_t rate)
{
    if (rate == 0)
        return 0;
    if (igb) {
        uint32_t v = (1000000u / rate) << 2;
        v = v < 4 ? 4 : v > IGB_EITR_INTERVAL ? IGB_EITR_INTERVAL : v;
        return v | IGB_EITR_CNT_IGNR;
    }
    uint32_t v = (uint32_t)(UINT64_C(1000000000) / 256 / rate) & ~7u;
    return v < 8 ? 8 : v > IX_EITR_INTERVAL ? IX_EITR_INTERVAL : v;
}

/* The interrupt bits the driver uses: every vector with MSI-X, else the rings' EICR bits. */
static inline uint64_t nic_prog_intr_mask(enum nic_prog_intr mode, unsigned nvec,
                                          unsigned rx_rings, const int *rx_vec, int tx_vec0)
{
    uint64_t mask = 0;
    if (mode == NIC_PROG_MSIX) {
        for (unsigned v = 0; v < nvec; v++)
            mask |= UINT64_C(1) << v;
    } else {
        for (unsigned i = 0; i < rx_rings; i++)
            mask |= UINT64_C(1) << rx_vec[i];
        mask |= UINT64_C(1) << tx_vec0;
    }
    return mask;
}

/* Interrupts: all masked for polling; otherwise GPIE, IVAR per ring, EITR per vector, and
 * EIAC/EIAM/EIMS for `mask`. */
static inline void nic_prog_intr(const struct nic_prog *p, enum nic_prog_intr mode,
                                 unsigned rx_rings, const int *rx_vec, unsigned tx_rings,
                                 const int *tx_vec, unsigned nvec, const uint32_t *vec_rate)
{
    bool igb = p->igb;
    if (mode == NIC_PROG_POLLING) {
        nic_prog_wr(p, igb ? IGB_EIMC : IX_EIMC, 0xffffffffu);
        if (!igb) {
            nic_prog_wr(p, IX_EIMC_EX(0), 0xffffffffu);
            nic_prog_wr(p, IX_EIMC_EX(1), 0xffffffffu);
        }
        return;
    }
    bool msix = mode == NIC_PROG_MSIX;
    nic_prog_wr(p, igb ? IGB_GPIE : IX_GPIE, msix ? NIC_GPIE_MSIX_MODE | NIC_GPIE_EIAME : 0);
    for (unsigned i = 0; i < rx_rings; i++)
        nic_prog_ivar(p, i, 0, (unsigned)rx_vec[i]);
    for (unsigned j = 0; j < tx_rings; j++)
        nic_prog_ivar(p, j, 1, (unsigned)tx_vec[j]);
    for (unsigned v = 0; v < nvec; v++)
        nic_prog_wr(p, igb ? IGB_EITR(v) : (v < 24 ? IX_EITR_LO(v) : IX_EITR_HI(v)),
                    nic_prog_eitr(igb, vec_rate[v]));
    uint64_t mask = nic_prog_intr_mask(mode, nvec, rx_rings, rx_vec, tx_vec[0]);
    if (igb) {
        nic_prog_wr(p, IGB_EIAC, msix ? (uint32_t)mask : 0);
        nic_prog_wr(p, IGB_EIAM, (uint32_t)mask);
        nic_prog_wr(p, IGB_EIMS, (uint32_t)mask);
    } else if (msix) {
        nic_prog_wr(p, IX_EIAC, 0xffffu);
        nic_prog_wr(p, IX_EIAM_EX(0), 0xffffffffu);
        nic_prog_wr(p, IX_EIAM_EX(1), 0xffffffffu);
        nic_prog_wr(p, IX_EIMS_EX(0), (uint32_t)mask);
        nic_prog_wr(p, IX_EIMS_EX(1), (uint32_t)(mask >> 32));
    } else {
        nic_prog_wr(p, IX_EIAM, 0xffffu);
        nic_prog_wr(p, IX_EIMS, (uint32_t)mask);
    }
}

/* Re-enable MSI-X vector v after its handler (EIMS, EIMS_EX on the 82599). */
static inline void nic_prog_vec_enable(const struct nic_prog *p, unsigned v)
{
    if (p->igb)
        nic_prog_wr(p, IGB_EIMS, 1u << v);
    else
        nic_prog_wr(p, IX_EIMS_EX(v / 32), 1u << (v % 32));
}

/* Enable receive and transmit, then hand every RX ring to the chip (RDT = ndesc - 1). */
static inline void nic_prog_start(const struct nic_prog *p, unsigned rx_rings, uint32_t ndesc)
{
    bool igb = p->igb;
    nic_prog_wr(p, igb ? IGB_RCTL : IX_RXCTRL, igb ? IGB_RCTL_EN : IX_RXCTRL_RXEN);
    nic_prog_wr(p, igb ? IGB_TCTL : IX_DMATXCTL, igb ? IGB_TCTL_EN : IX_DMATXCTL_TE);
    for (unsigned q = 0; q < rx_rings; q++)
        nic_prog_wr(p, nic_prog_rdt(p, q), ndesc - 1);
}

#endif
