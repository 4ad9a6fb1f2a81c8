/*
 * fake_kern.c - the fake machine behind kern.h for unit tests and the fuzz target (see
 * fake_kern.h for what each call does).
 *
 * Layout of the state: one struct kern_machine holds every counter, the region names, the
 * started threads, the per-CPU IPI handlers and counts, and a singly linked list of
 * devices. A device keeps its registers in a small open-addressing hash map (offset ->
 * value, linear probing, grown at half load), because drivers write a handful of
 * registers scattered over a 128 KiB window, and its interrupt vectors in an array indexed
 * by vector. Nothing here is a global: two machines in one process are independent.
 */
#include "fake_kern.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- constant tables from the KERN_OPS X-macro ---- */

static const uint64_t op_default_cycles[KOP_COUNT] = {
#define FK_OP_CYCLES(name, cycles, doc) [KOP_##name] = (cycles),
    KERN_OPS(FK_OP_CYCLES)
#undef FK_OP_CYCLES
};

static const char *const op_names[KOP_COUNT] = {
#define FK_OP_NAME(name, cycles, doc) [KOP_##name] = #name,
    KERN_OPS(FK_OP_NAME)
#undef FK_OP_NAME
};

/* ---- state ---- */

struct fk_thread {
    unsigned cpu;
    int pri;
    char *name, *category;
    void (*fn)(void *arg);
    void *arg;
};

struct fk_ipi {
    kern_intr_fn fn; /* NULL: no handler installed */
    void *arg;
    uint64_t received;
};

struct fk_reg {
    uint32_t off, val;
    bool used;
};

struct fk_vec {
    bool set;
    unsigned cpu;
    char *name;
    kern_intr_fn fn;
    void *arg;
};

struct kern_dev {
    struct kern_dev *next;
    struct kern_machine *km;
    char *name, *model;
    struct fk_reg *regs; /* hash map, nregs_cap a power of two */
    size_t nregs, nregs_cap;
    struct fk_vec *vecs; /* indexed by vector */
    size_t nvecs;
    uint64_t reads, writes;
    void (*on_write)(void *arg, uint32_t reg, uint32_t val);
    void *on_write_arg;
};

/* A periodic timer (kern_timer_periodic); the test fires it (fake_kern_timer_fire). */
struct fk_timer {
    bool set;
    kern_time_t period;
    kern_intr_fn fn;
    void *arg;
};

struct kern_machine {
    unsigned ncpus, curcpu;
    const void *curthread; /* NULL: the test's own code */
    unsigned crit;   /* critical-section depth */
    kern_time_t now; /* picoseconds */
    struct fake_kern_stats st;
    uint64_t op_count[KOP_COUNT];
    size_t live;     /* allocations not yet freed */
    long fail_after; /* > 0: the fail_after-th next kern_alloc fails */
    char *regions[FAKE_KERN_MAX_REGIONS];
    size_t nregions;
    struct fk_thread *threads;
    size_t nthreads, threads_cap;
    struct fk_ipi *ipi; /* [ncpus] */
    struct fk_timer *timer; /* [ncpus]: one per CPU at most */
    struct kern_dev *devs;
};

/* ---- helpers ---- */

/* The code under test broke kern.h's contract, or the host is out of memory. */
_Noreturn __attribute__((format(printf, 1, 2))) static void fk_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fake_kern: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

static void *fk_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        fk_die("host out of memory (%zu x %zu bytes)", n, size);
    return p;
}

static char *fk_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = fk_calloc(1, n);
    memcpy(p, s, n);
    return p;
}

static void fk_check_cpu(const struct kern_machine *km, unsigned cpu, const char *call)
{
    if (cpu >= km->ncpus)
        fk_die("%s: cpu %u out of range (the machine has %u)", call, cpu, km->ncpus);
}

static void fk_check_op(enum kern_op op, const char *call)
{
    if ((unsigned)op >= KOP_COUNT)
        fk_die("%s: unknown operation %d (valid: 0..%d)", call, (int)op, KOP_COUNT - 1);
}

