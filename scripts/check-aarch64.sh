#!/bin/sh
# Build the engine's unit tests for aarch64 and run them under qemu-user, to check the
# hand-written aarch64 context switch (src/sim/coro_switch_aarch64.S) on an x86-64 machine.
# Needs Debian's gcc-aarch64-linux-gnu, libc6-dev-arm64-cross and qemu-user (not installed
# by `make`: this is a porting check, not part of the test suite).
set -e
cd "$(dirname "$0")/.."
out=${TMPDIR:-/tmp}/mpstack-aarch64
mkdir -p "$out"
SIM="src/sim/panic.c src/sim/rng.c src/sim/evq.c src/sim/evq_heap.c src/sim/evq_cal.c
     src/sim/evq_radix.c src/sim/coro.c src/sim/sim.c src/sim/sim_cpu.c src/sim/sim_wait.c
     src/sim/sched_lwkt.c src/sim/stats.c src/sim/coro_switch_aarch64.S"
for t in coro sim evq stats; do
    aarch64-linux-gnu-gcc -std=c17 -D_GNU_SOURCE -O2 -static -Isrc/sim -Itests/unit \
        "tests/unit/test_$t.c" $SIM -lm -o "$out/test_$t"
    echo "== test_$t (aarch64, qemu)"
    qemu-aarch64 "$out/test_$t"
done
