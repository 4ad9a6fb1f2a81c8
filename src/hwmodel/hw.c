/*
 * hw.c - simulated machines: profile parameters, CPUs and topology, IPIs, device interrupts,
 * and the cost helpers kernel code calls.
 */
#include "hw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hwmodel/cache.h"
#include "hwmodel/mem.h"
#include "sim/panic.h"
#include "sim/trace.h"

/*
 * Defaults are literature figures so that a profile written inline is plausible; the
 * shipped profiles (scenarios/hw/) set every value and say where it comes from. Sources:
 * hardware.md section 5 (SOSP'13 Table 2/3 for the coherence costs; Levinthal's Xeon 5500
 * guide for DRAM; 7-cpu.com for Ivy Bridge cache latencies). Values marked "knob" have no
 * primary source and are calibrated against published end-to-end results.
 */
#define PF(f) offsetof(struct hw_profile, f)
const struct param_def hw_profile_params[HW_PROFILE_NPARAMS] = {
    {.key = "model", .type = PT_STRING, .offset = PF(model), .def = "",
     .doc = "the machine this profile describes"},
    {.key = "sockets", .type = PT_UINT, .offset = PF(sockets), .def = "1", .min = 1, .max = 8,
     .unit = "sockets", .doc = "processor packages, each with its own last-level cache"},
    {.key = "cores_per_socket", .type = PT_UINT, .offset = PF(cores_per_socket), .def = "1",
     .min = 1, .max = 64, .unit = "cores", .doc = "physical cores per socket"},
    {.key = "threads_per_core", .type = PT_UINT, .offset = PF(threads_per_core), .def = "1",
     .min = 1, .max = 4, .unit = "threads",
     .doc = "hardware threads per core (they share the core's L1 and L2)"},
    {.key = "freq", .type = PT_FREQ, .offset = PF(freq), .def = "2.1GHz", .min = 1e6,
     .max = 1e11, .doc = "core clock"},
    {.key = "l1_size", .type = PT_SIZE, .offset = PF(l1_size), .def = "32KiB", .min = 1024,
     .max = 1 << 24, .doc = "L1 data cache per core"},
    {.key = "l1_ways", .type = PT_UINT, .offset = PF(l1_ways), .def = "8", .min = 1, .max = 32,
     .unit = "ways", .doc = "L1 associativity"},
    {.key = "l1_cycles", .type = PT_UINT, .offset = PF(l1_cycles), .def = "4", .max = 1000,
     .unit = "cycles", .doc = "L1 load-to-use latency"},
    {.key = "l2_size", .type = PT_SIZE, .offset = PF(l2_size), .def = "256KiB", .min = 1024,
     .max = 1 << 28, .doc = "L2 cache per core"},
    {.key = "l2_ways", .type = PT_UINT, .offset = PF(l2_ways), .def = "8", .min = 1, .max = 32,
     .unit = "ways", .doc = "L2 associativity"},
    {.key = "l2_cycles", .type = PT_UINT, .offset = PF(l2_cycles), .def = "12", .max = 1000,
     .unit = "cycles", .doc = "L2 latency"},
    {.key = "llc_size", .type = PT_SIZE, .offset = PF(llc_size), .def = "8MiB", .min = 65536,
     .max = 2147483648.0, .doc = "last-level cache per socket (inclusive)"},
    {.key = "llc_ways", .type = PT_UINT, .offset = PF(llc_ways), .def = "16", .min = 1,
     .max = 64, .unit = "ways", .doc = "last-level cache associativity"},
    {.key = "llc_cycles", .type = PT_UINT, .offset = PF(llc_cycles), .def = "30", .max = 1000,
     .unit = "cycles", .doc = "last-level cache latency (own socket)"},
    {.key = "xfer_load_local", .type = PT_UINT, .offset = PF(xfer_load_local), .def = "109",
     .max = 10000, .unit = "cycles",
     .doc = "load of a line another core of the socket holds Modified (SOSP'13: 109)"},
    {.key = "xfer_store_local", .type = PT_UINT, .offset = PF(xfer_store_local), .def = "115",
     .max = 10000, .unit = "cycles",
     .doc = "store to a line other cores of the socket hold (SOSP'13: 115)"},
    {.key = "xfer_load_remote", .type = PT_UINT, .offset = PF(xfer_load_remote), .def = "289",
     .max = 10000, .unit = "cycles",
     .doc = "load of a line held on another socket (SOSP'13: 289)"},
    {.key = "xfer_store_remote", .type = PT_UINT, .offset = PF(xfer_store_remote), .def = "320",
     .max = 10000, .unit = "cycles",
     .doc = "store to a line held on another socket (SOSP'13: 320)"},
    {.key = "atomic_local", .type = PT_UINT, .offset = PF(atomic_local), .def = "120",
     .max = 10000, .unit = "cycles",
     .doc = "atomic read-modify-write of a line held by another core (SOSP'13 CAS: 120)"},
    {.key = "atomic_remote", .type = PT_UINT, .offset = PF(atomic_remote), .def = "324",
     .max = 10000, .unit = "cycles",
     .doc = "atomic read-modify-write of a line held on another socket (SOSP'13 CAS: 324)"},
    {.key = "atomic_base", .type = PT_UINT, .offset = PF(atomic_base), .def = "20",
     .max = 10000, .unit = "cycles",
     .doc = "extra cost of a locked read-modify-write on an owned line (knob)"},
    {.key = "dram_local", .type = PT_DURATION, .offset = PF(dram_local), .def = "60ns",
     .max = 1e7, .doc = "DRAM access on the line's home socket (Levinthal: ~60 ns)"},
    {.key = "dram_remote", .type = PT_DURATION, .offset = PF(dram_remote), .def = "100ns",
     .max = 1e7, .doc = "DRAM access on another socket (Levinthal: ~100 ns)"},
    {.key = "mlp", .type = PT_UINT, .offset = PF(mlp), .def = "4", .min = 1, .max = 64,
     .unit = "lines",
     .doc = "memory-level parallelism of a multi-line access: lines after the costliest cost "
            "1/mlp each (knob)"},
    {.key = "ddio", .type = PT_BOOL, .offset = PF(ddio), .def = "false",
     .doc = "device writes go into the last-level cache (Intel DDIO) instead of DRAM"},
    {.key = "ddio_ways", .type = PT_UINT, .offset = PF(ddio_ways), .def = "2", .min = 1,
     .max = 64, .unit = "ways", .doc = "LLC ways DDIO may allocate into"},
    {.key = "xfer_serial", .type = PT_BOOL, .offset = PF(xfer_serial), .def = "true",
     .doc = "transfers of one cache line follow each other: a transfer asked for while the "
            "line is still in flight waits for it (false: every transfer costs its latency "
            "alone, as if a line could be in several places at once)"},
    {.key = "ipi_send_cycles", .type = PT_UINT, .offset = PF(ipi_send_cycles), .def = "500",
     .max = 1e6, .unit = "cycles", .doc = "sender's cost of an IPI (knob)"},
    {.key = "ipi_receive_cycles", .type = PT_UINT, .offset = PF(ipi_receive_cycles),
     .def = "1000", .max = 1e6, .unit = "cycles",
     .doc = "receiver's interrupt entry and exit for an IPI (knob)"},
    {.key = "ipi_latency", .type = PT_DURATION, .offset = PF(ipi_latency), .def = "1us",
     .max = 1e9, .doc = "from the send to the receiver's handler (knob; hardware.md: 1-2 us)"},
    {.key = "wake_halted", .type = PT_DURATION, .offset = PF(wake_halted), .def = "2us",
     .max = 1e9, .doc = "extra delay when the interrupted CPU was idle (halted) (knob)"},
    {.key = "intr_entry_cycles", .type = PT_UINT, .offset = PF(intr_entry_cycles), .def = "1000",
     .max = 1e6, .unit = "cycles",
     .doc = "device interrupt entry, dispatch and exit around the handler (knob)"},
    {.key = "msi_latency", .type = PT_DURATION, .offset = PF(msi_latency), .def = "1us",
     .max = 1e9, .doc = "from a device's MSI write to the CPU taking the interrupt (knob)"},
    {.key = "context_switch_cycles", .type = PT_UINT, .offset = PF(context_switch_cycles),
     .def = "2000", .max = 1e7, .unit = "cycles",
     .doc = "switching a CPU to another thread (knob; no primary source for LWKT)"},
    {.key = "syscall_cycles", .type = PT_UINT, .offset = PF(syscall_cycles), .def = "200",
     .max = 1e6, .unit = "cycles", .doc = "system call entry and exit (knob)"},
    {.key = "mmio_write_cycles", .type = PT_UINT, .offset = PF(mmio_write_cycles), .def = "200",
     .max = 1e6, .unit = "cycles",
     .doc = "CPU cost of a posted write to a device register, e.g. a doorbell (knob)"},
    {.key = "mmio_read_cycles", .type = PT_UINT, .offset = PF(mmio_read_cycles), .def = "2000",
     .max = 1e6, .unit = "cycles",
     .doc = "CPU cost of reading a device register: a PCIe round trip (knob)"},
    {.key = "dma_latency", .type = PT_DURATION, .offset = PF(dma_latency), .def = "500ns",
     .max = 1e9,
     .doc = "a device's DMA of a frame or descriptor into memory, until it is visible (knob)"},
};

