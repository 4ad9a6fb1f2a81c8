/*
 * test_nic.c - the 82576 and 82599 models through their registers and descriptor rings.
 *
 * Pins down, for both chips: receive write-back (DD, EOP, length, RSS hash and type, packet
 * type, checksum status and the chip-specific error bits); RSS steering through the key,
 * MRQC hash types and the redirection table (Microsoft verification vectors); DROP_EN
 * per-queue drops versus the packet buffer holding frames until descriptors come back,
 * and missing them when it is full; EITR moderation measured from the previous interrupt;
 * EIAC/EIAM auto-clear and auto-mask; IVAR mapping; transmit with checksum insertion, DD
 * and head write-back; clear-on-read statistics; and the drivers' configuration rules.
 */
#include <arpa/inet.h>
#include <string.h>

#include "check.h"
#include "hwmodel/hw.h"
#include "hwmodel/mem.h"
#include "hwmodel/nic.h"
#include "hwmodel/prot/nic_desc.h"
#include "hwmodel/prot/nic_regs.h"
#include "hwmodel/toeplitz.h"
#include "hwmodel/wire.h"
#include "prot/cksum.h"
#include "prot/ether.h"
#include "prot/ip.h"

#define RING 8

struct rig {
    struct sim *sim;
    struct frame_pool pool;
    struct hw_host *h;
    struct mem_arena *m;
    struct link *l;
    struct nic *n;
    bool igb;
    union nic_rx_desc *rx[2];
    uint8_t *buf[2][RING];
    struct frame *out[16]; /* frames the NIC sent */
    int nout;
    sim_time_t irq_at[16];
    int nirq;
};

static uint32_t R(struct rig *r, uint32_t igb, uint32_t ix) { return r->igb ? igb : ix; }

static void capture(void *dev, struct frame *f)
{
    struct rig *r = dev;
    if (r->nout < 16)
        r->out[r->nout++] = f;
    else
        frame_free(&r->pool, f);
}

static void rig_init(struct rig *r, enum nic_type type)
{
    memset(r, 0, sizeof(*r));
    struct sim_params sp = {.seed = 1};
    r->sim = sim_create(&sp);
    frame_pool_init(&r->pool);
    struct hw_host_params hp = {.name = "h", .ncpus = 2, .hz = 1000000000, .mem_bytes = 1 << 24};
    r->h = hw_host_create(r->sim, &hp);
    r->m = hw_mem(r->h);
    r->igb = type == NIC_82576;
    struct link_params lp = {.name = "l", .bps = r->igb ? 1000000000ull : 10000000000ull,
                             .queue = 100000};
    r->l = link_create(r->sim, &r->pool, &lp);
    link_attach(r->l, 0, capture, NULL, r);
    struct nic_params np = {.name = "nic", .chip = &nic_chips[type], .host = r->h};
    r->n = nic_create(r->sim, &r->pool, &np);
    nic_attach(r->n, r->l, 1);
}

static void rig_fini(struct rig *r)
{
    for (int i = 0; i < r->nout; i++)
        frame_free(&r->pool, r->out[i]);
    nic_destroy(r->n);
    link_destroy(r->l);
    CHECK_EQ(r->pool.in_use, 0);
    frame_pool_fini(&r->pool);
    sim_destroy(r->sim);
    hw_host_destroy(r->h);
}

static uint64_t pa(struct rig *r, const void *p) { return mem_paddr(r->m, p); }

/* Ring q with RING descriptors, all handed to the chip but `held`. */
static void setup_rx(struct rig *r, unsigned q, uint32_t srrctl_extra, unsigned held)
{
    r->rx[q] = mem_alloc(r->m, RING * 16, 0, 0);
    for (int i = 0; i < RING; i++) {
        r->buf[q][i] = mem_alloc(r->m, 2048, 0, 0);
        r->rx[q][i].read.pkt_addr = pa(r, r->buf[q][i]);
    }
    uint64_t base = pa(r, r->rx[q]);
    nic_write(r->n, R(r, IGB_RDBAL(q), IX_RDBAL(q)), (uint32_t)base);
    nic_write(r->n, R(r, IGB_RDBAH(q), IX_RDBAH(q)), (uint32_t)(base >> 32));
    nic_write(r->n, R(r, IGB_RDLEN(q), IX_RDLEN(q)), RING * 16);
    nic_write(r->n, R(r, IGB_SRRCTL(q), IX_SRRCTL_LO(q)), 2 | NIC_SRRCTL_DESCTYPE_ADV1 | srrctl_extra);
    nic_write(r->n, R(r, IGB_RXDCTL(q), IX_RXDCTL(q)), NIC_DCTL_ENABLE);
    nic_write(r->n, R(r, IGB_RCTL, IX_RXCTRL), R(r, IGB_RCTL_EN, IX_RXCTRL_RXEN));
    nic_write(r->n, R(r, IGB_RDT(q), IX_RDT(q)), RING - 1 - held);
}

