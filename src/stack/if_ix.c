/*
 * if_ix.c - the igb/ix driver (see if_ix.h). Register programming follows the reference
 * sequence of docs/hw/nic-reference.md sections 3 and 7 (DragonFly igb_init / ix_init).
 */
#include "stack/if_ix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hwmodel/prot/nic_desc.h"
#include "hwmodel/prot/nic_prog.h"
#include "hwmodel/prot/nic_regs.h"
#include "hwmodel/toeplitz.h" /* key derivation only: pure computation */
#include "prot/ether.h"
#include "stack/ether.h"
#include "stack/if.h"
#include "stack/ifpoll.h"
#include "stack/mbuf.h"
#include "stack/netisr.h"

#define RXWREG_NSEGS 32 /* IX_DEF_RXWREG_NSEGS / IGB_DEF_RXWREG_NSEGS */
/* Descriptors a start keeps free: room for the longest scatter list (IX_MAX_SCATTER 33) and
 * IX_TX_RESERVED (3: a context descriptor, 2 spare); igb's are the same (IGB_MAX_SCATTER 33,
 * IGB_TX_RESERVED 3). Below this the ring is oactive until the TX completion reclaims. */
#define TX_RESERVE (33 + 3)
#define TXWREG_NSEGS 8  /* IX_DEF_TXWREG_NSEGS */
#define RING_ALIGN 128
#define NBATCH (KERNEL_MAXCPU * 3)

struct ix_rxr {
    struct ix_softc *sc;
    unsigned q, cpu;
    union nic_rx_desc *ring;   /* [c] with the chip */
    void *ring_mem;
    struct mbuf **mbufs;       /* [c] */
    uint32_t ndesc, next, pending;
    struct ix_batch *batch;    /* [c] handoff batches of this ring's rxeof */
};

/* Packets gathered per target (cpu, thread) during one rxeof pass (HANDOFF_BATCH). Per
 * ring, since rings are serviced concurrently on their own CPUs. */
struct ix_batch {
    struct mbuf *head[NBATCH], *tail[NBATCH];
    uint16_t used[NBATCH];
    unsigned nused;
};

struct ix_txr {
    struct ix_softc *sc;
    unsigned q, cpu;
    union nic_tx_desc *ring;   /* [c] with the chip */
    void *ring_mem;
    struct mbuf **mbufs;       /* [c] */
    uint32_t ndesc, next, clean, avail, pending, since_rs, intr_nsegs;
    uint32_t *head_wb;         /* written by the chip */
    struct spinlock *ser;      /* the ring's serializer (tx_serialize), on its own line: every
                                  use of the ring from any CPU holds it */
};

struct ix_vec {
    struct ix_softc *sc;
    unsigned v;
};

struct ix_softc {
    struct kernel *k;
    struct kern_dev *dev;
    struct ifnet *ifp;
    bool igb;
    struct ix_attach_args a;
    struct ix_rxr rx[128];
    struct ix_txr tx[128];
    uint32_t *tx_wb;
    struct ix_vec vecs[64];
    struct ix_stats st;        /* [E] */
    struct nic_prog prog;
};

static const struct if_ops ix_ops;

static void wr(struct ix_softc *sc, uint32_t reg, uint32_t val) { kern_dev_write(sc->dev, reg, val); }
static uint32_t rd(struct ix_softc *sc, uint32_t reg) { return kern_dev_read(sc->dev, reg); }
static void prog_wr(void *ctx, uint32_t reg, uint32_t val) { wr(ctx, reg, val); }
static uint32_t prog_rd(void *ctx, uint32_t reg) { return rd(ctx, reg); }

static void *alloc_aligned(struct ix_softc *sc, size_t size, unsigned cpu, void **raw)
{
    struct kern_machine *km = sc->k->k_mach;
    *raw = kern_alloc(km, size + RING_ALIGN, sc->k->r_ring, cpu);
    if (!*raw)
        return NULL;
    uint64_t pa = kern_paddr(km, *raw);
    return kern_vaddr(km, (pa + RING_ALIGN - 1) & ~(uint64_t)(RING_ALIGN - 1));
}

/* ---- bring-up ---- */

