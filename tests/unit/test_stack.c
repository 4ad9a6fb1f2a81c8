/*
 * test_stack.c - the stack's receive path on bad input, through the real driver and netisr
 * (stack_harness.c plays the chip on the fake machine).
 *
 * Every malformed or unforwardable frame is dropped and counted under its own reason, the
 * kernel's own counters (ifnet, ipstat) move as BSD's would, and after every case all mbufs
 * are accounted for. A good frame leaves with TTL - 1 and a valid header checksum (the
 * incremental update of RFC 1624 checked against a full recomputation).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "check.h"
#include "hwmodel/prot/nic_desc.h"
#include "hwmodel/prot/nic_regs.h"
#include "prot/cksum.h"
#include "prot/ether.h"
#include "prot/ip.h"
#include "stack/if.h"
#include "stack/if_ix.h"
#include "stack/ifpoll.h"
#include "stack/ip_var.h"
#include "stack/mbuf.h"
#include "stack/netisr.h"
#include "stack/route.h"
#include "fake_kern.h"
#include "stack_harness.h"

#define DST_OK 0xc6120001u     /* 198.18.0.1: routed via 10.0.0.2 */
#define DST_NOROUTE 0x08080808u
#define DST_NOARP 0xcb007101u  /* 203.0.113.1: via 10.0.0.99, no ARP entry */
#define DST_LOCAL 0x0a000001u  /* 10.0.0.1: ours */

static uint64_t drops_total(const struct kernel *k)
{
    uint64_t n = 0;
    for (int r = 0; r < DROP_COUNT; r++)
        n += kernel_drops(k, (enum drop_reason)r);
    return n;
}

/* Deliver buf and check that exactly one drop of `want` happened (or a forward, for
 * DROP_COUNT), nothing else, and that every mbuf is accounted for. */
static void expect(struct harness *h, const uint8_t *buf, size_t len, enum h_csum cs, bool eop,
                   enum drop_reason want, const char *what)
{
    uint64_t d0 = drops_total(h->k), w0 = want < DROP_COUNT ? kernel_drops(h->k, want) : 0;
    uint64_t f0 = harness_forwarded(h);
    harness_rx(h, buf, len, cs, eop);
    uint64_t d = drops_total(h->k) - d0, f = harness_forwarded(h) - f0;
    if (want == DROP_COUNT) {
        if (f != 1 || d != 0)
            fprintf(stderr, "  %s: forwarded %llu, dropped %llu\n", what,
                    (unsigned long long)f, (unsigned long long)d);
        CHECK(f == 1 && d == 0);
    } else {
        uint64_t w = kernel_drops(h->k, want) - w0;
        if (w != 1 || d != 1 || f != 0)
            fprintf(stderr, "  %s: want 1 drop.%s, got %llu (all drops %llu, forwarded %llu)\n",
                    what, drop_reason_name(want), (unsigned long long)w,
                    (unsigned long long)d, (unsigned long long)f);
        CHECK(w == 1 && d == 1 && f == 0);
    }
    harness_check(h);
}

static void test_good_frame_forwarded(void)
{
    struct kernel_cfg cfg = harness_default_cfg();
    struct harness h;
    harness_init(&h, &cfg);
    uint8_t f[60];
    size_t n = harness_frame(f, DST_OK, 64);
    unsigned slot = 0; /* first TX descriptor */
    expect(&h, f, n, H_CSUM_OK, true, DROP_COUNT, "good");
    union nic_tx_desc *d = ix_tx_desc(h.sc, 0, slot);
    const uint8_t *out = (const uint8_t *)(uintptr_t)d->data.buffer_addr;
    CHECK_EQ(d->data.cmd_type_len & NIC_TXD_DTALEN, 60u); /* padding kept: 46-byte IP total */
    CHECK_EQ(out[ETHER_HDR_LEN + 8], 63);                 /* TTL - 1 */
    CHECK_EQ(inet_cksum(out + ETHER_HDR_LEN, IP_HDR_MINLEN), 0); /* checksum still valid */
    const uint8_t gw[6] = {2, 0, 0, 0, 0, 2}, me[6] = {2, 0, 0, 0, 0, 1};
    CHECK(memcmp(out, gw, 6) == 0 && memcmp(out + 6, me, 6) == 0);
    CHECK_EQ(if_stat_get(h.ifp, offsetof(struct if_data, ifi_ipackets)), 1);
    CHECK_EQ(if_stat_get(h.ifp, offsetof(struct if_data, ifi_opackets)), 1);
    CHECK_EQ(ipstat_get(h.k, offsetof(struct ipstat, ips_forward)), 1);
    /* the same frame with its checksum checked in software */
    harness_fini(&h);
    cfg.trust_rxcsum = false;
    harness_init(&h, &cfg);
    expect(&h, f, n, H_CSUM_NONE, true, DROP_COUNT, "good, software checksum");
    harness_fini(&h);
}

