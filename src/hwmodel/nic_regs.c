/*
 * nic_regs.c - the register files of the 82576 and 82599: which offset is which register,
 * what a read returns and what a write does. Facts and their sources: docs/hw/nic-reference.md
 * (offsets and bits, section 1; interrupt semantics, section 3) and hardware.md (limits).
 */
#include <string.h>

#include "hwmodel/prot/nic_desc.h"
#include "hwmodel/prot/nic_regs.h"
#include "nic_var.h"
#include "sim/panic.h"

/* Limits: hardware.md sections 1 and 2 (DPDK, QEMU and DragonFly headers cited there). */
const struct nic_chip nic_chips[2] = {
    [NIC_82576] = {.type = NIC_82576, .name = "82576", .driver = "igb",
                   .link_bps = UINT64_C(1000000000), .rx_queues = 16, .tx_queues = 16,
                   .rss_queues = 16, .msix_vectors = 10, .reta_size = 128,
                   .max_txrings_df = 16, .rx_pb_bytes = 64 * 1024,
                   .ring_min = 256, .ring_max = 4096, .ring_default = 512,
                   .rx_rate_msix = 6000, .tx_rate_msix = 4000, .rate_msi = 6000,
                   .cap_rxcsum = true, .cap_txcsum = true, .cap_tso = true, .cap_lro = false},
    [NIC_82599] = {.type = NIC_82599, .name = "82599", .driver = "ix",
                   .link_bps = UINT64_C(10000000000), .rx_queues = 128, .tx_queues = 128,
                   .rss_queues = 16, .msix_vectors = 64, .reta_size = 128,
                   .max_txrings_df = 64, .rx_pb_bytes = 512 * 1024,
                   .ring_min = 64, .ring_max = 4096, .ring_default = 1024,
                   .rx_rate_msix = 8000, .tx_rate_msix = 6000, .rate_msi = 8000,
                   .cap_rxcsum = true, .cap_txcsum = true, .cap_tso = true, .cap_lro = true},
};

const struct nic_chip *nic_chip_find(const char *name)
{
    for (size_t i = 0; i < sizeof(nic_chips) / sizeof(nic_chips[0]); i++)
        if (strcmp(nic_chips[i].name, name) == 0)
            return &nic_chips[i];
    return NULL;
}

/* ---- decoding ---- */

/* A per-queue register at base + stride * i, for i < count. */
static bool in_bank(uint32_t off, uint32_t base, uint32_t stride, unsigned count, unsigned *i)
{
    if (off < base || (off - base) % stride != 0 || (off - base) / stride >= count)
        return false;
    *i = (off - base) / stride;
    return true;
}

struct bank {
    uint32_t base, stride;
    unsigned count;
    enum nic_reg r;
};

static struct nic_regref decode_banks(const struct bank *b, size_t nb, uint32_t off)
{
    for (size_t k = 0; k < nb; k++) {
        unsigned i;
        if (in_bank(off, b[k].base, b[k].stride, b[k].count, &i))
            return (struct nic_regref){b[k].r, i};
    }
    return (struct nic_regref){NR_UNKNOWN, 0};
}

