/*
 * fuzz_ether.c - libFuzzer target: arbitrary bytes through the ix driver's rxeof into
 * ether_input and IPv4 (stack_harness.c plays the 82599 on the fake machine).
 *
 * Input: byte 0 chooses what the chip's write-back says (bit 0: end of packet; bits 1-2:
 * the IPv4 checksum verdict none/good/bad; bit 3: trust the NIC's verdict); the rest is the
 * frame, whose length the descriptor reports as is. Whatever the bytes, the stack must drop
 * and count or forward, never crash, and leave every mbuf accounted for (harness_check
 * aborts otherwise, which libFuzzer reports as a crash).
 */
#include <stddef.h>
#include <stdint.h>

#include "stack_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t flags = data[0];
    struct kernel_cfg cfg = harness_default_cfg();
    cfg.trust_rxcsum = (flags & 8) != 0;
    struct harness h;
    harness_init(&h, &cfg);
    enum h_csum cs = (enum h_csum)((flags >> 1) & 3) % 3;
    harness_rx(&h, data + 1, size - 1, cs, (flags & 1) != 0);
    harness_check(&h);
    harness_fini(&h);
    return 0;
}