static int init_rx_ring(struct ix_softc *sc, unsigned q)
{
    struct ix_rxr *r = &sc->rx[q];
    struct kernel *k = sc->k;
    r->sc = sc;
    r->q = q;
    r->cpu = sc->a.rx_cpu[q];
    r->ndesc = sc->a.rx_ndesc;
    r->ring = alloc_aligned(sc, r->ndesc * sizeof(union nic_rx_desc), r->cpu, &r->ring_mem);
    r->mbufs = calloc(r->ndesc, sizeof(*r->mbufs));
    r->batch = calloc(1, sizeof(*r->batch));
    if (!r->ring || !r->mbufs || !r->batch)
        return -1;
    for (uint32_t i = 0; i < r->ndesc; i++) {
        struct mbuf *m = m_getcl(k);
        if (!m)
            return -1;
        m->m_where = MW_RXRING;
        r->mbufs[i] = m;
        r->ring[i].read.pkt_addr = kern_paddr(k->k_mach, m->m_data);
        r->ring[i].read.hdr_addr = 0;
    }
    /* DROP_EN with more than one ring, as igb_init_rx_unit / ix_enable_rx_drop do */
    nic_prog_rx_ring(&sc->prog, q, kern_paddr(k->k_mach, r->ring), r->ndesc, MCLBYTES,
                     sc->a.rx_rings > 1);
    return 0;
}

static int init_tx_ring(struct ix_softc *sc, unsigned q)
{
    struct ix_txr *t = &sc->tx[q];
    struct kern_machine *km = sc->k->k_mach;
    t->sc = sc;
    t->q = q;
    t->cpu = sc->a.tx_cpu[q];
    t->ndesc = t->avail = sc->a.tx_ndesc;
    t->intr_nsegs = t->ndesc / 16; /* ix: tx_intr_nsegs = ndesc / 16 */
    t->ring = alloc_aligned(sc, t->ndesc * sizeof(union nic_tx_desc), t->cpu, &t->ring_mem);
    t->mbufs = calloc(t->ndesc, sizeof(*t->mbufs));
    t->ser = kern_alloc(km, 64, sc->k->r_ring, t->cpu);
    if (!t->ring || !t->mbufs || !t->ser)
        return -1;
    t->head_wb = &sc->tx_wb[q * 16]; /* one line each */
    nic_prog_tx_ring(&sc->prog, q, kern_paddr(km, t->ring), t->ndesc, kern_paddr(km, t->head_wb));
    return 0;
}

static void init_rss(struct ix_softc *sc)
{
    uint8_t key[TOEPLITZ_KEY_LEN];
    if (sc->k->k_cfg.hash == HASH_TOEPLITZ)
        memcpy(key, toeplitz_ms_key, sizeof(key));
    else
        toeplitz_sym_key(0x6d, 0x5a, key, sizeof(key)); /* toeplitz_get_key() */
    nic_prog_rss(&sc->prog, key, sc->a.reta, sc->a.rx_rings > 1);
}

_Static_assert(IX_MODE_MSIX == (int)NIC_PROG_MSIX && IX_MODE_MSI == (int)NIC_PROG_MSI &&
                   IX_MODE_POLLING == (int)NIC_PROG_POLLING,
               "ix_mode and nic_prog_intr agree");

static void init_intr(struct ix_softc *sc)
{
    nic_prog_intr(&sc->prog, (enum nic_prog_intr)sc->a.mode, sc->a.rx_rings, sc->a.rx_vec,
                  sc->a.tx_rings, sc->a.tx_vec, sc->a.nvec, sc->a.vec_rate);
}

/* ---- receive ---- */

static void batch_add(struct ix_batch *bt, struct mbuf *m, unsigned cpu, enum netisr_thread t)
{
    unsigned b = cpu * 3 + (unsigned)t;
    if (!bt->head[b]) {
        bt->head[b] = m;
        bt->used[bt->nused++] = (uint16_t)b;
    } else {
        bt->tail[b]->m_nextpkt = m;
    }
    bt->tail[b] = m;
    m->m_nextpkt = NULL;
}

static void batch_flush(struct ix_softc *sc, struct ix_batch *bt)
{
    unsigned n = bt->nused;
    bt->nused = 0;
    for (unsigned i = 0; i < n; i++) {
        unsigned b = bt->used[i];
        struct mbuf *m = bt->head[b];
        bt->head[b] = bt->tail[b] = NULL;
        ether_dispatch(sc->k, m, b / 3, (enum netisr_thread)(b % 3));
    }
}

