/*
 * hw.h - a simulated machine: CPUs with a socket/core/thread topology, a cost profile, its
 * memory arena and caches, inter-processor interrupts and device interrupts.
 *
 * A hardware profile (scenarios/hw/NAME.yaml, section hw_profiles) gives the frequency, the
 * topology, the cache geometry and latencies, the coherence transfer costs and the costs
 * of the machine's mechanisms (IPIs, interrupts, context switches, system calls, MMIO,
 * DMA). Every value in a shipped profile cites its source or is marked a calibration knob.
 * A host without a profile is an ideal machine: everything is free and there is no cache
 * model, which is what the queueing validation needs.
 *
 * IPIs and device interrupts are delivered to a per-CPU interrupt thread (LWKT interrupt
 * priority, so it preempts whatever runs), which charges the receive cost and calls the
 * handler the kernel registered. The sender pays its own cost; delivery takes the profile's
 * latency, plus the wake-up time of a halted (idle) CPU. Every IPI is counted per
 * (from, to) CPU pair.
 *
 * Ownership: [I] after hw_host_create; the counters are [E] (engine only).
 */
#ifndef MPSTACK_HWMODEL_HW_H
#define MPSTACK_HWMODEL_HW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario/param.h"
#include "sim/sim.h"
#include "sim/sim_sched.h"

struct mem_arena;
struct cache_model;

/* A hardware profile as bound from a scenario (hw_profiles.<name>). */
struct hw_profile {
    char *name;
    char *model;                 /* what machine it describes, for reports */
    uint64_t sockets, cores_per_socket, threads_per_core;
    uint64_t freq;               /* Hz */
    /* caches: geometry and load-to-use latency in cycles */
    uint64_t l1_size, l1_ways, l1_cycles;
    uint64_t l2_size, l2_ways, l2_cycles;
    uint64_t llc_size, llc_ways, llc_cycles; /* per socket */
    /* coherence (cycles) */
    uint64_t xfer_load_local, xfer_store_local, xfer_load_remote, xfer_store_remote;
    uint64_t atomic_local, atomic_remote, atomic_base;
    sim_time_t dram_local, dram_remote;
    uint64_t mlp;
    bool ddio;
    uint64_t ddio_ways;
    bool xfer_serial;
    /* mechanisms */
    uint64_t ipi_send_cycles, ipi_receive_cycles;
    sim_time_t ipi_latency, wake_halted;
    uint64_t intr_entry_cycles;
    sim_time_t msi_latency;
    uint64_t context_switch_cycles, syscall_cycles;
    uint64_t mmio_write_cycles, mmio_read_cycles;
    sim_time_t dma_latency;
};

#define HW_PROFILE_NPARAMS 38
extern const struct param_def hw_profile_params[HW_PROFILE_NPARAMS];

/* CPUs of the profile: sockets x cores x threads. */
unsigned hw_profile_ncpus(const struct hw_profile *p);

struct hw_host;

struct hw_host_params {
    const char *name;
    const struct hw_profile *profile; /* NULL: an ideal machine */
    unsigned ncpus;                    /* <= the profile's CPUs */
    uint64_t hz;
    const struct sim_sched_ops *sched;
    size_t mem_bytes;                  /* arena size; 0: 1 GiB */
};

struct hw_host *hw_host_create(struct sim *sim, const struct hw_host_params *p);
void hw_host_destroy(struct hw_host *h);

const char *hw_host_name(const struct hw_host *h);
struct sim *hw_host_sim(const struct hw_host *h);
const struct hw_profile *hw_host_profile(const struct hw_host *h);
unsigned hw_ncpus(const struct hw_host *h);
struct sim_cpu *hw_cpu(const struct hw_host *h, unsigned cpu);
/* Topology: CPU c is hardware thread c % threads of core c / threads, whose socket is
 * core / cores_per_socket (CPUs of one socket are numbered together). */
unsigned hw_cpu_socket(const struct hw_host *h, unsigned cpu);
unsigned hw_cpu_core(const struct hw_host *h, unsigned cpu);
/* The CPU whose thread is running now (the caller must be a simulated thread). */
unsigned hw_curcpu(const struct hw_host *h);

/* The host's memory arena (every host has one) and its cache model (NULL on an ideal
 * host, where memory accesses are free). */
struct mem_arena *hw_mem(const struct hw_host *h);
struct cache_model *hw_cache(const struct hw_host *h);

/* ---- inter-processor interrupts ---- */

typedef void (*hw_handler_fn)(void *arg, unsigned cpu);

/* What the kernel runs on `cpu` when an IPI arrives (e.g. drain its IPI queues). */
void hw_ipi_set_handler(struct hw_host *h, unsigned cpu, hw_handler_fn fn, void *arg);
/* Send an IPI from the calling thread's CPU to `to` (thread context). Charges the sender;
 * the handler runs on `to` after the delivery latency. IPIs that reach a CPU whose
 * previous IPI is still pending are merged into it, as an APIC merges a pending vector. */
void hw_ipi_send(struct hw_host *h, unsigned to);
uint64_t hw_ipi_count(const struct hw_host *h, unsigned from, unsigned to);
uint64_t hw_ipi_merged(const struct hw_host *h, unsigned cpu);

/* ---- device interrupts (MSI/MSI-X messages) ---- */

struct hw_irq;

/* A vector targeting `cpu`: when raised, the CPU's interrupt thread for it runs fn. */
struct hw_irq *hw_irq_create(struct hw_host *h, const char *name, unsigned cpu,
                             hw_handler_fn fn, void *arg);
/* Raise the interrupt (device side, from an event). If it is already pending it is not
 * raised twice. */
void hw_irq_raise(struct hw_irq *irq);
unsigned hw_irq_cpu(const struct hw_irq *irq);
const char *hw_irq_name(const struct hw_irq *irq);
uint64_t hw_irq_count(const struct hw_irq *irq);    /* handler runs */
uint64_t hw_irq_raised(const struct hw_irq *irq);   /* raise calls */

/* ---- cost helpers for kernel code (thread context) ---- */

/* Price a memory access through the cache model (free on an ideal host); synchronises
 * first if the access involves another CPU's cache, as DESIGN.md requires. */
void hw_touch(struct hw_host *h, const void *p, size_t len, int op);
/* A write (doorbell) or read of a device register, priced from the profile. */
void hw_mmio_write(struct hw_host *h);
void hw_mmio_read(struct hw_host *h);

#endif
