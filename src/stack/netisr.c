/*
 * netisr.c - netisr threads, their ports (IPIQ and spinlock back ends) and the IPI queues.
 * See netisr.h for the model and hardware.md section 4 for the DragonFly sources.
 */
#include "stack/netisr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack/spinlock.h"

#define NETISR_MAXROLLUP 8
#define NTHREADS_MAX 3

struct ipiq_ent {
    netisr_ipifn fn;
    void *arg;
};

/* The FIFO of one (source, target) CPU pair: the producer's index and the consumer's index
 * on separate lines, as in DragonFly's lwkt_ipiq (ip_windex / ip_rindex). */
struct ipiq {
    uint32_t windex;                 /* [x] written by the source */
    uint8_t pad0[60];
    uint32_t rindex;                 /* [x] written by the target */
    uint8_t pad1[60];
    struct ipiq_ent ent[];           /* [x] */
};

struct nport {
    struct spinlock lock;            /* [x] PORT_SPIN only */
    struct netmsg *head, *tail;      /* [x] */
    uint32_t count;                  /* [x] */
    uint32_t waiting;                /* [x] MSGPORTF_WAITING */
    struct netisr *ni;
    unsigned cpu;
    int thread;
    uint8_t pad[16];
};

struct ncpu {
    uint32_t npoll;                  /* [x] an IPI is pending or being processed */
    uint8_t pad0[60];
    uint8_t ipimask[KERNEL_MAXCPU / 8]; /* [x] sources with entries */
    struct nport *port[NTHREADS_MAX];
    bool working;                    /* [E] a thread does netisr work on this CPU: */
    const void *work_td;             /* [E] this one (the model's td_type == TD_TYPE_NETISR) */
};

struct netisr {
    struct kernel *k;
    unsigned nthreads;
    uint32_t depth;
    struct ncpu **cpu;
    struct ipiq **q;                 /* [src * ncpus + dst] */
    struct {
        netisr_rollup_fn fn;
        void *arg;
    } rollup[NETISR_MAXROLLUP];
    unsigned nrollup;
    struct netisr_stats st;          /* [E] */
    uint64_t sending;                /* [E] counted as sent, not yet on a port or IPI queue */
    uint32_t seq;                    /* [E] */
    struct {
        netisr_fn fn;
        const char *name;
    } names[8];                      /* [I] handler names for the timeline */
    unsigned nnames;
};

void netisr_name_handler(struct kernel *k, netisr_fn fn, const char *name)
{
    struct netisr *ni = k->k_netisr;
    if (ni->nnames < sizeof(ni->names) / sizeof(ni->names[0])) {
        ni->names[ni->nnames].fn = fn;
        ni->names[ni->nnames++].name = name;
    }
}

static const char *handler_name(const struct netisr *ni, netisr_fn fn)
{
    for (unsigned i = 0; i < ni->nnames; i++)
        if (ni->names[i].fn == fn)
            return ni->names[i].name;
    return "netmsg";
}

static struct ipiq *ipiq_of(struct netisr *ni, unsigned src, unsigned dst)
{
    return ni->q[src * ni->k->k_ncpus + dst];
}

struct netisr *netisr_create(struct kernel *k)
{
    struct kern_machine *km = k->k_mach;
    struct netisr *ni = calloc(1, sizeof(*ni));
    if (!ni)
        abort();
    ni->k = k;
    ni->nthreads = k->k_cfg.threading == NETISR_THREE ? 3 : 1;
    ni->depth = (uint32_t)k->k_cfg.ipiq_depth;
    unsigned n = k->k_ncpus;
    ni->cpu = calloc(n, sizeof(*ni->cpu));
    ni->q = calloc((size_t)n * n, sizeof(*ni->q));
    if (!ni->cpu || !ni->q)
        abort();
    for (unsigned c = 0; c < n; c++) {
        struct ncpu *nc = kern_alloc(km, sizeof(*nc), k->r_netisr, c);
        if (!nc)
            kernel_nomem(k, "netisr per-CPU data");
        for (unsigned t = 0; t < ni->nthreads; t++) {
            struct nport *p = kern_alloc(km, sizeof(*p), k->r_netisr, c);
            if (!p)
                kernel_nomem(k, "a netisr port");
            p->ni = ni;
            p->cpu = c;
            p->thread = (int)t;
            nc->port[t] = p;
        }
        ni->cpu[c] = nc;
        for (unsigned s = 0; s < n; s++) {
            if (s == c)
                continue;
            /* the FIFO lives with its target, like gd_ipiq in the target's globaldata */
            struct ipiq *q = kern_alloc(km, sizeof(*q) + ni->depth * sizeof(struct ipiq_ent),
                                        k->r_ipiq, c);
            if (!q)
                kernel_nomem(k, "IPI queues (kernel.ipiq_depth)");
            ni->q[s * n + c] = q;
        }
    }
    return ni;
}

