/*
 * nic_regs.h - register offsets and bit fields of the Intel 82576 (igb) and 82599 (ix)
 * that the NIC model implements and the drivers program. Wire format only, no behaviour.
 *
 * Every value comes from docs/hw/nic-reference.md, which cites its source (DPDK's
 * e1000_regs.h / e1000_defines.h / e1000_82575.h and ixgbe_type.h, QEMU's igb model,
 * DragonFly's if_igb.c / if_ix.c). IGB_ names are the 82576's, IX_ names the 82599's.
 */
#ifndef MPSTACK_HWMODEL_PROT_NIC_REGS_H
#define MPSTACK_HWMODEL_PROT_NIC_REGS_H

/* ---- 82576 ---- */
#define IGB_CTRL 0x0000
#define IGB_STATUS 0x0008
#define IGB_STATUS_LU 0x2u
#define IGB_STATUS_SPEED_1000 0x80u
#define IGB_ICR 0x00C0
#define IGB_ICR_LSC 0x4u
#define IGB_IMS 0x00D0
#define IGB_RCTL 0x0100
#define IGB_RCTL_EN 0x2u
#define IGB_TCTL 0x0400
#define IGB_TCTL_EN 0x2u
#define IGB_GPIE 0x1514
#define IGB_EICS 0x1520
#define IGB_EIMS 0x1524
#define IGB_EIMC 0x1528
#define IGB_EIAC 0x152C
#define IGB_EIAM 0x1530
#define IGB_EICR 0x1580
#define IGB_EICR_OTHER 0x80000000u
#define IGB_EITR(n) (0x1680 + 4 * (n))
#define IGB_EITR_INTERVAL 0x7FFCu /* bits 14:2, 1 us units */
#define IGB_EITR_CNT_IGNR 0x80000000u
#define IGB_IVAR0(i) (0x1700 + 4 * (i)) /* i = 0..7 */
#define IGB_IVAR_MISC 0x1740
#define IGB_RXCSUM 0x5000
#define IGB_MRQC 0x5818
#define IGB_RETA(i) (0x5C00 + 4 * (i))
#define IGB_RSSRK(i) (0x5C80 + 4 * (i))
#define IGB_RDBAL(n) (0xC000 + 0x40 * (n))
#define IGB_RDBAH(n) (0xC004 + 0x40 * (n))
#define IGB_RDLEN(n) (0xC008 + 0x40 * (n))
#define IGB_SRRCTL(n) (0xC00C + 0x40 * (n))
#define IGB_RDH(n) (0xC010 + 0x40 * (n))
#define IGB_RDT(n) (0xC018 + 0x40 * (n))
#define IGB_RXDCTL(n) (0xC028 + 0x40 * (n))
#define IGB_RQDPC(n) (0xC030 + 0x40 * (n))
#define IGB_TDBAL(n) (0xE000 + 0x40 * (n))
#define IGB_TDBAH(n) (0xE004 + 0x40 * (n))
#define IGB_TDLEN(n) (0xE008 + 0x40 * (n))
#define IGB_TDH(n) (0xE010 + 0x40 * (n))
#define IGB_TDT(n) (0xE018 + 0x40 * (n))
#define IGB_TXDCTL(n) (0xE028 + 0x40 * (n))
#define IGB_TDWBAL(n) (0xE038 + 0x40 * (n))
#define IGB_TDWBAH(n) (0xE03C + 0x40 * (n))
#define IGB_MPC 0x4010
#define IGB_RNBC 0x40A0
#define IGB_SRRCTL_DROP_EN 0x80000000u