static const struct bank igb_banks[] = {
    {IGB_CTRL, 4, 1, NR_CTRL},         {IGB_STATUS, 4, 1, NR_STATUS},
    {IGB_RCTL, 4, 1, NR_RXEN},         {IGB_TCTL, 4, 1, NR_TXEN},
    {IGB_GPIE, 4, 1, NR_GPIE},         {IGB_EICS, 4, 1, NR_EICS},
    {IGB_EIMS, 4, 1, NR_EIMS},         {IGB_EIMC, 4, 1, NR_EIMC},
    {IGB_EIAC, 4, 1, NR_EIAC},         {IGB_EIAM, 4, 1, NR_EIAM},
    {IGB_EICR, 4, 1, NR_EICR},         {IGB_EITR(0), 4, 25, NR_EITR},
    {IGB_IVAR0(0), 4, 8, NR_IVAR},     {IGB_IVAR_MISC, 4, 1, NR_IVAR_MISC},
    {IGB_RXCSUM, 4, 1, NR_RXCSUM},     {IGB_MRQC, 4, 1, NR_MRQC},
    {IGB_RETA(0), 4, 32, NR_RETA},     {IGB_RSSRK(0), 4, 10, NR_RSSRK},
    {IGB_RDBAL(0), 0x40, 16, NR_RDBAL}, {IGB_RDBAH(0), 0x40, 16, NR_RDBAH},
    {IGB_RDLEN(0), 0x40, 16, NR_RDLEN}, {IGB_SRRCTL(0), 0x40, 16, NR_SRRCTL},
    {IGB_RDH(0), 0x40, 16, NR_RDH},    {IGB_RDT(0), 0x40, 16, NR_RDT},
    {IGB_RXDCTL(0), 0x40, 16, NR_RXDCTL}, {IGB_RQDPC(0), 0x40, 16, NR_QDROP},
    {IGB_TDBAL(0), 0x40, 16, NR_TDBAL}, {IGB_TDBAH(0), 0x40, 16, NR_TDBAH},
    {IGB_TDLEN(0), 0x40, 16, NR_TDLEN}, {IGB_TDH(0), 0x40, 16, NR_TDH},
    {IGB_TDT(0), 0x40, 16, NR_TDT},    {IGB_TXDCTL(0), 0x40, 16, NR_TXDCTL},
    {IGB_TDWBAL(0), 0x40, 16, NR_TDWBAL}, {IGB_TDWBAH(0), 0x40, 16, NR_TDWBAH},
    {IGB_MPC, 4, 1, NR_MPC},           {IGB_RNBC, 4, 1, NR_RNBC},
    {NIC_GPRC, 4, 1, NR_GPRC},         {NIC_GPTC, 4, 1, NR_GPTC},
    {NIC_GORCL, 4, 1, NR_GORCL},       {NIC_GORCH, 4, 1, NR_GORCH},
    {NIC_GOTCL, 4, 1, NR_GOTCL},       {NIC_GOTCH, 4, 1, NR_GOTCH},
    {NIC_TPR, 4, 1, NR_TPR},           {NIC_TPT, 4, 1, NR_TPT},
};

/* The 82599's queues above 63 and its second EITR bank use other bases; the model
 * implements queues 0..63 (DragonFly's ix uses at most 16 RX and 64 TX rings). */