unsigned hw_profile_ncpus(const struct hw_profile *p)
{
    return (unsigned)(p->sockets * p->cores_per_socket * p->threads_per_core);
}

/* ---- hosts ---- */

/* The interrupt machinery of one CPU. Both IPIs and device interrupts are taken by one
 * interrupt thread per CPU, created on first use, which runs pending work in arrival order. */
struct hw_cpu_intr {
    struct hw_host *h;
    unsigned cpu;
    struct sim_thread *td;
    bool ipi_pending;
    hw_handler_fn ipi_fn;
    void *ipi_arg;
    uint64_t ipi_merged;
    uint64_t ipi_flow;                  /* timeline: the flow id of the IPI on its way */
    struct hw_irq *irq_head, *irq_tail; /* raised and delivered, handler not yet run */
};

struct hw_irq {
    struct hw_host *h;
    char name[48];
    unsigned cpu;
    hw_handler_fn fn;
    void *arg;
    bool pending;          /* raised and not yet handled: further raises merge */
    struct hw_irq *next;   /* on the CPU's delivered list */
    struct hw_irq *all_next;
    uint64_t raised, handled;
};

struct hw_host {
    struct sim *sim;
    char name[64];
    const struct hw_profile *prof;
    unsigned ncpus, threads, cores_per_socket;
    struct sim_cpu **cpus;
    struct hw_cpu_intr *intr;
    uint64_t *ipi_counts; /* [from * ncpus + to] */
    uint64_t ipi_sent;    /* timeline flow ids */
    struct hw_irq *irqs;
    struct mem_arena *mem;
    struct cache_model *cache;
    int intr_cat;
};