static void test_link_layer(void)
{
    struct kernel_cfg cfg = harness_default_cfg();
    struct harness h;
    harness_init(&h, &cfg);
    uint8_t f[2048];
    size_t n = harness_frame(f, DST_OK, 64);
    expect(&h, f, 40, H_CSUM_OK, true, DROP_runt, "truncated to 40 bytes");
    expect(&h, f, 59, H_CSUM_OK, true, DROP_runt, "59 bytes");
    memset(f + 60, 0, sizeof(f) - 60);
    expect(&h, f, 1515, H_CSUM_OK, true, DROP_oversize, "longer than MTU + header");
    expect(&h, f, n, H_CSUM_OK, false, DROP_rx_error, "frame spanning descriptors");
    expect(&h, f, 0, H_CSUM_NONE, true, DROP_rx_error, "zero length");
    uint8_t g[60];
    memcpy(g, f, 60);
    g[12] = 0x86, g[13] = 0xdd;
    expect(&h, g, n, H_CSUM_NONE, true, DROP_ether_type, "IPv6 EtherType");
    g[12] = 0x08, g[13] = 0x06;
    expect(&h, g, n, H_CSUM_NONE, true, DROP_ether_type, "ARP (static ARP in this model)");
    memcpy(g, f, 60);
    g[5] = 0x77;
    expect(&h, g, n, H_CSUM_OK, true, DROP_not_for_us, "another host's MAC");
    /* input errors: the two runts, the oversize frame and the two descriptor errors; a
     * foreign EtherType or MAC is not an error */
    CHECK_EQ(if_stat_get(h.ifp, offsetof(struct if_data, ifi_ierrors)), 5);
    harness_fini(&h);
}

static void test_ip_header(void)
{
    struct kernel_cfg cfg = harness_default_cfg();
    cfg.trust_rxcsum = false; /* every header is checked in software here */
    struct harness h;
    harness_init(&h, &cfg);
    uint8_t f[60], g[60];
    size_t n = harness_frame(f, DST_OK, 64);
    uint8_t *ip = g + ETHER_HDR_LEN;
#define EDIT(stmt, fix)                                                                    \
    do {                                                                                   \
        memcpy(g, f, sizeof(g));                                                           \
        stmt;                                                                              \
        if (fix)                                                                           \
            harness_fix_cksum(g);                                                          \
    } while (0)
    EDIT(ip[0] = 6 << 4 | 5, true);
    expect(&h, g, n, H_CSUM_NONE, true, DROP_ip_version, "version 6 in an IPv4 frame");
    EDIT(ip[0] = 4 << 4 | 4, false);
    expect(&h, g, n, H_CSUM_NONE, true, DROP_ip_hlen, "header length 16 bytes");
    EDIT(ip[0] = 4 << 4 | 15, false);
    expect(&h, g, n, H_CSUM_NONE, true, DROP_ip_hlen, "header length beyond the frame");
    EDIT((ip[2] = 0, ip[3] = 10), true);
    expect(&h, g, n, H_CSUM_NONE, true, DROP_ip_len, "total length below the header");
    EDIT((ip[2] = 0x05, ip[3] = 0xdc), true);
    expect(&h, g, n, H_CSUM_NONE, true, DROP_ip_len, "total length beyond the frame");
    EDIT(ip[10] ^= 0x40, false);
    expect(&h, g, n, H_CSUM_NONE, true, DROP_ip_cksum, "bad checksum, checked in software");
    CHECK_EQ(ipstat_get(h.k, offsetof(struct ipstat, ips_badsum)), 1);
    EDIT(ip[8] = 1, true);
    expect(&h, g, n, H_CSUM_NONE, true, DROP_ttl, "TTL 1");
    EDIT(ip[8] = 0, true);
    expect(&h, g, n, H_CSUM_NONE, true, DROP_ttl, "TTL 0");
    CHECK_EQ(h.k->k_cpu[0]->icmp_errors, 2);
    EDIT((ip[0] = 4 << 4 | 6, ip[2] = 0, ip[3] = 46), true);
    expect(&h, g, n, H_CSUM_NONE, true, DROP_ip_options, "options");
    EDIT(ip[6] = 0x20, true);
    expect(&h, g, n, H_CSUM_NONE, true, DROP_ip_fragment, "more-fragments set");
    EDIT(ip[7] = 8, true);
    expect(&h, g, n, H_CSUM_NONE, true, DROP_ip_fragment, "fragment offset");
#undef EDIT
    harness_fini(&h);
}

static void test_nic_checksum_verdict(void)
{
    struct kernel_cfg cfg = harness_default_cfg();
    struct harness h;
    harness_init(&h, &cfg);
    uint8_t f[60];
    size_t n = harness_frame(f, DST_OK, 64);
    expect(&h, f, n, H_CSUM_BAD, true, DROP_ip_cksum, "the NIC reports a bad checksum");
    f[ETHER_HDR_LEN + 10] ^= 1; /* really bad, but the NIC did not check: software does */
    expect(&h, f, n, H_CSUM_NONE, true, DROP_ip_cksum, "unchecked by the NIC, bad");
    harness_fini(&h);
}