/* A TCP/IPv4 frame, with correct checksums unless told otherwise. */
static struct frame *tcp_frame(struct rig *r, const char *src, uint16_t sport, const char *dst,
                               uint16_t dport, bool bad_ip, bool bad_tcp)
{
    struct frame *f = frame_alloc(&r->pool);
    f->f_len = 14 + 20 + 20 + 6;
    memset(f->f_data, 0, f->f_len);
    uint8_t *p = f->f_data;
    p[12] = 0x08;
    struct ip ip = {.ip_vhl = 0x45, .ip_len = htons(46), .ip_ttl = 64, .ip_p = IPPROTO_TCP};
    inet_pton(AF_INET, src, &ip.ip_src);
    inet_pton(AF_INET, dst, &ip.ip_dst);
    ip.ip_sum = htons(inet_cksum(&ip, sizeof(ip)));
    if (bad_ip)
        ip.ip_sum ^= 1;
    memcpy(p + 14, &ip, sizeof(ip));
    uint8_t *th = p + 34;
    th[0] = (uint8_t)(sport >> 8);
    th[1] = (uint8_t)sport;
    th[2] = (uint8_t)(dport >> 8);
    th[3] = (uint8_t)dport;
    th[12] = 5 << 4;
    uint8_t ph[12];
    memcpy(ph, &ip.ip_src, 8);
    ph[8] = 0;
    ph[9] = IPPROTO_TCP;
    ph[10] = 0;
    ph[11] = 26;
    uint16_t s = inet_fold(inet_sum(th, 26, inet_sum(ph, 12, 0)));
    th[16] = (uint8_t)(s >> 8);
    th[17] = (uint8_t)s;
    if (bad_tcp)
        th[17] ^= 1;
    return f;
}

static void deliver(struct rig *r, struct frame *f) { link_send(r->l, 0, f); }

static void run_for(struct rig *r, sim_time_t t) { sim_run_until(r->sim, sim_now(r->sim) + t); }

/* ---- receive ---- */

static void rx_writeback(enum nic_type type)
{
    struct rig r;
    rig_init(&r, type);
    setup_rx(&r, 0, 0, 0);
    nic_write(r.n, R(&r, IGB_RXCSUM, IX_RXCSUM), NIC_RXCSUM_IPOFL | NIC_RXCSUM_TUOFL);
    deliver(&r, tcp_frame(&r, "10.0.0.1", 1000, "10.0.0.2", 80, false, false));
    deliver(&r, tcp_frame(&r, "10.0.0.1", 1000, "10.0.0.2", 80, true, false));
    deliver(&r, tcp_frame(&r, "10.0.0.1", 1000, "10.0.0.2", 80, false, true));
    run_for(&r, sim_ms(1));
    uint32_t ipe = r.igb ? IGB_RXD_ERR_IPE : IX_RXD_ERR_IPE;
    uint32_t tcpe = r.igb ? IGB_RXD_ERR_TCPE : IX_RXD_ERR_TCPE;
    uint32_t ok = NIC_RXD_STAT_DD | NIC_RXD_STAT_EOP | NIC_RXD_STAT_IPCS | NIC_RXD_STAT_L4CS;
    CHECK_EQ(r.rx[0][0].wb.status_error, ok);
    CHECK_EQ(r.rx[0][1].wb.status_error, ok | ipe);
    CHECK_EQ(r.rx[0][2].wb.status_error, ok | tcpe);
    CHECK_EQ(r.rx[0][0].wb.length, 60);
    CHECK_EQ(r.rx[0][0].wb.pkt_info, NIC_PKTTYPE_IPV4 | NIC_PKTTYPE_TCP); /* RSS off: type 0 */
    CHECK_EQ(r.buf[0][0][12], 0x08); /* the bytes were copied by DMA */
    CHECK_EQ(r.rx[0][3].wb.status_error & NIC_RXD_STAT_DD, 0);
    CHECK_EQ(nic_read(r.n, R(&r, IGB_RDH(0), IX_RDH(0))), 3);
    CHECK_EQ(nic_read(r.n, NIC_GPRC), 3);
    CHECK_EQ(nic_read(r.n, NIC_GPRC), 0); /* clear on read */
    rig_fini(&r);
}