/* The cache model's parameters, its DRAM latencies in cycles of the CPUs' clock hz (which a
 * host may set apart from the profile's freq). */
static struct cache_params cache_params_of(const struct hw_profile *p, uint64_t hz)
{
    struct cache_params cp = {0};
    cp.sockets = (unsigned)p->sockets;
    cp.cores_per_socket = (unsigned)p->cores_per_socket;
    cp.threads_per_core = (unsigned)p->threads_per_core;
    cp.l1 = (struct cache_geom){(uint32_t)p->l1_size, (uint32_t)p->l1_ways,
                                (uint32_t)p->l1_cycles};
    cp.l2 = (struct cache_geom){(uint32_t)p->l2_size, (uint32_t)p->l2_ways,
                                (uint32_t)p->l2_cycles};
    cp.llc = (struct cache_geom){(uint32_t)p->llc_size, (uint32_t)p->llc_ways,
                                 (uint32_t)p->llc_cycles};
    cp.xfer_load_local = (uint32_t)p->xfer_load_local;
    cp.xfer_store_local = (uint32_t)p->xfer_store_local;
    cp.xfer_load_remote = (uint32_t)p->xfer_load_remote;
    cp.xfer_store_remote = (uint32_t)p->xfer_store_remote;
    cp.atomic_local = (uint32_t)p->atomic_local;
    cp.atomic_remote = (uint32_t)p->atomic_remote;
    cp.atomic_base = (uint32_t)p->atomic_base;
    cp.dram_local = (uint32_t)sim_ps_to_cycles(p->dram_local, hz);
    cp.dram_remote = (uint32_t)sim_ps_to_cycles(p->dram_remote, hz);
    cp.mlp = (uint32_t)p->mlp;
    cp.ddio = p->ddio;
    cp.ddio_ways = (uint32_t)p->ddio_ways;
    cp.xfer_serial = p->xfer_serial;
    return cp;
}

