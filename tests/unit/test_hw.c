/*
 * test_hw.c - the simulated machine: topology, IPI costs and latency (sender, delivery,
 * receiver, waking a halted CPU), merging of pending IPIs and interrupts, counts per CPU
 * pair, device interrupts preempting a running thread by exactly their handler's time,
 * and memory touches priced by the cache model.
 */
#include <string.h>

#include "check.h"
#include "hwmodel/cache.h"
#include "hwmodel/hw.h"
#include "hwmodel/mem.h"

/* A profile with round numbers at 1 GHz (1 cycle = 1 ns). */
static struct hw_profile profile(void)
{
    struct hw_profile p = {.name = "t", .model = "", .sockets = 2, .cores_per_socket = 2,
                           .threads_per_core = 2, .freq = 1000000000,
                           .l1_size = 32768, .l1_ways = 8, .l1_cycles = 4,
                           .l2_size = 262144, .l2_ways = 8, .l2_cycles = 12,
                           .llc_size = 1 << 21, .llc_ways = 16, .llc_cycles = 30,
                           .xfer_load_local = 100, .xfer_store_local = 110,
                           .xfer_load_remote = 300, .xfer_store_remote = 320,
                           .atomic_local = 120, .atomic_remote = 330, .atomic_base = 20,
                           .dram_local = sim_ns(60), .dram_remote = sim_ns(100), .mlp = 4,
                           .ipi_send_cycles = 500, .ipi_receive_cycles = 1000,
                           .ipi_latency = sim_us(1), .wake_halted = sim_us(2),
                           .intr_entry_cycles = 300, .msi_latency = sim_ns(700),
                           .context_switch_cycles = 0, .syscall_cycles = 100,
                           .mmio_write_cycles = 200, .mmio_read_cycles = 2000,
                           .dma_latency = sim_ns(500)};
    return p;
}

struct ctx {
    struct sim *sim;
    struct hw_host *h;
    sim_time_t handled[8];
    int nhandled;
    sim_time_t sent_done, busy_done;
};

static void ipi_handler(void *arg, unsigned cpu)
{
    struct ctx *c = arg;
    (void)cpu;
    if (c->nhandled < 8)
        c->handled[c->nhandled++] = sim_local_now(c->sim);
}

static void sender(void *arg)
{
    struct ctx *c = arg;
    hw_ipi_send(c->h, 2);     /* CPU 2 is idle (halted) */
    c->sent_done = sim_local_now(c->sim);
    hw_ipi_send(c->h, 2);     /* arrives while the first is pending: merged */
    sim_sleep(c->sim, c, 0);
}

static struct hw_host *mkhost(struct sim *sim, struct hw_profile *p, unsigned ncpus)
{
    struct hw_host_params hp = {.name = "h", .profile = p, .ncpus = ncpus, .hz = p->freq,
                                .mem_bytes = 1 << 24};
    return hw_host_create(sim, &hp);
}

static void test_topology(void)
{
    struct sim_params sp = {.seed = 1};
    struct sim *sim = sim_create(&sp);
    struct hw_profile p = profile();
    struct hw_host *h = mkhost(sim, &p, 8);
    CHECK_EQ(hw_profile_ncpus(&p), 8);
    CHECK_EQ(hw_cpu_core(h, 0), 0);
    CHECK_EQ(hw_cpu_core(h, 1), 0); /* hyperthread sibling */
    CHECK_EQ(hw_cpu_core(h, 2), 1);
    CHECK_EQ(hw_cpu_socket(h, 3), 0);
    CHECK_EQ(hw_cpu_socket(h, 4), 1);
    CHECK(hw_cache(h) != NULL);
    hw_host_destroy(h);
    sim_destroy(sim);
}

