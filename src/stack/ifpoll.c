/*
 * ifpoll.c - polling(4): per-CPU poll contexts driven by a timer, run as netisr messages.
 * See ifpoll.h for the model; the names follow DragonFly's sys/net/if_poll.c.
 */
#include "stack/ifpoll.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "stack/netisr.h"
#include "stack/netmsg.h"
#include "stack/spinlock.h"

#define IFPOLL_MAXREC 32  /* handlers per context (DragonFly: IFPOLL_LIST_LEN 128) */
#define IFPOLL_STALLED 100 /* pending polls after which a context is assumed stalled */

struct iopoll_rec {
    ifpoll_iofn fn;
    void *arg;
    struct spinlock *ser;
};

/* One CPU's RX or TX poll context, in that CPU's memory. */
struct iopoll_ctx {
    struct netmsg poll_msg;      /* rxpoll / txpoll */
    struct netmsg more_msg;      /* rxpollmore / txpollmore */
    struct ifpoll *ip;           /* [I] */
    unsigned cpu;                /* [I] */
    bool rx;                     /* [I] */
    uint32_t pollhz;             /* [I] this CPU's tick rate */
    uint32_t burst_max, each_burst, user_frac; /* [I] */
    /* [x] the state if_poll.c keeps, touched by the handlers and the tick */
    uint32_t phase;              /* 0 idle, 1-2 scheduling, 3-4 polling, 5-6 "more" */
    uint32_t pending_polls;      /* ticks asked for and not yet finished */
    int32_t residual_burst;      /* what is left of this tick's budget */
    uint32_t poll_burst;         /* this tick's budget, adapted */
    uint32_t kern_frac;          /* the last tick's work, percent of a tick */
    kern_time_t poll_start;      /* when the tick's first poll began */
    unsigned nrec;               /* [I] after set-up */
    struct iopoll_rec rec[IFPOLL_MAXREC]; /* [I] */
    /* [E] */
    uint64_t lost_polls, stalled, suspect, skipped;
};

struct ifpoll_cpu {
    struct ifpoll *ip;
    unsigned cpu;
    uint32_t hz;                 /* pollhz + (cpu * 3) % 50 (IFPOLL_FREQ_ADJ) */
    struct iopoll_ctx *rx, *tx;
    uint64_t ticks;              /* [E] */
};

struct ifpoll {
    struct kernel *k;
    uint16_t region;
    struct ifpoll_cpu cpu[KERNEL_MAXCPU];
};

/* The context a message is embedded in, by the message's member name. */
#define CTX_OF(nm, member) \
    ((struct iopoll_ctx *)((char *)(nm) - offsetof(struct iopoll_ctx, member)))

/* The state a handler reads and writes, one touch (it shares the context's first lines). */
static void touch_state(struct kern_machine *km, struct iopoll_ctx *c)
{
    kern_touch(km, &c->phase, offsetof(struct iopoll_ctx, rec) - offsetof(struct iopoll_ctx, phase),
               KT_WRITE);
}

/* ifpoll_sendmsg_oncpu: queue the message to this CPU's netisr unless it is still queued. */
static void sched_msg(struct iopoll_ctx *c, struct netmsg *nm)
{
    if (!(nm->nm_flags & NMF_QUEUED))
        netisr_sendmsg(c->ip->k, nm, c->cpu, NETISR_OTHER);
}

/* Call every handler of the context with `count`, each under its serializer if free. */
static void call_handlers(struct kern_machine *km, struct iopoll_ctx *c, int count)
{
    kern_touch(km, c->rec, c->nrec * sizeof(c->rec[0]), KT_READ);
    for (unsigned i = 0; i < c->nrec; i++) {
        const struct iopoll_rec *r = &c->rec[i];
        if (r->ser && !spin_trylock(km, r->ser)) {
            c->skipped++;
            continue;
        }
        r->fn(r->arg, count);
        if (r->ser)
            spin_unlock(km, r->ser);
    }
}

/* rxpoll_handler / txpoll_handler: RX takes the next chunk of the tick's budget (the
 * first poll of a tick sets the budget and notes the time); TX reclaims every ring. Then
 * the "more" message goes behind what the handlers queued. */
