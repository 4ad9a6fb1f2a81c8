/*
 * if.c - interfaces: creation, statistics (shared or per CPU), static ARP, send queues and
 * the start of transmission (DragonFly sys/net/if.c ifq_dispatch, ifsq_ifstart_schedule,
 * if_start_rollup).
 */
#include "stack/if.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack/mbuf.h"
#include "stack/netisr.h"

struct ifnet *if_create(struct kernel *k, const char *name, const uint8_t mac[6],
                        uint32_t mtu, const struct if_ops *ops, void *softc)
{
    struct kern_machine *km = k->k_mach;
    if (k->k_nifnet == KERNEL_MAXIF)
        return NULL;
    struct ifnet *ifp = kern_alloc(km, sizeof(*ifp), k->r_ifnet, 0);
    if (!ifp)
        return NULL;
    snprintf(ifp->if_xname, sizeof(ifp->if_xname), "%s", name);
    ifp->if_index = k->k_nifnet;
    ifp->if_flags = IFF_UP;
    ifp->if_mtu = mtu;
    memcpy(ifp->if_lladdr, mac, 6);
    ifp->if_ops = ops;
    ifp->if_softc = softc;
    ifp->if_kernel = k;
    ifp->if_data_pcpu = kern_alloc(km, sizeof(struct if_data_pcpu) * k->k_ncpus, k->r_ifstat, 0);
    if (!ifp->if_data_pcpu)
        kernel_nomem(k, "interface statistics");
    k->k_ifnet[k->k_nifnet++] = ifp;
    return ifp;
}

static void ifsq_start_handler(struct netmsg *nm);

void if_attach_subq(struct ifnet *ifp, unsigned ntx, const unsigned *cpu_of, uint32_t maxlen)
{
    struct kernel *k = ifp->if_kernel;
    if (ntx > IF_MAXSUBQ)
        ntx = IF_MAXSUBQ;
    for (unsigned i = 0; i < ntx; i++) {
        struct ifaltq_subque *sq = kern_alloc(k->k_mach, sizeof(*sq), k->r_ifq, cpu_of[i]);
        if (!sq)
            kernel_nomem(k, "a send queue");
        sq->cpu = cpu_of[i];
        sq->index = i;
        sq->ifp = ifp;
        sq->maxlen = maxlen;
        sq->start_msg.nm.nm_dispatch = ifsq_start_handler;
        sq->start_msg.nm.nm_flags = NMF_CONTROL;
        sq->start_msg.sq = sq;
        sq->stage = kern_alloc(k->k_mach, sizeof(struct ifsq_stage) * k->k_ncpus, k->r_ifq,
                               cpu_of[i]);
        if (!sq->stage)
            kernel_nomem(k, "send-queue staging");
        ifp->if_snd[i] = sq;
    }
    ifp->if_snd_cnt = ntx;
}

void if_destroy(struct kernel *k, struct ifnet *ifp)
{
    for (unsigned i = 0; i < ifp->if_snd_cnt; i++) {
        kern_free(k->k_mach, ifp->if_snd[i]->stage);
        kern_free(k->k_mach, ifp->if_snd[i]); /* queued mbufs go with the object cache */
    }
    kern_free(k->k_mach, ifp->if_arp);
    kern_free(k->k_mach, ifp->if_data_pcpu);
    kern_free(k->k_mach, ifp);
}

void if_stat_add(struct ifnet *ifp, size_t off, uint64_t v)
{
    struct kernel *k = ifp->if_kernel;
    struct kern_machine *km = k->k_mach;
    uint8_t *base = k->k_cfg.stats == STATS_PERCPU
                        ? (uint8_t *)&ifp->if_data_pcpu[kern_curcpu(km)].d
                        : (uint8_t *)&ifp->if_data;
    uint64_t *c = (uint64_t *)(void *)(base + off);
    kern_charge_op(km, KOP_stat_update, 1);
    kern_touch(km, c, sizeof(*c), KT_WRITE); /* a plain add: load and store, no lock */
    *c += v;
}