/* Call fn(arg) as if on `cpu`, then restore the caller's CPU. */
/* Run fn(arg) on `cpu` as thread `td` (kern_curthread's answer during the call). */
static void fk_run_on(struct kern_machine *km, unsigned cpu, const void *td, void (*fn)(void *),
                      void *arg)
{
    unsigned saved = km->curcpu;
    const void *saved_td = km->curthread;
    km->curcpu = cpu;
    km->curthread = td;
    fn(arg);
    km->curcpu = saved;
    km->curthread = saved_td;
}

/* ---- the machine ---- */

struct kern_machine *fake_kern_create(unsigned ncpus)
{
    if (ncpus == 0)
        fk_die("fake_kern_create: ncpus must be at least 1");
    struct kern_machine *km = fk_calloc(1, sizeof(*km));
    km->ncpus = ncpus;
    km->fail_after = -1;
    km->ipi = fk_calloc(ncpus, sizeof(*km->ipi));
    km->timer = fk_calloc(ncpus, sizeof(*km->timer));
    km->regions[0] = fk_strdup("other");
    km->nregions = 1;
    return km;
}

static void fk_dev_free(struct kern_dev *d)
{
    for (size_t i = 0; i < d->nvecs; i++)
        free(d->vecs[i].name);
    free(d->vecs);
    free(d->regs);
    free(d->name);
    free(d->model);
    free(d);
}

void fake_kern_destroy(struct kern_machine *km)
{
    if (!km)
        return;
    while (km->devs) {
        struct kern_dev *d = km->devs;
        km->devs = d->next;
        fk_dev_free(d);
    }
    for (size_t i = 0; i < km->nthreads; i++) {
        free(km->threads[i].name);
        free(km->threads[i].category);
    }
    free(km->threads);
    for (size_t i = 0; i < km->nregions; i++)
        free(km->regions[i]);
    free(km->ipi);
    free(km->timer);
    free(km);
}

void fake_kern_set_cpu(struct kern_machine *km, unsigned cpu)
{
    fk_check_cpu(km, cpu, "fake_kern_set_cpu");
    km->curcpu = cpu;
}

uint64_t fake_kern_cycles(const struct kern_machine *km) { return km->st.cycles; }
uint64_t fake_kern_touches(const struct kern_machine *km) { return km->st.touches; }
const struct fake_kern_stats *fake_kern_stats(const struct kern_machine *km)
{
    return &km->st;
}
size_t fake_kern_live_allocs(const struct kern_machine *km) { return km->live; }

uint64_t fake_kern_op_count(const struct kern_machine *km, enum kern_op op)
{
    fk_check_op(op, "fake_kern_op_count");
    return km->op_count[op];
}

void fake_kern_fail_alloc_after(struct kern_machine *km, long n)
{
    km->fail_after = n > 0 ? n : -1;
}

/* ---- CPUs, time, cost ---- */

unsigned kern_ncpus(const struct kern_machine *km) { return km->ncpus; }

unsigned kern_cpu_socket(const struct kern_machine *km, unsigned cpu)
{
    fk_check_cpu(km, cpu, "kern_cpu_socket");
    return 0;
}

unsigned kern_curcpu(const struct kern_machine *km) { return km->curcpu; }
const void *kern_curthread(const struct kern_machine *km) { return km->curthread; }
kern_time_t kern_now(const struct kern_machine *km) { return km->now; }

void kern_charge(struct kern_machine *km, uint64_t cycles)
{
    km->st.cycles += cycles;
    km->now += cycles * FAKE_KERN_PS_PER_CYCLE;
}

void kern_charge_op(struct kern_machine *km, enum kern_op op, uint32_t n)
{
    fk_check_op(op, "kern_charge_op");
    km->op_count[op] += n;
    kern_charge(km, op_default_cycles[op] * n);
}

uint64_t kern_op_cycles(const struct kern_machine *km, enum kern_op op)
{
    fk_check_op(op, "kern_op_cycles");
    return op_default_cycles[op];
}

const char *kern_op_name(enum kern_op op)
{
    fk_check_op(op, "kern_op_name");
    return op_names[op];
}

void kern_touch(struct kern_machine *km, const void *p, size_t len, enum kern_access a)
{
    if (!p)
        fk_die("kern_touch: NULL pointer (%zu bytes, access %d)", len, (int)a);
    km->st.touches++;
    km->st.touch_bytes += len;
}