static void test_routing(void)
{
    struct kernel_cfg cfg = harness_default_cfg();
    struct harness h;
    harness_init(&h, &cfg);
    uint8_t f[60];
    size_t n = harness_frame(f, DST_NOROUTE, 64);
    expect(&h, f, n, H_CSUM_OK, true, DROP_no_route, "no route");
    CHECK_EQ(kernel_icmp_errors(h.k), 1); /* ICMP unreachable, counted */
    n = harness_frame(f, DST_NOARP, 64);
    expect(&h, f, n, H_CSUM_OK, true, DROP_no_arp, "next hop without ARP entry");
    n = harness_frame(f, DST_LOCAL, 64);
    expect(&h, f, n, H_CSUM_OK, true, DROP_ip_local, "for this host");
    n = harness_frame(f, 0xffffffffu, 64);
    expect(&h, f, n, H_CSUM_OK, true, DROP_ip_local, "limited broadcast");
    CHECK_EQ(kernel_icmp_errors(h.k), 1); /* none of these sends an ICMP error */
    harness_fini(&h);
    cfg.forwarding = false;
    harness_init(&h, &cfg);
    n = harness_frame(f, DST_OK, 64);
    expect(&h, f, n, H_CSUM_OK, true, DROP_ip_noforward, "forwarding off");
    harness_fini(&h);
}

/* Resource exhaustion: no cluster to refill the ring, and a full send queue. */
static void test_exhaustion(void)
{
    struct kernel_cfg cfg = harness_default_cfg();
    struct harness h;
    harness_init(&h, &cfg);
    uint8_t f[60];
    size_t n = harness_frame(f, DST_OK, 64);
    struct mbuf *held[256];
    unsigned nheld = 0;
    struct mbuf *m;
    while (nheld < sizeof(held) / sizeof(held[0]) && (m = m_getcl(h.k)) != NULL)
        held[nheld++] = m;
    CHECK(nheld > 0 && m_getcl(h.k) == NULL); /* the whole pool is held */
    uint64_t rx0 = harness_forwarded(&h);
    harness_rx(&h, f, n, H_CSUM_OK, true);
    CHECK_EQ(kernel_drops(h.k, DROP_nombuf), 1);
    CHECK_EQ(if_stat_get(h.ifp, offsetof(struct if_data, ifi_iqdrops)), 1);
    CHECK_EQ(harness_forwarded(&h), rx0);
    for (unsigned i = 0; i < nheld; i++)
        m_freem(h.k, held[i]);
    harness_check(&h);
    expect(&h, f, n, H_CSUM_OK, true, DROP_COUNT, "after the pool refilled");
    harness_fini(&h);

    cfg.ifq_maxlen = 1;
    harness_init(&h, &cfg);
    /* two packets reach the netisr in one batch: the first is staged (fewer than ifq_stage
     * queued, so nobody starts), the second finds the queue full, is dropped, and starts
     * transmission of the first */
    for (int i = 0; i < 2; i++) {
        unsigned s = ix_rx_next(h.sc, 0);
        memcpy(ix_rx_buf(h.sc, 0, s), f, n);
        union nic_rx_desc *d = ix_rx_desc(h.sc, 0, s);
        memset(d, 0, sizeof(*d));
        d->wb.length = (uint16_t)n;
        d->wb.status_error = NIC_RXD_STAT_DD | NIC_RXD_STAT_EOP | NIC_RXD_STAT_IPCS;
        ix_rxeof(h.sc, 0, 1);
    }
    harness_rx(&h, f, 0, H_CSUM_NONE, true); /* runs the netisr (and drops a 0-byte frame) */
    CHECK_EQ(kernel_drops(h.k, DROP_ifq_full), 1);
    CHECK_EQ(harness_forwarded(&h), 1);
    CHECK_EQ(if_stat_get(h.ifp, offsetof(struct if_data, ifi_oqdrops)), 1);
    harness_check(&h);
    harness_fini(&h);
}

/* The same counters land in one shared struct or in per-CPU copies (each where its layout
 * says, and nowhere else), and read the same. */
static void test_stats_layouts_agree(void)
{
    uint64_t got[2];
    for (int layout = 0; layout < 2; layout++) {
        struct kernel_cfg cfg = harness_default_cfg();
        cfg.stats = layout == 0 ? STATS_SHARED : STATS_PERCPU;
        struct harness h;
        harness_init(&h, &cfg);
        uint8_t f[60];
        size_t n = harness_frame(f, DST_OK, 64);
        for (int i = 0; i < 5; i++)
            harness_rx(&h, f, n, H_CSUM_OK, true);
        got[layout] = if_stat_get(h.ifp, offsetof(struct if_data, ifi_obytes));
        uint64_t shared = h.ifp->if_data.ifi_obytes, mine = h.ifp->if_data_pcpu[0].d.ifi_obytes;
        CHECK_EQ(shared, layout == 0 ? 300 : 0);
        CHECK_EQ(mine, layout == 0 ? 0 : 300);
        CHECK_EQ(ipstat_get(h.k, offsetof(struct ipstat, ips_forward)), 5);
        harness_fini(&h);
    }
    CHECK_EQ(got[0], 300);
    CHECK_EQ(got[1], 300);
}

/* A route goes into every CPU's table or into none: when memory runs out part-way through
 * the replicas, the copies already added are taken back. Tried with the failure at every
 * allocation the add makes, until it needs no more. */