/* One received frame in mbuf m (not yet replaced in the ring): set it up and pass it on. */
static void rx_packet(struct ix_softc *sc, struct ix_rxr *r, struct mbuf *m,
                      const union nic_rx_desc *d)
{
    struct kernel *k = sc->k;
    struct ifnet *ifp = sc->ifp;
    uint32_t status = d->wb.status_error;
    m->m_where = MW_STACK;
    m->m_len = m->m_pkthdr.len = d->wb.length;
    m->m_pkthdr.rcvif = ifp;
    m->m_nextpkt = NULL;
    if ((d->wb.pkt_info & 0xfu) != NIC_RSSTYPE_NONE) {
        m->m_pkthdr.hash = d->wb.rss;
        m->m_flags |= M_HASH;
    }
    if (status & NIC_RXD_STAT_IPCS) {
        m->m_pkthdr.csum_flags |= CSUM_IP_CHECKED;
        if (!(status & (sc->igb ? IGB_RXD_ERR_IPE : IX_RXD_ERR_IPE)))
            m->m_pkthdr.csum_flags |= CSUM_IP_VALID;
    }
    IFNET_STAT_INC(ifp, ipackets, 1);
    IFNET_STAT_INC(ifp, ibytes, (uint64_t)m->m_len);
    sc->st.rx_packets++;
    enum netisr_thread t;
    int cpu = ether_input_classify(ifp, m, &t);
    if (cpu < 0)
        return;
    if (k->k_cfg.handoff == HANDOFF_BATCH)
        batch_add(r->batch, m, (unsigned)cpu, t);
    else
        ether_dispatch(k, m, (unsigned)cpu, t);
}

uint32_t ix_rxeof(struct ix_softc *sc, unsigned q, uint32_t budget)
{
    struct ix_rxr *r = &sc->rx[q];
    struct kernel *k = sc->k;
    struct kern_machine *km = k->k_mach;
    uint32_t n = 0;
    while (n < budget) {
        union nic_rx_desc *d = &r->ring[r->next];
        kern_touch(km, d, sizeof(*d), KT_READ); /* the chip's write-back invalidated it */
        if (!(d->wb.status_error & NIC_RXD_STAT_DD))
            break;
        kern_charge_op(km, KOP_rxeof_desc, 1);
        union nic_rx_desc wb = *d;
        struct mbuf *m = r->mbufs[r->next];
        struct mbuf *nm = m_getcl(k);
        bool bad = !(wb.wb.status_error & NIC_RXD_STAT_EOP) || wb.wb.length == 0 ||
                   wb.wb.length > m->m_ext_size;
        if (!nm) {
            IFNET_STAT_INC(sc->ifp, iqdrops, 1);
            kernel_drop_count(k, DROP_nombuf); /* the frame is lost, its cluster re-posted */
            nm = m;
        } else {
            nm->m_where = MW_RXRING;
            r->mbufs[r->next] = nm;
            if (bad) {
                IFNET_STAT_INC(sc->ifp, ierrors, 1);
                m->m_where = MW_STACK;
                kernel_drop(k, m, DROP_rx_error);
            } else {
                rx_packet(sc, r, m, &wb);
            }
        }
        d->read.pkt_addr = kern_paddr(km, nm->m_data);
        d->read.hdr_addr = 0;
        kern_touch(km, d, sizeof(*d), KT_WRITE);
        uint32_t done = r->next;
        r->next = (r->next + 1) % r->ndesc;
        n++;
        if (++r->pending >= RXWREG_NSEGS) {
            wr(sc, nic_prog_rdt(&sc->prog, q), done);
            sc->st.rx_doorbells++;
            r->pending = 0;
        }
    }
    if (r->pending && n < budget) {
        wr(sc, nic_prog_rdt(&sc->prog, q), (r->next + r->ndesc - 1) % r->ndesc);
        sc->st.rx_doorbells++;
        r->pending = 0;
    }
    if (r->batch->nused)
        batch_flush(sc, r->batch);
    return n;
}

/* ---- transmit ---- */

static struct ifaltq_subque *subq_of(struct ix_softc *sc, unsigned q)
{
    return q < sc->ifp->if_snd_cnt ? sc->ifp->if_snd[q] : NULL;
}

/* Reclaim what the chip has sent (its head write-back), with the ring's serializer held; the
 * ring is no longer oactive once it has room for the longest packet again. */