struct hw_host *hw_host_create(struct sim *sim, const struct hw_host_params *p)
{
    struct hw_host *h = xcalloc(1, sizeof(*h));
    h->sim = sim;
    snprintf(h->name, sizeof(h->name), "%s", p->name);
    h->prof = p->profile;
    h->ncpus = p->ncpus;
    h->threads = p->profile ? (unsigned)p->profile->threads_per_core : 1;
    h->cores_per_socket = p->profile ? (unsigned)p->profile->cores_per_socket : p->ncpus;
    SIM_ASSERT(p->ncpus >= 1);
    SIM_ASSERTF(!p->profile || p->ncpus <= hw_profile_ncpus(p->profile),
                "host %s: %u CPUs, profile has %u", p->name, p->ncpus,
                hw_profile_ncpus(p->profile));
    h->cpus = xcalloc(h->ncpus, sizeof(*h->cpus));
    h->intr = xcalloc(h->ncpus, sizeof(*h->intr));
    h->ipi_counts = xcalloc((size_t)h->ncpus * h->ncpus, sizeof(*h->ipi_counts));
    uint64_t sw = p->profile ? p->profile->context_switch_cycles : 0;
    for (unsigned i = 0; i < h->ncpus; i++) {
        struct sim_cpu_params cp = {.id = (int)i, .hz = p->hz, .switch_cycles = sw,
                                    .sched = p->sched, .host = h->name};
        h->cpus[i] = sim_cpu_add(sim, &cp);
        h->intr[i] = (struct hw_cpu_intr){.h = h, .cpu = i};
    }
    h->intr_cat = sim_category(sim, "intr");
    /* Every host has memory (devices DMA into it); only a profiled host prices it. */
    h->mem = mem_create(p->mem_bytes ? p->mem_bytes : (size_t)1 << 30);
    SIM_ASSERTF(h->mem != NULL, "host %s: cannot reserve its memory arena", h->name);
    if (p->profile) {
        struct cache_params cp = cache_params_of(p->profile, p->hz);
        h->cache = cache_create(&cp, h->mem);
    }
    return h;
}

void hw_host_destroy(struct hw_host *h)
{
    if (!h)
        return;
    struct hw_irq *irq = h->irqs;
    while (irq) {
        struct hw_irq *next = irq->all_next;
        free(irq);
        irq = next;
    }
    if (h->cache)
        cache_destroy(h->cache);
    mem_destroy(h->mem);
    free(h->cpus);
    free(h->intr);
    free(h->ipi_counts);
    free(h);
}

const char *hw_host_name(const struct hw_host *h) { return h->name; }
struct sim *hw_host_sim(const struct hw_host *h) { return h->sim; }
const struct hw_profile *hw_host_profile(const struct hw_host *h) { return h->prof; }
unsigned hw_ncpus(const struct hw_host *h) { return h->ncpus; }
struct mem_arena *hw_mem(const struct hw_host *h) { return h->mem; }
struct cache_model *hw_cache(const struct hw_host *h) { return h->cache; }

struct sim_cpu *hw_cpu(const struct hw_host *h, unsigned cpu)
{
    SIM_ASSERTF(cpu < h->ncpus, "host %s has no cpu %u", h->name, cpu);
    return h->cpus[cpu];
}

unsigned hw_cpu_core(const struct hw_host *h, unsigned cpu) { return cpu / h->threads; }

unsigned hw_cpu_socket(const struct hw_host *h, unsigned cpu)
{
    return hw_cpu_core(h, cpu) / h->cores_per_socket;
}

unsigned hw_curcpu(const struct hw_host *h)
{
    struct sim_thread *td = sim_curthread(h->sim);
    SIM_ASSERTF(td != NULL, "hw_curcpu outside a simulated thread");
    return (unsigned)sim_cpu_id(sim_thread_cpu(td));
}