static const struct bank ix_banks[] = {
    {IX_CTRL, 4, 1, NR_CTRL},          {IX_STATUS, 4, 1, NR_STATUS},
    {IX_LINKS, 4, 1, NR_LINKS},        {IX_RXCTRL, 4, 1, NR_RXEN},
    {IX_DMATXCTL, 4, 1, NR_TXEN},      {IX_GPIE, 4, 1, NR_GPIE},
    {IX_EICR, 4, 1, NR_EICR},          {IX_EICS, 4, 1, NR_EICS},
    {IX_EIAC, 4, 1, NR_EIAC},          {IX_EIMS, 4, 1, NR_EIMS},
    {IX_EIMC, 4, 1, NR_EIMC},          {IX_EIAM, 4, 1, NR_EIAM},
    {IX_EICS_EX(0), 4, 2, NR_EICS_EX}, {IX_EIMS_EX(0), 4, 2, NR_EIMS_EX},
    {IX_EIMC_EX(0), 4, 2, NR_EIMC_EX}, {IX_EIAM_EX(0), 4, 2, NR_EIAM_EX},
    {IX_EITR_LO(0), 4, 24, NR_EITR},   {IX_IVAR(0), 4, 64, NR_IVAR},
    {IX_IVAR_MISC, 4, 1, NR_IVAR_MISC}, {IX_RXCSUM, 4, 1, NR_RXCSUM},
    {IX_MRQC, 4, 1, NR_MRQC},          {IX_RETA(0), 4, 32, NR_RETA},
    {IX_RSSRK(0), 4, 10, NR_RSSRK},
    {IX_RDBAL(0), 0x40, 64, NR_RDBAL}, {IX_RDBAH(0), 0x40, 64, NR_RDBAH},
    {IX_RDLEN(0), 0x40, 64, NR_RDLEN}, {IX_RDH(0), 0x40, 64, NR_RDH},
    {IX_RDT(0), 0x40, 64, NR_RDT},     {IX_RXDCTL(0), 0x40, 64, NR_RXDCTL},
    {IX_SRRCTL_LO(0), 4, 16, NR_SRRCTL}, {IX_QPRDC(0), 0x40, 16, NR_QDROP},
    {IX_TDBAL(0), 0x40, 64, NR_TDBAL}, {IX_TDBAH(0), 0x40, 64, NR_TDBAH},
    {IX_TDLEN(0), 0x40, 64, NR_TDLEN}, {IX_TDH(0), 0x40, 64, NR_TDH},
    {IX_TDT(0), 0x40, 64, NR_TDT},     {IX_TXDCTL(0), 0x40, 64, NR_TXDCTL},
    {IX_TDWBAL(0), 0x40, 64, NR_TDWBAL}, {IX_TDWBAH(0), 0x40, 64, NR_TDWBAH},
    {IX_MPC(0), 4, 1, NR_MPC},         {IX_RNBC(0), 4, 1, NR_RNBC},
    {NIC_GPRC, 4, 1, NR_GPRC},         {NIC_GPTC, 4, 1, NR_GPTC},
    {NIC_GORCL, 4, 1, NR_GORCL},       {NIC_GORCH, 4, 1, NR_GORCH},
    {NIC_GOTCL, 4, 1, NR_GOTCL},       {NIC_GOTCH, 4, 1, NR_GOTCH},
    {NIC_TPR, 4, 1, NR_TPR},           {NIC_TPT, 4, 1, NR_TPT},
};

struct nic_regref nic_decode(const struct nic *n, uint32_t off)
{
    if (n->chip->type == NIC_82576)
        return decode_banks(igb_banks, sizeof(igb_banks) / sizeof(igb_banks[0]), off);
    struct nic_regref r = decode_banks(ix_banks, sizeof(ix_banks) / sizeof(ix_banks[0]), off);
    unsigned i;
    if (r.r == NR_UNKNOWN && in_bank(off, IX_SRRCTL_MID(16), 0x40, 48, &i))
        r = (struct nic_regref){NR_SRRCTL, 16 + i};
    if (r.r == NR_UNKNOWN && in_bank(off, IX_EITR_HI(24), 4, 40, &i))
        r = (struct nic_regref){NR_EITR, 24 + i};
    return r;
}

/* ---- chip differences ---- */

bool nic_msix_mode(const struct nic *n) { return (n->gpie & NIC_GPIE_MSIX_MODE) != 0; }

sim_time_t nic_eitr_interval(const struct nic *n, unsigned v)
{
    uint32_t val = n->eitr[v];
    if (n->chip->type == NIC_82576) /* bits 14:2, in microseconds (nic-reference 1.1) */
        return (sim_time_t)((val & IGB_EITR_INTERVAL) >> 2) * SIM_PS_PER_US;
    /* 82599: bits 11:3; the register value counts 256 ns (hardware.md: ix_set_eitr) */
    return (sim_time_t)(val & IX_EITR_INTERVAL) * sim_ns(256);
}

bool nic_drop_en(const struct nic *n, const struct nic_rxq *q)
{
    uint32_t bit = n->chip->type == NIC_82576 ? IGB_SRRCTL_DROP_EN : IX_SRRCTL_DROP_EN;
    return (q->srrctl & bit) != 0;
}

uint32_t nic_rx_err_ipe(const struct nic *n)
{
    return n->chip->type == NIC_82576 ? IGB_RXD_ERR_IPE : IX_RXD_ERR_IPE;
}

uint32_t nic_rx_err_tcpe(const struct nic *n)
{
    return n->chip->type == NIC_82576 ? IGB_RXD_ERR_TCPE : IX_RXD_ERR_TCPE;
}