uint64_t if_stat_get(const struct ifnet *ifp, size_t off)
{
    const struct kernel *k = ifp->if_kernel;
    uint64_t sum = *(const uint64_t *)(const void *)((const uint8_t *)&ifp->if_data + off);
    for (unsigned c = 0; c < k->k_ncpus; c++)
        sum += *(const uint64_t *)(const void *)((const uint8_t *)&ifp->if_data_pcpu[c].d + off);
    return sum;
}

/* ---- ARP (static) ---- */

int if_arp_add(struct kernel *k, struct ifnet *ifp, uint32_t addr, const uint8_t mac[6])
{
    struct arp_entry *n = kern_alloc(k->k_mach, sizeof(*n) * (ifp->if_narp + 1), k->r_ifnet, 0);
    if (!n)
        return ENOMEM;
    unsigned j = 0;
    bool placed = false;
    for (unsigned i = 0; i < ifp->if_narp; i++) {
        if (ifp->if_arp[i].addr == addr) {
            kern_free(k->k_mach, n);
            return EEXIST;
        }
        if (!placed && addr < ifp->if_arp[i].addr) {
            n[j].addr = addr;
            memcpy(n[j++].mac, mac, 6);
            placed = true;
        }
        n[j++] = ifp->if_arp[i];
    }
    if (!placed) {
        n[j].addr = addr;
        memcpy(n[j].mac, mac, 6);
    }
    kern_free(k->k_mach, ifp->if_arp);
    ifp->if_arp = n;
    ifp->if_narp++;
    return 0;
}