void netisr_destroy(struct kernel *k)
{
    struct netisr *ni = k->k_netisr;
    if (!ni)
        return;
    struct kern_machine *km = k->k_mach;
    for (unsigned c = 0; c < k->k_ncpus; c++) {
        for (unsigned t = 0; t < ni->nthreads; t++)
            kern_free(km, ni->cpu[c]->port[t]);
        kern_free(km, ni->cpu[c]);
    }
    for (size_t i = 0; i < (size_t)k->k_ncpus * k->k_ncpus; i++)
        kern_free(km, ni->q[i]);
    free(ni->cpu);
    free(ni->q);
    free(ni);
}

void netisr_register_rollup(struct kernel *k, netisr_rollup_fn fn, void *arg)
{
    struct netisr *ni = k->k_netisr;
    if (ni->nrollup == NETISR_MAXROLLUP)
        abort();
    ni->rollup[ni->nrollup].fn = fn;
    ni->rollup[ni->nrollup].arg = arg;
    ni->nrollup++;
}

/* ---- IPI queues ---- */

/* Drain every IPI queue aimed at `cpu` (lwkt_process_ipiq). On `cpu`. */
static void ipiq_process(struct netisr *ni, unsigned cpu)
{
    struct kernel *k = ni->k;
    struct kern_machine *km = k->k_mach;
    struct ncpu *nc = ni->cpu[cpu];
    kern_touch(km, &nc->npoll, sizeof(nc->npoll), KT_WRITE);
    nc->npoll = 0;
    bool again = true;
    while (again) {
        again = false;
        kern_touch(km, nc->ipimask, (k->k_ncpus + 7) / 8, KT_WRITE);
        for (unsigned s = 0; s < k->k_ncpus; s++) {
            if (!(nc->ipimask[s / 8] & (1u << (s % 8))))
                continue;
            nc->ipimask[s / 8] &= (uint8_t)~(1u << (s % 8));
            struct ipiq *q = ipiq_of(ni, s, cpu);
            kern_touch(km, &q->windex, sizeof(q->windex), KT_READ);
            while (q->rindex != q->windex) {
                struct ipiq_ent *e = &q->ent[q->rindex % ni->depth];
                kern_touch(km, e, sizeof(*e), KT_READ);
                struct ipiq_ent copy = *e;
                kern_touch(km, &q->rindex, sizeof(q->rindex), KT_WRITE);
                q->rindex++;
                copy.fn(k, copy.arg);
            }
            again = true;
        }
    }
}

static void ipi_handler(void *arg)
{
    struct netisr *ni = arg;
    ipiq_process(ni, kern_curcpu(ni->k->k_mach));
}

/* lwkt_send_ipiq from the caller's CPU to dst != caller. */
static void ipiq_send(struct netisr *ni, unsigned dst, netisr_ipifn fn, void *arg)
{
    struct kernel *k = ni->k;
    struct kern_machine *km = k->k_mach;
    unsigned src = kern_curcpu(km);
    struct ipiq *q = ipiq_of(ni, src, dst);
    struct ncpu *nc = ni->cpu[dst];
    kern_crit_enter(km);
    kern_sync(km);
    kern_touch(km, &q->rindex, sizeof(q->rindex), KT_READ);
    while (q->windex - q->rindex >= ni->depth) {
        /* full: process our own incoming queues while the target catches up, as
         * lwkt_send_ipiq3 does, so two CPUs filling each other's queues cannot deadlock */
        ni->st.ipiq_full_waits++;
        ipiq_process(ni, src);
        kern_charge(km, SPIN_PAUSE_CYCLES);
        kern_sync(km);
        kern_touch(km, &q->rindex, sizeof(q->rindex), KT_READ);
    }
    struct ipiq_ent *e = &q->ent[q->windex % ni->depth];
    kern_touch(km, e, sizeof(*e), KT_WRITE);
    e->fn = fn;
    e->arg = arg;
    kern_touch(km, &q->windex, sizeof(q->windex), KT_WRITE);
    q->windex++;
    kern_touch(km, &nc->ipimask[src / 8], 1, KT_ATOMIC);
    nc->ipimask[src / 8] |= (uint8_t)(1u << (src % 8));
    ni->st.ipiq_entries++;
    kern_touch(km, &nc->npoll, sizeof(nc->npoll), KT_ATOMIC);
    if (!nc->npoll) { /* atomic_poll_acquire_int(&target->gd_npoll) */
        nc->npoll = 1;
        ni->st.ipiq_ipis++;
        kern_ipi_send(km, dst);
    } else {
        ni->st.ipiq_avoided++;
    }
    kern_crit_exit(km);
}