/* ---- 82599 ---- */
#define IX_CTRL 0x0000
#define IX_STATUS 0x0008
#define IX_LINKS 0x42A4
#define IX_LINKS_UP 0x40000000u
#define IX_LINKS_SPEED_10G 0x30000000u
#define IX_EICR 0x0800
#define IX_EICR_LSC (1u << 20)
#define IX_EICR_OTHER 0x80000000u
#define IX_EICS 0x0808
#define IX_EIAC 0x0810
#define IX_EITR_LO(n) (0x0820 + 4 * (n)) /* n <= 23 */
#define IX_EITR_HI(n) (0x12300 + 4 * ((n) - 24))
#define IX_EITR_INTERVAL 0x0FF8u /* bits 11:3; value x 256 ns */
#define IX_EIMS 0x0880
#define IX_EIMC 0x0888
#define IX_EIAM 0x0890
#define IX_GPIE 0x0898
#define IX_IVAR(i) (0x0900 + 4 * (i)) /* i = 0..63 */
#define IX_IVAR_MISC 0x0A00
#define IX_EICS_EX(i) (0x0A90 + 4 * (i))
#define IX_EIMS_EX(i) (0x0AA0 + 4 * (i))
#define IX_EIMC_EX(i) (0x0AB0 + 4 * (i))
#define IX_EIAM_EX(i) (0x0AD0 + 4 * (i))
#define IX_RDBAL(n) (0x1000 + 0x40 * (n)) /* n < 64 */
#define IX_RDBAH(n) (0x1004 + 0x40 * (n))
#define IX_RDLEN(n) (0x1008 + 0x40 * (n))
#define IX_RDH(n) (0x1010 + 0x40 * (n))
#define IX_RDT(n) (0x1018 + 0x40 * (n))
#define IX_RXDCTL(n) (0x1028 + 0x40 * (n))
#define IX_SRRCTL_LO(n) (0x2100 + 4 * (n)) /* n <= 15 */
#define IX_SRRCTL_MID(n) (0x1014 + 0x40 * (n)) /* 16..63 */
#define IX_QPRDC(n) (0x1430 + 0x40 * (n)) /* n <= 15 */
#define IX_RXCTRL 0x3000
#define IX_RXCTRL_RXEN 0x1u
#define IX_MPC(i) (0x3FA0 + 4 * (i))
#define IX_RNBC(i) (0x3FC0 + 4 * (i))
#define IX_DMATXCTL 0x4A80
#define IX_DMATXCTL_TE 0x1u
#define IX_RXCSUM 0x5000
#define IX_MRQC 0x5818
#define IX_RETA(i) (0x5C00 + 4 * (i))
#define IX_RSSRK(i) (0x5C80 + 4 * (i))
#define IX_TDBAL(n) (0x6000 + 0x40 * (n))
#define IX_TDBAH(n) (0x6004 + 0x40 * (n))
#define IX_TDLEN(n) (0x6008 + 0x40 * (n))
#define IX_TDH(n) (0x6010 + 0x40 * (n))
#define IX_TDT(n) (0x6018 + 0x40 * (n))
#define IX_TXDCTL(n) (0x6028 + 0x40 * (n))
#define IX_TDWBAL(n) (0x6038 + 0x40 * (n))
#define IX_TDWBAH(n) (0x603C + 0x40 * (n))
#define IX_SRRCTL_DROP_EN 0x10000000u

/* ---- common to both ---- */
#define NIC_GPRC 0x4074
#define NIC_GPTC 0x4080
#define NIC_GORCL 0x4088
#define NIC_GORCH 0x408C
#define NIC_GOTCL 0x4090
#define NIC_GOTCH 0x4094
#define NIC_TPR 0x40D0
#define NIC_TPT 0x40D4

#define NIC_GPIE_MSIX_MODE 0x10u
#define NIC_GPIE_EIAME 0x40000000u
#define NIC_IVAR_VALID 0x80u
#define NIC_SRRCTL_BSIZEPKT 0x7Fu        /* bits 6:0, 1 KB units */
#define NIC_SRRCTL_DESCTYPE_ADV1 0x02000000u
#define NIC_DCTL_ENABLE 0x02000000u      /* RXDCTL / TXDCTL bit 25 */
#define NIC_TDWBAL_HEAD_WB 0x1u
#define NIC_RXCSUM_IPOFL 0x100u
#define NIC_RXCSUM_TUOFL 0x200u
#define NIC_RXCSUM_PCSD 0x2000u
#define NIC_MRQC_RSS_IGB 0x2u            /* 82576 enable field bits 2:0 */
#define NIC_MRQC_RSS_IX 0x1u             /* 82599 MRQE bits 3:0 */
#define NIC_MRQC_IPV4_TCP 0x10000u
#define NIC_MRQC_IPV4 0x20000u
#define NIC_MRQC_IPV4_UDP 0x400000u

#endif