static void test_route_add_all_or_none(void)
{
    struct kernel_cfg cfg = harness_default_cfg();
    struct kern_machine *km = fake_kern_create(4);
    struct kernel *k = kernel_create(km, "r", &cfg);
    CHECK(k != NULL);
    CHECK_EQ(k->k_ncpus, 4);
    uint32_t dst = 0xc6120000u; /* 198.18.0.0/15 */
    size_t before[4];
    for (unsigned c = 0; c < 4; c++)
        before[c] = rt_count(k->k_rt[c]);
    /* The first table's add needs some allocations, each later table's as many: failing
     * the n-th allocation fails in table (n - 1) / per, after (n - 1) / per copies. */
    unsigned failures = 0;
    bool added = false;
    for (long n = 1; n < 64 && !added; n++) {
        fake_kern_fail_alloc_after(km, n);
        int e = kernel_route_add(k, dst, 24, 0x0a000002u, NULL);
        fake_kern_fail_alloc_after(km, -1);
        for (unsigned c = 0; c < 4; c++)
            CHECK_EQ(rt_count(k->k_rt[c]), before[c] + (e == 0));
        if (e == 0)
            added = true;
        else {
            CHECK_EQ(e, ENOMEM);
            failures++;
        }
    }
    /* each table's add makes the same allocations, so every one of them failed once in
     * each of the four tables */
    CHECK(failures >= 4 && failures % 4 == 0);
    CHECK(added);
    for (unsigned c = 0; c < 4; c++)
        rt_check(k->k_rt[c]);
    kernel_destroy(k);
    CHECK_EQ(fake_kern_live_allocs(km), 0);
    fake_kern_destroy(km);
}

/* A frame of `len` bytes to transmit, from CPU `cpu`'s cache. */
static struct mbuf *tx_frame_len(struct kern_machine *km, struct kernel *k, unsigned cpu,
                                 int32_t len)
{
    fake_kern_set_cpu(km, cpu);
    struct mbuf *m = m_getcl(k);
    CHECK(m != NULL);
    memset(m->m_data, 0, (size_t)len);
    m->m_len = m->m_pkthdr.len = len;
    return m;
}

static struct mbuf *tx_frame(struct kern_machine *km, struct kernel *k, unsigned cpu)
{
    return tx_frame_len(km, k, cpu, 60);
}

/* Two CPUs, one TX ring (owned by CPU 0) with its send queue `sq`, staging up to `stage`
 * packets: the machine of the send-queue tests. */
struct txq {
    struct kern_machine *km;
    struct kernel *k;
    struct kern_dev *dev;
    struct ix_softc *sc;
    struct ifnet *ifp;
    struct ifaltq_subque *sq;
};

static void txq_init(struct txq *t, unsigned stage)
{
    struct kernel_cfg cfg = harness_default_cfg();
    cfg.tx_rings = TX_ONE;
    cfg.ifq_stage = stage;
    t->km = fake_kern_create(2);
    t->k = kernel_create(t->km, "q", &cfg);
    t->dev = fake_kern_add_dev(t->km, "ix0", "82599");
    struct ix_attach_args a = {.mode = IX_MODE_MSIX, .rx_rings = 1, .tx_rings = 1, .nvec = 1,
                               .rx_ndesc = H_RXDESC, .tx_ndesc = H_TXDESC,
                               .mac = {2, 0, 0, 0, 0, 1}, .mtu = 1500,
                               .ifq_maxlen = 64};
    a.vec_rate[0] = 8000;
    t->sc = ix_attach(t->k, t->dev, &a);
    CHECK(t->sc != NULL);
    t->ifp = ix_ifnet(t->sc);
    CHECK_EQ(t->ifp->if_snd_cnt, 1);
    t->sq = t->ifp->if_snd[0];
}

static void txq_fini(struct txq *t)
{
    CHECK_EQ(fake_kern_crit_depth(t->km), 0);
    kernel_check(t->k);
    ix_detach(t->sc);
    kernel_destroy(t->k);
    fake_kern_destroy(t->km);
}

/* Run what is queued for CPU cpu's netisr, on that CPU, with its rollup; returns the
 * messages handled. */
static uint64_t run_netisr(struct txq *t, unsigned cpu)
{
    fake_kern_set_cpu(t->km, cpu);
    return netisr_handle_queued(t->k, cpu);
}

/* Handle nm as a message to CPU 1's netisr, then its rollup, as forwarding's handlers run;
 * returns the messages handled. */
static uint64_t on_netisr1(struct txq *t, struct netmsg *nm)
{
    fake_kern_set_cpu(t->km, 1);
    netisr_sendmsg(t->k, nm, 1, NETISR_OTHER);
    return run_netisr(t, 1);
}

/* The send queue's start paths with two CPUs and one TX ring owned by CPU 0 (DragonFly's
 * ifq_dispatch): a CPU that finds the ring's serializer free transmits itself; one that
 * finds it taken hands the start, with the interlock, to the owner's netisr (one message,
 * however many packets follow), and the owner transmits them all. */