/* The IVAR byte of queue q's RX (type 0) or TX (type 1) cause (nic-reference 1.1). */
static uint32_t ivar_entry(const struct nic *n, unsigned q, int type)
{
    unsigned reg, shift;
    if (n->chip->type == NIC_82576) {
        reg = q & 7;                                  /* queue n and n+8 share a register */
        shift = (q < 8 ? 0 : 16) + 8 * (unsigned)type;
    } else {
        reg = q >> 1;                                 /* queues 2k and 2k+1 share one */
        shift = 16 * (q & 1) + 8 * (unsigned)type;
    }
    if (reg >= 64)
        return 0;
    return (n->ivar[reg] >> shift) & 0xff;
}

void nic_ivar_apply(struct nic *n)
{
    unsigned nq = n->chip->type == NIC_82576 ? 16 : 64;
    for (unsigned q = 0; q < nq; q++) {
        uint32_t rx = ivar_entry(n, q, 0), tx = ivar_entry(n, q, 1);
        n->rxq[q].cause = (rx & NIC_IVAR_VALID) ? (int)(rx & 0x3f) : -1;
        n->txq[q].cause = (tx & NIC_IVAR_VALID) ? (int)(tx & 0x3f) : -1;
    }
}

/* ---- reads ---- */

static uint32_t take(uint32_t *counter)
{
    uint32_t v = *counter;
    *counter = 0;
    return v;
}

static uint32_t read_status(const struct nic *n, enum nic_reg r)
{
    if (r == NR_STATUS)
        return n->chip->type == NIC_82576 && n->link_up ? IGB_STATUS_LU | IGB_STATUS_SPEED_1000
                                                        : 0;
    return n->link_up ? IX_LINKS_UP | IX_LINKS_SPEED_10G : 0; /* NR_LINKS */
}

uint32_t nic_read(struct nic *n, uint32_t off)
{
    struct nic_regref rr = nic_decode(n, off);
    unsigned i = rr.i;
    switch (rr.r) {
    case NR_CTRL: return n->ctrl;
    case NR_STATUS:
    case NR_LINKS: return read_status(n, rr.r);
    case NR_RXEN: return n->rxen;
    case NR_TXEN: return n->txen;
    case NR_GPIE: return n->gpie;
    case NR_EICR: {
        /* Reading EICR returns and clears the causes; with EIAM and no auto-mask on send
         * (GPIE.EIAME clear) it also masks them (nic-reference 3). */
        uint32_t v = (uint32_t)n->eicr;
        n->eicr &= ~(uint64_t)v;
        if (!(n->gpie & NIC_GPIE_EIAME))
            n->eims &= ~(n->eiam & v);
        return v;
    }
    case NR_EIMS: return (uint32_t)n->eims;
    case NR_EIAC: return (uint32_t)n->eiac;
    case NR_EIAM: return (uint32_t)n->eiam;
    case NR_EIMS_EX: return (uint32_t)(n->eims >> (32 * i));
    case NR_EIAM_EX: return (uint32_t)(n->eiam >> (32 * i));
    case NR_EITR: return i < NIC_MAX_VEC ? n->eitr[i] : 0;
    case NR_IVAR: return n->ivar[i];
    case NR_IVAR_MISC: return n->ivar_misc;
    case NR_RXCSUM: return n->rxcsum;
    case NR_MRQC: return n->mrqc;
    case NR_RETA:
        return (uint32_t)n->reta[4 * i] | (uint32_t)n->reta[4 * i + 1] << 8 |
               (uint32_t)n->reta[4 * i + 2] << 16 | (uint32_t)n->reta[4 * i + 3] << 24;
    case NR_RSSRK:
        return (uint32_t)n->key[4 * i] | (uint32_t)n->key[4 * i + 1] << 8 |
               (uint32_t)n->key[4 * i + 2] << 16 | (uint32_t)n->key[4 * i + 3] << 24;
    case NR_RDBAL: return (uint32_t)n->rxq[i].base;
    case NR_RDBAH: return (uint32_t)(n->rxq[i].base >> 32);
    case NR_RDLEN: return n->rxq[i].len;
    case NR_SRRCTL: return n->rxq[i].srrctl;
    case NR_RDH: return n->rxq[i].head;
    case NR_RDT: return n->rxq[i].tail;
    case NR_RXDCTL: return n->rxq[i].rxdctl;
    case NR_QDROP: return take(&n->rxq[i].rqdpc);
    case NR_TDBAL: return (uint32_t)n->txq[i].base;
    case NR_TDBAH: return (uint32_t)(n->txq[i].base >> 32);
    case NR_TDLEN: return n->txq[i].len;
    case NR_TDH: return n->txq[i].head;
    case NR_TDT: return n->txq[i].tail;
    case NR_TXDCTL: return n->txq[i].txdctl;
    case NR_TDWBAL: return n->txq[i].wbal;
    case NR_TDWBAH: return n->txq[i].wbah;
    case NR_MPC: return take(&n->r_mpc);
    case NR_RNBC: return take(&n->r_rnbc);
    case NR_GPRC: return take(&n->r_gprc);
    case NR_GPTC: return take(&n->r_gptc);
    case NR_TPR: return take(&n->r_tpr);
    case NR_TPT: return take(&n->r_tpt);
    case NR_GORCL: return (uint32_t)n->r_gorc; /* low first; the high read clears */
    case NR_GORCH: {
        uint32_t v = (uint32_t)(n->r_gorc >> 32);
        n->r_gorc = 0;
        return v;
    }
    case NR_GOTCL: return (uint32_t)n->r_gotc;
    case NR_GOTCH: {
        uint32_t v = (uint32_t)(n->r_gotc >> 32);
        n->r_gotc = 0;
        return v;
    }
    case NR_EICS:
    case NR_EIMC:
    case NR_EICS_EX:
    case NR_EIMC_EX: return 0; /* write-only */
    case NR_UNKNOWN: break;
    }
    n->st.unknown_reg++;
    return 0;
}

