/*
 * test_route.c - the IPv4 routing table (src/stack/route.h) on the fake machine
 * (tests/unit/fake_kern.h), and the fake machine itself.
 *
 * Pins down: longest-prefix match agrees with a brute-force linear scan on random tables
 * of a few thousand nested prefixes of every length, for random addresses and addresses
 * aimed at and just beside the stored prefixes, through adds and deletes; the default
 * route (0/0) and host routes (/32); the destination is masked; return codes (EINVAL,
 * EEXIST, ESRCH, ENOMEM); ENOMEM at every allocation of an insert leaves the table exactly
 * as it was; deletes give back every node (no glue node left behind); what a lookup costs
 * (one KOP_rt_node charge and one touch per visited node, plus the table head and the
 * entry); rt_check after every phase, and that it aborts on a corrupted entry; nothing
 * leaks (fake_kern_live_allocs is 0 after destroy). For the fake machine: regions, memory
 * alignment and zeroing, fault injection, the clock, counters, devices and vectors.
 *
 * Randomness: a local xorshift64* with the fixed seed SEED (CONVENTIONS rule 8).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "fake_kern.h"
#include "stack/route.h"

#define SEED UINT64_C(0x5eed2017c0ffee01)

/* ---- helpers ---- */

static uint64_t xs_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * UINT64_C(0x2545F4914F6CDD1D);
}

static uint32_t xs_below(uint64_t *s, uint32_t n) { return (uint32_t)(xs_next(s) % n); }

static uint32_t mask(unsigned plen) { return plen ? UINT32_MAX << (32 - plen) : 0; }

static uint32_t ip(unsigned a, unsigned b, unsigned c, unsigned d)
{
    return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d;
}

/* The brute-force model: every live route, looked up by a linear scan. */
struct model_route {
    uint32_t dst, gw;
    unsigned plen;
    bool live;
};

struct model {
    struct model_route *r;
    size_t n, cap;
};

static long model_find(const struct model *m, uint32_t dst, unsigned plen)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->r[i].live && m->r[i].plen == plen && m->r[i].dst == dst)
            return (long)i;
    return -1;
}

static long model_lpm(const struct model *m, uint32_t addr)
{
    long best = -1;
    for (size_t i = 0; i < m->n; i++) {
        const struct model_route *r = &m->r[i];
        if (r->live && (addr & mask(r->plen)) == r->dst &&
            (best < 0 || r->plen > m->r[best].plen))
            best = (long)i;
    }
    return best;
}

static size_t model_count(const struct model *m)
{
    size_t c = 0;
    for (size_t i = 0; i < m->n; i++)
        c += m->r[i].live;
    return c;
}

/* Add to table and model; the table's answer must be the one the model predicts. */
static int both_add(struct rtable *t, struct model *m, uint32_t dst, unsigned plen)
{
    dst &= mask(plen);
    uint32_t gw = (uint32_t)m->n + 1; /* unique: names the model row */
    int want = model_find(m, dst, plen) >= 0 ? EEXIST : 0;
    int got = rt_add(t, dst, plen, gw, NULL);
    CHECK_EQ(got, want);
    if (got == 0) {
        if (m->n == m->cap) {
            m->cap = m->cap ? 2 * m->cap : 256;
            m->r = realloc(m->r, m->cap * sizeof(*m->r));
            CHECK(m->r != NULL);
        }
        m->r[m->n++] = (struct model_route){.dst = dst, .gw = gw, .plen = plen, .live = true};
    }
    return got;
}

/* Whether the table's answer for addr is the model's. */
static bool agrees(struct rtable *t, const struct model *m, uint32_t addr)
{
    long want = model_lpm(m, addr);
    const struct rtentry *e = rt_lookup(t, addr);
    if (want < 0)
        return e == NULL;
    const struct model_route *r = &m->r[want];
    return e && e->rt_dst == r->dst && e->rt_plen == r->plen && e->rt_gateway == r->gw;
}

