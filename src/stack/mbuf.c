/*
 * mbuf.c - mbuf + cluster pairs and the object cache they come from.
 *
 * The object cache follows DragonFly's objcache (sys/kern/kern_objcache.c, after Bonwick's
 * magazines): each CPU keeps a stack of up to two magazines' worth of free objects, which it
 * uses without a lock; when the stack runs dry it takes a full magazine from the depot, and
 * when it overflows it gives one back, both under the depot's spinlock. New objects are made
 * only when the depot is empty too, until the pool's limit (nmbclusters); after that
 * m_getcl() fails and the caller counts the drop. Objects migrate between CPUs through the
 * depot, and their lines follow them: the coherence model prices that.
 */
#include "stack/mbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack/spinlock.h"

struct oc_cpu {
    struct mbuf **stack;   /* [c] 2 * magazine entries */
    uint32_t n;            /* [c] */
    uint8_t pad[64 - sizeof(void *) - sizeof(uint32_t)];
};

struct oc_depot {
    struct spinlock lock;  /* [x] */
    struct mbuf **objs;    /* [x] full magazines, back to back */
    uint64_t n, cap;       /* [x] objects in the depot */
};

struct objcache {
    struct kernel *k;
    uint64_t limit, magazine;
    uint64_t total, in_use;             /* [E] */
    uint64_t depot_gets, depot_puts, failures; /* [E] */
    struct oc_cpu *cpu;                 /* per CPU, each on its own line */
    struct oc_depot *depot;
    struct mbuf **all;                  /* [E] every object ever made, to free them */
};

static struct mbuf *oc_make(struct objcache *oc, unsigned cpu);

uint64_t objcache_pool_bytes(uint64_t limit)
{
    return limit * (sizeof(struct mbuf) + MCLBYTES + sizeof(struct mbuf *));
}

struct objcache *objcache_create(struct kernel *k, uint64_t limit, uint64_t magazine)
{
    struct kern_machine *km = k->k_mach;
    struct objcache *oc = calloc(1, sizeof(*oc));
    if (!oc)
        abort();
    oc->k = k;
    oc->limit = limit;
    oc->magazine = magazine ? magazine : 1;
    oc->cpu = kern_alloc(km, sizeof(*oc->cpu) * k->k_ncpus, k->r_objcache, 0);
    oc->depot = kern_alloc(km, sizeof(*oc->depot), k->r_objcache, 0);
    oc->all = calloc(limit ? limit : 1, sizeof(*oc->all));
    if (!oc->cpu || !oc->depot || !oc->all)
        kernel_nomem(k, "the mbuf object cache");
    for (unsigned c = 0; c < k->k_ncpus; c++) {
        oc->cpu[c].stack = kern_alloc(km, sizeof(struct mbuf *) * 2 * oc->magazine,
                                      k->r_objcache, c);
        if (!oc->cpu[c].stack)
            kernel_nomem(k, "object-cache magazines");
    }
    oc->depot->cap = limit;
    oc->depot->objs = kern_alloc(km, sizeof(struct mbuf *) * (limit ? limit : 1), k->r_objcache, 0);
    if (!oc->depot->objs)
        kernel_nomem(k, "the object-cache depot");
    /* Make the whole pool at boot, homed round robin on the CPUs' sockets, into the depot:
     * the model starts as a machine whose caches have run for a while, not with every
     * allocation of the first second going to the allocator behind the cache. */
    while (oc->total < limit) {
        struct mbuf *m = oc_make(oc, (unsigned)(oc->total % k->k_ncpus));
        if (!m)
            kernel_nomem(k, "the mbuf pool (kernel.nmbclusters)");
        oc->depot->objs[oc->depot->n++] = m;
    }
    return oc;
}

