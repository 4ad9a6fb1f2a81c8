/*
 * nic.c - the 82576 and 82599 models: receive, transmit and interrupt moderation.
 * See nic.h for the behaviour and docs/hw/nic-reference.md for the facts behind it.
 */
#include "nic_var.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hwmodel/cache.h"
#include "hwmodel/pcap.h"
#include "hwmodel/mem.h"
#include "hwmodel/prot/nic_desc.h"
#include "hwmodel/prot/nic_regs.h"
#include "prot/cksum.h"
#include "prot/ether.h"
#include "prot/ip.h"
#include "sim/panic.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "descriptors are little endian and accessed in place");
_Static_assert(sizeof(union nic_rx_desc) == 16 && sizeof(union nic_tx_desc) == 16,
               "descriptors are 16 bytes");

/* ---- life cycle ---- */

struct nic *nic_create(struct sim *sim, struct frame_pool *pool, const struct nic_params *p)
{
    struct nic *n = xcalloc(1, sizeof(*n));
    n->sim = sim;
    n->pool = pool;
    snprintf(n->name, sizeof(n->name), "%s", p->name);
    n->chip = p->chip;
    n->host = p->host;
    n->socket = p->socket;
    n->rss = xmalloc(sizeof(*n->rss));
    n->rss_stale = true;
    for (unsigned q = 0; q < NIC_MAX_Q; q++)
        n->rxq[q].cause = n->txq[q].cause = -1;
    for (unsigned v = 0; v < NIC_MAX_VEC; v++)
        n->vslot[v] = (struct nic_vecslot){n, v};
    return n;
}

void nic_capture(struct nic *n, struct pcap_writer *w) { n->capture = w; }

void nic_destroy(struct nic *n)
{
    if (!n)
        return;
    while (n->pb_head) {
        struct frame *f = n->pb_head;
        n->pb_head = f->f_next;
        frame_free(n->pool, f);
    }
    while (n->dma_head) {
        struct nic_dma *d = n->dma_head;
        n->dma_head = d->next;
        frame_free(n->pool, d->f);
        free(d);
    }
    while (n->dma_free) {
        struct nic_dma *d = n->dma_free;
        n->dma_free = d->next;
        free(d);
    }
    free(n->rss);
    free(n);
}

const char *nic_name(const struct nic *n) { return n->name; }
const struct nic_chip *nic_chip(const struct nic *n) { return n->chip; }
struct hw_host *nic_host(const struct nic *n) { return n->host; }
const struct nic_stats *nic_stats(const struct nic *n) { return &n->st; }

void nic_msix_bind(struct nic *n, unsigned vector, struct hw_irq *irq)
{
    SIM_ASSERTF(vector < n->chip->msix_vectors, "%s: no MSI-X vector %u (the %s has %u)",
                n->name, vector, n->chip->name, n->chip->msix_vectors);
    n->msix[vector] = irq;
}

/* ---- host memory through DMA ---- */

/* Host memory at simulated physical address pa, or NULL if [pa, pa+len) is not memory. */
static void *dma_ptr(struct nic *n, uint64_t pa, size_t len)
{
    struct mem_arena *m = hw_mem(n->host);
    if (!m || pa + len < pa || pa + len > mem_lines(m) * 64)
        return NULL;
    return mem_vaddr(m, pa);
}

static void dma_wrote(struct nic *n, uint64_t pa, size_t len)
{
    struct cache_model *c = hw_cache(n->host);
    if (c)
        cache_dma_write(c, pa, (uint32_t)len, n->socket);
}

static void dma_read(struct nic *n, uint64_t pa, size_t len)
{
    struct cache_model *c = hw_cache(n->host);
    if (c)
        cache_dma_read(c, pa, (uint32_t)len);
}

static sim_time_t dma_latency(const struct nic *n)
{
    const struct hw_profile *p = hw_host_profile(n->host);
    return p ? p->dma_latency : 0;
}

/* ---- interrupts ---- */

/* Causes are EICR bits; in MSI-X mode bit b is vector b, otherwise all share message 0. */
static unsigned vector_of(const struct nic *n, unsigned bit)
{
    return nic_msix_mode(n) ? bit : 0;
}

static bool vec_pending(const struct nic *n, unsigned v)
{
    uint64_t live = n->eicr & n->eims;
    return nic_msix_mode(n) ? (live >> v) & 1 : live != 0;
}

