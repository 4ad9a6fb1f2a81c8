/*
 * nic_var.h - the NIC model's internal state, shared by nic.c (receive, transmit,
 * interrupts) and nic_regs.c (the chips' register files).
 *
 * Ownership: everything here is the device's own state, changed only by device events and
 * by register accesses [E]. Descriptor rings and buffers live in host memory and are
 * shared with the driver through DMA, as on real hardware.
 */
#ifndef MPSTACK_HWMODEL_NIC_VAR_H
#define MPSTACK_HWMODEL_NIC_VAR_H

#include "hwmodel/nic.h"
#include "hwmodel/toeplitz.h"

#define NIC_MAX_Q 128
#define NIC_MAX_VEC 64

struct nic_rxq {
    uint64_t base;        /* RDBAL/RDBAH: ring address */
    uint32_t len;         /* RDLEN: bytes */
    uint32_t head, tail;  /* RDH, RDT, in descriptors */
    uint32_t srrctl, rxdctl;
    int cause;            /* EICR bit from IVAR, -1 when unmapped */
    uint32_t rqdpc;       /* clear-on-read drop counter */
    uint64_t frames, drops;
};

struct nic_txq {
    uint64_t base;
    uint32_t len;
    uint32_t head, tail;
    uint32_t txdctl;
    uint32_t wbal, wbah;  /* TDWBAL/H: head write-back */
    int cause;
    /* the last context descriptor */
    uint32_t ctx_maclen, ctx_iplen, ctx_tucmd;
    uint64_t frames;
};

/* A received frame whose DMA is in progress. */
struct nic_dma {
    struct nic_dma *next;
    struct frame *f;
    unsigned q;
    uint32_t first, ndesc; /* descriptors it uses */
    uint32_t status;       /* checksum status and errors for the EOP write-back */
    uint32_t hash;
    uint16_t pkt_info;
    sim_time_t done;
};

/* A register the chips share, decoded from an offset. */
enum nic_reg {
    NR_UNKNOWN,
    NR_CTRL, NR_STATUS, NR_LINKS, NR_RXEN, NR_TXEN, NR_GPIE,
    NR_EICR, NR_EICS, NR_EIMS, NR_EIMC, NR_EIAC, NR_EIAM,
    NR_EICS_EX, NR_EIMS_EX, NR_EIMC_EX, NR_EIAM_EX,
    NR_EITR, NR_IVAR, NR_IVAR_MISC,
    NR_RXCSUM, NR_MRQC, NR_RETA, NR_RSSRK,
    NR_RDBAL, NR_RDBAH, NR_RDLEN, NR_SRRCTL, NR_RDH, NR_RDT, NR_RXDCTL, NR_QDROP,
    NR_TDBAL, NR_TDBAH, NR_TDLEN, NR_TDH, NR_TDT, NR_TXDCTL, NR_TDWBAL, NR_TDWBAH,
    NR_MPC, NR_RNBC, NR_GPRC, NR_GPTC, NR_GORCL, NR_GORCH, NR_GOTCL, NR_GOTCH, NR_TPR, NR_TPT,
};

/* The argument of a vector's deferred-send event. */
struct nic_vecslot {
    struct nic *n;
    unsigned v;
};

struct nic_regref {
    enum nic_reg r;
    unsigned i; /* queue, vector or table index */
};

struct nic {
    struct pcap_writer *capture; /* every frame in and out of the port, or NULL */
    struct sim *sim;
    struct frame_pool *pool;
    char name[64];
    const struct nic_chip *chip;
    struct hw_host *host;
    unsigned socket;
    struct link *link;
    int side;
    bool link_up;
    /* global control */
    uint32_t ctrl, gpie, rxen, txen, rxcsum, mrqc;
    /* RSS */
    uint8_t reta[128];
    uint8_t key[TOEPLITZ_KEY_LEN];
    struct toeplitz_table *rss;
    bool rss_stale;
    /* interrupts: bit b of the masks is EICR bit b (an MSI-X vector in MSI-X mode) */
    uint64_t eicr, eims, eiac, eiam;
    uint32_t other_mask;         /* 82599 EIMS bits 31:16 (non-queue causes) */
    uint32_t ivar[64], ivar_misc;
    uint32_t eitr[NIC_MAX_VEC];
    sim_time_t next_ok[NIC_MAX_VEC];  /* end of the vector's moderation interval */
    sim_event_id send_ev[NIC_MAX_VEC];
    struct nic_vecslot vslot[NIC_MAX_VEC];
    struct hw_irq *msix[NIC_MAX_VEC];
    uint64_t vec_count[NIC_MAX_VEC];
    /* queues */
    struct nic_rxq rxq[NIC_MAX_Q];
    struct nic_txq txq[NIC_MAX_Q];
    /* receive path: packet buffer, then DMA */
    struct frame *pb_head, *pb_tail;
    uint32_t pb_bytes;
    size_t pb_frames;
    struct nic_dma *dma_head, *dma_tail, *dma_free;
    size_t dma_n;
    /* transmit engine */
    bool tx_busy;
    unsigned tx_rr;
    /* clear-on-read statistics registers */
    uint32_t r_mpc, r_rnbc, r_gprc, r_gptc, r_tpr, r_tpt;
    uint64_t r_gorc, r_gotc;
    struct nic_stats st, st0;
    uint64_t q_frames0[NIC_MAX_Q], q_drops0[NIC_MAX_Q], vec0[NIC_MAX_VEC];
};

/* nic_regs.c: the chips' register maps. */
struct nic_regref nic_decode(const struct nic *n, uint32_t off);
/* Interval of vector v's EITR, in ps. */
sim_time_t nic_eitr_interval(const struct nic *n, unsigned v);
/* Recompute every queue's cause bit from the IVAR registers. */
void nic_ivar_apply(struct nic *n);
bool nic_drop_en(const struct nic *n, const struct nic_rxq *q);
uint32_t nic_rx_err_ipe(const struct nic *n);
uint32_t nic_rx_err_tcpe(const struct nic *n);
bool nic_msix_mode(const struct nic *n);

/* nic.c: actions the register file triggers. */
void nic_rx_tail_moved(struct nic *n, unsigned q);
void nic_tx_kick(struct nic *n);
void nic_intr_unmasked(struct nic *n);

#endif