/* A prefix from one of a few clusters, so that prefixes nest and the trie gets deep. */
static void random_prefix(uint64_t *s, uint32_t *dst, unsigned *plen)
{
    static const uint32_t bases[] = {0x0a000000, 0x0a010200, 0xc0a80000, 0xac100000,
                                     0x08080808, 0xdeadbeef, 0x00000000, 0xffffffff};
    unsigned k = xs_below(s, 33); /* how many low bits to scramble */
    uint32_t noise = k ? (uint32_t)xs_next(s) & (UINT32_MAX >> (32 - k)) : 0;
    *dst = bases[xs_below(s, 8)] ^ noise;
    unsigned r = xs_below(s, 10);
    *plen = r < 2 ? 32 : r < 6 ? 8 + xs_below(s, 17) : xs_below(s, 33);
}

/* An address that tests the table hard: random, inside a live prefix, or just beside one
 * (the first bit after the prefix flipped, or the prefix's last bit flipped). */
static uint32_t probe_addr(uint64_t *s, const struct model *m)
{
    uint32_t a = (uint32_t)xs_next(s);
    unsigned kind = xs_below(s, 4);
    if (kind == 0 || m->n == 0)
        return a;
    const struct model_route *r = &m->r[xs_below(s, (uint32_t)m->n)];
    uint32_t in = r->dst | (a & ~mask(r->plen));
    if (kind == 1 || r->plen == 0)
        return in;
    if (kind == 2 && r->plen < 32)
        return in ^ (UINT32_C(1) << (31 - r->plen));
    return in ^ (UINT32_C(1) << (32 - r->plen));
}

static size_t count_disagreements(struct rtable *t, const struct model *m, uint64_t *s,
                                  size_t probes)
{
    size_t bad = 0;
    for (size_t i = 0; i < probes; i++)
        bad += !agrees(t, m, probe_addr(s, m));
    return bad;
}

/* ---- the fake machine ---- */

struct fire_probe {
    struct kern_machine *km;
    unsigned cpu;
    int calls;
};

static void record_cpu(void *arg)
{
    struct fire_probe *p = arg;
    p->cpu = kern_curcpu(p->km);
    p->calls++;
}