static void ix_txeof(struct ix_txr *t)
{
    struct ix_softc *sc = t->sc;
    struct kern_machine *km = sc->k->k_mach;
    kern_touch(km, t->head_wb, sizeof(*t->head_wb), KT_READ); /* written by the chip */
    uint32_t head = *t->head_wb;
    while (t->clean != head) {
        kern_charge_op(km, KOP_txeof_desc, 1);
        struct mbuf *m = t->mbufs[t->clean];
        t->mbufs[t->clean] = NULL;
        if (m) {
            m->m_where = MW_STACK;
            m_freem(sc->k, m);
        }
        t->clean = (t->clean + 1) % t->ndesc;
        t->avail++;
    }
    struct ifaltq_subque *sq = subq_of(sc, t->q);
    if (sq && t->avail > TX_RESERVE && ifsq_is_oactive(km, sq))
        ifsq_set_oactive(km, sq, false);
}

static void tx_doorbell(struct ix_txr *t)
{
    struct ix_softc *sc = t->sc;
    wr(sc, nic_prog_tdt(&sc->prog, t->q), t->next);
    sc->st.tx_doorbells++;
    t->pending = 0;
}

static void ix_encap(struct ix_txr *t, struct mbuf *m)
{
    struct ix_softc *sc = t->sc;
    struct kern_machine *km = sc->k->k_mach;
    kern_charge_op(km, KOP_encap, 1);
    kern_touch(km, m, sizeof(*m), KT_READ);
    union nic_tx_desc *d = &t->ring[t->next];
    uint32_t cmd = NIC_TXD_DTYP_DATA | NIC_TXD_CMD_DEXT | NIC_TXD_CMD_IFCS | NIC_TXD_CMD_EOP;
    if (++t->since_rs >= t->intr_nsegs) {
        cmd |= NIC_TXD_CMD_RS;
        t->since_rs = 0;
    }
    kern_touch(km, d, sizeof(*d), KT_WRITE);
    d->data.buffer_addr = kern_paddr(km, m->m_data);
    d->data.cmd_type_len = cmd | ((uint32_t)m->m_len & NIC_TXD_DTALEN);
    d->data.olinfo_status = (uint32_t)m->m_pkthdr.len << NIC_TXD_PAYLEN_SHIFT;
    t->mbufs[t->next] = m;
    m->m_where = MW_TXRING;
    t->next = (t->next + 1) % t->ndesc;
    t->avail--;
    IFNET_STAT_INC(sc->ifp, opackets, 1);
    IFNET_STAT_INC(sc->ifp, obytes, (uint64_t)m->m_pkthdr.len);
    sc->st.tx_packets++;
    if (++t->pending >= TXWREG_NSEGS)
        tx_doorbell(t);
}

static struct ix_txr *txr_of(struct ix_softc *sc, const struct ifaltq_subque *sq)
{
    return &sc->tx[sq->index % sc->a.tx_rings];
}

/* ix_start: with the ring's serializer held (ifsq_ifstart_try on whichever CPU queued the
 * packet, the owner's start message, or the TX completion's ifsq_devstart). Posts packets
 * while the queue has some and the ring has room for the longest scatter list; then it
 * marks the subqueue oactive and leaves the reclaiming to the TX completion, as DragonFly's
 * ix_start does. */
static void ix_start(struct ifnet *ifp, struct ifaltq_subque *sq)
{
    struct ix_softc *sc = ifp->if_softc;
    struct ix_txr *t = txr_of(sc, sq);
    struct kern_machine *km = sc->k->k_mach;
    if (ifsq_is_oactive(km, sq))
        return;
    while (!ifsq_is_empty(km, sq)) {
        if (t->avail <= TX_RESERVE) {
            sc->st.tx_ring_full++;
            ifsq_set_oactive(km, sq, true);
            break;
        }
        struct mbuf *m = ifsq_dequeue(ifp, sq);
        if (!m)
            break;
        ix_encap(t, m);
    }
    if (t->pending)
        tx_doorbell(t);
}

static bool ix_tryserialize_tx(struct ifnet *ifp, struct ifaltq_subque *sq)
{
    struct ix_softc *sc = ifp->if_softc;
    return spin_trylock(sc->k->k_mach, txr_of(sc, sq)->ser);
}

