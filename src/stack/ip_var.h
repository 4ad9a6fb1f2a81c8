/*
 * ip_var.h - IPv4 input, forwarding and output, and the IP statistics (BSD netinet/ip_var.h).
 *
 * struct ipstat is either one struct shared by all CPUs (STATS_SHARED) or one cache-line
 * padded struct per CPU (STATS_PERCPU; DragonFly has kept ipstat per CPU since 2008,
 * ipstats_percpu). Fields follow BSD names.
 */
#ifndef MPSTACK_STACK_IP_VAR_H
#define MPSTACK_STACK_IP_VAR_H

#include <stdint.h>

#include "stack/kernel.h"

#define IPSTAT_COUNTERS(X) \
    X(total) X(badsum) X(tooshort) X(toosmall) X(badhlen) X(badlen) X(fragments) \
    X(forward) X(cantforward) X(noroute) X(delivered) X(badvers) X(noproto) X(odropped) \
    X(fastforward) X(notmember)

struct ipstat {
#define IPS_FIELD(n) uint64_t ips_##n;
    IPSTAT_COUNTERS(IPS_FIELD)
#undef IPS_FIELD
};

struct ipstat_pcpu {
    struct ipstat s;
    uint8_t pad[192 - sizeof(struct ipstat)];
};

/* ipstat_inc: count on the calling CPU's view (thread). */
void ipstat_add(struct kernel *k, size_t field_offset, uint64_t v);
#define IPSTAT_INC(k, name) ipstat_add((k), offsetof(struct ipstat, ips_##name), 1)
uint64_t ipstat_get(const struct kernel *k, size_t field_offset);
int ipstat_init(struct kernel *k);
void ipstat_fini(struct kernel *k);

struct mbuf;
/* Netisr handler of a received IPv4 packet (m_data at the IP header). (thread) */
void ip_input(struct kernel *k, struct mbuf *m);

#endif