void objcache_destroy(struct kernel *k, struct objcache *oc)
{
    if (!oc)
        return;
    struct kern_machine *km = k->k_mach;
    for (uint64_t i = 0; i < oc->total; i++) {
        kern_free(km, oc->all[i]->m_ext_buf);
        kern_free(km, oc->all[i]);
    }
    for (unsigned c = 0; c < k->k_ncpus; c++)
        kern_free(km, oc->cpu[c].stack);
    kern_free(km, oc->depot->objs);
    kern_free(km, oc->depot);
    kern_free(km, oc->cpu);
    free(oc->all);
    free(oc);
}

/* Make a new object homed on `cpu`'s socket; NULL at the limit or when memory runs out. */
static struct mbuf *oc_make(struct objcache *oc, unsigned cpu)
{
    struct kernel *k = oc->k;
    if (oc->total >= oc->limit)
        return NULL;
    struct mbuf *m = kern_alloc(k->k_mach, sizeof(*m), k->r_mbuf, cpu);
    uint8_t *cl = m ? kern_alloc(k->k_mach, MCLBYTES, k->r_cluster, cpu) : NULL;
    if (!cl) {
        kern_free(k->k_mach, m);
        return NULL;
    }
    m->m_ext_buf = cl;
    m->m_ext_size = MCLBYTES;
    m->m_serial = (uint32_t)oc->total;
    oc->all[oc->total++] = m;
    return m;
}

/* Refill the CPU's stack with a magazine from the depot. */
static void oc_depot_get(struct objcache *oc, struct oc_cpu *pc)
{
    struct kern_machine *km = oc->k->k_mach;
    struct oc_depot *d = oc->depot;
    kern_charge_op(km, KOP_objcache_depot, 1);
    spin_lock(km, &d->lock);
    uint64_t take = d->n < oc->magazine ? d->n : oc->magazine;
    if (take) {
        kern_touch(km, &d->objs[d->n - take], take * sizeof(*d->objs), KT_READ);
        memcpy(pc->stack, &d->objs[d->n - take], take * sizeof(*d->objs));
        d->n -= take;
        pc->n = (uint32_t)take;
        kern_touch(km, pc->stack, take * sizeof(*pc->stack), KT_WRITE);
        oc->depot_gets++;
    }
    kern_touch(km, &d->n, sizeof(d->n), KT_WRITE);
    spin_unlock(km, &d->lock);
}

/* Give the older half of the CPU's stack (one magazine) to the depot. */
static void oc_depot_put(struct objcache *oc, struct oc_cpu *pc)
{
    struct kern_machine *km = oc->k->k_mach;
    struct oc_depot *d = oc->depot;
    uint64_t give = oc->magazine;
    kern_charge_op(km, KOP_objcache_depot, 1);
    spin_lock(km, &d->lock);
    kern_touch(km, &d->n, sizeof(d->n), KT_WRITE);
    kern_touch(km, &d->objs[d->n], give * sizeof(*d->objs), KT_WRITE);
    memcpy(&d->objs[d->n], pc->stack, give * sizeof(*d->objs));
    d->n += give;
    spin_unlock(km, &d->lock);
    memmove(pc->stack, pc->stack + give, (pc->n - give) * sizeof(*pc->stack));
    pc->n -= (uint32_t)give;
    kern_touch(km, pc->stack, pc->n * sizeof(*pc->stack), KT_WRITE);
    oc->depot_puts++;
}

/* The per-CPU stack is shared by the CPU's threads and its interrupt thread: as
 * DragonFly's objcache does, work on it inside a critical section. */