static void test_rx_writeback(void)
{
    rx_writeback(NIC_82576);
    rx_writeback(NIC_82599);
}

/* Program the Microsoft key and a redirection table with entry i -> i % 16. */
static void program_rss(struct rig *r, uint32_t types)
{
    for (unsigned i = 0; i < 10; i++) {
        const uint8_t *k = toeplitz_ms_key + 4 * i;
        nic_write(r->n, R(r, IGB_RSSRK(i), IX_RSSRK(i)),
                  (uint32_t)k[0] | (uint32_t)k[1] << 8 | (uint32_t)k[2] << 16 | (uint32_t)k[3] << 24);
    }
    for (unsigned i = 0; i < 32; i++) {
        uint32_t v = 0;
        for (unsigned b = 0; b < 4; b++)
            v |= ((4 * i + b) % 16) << (8 * b);
        nic_write(r->n, R(r, IGB_RETA(i), IX_RETA(i)), v);
    }
    nic_write(r->n, R(r, IGB_MRQC, IX_MRQC), (r->igb ? NIC_MRQC_RSS_IGB : NIC_MRQC_RSS_IX) | types);
    nic_write(r->n, R(r, IGB_RXCSUM, IX_RXCSUM), NIC_RXCSUM_PCSD | NIC_RXCSUM_IPOFL |
                                                 NIC_RXCSUM_TUOFL);
}

static void rss(enum nic_type type)
{
    /* Microsoft verification vector 1: 66.9.149.187:2794 -> 161.142.100.80:1766 hashes to
     * 0x51ccc178 (IPv4+TCP) and 0x323e8fc2 (IPv4). Entry 0x78 -> queue 8, 0x42 -> 2. */
    struct rig r;
    rig_init(&r, type);
    setup_rx(&r, 0, 0, 0);
    setup_rx(&r, 1, 0, 0);
    for (unsigned q = 2; q < 16; q++) /* other queues get empty rings: steering shows */
        nic_write(r.n, R(&r, IGB_RXDCTL(q), IX_RXDCTL(q)), 0);
    program_rss(&r, NIC_MRQC_IPV4 | NIC_MRQC_IPV4_TCP);
    /* queue 8 must exist for the 4-tuple case: map entry 0x78 to queue 1 instead */
    uint32_t v = nic_read(r.n, R(&r, IGB_RETA(30), IX_RETA(30)));
    nic_write(r.n, R(&r, IGB_RETA(30), IX_RETA(30)), (v & ~0xffu) | 1); /* entry 120 */
    deliver(&r, tcp_frame(&r, "66.9.149.187", 2794, "161.142.100.80", 1766, false, false));
    run_for(&r, sim_ms(1));
    CHECK_EQ(r.rx[1][0].wb.rss, 0x51ccc178u);
    CHECK_EQ(r.rx[1][0].wb.pkt_info & 0xf, NIC_RSSTYPE_IPV4_TCP);
    CHECK_EQ(nic_rx_queue_frames(r.n, 1), 1);
    /* addresses only: entry 0x42 = 66 -> queue 2, which is disabled: dropped and counted */
    program_rss(&r, NIC_MRQC_IPV4);
    deliver(&r, tcp_frame(&r, "66.9.149.187", 2794, "161.142.100.80", 1766, false, false));
    run_for(&r, sim_ms(1));
    CHECK_EQ(nic_stats(r.n)->rx_drop_disabled, 1);
    rig_fini(&r);
}

static void test_rss(void)
{
    rss(NIC_82576);
    rss(NIC_82599);
}

