/*
 * ip.h - the IPv4 header (RFC 791, section 3.1). Wire format only, no behaviour.
 */
#ifndef MPSTACK_PROT_IP_H
#define MPSTACK_PROT_IP_H

#include <stdint.h>

#define IPVERSION 4
#define IP_HDR_MINLEN 20
#define IP_MAXPACKET 65535
/* Protocol numbers (IANA); <netinet/in.h> may already define them as the same values. */
#ifndef IPPROTO_ICMP
#define IPPROTO_ICMP 1
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#endif
#define IP_DF 0x4000
#define IP_MF 0x2000
#define IP_OFFMASK 0x1fff

struct ip {
    uint8_t ip_vhl;      /* version << 4 | header length in 32-bit words */
    uint8_t ip_tos;
    uint16_t ip_len;     /* total length, network byte order */
    uint16_t ip_id;
    uint16_t ip_off;     /* flags and fragment offset */
    uint8_t ip_ttl;
    uint8_t ip_p;
    uint16_t ip_sum;
    uint32_t ip_src;     /* network byte order */
    uint32_t ip_dst;
} __attribute__((packed));

#endif
