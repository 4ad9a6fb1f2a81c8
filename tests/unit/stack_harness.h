/*
 * stack_harness.h - one kernel with one 82599 port on the fake machine (fake_kern.c), and a
 * way to play the chip: put bytes in the next RX buffer, write the descriptor back as the
 * NIC would, run the driver's rxeof and the netisr. Shared by the bad-input tests
 * (test_stack.c) and the fuzz target (tests/fuzz/fuzz_ether.c).
 *
 * The kernel has 10.0.0.1/24 on ix0 (MAC 02:00:00:00:00:01), the neighbour 10.0.0.2 at
 * 02:00:00:00:00:02, a route 198.18.0.0/15 via 10.0.0.2 and a route 203.0.113.0/24 via
 * 10.0.0.99, which has no ARP entry.
 */
#ifndef MPSTACK_TESTS_STACK_HARNESS_H
#define MPSTACK_TESTS_STACK_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stack/kernel.h"

struct ix_softc;
struct ifnet;

struct harness {
    struct kern_machine *km;
    struct kernel *k;
    struct kern_dev *dev;
    struct ix_softc *sc;
    struct ifnet *ifp;
};

#define H_RXDESC 64
#define H_TXDESC 64

/* The NIC's IPv4 checksum verdict in the write-back. */
enum h_csum { H_CSUM_NONE, H_CSUM_OK, H_CSUM_BAD };

/* The kernel configuration the harness uses unless a test changes it. */
struct kernel_cfg harness_default_cfg(void);
void harness_init(struct harness *h, const struct kernel_cfg *cfg);
void harness_fini(struct harness *h);

/* Deliver one frame of len bytes (at most 2048 are copied; the descriptor says len) and
 * process it through the driver and the netisr. eop false: a frame spanning descriptors. */
void harness_rx(struct harness *h, const uint8_t *frame, size_t len, enum h_csum csum, bool eop);

/* A valid 64-byte Ethernet/IPv4/UDP frame to dst (host order) with the given TTL; returns
 * its length without FCS (60). */
size_t harness_frame(uint8_t *buf, uint32_t dst, uint8_t ttl);
/* Recompute the IPv4 header checksum of buf (after a test edits the header). */
void harness_fix_cksum(uint8_t *buf);

/* Mbufs in use == posted in the RX ring + held by the TX ring + queued; object cache,
 * netisr and routes consistent. Aborts otherwise. */
void harness_check(struct harness *h);
uint64_t harness_forwarded(const struct harness *h);

#endif