static void send_msg(struct nic *n, unsigned v)
{
    n->next_ok[v] = sim_now(n->sim) + nic_eitr_interval(n, v);
    n->vec_count[v]++;
    n->st.interrupts++;
    if (nic_msix_mode(n)) {
        uint64_t b = UINT64_C(1) << v;
        if (n->eiac & b)
            n->eicr &= ~b; /* auto-clear on sending (nic-reference 3: EIAC) */
        if ((n->gpie & NIC_GPIE_EIAME) && (n->eiam & b))
            n->eims &= ~b; /* auto-mask until the driver writes EIMS again */
    }
    if (n->msix[v])
        hw_irq_raise(n->msix[v]);
}

static void send_due(struct sim *sim, void *arg)
{
    (void)sim;
    struct nic_vecslot *vs = arg;
    vs->n->send_ev[vs->v] = EVQ_NONE;
    if (vec_pending(vs->n, vs->v))
        send_msg(vs->n, vs->v);
}

/* Vector v may have a cause: send now, or when its moderation interval ends. The interval
 * counts from the vector's previous interrupt (nic-reference 3, "Moderation"). */
static void try_send(struct nic *n, unsigned v)
{
    if (v >= NIC_MAX_VEC || !vec_pending(n, v) ||
        evq_is_pending(sim_evq(n->sim), n->send_ev[v]))
        return;
    if (sim_now(n->sim) >= n->next_ok[v])
        send_msg(n, v);
    else
        n->send_ev[v] = sim_at(n->sim, n->next_ok[v], send_due, &n->vslot[v]);
}

static void cause_set(struct nic *n, int bit)
{
    if (bit < 0)
        return;
    n->eicr |= UINT64_C(1) << bit;
    try_send(n, vector_of(n, (unsigned)bit));
}

void nic_intr_unmasked(struct nic *n)
{
    if (!nic_msix_mode(n)) {
        try_send(n, 0);
        return;
    }
    uint64_t live = n->eicr & n->eims;
    while (live) {
        unsigned v = (unsigned)__builtin_ctzll(live);
        live &= live - 1;
        try_send(n, v);
    }
}

uint64_t nic_vector_interrupts(const struct nic *n, unsigned v)
{
    return v < NIC_MAX_VEC ? n->vec_count[v] - n->vec0[v] : 0;
}

/* ---- link ---- */

static void link_rx(void *dev, struct frame *f);
static void link_ready(void *dev);

static void link_came_up(struct sim *sim, void *arg)
{
    (void)sim;
    struct nic *n = arg;
    n->link_up = true;
    /* Link status change: an "other" cause, routed by IVAR_MISC byte 1 (nic-reference 1.1). */
    uint32_t misc = (n->ivar_misc >> 8) & 0xff;
    if (nic_msix_mode(n) && (misc & NIC_IVAR_VALID))
        cause_set(n, (int)(misc & 0x3f));
}

void nic_attach(struct nic *n, struct link *l, int side)
{
    SIM_ASSERTF(!n->link, "%s attached twice", n->name);
    SIM_ASSERTF(link_bps(l) <= n->chip->link_bps, "%s: link %s runs at %llu bps, the %s at most "
                "%llu", n->name, link_name(l), (unsigned long long)link_bps(l), n->chip->name,
                (unsigned long long)n->chip->link_bps);
    n->link = l;
    n->side = side;
    link_attach(l, side, link_rx, link_ready, n);
    sim_at(n->sim, sim_now(n->sim), link_came_up, n);
}

/* ---- receive: classification and RSS ---- */

struct rx_class {
    bool ipv4, tcp, udp;
    uint32_t saddr, daddr;   /* host byte order */
    uint16_t sport, dport;
    uint32_t status;         /* checksum status and error bits for the write-back */
    uint16_t pkt_info;
    uint32_t hash;
};

/* TCP/UDP checksum over the segment with the pseudo-header; 0 when correct. */
static uint16_t l4_cksum(const struct ip *ip, const uint8_t *l4, size_t len)
{
    uint8_t ph[12];
    memcpy(ph, &ip->ip_src, 4);
    memcpy(ph + 4, &ip->ip_dst, 4);
    ph[8] = 0;
    ph[9] = ip->ip_p;
    ph[10] = (uint8_t)(len >> 8);
    ph[11] = (uint8_t)len;
    return inet_fold(inet_sum(l4, len, inet_sum(ph, sizeof(ph), 0)));
}