static void drop_en(enum nic_type type)
{
    struct rig r;
    rig_init(&r, type);
    setup_rx(&r, 0, r.igb ? IGB_SRRCTL_DROP_EN : IX_SRRCTL_DROP_EN, 3); /* 4 usable */
    for (int i = 0; i < 6; i++)
        deliver(&r, tcp_frame(&r, "10.0.0.1", 1, "10.0.0.2", 2, false, false));
    run_for(&r, sim_ms(1));
    CHECK_EQ(nic_rx_queue_frames(r.n, 0), 4);
    CHECK_EQ(nic_read(r.n, R(&r, IGB_RQDPC(0), IX_QPRDC(0))), 2);
    CHECK_EQ(nic_read(r.n, R(&r, IGB_RQDPC(0), IX_QPRDC(0))), 0);
    CHECK_EQ(nic_stats(r.n)->rx_drop_no_desc, 2);
    CHECK_EQ(nic_frames_held(r.n), 0);
    rig_fini(&r);
}

static void test_drop_en(void)
{
    drop_en(NIC_82576);
    drop_en(NIC_82599);
}

/* Bad input at the chip: a runt and an oversize frame are dropped and counted by length
 * (RUC / ROC) without using a descriptor; a descriptor with a zero buffer address loses its
 * frame (counted), and the ring moves on. Nothing crashes, nothing leaks. */
static void bad_input(enum nic_type type)
{
    struct rig r;
    rig_init(&r, type);
    setup_rx(&r, 0, 0, 0);
    struct frame *runt = tcp_frame(&r, "10.0.0.1", 1, "10.0.0.2", 2, false, false);
    runt->f_len = 40; /* 44 bytes with the FCS: under the 64-byte minimum */
    deliver(&r, runt);
    struct frame *big = tcp_frame(&r, "10.0.0.1", 1, "10.0.0.2", 2, false, false);
    big->f_len = 1515; /* one byte over 1518 with the FCS */
    deliver(&r, big);
    run_for(&r, sim_ms(1));
    CHECK_EQ(nic_stats(r.n)->rx_drop_length, 2);
    CHECK_EQ(nic_stats(r.n)->rx_frames, 0);
    CHECK_EQ(r.rx[0][0].wb.status_error & NIC_RXD_STAT_DD, 0); /* no descriptor used */
    r.rx[0][0].read.pkt_addr = 0; /* a driver bug: no buffer */
    deliver(&r, tcp_frame(&r, "10.0.0.1", 1, "10.0.0.2", 2, false, false));
    deliver(&r, tcp_frame(&r, "10.0.0.1", 1, "10.0.0.2", 2, false, false));
    run_for(&r, sim_ms(1));
    CHECK_EQ(nic_stats(r.n)->rx_bad_desc, 1);
    CHECK_EQ(nic_stats(r.n)->rx_frames, 2);
    CHECK_EQ(r.buf[0][1][12], 0x08); /* the next frame went to the next descriptor */
    CHECK_EQ(nic_read(r.n, R(&r, IGB_RDH(0), IX_RDH(0))), 2);
    CHECK_EQ(nic_frames_held(r.n), 0);
    rig_fini(&r);
}

static void test_bad_input(void)
{
    bad_input(NIC_82576);
    bad_input(NIC_82599);
}

/* Without DROP_EN the frame waits in the packet buffer until descriptors come back. */
static void packet_buffer(enum nic_type type)
{
    struct rig r;
    rig_init(&r, type);
    setup_rx(&r, 0, 0, 5); /* 2 usable */
    for (int i = 0; i < 4; i++)
        deliver(&r, tcp_frame(&r, "10.0.0.1", 1, "10.0.0.2", 2, false, false));
    run_for(&r, sim_ms(1));
    CHECK_EQ(nic_rx_queue_frames(r.n, 0), 2);
    CHECK_EQ(nic_frames_held(r.n), 2); /* waiting in the buffer */
    CHECK_EQ(nic_read(r.n, R(&r, IGB_RNBC, IX_RNBC(0))), 2);
    nic_write(r.n, R(&r, IGB_RDT(0), IX_RDT(0)), RING - 1); /* hand back descriptors */
    run_for(&r, sim_ms(1));
    CHECK_EQ(nic_rx_queue_frames(r.n, 0), 4);
    CHECK_EQ(nic_frames_held(r.n), 0);
    /* fill the ring again, then overflow the on-chip buffer: missed (MPC) */
    uint32_t pb = nic_chips[type].rx_pb_bytes, per = 64;
    for (uint32_t i = 0; i < 3 + pb / per + 10; i++)
        deliver(&r, tcp_frame(&r, "10.0.0.1", 1, "10.0.0.2", 2, false, false));
    run_for(&r, sim_ms(100));
    CHECK_EQ(nic_frames_held(r.n), pb / per);
    CHECK(nic_read(r.n, R(&r, IGB_MPC, IX_MPC(0))) >= 10);
    rig_fini(&r);
}

