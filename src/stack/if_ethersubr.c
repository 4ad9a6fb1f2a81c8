/*
 * if_ethersubr.c - Ethernet input, dispatch to the netisrs, and output with a static ARP
 * table. See ether.h.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hwmodel/toeplitz.h" /* pure computation shared with the NIC model: no machine state */
#include "prot/ether.h"
#include "prot/ip.h"
#include "prot/udp.h"
#include "stack/ether.h"
#include "stack/if.h"
#include "stack/ip_var.h"
#include "stack/mbuf.h"

#define ETHER_MIN_NOFCS (ETHER_MIN_LEN - ETHER_CRC_LEN) /* 60 */

static bool is_ours(const struct ifnet *ifp, const uint8_t *dst)
{
    return memcmp(dst, ifp->if_lladdr, ETHER_ADDR_LEN) == 0 || (dst[0] & 1); /* or group */
}

uint32_t ether_soft_hash(struct kernel *k, const uint8_t *frame, uint32_t len)
{
    struct kern_machine *km = k->k_mach;
    kern_charge_op(km, KOP_hash, 1);
    if (len < ETHER_HDR_LEN + IP_HDR_MINLEN)
        return 0;
    struct ip ip;
    memcpy(&ip, frame + ETHER_HDR_LEN, sizeof(ip));
    uint32_t src = ntohl(ip.ip_src), dst = ntohl(ip.ip_dst);
    unsigned hl = (ip.ip_vhl & 0xf) * 4u;
    uint16_t sport = 0, dport = 0;
    bool ports = (ip.ip_p == IPPROTO_UDP || ip.ip_p == IPPROTO_TCP) &&
                 !(ntohs(ip.ip_off) & (IP_MF | IP_OFFMASK)) && hl >= IP_HDR_MINLEN &&
                 len >= ETHER_HDR_LEN + hl + 4;
    if (ports) {
        memcpy(&sport, frame + ETHER_HDR_LEN + hl, 2);
        memcpy(&dport, frame + ETHER_HDR_LEN + hl + 2, 2);
        sport = ntohs(sport);
        dport = ntohs(dport);
    }
    if (k->k_cfg.hash == HASH_XOR) /* INP_MPORT_HASH (seed 002 figure I), before the mask */
        return src ^ dst ^ sport ^ dport;
    /* The NIC hashes IPv4 addresses (and TCP ports); do the same in software. */
    const uint8_t *key = toeplitz_ms_key;
    uint8_t sym[TOEPLITZ_KEY_LEN];
    if (k->k_cfg.hash == HASH_SYMMETRIC) {
        toeplitz_sym_key(0x6d, 0x5a, sym, sizeof(sym));
        key = sym;
    }
    uint8_t in[12];
    uint32_t ns = htonl(src), nd = htonl(dst);
    memcpy(in, &ns, 4);
    memcpy(in + 4, &nd, 4);
    size_t n = 8;
    if (ports && ip.ip_p == IPPROTO_TCP) {
        uint16_t a = htons(sport), b = htons(dport);
        memcpy(in + 8, &a, 2);
        memcpy(in + 10, &b, 2);
        n = 12;
    }
    return toeplitz_hash(key, TOEPLITZ_KEY_LEN, in, n);
}

int ether_input_classify(struct ifnet *ifp, struct mbuf *m, enum netisr_thread *thread)
{
    struct kernel *k = ifp->if_kernel;
    struct kern_machine *km = k->k_mach;
    if (m->m_len < ETHER_MIN_NOFCS) {
        IFNET_STAT_INC(ifp, ierrors, 1);
        kernel_drop(k, m, DROP_runt);
        return -1;
    }
    if ((uint32_t)m->m_len > ifp->if_mtu + ETHER_HDR_LEN) {
        IFNET_STAT_INC(ifp, ierrors, 1);
        kernel_drop(k, m, DROP_oversize);
        return -1;
    }
    /* the first touch of the frame: the NIC's DMA put it in memory (or the LLC) */
    kern_touch(km, m->m_data, ETHER_HDR_LEN + IP_HDR_MINLEN + 4, KT_READ);
    const uint8_t *f = m->m_data;
    uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
    *thread = NETISR_OTHER;
    if (type == ETHERTYPE_IP && m->m_len >= ETHER_HDR_LEN + IP_HDR_MINLEN) {
        uint8_t proto = f[ETHER_HDR_LEN + 9];
        *thread = proto == IPPROTO_TCP ? NETISR_TCP : proto == IPPROTO_UDP ? NETISR_UDP
                                                                           : NETISR_OTHER;
    }
    if (k->k_cfg.hash == HASH_XOR) {
        /* ip_mport: TCP and UDP by the XOR hash, everything else to CPU 0 */
        if (*thread == NETISR_OTHER)
            return 0;
        m->m_pkthdr.hash = ether_soft_hash(k, f, (uint32_t)m->m_len);
        m->m_flags |= M_HASH;
    } else if (!(m->m_flags & M_HASH)) {
        m->m_pkthdr.hash = ether_soft_hash(k, f, (uint32_t)m->m_len);
        m->m_flags |= M_HASH;
    }
    unsigned cpu = netisr_hashcpu(k, m->m_pkthdr.hash);
    m->m_pkthdr.cpuid = (uint16_t)cpu;
    return (int)cpu;
}