static void classify_l4(struct nic *n, const struct frame *f, const struct ip *ip, size_t hl,
                        size_t iplen, struct rx_class *c)
{
    bool frag = (ntohs(ip->ip_off) & (IP_MF | IP_OFFMASK)) != 0;
    const uint8_t *l4 = f->f_data + ETHER_HDR_LEN + hl;
    size_t l4len = iplen - hl;
    if (frag || (ip->ip_p != IPPROTO_TCP && ip->ip_p != IPPROTO_UDP) || l4len < 8)
        return;
    c->tcp = ip->ip_p == IPPROTO_TCP;
    c->udp = !c->tcp;
    if (c->tcp && l4len < 20) {
        c->tcp = false;
        return;
    }
    c->sport = (uint16_t)(l4[0] << 8 | l4[1]);
    c->dport = (uint16_t)(l4[2] << 8 | l4[3]);
    c->pkt_info |= c->tcp ? NIC_PKTTYPE_TCP : NIC_PKTTYPE_UDP;
    bool check = n->chip->type == NIC_82599 || (n->rxcsum & NIC_RXCSUM_TUOFL);
    bool udp_nosum = c->udp && l4[6] == 0 && l4[7] == 0; /* UDP over IPv4 without checksum */
    if (!check || udp_nosum)
        return;
    c->status |= NIC_RXD_STAT_L4CS | (c->udp ? NIC_RXD_STAT_UDPCS : 0);
    if (l4_cksum(ip, l4, l4len) != 0)
        c->status |= nic_rx_err_tcpe(n);
}

/* Parse what the chip parses: Ethernet, IPv4, TCP/UDP; check checksums as RXCSUM asks. */
static void classify(struct nic *n, const struct frame *f, struct rx_class *c)
{
    memset(c, 0, sizeof(*c));
    if (f->f_len < ETHER_HDR_LEN + IP_HDR_MINLEN)
        return;
    uint16_t type = (uint16_t)(f->f_data[12] << 8 | f->f_data[13]);
    if (type != ETHERTYPE_IP)
        return;
    struct ip ip;
    memcpy(&ip, f->f_data + ETHER_HDR_LEN, sizeof(ip));
    size_t hl = (size_t)(ip.ip_vhl & 0xf) * 4;
    size_t iplen = ntohs(ip.ip_len);
    if ((ip.ip_vhl >> 4) != IPVERSION || hl < IP_HDR_MINLEN || iplen < hl ||
        ETHER_HDR_LEN + iplen > f->f_len)
        return; /* not an IPv4 packet the chip recognises: no hash, no checksum */
    c->ipv4 = true;
    c->saddr = ntohl(ip.ip_src);
    c->daddr = ntohl(ip.ip_dst);
    c->pkt_info = NIC_PKTTYPE_IPV4;
    if (n->chip->type == NIC_82599 || (n->rxcsum & NIC_RXCSUM_IPOFL)) {
        c->status |= NIC_RXD_STAT_IPCS;
        if (inet_cksum(f->f_data + ETHER_HDR_LEN, hl) != 0)
            c->status |= nic_rx_err_ipe(n);
    }
    classify_l4(n, f, &ip, hl, iplen, c);
}

static bool rss_enabled(const struct nic *n)
{
    return n->chip->type == NIC_82576 ? (n->mrqc & 0x7) == NIC_MRQC_RSS_IGB
                                      : (n->mrqc & 0xf) == NIC_MRQC_RSS_IX;
}

/* RSS: the hash over the fields MRQC enables, then the redirection table (nic-reference 1.3). */
static unsigned steer(struct nic *n, struct rx_class *c)
{
    if (!rss_enabled(n) || !c->ipv4)
        return 0;
    if (n->rss_stale) {
        toeplitz_table_init(n->rss, n->key);
        n->rss_stale = false;
    }
    unsigned type;
    if (c->tcp && (n->mrqc & NIC_MRQC_IPV4_TCP)) {
        c->hash = toeplitz_ipv4_ports(n->rss, c->saddr, c->daddr, c->sport, c->dport);
        type = NIC_RSSTYPE_IPV4_TCP;
    } else if (c->udp && (n->mrqc & NIC_MRQC_IPV4_UDP)) {
        c->hash = toeplitz_ipv4_ports(n->rss, c->saddr, c->daddr, c->sport, c->dport);
        type = NIC_RSSTYPE_IPV4_UDP;
    } else if (n->mrqc & NIC_MRQC_IPV4) {
        c->hash = toeplitz_ipv4(n->rss, c->saddr, c->daddr);
        type = NIC_RSSTYPE_IPV4;
    } else {
        return 0;
    }
    c->pkt_info |= (uint16_t)type;
    return n->reta[c->hash & 0x7f] & 0x0f;
}

