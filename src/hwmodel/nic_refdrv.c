/*
 * nic_refdrv.c - the reference driver (see nic_refdrv.h). The init sequence follows
 * DragonFly's igb_init / ix_init as summarised in docs/hw/nic-reference.md sections 3 and 7.
 */
#include "nic_refdrv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hwmodel/cache.h"
#include "hwmodel/mem.h"
#include "hwmodel/prot/nic_desc.h"
#include "hwmodel/prot/nic_prog.h"
#include "hwmodel/prot/nic_regs.h"
#include "hwmodel/toeplitz.h"
#include "sim/panic.h"

#define RX_BUF 2048     /* SRRCTL.BSIZEPKT 2 KB, as both drivers use for standard MTU */
#define WREG_NSEGS 32   /* IGB/IX_DEF_RXWREG_NSEGS: write RDT every 32 descriptors */
#define RING_ALIGN 128  /* IGB/IX_DBA_ALIGN */

struct refdrv_rx {
    struct nic_refdrv *d;
    unsigned q;
    union nic_rx_desc *ring;
    void *ring_mem;
    uint8_t **bufs;
    uint32_t ndesc, next, pending; /* next to check; recycled but RDT not yet written */
    uint64_t frames, frames0;
};

struct refdrv_vec {
    struct nic_refdrv *d;
    unsigned v;
};

struct refdrv_poller {
    struct nic_refdrv *d;
    unsigned cpu;
};

struct nic_refdrv {
    struct nic *n;
    struct hw_host *h;
    struct mem_arena *mem;
    struct nic_refdrv_params p;
    struct nic_plan plan;
    struct refdrv_rx rx[128];
    void *tx_mem[128];
    void *tx_wb;
    struct refdrv_vec vecs[64];
    struct refdrv_poller pollers[1024];
    uint16_t region_ring, region_buf;
    struct nic_prog prog;
};

static bool is_igb(const struct nic_refdrv *d) { return nic_chip(d->n)->type == NIC_82576; }

/* A register write, priced as the CPU's posted MMIO write when a CPU does it. */
static void wr(struct nic_refdrv *d, uint32_t reg, uint32_t val)
{
    if (sim_curthread(hw_host_sim(d->h)))
        hw_mmio_write(d->h);
    nic_write(d->n, reg, val);
}

static uint32_t rd(struct nic_refdrv *d, uint32_t reg)
{
    if (sim_curthread(hw_host_sim(d->h)))
        hw_mmio_read(d->h);
    return nic_read(d->n, reg);
}

static void prog_wr(void *ctx, uint32_t reg, uint32_t val) { wr(ctx, reg, val); }
static uint32_t prog_rd(void *ctx, uint32_t reg) { return rd(ctx, reg); }

/* Memory aligned for the chip; the original pointer is returned in *raw for freeing. */
static void *alloc_aligned(struct nic_refdrv *d, size_t size, uint16_t region, void **raw)
{
    *raw = mem_alloc(d->mem, size + RING_ALIGN, region, 0);
    SIM_ASSERTF(*raw, "%s: host memory exhausted while allocating rings", nic_name(d->n));
    uint64_t pa = mem_paddr(d->mem, *raw);
    uint64_t aligned = (pa + RING_ALIGN - 1) & ~(uint64_t)(RING_ALIGN - 1);
    return mem_vaddr(d->mem, aligned);
}

static uint64_t pa_of(struct nic_refdrv *d, const void *p) { return mem_paddr(d->mem, p); }

/* ---- init ---- */

static void init_rx_ring(struct nic_refdrv *d, unsigned q)
{
    struct refdrv_rx *r = &d->rx[q];
    r->d = d;
    r->q = q;
    r->ndesc = d->p.rx_ring;
    r->ring = alloc_aligned(d, r->ndesc * 16, d->region_ring, &r->ring_mem);
    r->bufs = xcalloc(r->ndesc, sizeof(*r->bufs));
    for (uint32_t i = 0; i < r->ndesc; i++) {
        r->bufs[i] = mem_alloc(d->mem, RX_BUF, d->region_buf, 0);
        SIM_ASSERTF(r->bufs[i], "%s: host memory exhausted (RX buffers)", nic_name(d->n));
        r->ring[i].read.pkt_addr = pa_of(d, r->bufs[i]);
        r->ring[i].read.hdr_addr = 0; /* DD starts clear */
    }
    /* DROP_EN with more than one ring (igb_init_rx_unit / ix_enable_rx_drop) */
    nic_prog_rx_ring(&d->prog, q, pa_of(d, r->ring), r->ndesc, RX_BUF, d->plan.rx_rings > 1);
}