static struct mbuf *m_getcl_crit(struct kernel *k)
{
    struct kern_machine *km = k->k_mach;
    struct objcache *oc = k->k_mbufs;
    unsigned cpu = kern_curcpu(km);
    struct oc_cpu *pc = &oc->cpu[cpu];
    kern_charge_op(km, KOP_mbuf_get, 1);
    kern_touch(km, &pc->n, sizeof(pc->n), KT_WRITE);
    if (pc->n == 0)
        oc_depot_get(oc, pc);
    struct mbuf *m;
    if (pc->n) {
        kern_touch(km, &pc->stack[pc->n - 1], sizeof(*pc->stack), KT_READ);
        m = pc->stack[--pc->n];
    } else {
        m = oc_make(oc, cpu);
        if (!m) {
            oc->failures++;
            return NULL;
        }
    }
    if (m->m_where != MW_FREE) {
        fprintf(stderr, "%s: mbuf %u handed out twice\n", k->k_name, m->m_serial);
        abort();
    }
    /* the constructor's stores: the header line(s) of the mbuf */
    kern_touch(km, m, offsetof(struct mbuf, m_ext_buf), KT_WRITE);
    m->m_next = m->m_nextpkt = NULL;
    m->m_data = m->m_ext_buf;
    m->m_len = 0;
    m->m_flags = M_PKTHDR;
    memset(&m->m_pkthdr, 0, sizeof(m->m_pkthdr));
    m->m_where = MW_STACK;
    oc->in_use++;
    return m;
}

struct mbuf *m_getcl(struct kernel *k)
{
    kern_crit_enter(k->k_mach);
    struct mbuf *m = m_getcl_crit(k);
    kern_crit_exit(k->k_mach);
    return m;
}

static void m_free1(struct kernel *k, struct mbuf *m)
{
    struct kern_machine *km = k->k_mach;
    struct objcache *oc = k->k_mbufs;
    unsigned cpu = kern_curcpu(km);
    struct oc_cpu *pc = &oc->cpu[cpu];
    if (m->m_where == MW_FREE) {
        fprintf(stderr, "%s: mbuf %u freed twice\n", k->k_name, m->m_serial);
        abort();
    }
    kern_charge_op(km, KOP_mbuf_free, 1);
    kern_touch(km, &m->m_flags, sizeof(m->m_flags), KT_WRITE);
    m->m_where = MW_FREE;
    kern_crit_enter(km);
    kern_touch(km, &pc->n, sizeof(pc->n), KT_WRITE);
    if (pc->n >= 2 * oc->magazine)
        oc_depot_put(oc, pc);
    kern_touch(km, &pc->stack[pc->n], sizeof(*pc->stack), KT_WRITE);
    pc->stack[pc->n++] = m;
    oc->in_use--;
    kern_crit_exit(km);
}

void m_freem(struct kernel *k, struct mbuf *m)
{
    while (m) {
        struct mbuf *next = m->m_next;
        m_free1(k, m);
        m = next;
    }
}

void m_adj(struct mbuf *m, int32_t len)
{
    if (len >= 0) {
        if (len > m->m_len)
            len = m->m_len;
        m->m_data += len;
        m->m_len -= len;
        m->m_pkthdr.len -= len;
    } else {
        int32_t cut = -len > m->m_len ? m->m_len : -len;
        m->m_len -= cut;
        m->m_pkthdr.len -= cut;
    }
}

void objcache_stats(const struct objcache *oc, struct objcache_stats *out)
{
    *out = (struct objcache_stats){.total = oc->total, .in_use = oc->in_use,
                                   .depot_gets = oc->depot_gets, .depot_puts = oc->depot_puts,
                                   .failures = oc->failures};
}

void objcache_check(const struct objcache *oc)
{
    uint64_t cached = oc->depot->n;
    for (unsigned c = 0; c < oc->k->k_ncpus; c++) {
        cached += oc->cpu[c].n;
        for (uint32_t i = 0; i < oc->cpu[c].n; i++)
            if (oc->cpu[c].stack[i]->m_where != MW_FREE)
                goto bad;
    }
    for (uint64_t i = 0; i < oc->depot->n; i++)
        if (oc->depot->objs[i]->m_where != MW_FREE)
            goto bad;
    if (cached + oc->in_use == oc->total)
        return;
bad:
    fprintf(stderr, "%s: mbuf cache inconsistent: %llu cached + %llu in use != %llu made\n",
            oc->k->k_name, (unsigned long long)cached, (unsigned long long)oc->in_use,
            (unsigned long long)oc->total);
    abort();
}
