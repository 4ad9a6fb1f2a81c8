/*
 * kern_host.c - kern.h implemented on a simulated host: the door between the stack and the
 * engine (src/sim) and hardware model (src/hwmodel). Nothing here decides anything about
 * networking; it translates.
 */
#include "world/kern_host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hwmodel/cache.h"
#include "hwmodel/hw.h"
#include "hwmodel/mem.h"
#include "hwmodel/nic.h"
#include "sim/panic.h"
#include "sim/trace.h"

struct kern_dev {
    struct kern_machine *km;
    struct nic *nic;
    unsigned socket;
    char name[32];
};

struct kern_ipi {
    kern_intr_fn fn;
    void *arg;
};

struct kern_irq {
    kern_intr_fn fn;
    void *arg;
    /* a periodic timer's (kern_timer_periodic) */
    struct hw_irq *irq;
    struct sim_timer timer;
    sim_time_t period, next;
};

struct kern_machine {
    struct hw_host *h;
    struct sim *sim;
    struct mem_arena *mem;
    uint64_t op_cycles[KOP_COUNT];
    struct kern_dev devs[8];
    unsigned ndevs;
    struct kern_ipi *ipi;          /* per CPU */
    struct kern_irq *irqs[64 * 8];
    unsigned nirqs;
};

static const char *const op_names[KOP_COUNT] = {
#define OP_NAME(name, cycles, doc) #name,
    KERN_OPS(OP_NAME)
#undef OP_NAME
};

const char *kern_op_name(enum kern_op op) { return op_names[op]; }

struct kern_machine *kern_host_create(struct hw_host *h, const uint64_t op_cycles[KOP_COUNT])
{
    struct kern_machine *km = xcalloc(1, sizeof(*km));
    km->h = h;
    km->sim = hw_host_sim(h);
    km->mem = hw_mem(h);
    memcpy(km->op_cycles, op_cycles, sizeof(km->op_cycles));
    km->ipi = xcalloc(hw_ncpus(h), sizeof(*km->ipi));
    return km;
}

void kern_host_destroy(struct kern_machine *km)
{
    if (!km)
        return;
    /* the periodic timers' sim events point here: world.c destroys the sim first */
    for (unsigned i = 0; i < km->nirqs; i++)
        free(km->irqs[i]);
    free(km->ipi);
    free(km);
}

struct kern_dev *kern_host_add_dev(struct kern_machine *km, struct nic *n, unsigned socket)
{
    SIM_ASSERT(km->ndevs < 8);
    struct kern_dev *d = &km->devs[km->ndevs++];
    d->km = km;
    d->nic = n;
    d->socket = socket;
    snprintf(d->name, sizeof(d->name), "%s", nic_name(n));
    return d;
}

/* ---- CPUs, time, cost ---- */

unsigned kern_ncpus(const struct kern_machine *km) { return hw_ncpus(km->h); }
unsigned kern_cpu_socket(const struct kern_machine *km, unsigned cpu) { return hw_cpu_socket(km->h, cpu); }

unsigned kern_curcpu(const struct kern_machine *km)
{
    return sim_curthread(km->sim) ? hw_curcpu(km->h) : 0; /* set-up code runs as CPU 0 */
}

const void *kern_curthread(const struct kern_machine *km) { return sim_curthread(km->sim); }

kern_time_t kern_now(const struct kern_machine *km) { return sim_local_now(km->sim); }

void kern_charge(struct kern_machine *km, uint64_t cycles)
{
    if (cycles && sim_curthread(km->sim))
        sim_charge(km->sim, cycles);
}

void kern_charge_op(struct kern_machine *km, enum kern_op op, uint32_t n)
{
    kern_charge(km, km->op_cycles[op] * n);
}

uint64_t kern_op_cycles(const struct kern_machine *km, enum kern_op op) { return km->op_cycles[op]; }

void kern_touch(struct kern_machine *km, const void *p, size_t len, enum kern_access a)
{
    if (sim_curthread(km->sim))
        hw_touch(km->h, p, len, (int)a);
}

void kern_sync(struct kern_machine *km)
{
    if (sim_curthread(km->sim))
        sim_sync(km->sim);
}

void kern_crit_enter(struct kern_machine *km)
{
    if (sim_curthread(km->sim))
        sim_crit_enter(km->sim);
}

void kern_crit_exit(struct kern_machine *km)
{
    if (sim_curthread(km->sim))
        sim_crit_exit(km->sim);
}

/* ---- timeline ---- */

bool kern_tracing(const struct kern_machine *km) { return sim_get_trace(km->sim) != NULL; }
void kern_trace_begin(struct kern_machine *km, const char *name) { sim_trace_begin(km->sim, name); }
void kern_trace_end(struct kern_machine *km) { sim_trace_end(km->sim); }
void kern_trace_instant(struct kern_machine *km, const char *name)
{
    sim_trace_instant(km->sim, name);
}
void kern_trace_flow(struct kern_machine *km, bool start, uint64_t seq, const char *name)
{
    sim_trace_flow(km->sim, start, sim_trace_flow_id(hw_host_name(km->h), seq), name);
}
void kern_trace_counter(struct kern_machine *km, const char *name, const char *series,
                        double value)
{
    sim_trace_counter(km->sim, hw_host_name(km->h), name, series, value);
}