/* ---- ports ---- */

/* Timeline: the port's queue length as a counter track. */
static void port_count_traced(struct kern_machine *km, const struct nport *p)
{
    if (!kern_tracing(km))
        return;
    char series[32];
    snprintf(series, sizeof(series), "cpu%u.%d", p->cpu, p->thread);
    kern_trace_counter(km, "netisr queue", series, (double)p->count);
}

static void port_append(struct kern_machine *km, struct nport *p, struct netmsg *nm)
{
    kern_touch(km, &p->head, offsetof(struct nport, pad) - offsetof(struct nport, head),
               KT_WRITE);
    nm->nm_next = NULL;
    if (p->tail)
        p->tail->nm_next = nm;
    else
        p->head = nm;
    p->tail = nm;
    p->count++;
    port_count_traced(km, p);
}

static struct netmsg *port_pop(struct kern_machine *km, struct nport *p)
{
    kern_touch(km, &p->head, offsetof(struct nport, pad) - offsetof(struct nport, head),
               KT_WRITE);
    struct netmsg *nm = p->head;
    if (!nm)
        return NULL;
    p->head = nm->nm_next;
    if (!p->head)
        p->tail = NULL;
    p->count--;
    port_count_traced(km, p);
    return nm;
}

static void wake_port(struct kernel *k, void *arg)
{
    struct netisr *ni = k->k_netisr;
    ni->st.wakeups++;
    kern_wakeup(k->k_mach, arg);
}

/* Thread port, on the owner's CPU (directly, or from the IPI handler). */
static void port_put_local(struct kernel *k, void *arg)
{
    struct kern_machine *km = k->k_mach;
    struct netmsg *nm = arg;
    struct netisr *ni = k->k_netisr;
    /* the thread index travels in nm_flags' upper bits (set by netisr_sendmsg) */
    struct nport *port = ni->cpu[kern_curcpu(km)]->port[(nm->nm_flags >> 8) & 3];
    kern_crit_enter(km);
    port_append(km, port, nm);
    bool wake = port->waiting;
    port->waiting = 0;
    kern_crit_exit(km);
    if (wake)
        wake_port(k, port);
}

static void port_put_spin(struct kernel *k, struct nport *p, struct netmsg *nm)
{
    struct kern_machine *km = k->k_mach;
    struct netisr *ni = k->k_netisr;
    uint64_t spins = p->lock.sl_spins;
    spin_lock(km, &p->lock);
    port_append(km, p, nm);
    bool wake = p->waiting;
    p->waiting = 0;
    spin_unlock(km, &p->lock);
    ni->st.spin_spins += p->lock.sl_spins - spins;
    if (!wake)
        return;
    if (p->cpu == kern_curcpu(km)) {
        wake_port(k, p);
    } else {
        ni->st.wakeups_remote++;
        ipiq_send(ni, p->cpu, wake_port, p);
    }
}