static uint64_t prof_cycles(const struct hw_host *h, size_t offset)
{
    return h->prof ? *(const uint64_t *)((const char *)h->prof + offset) : 0;
}

static sim_time_t prof_time(const struct hw_host *h, size_t offset)
{
    return h->prof ? *(const sim_time_t *)((const char *)h->prof + offset) : 0;
}

/* ---- the per-CPU interrupt thread ---- */

static bool intr_has_work(const struct hw_cpu_intr *ci)
{
    return ci->ipi_pending || ci->irq_head;
}

static void intr_thread(void *arg)
{
    struct hw_cpu_intr *ci = arg;
    struct hw_host *h = ci->h;
    struct sim *sim = h->sim;
    for (;;) {
        /* Synchronise before looking, so that the check and the sleep happen at one
         * instant and no delivery can slip in between (no lost wakeup). */
        sim_sync(sim);
        while (!intr_has_work(ci))
            sim_sleep(sim, ci, 0);
        if (ci->ipi_pending) {
            ci->ipi_pending = false;
            sim_trace_flow(sim, false, ci->ipi_flow, "IPI");
            sim_trace_begin(sim, "IPI");
            sim_charge(sim, prof_cycles(h, offsetof(struct hw_profile, ipi_receive_cycles)));
            if (ci->ipi_fn)
                ci->ipi_fn(ci->ipi_arg, ci->cpu);
            sim_trace_end(sim);
            continue;
        }
        struct hw_irq *irq = ci->irq_head;
        ci->irq_head = irq->next;
        if (!ci->irq_head)
            ci->irq_tail = NULL;
        irq->next = NULL;
        irq->pending = false; /* from here on a new raise is a new interrupt */
        irq->handled++;
        sim_trace_begin(sim, irq->name);
        sim_charge(sim, prof_cycles(h, offsetof(struct hw_profile, intr_entry_cycles)));
        irq->fn(irq->arg, ci->cpu);
        sim_trace_end(sim);
    }
}

static void intr_thread_ensure(struct hw_cpu_intr *ci)
{
    if (ci->td)
        return;
    struct hw_host *h = ci->h;
    char name[96];
    snprintf(name, sizeof(name), "%s-intr%u", h->name, ci->cpu);
    struct sim_thread_params tp = {.name = name, .pri = SIM_PRI_INT_HIGH, .flags = SIM_TDF_INTR,
                                   .category = h->intr_cat, .fn = intr_thread, .arg = ci};
    ci->td = sim_thread_create(h->sim, h->cpus[ci->cpu], &tp);
    sim_thread_start(h->sim, ci->td);
}

static void intr_wake(struct sim *sim, void *arg) { sim_wakeup(sim, arg); }

/* Work has been queued for ci at the current (event) time: wake its thread, after the
 * halted CPU's wake-up time if the CPU had nothing to do. */
static void intr_kick(struct hw_cpu_intr *ci)
{
    struct hw_host *h = ci->h;
    struct sim_cpu *cpu = h->cpus[ci->cpu];
    sim_time_t halted = prof_time(h, offsetof(struct hw_profile, wake_halted));
    if (!sim_cpu_current(cpu) && halted)
        sim_at(h->sim, sim_now(h->sim) + halted, intr_wake, ci);
    else
        sim_wakeup(h->sim, ci);
}

/* ---- IPIs ---- */

void hw_ipi_set_handler(struct hw_host *h, unsigned cpu, hw_handler_fn fn, void *arg)
{
    SIM_ASSERT(cpu < h->ncpus);
    h->intr[cpu].ipi_fn = fn;
    h->intr[cpu].ipi_arg = arg;
    intr_thread_ensure(&h->intr[cpu]);
}

static void ipi_arrive(struct sim *sim, void *arg)
{
    (void)sim;
    struct hw_cpu_intr *ci = arg;
    if (ci->ipi_pending) {
        ci->ipi_merged++;
        return;
    }
    ci->ipi_pending = true;
    intr_kick(ci);
}