static void test_send_queue_two_cpus(void)
{
    struct txq t;
    txq_init(&t, 1); /* start at once: no staging */
    CHECK_EQ(t.sq->cpu, 0);
    struct ix_stats st;

    /* CPU 1, serializer free: it transmits itself */
    ifq_dispatch(t.ifp, tx_frame(t.km, t.k, 1));
    ix_stats(t.sc, &st);
    CHECK_EQ(st.tx_packets, 1);
    CHECK_EQ(t.sq->direct_starts, 1);
    CHECK_EQ(t.sq->owner_starts, 0);
    CHECK_EQ(t.sq->len, 0);
    CHECK_EQ(t.sq->started, 0);

    /* CPU 0 holds the serializer (a TX completion in progress, say); CPU 1 queues two */
    fake_kern_set_cpu(t.km, 0);
    t.ifp->if_ops->if_serialize_tx(t.ifp, t.sq);
    ifq_dispatch(t.ifp, tx_frame(t.km, t.k, 1));
    CHECK_EQ(t.sq->owner_starts, 1); /* the start went to CPU 0's netisr */
    CHECK_EQ(t.sq->started, 1);      /* with the interlock */
    ifq_dispatch(t.ifp, tx_frame(t.km, t.k, 1));
    CHECK_EQ(t.sq->owner_starts, 1); /* started: the second packet is only queued */
    CHECK_EQ(t.sq->direct_starts, 1);
    CHECK_EQ(t.sq->len, 2);
    ix_stats(t.sc, &st);
    CHECK_EQ(st.tx_packets, 1);
    CHECK_EQ(kernel_packets_queued(t.k), 2);

    /* CPU 0 lets go; its netisr runs the start message and transmits both */
    fake_kern_set_cpu(t.km, 0);
    t.ifp->if_ops->if_deserialize_tx(t.ifp, t.sq);
    CHECK_EQ(fake_kern_crit_depth(t.km), 0);
    CHECK(run_netisr(&t, 0) >= 1);
    ix_stats(t.sc, &st);
    CHECK_EQ(st.tx_packets, 3);
    CHECK_EQ(t.sq->len, 0);
    CHECK_EQ(t.sq->started, 0);
    CHECK_EQ(t.sq->owner_starts, 1);
    txq_fini(&t);
}

/* A TX ring with no room for the longest scatter list (33 + 3 descriptors, DragonFly's
 * IX_MAX_SCATTER + IX_TX_RESERVED) stops transmission: the subqueue is oactive, nobody holds
 * the interlock, packets wait in the send queue, and no start touches the ring, not even to
 * reclaim what the chip has sent. Only the TX completion reclaims; it clears oactive and
 * restarts (ifsq_devstart), once per completion. */
static void test_send_queue_restarts_after_full_ring(void)
{
    struct kernel_cfg cfg = harness_default_cfg();
    cfg.ifq_stage = 1;
    cfg.ifq_maxlen = 256;
    struct harness h;
    harness_init(&h, &cfg);
    struct kern_machine *km = h.km;
    struct kernel *k = h.k;
    struct kern_dev *dev = h.dev;
    struct ix_softc *sc = h.sc;
    struct ifnet *ifp = h.ifp;
    struct ifaltq_subque *sq = ifp->if_snd[0];
    enum { N = 100, RESERVE = 33 + 3, ROOM = H_TXDESC - RESERVE };
    for (int i = 0; i < N; i++)
        ifq_dispatch(ifp, tx_frame(km, k, 0));
    struct ix_stats st;
    ix_stats(sc, &st);
    /* 28 went out; the start that found the ring at its reserve marked it oactive, and the
     * 72 dispatches after it did not call the driver at all */
    CHECK_EQ(st.tx_packets, ROOM);
    CHECK_EQ(st.tx_ring_full, 1);
    CHECK_EQ(sq->oactive, 1);
    CHECK_EQ(sq->len, N - ROOM);
    CHECK_EQ(sq->started, 0);
    CHECK_EQ(kernel_packets_queued(k), N - ROOM);
    CHECK_EQ(st.mbufs_tx, ROOM);
    uint32_t tail = fake_kern_dev_reg(dev, IX_TDT(0));
    CHECK_EQ(tail, ROOM);
    kernel_check(k);

    /* the chip has sent all 28 and written back its head, but no completion ran yet: more
     * dispatches leave the ring alone (DragonFly's ix_start never reclaims) */
    *ix_tx_head_wb(sc, 0) = tail;
    for (int i = 0; i < 10; i++)
        ifq_dispatch(ifp, tx_frame(km, k, 0));
    ix_stats(sc, &st);
    CHECK_EQ(st.tx_packets, ROOM);
    CHECK_EQ(st.mbufs_tx, ROOM);
    CHECK_EQ(st.tx_ring_full, 1);
    CHECK_EQ(sq->len, N + 10 - ROOM);

    /* each completion reclaims what the chip sent, clears oactive and posts the next 28,
     * until the queue is empty; the last start leaves the ring not oactive */
    unsigned completions = 0;
    uint64_t sent = ROOM;
    while (sq->len > 0 && completions < 10) {
        *ix_tx_head_wb(sc, 0) = fake_kern_dev_reg(dev, IX_TDT(0));
        CHECK(fake_kern_dev_fire(dev, 0));
        completions++;
        ix_stats(sc, &st);
        uint64_t expect = sent + ROOM < N + 10 ? sent + ROOM : N + 10;
        CHECK_EQ(st.tx_packets, expect);
        CHECK_EQ(st.mbufs_tx, expect - sent); /* the previous batch was freed */
        sent = expect;
        CHECK_EQ(sq->started, 0);
    }
    CHECK_EQ(completions, 3); /* 110 = 28 + 3 x 28 - 2 */
    CHECK_EQ(st.tx_completion_starts, 3);
    CHECK_EQ(st.tx_packets, N + 10);
    CHECK_EQ(st.tx_ring_full, 3); /* the first start and two full completions */
    CHECK_EQ(sq->oactive, 0);
    CHECK_EQ(fake_kern_dev_reg(dev, IX_TDT(0)), (uint32_t)(N + 10) % H_TXDESC);
    CHECK_EQ(kernel_packets_queued(k), 0);
    CHECK_EQ(fake_kern_crit_depth(km), 0);
    kernel_check(k);

    /* a completion with nothing waiting starts nothing */
    *ix_tx_head_wb(sc, 0) = (N + 10) % H_TXDESC;
    CHECK(fake_kern_dev_fire(dev, 0));
    ix_stats(sc, &st);
    CHECK_EQ(st.tx_packets, N + 10);
    CHECK_EQ(st.mbufs_tx, 0);
    CHECK_EQ(st.tx_ring_full, 3);
    CHECK_EQ(st.tx_completion_starts, 3); /* nothing was waiting: no start */
    harness_check(&h);
    harness_fini(&h);
}