static void test_ipi(void)
{
    struct sim_params sp = {.seed = 1};
    struct sim *sim = sim_create(&sp);
    struct hw_profile p = profile();
    struct hw_host *h = mkhost(sim, &p, 4);
    struct ctx c = {.sim = sim, .h = h};
    hw_ipi_set_handler(h, 2, ipi_handler, &c);
    struct sim_thread_params tp = {.name = "s", .pri = SIM_PRI_KERN_USER,
                                   .category = sim_category(sim, "kernel"), .fn = sender,
                                   .arg = &c};
    sim_thread_start(sim, sim_thread_create(sim, hw_cpu(h, 0), &tp));
    sim_run_until(sim, sim_ms(1));
    /* sender pays 500 ns; delivery 1 us later; CPU 2 was halted: +2 us; then the receive
     * cost of 1000 cycles before the handler */
    CHECK_EQ(c.sent_done, sim_ns(500));
    CHECK_EQ(c.nhandled, 1); /* the second IPI merged into the pending one */
    CHECK_EQ(c.handled[0], sim_ns(500) + sim_us(1) + sim_us(2) + sim_ns(1000));
    CHECK_EQ(hw_ipi_count(h, 0, 2), 2);
    CHECK_EQ(hw_ipi_count(h, 2, 0), 0);
    CHECK_EQ(hw_ipi_merged(h, 2), 1);
    hw_host_destroy(h);
    sim_destroy(sim);
}

/* A device interrupt arriving while a kernel thread computes delays it by the handler. */
static void busy(void *arg)
{
    struct ctx *c = arg;
    sim_charge(c->sim, 10000); /* 10 us */
    sim_sync(c->sim);
    c->busy_done = sim_local_now(c->sim);
    sim_sleep(c->sim, c, 0);
}

static void dev_handler(void *arg, unsigned cpu)
{
    struct ctx *c = arg;
    (void)cpu;
    sim_charge(c->sim, 2000); /* the driver's work: 2 us */
    if (c->nhandled < 8)
        c->handled[c->nhandled++] = sim_local_now(c->sim);
}

static void raise_ev(struct sim *sim, void *arg)
{
    (void)sim;
    hw_irq_raise(arg);
    hw_irq_raise(arg); /* merged: already pending */
}

static void test_irq_preempts(void)
{
    struct sim_params sp = {.seed = 1};
    struct sim *sim = sim_create(&sp);
    struct hw_profile p = profile();
    struct hw_host *h = mkhost(sim, &p, 2);
    struct ctx c = {.sim = sim, .h = h};
    struct hw_irq *irq = hw_irq_create(h, "nic", 1, dev_handler, &c);
    struct sim_thread_params tp = {.name = "w", .pri = SIM_PRI_KERN_USER,
                                   .category = sim_category(sim, "kernel"), .fn = busy,
                                   .arg = &c};
    sim_thread_start(sim, sim_thread_create(sim, hw_cpu(h, 1), &tp));
    sim_run_until(sim, 0);
    sim_at(sim, sim_us(3), raise_ev, irq);
    sim_run_until(sim, sim_ms(1));
    /* raised at 3 us, delivered 0.7 us later, entry 0.3 us + handler 2 us */
    CHECK_EQ(c.nhandled, 1);
    CHECK_EQ(c.handled[0], sim_us(3) + sim_ns(700) + sim_ns(300) + sim_us(2));
    CHECK_EQ(c.busy_done, sim_us(10) + sim_ns(300) + sim_us(2));
    CHECK_EQ(hw_irq_raised(irq), 2);
    CHECK_EQ(hw_irq_count(irq), 1);
    hw_host_destroy(h);
    sim_destroy(sim);
}

struct touch_ctx {
    struct sim *sim;
    struct hw_host *h;
    uint64_t *line;
    sim_time_t t[4];
};

static void toucher0(void *arg)
{
    struct touch_ctx *c = arg;
    hw_touch(c->h, c->line, 8, CACHE_WRITE); /* cold: DRAM on the home socket (0) */
    sim_sync(c->sim);
    c->t[0] = sim_local_now(c->sim);
    hw_touch(c->h, c->line, 8, CACHE_READ);  /* L1 hit */
    sim_sync(c->sim);
    c->t[1] = sim_local_now(c->sim);
}

static void toucher2(void *arg)
{
    struct touch_ctx *c = arg;
    sim_sleep(c->sim, c, sim_us(1));
    sim_time_t t0 = sim_local_now(c->sim);
    hw_touch(c->h, c->line, 8, CACHE_READ); /* Modified in core 0, same socket */
    sim_sync(c->sim);
    c->t[2] = sim_local_now(c->sim) - t0;
}