const struct arp_entry *arp_lookup(struct ifnet *ifp, uint32_t addr)
{
    struct kern_machine *km = ifp->if_kernel->k_mach;
    unsigned lo = 0, hi = ifp->if_narp;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        const struct arp_entry *e = &ifp->if_arp[mid];
        kern_touch(km, e, sizeof(*e), KT_READ);
        if (e->addr == addr)
            return e;
        if (e->addr < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* ---- send queues ---- */

bool ifsq_is_empty(struct kern_machine *km, const struct ifaltq_subque *sq)
{
    kern_touch(km, &sq->len, sizeof(sq->len), KT_READ);
    return sq->len == 0;
}

bool ifsq_is_oactive(struct kern_machine *km, const struct ifaltq_subque *sq)
{
    kern_touch(km, &sq->oactive, sizeof(sq->oactive), KT_READ);
    return sq->oactive != 0;
}

void ifsq_set_oactive(struct kern_machine *km, struct ifaltq_subque *sq, bool on)
{
    kern_touch(km, &sq->oactive, sizeof(sq->oactive), KT_WRITE);
    sq->oactive = on;
}

/* ifsq_ifstart_need_schedule: after a start, keep the interlock (and hand the start to the
 * owner) if the ring can take more and packets wait: an unlocked look first, the lock only
 * to release the interlock when it finds nothing to do. */
static bool ifsq_need_schedule(struct kern_machine *km, struct ifaltq_subque *sq, bool running)
{
    if (running && !ifsq_is_empty(km, sq))
        return true;
    spin_lock(km, &sq->lock);
    kern_touch(km, &sq->len, sizeof(sq->len) + sizeof(sq->maxlen) + sizeof(sq->started),
               KT_WRITE);
    bool need = running && sq->len > 0;
    if (!need)
        sq->started = 0;
    spin_unlock(km, &sq->lock);
    return need;
}

/* ifsq_ifstart_schedule: the holder of the interlock hands it, with the start, to the owner
 * CPU's netisr, by sending the subqueue's start message there (from any CPU, the owner's own
 * included). Unless forced, netisr work defers this to its rollup (the stage's SCHED flag),
 * and goes on queuing behind the interlock it holds. There is one message per subqueue;
 * since only the interlock's holder sends it and the handler holds the interlock until it
 * sends again, it is never queued twice. */
static void ifsq_ifstart_schedule(struct kernel *k, struct ifaltq_subque *sq, bool force)
{
    struct kern_machine *km = k->k_mach;
    if (!force && netisr_in_work(k)) {
        struct ifsq_stage *stage = &sq->stage[kern_curcpu(km)];
        kern_touch(km, stage, sizeof(*stage), KT_WRITE);
        stage->cnt = stage->len = 0;
        stage->queued = 1;
        stage->sched = 1;
        return;
    }
    sq->owner_starts++;
    netisr_sendmsg(k, &sq->start_msg.nm, sq->cpu, NETISR_OTHER);
}

/* With the interlock and the ring's serializer held: transmit unless the ring is full, then
 * keep the interlock only if the ring takes more and packets wait. Returns whether the start
 * must go to the owner. */
static bool ifsq_start_held(struct ifaltq_subque *sq)
{
    struct ifnet *ifp = sq->ifp;
    struct kern_machine *km = ifp->if_kernel->k_mach;
    bool running = false;
    if (!ifsq_is_oactive(km, sq)) {
        ifp->if_ops->if_start(ifp, sq);
        running = !ifsq_is_oactive(km, sq);
    }
    return ifsq_need_schedule(km, sq, running);
}

/* On the owner's netisr: the start message (ifsq_ifstart_dispatch). Takes the serializer,
 * waiting for a TX completion in progress. */
static void ifsq_start_handler(struct netmsg *nm)
{
    struct ifaltq_subque *sq = ((struct ifsq_startmsg *)(void *)nm)->sq;
    struct ifnet *ifp = sq->ifp;
    ifp->if_ops->if_serialize_tx(ifp, sq);
    bool need = ifsq_start_held(sq);
    ifp->if_ops->if_deserialize_tx(ifp, sq);
    if (need)
        ifsq_ifstart_schedule(ifp->if_kernel, sq, false);
}

/* ifsq_ifstart_try: the caller holds the interlock; transmit from this CPU if the ring's
 * serializer is free, else hand the start to the owner at once. */
static void ifsq_ifstart_try(struct kernel *k, struct ifaltq_subque *sq, bool force_sched)
{
    struct ifnet *ifp = sq->ifp;
    if (!ifp->if_ops->if_tryserialize_tx(ifp, sq)) {
        ifsq_ifstart_schedule(k, sq, true);
        return;
    }
    sq->direct_starts++;
    bool need = ifsq_start_held(sq);
    ifp->if_ops->if_deserialize_tx(ifp, sq);
    if (need)
        ifsq_ifstart_schedule(k, sq, force_sched);
}

/* The stage has nothing for the rollup to do (DragonFly's ifsq_stage_remove). */
static void stage_clear(struct ifsq_stage *stage)
{
    stage->cnt = stage->len = 0;
    stage->queued = stage->sched = 0;
}

void ifq_dispatch(struct ifnet *ifp, struct mbuf *m)
{
    struct kernel *k = ifp->if_kernel;
    struct kern_machine *km = k->k_mach;
    unsigned cpu = kern_curcpu(km);
    struct ifaltq_subque *sq =
        ifp->if_snd[k->k_cfg.tx_rings == TX_PERCPU ? cpu % ifp->if_snd_cnt : 0];
    struct ifsq_stage *stage = &sq->stage[cpu];
    kern_charge_op(km, KOP_ifq_enqueue, 1);
    kern_touch(km, stage, sizeof(*stage), KT_WRITE);
    stage->len += (uint32_t)m->m_pkthdr.len;
    bool avoid_start = ++stage->cnt < k->k_cfg.ifq_stage &&
                       stage->len < ifp->if_mtu - IFQ_STAGE_PROTOHDR;
    spin_lock(km, &sq->lock);
    kern_touch(km, &sq->head, offsetof(struct ifaltq_subque, start_msg) -
                                   offsetof(struct ifaltq_subque, head), KT_WRITE);
    bool full = sq->len >= sq->maxlen;
    if (full) {
        avoid_start = false; /* a full queue has data: make sure someone transmits */
    } else {
        m->m_nextpkt = NULL;
        if (sq->tail)
            sq->tail->m_nextpkt = m;
        else
            sq->head = m;
        sq->tail = m;
        sq->len++;
    }
    bool start = false;
    if (!sq->started) {
        if (avoid_start) {
            spin_unlock(km, &sq->lock);
            stage->queued = 1; /* if_start_rollup starts it if nothing else does */
            return;
        }
        sq->started = 1;
        start = true;
    }
    spin_unlock(km, &sq->lock);
    if (full) {
        IFNET_STAT_INC(ifp, oqdrops, 1);
        kernel_drop(k, m, DROP_ifq_full);
    }
    if (!start && stage->sched) {
        /* this CPU holds the interlock and owes the owner a start: send it once it has
         * staged enough, else leave it to the rollup */
        if (!avoid_start) {
            stage_clear(stage);
            ifsq_ifstart_schedule(k, sq, true);
        }
        return;
    }
    stage_clear(stage);
    if (start)
        ifsq_ifstart_try(k, sq, false);
}

/* Take the interlock if nobody holds it (and, if need_data, packets wait); whether taken. */
static bool ifsq_take_interlock(struct kern_machine *km, struct ifaltq_subque *sq, bool need_data)
{
    spin_lock(km, &sq->lock);
    bool take = !sq->started && (!need_data || sq->len > 0);
    if (take)
        sq->started = 1;
    spin_unlock(km, &sq->lock);
    return take;
}

bool ifsq_devstart(struct ifnet *ifp, struct ifaltq_subque *sq)
{
    struct kernel *k = ifp->if_kernel;
    if (!ifsq_take_interlock(k->k_mach, sq, true))
        return false;
    if (ifsq_start_held(sq))
        ifsq_ifstart_schedule(k, sq, false);
    return true;
}

struct mbuf *ifsq_dequeue(struct ifnet *ifp, struct ifaltq_subque *sq)
{
    struct kern_machine *km = ifp->if_kernel->k_mach;
    spin_lock(km, &sq->lock);
    kern_touch(km, &sq->head, offsetof(struct ifaltq_subque, start_msg) -
                                   offsetof(struct ifaltq_subque, head), KT_WRITE);
    struct mbuf *m = sq->head;
    if (m) {
        sq->head = m->m_nextpkt;
        if (!sq->head)
            sq->tail = NULL;
        sq->len--;
        m->m_nextpkt = NULL;
    }
    spin_unlock(km, &sq->lock);
    return m;
}

/* if_start_rollup: after each netisr batch, see to the subqueues this CPU staged packets on
 * without starting them (start them if nobody transmits), and send the starts it deferred. */
static void if_start_rollup(struct kernel *k, unsigned cpu, void *arg)
{
    (void)arg;
    struct kern_machine *km = k->k_mach;
    for (unsigned i = 0; i < k->k_nifnet; i++) {
        struct ifnet *ifp = k->k_ifnet[i];
        for (unsigned q = 0; q < ifp->if_snd_cnt; q++) {
            struct ifaltq_subque *sq = ifp->if_snd[q];
            struct ifsq_stage *stage = &sq->stage[cpu];
            if (!stage->queued)
                continue;
            kern_touch(km, stage, sizeof(*stage), KT_WRITE);
            bool sched = stage->sched;
            stage_clear(stage);
            if (sched) {
                ifsq_ifstart_schedule(k, sq, true);
                continue;
            }
            if (ifsq_take_interlock(km, sq, false))
                ifsq_ifstart_try(k, sq, true);
        }
    }
}

void if_register_rollup(struct kernel *k)
{
    netisr_register_rollup(k, if_start_rollup, NULL);
    netisr_name_handler(k, ifsq_start_handler, "if_start");
}

uint64_t if_queued(const struct ifnet *ifp)
{
    uint64_t n = 0;
    for (unsigned q = 0; q < ifp->if_snd_cnt; q++)
        n += ifp->if_snd[q]->len;
    return n;
}