/* ---- receive: rings, packet buffer and DMA ---- */

static uint32_t ring_ndesc(uint32_t len) { return len / 16; }

static uint32_t rx_bufsize(const struct nic_rxq *q)
{
    uint32_t kb = q->srrctl & NIC_SRRCTL_BSIZEPKT;
    return kb ? kb * 1024 : 2048; /* 2 KB when the field is left 0 */
}

/* Descriptors the driver has handed to the chip and it has not used yet. */
static uint32_t rx_free(const struct nic_rxq *q)
{
    uint32_t nd = ring_ndesc(q->len);
    if (!nd || q->head >= nd || q->tail >= nd)
        return 0;
    return (q->tail + nd - q->head) % nd;
}

static bool rx_queue_ready(const struct nic *n, unsigned qi)
{
    const struct nic_rxq *q = &n->rxq[qi];
    bool en = n->chip->type == NIC_82576 ? (n->rxen & IGB_RCTL_EN) : (n->rxen & IX_RXCTRL_RXEN);
    return en && (q->rxdctl & NIC_DCTL_ENABLE) && ring_ndesc(q->len) > 0;
}

static struct nic_dma *dma_get(struct nic *n)
{
    struct nic_dma *d = n->dma_free;
    if (d)
        n->dma_free = d->next;
    else
        d = xmalloc(sizeof(*d));
    memset(d, 0, sizeof(*d));
    return d;
}

static void dma_done(struct sim *sim, void *arg);

/* Start the DMA of frame f into queue qi, which has enough descriptors. */
static void rx_start(struct nic *n, unsigned qi, struct frame *f, const struct rx_class *c)
{
    struct nic_rxq *q = &n->rxq[qi];
    uint32_t need = (f->f_len + rx_bufsize(q) - 1) / rx_bufsize(q);
    struct nic_dma *d = dma_get(n);
    d->f = f;
    d->q = qi;
    d->first = q->head;
    d->ndesc = need;
    d->status = c->status;
    d->hash = c->hash;
    d->pkt_info = c->pkt_info;
    d->done = sim_now(n->sim) + dma_latency(n);
    q->head = (q->head + need) % ring_ndesc(q->len);
    if (n->dma_tail)
        n->dma_tail->next = d;
    else
        n->dma_head = d;
    n->dma_tail = d;
    if (n->dma_n++ == 0)
        sim_at(n->sim, d->done, dma_done, n);
}

/* Write the frame into the buffers of its descriptors and write them back. */
static void rx_writeback(struct nic *n, struct nic_dma *d)
{
    struct nic_rxq *q = &n->rxq[d->q];
    uint32_t nd = ring_ndesc(q->len), bs = rx_bufsize(q), off = 0;
    for (uint32_t k = 0; k < d->ndesc; k++) {
        uint32_t idx = (d->first + k) % nd;
        uint64_t dpa = q->base + (uint64_t)idx * 16;
        union nic_rx_desc *desc = dma_ptr(n, dpa, 16);
        uint32_t chunk = d->f->f_len - off < bs ? d->f->f_len - off : bs;
        void *buf = desc ? dma_ptr(n, desc->read.pkt_addr, chunk) : NULL;
        if (!desc || !buf || desc->read.pkt_addr == 0) {
            n->st.rx_bad_desc++; /* a driver bug: the frame is lost, the ring moves on */
            if (!desc)
                continue;
        } else {
            memcpy(buf, d->f->f_data + off, chunk);
            dma_wrote(n, desc->read.pkt_addr, chunk);
        }
        bool eop = k + 1 == d->ndesc;
        union nic_rx_desc wb = {.wb = {.length = (uint16_t)chunk}};
        wb.wb.status_error = NIC_RXD_STAT_DD | (eop ? NIC_RXD_STAT_EOP | d->status : 0);
        if (eop) {
            wb.wb.pkt_info = d->pkt_info;
            wb.wb.rss = (n->rxcsum & NIC_RXCSUM_PCSD) ? d->hash : 0;
        }
        memcpy(desc, &wb, sizeof(wb));
        dma_wrote(n, dpa, 16);
        off += chunk;
    }
}

