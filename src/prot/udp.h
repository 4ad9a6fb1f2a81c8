/*
 * udp.h - the UDP header (RFC 768). Wire format only, no behaviour.
 */
#ifndef MPSTACK_PROT_UDP_H
#define MPSTACK_PROT_UDP_H

#include <stdint.h>

struct udphdr {
    uint16_t uh_sport; /* network byte order */
    uint16_t uh_dport;
    uint16_t uh_ulen;
    uint16_t uh_sum;   /* 0: no checksum (allowed over IPv4) */
} __attribute__((packed));

#endif