static void test_fake_machine(void)
{
    struct kern_machine *km = fake_kern_create(4);
    CHECK_EQ(kern_ncpus(km), 4);
    CHECK_EQ(kern_curcpu(km), 0);
    fake_kern_set_cpu(km, 3);
    CHECK_EQ(kern_curcpu(km), 3);
    CHECK_EQ(kern_region(km, "other"), 0);
    uint16_t rt = kern_region(km, "rtable");
    CHECK_EQ(rt, 1);
    CHECK_EQ(kern_region(km, "mbuf"), 2);
    CHECK_EQ(kern_region(km, "rtable"), 1);

    unsigned char *small = kern_alloc(km, 10, rt, 1);
    unsigned char *big = kern_alloc(km, 100, rt, 2);
    CHECK(small && big);
    CHECK_EQ((uintptr_t)big % 64, 0);
    bool zero = true;
    for (int i = 0; i < 100; i++)
        zero &= big[i] == 0 && (i >= 10 || small[i] == 0);
    CHECK(zero);
    CHECK(kern_vaddr(km, kern_paddr(km, big)) == big);
    CHECK_EQ(fake_kern_live_allocs(km), 2);
    fake_kern_fail_alloc_after(km, 2);
    void *a1 = kern_alloc(km, 8, 0, 0);
    void *a2 = kern_alloc(km, 8, 0, 0);
    void *a3 = kern_alloc(km, 8, 0, 0);
    CHECK(a1 != NULL && a2 == NULL && a3 != NULL); /* the 2nd fails, once */
    CHECK_EQ(fake_kern_stats(km)->alloc_failures, 1);
    kern_free(km, a1);
    kern_free(km, a3);
    kern_free(km, small);
    kern_free(km, big);
    kern_free(km, NULL);
    CHECK_EQ(fake_kern_live_allocs(km), 0);

    kern_charge(km, 5);
    kern_charge_op(km, KOP_rt_node, 3);
    CHECK_EQ(kern_op_cycles(km, KOP_rt_node), 10);
    CHECK_EQ(fake_kern_cycles(km), 35);
    CHECK_EQ(fake_kern_op_count(km, KOP_rt_node), 3);
    CHECK_EQ(kern_now(km), 35 * 1000);
    CHECK(strcmp(kern_op_name(KOP_rt_node), "rt_node") == 0);
    CHECK(strcmp(kern_op_name(KOP_stat_update), "stat_update") == 0);
    CHECK_EQ(kern_sleep(km, km, 0), 0);
    CHECK_EQ(kern_sleep(km, km, 500), EWOULDBLOCK);
    CHECK_EQ(kern_now(km), 35 * 1000 + 500);
    kern_touch(km, km, 64, KT_WRITE);
    CHECK_EQ(fake_kern_touches(km), 1);

    struct fire_probe probe = {.km = km};
    kern_ipi_send(km, 2);
    kern_ipi_send(km, 2);
    CHECK_EQ(fake_kern_ipis(km, 2), 2);
    CHECK_EQ(fake_kern_ipis(km, 1), 0);
    CHECK(!fake_kern_ipi_deliver(km, 1));
    kern_ipi_handler(km, 1, record_cpu, &probe);
    CHECK(fake_kern_ipi_deliver(km, 1));
    CHECK_EQ(probe.cpu, 1);
    kern_thread_start(km, 2, "netisr2", KERN_PRI_SOFT_NORM, "netisr", record_cpu, &probe);
    CHECK_EQ(fake_kern_nthreads(km), 1);
    CHECK_EQ(probe.calls, 1); /* not run by starting it */
    fake_kern_thread_run(km, 0);
    CHECK_EQ(probe.cpu, 2);
    CHECK_EQ(kern_curcpu(km), 3);

    struct kern_dev *d = fake_kern_add_dev(km, "ix0", "82599");
    CHECK(kern_dev_find(km, "ix0") == d);
    CHECK(kern_dev_find(km, "ix1") == NULL);
    CHECK(strcmp(kern_dev_name(d), "ix0") == 0 && strcmp(kern_dev_model(d), "82599") == 0);
    CHECK_EQ(kern_dev_read(d, 0x5480), 0);
    for (uint32_t r = 0; r < 200; r++) /* enough to grow the register map a few times */
        kern_dev_write(d, 0x1000 + 4 * r, r * 7);
    kern_dev_write(d, 0x1000, 99);
    CHECK_EQ(kern_dev_read(d, 0x1000), 99);
    CHECK_EQ(fake_kern_dev_reg(d, 0x1000 + 4 * 150), 150 * 7);
    fake_kern_dev_set(d, 0x8, 0xabc);
    CHECK_EQ(kern_dev_read(d, 0x8), 0xabc);
    CHECK_EQ(fake_kern_dev_writes(d), 201);
    CHECK_EQ(fake_kern_dev_reads(d), 3);
    CHECK(!fake_kern_dev_fire(d, 5));
    kern_dev_intr(d, 5, 1, "ix0 rxq5", record_cpu, &probe);
    kern_dev_intr(d, 0, 2, "ix0 link", record_cpu, &probe);
    CHECK(fake_kern_dev_fire(d, 5));
    CHECK_EQ(probe.cpu, 1);
    CHECK(fake_kern_dev_fire(d, 0));
    CHECK_EQ(probe.cpu, 2);
    CHECK_EQ(probe.calls, 4);
    CHECK(!fake_kern_dev_fire(d, 4));
    CHECK_EQ(kern_curcpu(km), 3);
    fake_kern_destroy(km);
}

/* ---- the routing table ---- */