static void dma_done(struct sim *sim, void *arg)
{
    struct nic *n = arg;
    while (n->dma_head && n->dma_head->done <= sim_now(sim)) {
        struct nic_dma *d = n->dma_head;
        n->dma_head = d->next;
        if (!n->dma_head)
            n->dma_tail = NULL;
        n->dma_n--;
        rx_writeback(n, d);
        struct nic_rxq *q = &n->rxq[d->q];
        q->frames++;
        n->st.rx_frames++;
        n->st.rx_bytes += d->f->f_len + ETHER_CRC_LEN;
        n->r_gprc++;
        n->r_gorc += d->f->f_len + ETHER_CRC_LEN;
        frame_free(n->pool, d->f);
        d->next = n->dma_free;
        n->dma_free = d;
        cause_set(n, q->cause); /* descriptor write-back sets the queue's cause */
    }
    if (n->dma_head)
        sim_at(sim, n->dma_head->done, dma_done, n);
}

/* Try to place frame f: 1 placed, 0 dropped (counted), -1 must wait (no descriptor and no
 * DROP_EN). */
static int rx_place(struct nic *n, struct frame *f)
{
    struct rx_class c;
    classify(n, f, &c);
    unsigned qi = steer(n, &c);
    struct nic_rxq *q = &n->rxq[qi];
    if (!rx_queue_ready(n, qi)) {
        n->st.rx_drop_disabled++;
        frame_free(n->pool, f);
        return 0;
    }
    uint32_t need = (f->f_len + rx_bufsize(q) - 1) / rx_bufsize(q);
    if (rx_free(q) >= need) {
        rx_start(n, qi, f, &c);
        return 1;
    }
    if (nic_drop_en(n, q)) { /* per-queue drop (RQDPC / QPRDC) */
        n->st.rx_no_buf_events++;
        n->r_rnbc++;
        q->rqdpc++;
        q->drops++;
        n->st.rx_drop_no_desc++;
        frame_free(n->pool, f);
        return 0;
    }
    return -1;
}

/* Move frames from the packet buffer to their queues, in order; the head blocks the rest
 * when its queue has no descriptor and drops are not enabled (nic-reference 4). */
static void pb_drain(struct nic *n)
{
    while (n->pb_head) {
        struct frame *f = n->pb_head;
        struct frame *next = f->f_next;
        uint32_t len = f->f_len;
        f->f_next = NULL;
        int r = rx_place(n, f);
        if (r < 0) {
            f->f_next = next;
            return;
        }
        n->pb_head = next;
        if (!next)
            n->pb_tail = NULL;
        n->pb_bytes -= len + ETHER_CRC_LEN;
        n->pb_frames--;
    }
}

static void link_rx(void *dev, struct frame *f)
{
    struct nic *n = dev;
    if (n->capture)
        pcap_write(n->capture, sim_now(n->sim), f->f_data, f->f_len);
    n->r_tpr++;
    if (f->f_len + ETHER_CRC_LEN < ETHER_MIN_LEN || f->f_len > ETHER_MAX_LEN - ETHER_CRC_LEN) {
        n->st.rx_drop_length++; /* runt or oversize (no jumbo frames in this model) */
        frame_free(n->pool, f);
        return;
    }
    if (!n->pb_head && rx_place(n, f) >= 0)
        return;
    /* No descriptor for it (or frames ahead of it are waiting): it waits in the on-chip
     * packet buffer, counted once in RNBC, or is missed if the buffer is full. */
    n->st.rx_no_buf_events++;
    n->r_rnbc++;
    uint32_t sz = f->f_len + ETHER_CRC_LEN;
    if (n->pb_bytes + sz > n->chip->rx_pb_bytes) {
        n->st.rx_missed++;
        n->r_mpc++;
        frame_free(n->pool, f);
        return;
    }
    f->f_next = NULL;
    if (n->pb_tail)
        n->pb_tail->f_next = f;
    else
        n->pb_head = f;
    n->pb_tail = f;
    n->pb_bytes += sz;
    n->pb_frames++;
    pb_drain(n);
}