/* A netisr message that queues 720 + 719 bytes on CPU 1, and notes what was sent then. */
struct stage_msg {
    struct netmsg nm;
    struct kern_machine *km;
    struct kernel *k;
    struct ifnet *ifp;
    struct ix_softc *sc;
    uint64_t tx_before_rollup;
    uint32_t len_before_rollup;
};

static void stage_two(struct netmsg *nm)
{
    struct stage_msg *m = (struct stage_msg *)(void *)nm;
    ifq_dispatch(m->ifp, tx_frame_len(m->km, m->k, 1, 720));
    ifq_dispatch(m->ifp, tx_frame_len(m->km, m->k, 1, 719));
    struct ix_stats st;
    ix_stats(m->sc, &st);
    m->tx_before_rollup = st.tx_packets;
    m->len_before_rollup = m->ifp->if_snd[0]->stage[1].len;
}

/* Staging stops at ifq_stage packets or at the MTU less max_protohdr bytes (DragonFly's
 * ifq_dispatch), whichever comes first; the rollup starts what stays staged. */
static void test_staging_counts_bytes(void)
{
    struct txq t;
    txq_init(&t, 4);
    struct ix_stats st;
    /* small frames: three are staged, the fourth starts */
    for (int i = 0; i < 3; i++)
        ifq_dispatch(t.ifp, tx_frame(t.km, t.k, 1));
    ix_stats(t.sc, &st);
    CHECK_EQ(st.tx_packets, 0);
    CHECK_EQ(t.sq->len, 3);
    CHECK_EQ(t.sq->stage[1].queued, 1);
    ifq_dispatch(t.ifp, tx_frame(t.km, t.k, 1));
    ix_stats(t.sc, &st);
    CHECK_EQ(st.tx_packets, 4);
    CHECK_EQ(t.sq->stage[1].cnt, 0);
    CHECK_EQ(t.sq->stage[1].len, 0);
    /* the byte limit, 1500 - 60 = 1440: 720 + 719 bytes stay staged. Queued from a message
     * handler of CPU 1's netisr, as forwarding does, so that the batch ends with the rollup,
     * which starts them and forgets count and bytes. */
    struct stage_msg msg = {.nm = {.nm_dispatch = stage_two, .nm_flags = NMF_CONTROL},
                            .km = t.km, .k = t.k, .ifp = t.ifp, .sc = t.sc};
    CHECK_EQ(on_netisr1(&t, &msg.nm), 1);
    CHECK_EQ(msg.tx_before_rollup, 4);
    CHECK_EQ(msg.len_before_rollup, 1439);
    ix_stats(t.sc, &st);
    CHECK_EQ(st.tx_packets, 6);
    CHECK_EQ(t.sq->stage[1].cnt, 0);
    CHECK_EQ(t.sq->stage[1].len, 0);
    CHECK_EQ(t.sq->stage[1].queued, 0);
    /* 720 + 720 = 1440 bytes: the second starts */
    ifq_dispatch(t.ifp, tx_frame_len(t.km, t.k, 1, 720));
    ix_stats(t.sc, &st);
    CHECK_EQ(st.tx_packets, 6);
    ifq_dispatch(t.ifp, tx_frame_len(t.km, t.k, 1, 720));
    ix_stats(t.sc, &st);
    CHECK_EQ(st.tx_packets, 8);
    CHECK_EQ(t.sq->len, 0);
    CHECK_EQ(t.sq->direct_starts, 3); /* the fourth small frame, the rollup, the 1440th byte */
    txq_fini(&t);
}

/* What CPU 0 does while CPU 1's start writes its last doorbell: it queues `n` packets behind
 * the interlock CPU 1 holds (once). */
struct racer {
    struct kern_machine *km;
    struct kernel *k;
    struct ifnet *ifp;
    int n;
};

static void racer_queues(void *arg, uint32_t reg, uint32_t val)
{
    (void)val;
    struct racer *r = arg;
    if (reg != IX_TDT(0) || r->n == 0)
        return;
    unsigned cpu = kern_curcpu(r->km);
    int n = r->n;
    r->n = 0;
    for (int i = 0; i < n; i++)
        ifq_dispatch(r->ifp, tx_frame(r->km, r->k, 0));
    fake_kern_set_cpu(r->km, cpu);
}

/* A netisr message on CPU 1: queue `n` packets, and note the hand-off state before the
 * rollup runs. */
struct handoff_msg {
    struct netmsg nm;
    struct kern_machine *km;
    struct kernel *k;
    struct ifnet *ifp;
    int n;
    uint64_t owner_starts, direct_starts;
    uint8_t sched;
    uint32_t started;
};