void netisr_sendmsg(struct kernel *k, struct netmsg *nm, unsigned cpu, enum netisr_thread t)
{
    struct netisr *ni = k->k_netisr;
    struct kern_machine *km = k->k_mach;
    unsigned th = ni->nthreads == 1 ? 0 : (unsigned)t;
    if (nm->nm_flags & NMF_QUEUED) {
        fprintf(stderr, "%s: message sent while still queued\n", k->k_name);
        abort();
    }
    kern_charge_op(km, KOP_netisr_dispatch, 1);
    nm->nm_flags = NMF_QUEUED | (nm->nm_flags & NMF_CONTROL) | th << 8;
    nm->nm_seq = ni->seq++;
    if (kern_tracing(km))
        kern_trace_flow(km, true, nm->nm_seq, "netmsg");
    ni->st.sent++;
    struct nport *p = ni->cpu[cpu]->port[th];
    bool local = cpu == kern_curcpu(km);
    if (local)
        ni->st.local_puts++;
    else
        ni->st.remote_puts++;
    ni->sending++; /* the put may wait (a lock, a full IPI queue) while others run */
    if (k->k_cfg.port == PORT_SPIN)
        port_put_spin(k, p, nm);
    else if (local)
        port_put_local(k, nm);
    else
        ipiq_send(ni, cpu, port_put_local, nm);
    ni->sending--;
}

/* ---- the thread ---- */

/* Take the next message; it counts as handled from here (the unlock may let others run
 * before its handler does, and the invariant check may run then). */
static struct netmsg *port_get(struct kernel *k, struct nport *p)
{
    struct kern_machine *km = k->k_mach;
    struct netmsg *nm;
    if (k->k_cfg.port == PORT_SPIN) {
        spin_lock(km, &p->lock);
        nm = port_pop(km, p);
        k->k_netisr->st.handled += nm != NULL;
        spin_unlock(km, &p->lock);
    } else {
        kern_crit_enter(km);
        nm = port_pop(km, p);
        k->k_netisr->st.handled += nm != NULL;
        kern_crit_exit(km);
    }
    return nm;
}

/* Mark the port waiting unless a message arrived; true if the thread may sleep. */
static bool port_prepare_sleep(struct kernel *k, struct nport *p)
{
    struct kern_machine *km = k->k_mach;
    if (k->k_cfg.port == PORT_SPIN)
        spin_lock(km, &p->lock);
    else
        kern_crit_enter(km);
    bool empty = p->count == 0;
    if (empty)
        p->waiting = 1;
    if (k->k_cfg.port == PORT_SPIN)
        spin_unlock(km, &p->lock);
    else
        kern_crit_exit(km);
    return empty;
}

static void run_rollups(struct netisr *ni, unsigned cpu)
{
    for (unsigned r = 0; r < ni->nrollup; r++)
        ni->rollup[r].fn(ni->k, cpu, ni->rollup[r].arg);
}

/* Who does netisr work on a CPU (netisr_in_work). */
struct work_mark {
    bool working;
    const void *td;
};

/* Mark the calling thread as doing netisr work on its CPU; returns the mark it replaces. */
static struct work_mark work_enter(struct kern_machine *km, struct ncpu *nc)
{
    struct work_mark outer = {nc->working, nc->work_td};
    nc->working = true;
    nc->work_td = kern_curthread(km);
    return outer;
}

static void work_leave(struct ncpu *nc, struct work_mark outer)
{
    nc->working = outer.working;
    nc->work_td = outer.td;
}

/* Handle up to netisr_batch messages of port p, then, if there were any, run the rollups
 * (netmsg_service_loop's inner loop). Returns the messages handled. */
static uint64_t netisr_batch(struct netisr *ni, struct nport *p)
{
    struct kernel *k = ni->k;
    struct kern_machine *km = k->k_mach;
    uint64_t n = 0;
    struct netmsg *nm;
    struct ncpu *nc = ni->cpu[p->cpu];
    struct work_mark outer = work_enter(km, nc);
    while (n < k->k_cfg.netisr_batch && (nm = port_get(k, p)) != NULL) {
        kern_charge_op(km, KOP_netisr_msg, 1);
        nm->nm_flags &= ~NMF_QUEUED;
        bool tr = kern_tracing(km);
        if (tr) {
            kern_trace_flow(km, false, nm->nm_seq, "netmsg");
            kern_trace_begin(km, handler_name(ni, nm->nm_dispatch));
        }
        nm->nm_dispatch(nm);
        if (tr)
            kern_trace_end(km);
        n++;
    }
    work_leave(nc, outer);
    if (n) {
        ni->st.batches++;
        run_rollups(ni, p->cpu);
    }
    return n;
}