static void ix_serialize_tx(struct ifnet *ifp, struct ifaltq_subque *sq)
{
    struct ix_softc *sc = ifp->if_softc;
    spin_lock(sc->k->k_mach, txr_of(sc, sq)->ser);
}

static void ix_deserialize_tx(struct ifnet *ifp, struct ifaltq_subque *sq)
{
    struct ix_softc *sc = ifp->if_softc;
    spin_unlock(sc->k->k_mach, txr_of(sc, sq)->ser);
}

static const struct if_ops ix_ops = {.if_start = ix_start,
                                     .if_tryserialize_tx = ix_tryserialize_tx,
                                     .if_serialize_tx = ix_serialize_tx,
                                     .if_deserialize_tx = ix_deserialize_tx};

/* TX completion work of a ring, on its CPU with its serializer held: reclaim, and if
 * packets wait and nobody transmits, transmit (ifsq_devstart). */
static void tx_service_held(struct ix_txr *t)
{
    struct ix_softc *sc = t->sc;
    ix_txeof(t);
    struct ifaltq_subque *sq = subq_of(sc, t->q);
    if (sq && !ifsq_is_empty(sc->k->k_mach, sq) && ifsq_devstart(sc->ifp, sq))
        sc->st.tx_completion_starts++;
}

/* The same from an interrupt handler, which waits for the serializer. */
static void tx_service(struct ix_softc *sc, unsigned j)
{
    struct ix_txr *t = &sc->tx[j];
    struct kern_machine *km = sc->k->k_mach;
    spin_lock(km, t->ser);
    tx_service_held(t);
    spin_unlock(km, t->ser);
}

/* ---- interrupts and polling ---- */

static void msix_handler(void *arg)
{
    struct ix_vec *vh = arg;
    struct ix_softc *sc = vh->sc;
    kern_charge_op(sc->k->k_mach, KOP_intr_handler, 1);
    sc->st.interrupts++;
    for (unsigned i = 0; i < sc->a.rx_rings; i++)
        if (sc->a.rx_vec[i] == (int)vh->v)
            ix_rxeof(sc, i, UINT32_MAX);
    for (unsigned j = 0; j < sc->a.tx_rings; j++)
        if (sc->a.tx_vec[j] == (int)vh->v)
            tx_service(sc, j);
    nic_prog_vec_enable(&sc->prog, vh->v);
}

static void msi_handler(void *arg)
{
    struct ix_softc *sc = arg;
    bool igb = sc->igb;
    kern_charge_op(sc->k->k_mach, KOP_intr_handler, 1);
    sc->st.interrupts++;
    uint32_t eicr = rd(sc, igb ? IGB_EICR : IX_EICR);
    for (unsigned i = 0; i < sc->a.rx_rings; i++)
        if (eicr & (1u << sc->a.rx_vec[i]))
            ix_rxeof(sc, i, UINT32_MAX);
    tx_service(sc, 0);
    wr(sc, igb ? IGB_EIMS : IX_EIMS,
       (uint32_t)nic_prog_intr_mask(NIC_PROG_MSI, 0, sc->a.rx_rings, sc->a.rx_vec, sc->a.tx_vec[0]));
}

/* polling(4) handlers (ix_npoll_rx, ix_npoll_tx), called by ifpoll.c's poll messages in the
 * ring CPU's netisr: RX takes at most `count` packets; TX runs with the ring's serializer. */
static void ix_npoll_rx(void *arg, int count)
{
    struct ix_rxr *r = arg;
    r->sc->st.polls++;
    ix_rxeof(r->sc, r->q, (uint32_t)count);
}

static void ix_npoll_tx(void *arg, int count)
{
    (void)count;
    tx_service_held(arg);
}

static void start_service(struct ix_softc *sc)
{
    char name[64];
    const char *ifname = sc->ifp->if_xname;
    if (sc->a.mode == IX_MODE_MSIX) {
        for (unsigned v = 0; v < sc->a.nvec; v++) {
            sc->vecs[v] = (struct ix_vec){sc, v};
            snprintf(name, sizeof(name), "%s-msix%u", ifname, v);
            kern_dev_intr(sc->dev, v, sc->a.vec_cpu[v], name, msix_handler, &sc->vecs[v]);
        }
    } else if (sc->a.mode == IX_MODE_MSI) {
        snprintf(name, sizeof(name), "%s-msi", ifname);
        kern_dev_intr(sc->dev, 0, 0, name, msi_handler, sc);
    } else {
        for (unsigned i = 0; i < sc->a.rx_rings; i++)
            ifpoll_register(sc->k, sc->a.rx_cpu[i], true, ix_npoll_rx, &sc->rx[i], NULL);
        for (unsigned j = 0; j < sc->a.tx_rings; j++)
            ifpoll_register(sc->k, sc->a.tx_cpu[j], false, ix_npoll_tx, &sc->tx[j],
                            sc->tx[j].ser);
    }
}

