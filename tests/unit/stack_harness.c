/*
 * stack_harness.c - see stack_harness.h.
 */
#include "stack_harness.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_kern.h"
#include "hwmodel/prot/nic_desc.h"
#include "prot/cksum.h"
#include "prot/ether.h"
#include "prot/ip.h"
#include "stack/if.h"
#include "stack/if_ix.h"
#include "stack/mbuf.h"
#include "stack/netisr.h"

#define A(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

struct kernel_cfg harness_default_cfg(void)
{
    return (struct kernel_cfg){.threading = NETISR_ONE, .port = PORT_SPIN,
                               .handoff = HANDOFF_PACKET, .hash = HASH_SYMMETRIC,
                               .stats = STATS_PERCPU, .routes = ROUTES_PERCPU,
                               .tx_rings = TX_PERCPU, .netisr_batch = 512, .ipiq_depth = 32,
                               .nmbclusters = 256, .magazine = 16, .forwarding = true,
                               .trust_rxcsum = true, .ifq_maxlen = 64, .ifq_stage = 4,
                               .poll_hz = 6000, .poll_burst_max = 250,
                               .poll_each_burst = 50, .poll_user_frac = 50};
}

void harness_init(struct harness *h, const struct kernel_cfg *cfg)
{
    static const uint8_t peer[6] = {2, 0, 0, 0, 0, 2};
    memset(h, 0, sizeof(*h));
    h->km = fake_kern_create(1);
    h->k = kernel_create(h->km, "h", cfg);
    h->dev = fake_kern_add_dev(h->km, "ix0", "82599");
    struct ix_attach_args a = {.mode = IX_MODE_MSIX, .rx_rings = 1, .tx_rings = 1, .nvec = 1,
                               .rx_ndesc = H_RXDESC, .tx_ndesc = H_TXDESC,
                               .mac = {2, 0, 0, 0, 0, 1}, .mtu = 1500,
                               .ifq_maxlen = (uint32_t)cfg->ifq_maxlen};
    a.vec_rate[0] = 8000;
    h->sc = ix_attach(h->k, h->dev, &a);
    if (!h->sc) {
        fprintf(stderr, "harness: ix_attach failed\n");
        abort();
    }
    h->ifp = ix_ifnet(h->sc);
    h->k->k_addr[h->ifp->if_index] = A(10, 0, 0, 1);
    if (kernel_route_add(h->k, A(10, 0, 0, 0), 24, 0, h->ifp) ||
        kernel_route_add(h->k, A(198, 18, 0, 0), 15, A(10, 0, 0, 2), h->ifp) ||
        kernel_route_add(h->k, A(203, 0, 113, 0), 24, A(10, 0, 0, 99), h->ifp) ||
        kernel_arp_add(h->k, h->ifp, A(10, 0, 0, 2), peer)) {
        fprintf(stderr, "harness: routes\n");
        abort();
    }
}

void harness_fini(struct harness *h)
{
    ix_detach(h->sc);
    kernel_destroy(h->k);
    fake_kern_destroy(h->km);
}

void harness_rx(struct harness *h, const uint8_t *frame, size_t len, enum h_csum csum, bool eop)
{
    unsigned i = ix_rx_next(h->sc, 0);
    uint8_t *buf = ix_rx_buf(h->sc, 0, i);
    memcpy(buf, frame, len < MCLBYTES ? len : MCLBYTES);
    union nic_rx_desc *d = ix_rx_desc(h->sc, 0, i);
    memset(d, 0, sizeof(*d));
    d->wb.pkt_info = NIC_RSSTYPE_IPV4;
    d->wb.rss = 0x12345678;
    d->wb.length = (uint16_t)(len > 0xffff ? 0xffff : len);
    d->wb.status_error = NIC_RXD_STAT_DD | (eop ? NIC_RXD_STAT_EOP : 0);
    if (csum != H_CSUM_NONE)
        d->wb.status_error |= NIC_RXD_STAT_IPCS | (csum == H_CSUM_BAD ? IX_RXD_ERR_IPE : 0);
    ix_rxeof(h->sc, 0, 1);
    netisr_handle_queued(h->k, 0);
}

size_t harness_frame(uint8_t *buf, uint32_t dst, uint8_t ttl)
{
    memset(buf, 0, 60);
    const uint8_t mac[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0x10};
    memcpy(buf, mac, 12);
    buf[12] = ETHERTYPE_IP >> 8;
    buf[13] = ETHERTYPE_IP & 0xff;
    struct ip ip = {.ip_vhl = IPVERSION << 4 | 5, .ip_len = htons(46), .ip_ttl = ttl,
                    .ip_p = IPPROTO_UDP, .ip_src = htonl(A(10, 0, 0, 7)), .ip_dst = htonl(dst)};
    memcpy(buf + ETHER_HDR_LEN, &ip, sizeof(ip));
    harness_fix_cksum(buf);
    return 60;
}

void harness_fix_cksum(uint8_t *buf)
{
    uint8_t *ip = buf + ETHER_HDR_LEN;
    unsigned hl = (ip[0] & 0xfu) * 4u;
    if (hl < IP_HDR_MINLEN || hl > 60)
        hl = IP_HDR_MINLEN;
    ip[10] = ip[11] = 0;
    uint16_t s = inet_cksum(ip, hl);
    ip[10] = (uint8_t)(s >> 8);
    ip[11] = (uint8_t)s;
}

void harness_check(struct harness *h)
{
    kernel_check(h->k);
    if (fake_kern_crit_depth(h->km)) {
        fprintf(stderr, "harness: a critical section was left open\n");
        abort();
    }
    struct ix_stats st;
    ix_stats(h->sc, &st);
    struct objcache_stats oc;
    objcache_stats(h->k->k_mbufs, &oc);
    uint64_t queued = kernel_packets_queued(h->k);
    if (oc.in_use != st.mbufs_rx + st.mbufs_tx + queued) {
        fprintf(stderr, "harness: %llu mbufs in use != %llu RX + %llu TX + %llu queued\n",
                (unsigned long long)oc.in_use, (unsigned long long)st.mbufs_rx,
                (unsigned long long)st.mbufs_tx, (unsigned long long)queued);
        abort();
    }
}

uint64_t harness_forwarded(const struct harness *h)
{
    struct ix_stats st;
    ix_stats(h->sc, &st);
    return st.tx_packets;
}
