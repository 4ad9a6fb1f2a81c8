/*
 * nic.h - register-level models of the Intel 82576 (1 GbE, igb) and 82599 (10 GbE, ix).
 *
 * The boundary with the driver is the real one: 32-bit registers at the chips' offsets
 * (prot/nic_regs.h) and descriptor rings in host memory (prot/nic_desc.h), written and read
 * by DMA. What the model does, with the source of each behaviour in
 * docs/hw/nic-reference.md:
 *
 *  receive   a frame from the link is classified (IPv4, TCP, UDP), hashed with Toeplitz
 *            over the types MRQC enables, steered through the 128-entry redirection table
 *            to a queue, copied by DMA into the buffer of the descriptor at RDH (invalidating
 *            cached copies, or into the LLC with DDIO), and the descriptor is written back
 *            (DD, EOP, length, RSS hash and type, checksum status) dma_latency later; RDH
 *            advances and the queue's interrupt cause is set (section 3). With no free
 *            descriptor (RDH == RDT) a queue with SRRCTL.DROP_EN drops the frame (per-queue
 *            count RQDPC / QPRDC); otherwise the frame waits in the on-chip packet buffer
 *            (64 KB / 512 KB), blocking the queues behind it, and is missed (MPC) when the
 *            buffer is full (section 4);
 *  transmit  a TDT write hands descriptors to the chip; it fetches them and the buffers
 *            after dma_latency, applies IPv4/TCP/UDP checksum insertion from a context
 *            descriptor, sends the frame at line rate (the link serialises it), and writes
 *            back DD, or the head with TDWBAL head write-back, for descriptors with RS;
 *  interrupts each queue cause maps through IVAR to an EICR bit, which is an MSI-X vector
 *            in MSI-X mode or part of the single MSI message otherwise. A vector's EITR
 *            interval is measured from its previous interrupt: a cause within the interval
 *            waits for it to end (section 3). EIAC auto-clears and EIAM (with GPIE.EIAME)
 *            auto-masks on sending; the driver re-enables through EIMS (EIMS_EX on the
 *            82599). Masked causes stay pending and fire when unmasked;
 *  statistics GPRC, GPTC, GORC, GOTC, TPR, TPT, MPC, RNBC, RQDPC/QPRDC, clear on read.
 *
 * Capabilities: RX IPv4 and TCP/UDP checksum checking, TX checksum insertion, TSO and LRO
 * are reported as the chips have them (LRO/RSC: 82599 only). TSO and RSC are flags only:
 * the model rejects a TSO descriptor (counted) rather than segmenting.
 *
 * Not modelled: VLAN filtering and stripping, flow control, VMDq and DCB, flow director,
 * the exact 82599 reset thresholds, legacy (non-advanced) descriptors.
 */
#ifndef MPSTACK_HWMODEL_NIC_H
#define MPSTACK_HWMODEL_NIC_H

#include <stdbool.h>
#include <stdint.h>

#include "hwmodel/hw.h"
#include "hwmodel/wire.h"

enum nic_type { NIC_82576 = 0, NIC_82599 = 1 };

/* What a chip is: limits and capabilities (hardware.md sections 1 and 2). */
struct nic_chip {
    enum nic_type type;
    const char *name;
    const char *driver;        /* DragonFly's driver for it */
    uint64_t link_bps;
    unsigned rx_queues, tx_queues;
    unsigned rss_queues;       /* queues RSS can spread over */
    unsigned msix_vectors;
    unsigned reta_size;
    unsigned max_txrings_df;   /* TX rings DragonFly's driver may use */
    uint32_t rx_pb_bytes;      /* on-chip receive packet buffer */
    unsigned ring_min, ring_max, ring_default; /* descriptors, DragonFly's limits */
    uint32_t rx_rate_msix, tx_rate_msix, rate_msi; /* DragonFly interrupt-rate defaults */
    bool cap_rxcsum, cap_txcsum, cap_tso, cap_lro;
};

extern const struct nic_chip nic_chips[2];
const struct nic_chip *nic_chip_find(const char *name);

struct nic;

struct nic_params {
    const char *name;
    const struct nic_chip *chip;
    struct hw_host *host;
    unsigned socket;           /* where its PCIe root port is (DDIO target) */
};

struct nic *nic_create(struct sim *sim, struct frame_pool *pool, const struct nic_params *p);
void nic_destroy(struct nic *n);
/* Write every frame the port receives from or sends to its link into w (the caller owns w
 * and closes it after the run); NULL stops. */