static void test_basic(void)
{
    struct kern_machine *km = fake_kern_create(2);
    uint16_t reg = kern_region(km, "rtable");
    struct rtable *t = rt_table_create(km, 1, reg);
    CHECK(t != NULL);
    CHECK(rt_lookup(t, ip(10, 0, 0, 1)) == NULL);
    CHECK_EQ(rt_count(t), 0);
    rt_check(t);

    char ifa, ifb;
    struct ifnet *ifp_a = (struct ifnet *)&ifa, *ifp_b = (struct ifnet *)&ifb;
    CHECK_EQ(rt_add(t, ip(10, 1, 2, 3), 8, ip(192, 168, 0, 1), ifp_a), 0); /* masked */
    struct rtentry *e = rt_lookup(t, ip(10, 200, 0, 9));
    CHECK(e != NULL);
    if (e) {
        CHECK_EQ(e->rt_dst, ip(10, 0, 0, 0));
        CHECK_EQ(e->rt_plen, 8);
        CHECK_EQ(e->rt_gateway, ip(192, 168, 0, 1));
        CHECK(e->rt_ifp == ifp_a);
        CHECK_EQ(e->rt_refcnt, 0); /* lookups take no reference */
        CHECK_EQ(e->rt_use, 0);
    }
    CHECK_EQ(rt_add(t, ip(10, 9, 9, 9), 8, 0, ifp_b), EEXIST);
    CHECK_EQ(rt_add(t, ip(10, 0, 0, 0), 33, 0, ifp_b), EINVAL);
    CHECK(rt_lookup(t, ip(11, 0, 0, 0)) == NULL);

    /* the default route catches everything else */
    CHECK_EQ(rt_add(t, ip(1, 2, 3, 4), 0, ip(192, 168, 0, 254), ifp_b), 0);
    e = rt_lookup(t, ip(11, 0, 0, 0));
    CHECK(e && e->rt_plen == 0 && e->rt_dst == 0 && e->rt_ifp == ifp_b);
    CHECK_EQ(rt_add(t, 0, 0, 0, NULL), EEXIST);

    /* host routes win over everything, and only for their own address */
    CHECK_EQ(rt_add(t, ip(10, 1, 2, 3), 32, 0, ifp_b), 0);
    CHECK_EQ(rt_add(t, ip(255, 255, 255, 255), 32, 0, ifp_b), 0);
    CHECK_EQ(rt_add(t, ip(0, 0, 0, 0), 32, 0, ifp_b), 0);
    e = rt_lookup(t, ip(10, 1, 2, 3));
    CHECK(e && e->rt_plen == 32 && e->rt_gateway == 0);
    e = rt_lookup(t, ip(10, 1, 2, 2));
    CHECK(e && e->rt_plen == 8);
    e = rt_lookup(t, ip(255, 255, 255, 255));
    CHECK(e && e->rt_plen == 32);
    e = rt_lookup(t, ip(0, 0, 0, 0));
    CHECK(e && e->rt_plen == 32);
    e = rt_lookup(t, ip(0, 0, 0, 1));
    CHECK(e && e->rt_plen == 0);
    CHECK_EQ(rt_count(t), 5);
    rt_check(t);

    /* delete, then the next shorter prefix answers */
    CHECK_EQ(rt_delete(t, ip(10, 1, 2, 3), 32), 0);
    CHECK_EQ(rt_delete(t, ip(10, 1, 2, 3), 32), ESRCH);
    CHECK_EQ(rt_delete(t, ip(10, 1, 2, 3), 33), ESRCH);
    CHECK_EQ(rt_delete(t, ip(10, 0, 0, 0), 16), ESRCH);
    e = rt_lookup(t, ip(10, 1, 2, 3));
    CHECK(e && e->rt_plen == 8);
    CHECK_EQ(rt_delete(t, ip(10, 77, 0, 0), 8), 0); /* masked like rt_add */
    e = rt_lookup(t, ip(10, 1, 2, 3));
    CHECK(e && e->rt_plen == 0);
    CHECK_EQ(rt_delete(t, 0, 0), 0);
    CHECK(rt_lookup(t, ip(10, 1, 2, 3)) == NULL);
    CHECK_EQ(rt_count(t), 2);
    rt_check(t);
    CHECK_EQ(rt_delete(t, 0, 32), 0);
    CHECK_EQ(rt_delete(t, UINT32_MAX, 32), 0);
    CHECK_EQ(rt_count(t), 0);
    CHECK_EQ(fake_kern_live_allocs(km), 1); /* only the table head: no glue node left */
    rt_check(t);

    rt_table_destroy(t);
    CHECK_EQ(fake_kern_live_allocs(km), 0);
    fake_kern_destroy(km);
}