static void init_tx_ring(struct nic_refdrv *d, unsigned q, uint32_t *wb)
{
    void *ring = alloc_aligned(d, d->p.tx_ring * 16, d->region_ring, &d->tx_mem[q]);
    nic_prog_tx_ring(&d->prog, q, pa_of(d, ring), d->p.tx_ring, pa_of(d, wb + q));
}

static void init_rss(struct nic_refdrv *d)
{
    uint8_t key[TOEPLITZ_KEY_LEN];
    toeplitz_sym_key(0x6d, 0x5a, key, sizeof(key)); /* toeplitz_get_key() */
    nic_prog_rss(&d->prog, key, d->plan.reta, d->plan.rx_rings > 1);
}

_Static_assert(NIC_MODE_MSIX == (int)NIC_PROG_MSIX && NIC_MODE_MSI == (int)NIC_PROG_MSI &&
                   NIC_MODE_POLLING == (int)NIC_PROG_POLLING,
               "nic_mode and nic_prog_intr agree");

static void init_intr(struct nic_refdrv *d)
{
    const struct nic_plan *pl = &d->plan;
    nic_prog_intr(&d->prog, (enum nic_prog_intr)pl->mode, pl->rx_rings, pl->rx_vec,
                  pl->tx_rings, pl->tx_vec, pl->nvec, pl->vec_rate);
}

/* ---- service ---- */

/* Take written-back descriptors of ring r, up to `budget`; as igb_rxeof / ix_rxeof. */
static uint32_t rxeof(struct refdrv_rx *r, uint32_t budget)
{
    struct nic_refdrv *d = r->d;
    uint32_t n = 0;
    while (n < budget) {
        union nic_rx_desc *desc = &r->ring[r->next];
        hw_touch(d->h, desc, sizeof(*desc), CACHE_READ); /* invalidated by the chip's DMA */
        if (!(desc->wb.status_error & NIC_RXD_STAT_DD))
            break;
        if (desc->wb.status_error & NIC_RXD_STAT_EOP)
            r->frames++;
        desc->read.pkt_addr = pa_of(d, r->bufs[r->next]);
        desc->read.hdr_addr = 0;
        hw_touch(d->h, desc, sizeof(*desc), CACHE_WRITE);
        uint32_t done = r->next;
        r->next = (r->next + 1) % r->ndesc;
        n++;
        if (++r->pending >= WREG_NSEGS) { /* doorbell batching */
            wr(d, nic_prog_rdt(&d->prog, r->q), done);
            r->pending = 0;
        }
    }
    if (r->pending && n < budget) { /* ring drained: hand back what is left */
        wr(d, nic_prog_rdt(&d->prog, r->q), (r->next + r->ndesc - 1) % r->ndesc);
        r->pending = 0;
    }
    return n;
}

static void msix_handler(void *arg, unsigned cpu)
{
    (void)cpu;
    struct refdrv_vec *vh = arg;
    struct nic_refdrv *d = vh->d;
    for (unsigned i = 0; i < d->plan.rx_rings; i++)
        if (d->plan.rx_vec[i] == (int)vh->v)
            rxeof(&d->rx[i], UINT32_MAX);
    nic_prog_vec_enable(&d->prog, vh->v); /* re-arm (igb_msix_rx / ix_msix_rx) */
}

static void msi_handler(void *arg, unsigned cpu)
{
    (void)cpu;
    struct nic_refdrv *d = arg;
    bool igb = is_igb(d);
    uint32_t eicr = rd(d, igb ? IGB_EICR : IX_EICR);
    for (unsigned i = 0; i < d->plan.rx_rings; i++)
        if (eicr & (1u << d->plan.rx_vec[i]))
            rxeof(&d->rx[i], UINT32_MAX);
    wr(d, igb ? IGB_EIMS : IX_EIMS,
       (uint32_t)nic_prog_intr_mask(NIC_PROG_MSI, 0, d->plan.rx_rings, d->plan.rx_vec,
                                    d->plan.tx_vec[0]));
}