static void poll_handler(struct netmsg *nm)
{
    struct iopoll_ctx *c = CTX_OF(nm, poll_msg);
    struct kern_machine *km = c->ip->k->k_mach;
    touch_state(km, c);
    c->phase = 3;
    int count = -1;
    if (c->rx) {
        if (c->residual_burst == 0) { /* the tick's first poll */
            c->poll_start = kern_now(km);
            c->residual_burst = (int32_t)c->poll_burst;
        }
        count = c->residual_burst < (int32_t)c->each_burst ? c->residual_burst
                                                           : (int32_t)c->each_burst;
        c->residual_burst -= count;
    }
    call_handlers(km, c, count);
    sched_msg(c, &c->more_msg);
    c->phase = 4;
}

/* Adapt the RX budget to the finished tick's work: its duration in microseconds as a
 * percentage of a tick (integers, as there), against 100 - user_frac. */
static void rx_adapt(struct iopoll_ctx *c, struct kern_machine *km)
{
    uint64_t us = (kern_now(km) - c->poll_start) / KERN_PS_PER_US;
    uint64_t load = us * c->pollhz / 10000;
    c->kern_frac = load > UINT32_MAX ? UINT32_MAX : (uint32_t)load;
    if (load > 100 - c->user_frac) {
        if (c->poll_burst > 1)
            c->poll_burst--;
    } else if (c->poll_burst < c->burst_max) {
        c->poll_burst++;
    }
}

/* rxpollmore_handler / txpollmore_handler: RX polls again while budget is left, else
 * adapts it. The tick is then done unless ticks were lost meanwhile: then poll again at
 * once (RX with its budget cut by an eighth). */
static void pollmore_handler(struct netmsg *nm)
{
    struct iopoll_ctx *c = CTX_OF(nm, more_msg);
    struct kern_machine *km = c->ip->k->k_mach;
    touch_state(km, c);
    c->phase = 5;
    if (c->rx) {
        if (c->residual_burst > 0) {
            sched_msg(c, &c->poll_msg);
            return;
        }
        rx_adapt(c, km);
    }
    /* a stall reset (iopoll_clock) may have zeroed the count under a chain still running;
     * if_poll.c would wrap it, and then re-poll at every message until the next reset */
    if (c->pending_polls > 0)
        c->pending_polls--;
    if (c->pending_polls == 0) {
        c->phase = 0;
        return;
    }
    if (c->rx) {
        c->poll_burst -= c->poll_burst / 8;
        if (c->poll_burst < 1)
            c->poll_burst = 1;
    }
    sched_msg(c, &c->poll_msg);
    c->phase = 6;
}

/* iopoll_clock: at a tick, in the timer's interrupt context on c's CPU. */
static void iopoll_clock(struct iopoll_ctx *c)
{
    if (!c->nrec)
        return;
    touch_state(c->ip->k->k_mach, c);
    if (c->pending_polls > IFPOLL_STALLED) {
        c->stalled++;
        c->pending_polls = 0;
        c->phase = 0;
    }
    if (c->phase <= 2) {
        if (c->phase != 0)
            c->suspect++;
        c->phase = 1;
        sched_msg(c, &c->poll_msg);
        c->phase = 2;
    }
    if (c->pending_polls++ > 0)
        c->lost_polls++;
}

/* The CPU's polling systimer (_poll_comm_systimer): a periodic interrupt on the CPU. */
static void systimer_tick(void *arg)
{
    struct ifpoll_cpu *pc = arg;
    pc->ticks++;
    iopoll_clock(pc->rx);
    iopoll_clock(pc->tx); /* tx_frac 1: every tick */
}