static void test_random_vs_linear(void)
{
    uint64_t s = SEED;
    struct kern_machine *km = fake_kern_create(1);
    struct rtable *t = rt_table_create(km, 0, kern_region(km, "rtable"));
    struct model m = {0};
    size_t eexist = 0;
    for (int i = 0; i < 4000; i++) {
        uint32_t dst;
        unsigned plen;
        random_prefix(&s, &dst, &plen);
        eexist += both_add(t, &m, dst, plen) == EEXIST;
    }
    CHECK(eexist > 0 && eexist < 2000); /* duplicates were tried, most adds were new */
    CHECK_EQ(rt_count(t), model_count(&m));
    rt_check(t);
    CHECK_EQ(count_disagreements(t, &m, &s, 30000), 0);

    /* delete about half, through rt_delete's masking of a dirty address */
    for (size_t i = 0; i < m.n; i++) {
        if (xs_below(&s, 2))
            continue;
        uint32_t dirty = m.r[i].dst | ((uint32_t)xs_next(&s) & ~mask(m.r[i].plen));
        CHECK_EQ(rt_delete(t, dirty, m.r[i].plen), 0);
        CHECK_EQ(rt_delete(t, m.r[i].dst, m.r[i].plen), ESRCH);
        m.r[i].live = false;
    }
    CHECK_EQ(rt_count(t), model_count(&m));
    rt_check(t);
    CHECK_EQ(count_disagreements(t, &m, &s, 30000), 0);

    /* add again on top of the holes, then delete everything */
    for (int i = 0; i < 1500; i++) {
        uint32_t dst;
        unsigned plen;
        random_prefix(&s, &dst, &plen);
        both_add(t, &m, dst, plen);
    }
    rt_check(t);
    CHECK_EQ(count_disagreements(t, &m, &s, 30000), 0);
    for (size_t i = m.n; i-- > 0;) {
        if (!m.r[i].live)
            continue;
        CHECK_EQ(rt_delete(t, m.r[i].dst, m.r[i].plen), 0);
        m.r[i].live = false;
        if (i % 512 == 0)
            rt_check(t);
    }
    CHECK_EQ(rt_count(t), 0);
    CHECK_EQ(fake_kern_live_allocs(km), 1);
    rt_check(t);
    rt_table_destroy(t);
    CHECK_EQ(fake_kern_live_allocs(km), 0);
    free(m.r);
    fake_kern_destroy(km);
}

/* Try to add dst/plen with the k-th allocation failing, k = 1, 2, ..., until it succeeds;
 * each failure must leave table, allocations and answers as they were. Returns how many
 * allocations failed before success. */
static int add_under_enomem(struct kern_machine *km, struct rtable *t, struct model *m,
                            uint64_t *s, uint32_t dst, unsigned plen)
{
    for (int k = 1;; k++) {
        size_t live = fake_kern_live_allocs(km), count = rt_count(t);
        fake_kern_fail_alloc_after(km, k);
        int err = rt_add(t, dst, plen, 7, NULL);
        fake_kern_fail_alloc_after(km, -1);
        if (err != ENOMEM) {
            CHECK_EQ(err, 0);
            if (err == 0) /* mirror it in the model (both_add would add it twice) */
                CHECK_EQ(rt_delete(t, dst, plen), 0);
            CHECK_EQ(both_add(t, m, dst, plen), 0);
            return k - 1;
        }
        CHECK_EQ(fake_kern_live_allocs(km), live);
        CHECK_EQ(rt_count(t), count);
        rt_check(t);
        CHECK_EQ(count_disagreements(t, m, s, 200), 0);
        CHECK(k <= 3);
        if (k > 3)
            return -1;
    }
}

static void test_enomem(void)
{
    uint64_t s = SEED ^ 1;
    struct kern_machine *km = fake_kern_create(1);
    uint16_t reg = kern_region(km, "rtable");
    fake_kern_fail_alloc_after(km, 1);
    CHECK(rt_table_create(km, 0, reg) == NULL);
    CHECK_EQ(fake_kern_live_allocs(km), 0);

    struct rtable *t = rt_table_create(km, 0, reg);
    struct model m = {0};
    /* the three shapes of insert, by the allocations they need */
    CHECK_EQ(add_under_enomem(km, t, &m, &s, ip(10, 0, 0, 0), 8), 2);  /* leaf + entry */
    CHECK_EQ(add_under_enomem(km, t, &m, &s, ip(11, 0, 0, 0), 8), 3);  /* + glue */
    CHECK_EQ(add_under_enomem(km, t, &m, &s, ip(10, 0, 0, 0), 7), 1);  /* onto the glue */
    CHECK_EQ(add_under_enomem(km, t, &m, &s, ip(10, 0, 0, 0), 6), 2);  /* above a node */
    CHECK_EQ(add_under_enomem(km, t, &m, &s, ip(10, 1, 0, 0), 16), 2); /* leaf below */

    /* random inserts into a populated table */
    int seen[4] = {0};
    for (int i = 0; i < 300; i++) {
        uint32_t dst;
        unsigned plen;
        random_prefix(&s, &dst, &plen);
        dst &= mask(plen);
        if (model_find(&m, dst, plen) >= 0)
            continue;
        int k = add_under_enomem(km, t, &m, &s, dst, plen);
        CHECK(k >= 1 && k <= 3);
        if (k >= 0 && k <= 3)
            seen[k]++;
    }
    CHECK(seen[1] + seen[2] + seen[3] > 200); /* the rest were duplicates, skipped */
    CHECK(seen[1] > 0 && seen[2] > 0 && seen[3] > 0); /* every shape of insert */

    /* deleting allocates nothing */
    fake_kern_fail_alloc_after(km, 1);
    CHECK_EQ(rt_delete(t, ip(10, 0, 0, 0), 8), 0);
    m.r[model_find(&m, ip(10, 0, 0, 0), 8)].live = false;
    CHECK(kern_alloc(km, 8, reg, 0) == NULL); /* the injected failure was still armed */
    rt_check(t);
    CHECK_EQ(count_disagreements(t, &m, &s, 2000), 0);
    rt_table_destroy(t);
    CHECK_EQ(fake_kern_live_allocs(km), 0);
    free(m.r);
    fake_kern_destroy(km);
}