static void test_touch_priced(void)
{
    struct sim_params sp = {.seed = 1, .quantum = sim_us(10)};
    struct sim *sim = sim_create(&sp);
    struct hw_profile p = profile();
    struct hw_host *h = mkhost(sim, &p, 8);
    struct touch_ctx c = {.sim = sim, .h = h};
    c.line = mem_alloc(hw_mem(h), 64, mem_region(hw_mem(h), "counter"), 0);
    int cat = sim_category(sim, "kernel");
    struct sim_thread_params t0 = {.name = "a", .pri = 10, .category = cat, .fn = toucher0, .arg = &c};
    struct sim_thread_params t2 = {.name = "b", .pri = 10, .category = cat, .fn = toucher2, .arg = &c};
    sim_thread_start(sim, sim_thread_create(sim, hw_cpu(h, 0), &t0));
    sim_thread_start(sim, sim_thread_create(sim, hw_cpu(h, 2), &t2));
    sim_run_until(sim, sim_ms(1));
    CHECK_EQ(c.t[0], sim_ns(60));           /* dram_local at 1 GHz */
    CHECK_EQ(c.t[1], sim_ns(60) + sim_ns(4));
    CHECK_EQ(c.t[2], sim_ns(100));          /* xfer_load_local */
    cache_check(hw_cache(h));
    hw_host_destroy(h);
    sim_destroy(sim);
}

/* Transfers of one line queue through hw_touch, on the CPUs' own clock: a host at 2 GHz
 * (hosts.<h>.freq) over a 1 GHz profile. CPU 2 takes the line at 1 us (a same-socket
 * store, 110 cycles = 55 ns); CPU 4, on the other socket, asks 20 ns later and waits the
 * remaining 35 ns before its own 320-cycle (160 ns) transfer. */
static void queue_writer(void *arg)
{
    struct touch_ctx *c = arg;
    unsigned cpu = hw_curcpu(c->h);
    if (cpu != 0) /* (a sleep of 0 would be for ever) */
        sim_sleep(c->sim, c, cpu == 2 ? sim_us(1) : sim_us(1) + sim_ns(20));
    sim_time_t t0 = sim_local_now(c->sim);
    hw_touch(c->h, c->line, 8, CACHE_WRITE);
    sim_sync(c->sim);
    c->t[cpu / 2] = sim_local_now(c->sim) - t0;
}

static void test_touch_queues(void)
{
    struct sim_params sp = {.seed = 1, .quantum = 0};
    struct sim *sim = sim_create(&sp);
    struct hw_profile p = profile();
    p.xfer_serial = true;
    struct hw_host_params hp = {.name = "h", .profile = &p, .ncpus = 8, .hz = 2000000000,
                                .mem_bytes = 1 << 24};
    struct hw_host *h = hw_host_create(sim, &hp);
    struct touch_ctx c = {.sim = sim, .h = h};
    c.line = mem_alloc(hw_mem(h), 64, mem_region(hw_mem(h), "counter"), 0);
    int cat = sim_category(sim, "kernel");
    const unsigned cpus[3] = {0, 2, 4};
    for (unsigned i = 0; i < 3; i++) {
        struct sim_thread_params tp = {.name = i == 0 ? "a" : i == 1 ? "b" : "c", .pri = 10,
                                       .category = cat, .fn = queue_writer, .arg = &c};
        sim_thread_start(sim, sim_thread_create(sim, hw_cpu(h, cpus[i]), &tp));
    }
    sim_run_until(sim, sim_ms(1));
    CHECK_EQ(c.t[0], sim_ns(60));             /* cold: DRAM (60 ns whatever the clock) */
    CHECK_EQ(c.t[1], sim_ns(55));             /* 110 cycles at 2 GHz, no wait */
    CHECK_EQ(c.t[2], sim_ns(35) + sim_ns(160)); /* the wait, then 320 cycles */
    const struct cache_region_stats *rs =
        cache_region_stats(hw_cache(h), mem_region(hw_mem(h), "counter"));
    CHECK_EQ(rs->queued, 1);
    CHECK_EQ(rs->wait_cycles, 70);
    cache_check(hw_cache(h));
    hw_host_destroy(h);
    sim_destroy(sim);
}

int main(void)
{
    RUN(test_topology);
    RUN(test_ipi);
    RUN(test_irq_preempts);
    RUN(test_touch_priced);
    RUN(test_touch_queues);
    return check_result();
}
