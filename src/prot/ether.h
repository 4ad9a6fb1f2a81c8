/*
 * ether.h - Ethernet II framing (IEEE 802.3 clause 3). Wire format only, no behaviour.
 *
 * On the wire a frame is preceded by a 7-byte preamble and a 1-byte start-of-frame
 * delimiter, ends with a 4-byte frame check sequence, and is followed by a 12-byte
 * inter-frame gap: 24 bytes beyond the header and payload, 20 beyond the frame counted
 * with its FCS (hardware.md, "Wire arithmetic"). A frame is at least 64 bytes with FCS.
 */
#ifndef MPSTACK_PROT_ETHER_H
#define MPSTACK_PROT_ETHER_H

#include <stdint.h>

#define ETHER_ADDR_LEN 6
#define ETHER_HDR_LEN 14
#define ETHER_CRC_LEN 4
#define ETHER_MIN_LEN 64    /* with FCS */
#define ETHER_MAX_LEN 1518  /* with FCS, no VLAN tag */
#define ETHER_PREAMBLE_LEN 8 /* preamble and SFD */
#define ETHER_IFG_LEN 12
/* Bytes a frame of `len` bytes (FCS excluded) occupies on the wire, padding included. */
#define ETHER_WIRE_LEN(len) \
    (((len) + ETHER_CRC_LEN < ETHER_MIN_LEN ? ETHER_MIN_LEN : (len) + ETHER_CRC_LEN) + \
     ETHER_PREAMBLE_LEN + ETHER_IFG_LEN)

#define ETHERTYPE_IP 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_IPV6 0x86dd

struct ether_header {
    uint8_t ether_dhost[ETHER_ADDR_LEN];
    uint8_t ether_shost[ETHER_ADDR_LEN];
    uint16_t ether_type; /* network byte order */
} __attribute__((packed));

#endif