/* Netisr side: demultiplex each packet of the message by EtherType. */
static void ether_input_handler(struct netmsg *nm)
{
    struct netmsg_packet *pm = (struct netmsg_packet *)nm;
    struct mbuf *m = pm->nm_packet;
    while (m) {
        struct mbuf *next = m->m_nextpkt;
        m->m_nextpkt = NULL;
        struct ifnet *ifp = m->m_pkthdr.rcvif;
        struct kernel *k = ifp->if_kernel;
        struct kern_machine *km = k->k_mach;
        kern_charge_op(km, KOP_ether_input, 1);
        kern_touch(km, m, sizeof(*m), KT_READ);
        kern_touch(km, m->m_data, ETHER_HDR_LEN, KT_READ);
        const uint8_t *f = m->m_data;
        uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
        if (!is_ours(ifp, f)) {
            kernel_drop(k, m, DROP_not_for_us);
        } else if (type != ETHERTYPE_IP) {
            IFNET_STAT_INC(ifp, noproto, 1);
            kernel_drop(k, m, DROP_ether_type);
        } else {
            m_adj(m, ETHER_HDR_LEN);
            ip_input(k, m);
        }
        m = next;
    }
}

void ether_dispatch(struct kernel *k, struct mbuf *m, unsigned cpu, enum netisr_thread t)
{
    struct netmsg_packet *pm = &m->m_pkthdr.netmsg;
    kern_touch(k->k_mach, pm, sizeof(*pm), KT_WRITE);
    pm->nm_base.nm_dispatch = ether_input_handler;
    pm->nm_packet = m;
    netisr_sendmsg(k, &pm->nm_base, cpu, t);
}

void ether_output(struct ifnet *ifp, struct mbuf *m, uint32_t nexthop)
{
    struct kernel *k = ifp->if_kernel;
    struct kern_machine *km = k->k_mach;
    kern_charge_op(km, KOP_ether_output, 1);
    kern_touch(km, &ifp->if_flags, sizeof(ifp->if_flags), KT_READ);
    const struct arp_entry *e = arp_lookup(ifp, nexthop);
    if (!e) {
        IFNET_STAT_INC(ifp, oerrors, 1);
        kernel_drop(k, m, DROP_no_arp);
        return;
    }
    if (m_leadingspace(m) < ETHER_HDR_LEN) { /* every forwarded packet arrived with one */
        fprintf(stderr, "%s: ether_output: no room for the Ethernet header\n", k->k_name);
        abort();
    }
    m->m_data -= ETHER_HDR_LEN;
    m->m_len += ETHER_HDR_LEN;
    m->m_pkthdr.len += ETHER_HDR_LEN;
    uint8_t *f = m->m_data;
    kern_touch(km, f, ETHER_HDR_LEN, KT_WRITE);
    memcpy(f, e->mac, ETHER_ADDR_LEN);
    memcpy(f + ETHER_ADDR_LEN, ifp->if_lladdr, ETHER_ADDR_LEN);
    f[12] = ETHERTYPE_IP >> 8;
    f[13] = ETHERTYPE_IP & 0xff;
    ifq_dispatch(ifp, m);
}

void ether_register(struct kernel *k) { netisr_name_handler(k, ether_input_handler, "ether_input"); }