bool netisr_in_work(struct kernel *k)
{
    struct netisr *ni = k->k_netisr;
    if (!ni)
        return false;
    const struct ncpu *nc = ni->cpu[kern_curcpu(k->k_mach)];
    return nc->working && nc->work_td == kern_curthread(k->k_mach);
}

static void netisr_main(void *arg)
{
    struct nport *p = arg;
    struct netisr *ni = p->ni;
    struct kernel *k = ni->k;
    struct kern_machine *km = k->k_mach;
    for (;;) {
        if (netisr_batch(ni, p))
            continue;
        if (!port_prepare_sleep(k, p))
            continue;
        kern_sync(km); /* the sleep interlock: nothing runs between here and kern_sleep */
        if (p->count) {
            p->waiting = 0;
            continue;
        }
        kern_sleep(km, p, 0);
    }
}

uint64_t netisr_handle_queued(struct kernel *k, unsigned cpu)
{
    if (cpu != kern_curcpu(k->k_mach)) {
        fprintf(stderr, "netisr_handle_queued: CPU %u's messages must run on CPU %u, not %u\n",
                cpu, cpu, kern_curcpu(k->k_mach));
        abort();
    }
    struct netisr *ni = k->k_netisr;
    uint64_t total = 0, n;
    do {
        n = 0;
        for (unsigned t = 0; t < ni->nthreads; t++)
            n += netisr_batch(ni, ni->cpu[cpu]->port[t]);
        total += n;
    } while (n);
    return total;
}

void netisr_start(struct kernel *k)
{
    struct netisr *ni = k->k_netisr;
    static const char *const tname[NTHREADS_MAX] = {"netisr", "tcp_thread", "udp_thread"};
    for (unsigned c = 0; c < k->k_ncpus; c++) {
        kern_ipi_handler(k->k_mach, c, ipi_handler, ni);
        for (unsigned t = 0; t < ni->nthreads; t++) {
            char name[48];
            snprintf(name, sizeof(name), "%s%u", ni->nthreads == 1 ? "netisr" : tname[t], c);
            kern_thread_start(k->k_mach, c, name, KERN_PRI_SOFT_NORM, "netisr", netisr_main,
                              ni->cpu[c]->port[t]);
        }
    }
}

/* ---- reports and invariants ---- */

void netisr_stats(const struct kernel *k, struct netisr_stats *out) { *out = k->k_netisr->st; }

static bool is_port_put(netisr_ipifn fn) { return fn == port_put_local; }

void netisr_foreach_queued(const struct kernel *k, void (*fn)(struct netmsg *nm, void *arg),
                           void *arg)
{
    struct netisr *ni = k->k_netisr;
    for (unsigned c = 0; c < k->k_ncpus; c++) {
        for (unsigned t = 0; t < ni->nthreads; t++)
            for (struct netmsg *nm = ni->cpu[c]->port[t]->head; nm; nm = nm->nm_next)
                fn(nm, arg);
        for (unsigned s = 0; s < k->k_ncpus; s++) {
            struct ipiq *q = s == c ? NULL : ipiq_of(ni, s, c);
            for (uint32_t i = q ? q->rindex : 0; q && i != q->windex; i++)
                if (is_port_put(q->ent[i % ni->depth].fn))
                    fn(q->ent[i % ni->depth].arg, arg);
        }
    }
}

static void count_one(struct netmsg *nm, void *arg)
{
    if (!(nm->nm_flags & NMF_QUEUED)) {
        fprintf(stderr, "netisr: a queued message is not marked queued\n");
        abort();
    }
    (*(uint64_t *)arg)++;
}

uint64_t netisr_queued(const struct kernel *k)
{
    uint64_t n = 0;
    netisr_foreach_queued(k, count_one, &n);
    return n;
}

void netisr_check(const struct kernel *k)
{
    const struct netisr_stats *st = &k->k_netisr->st;
    uint64_t queued = netisr_queued(k), sending = k->k_netisr->sending;
    if (st->sent != st->handled + queued + sending) {
        fprintf(stderr, "%s: netisr messages: %llu sent != %llu handled + %llu queued + %llu "
                "being sent\n", k->k_name, (unsigned long long)st->sent,
                (unsigned long long)st->handled, (unsigned long long)queued,
                (unsigned long long)sending);
        abort();
    }
}