void nic_rx_tail_moved(struct nic *n, unsigned q)
{
    (void)q;
    pb_drain(n);
}

uint64_t nic_rx_queue_frames(const struct nic *n, unsigned q)
{
    return q < NIC_MAX_Q ? n->rxq[q].frames - n->q_frames0[q] : 0;
}

uint64_t nic_rx_queue_drops(const struct nic *n, unsigned q)
{
    return q < NIC_MAX_Q ? n->rxq[q].drops - n->q_drops0[q] : 0;
}

size_t nic_frames_held(const struct nic *n) { return n->pb_frames + n->dma_n; }

void nic_measure_start(struct nic *n)
{
    n->st0 = n->st;
    for (unsigned q = 0; q < NIC_MAX_Q; q++) {
        n->q_frames0[q] = n->rxq[q].frames;
        n->q_drops0[q] = n->rxq[q].drops;
    }
    memcpy(n->vec0, n->vec_count, sizeof(n->vec0));
}

/* ---- transmit ---- */

static bool tx_enabled(const struct nic *n)
{
    return n->chip->type == NIC_82576 ? (n->txen & IGB_TCTL_EN) : (n->txen & IX_DMATXCTL_TE);
}

static bool txq_has_work(const struct nic *n, unsigned qi)
{
    const struct nic_txq *q = &n->txq[qi];
    uint32_t nd = ring_ndesc(q->len);
    return (q->txdctl & NIC_DCTL_ENABLE) && nd && q->head < nd && q->tail < nd &&
           q->head != q->tail;
}

/* Round robin over the queues with descriptors to send. */
static bool tx_pick(struct nic *n, unsigned *qi)
{
    unsigned nq = n->chip->type == NIC_82576 ? 16 : 64;
    for (unsigned k = 0; k < nq; k++) {
        unsigned q = (n->tx_rr + k) % nq;
        if (txq_has_work(n, q)) {
            *qi = q;
            n->tx_rr = (q + 1) % nq;
            return true;
        }
    }
    return false;
}

/* Insert the checksums the descriptors ask for (context: MACLEN, IPLEN, L4 type). The
 * driver has put the pseudo-header sum in the TCP/UDP checksum field, as BSD drivers do;
 * the chip completes it over the segment. */
static void tx_offload(const struct nic_txq *q, uint32_t popts, struct frame *f)
{
    uint32_t maclen = q->ctx_maclen, iplen = q->ctx_iplen;
    if (maclen + iplen > f->f_len || iplen < IP_HDR_MINLEN)
        return;
    uint8_t *ip = f->f_data + maclen;
    if (popts & NIC_TXD_POPTS_IXSM) {
        ip[10] = ip[11] = 0;
        uint16_t s = inet_cksum(ip, iplen);
        ip[10] = (uint8_t)(s >> 8);
        ip[11] = (uint8_t)s;
    }
    if (popts & NIC_TXD_POPTS_TXSM) {
        bool tcp = (q->ctx_tucmd & NIC_TXC_TUCMD_L4T_TCP) != 0;
        size_t off = maclen + iplen + (tcp ? 16 : 6);
        if (off + 2 > f->f_len)
            return;
        uint16_t s = inet_fold(inet_sum(f->f_data + maclen + iplen, f->f_len - maclen - iplen, 0));
        if (!tcp && s == 0)
            s = 0xffff; /* RFC 768: a computed zero is sent as all ones */
        f->f_data[off] = (uint8_t)(s >> 8);
        f->f_data[off + 1] = (uint8_t)s;
    }
}

/* Take one packet (its context and data descriptors up to EOP) from queue qi. Returns the
 * frame, or NULL if the descriptors were unusable (then skipped and counted). */
