/*
 * nic_desc.h - advanced receive and transmit descriptors of the 82576 and 82599 (16 bytes,
 * little endian; the host is little endian too, which a static assertion in nic.c checks).
 * Wire format only. Layouts from docs/hw/nic-reference.md section 2.
 */
#ifndef MPSTACK_HWMODEL_PROT_NIC_DESC_H
#define MPSTACK_HWMODEL_PROT_NIC_DESC_H

#include <stdint.h>

/* Receive: the driver writes the read format, the NIC overwrites it with the write-back. */
union nic_rx_desc {
    struct {
        uint64_t pkt_addr;      /* packet buffer (simulated physical address) */
        uint64_t hdr_addr;      /* header buffer; its low dword is status_error once written */
    } read;
    struct {
        uint16_t pkt_info;      /* RSS type 3:0, packet type 15:4 */
        uint16_t hdr_info;
        uint32_t rss;           /* RSS hash (with RXCSUM.PCSD) */
        uint32_t status_error;  /* status 19:0, errors 31:20 */
        uint16_t length;
        uint16_t vlan;
    } wb;
} __attribute__((packed));

#define NIC_RXD_STAT_DD 0x01u
#define NIC_RXD_STAT_EOP 0x02u
#define NIC_RXD_STAT_UDPCS 0x10u
#define NIC_RXD_STAT_L4CS 0x20u   /* TCPCS on the 82576 */
#define NIC_RXD_STAT_IPCS 0x40u
#define IGB_RXD_ERR_TCPE (1u << 29)
#define IGB_RXD_ERR_IPE (1u << 30)
#define IX_RXD_ERR_TCPE (1u << 30)
#define IX_RXD_ERR_IPE (1u << 31)

#define NIC_RSSTYPE_NONE 0
#define NIC_RSSTYPE_IPV4_TCP 1
#define NIC_RSSTYPE_IPV4 2
#define NIC_RSSTYPE_IPV4_UDP 7
#define NIC_PKTTYPE_IPV4 0x0010u
#define NIC_PKTTYPE_TCP 0x0100u
#define NIC_PKTTYPE_UDP 0x0200u

/* Transmit data descriptor (DTYP 3) and context descriptor (DTYP 2). */
union nic_tx_desc {
    struct {
        uint64_t buffer_addr;
        uint32_t cmd_type_len;  /* DTALEN 15:0, DTYP 23:20, DCMD 31:24 */
        uint32_t olinfo_status; /* STA 3:0 (DD bit 0), POPTS 13:8, PAYLEN 31:14 */
    } data;
    struct {
        uint32_t vlan_macip_lens; /* IPLEN 8:0, MACLEN 15:9 */
        uint32_t seqnum_seed;
        uint32_t type_tucmd_mlhl; /* TUCMD 19:9, DTYP 23:20, DEXT */
        uint32_t mss_l4len_idx;   /* L4LEN 15:8, MSS 31:16 */
    } ctx;
} __attribute__((packed));

#define NIC_TXD_DTALEN 0x0000FFFFu
#define NIC_TXD_DTYP_MASK 0x00F00000u
#define NIC_TXD_DTYP_DATA 0x00300000u
#define NIC_TXD_DTYP_CTXT 0x00200000u
#define NIC_TXD_CMD_EOP 0x01000000u
#define NIC_TXD_CMD_IFCS 0x02000000u
#define NIC_TXD_CMD_RS 0x08000000u
#define NIC_TXD_CMD_DEXT 0x20000000u
#define NIC_TXD_CMD_TSE 0x80000000u
#define NIC_TXD_STAT_DD 0x1u
#define NIC_TXD_POPTS_IXSM 0x100u
#define NIC_TXD_POPTS_TXSM 0x200u
#define NIC_TXD_PAYLEN_SHIFT 14
#define NIC_TXC_TUCMD_IPV4 0x400u
#define NIC_TXC_TUCMD_L4T_TCP 0x800u
#define NIC_TXC_MACLEN_SHIFT 9
#define NIC_TXC_IPLEN_MASK 0x1FFu

#endif
