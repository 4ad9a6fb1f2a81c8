/*
 * nic_refdrv.h - a reference driver for the NIC models, standing in until the stack's own
 * igb and ix drivers arrive (they are stack code and reach the chip only through kern.h).
 *
 * It brings a chip up the way DragonFly's igb_init / ix_init do, register by register:
 * descriptor rings and 2 KB receive buffers in host memory, the symmetric RSS key, the
 * redirection table and MRQC (IPv4 and IPv4+TCP hashing), receive-checksum offload,
 * DROP_EN when more than one ring is used, the IVAR map, EITR per vector, GPIE, EIAC,
 * EIAM and EIMS, all from a nic_plan. Then, if asked to "drain", it services the receive
 * rings as the drivers' rxeof does - in each vector's interrupt handler (MSI-X), in the one
 * MSI handler, or from a per-CPU poller at pollhz (polling) - reading each written-back
 * descriptor (a priced memory touch: the chip's DMA just invalidated it), recycling it, and
 * writing RDT every 32 descriptors (doorbell batching, IGB/IX_DEF_RXWREG_NSEGS). It does
 * not pass packets on: there is no stack yet. With "none" nobody services the rings, so
 * they fill and the chip's drop behaviour shows.
 */
#ifndef MPSTACK_HWMODEL_NIC_REFDRV_H
#define MPSTACK_HWMODEL_NIC_REFDRV_H

#include <stdbool.h>
#include <stdint.h>

#include "hwmodel/nic.h"

enum nic_service { NIC_SERVICE_NONE, NIC_SERVICE_DRAIN };

struct nic_refdrv_params {
    const struct nic_plan *plan;
    unsigned rx_ring, tx_ring;   /* descriptors per ring */
    enum nic_service service;
    uint32_t pollhz;             /* polling frequency (DragonFly: 6000) */
    uint32_t poll_burst;         /* descriptors per ring per poll (DragonFly: 250) */
};

struct nic_refdrv;

struct nic_refdrv *nic_refdrv_create(struct nic *n, const struct nic_refdrv_params *p);
void nic_refdrv_destroy(struct nic_refdrv *d);

/* Frames the driver took from ring q since the start of measurement. */
uint64_t nic_refdrv_rx(const struct nic_refdrv *d, unsigned q);
void nic_refdrv_measure_start(struct nic_refdrv *d);

#endif