static struct frame *tx_take(struct nic *n, unsigned qi, bool *rs)
{
    struct nic_txq *q = &n->txq[qi];
    uint32_t nd = ring_ndesc(q->len);
    struct frame *f = frame_alloc(n->pool);
    uint32_t popts = 0;
    bool ok = true, eop = false;
    *rs = false;
    while (!eop && q->head != q->tail) {
        uint64_t dpa = q->base + (uint64_t)q->head * 16;
        union nic_tx_desc *d = dma_ptr(n, dpa, 16);
        q->head = (q->head + 1) % nd;
        if (!d) {
            ok = false;
            break;
        }
        dma_read(n, dpa, 16);
        uint32_t ctl = d->data.cmd_type_len;
        if ((ctl & NIC_TXD_DTYP_MASK) == NIC_TXD_DTYP_CTXT) {
            q->ctx_iplen = d->ctx.vlan_macip_lens & NIC_TXC_IPLEN_MASK;
            q->ctx_maclen = (d->ctx.vlan_macip_lens >> NIC_TXC_MACLEN_SHIFT) & 0x7f;
            q->ctx_tucmd = d->ctx.type_tucmd_mlhl;
            continue;
        }
        uint32_t len = ctl & NIC_TXD_DTALEN;
        void *buf = dma_ptr(n, d->data.buffer_addr, len);
        if (!buf || (ctl & NIC_TXD_CMD_TSE) || f->f_len + len > FRAME_BUF)
            ok = false; /* TSO is a capability flag only: the model does not segment */
        else {
            memcpy(f->f_data + f->f_len, buf, len);
            dma_read(n, d->data.buffer_addr, len);
            f->f_len += len;
        }
        if (f->f_len == len)
            popts = d->data.olinfo_status; /* POPTS come from the first data descriptor */
        eop = (ctl & NIC_TXD_CMD_EOP) != 0;
        if (ctl & NIC_TXD_CMD_RS) {
            *rs = true;
            d->data.olinfo_status |= NIC_TXD_STAT_DD;
            dma_wrote(n, dpa, 16);
        }
    }
    if (!ok || !eop || f->f_len < ETHER_HDR_LEN) {
        n->st.tx_rejected++;
        frame_free(n->pool, f);
        return NULL;
    }
    tx_offload(q, popts, f);
    return f;
}

static void tx_head_writeback(struct nic *n, struct nic_txq *q)
{
    if (!(q->wbal & NIC_TDWBAL_HEAD_WB))
        return;
    uint64_t pa = (uint64_t)q->wbah << 32 | (q->wbal & ~3u);
    uint32_t *p = dma_ptr(n, pa, 4);
    if (p) {
        *p = q->head;
        dma_wrote(n, pa, 4);
    }
}

/* Send the next packet, if any queue has one; the MAC then waits for the wire. */
static void tx_next(struct nic *n)
{
    unsigned qi;
    while (tx_enabled(n) && n->link && tx_pick(n, &qi)) {
        bool rs;
        struct frame *f = tx_take(n, qi, &rs);
        struct nic_txq *q = &n->txq[qi];
        if (rs) {
            tx_head_writeback(n, q);
            cause_set(n, q->cause);
        }
        if (!f)
            continue;
        q->frames++;
        n->st.tx_frames++;
        n->st.tx_bytes += f->f_len + ETHER_CRC_LEN;
        n->r_gptc++;
        n->r_tpt++;
        n->r_gotc += f->f_len + ETHER_CRC_LEN;
        if (n->capture)
            pcap_write(n->capture, sim_now(n->sim), f->f_data, f->f_len);
        link_send(n->link, n->side, f);
        return; /* link_ready() continues when this frame has left the wire */
    }
    n->tx_busy = false;
}

static void tx_fetch(struct sim *sim, void *arg)
{
    (void)sim;
    tx_next(arg);
}

void nic_tx_kick(struct nic *n)
{
    if (n->tx_busy || !tx_enabled(n) || !n->link)
        return;
    n->tx_busy = true;
    /* From idle the chip first fetches descriptors and data over PCIe; later packets are
     * prefetched while the previous one is on the wire. */
    sim_at(n->sim, sim_now(n->sim) + dma_latency(n), tx_fetch, n);
}

static void link_ready(void *dev)
{
    struct nic *n = dev;
    if (n->tx_busy)
        tx_next(n);
}

/* ---- statistics over the measured window ---- */

void nic_stats_window(const struct nic *n, struct nic_stats *out)
{
    const uint64_t *a = (const uint64_t *)&n->st, *b = (const uint64_t *)&n->st0;
    uint64_t *o = (uint64_t *)out;
    for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
        o[i] = a[i] - b[i];
}