/* ---- writes ---- */

static void write_intr(struct nic *n, enum nic_reg r, unsigned i, uint32_t v)
{
    /* On the 82599, EIMS/EIMC/EIAM bits 15:0 are queue vectors 0..15 and the upper bits
     * are other causes; vectors beyond 15 use the _EX registers. The 82576 has one bit per
     * vector (MSI-X) or per EICR cause (MSI). */
    uint64_t qbits = v, other = 0;
    if (n->chip->type == NIC_82599 && (r == NR_EIMS || r == NR_EIMC)) {
        qbits = v & 0xffffu;
        other = v & 0xffff0000u;
    }
    uint64_t ex = (uint64_t)v << (32 * i);
    switch (r) {
    case NR_EIMS: n->eims |= qbits; n->other_mask |= (uint32_t)other; nic_intr_unmasked(n); break;
    case NR_EIMC: n->eims &= ~qbits; n->other_mask &= ~(uint32_t)other; break;
    case NR_EIMS_EX: n->eims |= ex; nic_intr_unmasked(n); break;
    case NR_EIMC_EX: n->eims &= ~ex; break;
    case NR_EIAC: n->eiac = v; break;
    case NR_EIAM: n->eiam = (n->eiam & ~UINT64_C(0xffffffff)) | v; break;
    case NR_EIAM_EX:
        n->eiam = (n->eiam & ~(UINT64_C(0xffffffff) << (32 * i))) | ex;
        break;
    case NR_EICS: n->eicr |= v; nic_intr_unmasked(n); break;
    case NR_EICS_EX: n->eicr |= ex; nic_intr_unmasked(n); break;
    case NR_EICR: n->eicr &= ~(uint64_t)v; break; /* write 1 to clear */
    default: break;
    }
}