void hw_ipi_send(struct hw_host *h, unsigned to)
{
    SIM_ASSERT(to < h->ncpus);
    unsigned from = hw_curcpu(h);
    sim_charge(h->sim, prof_cycles(h, offsetof(struct hw_profile, ipi_send_cycles)));
    sim_sync(h->sim); /* the send is an interaction: it happens in global time */
    h->ipi_counts[(size_t)from * h->ncpus + to]++;
    if (sim_get_trace(h->sim) && !h->intr[to].ipi_pending) {
        uint64_t id = sim_trace_flow_id(hw_host_name(h), ++h->ipi_sent); /* IPIs per host */
        h->intr[to].ipi_flow = id;
        sim_trace_flow(h->sim, true, id, "IPI");
    }
    intr_thread_ensure(&h->intr[to]);
    sim_after(h->sim, prof_time(h, offsetof(struct hw_profile, ipi_latency)), ipi_arrive,
              &h->intr[to]);
}

uint64_t hw_ipi_count(const struct hw_host *h, unsigned from, unsigned to)
{
    SIM_ASSERT(from < h->ncpus && to < h->ncpus);
    return h->ipi_counts[(size_t)from * h->ncpus + to];
}

uint64_t hw_ipi_merged(const struct hw_host *h, unsigned cpu) { return h->intr[cpu].ipi_merged; }

/* ---- device interrupts ---- */

struct hw_irq *hw_irq_create(struct hw_host *h, const char *name, unsigned cpu,
                             hw_handler_fn fn, void *arg)
{
    SIM_ASSERT(cpu < h->ncpus && fn);
    struct hw_irq *irq = xcalloc(1, sizeof(*irq));
    irq->h = h;
    snprintf(irq->name, sizeof(irq->name), "%s", name);
    irq->cpu = cpu;
    irq->fn = fn;
    irq->arg = arg;
    irq->all_next = h->irqs;
    h->irqs = irq;
    intr_thread_ensure(&h->intr[cpu]);
    return irq;
}

static void irq_arrive(struct sim *sim, void *arg)
{
    (void)sim;
    struct hw_irq *irq = arg;
    struct hw_cpu_intr *ci = &irq->h->intr[irq->cpu];
    if (ci->irq_tail)
        ci->irq_tail->next = irq;
    else
        ci->irq_head = irq;
    ci->irq_tail = irq;
    intr_kick(ci);
}

void hw_irq_raise(struct hw_irq *irq)
{
    irq->raised++;
    if (irq->pending)
        return; /* the message is already on its way or queued: one handler run serves both */
    irq->pending = true;
    struct hw_host *h = irq->h;
    sim_after(h->sim, prof_time(h, offsetof(struct hw_profile, msi_latency)), irq_arrive, irq);
}

unsigned hw_irq_cpu(const struct hw_irq *irq) { return irq->cpu; }
const char *hw_irq_name(const struct hw_irq *irq) { return irq->name; }
uint64_t hw_irq_count(const struct hw_irq *irq) { return irq->handled; }
uint64_t hw_irq_raised(const struct hw_irq *irq) { return irq->raised; }

/* ---- costs for kernel code ---- */

void hw_touch(struct hw_host *h, const void *p, size_t len, int op)
{
    if (!h->cache || len == 0)
        return;
    unsigned cpu = hw_curcpu(h);
    uint64_t paddr = mem_paddr(h->mem, p);
    /* Coherence traffic is an interaction with other CPUs: resolve it in global time. A
     * purely local hit needs no synchronisation. */
    if (!cache_is_local(h->cache, cpu, paddr, (uint32_t)len, (enum cache_op)op))
        sim_sync(h->sim);
    /* Non-local accesses run at global time (synchronised above), in time order. */
    uint64_t now = sim_ps_to_cycles(sim_local_now(h->sim), sim_cpu_hz(h->cpus[cpu]));
    struct cache_cost c =
        cache_access_at(h->cache, cpu, paddr, (uint32_t)len, (enum cache_op)op, now);
    sim_charge(h->sim, c.cycles);
}

void hw_mmio_write(struct hw_host *h)
{
    sim_charge(h->sim, prof_cycles(h, offsetof(struct hw_profile, mmio_write_cycles)));
}

void hw_mmio_read(struct hw_host *h)
{
    sim_charge(h->sim, prof_cycles(h, offsetof(struct hw_profile, mmio_read_cycles)));
}