void kern_sync(struct kern_machine *km) { km->st.syncs++; }

/* No interrupts on the fake machine: only the nesting is checked. */
void kern_crit_enter(struct kern_machine *km) { km->crit++; }

void kern_crit_exit(struct kern_machine *km)
{
    if (km->crit == 0)
        fk_die("kern_crit_exit without kern_crit_enter");
    km->crit--;
}

unsigned fake_kern_crit_depth(const struct kern_machine *km) { return km->crit; }

/* ---- timeline: the fake machine writes none ---- */

bool kern_tracing(const struct kern_machine *km)
{
    (void)km;
    return false;
}
void kern_trace_begin(struct kern_machine *km, const char *name) { (void)km, (void)name; }
void kern_trace_end(struct kern_machine *km) { (void)km; }
void kern_trace_instant(struct kern_machine *km, const char *name) { (void)km, (void)name; }
void kern_trace_flow(struct kern_machine *km, bool start, uint64_t seq, const char *name)
{
    (void)km, (void)start, (void)seq, (void)name;
}
void kern_trace_counter(struct kern_machine *km, const char *name, const char *series,
                        double value)
{
    (void)km, (void)name, (void)series, (void)value;
}

/* ---- memory ---- */

uint16_t kern_region(struct kern_machine *km, const char *name)
{
    if (!name || !*name)
        fk_die("kern_region: the name must be non-empty");
    for (size_t i = 0; i < km->nregions; i++)
        if (strcmp(km->regions[i], name) == 0)
            return (uint16_t)i;
    if (km->nregions == FAKE_KERN_MAX_REGIONS)
        fk_die("kern_region: more than %d region names (\"%s\")", FAKE_KERN_MAX_REGIONS, name);
    km->regions[km->nregions] = fk_strdup(name);
    return (uint16_t)km->nregions++;
}

void *kern_alloc(struct kern_machine *km, size_t size, uint16_t region, unsigned cpu)
{
    fk_check_cpu(km, cpu, "kern_alloc");
    if (region >= km->nregions)
        fk_die("kern_alloc: region %u was never registered (%zu known)", region, km->nregions);
    if (km->fail_after > 0 && --km->fail_after == 0) {
        km->fail_after = -1;
        km->st.alloc_failures++;
        return NULL;
    }
    void *p;
    if (size >= 64) {
        /* C17 aligned_alloc: round the size up to a multiple of the alignment. */
        size_t rounded = (size + 63) & ~(size_t)63;
        p = aligned_alloc(64, rounded);
        if (!p)
            fk_die("host out of memory (%zu bytes)", rounded);
        memset(p, 0, rounded);
    } else {
        p = fk_calloc(1, size);
    }
    km->live++;
    km->st.allocs++;
    return p;
}

void kern_free(struct kern_machine *km, void *p)
{
    if (!p)
        return;
    if (km->live == 0)
        fk_die("kern_free(%p): no allocation is live (double free?)", p);
    km->live--;
    km->st.frees++;
    free(p);
}

uint64_t kern_paddr(const struct kern_machine *km, const void *p) { return (uintptr_t)p; }
void *kern_vaddr(const struct kern_machine *km, uint64_t paddr)
{
    return (void *)(uintptr_t)paddr;
}

/* ---- threads, sleep, wakeup ---- */

void kern_thread_start(struct kern_machine *km, unsigned cpu, const char *name, int pri,
                       const char *category, void (*fn)(void *arg), void *arg)
{
    fk_check_cpu(km, cpu, "kern_thread_start");
    if (!fn)
        fk_die("kern_thread_start: thread \"%s\" has no function", name ? name : "?");
    if (km->nthreads == km->threads_cap) {
        size_t cap = km->threads_cap ? 2 * km->threads_cap : 8;
        struct fk_thread *t = realloc(km->threads, cap * sizeof(*t));
        if (!t)
            fk_die("host out of memory (%zu threads)", cap);
        km->threads = t;
        km->threads_cap = cap;
    }
    km->threads[km->nthreads++] = (struct fk_thread){
        .cpu = cpu, .pri = pri, .fn = fn, .arg = arg,
        .name = fk_strdup(name ? name : ""), .category = fk_strdup(category ? category : ""),
    };
}