static void test_costs(void)
{
    struct kern_machine *km = fake_kern_create(1);
    struct rtable *t = rt_table_create(km, 0, kern_region(km, "rtable"));
    uint64_t node = kern_op_cycles(km, KOP_rt_node);

    /* empty table: the head is read, no node visited */
    CHECK(rt_lookup(t, ip(10, 1, 2, 3)) == NULL);
    CHECK_EQ(fake_kern_op_count(km, KOP_rt_node), 0);
    CHECK_EQ(fake_kern_touches(km), 1);

    CHECK_EQ(rt_add(t, ip(10, 0, 0, 0), 8, 0, NULL), 0);
    CHECK_EQ(rt_add(t, ip(10, 1, 0, 0), 16, 0, NULL), 0);
    CHECK_EQ(rt_add(t, ip(10, 1, 2, 0), 24, 0, NULL), 0);
    CHECK_EQ(rt_add(t, ip(10, 1, 2, 3), 32, 0, NULL), 0);
    CHECK_EQ(fake_kern_cycles(km), 0); /* configuration is free */

    struct {
        uint32_t addr;
        unsigned plen;   /* expected match, 99 = none */
        unsigned visits; /* trie nodes on the way */
    } cases[] = {
        {ip(10, 1, 2, 3), 32, 4}, /* /8 -> /16 -> /24 -> /32 */
        {ip(10, 1, 2, 4), 24, 4}, /* the /32 is visited and does not match */
        {ip(10, 1, 3, 0), 16, 3},
        {ip(10, 2, 0, 0), 8, 2},
        {ip(11, 0, 0, 0), 99, 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t c0 = fake_kern_cycles(km), o0 = fake_kern_op_count(km, KOP_rt_node);
        uint64_t t0 = fake_kern_touches(km);
        const struct rtentry *e = rt_lookup(t, cases[i].addr);
        CHECK_EQ(e ? e->rt_plen : 99, cases[i].plen);
        CHECK_EQ(fake_kern_op_count(km, KOP_rt_node) - o0, cases[i].visits);
        CHECK_EQ(fake_kern_cycles(km) - c0, cases[i].visits * node);
        /* the head, each node, and the entry found */
        CHECK_EQ(fake_kern_touches(km) - t0, 1 + cases[i].visits + (e != NULL));
    }
    rt_table_destroy(t);
    CHECK_EQ(fake_kern_live_allocs(km), 0);
    fake_kern_destroy(km);
}

/* Deep and shallow tables: the cost follows the depth (and never passes 33 nodes). */
static void test_cost_grows_with_depth(void)
{
    struct kern_machine *km = fake_kern_create(1);
    uint16_t reg = kern_region(km, "rtable");
    struct rtable *flat = rt_table_create(km, 0, reg), *deep = rt_table_create(km, 0, reg);
    for (unsigned i = 0; i < 32; i++)
        CHECK_EQ(rt_add(flat, ip(10 + i, 0, 0, 0), 8, 0, NULL), 0);
    for (unsigned plen = 0; plen <= 32; plen++)
        CHECK_EQ(rt_add(deep, ip(10, 1, 2, 3), plen, 0, NULL), 0);
    rt_check(flat);
    rt_check(deep);
    uint64_t c0 = fake_kern_cycles(km);
    CHECK(rt_lookup(flat, ip(20, 1, 2, 3)) != NULL);
    uint64_t c_flat = fake_kern_cycles(km) - c0;
    c0 = fake_kern_cycles(km);
    const struct rtentry *e = rt_lookup(deep, ip(10, 1, 2, 3));
    uint64_t c_deep = fake_kern_cycles(km) - c0;
    CHECK(e && e->rt_plen == 32);
    CHECK_EQ(c_deep, 33 * kern_op_cycles(km, KOP_rt_node));
    CHECK(c_flat < c_deep);
    CHECK(c_flat <= 7 * kern_op_cycles(km, KOP_rt_node)); /* 32 routes: glue + leaf */
    rt_table_destroy(flat);
    rt_table_destroy(deep);
    CHECK_EQ(fake_kern_live_allocs(km), 0);
    fake_kern_destroy(km);
}

/* Two tables (per-CPU replicas) on two machines, same calls: same answers, no sharing. */
static void test_replicas_independent(void)
{
    struct kern_machine *k1 = fake_kern_create(4), *k2 = fake_kern_create(4);
    struct rtable *t[4];
    for (unsigned cpu = 0; cpu < 4; cpu++) {
        t[cpu] = rt_table_create(cpu % 2 ? k2 : k1, cpu, 0);
        CHECK_EQ(rt_add(t[cpu], ip(10, 0, 0, 0), 8, cpu, NULL), 0);
    }
    CHECK_EQ(rt_delete(t[0], ip(10, 0, 0, 0), 8), 0);
    CHECK(rt_lookup(t[0], ip(10, 0, 0, 1)) == NULL);
    for (unsigned cpu = 1; cpu < 4; cpu++) {
        const struct rtentry *e = rt_lookup(t[cpu], ip(10, 0, 0, 1));
        CHECK(e && e->rt_gateway == cpu);
    }
    CHECK_EQ(fake_kern_live_allocs(k1), 1 + 3); /* t[0]: head; t[2]: head, node, entry */
    CHECK_EQ(fake_kern_live_allocs(k2), 2 * 3);
    for (unsigned cpu = 0; cpu < 4; cpu++)
        rt_table_destroy(t[cpu]);
    CHECK_EQ(fake_kern_live_allocs(k1), 0);
    CHECK_EQ(fake_kern_live_allocs(k2), 0);
    fake_kern_destroy(k1);
    fake_kern_destroy(k2);
}

/* ---- impossible states abort ---- */

static struct rtable *small_table(struct kern_machine *km)
{
    struct rtable *t = rt_table_create(km, 0, 0);
    rt_add(t, ip(10, 0, 0, 0), 8, 0, NULL);
    rt_add(t, ip(10, 1, 0, 0), 16, 0, NULL);
    rt_add(t, ip(192, 168, 1, 0), 24, 0, NULL);
    return t;
}

static void corrupt_entry(void *arg)
{
    struct kern_machine *km = arg;
    struct rtable *t = small_table(km);
    rt_lookup(t, ip(10, 1, 0, 0))->rt_plen = 17; /* the entry no longer matches its node */
    rt_check(t);
}

static void delete_referenced(void *arg)
{
    struct kern_machine *km = arg;
    struct rtable *t = small_table(km);
    rt_lookup(t, ip(192, 168, 1, 1))->rt_refcnt++;
    rt_delete(t, ip(192, 168, 1, 0), 24);
}

static void clean_check(void *arg)
{
    struct kern_machine *km = arg;
    struct rtable *t = small_table(km);
    rt_check(t);
}

static void test_impossible_states_abort(void)
{
    struct kern_machine *km = fake_kern_create(1);
    CHECK_EQ(check_dies_with(clean_check, km), 0);
    CHECK_EQ(check_dies_with(corrupt_entry, km), SIGABRT);
    CHECK_EQ(check_dies_with(delete_referenced, km), SIGABRT);
    fake_kern_destroy(km);
}

int main(void)
{
    RUN(test_fake_machine);
    RUN(test_basic);
    RUN(test_random_vs_linear);
    RUN(test_enomem);
    RUN(test_costs);
    RUN(test_cost_grows_with_depth);
    RUN(test_replicas_independent);
    RUN(test_impossible_states_abort);
    return check_result();
}