static void test_packet_buffer(void)
{
    packet_buffer(NIC_82576);
    packet_buffer(NIC_82599);
}

/* ---- interrupts ---- */

static void on_irq(void *arg, unsigned cpu)
{
    (void)cpu;
    struct rig *r = arg;
    if (r->nirq < 16)
        r->irq_at[r->nirq++] = sim_local_now(r->sim);
}

struct at_arg {
    struct rig *r;
};

static void deliver_ev(struct sim *sim, void *arg)
{
    (void)sim;
    struct rig *r = arg;
    deliver(r, tcp_frame(r, "10.0.0.1", 1, "10.0.0.2", 2, false, false));
}

static void msix_setup(struct rig *r, uint32_t eitr, bool automask)
{
    nic_write(r->n, R(r, IGB_GPIE, IX_GPIE), NIC_GPIE_MSIX_MODE | (automask ? NIC_GPIE_EIAME : 0));
    /* queue 0 RX cause on vector 3: byte 0 of IVAR0 / IVAR(0) */
    nic_write(r->n, R(r, IGB_IVAR0(0), IX_IVAR(0)), 3 | NIC_IVAR_VALID);
    nic_write(r->n, R(r, IGB_EITR(3), IX_EITR_LO(3)), eitr);
    nic_write(r->n, R(r, IGB_EIAC, IX_EIAC), 1u << 3);
    nic_write(r->n, R(r, IGB_EIAM, IX_EIAM), automask ? 1u << 3 : 0);
    nic_write(r->n, R(r, IGB_EIMS, IX_EIMS), 1u << 3);
    nic_msix_bind(r->n, 3, hw_irq_create(r->h, "v3", 1, on_irq, r));
}

/* Interval 100 us: frames at 0, 10, 20 and 300 us interrupt at 0, 100 and 300 us. */
static void moderation(enum nic_type type)
{
    struct rig r;
    rig_init(&r, type);
    setup_rx(&r, 0, 0, 0);
    /* 82576: 100 us << 2. 82599: 100 us / 256 ns = 390 -> 0x188 (392 x 256 ns = 100.352 us) */
    uint32_t eitr = r.igb ? 100u << 2 : 0x188u;
    sim_time_t iv = r.igb ? sim_us(100) : 392 * sim_ns(256);
    msix_setup(&r, eitr, false);
    run_for(&r, sim_us(1));
    sim_time_t t0 = sim_now(r.sim);
    sim_time_t wire = r.igb ? sim_ns(672) : sim_ps(67200); /* the frame's time on the wire */
    sim_at(r.sim, t0, deliver_ev, &r);
    sim_at(r.sim, t0 + sim_us(10), deliver_ev, &r);
    sim_at(r.sim, t0 + sim_us(20), deliver_ev, &r);
    sim_at(r.sim, t0 + sim_us(300), deliver_ev, &r);
    run_for(&r, sim_ms(1));
    CHECK_EQ(r.nirq, 3);
    CHECK_EQ(r.irq_at[0], t0 + wire);
    CHECK_EQ(r.irq_at[1], t0 + wire + iv);
    CHECK_EQ(r.irq_at[2], t0 + sim_us(300) + wire);
    CHECK_EQ(nic_vector_interrupts(r.n, 3), 3);
    rig_fini(&r);
}

static void test_moderation(void)
{
    moderation(NIC_82576);
    moderation(NIC_82599);
}

/* With EIAM and GPIE.EIAME the vector masks itself on sending; causes then wait for EIMS. */
static void auto_mask(enum nic_type type)
{
    struct rig r;
    rig_init(&r, type);
    setup_rx(&r, 0, 0, 0);
    msix_setup(&r, 0, true);
    run_for(&r, sim_us(1));
    sim_at(r.sim, sim_now(r.sim), deliver_ev, &r);
    sim_at(r.sim, sim_now(r.sim) + sim_us(10), deliver_ev, &r);
    run_for(&r, sim_us(100));
    CHECK_EQ(r.nirq, 1); /* the second cause is held: the vector masked itself */
    nic_write(r.n, R(&r, IGB_EIMS, IX_EIMS_EX(0)), 1u << 3);
    run_for(&r, sim_us(100));
    CHECK_EQ(r.nirq, 2); /* unmasking releases the held cause at once */
    rig_fini(&r);
}