static void handoff_queue(struct netmsg *nm)
{
    struct handoff_msg *m = (struct handoff_msg *)(void *)nm;
    for (int i = 0; i < m->n; i++)
        ifq_dispatch(m->ifp, tx_frame(m->km, m->k, 1));
    struct ifaltq_subque *sq = m->ifp->if_snd[0];
    m->owner_starts = sq->owner_starts;
    m->direct_starts = sq->direct_starts;
    m->sched = sq->stage[1].sched;
    m->started = sq->started;
}

/* A netisr that transmits and finds packets queued behind it (by another CPU during its
 * start) keeps the interlock and hands the start to the owner, but not at once: it defers
 * the hand-off to its rollup (DragonFly's IFSQ_STAGE_FLAG_SCHED), or sends it as soon as it
 * has staged stage_cntmax more packets itself. The owner's netisr then transmits them. Code
 * that is not netisr work (here the test itself) hands over at once. */
static void test_owner_start_deferred_to_rollup(void)
{
    struct txq t;
    txq_init(&t, 4);
    struct racer r = {.km = t.km, .k = t.k, .ifp = t.ifp};
    fake_kern_dev_on_write(t.dev, racer_queues, &r);
    struct ix_stats st;

    /* 1. CPU 1's netisr queues 4: the fourth starts, on CPU 1; during that start CPU 0
     * queues 2. The hand-off waits for the end of the batch. */
    r.n = 2;
    struct handoff_msg m = {.nm = {.nm_dispatch = handoff_queue, .nm_flags = NMF_CONTROL},
                            .km = t.km, .k = t.k, .ifp = t.ifp, .n = 4};
    CHECK_EQ(on_netisr1(&t, &m.nm), 1);
    CHECK_EQ(m.direct_starts, 1);
    CHECK_EQ(m.owner_starts, 0); /* deferred */
    CHECK_EQ(m.sched, 1);
    CHECK_EQ(m.started, 1);      /* CPU 1 keeps the interlock meanwhile */
    CHECK_EQ(t.sq->owner_starts, 1); /* the rollup sent it */
    CHECK_EQ(t.sq->stage[1].sched, 0);
    CHECK_EQ(t.sq->stage[1].queued, 0);
    CHECK_EQ(t.sq->len, 2);
    CHECK_EQ(t.sq->started, 1);
    ix_stats(t.sc, &st);
    CHECK_EQ(st.tx_packets, 4);
    /* the owner's netisr transmits the 2 and lets the interlock go */
    CHECK(run_netisr(&t, 0) >= 1);
    ix_stats(t.sc, &st);
    CHECK_EQ(st.tx_packets, 6);
    CHECK_EQ(t.sq->len, 0);
    CHECK_EQ(t.sq->started, 0);

    /* 2. the same, then 4 more from CPU 1 in the same batch: the fourth of them sends the
     * deferred hand-off at once; the rollup has nothing left to do */
    r.n = 2;
    m.n = 8;
    CHECK_EQ(on_netisr1(&t, &m.nm), 1);
    CHECK_EQ(m.direct_starts, 2);
    CHECK_EQ(m.owner_starts, 2); /* sent inside the batch */
    CHECK_EQ(m.sched, 0);
    CHECK_EQ(t.sq->owner_starts, 2);
    CHECK_EQ(t.sq->len, 6);
    CHECK(run_netisr(&t, 0) >= 1);
    ix_stats(t.sc, &st);
    CHECK_EQ(st.tx_packets, 16);
    CHECK_EQ(t.sq->started, 0);

    /* 3. not netisr work: the test's own start, with CPU 0 queuing 2 behind it, hands over
     * at once */
    r.n = 2;
    for (int i = 0; i < 4; i++)
        ifq_dispatch(t.ifp, tx_frame(t.km, t.k, 1));
    CHECK_EQ(t.sq->direct_starts, 3);
    CHECK_EQ(t.sq->owner_starts, 3);
    CHECK_EQ(t.sq->stage[1].sched, 0);
    CHECK(run_netisr(&t, 0) >= 1);
    ix_stats(t.sc, &st);
    CHECK_EQ(st.tx_packets, 22);
    CHECK_EQ(t.sq->len, 0);
    CHECK_EQ(t.sq->started, 0);
    fake_kern_dev_on_write(t.dev, NULL, NULL);
    txq_fini(&t);
}

/* ---- polling(4) (ifpoll.c) ---- */

struct fake_ring {
    struct kern_machine *km;
    unsigned calls, taken;
    int last;
    uint64_t cycles_per_packet; /* the work each packet costs the poll */
    unsigned ticks_inside;      /* timer ticks to fire from inside the next call */
};

static void fake_npoll(void *arg, int count)
{
    struct fake_ring *r = arg;
    r->calls++;
    r->last = count;
    if (count > 0) {
        r->taken += (unsigned)count;
        kern_charge(r->km, r->cycles_per_packet * (uint64_t)count);
    }
    for (; r->ticks_inside; r->ticks_inside--) /* the timer interrupts the poll */
        CHECK(fake_kern_timer_fire(r->km, 0));
}

static uint64_t poll_burst_now(const struct kernel *k)
{
    struct ifpoll_stats ps;
    ifpoll_stats(k, &ps);
    return ps.burst_sum;
}

