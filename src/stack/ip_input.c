/*
 * ip_input.c - IPv4 input with full header validation, forwarding and output
 * (BSD netinet/ip_input.c ip_input/ip_forward, ip_output.c; RFC 791, RFC 1812).
 *
 * Every malformed packet is dropped and counted by reason, never trusted: version, header
 * length, total length against the header and the frame, header checksum (in software, or
 * the NIC's verdict when trust_rxcsum is on), options and fragments (not forwarded by this
 * model), then TTL and the route. Forwarding decrements the TTL and updates the checksum
 * incrementally (RFC 1624), as ip_forward does.
 */
#include <arpa/inet.h>
#include <string.h>

#include "prot/cksum.h"
#include "prot/ip.h"
#include "stack/ether.h"
#include "stack/if.h"
#include "stack/ip_var.h"
#include "stack/mbuf.h"
#include "stack/route.h"

/* ---- statistics ---- */

int ipstat_init(struct kernel *k)
{
    size_t n = k->k_cfg.stats == STATS_PERCPU ? k->k_ncpus : 1;
    k->k_ipstat = kern_alloc(k->k_mach, sizeof(struct ipstat_pcpu) * n, k->r_ipstat, 0);
    return k->k_ipstat ? 0 : -1;
}

void ipstat_fini(struct kernel *k) { kern_free(k->k_mach, k->k_ipstat); }

static struct ipstat *ipstat_of(struct kernel *k, unsigned cpu)
{
    struct ipstat_pcpu *a = (struct ipstat_pcpu *)(void *)k->k_ipstat;
    return &a[k->k_cfg.stats == STATS_PERCPU ? cpu : 0].s;
}

void ipstat_add(struct kernel *k, size_t off, uint64_t v)
{
    struct kern_machine *km = k->k_mach;
    uint64_t *c = (uint64_t *)(void *)((uint8_t *)ipstat_of(k, kern_curcpu(km)) + off);
    kern_charge_op(km, KOP_stat_update, 1);
    kern_touch(km, c, sizeof(*c), KT_WRITE);
    *c += v;
}

uint64_t ipstat_get(const struct kernel *k, size_t off)
{
    size_t n = k->k_cfg.stats == STATS_PERCPU ? k->k_ncpus : 1;
    const struct ipstat_pcpu *a = (const struct ipstat_pcpu *)(const void *)k->k_ipstat;
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += *(const uint64_t *)(const void *)((const uint8_t *)&a[i].s + off);
    return sum;
}

/* ---- output ---- */

/* Route lookup on the calling CPU's replica, or on the shared table with a reference taken
 * and dropped (rtalloc/RTFREE: an atomic on the entry's line from every CPU). */
static struct rtentry *ip_route(struct kernel *k, uint32_t dst, bool *shared)
{
    struct kern_machine *km = k->k_mach;
    *shared = k->k_cfg.routes == ROUTES_SHARED;
    struct rtable *t = k->k_rt[*shared ? 0 : kern_curcpu(km)];
    struct rtentry *rt = rt_lookup(t, dst);
    if (rt && *shared) {
        kern_touch(km, &rt->rt_refcnt, sizeof(rt->rt_refcnt), KT_ATOMIC);
        rt->rt_refcnt++;
    }
    return rt;
}

static void ip_rtfree(struct kernel *k, struct rtentry *rt, bool shared)
{
    if (!shared)
        return;
    kern_touch(k->k_mach, &rt->rt_refcnt, sizeof(rt->rt_refcnt), KT_ATOMIC);
    rt->rt_refcnt--;
}

/* ip_output for a forwarded packet along route rt. */
static void ip_output_fwd(struct kernel *k, struct mbuf *m, struct rtentry *rt)
{
    struct kern_machine *km = k->k_mach;
    kern_charge_op(km, KOP_ip_output, 1);
    struct ifnet *ifp = rt->rt_ifp;
    kern_touch(km, &ifp->if_mtu, sizeof(ifp->if_mtu), KT_READ);
    struct ip *ip = mtod(m, struct ip *);
    uint32_t nexthop = rt->rt_gateway ? rt->rt_gateway : ntohl(ip->ip_dst);
    if ((uint32_t)m->m_pkthdr.len > ifp->if_mtu) {
        IPSTAT_INC(k, cantforward);
        k->k_cpu[kern_curcpu(km)]->icmp_errors++; /* ICMP_UNREACH_NEEDFRAG */
        kernel_drop(k, m, DROP_need_frag);
        return;
    }
    ether_output(ifp, m, nexthop);
}