struct pcap_writer;
void nic_capture(struct nic *n, struct pcap_writer *w);
const char *nic_name(const struct nic *n);
const struct nic_chip *nic_chip(const struct nic *n);
struct hw_host *nic_host(const struct nic *n);

/* Plug into side `side` of link l (its rate must not exceed the chip's). The link comes up
 * at once, which raises the link-status cause. */
void nic_attach(struct nic *n, struct link *l, int side);

/* Register access, as a driver's bus_space reads and writes do. Unknown offsets read 0 and
 * ignore writes (counted). These are the chip's side; drivers should charge the CPU with
 * hw_mmio_write()/hw_mmio_read(). */
uint32_t nic_read(struct nic *n, uint32_t reg);
void nic_write(struct nic *n, uint32_t reg, uint32_t val);

/* The OS's programming of MSI-X table entry `vector`: where its message goes. In MSI mode
 * entry 0 is the MSI message. */
void nic_msix_bind(struct nic *n, unsigned vector, struct hw_irq *irq);

/* Counters kept by the model for reports (never cleared by register reads). */
/* All fields are uint64_t: nic_stats_window() subtracts them field by field. */
struct nic_stats {
    uint64_t rx_frames, rx_bytes;      /* delivered to a queue */
    uint64_t rx_drop_no_desc;          /* DROP_EN queue had no descriptor */
    uint64_t rx_missed;                /* packet buffer full (MPC) */
    uint64_t rx_no_buf_events;         /* a frame found no descriptor (RNBC) */
    uint64_t rx_drop_disabled;         /* receiver or queue not enabled */
    uint64_t rx_drop_length;           /* runt or oversize */
    uint64_t rx_bad_desc;              /* descriptor with a zero buffer address */
    uint64_t tx_frames, tx_bytes;
    uint64_t tx_rejected;              /* TSO or malformed descriptors */
    uint64_t interrupts;               /* messages sent */
    uint64_t unknown_reg;
};

const struct nic_stats *nic_stats(const struct nic *n);   /* since creation */
/* Since nic_measure_start(): the measured window. */
void nic_stats_window(const struct nic *n, struct nic_stats *out);
uint64_t nic_rx_queue_frames(const struct nic *n, unsigned q);
uint64_t nic_rx_queue_drops(const struct nic *n, unsigned q);
uint64_t nic_vector_interrupts(const struct nic *n, unsigned v);
/* Frames held by the chip (packet buffer, DMA in progress, TX in progress). */
size_t nic_frames_held(const struct nic *n);
void nic_measure_start(struct nic *n);

/* ---- the drivers' configuration rules ---- */

enum nic_mode { NIC_MODE_MSIX, NIC_MODE_MSI, NIC_MODE_POLLING };

/* How DragonFly's igb and ix drivers lay out rings, vectors and CPUs for a chip (hardware.md
 * sections 1 and 2): one MSI-X vector kept for link status; ring counts capped by the
 * vectors left (MSI-X), the chip and the netisr CPUs, and rounded down to a power of two in
 * the 2016-era drivers (if_ring_count2), so an 82576 uses 8 rings with MSI-X and 16 with
 * polling on 16 CPUs; MSI uses 2 RX rings and 1 TX ring. Ring i runs on CPU i. A TX ring
 * whose CPU has an RX ring shares that ring's vector. */
struct nic_plan {
    enum nic_mode mode;
    unsigned rx_rings, tx_rings;
    unsigned rx_cpu[128], tx_cpu[128];
    int rx_vec[128], tx_vec[128];      /* -1 when polling */
    unsigned nvec;                     /* MSI-X vectors used (or 1 for MSI, 0 for polling) */
    int sts_vec;                       /* link-status vector, -1 if none */
    unsigned vec_cpu[64];
    uint32_t vec_rate[64];             /* interrupts per second allowed (EITR) */
    uint8_t reta[128];
};

void nic_plan_dragonfly(const struct nic_chip *chip, unsigned ncpus, enum nic_mode mode,
                        bool pow2, struct nic_plan *out);
/* The same with at most rx_max RX rings (0: no cap), as the rxr tunables set. */
void nic_plan_dragonfly_rx(const struct nic_chip *chip, unsigned ncpus, unsigned rx_max,
                           enum nic_mode mode, bool pow2, struct nic_plan *out);

#endif