/* One tick of CPU 0's timer, then its netisr until the port is empty. */
static void poll_tick(struct kern_machine *km, struct kernel *k)
{
    CHECK(fake_kern_timer_fire(km, 0));
    netisr_handle_queued(k, 0);
}

/* The tick's budget is taken in each_burst chunks, grows by one while the polls' work stays
 * under 100 - user_frac percent of a tick and shrinks by one above it; a tick that finds
 * the last one unfinished is lost and polled again at once with the budget cut by 1/8; a TX
 * handler whose serializer is held is skipped. Timers tick at pollhz + (cpu * 3) % 50. */
static void test_ifpoll_adapts_its_burst(void)
{
    struct kern_machine *km = fake_kern_create(2);
    struct kernel_cfg cfg = harness_default_cfg();
    struct kernel *k = kernel_create(km, "h", &cfg);
    struct fake_ring rx = {.km = km}, tx = {.km = km};
    struct spinlock ser = {0};
    ifpoll_register(k, 0, true, fake_npoll, &rx, NULL);
    ifpoll_register(k, 0, false, fake_npoll, &tx, &ser);
    ifpoll_register(k, 1, true, fake_npoll, &rx, NULL);
    ifpoll_start(k);
    CHECK(fake_kern_timer_period(km, 0) == KERN_PS_PER_S / 6000);
    CHECK(fake_kern_timer_period(km, 1) == KERN_PS_PER_S / 6003);
    fake_kern_set_cpu(km, 0);

    /* light work (1 us per tick): the budget starts at each_burst (50) and grows */
    rx.cycles_per_packet = 20; /* 50 x 20 cycles at 1 GHz = 1 us */
    CHECK(poll_burst_now(k) == 100); /* two RX contexts at 50 */
    poll_tick(km, k);
    CHECK(rx.calls == 1 && rx.last == 50 && tx.calls == 1 && tx.last == -1);
    CHECK(poll_burst_now(k) == 101);
    poll_tick(km, k); /* budget 51: a chunk of 50, then one of 1 */
    CHECK(rx.calls == 3 && rx.last == 1 && rx.taken == 101);
    CHECK(poll_burst_now(k) == 102);

    /* heavy work: 52 packets x 2000 cycles = 104 us > 50% of a 166.7 us tick */
    rx.cycles_per_packet = 2000;
    poll_tick(km, k);
    CHECK(rx.taken == 153 && poll_burst_now(k) == 101);
    struct ifpoll_stats ps;
    ifpoll_stats(k, &ps);
    /* 104 us of packets plus the fake machine's netisr costs, in percent of 166.7 us */
    CHECK(ps.kern_frac_sum >= 62 && ps.kern_frac_sum <= 64);

    /* two ticks before the netisr runs: one is lost, and the budget is cut by an eighth */
    CHECK(fake_kern_timer_fire(km, 0) && fake_kern_timer_fire(km, 0));
    netisr_handle_queued(k, 0);
    ifpoll_stats(k, &ps);
    CHECK(ps.lost_polls == 1);
    CHECK(ps.ticks == 5);
    /* 51 taken and -1 (heavy), then 50 - 50/8 = 44 taken in the repoll, -1 again */
    CHECK(rx.taken == 153 + 51 + 44);
    CHECK(poll_burst_now(k) - 50 == 43);

    /* the TX ring's serializer held elsewhere: its handler is skipped, RX still polled */
    unsigned txc = tx.calls;
    ser.sl_lock = 1;
    poll_tick(km, k);
    ifpoll_stats(k, &ps);
    CHECK(tx.calls == txc && ps.skipped == 1);
    ser.sl_lock = 0;

    /* a tick while the RX handler runs is lost, and the poll runs again at once */
    unsigned calls = rx.calls;
    uint64_t lost = ps.lost_polls;
    rx.cycles_per_packet = 20;
    rx.ticks_inside = 1;
    poll_tick(km, k);
    ifpoll_stats(k, &ps);
    CHECK(ps.lost_polls == lost + 1 && rx.calls == calls + 2);

    /* more than 100 ticks pending: the context is reset (stalled) and polls on */
    rx.ticks_inside = 101;
    poll_tick(km, k);
    ifpoll_stats(k, &ps);
    CHECK(ps.stalled >= 1);
    calls = rx.calls;
    poll_tick(km, k); /* a normal tick afterwards: one poll, nothing lost */
    struct ifpoll_stats after;
    ifpoll_stats(k, &after);
    CHECK(rx.calls == calls + 1 && after.lost_polls == ps.lost_polls);
    netisr_check(k);
    kernel_destroy(k);
    fake_kern_destroy(km);
}

int main(void)
{
    RUN(test_good_frame_forwarded);
    RUN(test_link_layer);
    RUN(test_ip_header);
    RUN(test_nic_checksum_verdict);
    RUN(test_routing);
    RUN(test_exhaustion);
    RUN(test_stats_layouts_agree);
    RUN(test_route_add_all_or_none);
    RUN(test_send_queue_two_cpus);
    RUN(test_send_queue_restarts_after_full_ring);
    RUN(test_staging_counts_bytes);
    RUN(test_owner_start_deferred_to_rollup);
    RUN(test_ifpoll_adapts_its_burst);
    return check_result();
}