static void poller_main(void *arg)
{
    struct refdrv_poller *pl = arg;
    struct nic_refdrv *d = pl->d;
    struct sim *sim = hw_host_sim(d->h);
    sim_time_t period = SIM_PS_PER_S / d->p.pollhz;
    for (;;) {
        for (unsigned i = 0; i < d->plan.rx_rings; i++)
            if (d->plan.rx_cpu[i] == pl->cpu)
                rxeof(&d->rx[i], d->p.poll_burst);
        sim_sleep(sim, pl, period);
    }
}

static void start_service(struct nic_refdrv *d)
{
    const struct nic_plan *pl = &d->plan;
    struct sim *sim = hw_host_sim(d->h);
    char name[96];
    if (pl->mode == NIC_MODE_MSIX) {
        for (unsigned v = 0; v < pl->nvec; v++) {
            d->vecs[v] = (struct refdrv_vec){d, v};
            snprintf(name, sizeof(name), "%s-msix%u", nic_name(d->n), v);
            struct hw_irq *irq = hw_irq_create(d->h, name, pl->vec_cpu[v], msix_handler, &d->vecs[v]);
            nic_msix_bind(d->n, v, irq);
        }
    } else if (pl->mode == NIC_MODE_MSI) {
        snprintf(name, sizeof(name), "%s-msi", nic_name(d->n));
        nic_msix_bind(d->n, 0, hw_irq_create(d->h, name, 0, msi_handler, d));
    } else {
        int cat = sim_category(sim, "netisr");
        for (unsigned c = 0; c < hw_ncpus(d->h) && c < 1024; c++) {
            bool has = false;
            for (unsigned i = 0; i < pl->rx_rings; i++)
                has |= pl->rx_cpu[i] == c;
            if (!has)
                continue;
            d->pollers[c] = (struct refdrv_poller){d, c};
            snprintf(name, sizeof(name), "%s-poll%u", nic_name(d->n), c);
            struct sim_thread_params tp = {.name = name, .pri = SIM_PRI_SOFT_NORM,
                                           .category = cat, .fn = poller_main,
                                           .arg = &d->pollers[c]};
            sim_thread_start(sim, sim_thread_create(sim, hw_cpu(d->h, c), &tp));
        }
    }
}

struct nic_refdrv *nic_refdrv_create(struct nic *n, const struct nic_refdrv_params *p)
{
    struct nic_refdrv *d = xcalloc(1, sizeof(*d));
    d->n = n;
    d->h = nic_host(n);
    d->mem = hw_mem(d->h);
    SIM_ASSERTF(d->mem, "%s: its host has no memory arena", nic_name(n));
    d->p = *p;
    d->plan = *p->plan;
    d->region_ring = mem_region(d->mem, "nic.ring");
    d->region_buf = mem_region(d->mem, "nic.rxbuf");
    d->prog = (struct nic_prog){.igb = is_igb(d), .ctx = d, .wr = prog_wr, .rd = prog_rd};
    for (unsigned q = 0; q < d->plan.rx_rings; q++)
        init_rx_ring(d, q);
    d->tx_wb = mem_alloc(d->mem, 128 * sizeof(uint32_t), d->region_ring, 0);
    for (unsigned q = 0; q < d->plan.tx_rings; q++)
        init_tx_ring(d, q, d->tx_wb);
    init_rss(d);
    init_intr(d);
    if (p->service == NIC_SERVICE_DRAIN)
        start_service(d);
    nic_prog_start(&d->prog, d->plan.rx_rings, d->p.rx_ring);
    return d;
}

void nic_refdrv_destroy(struct nic_refdrv *d)
{
    if (!d)
        return;
    for (unsigned q = 0; q < d->plan.rx_rings; q++)
        free(d->rx[q].bufs); /* the arena itself goes with the host */
    free(d);
}

uint64_t nic_refdrv_rx(const struct nic_refdrv *d, unsigned q)
{
    return q < 128 ? d->rx[q].frames - d->rx[q].frames0 : 0;
}

void nic_refdrv_measure_start(struct nic_refdrv *d)
{
    for (unsigned q = 0; q < 128; q++)
        d->rx[q].frames0 = d->rx[q].frames;
}