static void test_auto_mask(void)
{
    auto_mask(NIC_82576);
    auto_mask(NIC_82599);
}

/* ---- transmit ---- */

static void transmit(enum nic_type type)
{
    struct rig r;
    rig_init(&r, type);
    union nic_tx_desc *ring = mem_alloc(r.m, RING * 16, 0, 0);
    uint32_t *head_wb = mem_alloc(r.m, 16, 0, 0);
    uint8_t *pkt = mem_alloc(r.m, 128, 0, 0);
    /* a TCP frame whose IP checksum is 0 and whose TCP checksum holds only the pseudo-header
     * sum, as a BSD driver leaves them for the chip */
    struct frame *tmpl = tcp_frame(&r, "10.0.0.1", 5, "10.0.0.2", 6, false, false);
    memcpy(pkt, tmpl->f_data, tmpl->f_len);
    uint32_t len = tmpl->f_len;
    frame_free(&r.pool, tmpl);
    pkt[24] = pkt[25] = 0;
    uint8_t ph[12];
    memcpy(ph, pkt + 26, 8);
    ph[8] = 0;
    ph[9] = IPPROTO_TCP;
    ph[10] = 0;
    ph[11] = 26;
    uint16_t pseudo = (uint16_t)~inet_fold(inet_sum(ph, 12, 0));
    pkt[34 + 16] = (uint8_t)(pseudo >> 8);
    pkt[34 + 17] = (uint8_t)pseudo;
    ring[0].ctx.vlan_macip_lens = 20 | 14u << NIC_TXC_MACLEN_SHIFT;
    ring[0].ctx.type_tucmd_mlhl = NIC_TXD_DTYP_CTXT | NIC_TXD_CMD_DEXT | NIC_TXC_TUCMD_IPV4 |
                                  NIC_TXC_TUCMD_L4T_TCP;
    ring[1].data.buffer_addr = pa(&r, pkt);
    ring[1].data.cmd_type_len = len | NIC_TXD_DTYP_DATA | NIC_TXD_CMD_DEXT | NIC_TXD_CMD_EOP |
                                NIC_TXD_CMD_IFCS | NIC_TXD_CMD_RS;
    ring[1].data.olinfo_status = NIC_TXD_POPTS_IXSM | NIC_TXD_POPTS_TXSM |
                                 len << NIC_TXD_PAYLEN_SHIFT;
    uint64_t base = pa(&r, ring), wb = pa(&r, head_wb);
    nic_write(r.n, R(&r, IGB_TDBAL(0), IX_TDBAL(0)), (uint32_t)base);
    nic_write(r.n, R(&r, IGB_TDLEN(0), IX_TDLEN(0)), RING * 16);
    nic_write(r.n, R(&r, IGB_TDWBAL(0), IX_TDWBAL(0)), (uint32_t)wb | NIC_TDWBAL_HEAD_WB);
    nic_write(r.n, R(&r, IGB_TXDCTL(0), IX_TXDCTL(0)), NIC_DCTL_ENABLE);
    nic_write(r.n, R(&r, IGB_TCTL, IX_DMATXCTL), R(&r, IGB_TCTL_EN, IX_DMATXCTL_TE));
    nic_write(r.n, R(&r, IGB_TDT(0), IX_TDT(0)), 2);
    run_for(&r, sim_ms(1));
    CHECK_EQ(r.nout, 1);
    if (r.nout == 1) {
        struct frame *f = r.out[0];
        CHECK_EQ(f->f_len, len);
        CHECK_EQ(inet_cksum(f->f_data + 14, 20), 0); /* IPv4 checksum inserted */
        uint8_t ph2[12];
        memcpy(ph2, f->f_data + 26, 8);
        ph2[8] = 0;
        ph2[9] = IPPROTO_TCP;
        ph2[10] = 0;
        ph2[11] = 26;
        CHECK_EQ(inet_fold(inet_sum(f->f_data + 34, 26, inet_sum(ph2, 12, 0))), 0);
    }
    CHECK(ring[1].data.olinfo_status & NIC_TXD_STAT_DD);
    CHECK_EQ(*head_wb, 2);
    CHECK_EQ(nic_read(r.n, R(&r, IGB_TDH(0), IX_TDH(0))), 2);
    CHECK_EQ(nic_read(r.n, NIC_GPTC), 1);
    /* a TSO descriptor is refused, not segmented, and counted */
    ring[2].data.buffer_addr = pa(&r, pkt);
    ring[2].data.cmd_type_len = len | NIC_TXD_DTYP_DATA | NIC_TXD_CMD_EOP | NIC_TXD_CMD_TSE;
    nic_write(r.n, R(&r, IGB_TDT(0), IX_TDT(0)), 3);
    run_for(&r, sim_ms(1));
    CHECK_EQ(nic_stats(r.n)->tx_rejected, 1);
    CHECK_EQ(r.nout, 1);
    rig_fini(&r);
}