size_t fake_kern_nthreads(const struct kern_machine *km) { return km->nthreads; }

void fake_kern_thread_run(struct kern_machine *km, size_t i)
{
    if (i >= km->nthreads)
        fk_die("fake_kern_thread_run: thread %zu of %zu", i, km->nthreads);
    fk_run_on(km, km->threads[i].cpu, &km->threads[i], km->threads[i].fn, km->threads[i].arg);
}

int kern_sleep(struct kern_machine *km, const void *chan, kern_time_t timeout)
{
    km->st.sleeps++;
    if (timeout == 0)
        return 0; /* one host thread cannot block: report "woken" */
    km->now += timeout;
    return EWOULDBLOCK;
}

void kern_wakeup(struct kern_machine *km, const void *chan) { km->st.wakeups++; }

/* ---- inter-processor interrupts ---- */

void kern_ipi_handler(struct kern_machine *km, unsigned cpu, kern_intr_fn fn, void *arg)
{
    fk_check_cpu(km, cpu, "kern_ipi_handler");
    km->ipi[cpu].fn = fn;
    km->ipi[cpu].arg = arg;
}

void kern_ipi_send(struct kern_machine *km, unsigned to)
{
    fk_check_cpu(km, to, "kern_ipi_send");
    km->ipi[to].received++;
    km->st.ipis++;
}

uint64_t fake_kern_ipis(const struct kern_machine *km, unsigned to)
{
    fk_check_cpu(km, to, "fake_kern_ipis");
    return km->ipi[to].received;
}

void kern_timer_periodic(struct kern_machine *km, unsigned cpu, const char *name,
                         kern_time_t period, kern_intr_fn fn, void *arg)
{
    (void)name;
    fk_check_cpu(km, cpu, "kern_timer_periodic");
    if (!fn || !period)
        fk_die("kern_timer_periodic: CPU %u: no handler or a zero period", cpu);
    if (km->timer[cpu].set)
        fk_die("kern_timer_periodic: CPU %u has a timer already (the fake keeps one)", cpu);
    km->timer[cpu] = (struct fk_timer){true, period, fn, arg};
}

kern_time_t fake_kern_timer_period(const struct kern_machine *km, unsigned cpu)
{
    fk_check_cpu(km, cpu, "fake_kern_timer_period");
    return km->timer[cpu].set ? km->timer[cpu].period : 0;
}

bool fake_kern_timer_fire(struct kern_machine *km, unsigned cpu)
{
    fk_check_cpu(km, cpu, "fake_kern_timer_fire");
    if (!km->timer[cpu].set)
        return false;
    fk_run_on(km, cpu, &km->timer[cpu], km->timer[cpu].fn, km->timer[cpu].arg);
    return true;
}

bool fake_kern_ipi_deliver(struct kern_machine *km, unsigned cpu)
{
    fk_check_cpu(km, cpu, "fake_kern_ipi_deliver");
    if (!km->ipi[cpu].fn)
        return false;
    fk_run_on(km, cpu, &km->ipi[cpu], km->ipi[cpu].fn, km->ipi[cpu].arg);
    return true;
}

/* ---- devices: registry ---- */

struct kern_dev *fake_kern_add_dev(struct kern_machine *km, const char *name,
                                   const char *model)
{
    if (!name || !*name || !model)
        fk_die("fake_kern_add_dev: a device needs a name and a model");
    if (kern_dev_find(km, name))
        fk_die("fake_kern_add_dev: device \"%s\" exists already", name);
    struct kern_dev *d = fk_calloc(1, sizeof(*d));
    d->km = km;
    d->name = fk_strdup(name);
    d->model = fk_strdup(model);
    /* Append, so that the list keeps registration order. */
    struct kern_dev **link = &km->devs;
    while (*link)
        link = &(*link)->next;
    *link = d;
    return d;
}

struct kern_dev *kern_dev_find(struct kern_machine *km, const char *name)
{
    for (struct kern_dev *d = km->devs; d; d = d->next)
        if (strcmp(d->name, name) == 0)
            return d;
    return NULL;
}

