/*
 * cksum.h - the Internet checksum (RFC 1071): the 16-bit ones' complement of the ones'
 * complement sum. Used by the traffic generator and the NIC model's receive-checksum
 * offload, and by the stack's IPv4 code.
 */
#ifndef MPSTACK_PROT_CKSUM_H
#define MPSTACK_PROT_CKSUM_H

#include <stddef.h>
#include <stdint.h>

/* Ones' complement sum of len bytes (as big-endian 16-bit words), not yet folded. */
static inline uint32_t inet_sum(const void *data, size_t len, uint32_t sum)
{
    const uint8_t *p = data;
    for (; len > 1; p += 2, len -= 2)
        sum += (uint32_t)(p[0] << 8 | p[1]);
    if (len)
        sum += (uint32_t)(p[0] << 8);
    return sum;
}

/* Fold a sum and complement it: the checksum in host byte order. */
static inline uint16_t inet_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static inline uint16_t inet_cksum(const void *data, size_t len)
{
    return inet_fold(inet_sum(data, len, 0));
}

#endif