/* ---- memory ---- */

uint16_t kern_region(struct kern_machine *km, const char *name) { return mem_region(km->mem, name); }

void *kern_alloc(struct kern_machine *km, size_t size, uint16_t region, unsigned cpu)
{
    return mem_alloc(km->mem, size, region, hw_cpu_socket(km->h, cpu));
}

void kern_free(struct kern_machine *km, void *p) { mem_free(km->mem, p); }
uint64_t kern_paddr(const struct kern_machine *km, const void *p) { return mem_paddr(km->mem, p); }
void *kern_vaddr(const struct kern_machine *km, uint64_t pa) { return mem_vaddr(km->mem, pa); }

/* ---- threads ---- */

void kern_thread_start(struct kern_machine *km, unsigned cpu, const char *name, int pri,
                       const char *category, void (*fn)(void *arg), void *arg)
{
    struct sim_thread_params tp = {.name = name, .pri = pri,
                                   .category = sim_category(km->sim, category), .fn = fn,
                                   .arg = arg};
    sim_thread_start(km->sim, sim_thread_create(km->sim, hw_cpu(km->h, cpu), &tp));
}

int kern_sleep(struct kern_machine *km, const void *chan, kern_time_t timeout)
{
    return sim_sleep(km->sim, chan, timeout);
}

void kern_wakeup(struct kern_machine *km, const void *chan) { sim_wakeup(km->sim, chan); }

/* ---- IPIs and interrupts ---- */

static void ipi_trampoline(void *arg, unsigned cpu)
{
    struct kern_ipi *ki = arg;
    (void)cpu;
    if (ki->fn)
        ki->fn(ki->arg);
}

void kern_ipi_handler(struct kern_machine *km, unsigned cpu, kern_intr_fn fn, void *arg)
{
    km->ipi[cpu].fn = fn;
    km->ipi[cpu].arg = arg;
    hw_ipi_set_handler(km->h, cpu, ipi_trampoline, &km->ipi[cpu]);
}

void kern_ipi_send(struct kern_machine *km, unsigned to) { hw_ipi_send(km->h, to); }

struct kern_dev *kern_dev_find(struct kern_machine *km, const char *name)
{
    for (unsigned i = 0; i < km->ndevs; i++)
        if (strcmp(km->devs[i].name, name) == 0)
            return &km->devs[i];
    return NULL;
}

const char *kern_dev_name(const struct kern_dev *d) { return d->name; }
const char *kern_dev_model(const struct kern_dev *d) { return nic_chip(d->nic)->name; }
unsigned kern_dev_socket(const struct kern_dev *d) { return d->socket; }

uint32_t kern_dev_read(struct kern_dev *d, uint32_t reg)
{
    if (sim_curthread(d->km->sim))
        hw_mmio_read(d->km->h);
    return nic_read(d->nic, reg);
}

void kern_dev_write(struct kern_dev *d, uint32_t reg, uint32_t val)
{
    if (sim_curthread(d->km->sim))
        hw_mmio_write(d->km->h);
    nic_write(d->nic, reg, val);
}

static void irq_trampoline(void *arg, unsigned cpu)
{
    struct kern_irq *ki = arg;
    (void)cpu;
    ki->fn(ki->arg);
}

static struct kern_irq *irq_new(struct kern_machine *km, kern_intr_fn fn, void *arg)
{
    SIM_ASSERT(km->nirqs < sizeof(km->irqs) / sizeof(km->irqs[0]));
    struct kern_irq *ki = xcalloc(1, sizeof(*ki));
    ki->fn = fn;
    ki->arg = arg;
    km->irqs[km->nirqs++] = ki;
    return ki;
}

void kern_dev_intr(struct kern_dev *d, unsigned vector, unsigned cpu, const char *name,
                   kern_intr_fn fn, void *arg)
{
    struct kern_machine *km = d->km;
    struct kern_irq *ki = irq_new(km, fn, arg);
    nic_msix_bind(d->nic, vector, hw_irq_create(km->h, name, cpu, irq_trampoline, ki));
}

/* A tick: raise the timer's vector (a tick that finds the last one still pending merges
 * with it) and arm the next one, on the fixed grid. */
static void systimer_tick(struct sim *sim, void *arg)
{
    struct kern_irq *ki = arg;
    hw_irq_raise(ki->irq);
    ki->next += ki->period;
    sim_timer_arm(sim, &ki->timer, ki->next);
}

void kern_timer_periodic(struct kern_machine *km, unsigned cpu, const char *name,
                         kern_time_t period, kern_intr_fn fn, void *arg)
{
    SIM_ASSERT(period > 0);
    struct kern_irq *ki = irq_new(km, fn, arg);
    ki->irq = hw_irq_create(km->h, name, cpu, irq_trampoline, ki);
    ki->period = period;
    ki->next = sim_now(km->sim) + period;
    sim_timer_init(&ki->timer, systimer_tick, ki);
    sim_timer_arm(km->sim, &ki->timer, ki->next);
}
