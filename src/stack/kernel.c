/*
 * kernel.c - a host's kernel instance: creation of its subsystems, drops by reason, routes
 * and neighbours, and the end-of-run invariants.
 */
#include "stack/kernel.h"
#include "stack/ether.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack/if.h"
#include "stack/ifpoll.h"
#include "stack/ip_var.h"
#include "stack/mbuf.h"
#include "stack/netisr.h"
#include "stack/route.h"

static const char *const drop_names[DROP_COUNT] = {
#define DROP_NAME(name, doc) #name,
    DROP_REASONS(DROP_NAME)
#undef DROP_NAME
};
static const char *const drop_docs[DROP_COUNT] = {
#define DROP_DOC(name, doc) doc,
    DROP_REASONS(DROP_DOC)
#undef DROP_DOC
};

const char *drop_reason_name(enum drop_reason r) { return drop_names[r]; }
const char *drop_reason_doc(enum drop_reason r) { return drop_docs[r]; }

void kernel_nomem(const struct kernel *k, const char *what)
{
    fprintf(stderr, "mpstack: host %s: simulated memory exhausted while allocating %s; raise "
                    "hosts.%s.memory\n", k->k_name, what, k->k_name);
    exit(1);
}

struct kernel *kernel_create(struct kern_machine *km, const char *name,
                             const struct kernel_cfg *cfg)
{
    struct kernel *k = calloc(1, sizeof(*k));
    if (!k)
        abort();
    k->k_mach = km;
    k->k_name = name;
    k->k_cfg = *cfg;
    k->k_ncpus = kern_ncpus(km);
    if (k->k_ncpus > KERNEL_MAXCPU)
        k->k_ncpus = KERNEL_MAXCPU;
    k->k_ncpus2 = 1;
    while (k->k_ncpus2 * 2 <= k->k_ncpus)
        k->k_ncpus2 *= 2;
    k->r_mbuf = kern_region(km, "mbuf");
    k->r_cluster = kern_region(km, "cluster");
    k->r_objcache = kern_region(km, "objcache");
    k->r_netisr = kern_region(km, "netisr.port");
    k->r_ipiq = kern_region(km, "ipiq");
    k->r_ifnet = kern_region(km, "ifnet");
    k->r_ifstat = kern_region(km, "ifnet.stats_pcpu");
    k->r_ipstat = kern_region(km, "ipstat");
    k->r_route = kern_region(km, "route");
    k->r_ifq = kern_region(km, "ifq");
    k->r_ring = kern_region(km, "nic.ring");
    for (unsigned c = 0; c < k->k_ncpus; c++) {
        k->k_cpu[c] = kern_alloc(km, sizeof(struct kcpu), kern_region(km, "kcpu"), c);
        if (!k->k_cpu[c])
            kernel_nomem(k, "per-CPU kernel data");
        k->k_cpu[c]->cpu = c;
    }
    k->k_mbufs = objcache_create(k, cfg->nmbclusters, cfg->magazine);
    k->k_netisr = netisr_create(k);
    k->k_ifpoll = ifpoll_create(k);
    if_register_rollup(k);
    ether_register(k);
    if (ipstat_init(k))
        kernel_nomem(k, "IP statistics");
    unsigned ntables = cfg->routes == ROUTES_PERCPU ? k->k_ncpus : 1;
    for (unsigned c = 0; c < ntables; c++)
        if (!(k->k_rt[c] = rt_table_create(km, c, k->r_route)))
            kernel_nomem(k, "a routing table");
    return k;
}

void kernel_start(struct kernel *k)
{
    netisr_start(k);
    ifpoll_start(k);
}

void kernel_destroy(struct kernel *k)
{
    if (!k)
        return;
    struct kern_machine *km = k->k_mach;
    for (unsigned c = 0; c < KERNEL_MAXCPU; c++)
        rt_table_destroy(k->k_rt[c]);
    for (unsigned i = 0; i < k->k_nifnet; i++)
        if_destroy(k, k->k_ifnet[i]);
    ipstat_fini(k);
    ifpoll_destroy(k);
    netisr_destroy(k);
    objcache_destroy(k, k->k_mbufs);
    for (unsigned c = 0; c < k->k_ncpus; c++)
        kern_free(km, k->k_cpu[c]);
    free(k);
}

void kernel_drop_count(struct kernel *k, enum drop_reason r)
{
    k->k_cpu[kern_curcpu(k->k_mach)]->drops[r]++;
    if (kern_tracing(k->k_mach)) {
        char name[48];
        snprintf(name, sizeof(name), "drop %s", drop_reason_name(r));
        kern_trace_instant(k->k_mach, name);
    }
}

void kernel_drop(struct kernel *k, struct mbuf *m, enum drop_reason r)
{
    kernel_drop_count(k, r);
    m_freem(k, m);
}

uint64_t kernel_drops(const struct kernel *k, enum drop_reason r)
{
    uint64_t n = 0;
    for (unsigned c = 0; c < k->k_ncpus; c++)
        n += k->k_cpu[c]->drops[r];
    return n;
}

uint64_t kernel_icmp_errors(const struct kernel *k)
{
    uint64_t n = 0;
    for (unsigned c = 0; c < k->k_ncpus; c++)
        n += k->k_cpu[c]->icmp_errors;
    return n;
}

int kernel_route_add(struct kernel *k, uint32_t dst, unsigned plen, uint32_t gateway,
                     struct ifnet *ifp)
{
    unsigned ntables = k->k_cfg.routes == ROUTES_PERCPU ? k->k_ncpus : 1;
    for (unsigned c = 0; c < ntables; c++) { /* replicated to every CPU (figure 1.3) */
        int e = rt_add(k->k_rt[c], dst, plen, gateway, ifp);
        if (e) { /* all tables or none: take back the copies already added */
            while (c-- > 0)
                if (rt_delete(k->k_rt[c], dst, plen) != 0) { /* it was added just above */
                    fprintf(stderr, "kernel_route_add: cannot take back a route just added\n");
                    abort();
                }
            return e;
        }
    }
    return 0;
}

int kernel_arp_add(struct kernel *k, struct ifnet *ifp, uint32_t addr, const uint8_t mac[6])
{
    return if_arp_add(k, ifp, addr, mac);
}

static void count_packets(struct netmsg *nm, void *arg)
{
    if (nm->nm_flags & NMF_CONTROL)
        return;
    struct netmsg_packet *pm = (struct netmsg_packet *)nm;
    for (struct mbuf *m = pm->nm_packet; m; m = m->m_nextpkt)
        (*(uint64_t *)arg)++;
}

void kernel_check(struct kernel *k)
{
    objcache_check(k->k_mbufs);
    netisr_check(k);
    unsigned ntables = k->k_cfg.routes == ROUTES_PERCPU ? k->k_ncpus : 1;
    for (unsigned c = 0; c < ntables; c++)
        rt_check(k->k_rt[c]);
}

uint64_t kernel_packets_queued(const struct kernel *k)
{
    uint64_t n = 0;
    netisr_foreach_queued(k, count_packets, &n);
    for (unsigned i = 0; i < k->k_nifnet; i++)
        n += if_queued(k->k_ifnet[i]);
    return n;
}