const char *kern_dev_name(const struct kern_dev *d) { return d->name; }
const char *kern_dev_model(const struct kern_dev *d) { return d->model; }
unsigned kern_dev_socket(const struct kern_dev *d) { return 0; }

/* ---- devices: the register map ---- */

/* Fibonacci hashing of a register offset into a table of 2^k slots (cap = 2^k). */
static size_t fk_reg_slot(uint32_t off, size_t cap)
{
    return (size_t)((off * UINT32_C(2654435769)) & (uint32_t)(cap - 1));
}

/* The slot holding `off`, or the empty slot where it would go. Needs a table (cap > 0). */
static struct fk_reg *fk_reg_find(const struct kern_dev *d, uint32_t off)
{
    size_t i = fk_reg_slot(off, d->nregs_cap);
    while (d->regs[i].used && d->regs[i].off != off)
        i = (i + 1) & (d->nregs_cap - 1);
    return &d->regs[i];
}

static void fk_reg_grow(struct kern_dev *d)
{
    struct fk_reg *old = d->regs;
    size_t oldcap = d->nregs_cap;
    d->nregs_cap = oldcap ? 2 * oldcap : 16;
    d->regs = fk_calloc(d->nregs_cap, sizeof(*d->regs));
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].used)
            *fk_reg_find(d, old[i].off) = old[i];
    free(old);
}

uint32_t fake_kern_dev_reg(const struct kern_dev *d, uint32_t reg)
{
    if (d->nregs_cap == 0)
        return 0;
    const struct fk_reg *r = fk_reg_find(d, reg);
    return r->used ? r->val : 0;
}

void fake_kern_dev_set(struct kern_dev *d, uint32_t reg, uint32_t v)
{
    if (2 * (d->nregs + 1) > d->nregs_cap)
        fk_reg_grow(d);
    struct fk_reg *r = fk_reg_find(d, reg);
    if (!r->used) {
        r->used = true;
        r->off = reg;
        d->nregs++;
    }
    r->val = v;
}

uint32_t kern_dev_read(struct kern_dev *d, uint32_t reg)
{
    d->reads++;
    return fake_kern_dev_reg(d, reg);
}

void kern_dev_write(struct kern_dev *d, uint32_t reg, uint32_t val)
{
    d->writes++;
    fake_kern_dev_set(d, reg, val);
    if (d->on_write)
        d->on_write(d->on_write_arg, reg, val);
}

void fake_kern_dev_on_write(struct kern_dev *d, void (*fn)(void *arg, uint32_t reg, uint32_t val),
                            void *arg)
{
    d->on_write = fn;
    d->on_write_arg = arg;
}

uint64_t fake_kern_dev_reads(const struct kern_dev *d) { return d->reads; }
uint64_t fake_kern_dev_writes(const struct kern_dev *d) { return d->writes; }

/* ---- devices: interrupt vectors ---- */

void kern_dev_intr(struct kern_dev *d, unsigned vector, unsigned cpu, const char *name,
                   kern_intr_fn fn, void *arg)
{
    fk_check_cpu(d->km, cpu, "kern_dev_intr");
    if (!fn)
        fk_die("kern_dev_intr: %s vector %u has no handler", d->name, vector);
    if (vector >= d->nvecs) {
        size_t n = (size_t)vector + 1;
        struct fk_vec *v = realloc(d->vecs, n * sizeof(*v));
        if (!v)
            fk_die("host out of memory (%zu vectors)", n);
        memset(v + d->nvecs, 0, (n - d->nvecs) * sizeof(*v));
        d->vecs = v;
        d->nvecs = n;
    }
    struct fk_vec *v = &d->vecs[vector];
    free(v->name);
    *v = (struct fk_vec){.set = true, .cpu = cpu, .fn = fn, .arg = arg,
                         .name = fk_strdup(name ? name : "")};
}

bool fake_kern_dev_fire(struct kern_dev *d, unsigned vector)
{
    if (vector >= d->nvecs || !d->vecs[vector].set)
        return false;
    const struct fk_vec *v = &d->vecs[vector];
    fk_run_on(d->km, v->cpu, v, v->fn, v->arg);
    return true;
}