struct ix_softc *ix_attach(struct kernel *k, struct kern_dev *dev, const struct ix_attach_args *a)
{
    struct ix_softc *sc = calloc(1, sizeof(*sc));
    if (!sc)
        return NULL;
    sc->k = k;
    sc->dev = dev;
    sc->a = *a;
    sc->igb = strcmp(kern_dev_model(dev), "82576") == 0;
    sc->prog = (struct nic_prog){.igb = sc->igb, .ctx = sc, .wr = prog_wr, .rd = prog_rd};
    sc->ifp = if_create(k, kern_dev_name(dev), a->mac, a->mtu, &ix_ops, sc);
    sc->tx_wb = kern_alloc(k->k_mach, 128 * 16 * sizeof(uint32_t), k->r_ring, 0);
    if (!sc->ifp || !sc->tx_wb)
        goto fail;
    unsigned ntx = k->k_cfg.tx_rings == TX_PERCPU ? a->tx_rings : 1;
    sc->a.tx_rings = ntx;
    if_attach_subq(sc->ifp, ntx, a->tx_cpu, a->ifq_maxlen);
    for (unsigned q = 0; q < a->rx_rings; q++)
        if (init_rx_ring(sc, q))
            goto fail;
    for (unsigned q = 0; q < ntx; q++)
        if (init_tx_ring(sc, q))
            goto fail;
    init_rss(sc);
    init_intr(sc);
    start_service(sc);
    nic_prog_start(&sc->prog, a->rx_rings, a->rx_ndesc);
    return sc;
fail:
    fprintf(stderr, "mpstack: host %s: %s: cannot fill %u RX rings of %u descriptors: the mbuf "
                    "pool (kernel.nmbclusters = %llu) or the host's memory (hosts.%s.memory) is "
                    "too small\n", k->k_name, kern_dev_name(dev), a->rx_rings, a->rx_ndesc,
            (unsigned long long)k->k_cfg.nmbclusters, k->k_name);
    ix_detach(sc);
    return NULL;
}

void ix_detach(struct ix_softc *sc)
{
    if (!sc)
        return;
    struct kern_machine *km = sc->k->k_mach;
    for (unsigned q = 0; q < 128; q++) {
        free(sc->rx[q].mbufs);
        free(sc->rx[q].batch);
        free(sc->tx[q].mbufs);
        kern_free(km, sc->rx[q].ring_mem);
        kern_free(km, sc->tx[q].ring_mem);
        kern_free(km, sc->tx[q].ser);
    }
    kern_free(km, sc->tx_wb);
    free(sc);
}

struct ifnet *ix_ifnet(struct ix_softc *sc) { return sc->ifp; }

void ix_stats(const struct ix_softc *sc, struct ix_stats *out)
{
    *out = sc->st;
    out->mbufs_rx = out->mbufs_tx = 0;
    for (unsigned q = 0; q < sc->a.rx_rings; q++)
        out->mbufs_rx += sc->rx[q].ndesc;
    for (unsigned q = 0; q < sc->a.tx_rings; q++)
        for (uint32_t i = 0; i < sc->tx[q].ndesc; i++)
            out->mbufs_tx += sc->tx[q].mbufs[i] != NULL;
}

void *ix_rx_desc(struct ix_softc *sc, unsigned q, unsigned i) { return &sc->rx[q].ring[i]; }
void *ix_rx_buf(struct ix_softc *sc, unsigned q, unsigned i) { return sc->rx[q].mbufs[i]->m_data; }
unsigned ix_rx_next(const struct ix_softc *sc, unsigned q) { return sc->rx[q].next; }
void *ix_tx_desc(struct ix_softc *sc, unsigned q, unsigned i) { return &sc->tx[q].ring[i]; }
uint32_t *ix_tx_head_wb(struct ix_softc *sc, unsigned q) { return sc->tx[q].head_wb; }