/* ip_forward: TTL, checksum update (RFC 1624 eqn. 3), route, output. */
static void ip_forward(struct kernel *k, struct mbuf *m)
{
    struct kern_machine *km = k->k_mach;
    unsigned cpu = kern_curcpu(km);
    kern_charge_op(km, KOP_ip_forward, 1);
    struct ip *ip = mtod(m, struct ip *);
    if (ip->ip_ttl <= 1) { /* RFC 1812 5.3.1 */
        IPSTAT_INC(k, cantforward);
        k->k_cpu[cpu]->icmp_errors++; /* ICMP_TIMXCEED */
        kernel_drop(k, m, DROP_ttl);
        return;
    }
    bool shared;
    struct rtentry *rt = ip_route(k, ntohl(ip->ip_dst), &shared);
    if (!rt) {
        IPSTAT_INC(k, noroute);
        IPSTAT_INC(k, cantforward);
        k->k_cpu[cpu]->icmp_errors++; /* ICMP_UNREACH_HOST */
        kernel_drop(k, m, DROP_no_route);
        return;
    }
    kern_touch(km, ip, IP_HDR_MINLEN, KT_WRITE);
    ip->ip_ttl--;
    /* HC' = ~(~HC + ~m + m'): the TTL is the high byte of its 16-bit word */
    uint32_t sum = (uint16_t)~ntohs(ip->ip_sum);
    sum += (uint16_t)~(uint16_t)((ip->ip_ttl + 1) << 8 | ip->ip_p);
    sum += (uint16_t)(ip->ip_ttl << 8 | ip->ip_p);
    ip->ip_sum = htons(inet_fold(sum));
    if (!shared) {
        kern_touch(km, &rt->rt_use, sizeof(rt->rt_use), KT_WRITE);
        rt->rt_use++;
    }
    IPSTAT_INC(k, forward);
    ip_output_fwd(k, m, rt);
    ip_rtfree(k, rt, shared);
}

static bool is_local(const struct kernel *k, uint32_t dst)
{
    for (unsigned i = 0; i < k->k_nifnet; i++)
        if (k->k_addr[i] && k->k_addr[i] == dst)
            return true;
    return false;
}

/* Header checks; on failure counts and returns the reason, else DROP_COUNT. */
static enum drop_reason ip_validate(struct kernel *k, struct mbuf *m, unsigned *hlen_out)
{
    struct kern_machine *km = k->k_mach;
    if (m->m_len < IP_HDR_MINLEN) {
        IPSTAT_INC(k, toosmall);
        return DROP_ip_short;
    }
    struct ip *ip = mtod(m, struct ip *);
    kern_touch(km, ip, IP_HDR_MINLEN, KT_READ);
    if (ip->ip_vhl >> 4 != IPVERSION) {
        IPSTAT_INC(k, badvers);
        return DROP_ip_version;
    }
    unsigned hlen = (ip->ip_vhl & 0xfu) << 2;
    if (hlen < IP_HDR_MINLEN || hlen > (unsigned)m->m_len) {
        IPSTAT_INC(k, badhlen);
        return DROP_ip_hlen;
    }
    uint32_t flags = m->m_pkthdr.csum_flags;
    if (k->k_cfg.trust_rxcsum && (flags & CSUM_IP_CHECKED)) {
        if (!(flags & CSUM_IP_VALID)) {
            IPSTAT_INC(k, badsum);
            return DROP_ip_cksum;
        }
    } else {
        kern_charge_op(km, KOP_csum_per_20b, (hlen + 19) / 20);
        if (inet_cksum(ip, hlen) != 0) {
            IPSTAT_INC(k, badsum);
            return DROP_ip_cksum;
        }
    }
    unsigned len = ntohs(ip->ip_len);
    if (len < hlen) {
        IPSTAT_INC(k, badlen);
        return DROP_ip_len;
    }
    if ((unsigned)m->m_pkthdr.len < len) {
        IPSTAT_INC(k, tooshort);
        return DROP_ip_len;
    }
    if ((unsigned)m->m_pkthdr.len > len) /* Ethernet padding */
        m_adj(m, (int32_t)len - m->m_pkthdr.len);
    *hlen_out = hlen;
    return DROP_COUNT;
}

void ip_input(struct kernel *k, struct mbuf *m)
{
    struct kern_machine *km = k->k_mach;
    kern_charge_op(km, KOP_ip_input, 1);
    IPSTAT_INC(k, total);
    unsigned hlen = 0;
    enum drop_reason r = ip_validate(k, m, &hlen);
    if (r != DROP_COUNT) {
        kernel_drop(k, m, r);
        return;
    }
    struct ip *ip = mtod(m, struct ip *);
    uint32_t dst = ntohl(ip->ip_dst);
    if (is_local(k, dst) || dst == 0xffffffffu || (dst >> 28) == 0xe) {
        IPSTAT_INC(k, noproto); /* no local protocol is attached in this model yet */
        kernel_drop(k, m, DROP_ip_local);
        return;
    }
    if (!k->k_cfg.forwarding) {
        IPSTAT_INC(k, cantforward);
        kernel_drop(k, m, DROP_ip_noforward);
        return;
    }
    if (hlen != IP_HDR_MINLEN) {
        IPSTAT_INC(k, cantforward);
        kernel_drop(k, m, DROP_ip_options);
        return;
    }
    if (ntohs(ip->ip_off) & (IP_MF | IP_OFFMASK)) {
        IPSTAT_INC(k, fragments);
        kernel_drop(k, m, DROP_ip_fragment);
        return;
    }
    ip_forward(k, m);
}