static void test_transmit(void)
{
    transmit(NIC_82576);
    transmit(NIC_82599);
}

static void test_unknown_register(void)
{
    struct rig r;
    rig_init(&r, NIC_82599);
    CHECK_EQ(nic_read(r.n, 0x1FFFC), 0);
    nic_write(r.n, 0x1FFFC, 1);
    CHECK_EQ(nic_stats(r.n)->unknown_reg, 2);
    run_for(&r, sim_us(1));
    CHECK_EQ(nic_read(r.n, IX_LINKS) & IX_LINKS_UP, IX_LINKS_UP); /* up once attached */
    rig_fini(&r);
}

/* ---- the drivers' rules ---- */

static void test_plan_rules(void)
{
    struct nic_plan p;
    const struct nic_chip *igb = &nic_chips[NIC_82576], *ix = &nic_chips[NIC_82599];
    nic_plan_dragonfly(igb, 16, NIC_MODE_MSIX, true, &p);
    CHECK_EQ(p.rx_rings, 8);   /* 10 vectors - 1 for status = 9, power of two: 8 */
    CHECK_EQ(p.tx_rings, 8);
    CHECK_EQ(p.nvec, 9);
    CHECK_EQ(p.sts_vec, 8);
    CHECK_EQ(p.tx_vec[3], p.rx_vec[3]); /* rxNtxM: TX ring 3 shares RX ring 3's vector */
    CHECK_EQ(p.vec_rate[0], 6000);
    nic_plan_dragonfly(igb, 16, NIC_MODE_POLLING, true, &p);
    CHECK_EQ(p.rx_rings, 16);  /* polling: not limited by vectors */
    CHECK_EQ(p.nvec, 0);
    nic_plan_dragonfly(igb, 16, NIC_MODE_MSIX, false, &p);
    CHECK_EQ(p.rx_rings, 9);   /* today's if_ringmap_alloc does not round */
    nic_plan_dragonfly(igb, 4, NIC_MODE_MSIX, true, &p);
    CHECK_EQ(p.rx_rings, 4);   /* capped by the netisr CPUs */
    nic_plan_dragonfly(igb, 16, NIC_MODE_MSI, true, &p);
    CHECK_EQ(p.rx_rings, 2);
    CHECK_EQ(p.tx_rings, 1);
    nic_plan_dragonfly(ix, 24, NIC_MODE_MSIX, true, &p);
    CHECK_EQ(p.rx_rings, 16);  /* 16 RSS queues; 24 CPUs round down to 16 */
    CHECK_EQ(p.tx_rings, 16);
    CHECK_EQ(p.nvec, 17);
    CHECK_EQ(p.vec_rate[0], 8000);
    nic_plan_dragonfly(ix, 24, NIC_MODE_MSIX, false, &p);
    CHECK_EQ(p.rx_rings, 16);
    CHECK_EQ(p.tx_rings, 24);  /* TX rings beyond 16 get vectors of their own */
    CHECK_EQ(p.nvec, 25);
    CHECK_EQ(p.vec_rate[20], 6000);
    for (int i = 0; i < 128; i++)
        CHECK(p.reta[i] < p.rx_rings);
}

int main(void)
{
    RUN(test_rx_writeback);
    RUN(test_rss);
    RUN(test_drop_en);
    RUN(test_bad_input);
    RUN(test_packet_buffer);
    RUN(test_moderation);
    RUN(test_auto_mask);
    RUN(test_transmit);
    RUN(test_unknown_register);
    RUN(test_plan_rules);
    return check_result();
}