static struct iopoll_ctx *ctx_create(struct ifpoll *ip, unsigned cpu, bool rx, uint32_t hz)
{
    struct kernel *k = ip->k;
    const struct kernel_cfg *cfg = &k->k_cfg;
    struct iopoll_ctx *c = kern_alloc(k->k_mach, sizeof(*c), ip->region, cpu);
    if (!c)
        kernel_nomem(k, "polling contexts");
    *c = (struct iopoll_ctx){.ip = ip, .cpu = cpu, .rx = rx, .pollhz = hz};
    c->burst_max = (uint32_t)cfg->poll_burst_max;
    c->each_burst = (uint32_t)cfg->poll_each_burst; /* <= burst_max (config.c checks) */
    c->user_frac = (uint32_t)cfg->poll_user_frac;
    c->poll_burst = c->each_burst; /* iopoll_reset_state */
    c->poll_msg.nm_dispatch = poll_handler;
    c->more_msg.nm_dispatch = pollmore_handler;
    c->poll_msg.nm_flags = c->more_msg.nm_flags = NMF_CONTROL;
    return c;
}

struct ifpoll *ifpoll_create(struct kernel *k)
{
    struct ifpoll *ip = calloc(1, sizeof(*ip));
    if (!ip)
        abort();
    ip->k = k;
    ip->region = kern_region(k->k_mach, "ifpoll");
    for (unsigned c = 0; c < k->k_ncpus; c++) {
        struct ifpoll_cpu *pc = &ip->cpu[c];
        pc->ip = ip;
        pc->cpu = c;
        pc->hz = (uint32_t)k->k_cfg.poll_hz + (c * 3) % 50;
        pc->rx = ctx_create(ip, c, true, pc->hz);
        pc->tx = ctx_create(ip, c, false, pc->hz); /* tx_frac 1: TX polled at every tick */
    }
    netisr_name_handler(k, poll_handler, "ifpoll");
    netisr_name_handler(k, pollmore_handler, "ifpoll_more");
    return ip;
}

void ifpoll_destroy(struct kernel *k)
{
    struct ifpoll *ip = k->k_ifpoll;
    if (!ip)
        return;
    for (unsigned c = 0; c < k->k_ncpus; c++) {
        kern_free(k->k_mach, ip->cpu[c].rx);
        kern_free(k->k_mach, ip->cpu[c].tx);
    }
    free(ip);
    k->k_ifpoll = NULL;
}

void ifpoll_register(struct kernel *k, unsigned cpu, bool rx, ifpoll_iofn fn, void *arg,
                     struct spinlock *ser)
{
    if (cpu >= k->k_ncpus) {
        fprintf(stderr, "%s: ifpoll_register: no CPU %u\n", k->k_name, cpu);
        abort();
    }
    struct ifpoll_cpu *pc = &k->k_ifpoll->cpu[cpu];
    struct iopoll_ctx *c = rx ? pc->rx : pc->tx;
    if (c->nrec == IFPOLL_MAXREC) {
        fprintf(stderr, "%s: more than %d %s poll handlers on CPU %u\n", k->k_name,
                IFPOLL_MAXREC, rx ? "RX" : "TX", cpu);
        abort();
    }
    c->rec[c->nrec++] = (struct iopoll_rec){fn, arg, ser};
}

void ifpoll_start(struct kernel *k)
{
    struct ifpoll *ip = k->k_ifpoll;
    for (unsigned c = 0; c < k->k_ncpus; c++) {
        struct ifpoll_cpu *pc = &ip->cpu[c];
        if (!pc->rx->nrec && !pc->tx->nrec)
            continue;
        char name[32];
        snprintf(name, sizeof(name), "ifpoll%u", c);
        kern_timer_periodic(k->k_mach, c, name, KERN_PS_PER_S / pc->hz, systimer_tick, pc);
    }
}

void ifpoll_stats(const struct kernel *k, struct ifpoll_stats *out)
{
    *out = (struct ifpoll_stats){0};
    const struct ifpoll *ip = k->k_ifpoll;
    for (unsigned c = 0; ip && c < k->k_ncpus; c++) {
        const struct ifpoll_cpu *pc = &ip->cpu[c];
        if (!pc->rx->nrec && !pc->tx->nrec)
            continue;
        out->skipped += pc->rx->skipped + pc->tx->skipped;
        out->stalled += pc->rx->stalled + pc->tx->stalled;
        if (pc->rx->nrec) {
            out->cpus++;
            out->ticks += pc->ticks;
            out->lost_polls += pc->rx->lost_polls;
            out->burst_sum += pc->rx->poll_burst;
            out->kern_frac_sum += pc->rx->kern_frac;
        }
    }
}