static void write_ring(struct nic *n, enum nic_reg r, unsigned i, uint32_t v)
{
    struct nic_rxq *rq = &n->rxq[i];
    struct nic_txq *tq = &n->txq[i];
    switch (r) {
    case NR_RDBAL: rq->base = (rq->base & ~UINT64_C(0xffffffff)) | (v & ~0x7fu); break;
    case NR_RDBAH: rq->base = (rq->base & 0xffffffffu) | (uint64_t)v << 32; break;
    case NR_RDLEN: rq->len = v & 0xfffff80u; break; /* a multiple of 128 bytes */
    case NR_SRRCTL: rq->srrctl = v; break;
    case NR_RDH: rq->head = v; break;
    case NR_RDT:
        rq->tail = v;
        nic_rx_tail_moved(n, i);
        break;
    case NR_RXDCTL:
        rq->rxdctl = v;
        nic_rx_tail_moved(n, i); /* enabling may unblock the packet buffer */
        break;
    case NR_TDBAL: tq->base = (tq->base & ~UINT64_C(0xffffffff)) | (v & ~0x7fu); break;
    case NR_TDBAH: tq->base = (tq->base & 0xffffffffu) | (uint64_t)v << 32; break;
    case NR_TDLEN: tq->len = v & 0xfffff80u; break;
    case NR_TDH: tq->head = v; break;
    case NR_TDT:
        tq->tail = v;
        nic_tx_kick(n);
        break;
    case NR_TXDCTL:
        tq->txdctl = v;
        nic_tx_kick(n);
        break;
    case NR_TDWBAL: tq->wbal = v; break;
    case NR_TDWBAH: tq->wbah = v; break;
    default: break;
    }
}

void nic_write(struct nic *n, uint32_t off, uint32_t v)
{
    struct nic_regref rr = nic_decode(n, off);
    unsigned i = rr.i;
    switch (rr.r) {
    case NR_CTRL: n->ctrl = v; return;
    case NR_RXEN:
        n->rxen = v;
        for (unsigned q = 0; q < NIC_MAX_Q; q++)
            nic_rx_tail_moved(n, q);
        return;
    case NR_TXEN: n->txen = v; nic_tx_kick(n); return;
    case NR_GPIE: n->gpie = v; return;
    case NR_EICR: case NR_EICS: case NR_EIMS: case NR_EIMC: case NR_EIAC: case NR_EIAM:
    case NR_EICS_EX: case NR_EIMS_EX: case NR_EIMC_EX: case NR_EIAM_EX:
        write_intr(n, rr.r, i, v);
        return;
    case NR_EITR: if (i < NIC_MAX_VEC) n->eitr[i] = v; return;
    case NR_IVAR: n->ivar[i] = v; nic_ivar_apply(n); return;
    case NR_IVAR_MISC: n->ivar_misc = v; return;
    case NR_RXCSUM: n->rxcsum = v; return;
    case NR_MRQC: n->mrqc = v; return;
    case NR_RETA:
        for (int k = 0; k < 4; k++)
            n->reta[4 * i + (unsigned)k] = (uint8_t)(v >> (8 * k));
        return;
    case NR_RSSRK:
        for (int k = 0; k < 4; k++)
            n->key[4 * i + (unsigned)k] = (uint8_t)(v >> (8 * k));
        n->rss_stale = true;
        return;
    case NR_RDBAL: case NR_RDBAH: case NR_RDLEN: case NR_SRRCTL: case NR_RDH: case NR_RDT:
    case NR_RXDCTL: case NR_TDBAL: case NR_TDBAH: case NR_TDLEN: case NR_TDH: case NR_TDT:
    case NR_TXDCTL: case NR_TDWBAL: case NR_TDWBAH:
        write_ring(n, rr.r, i, v);
        return;
    case NR_STATUS: case NR_LINKS: case NR_QDROP: case NR_MPC: case NR_RNBC: case NR_GPRC:
    case NR_GPTC: case NR_GORCL: case NR_GORCH: case NR_GOTCL: case NR_GOTCH: case NR_TPR:
    case NR_TPT:
        return; /* read-only */
    case NR_UNKNOWN: break;
    }
    n->st.unknown_reg++;
}
