/*
 * test_cache.c - the coherence model (src/hwmodel/cache.h).
 *
 * Pins down, on a 2-socket, 2-cores-per-socket machine with tiny caches and distinct
 * prices, the exact state and price of scripted sequences: cold reads priced by the line's
 * home socket; L1 re-reads; same-socket and cross-socket load and store transfers with
 * the MESI states they leave; atomics; E -> M without a transaction; capacity evictions
 * giving L2 and LLC hits; LLC evictions back-invalidating private copies; false sharing
 * (two CPUs writing different words of one line) against per-CPU lines, with the region
 * transfer matrix; DMA invalidation, DDIO allocation and its way limit; the multi-line
 * (mlp) price; hardware threads sharing a core's caches; cache_is_local's prediction.
 * Then a randomized run (12 CPUs, DMA, DDIO on and off) with cache_check after every step
 * and cache_is_local checked against every one-line access's `remote`; determinism across
 * two interleaved models; parameter checks and the aborts.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "hwmodel/cache.h"
#include "hwmodel/mem.h"
#include "rng.h"

enum { L1 = 4, L2 = 12, LLC = 40, XLL = 100, XSL = 110, XLR = 300, XSR = 330, AL = 120,
       AR = 350, AB = 20, DL = 200, DR = 400 };

/* 2 sockets x 2 cores: L1 4 sets x 2 ways, L2 8 x 2, LLC 16 x 4. */
static struct cache_params small_params(void)
{
    struct cache_params p;
    cache_params_default(&p);
    p.sockets = 2;
    p.cores_per_socket = 2;
    p.threads_per_core = 1;
    p.l1 = (struct cache_geom){4 * 2 * 64, 2, L1};
    p.l2 = (struct cache_geom){8 * 2 * 64, 2, L2};
    p.llc = (struct cache_geom){16 * 4 * 64, 4, LLC};
    p.xfer_load_local = XLL;
    p.xfer_store_local = XSL;
    p.xfer_load_remote = XLR;
    p.xfer_store_remote = XSR;
    p.atomic_local = AL;
    p.atomic_remote = AR;
    p.atomic_base = AB;
    p.dram_local = DL;
    p.dram_remote = DR;
    p.mlp = 4;
    p.ddio = false;
    p.ddio_ways = 1;
    return p;
}

/* A host: lines 0..1023 homed on socket 0 (region "buf0"), 1024..2047 on socket 1. */
struct rig {
    struct mem_arena *a;
    struct cache_model *m;
    uint16_t r0, r1;
};

static struct rig rig_make(const struct cache_params *p)
{
    struct rig r;
    r.a = mem_create(1 << 20);
    r.r0 = mem_region(r.a, "buf0");
    r.r1 = mem_region(r.a, "buf1");
    void *b0 = mem_alloc(r.a, 64 << 10, r.r0, 0);
    void *b1 = mem_alloc(r.a, 64 << 10, r.r1, 1);
    CHECK_EQ(mem_paddr(r.a, b0), 0);
    CHECK_EQ(mem_paddr(r.a, b1), 64 << 10);
    r.m = cache_create(p, r.a);
    return r;
}

static void rig_free(struct rig *r)
{
    cache_check(r->m);
    cache_destroy(r->m);
    mem_destroy(r->a);
}

/* One 8-byte access to word 1 of `line`. */
static struct cache_cost acc(struct rig *r, unsigned cpu, uint64_t line, enum cache_op op)
{
    struct cache_cost c = cache_access(r->m, cpu, line * 64 + 8, 8, op);
    cache_check(r->m);
    return c;
}

static uint64_t rd(struct rig *r, unsigned cpu, uint64_t line)
{
    return acc(r, cpu, line, CACHE_READ).cycles;
}

static uint64_t wr(struct rig *r, unsigned cpu, uint64_t line)
{
    return acc(r, cpu, line, CACHE_WRITE).cycles;
}

static uint64_t at(struct rig *r, unsigned cpu, uint64_t line)
{
    return acc(r, cpu, line, CACHE_ATOMIC).cycles;
}

static void test_cold_reads_by_home(void)
{
    struct cache_params p = small_params();
    struct rig r = rig_make(&p);
    struct cache_cost c = acc(&r, 0, 1, CACHE_READ);
    CHECK_EQ(c.cycles, DL);
    CHECK(!c.remote);
    struct cache_line_info li = cache_line_info(r.m, 1);
    CHECK_EQ(li.state, CACHE_MESI_E);
    CHECK_EQ(li.owner, 0);
    CHECK_EQ(li.sharers, 1);
    CHECK_EQ(li.llc, 1);
    CHECK_EQ(li.last_cpu, 0);
    CHECK_EQ(rd(&r, 0, 1), L1);
    CHECK_EQ(cache_private_level(r.m, 0, 1), 1);
    c = acc(&r, 0, 1025, CACHE_READ); /* homed on socket 1 */
    CHECK_EQ(c.cycles, DR);
    CHECK(!c.remote); /* remote DRAM is not another CPU's cache */
    CHECK_EQ(rd(&r, 2, 2), DR);
    CHECK_EQ(rd(&r, 2, 1026), DL);
    const struct cache_cpu_stats *s = cache_cpu_stats(r.m, 0);
    CHECK_EQ(s->touches, 3);
    CHECK_EQ(s->lines[CACHE_DRAM_LOCAL], 1);
    CHECK_EQ(s->lines[CACHE_DRAM_REMOTE], 1);
    CHECK_EQ(s->lines[CACHE_L1_HIT], 1);
    CHECK_EQ(s->cycles, DL + L1 + DR);
    CHECK_EQ(cache_region_stats(r.m, r.r0)->accesses, 3);
    CHECK_EQ(cache_region_stats(r.m, r.r1)->lines[CACHE_DRAM_REMOTE], 1);
    rig_free(&r);
}

static void test_same_socket_transfers(void)
{
    struct cache_params p = small_params();
    struct rig r = rig_make(&p);
    CHECK_EQ(rd(&r, 0, 3), DL);
    CHECK(!cache_is_local(r.m, 1, 3 * 64, 8, CACHE_READ)); /* E in core 0 */
    CHECK(cache_is_local(r.m, 0, 3 * 64, 8, CACHE_WRITE));  /* E -> M in place */
    struct cache_cost c = acc(&r, 1, 3, CACHE_READ);
    CHECK_EQ(c.cycles, XLL);
    CHECK(c.remote);
    struct cache_line_info li = cache_line_info(r.m, 3);
    CHECK_EQ(li.state, CACHE_MESI_S);
    CHECK_EQ(li.sharers, 3);
    CHECK_EQ(li.owner, -1);
    CHECK_EQ(cache_private_level(r.m, 0, 3), 1);
    CHECK_EQ(cache_private_level(r.m, 1, 3), 1);
    CHECK(cache_is_local(r.m, 0, 3 * 64, 64, CACHE_READ));
    CHECK(!cache_is_local(r.m, 0, 3 * 64, 64, CACHE_WRITE)); /* S, core 1 has a copy */
    /* a store by core 1 invalidates core 0 */
    c = cache_access(r.m, 1, 3 * 64 + 32, 8, CACHE_WRITE);
    CHECK_EQ(c.cycles, XSL);
    CHECK(c.remote);
    li = cache_line_info(r.m, 3);
    CHECK_EQ(li.state, CACHE_MESI_M);
    CHECK_EQ(li.owner, 1);
    CHECK_EQ(li.sharers, 2);
    CHECK_EQ(cache_private_level(r.m, 0, 3), 0);
    CHECK_EQ(cache_cpu_stats(r.m, 1)->invalidations, 1);
    CHECK_EQ(cache_region_stats(r.m, r.r0)->invalidations, 1);
    /* reading it back is a transfer again; the line ends S in both */
    CHECK_EQ(rd(&r, 0, 3), XLL);
    CHECK_EQ(cache_line_info(r.m, 3).state, CACHE_MESI_S);
    CHECK_EQ(cache_region_transfers(r.m, r.r0, 0, 1), 1);
    CHECK_EQ(cache_region_transfers(r.m, r.r0, 1, 0), 1);
    CHECK_EQ(cache_region_stats(r.m, r.r0)->transfers, 2);
    CHECK_EQ(wr(&r, 0, 3), XSL);
    CHECK_EQ(cache_private_level(r.m, 1, 3), 0);
    CHECK_EQ(wr(&r, 0, 3), L1);
    rig_free(&r);
}

static void test_cross_socket_transfers(void)
{
    struct cache_params p = small_params();
    struct rig r = rig_make(&p);
    CHECK_EQ(wr(&r, 0, 4), DL);
    CHECK_EQ(cache_line_info(r.m, 4).state, CACHE_MESI_M);
    struct cache_cost c = acc(&r, 2, 4, CACHE_READ);
    CHECK_EQ(c.cycles, XLR);
    CHECK(c.remote);
    struct cache_line_info li = cache_line_info(r.m, 4);
    CHECK_EQ(li.state, CACHE_MESI_S);
    CHECK_EQ(li.sharers, 1 | 4);
    CHECK_EQ(li.llc, 3);
    CHECK_EQ(wr(&r, 2, 4), XSR);
    li = cache_line_info(r.m, 4);
    CHECK_EQ(li.state, CACHE_MESI_M);
    CHECK_EQ(li.owner, 2);
    CHECK_EQ(li.llc, 2);
    CHECK(!cache_llc_holds(r.m, 0, 4));
    CHECK_EQ(cache_private_level(r.m, 0, 4), 0);
    CHECK_EQ(rd(&r, 0, 4), XLR);
    CHECK_EQ(rd(&r, 3, 4), LLC); /* S, and socket 1's LLC holds it */
    CHECK_EQ(cache_line_info(r.m, 4).sharers, 1 | 4 | 8);
    CHECK_EQ(wr(&r, 1, 4), XSR); /* invalidates cores 0, 2, 3 and socket 1's LLC */
    CHECK_EQ(cache_cpu_stats(r.m, 1)->invalidations, 3);
    CHECK_EQ(cache_line_info(r.m, 4).llc, 1);
    CHECK_EQ(cache_region_transfers(r.m, r.r0, 0, 2), 1);
    CHECK_EQ(cache_region_transfers(r.m, r.r0, 2, 0), 1);
    rig_free(&r);
}

static void test_atomics(void)
{
    struct cache_params p = small_params();
    struct rig r = rig_make(&p);
    struct cache_cost c = acc(&r, 0, 6, CACHE_ATOMIC);
    CHECK_EQ(c.cycles, DL + AB);
    CHECK(!c.remote);
    CHECK_EQ(at(&r, 0, 6), L1 + AB);
    c = acc(&r, 1, 6, CACHE_ATOMIC);
    CHECK_EQ(c.cycles, AL);
    CHECK(c.remote);
    CHECK_EQ(at(&r, 2, 6), AR);
    CHECK_EQ(at(&r, 2, 6), L1 + AB);
    CHECK_EQ(cache_line_info(r.m, 6).state, CACHE_MESI_M);
    CHECK_EQ(rd(&r, 0, 7), DL);
    CHECK_EQ(rd(&r, 1, 7), XLL);
    CHECK_EQ(at(&r, 1, 7), AL); /* S line also held by core 0 */
    CHECK_EQ(cache_cpu_stats(r.m, 0)->atomics, 2);
    rig_free(&r);
}

static void test_e_to_m_silently(void)
{
    struct cache_params p = small_params();
    struct rig r = rig_make(&p);
    CHECK_EQ(rd(&r, 0, 8), DL);
    CHECK_EQ(cache_line_info(r.m, 8).state, CACHE_MESI_E);
    struct cache_cost c = acc(&r, 0, 8, CACHE_WRITE);
    CHECK_EQ(c.cycles, L1);
    CHECK(!c.remote);
    CHECK_EQ(cache_line_info(r.m, 8).state, CACHE_MESI_M);
    CHECK_EQ(cache_cpu_stats(r.m, 0)->invalidations, 0);
    CHECK_EQ(cache_region_stats(r.m, r.r0)->transfers, 0);
    rig_free(&r);
}

static void test_capacity_l2_and_llc_hits(void)
{
    struct cache_params p = small_params();
    struct rig r = rig_make(&p);
    /* lines 0, 4, 8 share L1 set 0 (2 ways); 0, 8, 16 share L2 set 0 (2 ways) */
    CHECK_EQ(rd(&r, 0, 0), DL);
    CHECK_EQ(rd(&r, 0, 4), DL);
    CHECK_EQ(rd(&r, 0, 8), DL); /* pushes 0 out of L1 */
    CHECK_EQ(cache_private_level(r.m, 0, 0), 2);
    CHECK_EQ(rd(&r, 0, 0), L2);
    CHECK_EQ(cache_private_level(r.m, 0, 0), 1);
    CHECK_EQ(rd(&r, 0, 16), DL); /* pushes 8 out of L2 (and so out of L1) */
    CHECK_EQ(cache_private_level(r.m, 0, 8), 0);
    struct cache_line_info li = cache_line_info(r.m, 8);
    CHECK_EQ(li.state, CACHE_MESI_I);
    CHECK_EQ(li.sharers, 0);
    CHECK_EQ(li.llc, 1);
    CHECK_EQ(rd(&r, 0, 8), LLC);
    CHECK_EQ(cache_line_info(r.m, 8).state, CACHE_MESI_E);
    /* a dirty line leaving L2 is written back for free; it is still an LLC hit */
    CHECK_EQ(wr(&r, 0, 24), DL);
    CHECK_EQ(rd(&r, 0, 32), DL);
    CHECK_EQ(rd(&r, 0, 40), DL);
    CHECK_EQ(cache_private_level(r.m, 0, 24), 0);
    CHECK_EQ(rd(&r, 0, 24), LLC);
    rig_free(&r);
}

static void test_llc_back_invalidation(void)
{
    struct cache_params p = small_params();
    struct rig r = rig_make(&p);
    /* lines 32, 48, 64, 80, 96 share LLC set 0 (4 ways) of socket 0 */
    CHECK_EQ(rd(&r, 0, 32), DL);
    CHECK_EQ(rd(&r, 1, 48), DL);
    CHECK_EQ(rd(&r, 0, 32), L1); /* L1 hits do not refresh the LLC's LRU order */
    CHECK_EQ(rd(&r, 1, 64), DL);
    CHECK_EQ(rd(&r, 0, 32), L1);
    CHECK_EQ(rd(&r, 1, 80), DL);
    CHECK_EQ(cache_get_totals(r.m)->back_invalidations, 0);
    CHECK_EQ(rd(&r, 1, 96), DL); /* evicts 32 from the LLC, so from core 0 too */
    CHECK_EQ(cache_private_level(r.m, 0, 32), 0);
    struct cache_line_info li = cache_line_info(r.m, 32);
    CHECK_EQ(li.state, CACHE_MESI_I);
    CHECK_EQ(li.llc, 0);
    CHECK_EQ(cache_get_totals(r.m)->back_invalidations, 1);
    CHECK_EQ(cache_get_totals(r.m)->llc_evictions, 1);
    CHECK_EQ(rd(&r, 0, 32), DL);
    rig_free(&r);
}

/* Two CPUs bump counters `rounds` times each, in turn; returns the cycles spent. */
static uint64_t ping_pong(struct rig *r, unsigned c0, unsigned c1, const void *x,
                          const void *y, int rounds)
{
    uint64_t total = 0;
    for (int i = 0; i < rounds; i++) {
        total += cache_access(r->m, c0, mem_paddr(r->a, x), 8, CACHE_WRITE).cycles;
        total += cache_access(r->m, c1, mem_paddr(r->a, y), 8, CACHE_WRITE).cycles;
        cache_check(r->m);
    }
    return total;
}

struct shared_stats {
    uint64_t ipackets; /* bumped by CPU A */
    uint64_t opackets; /* bumped by CPU B: the same line */
};

static void test_false_sharing(void)
{
    struct cache_params p = small_params();
    struct rig r = rig_make(&p);
    uint16_t rs = mem_region(r.a, "stats.shared"), rp = mem_region(r.a, "stats.pcpu");
    struct shared_stats *s = mem_alloc(r.a, sizeof(*s), rs, 0);
    uint64_t *pc0 = mem_alloc(r.a, 64, rp, 0), *pc1 = mem_alloc(r.a, 64, rp, 0);
    CHECK_EQ(mem_paddr(r.a, s) >> 6, mem_paddr(r.a, &s->opackets) >> 6);
    CHECK(mem_paddr(r.a, pc0) >> 6 != mem_paddr(r.a, pc1) >> 6);
    uint64_t shared = ping_pong(&r, 0, 1, &s->ipackets, &s->opackets, 10);
    uint64_t percpu = ping_pong(&r, 0, 1, pc0, pc1, 10);
    CHECK_EQ(shared, DL + 19 * XSL);
    CHECK_EQ(percpu, 2 * (DL + 9 * L1));
    CHECK_EQ(cache_region_transfers(r.m, rs, 0, 1), 10);
    CHECK_EQ(cache_region_transfers(r.m, rs, 1, 0), 9);
    CHECK_EQ(cache_region_stats(r.m, rs)->transfers, 19);
    CHECK_EQ(cache_region_stats(r.m, rs)->invalidations, 19);
    CHECK_EQ(cache_region_stats(r.m, rs)->lines[CACHE_XFER_LOCAL], 19);
    CHECK_EQ(cache_region_stats(r.m, rp)->transfers, 0);
    CHECK_EQ(cache_region_transfers(r.m, rp, 0, 1), 0);
    /* across sockets the same layout costs the remote price */
    /* (a 16-byte allocation would reuse the free 16 bytes next to s, on s's line) */
    struct shared_stats *s2 = mem_alloc(r.a, 64, rs, 0);
    CHECK_EQ(ping_pong(&r, 0, 2, &s2->ipackets, &s2->opackets, 5), DL + 9 * XSR);
    CHECK_EQ(cache_region_transfers(r.m, rs, 0, 2), 5);
    CHECK_EQ(cache_region_transfers(r.m, rs, 2, 0), 4);
    rig_free(&r);
}

static void test_dma_invalidates(void)
{
    struct cache_params p = small_params();
    struct rig r = rig_make(&p);
    CHECK_EQ(rd(&r, 0, 10), DL);
    CHECK_EQ(rd(&r, 2, 10), XLR);
    cache_dma_write(r.m, 10 * 64, 64, 0);
    cache_check(r.m);
    struct cache_line_info li = cache_line_info(r.m, 10);
    CHECK_EQ(li.state, CACHE_MESI_I);
    CHECK_EQ(li.sharers, 0);
    CHECK_EQ(li.llc, 0);
    CHECK_EQ(li.last_cpu, -1);
    CHECK_EQ(cache_region_stats(r.m, r.r0)->dma_writes, 1);
    CHECK_EQ(cache_region_stats(r.m, r.r0)->dma_invalidations, 2);
    CHECK_EQ(rd(&r, 0, 10), DL);
    /* a device read changes nothing */
    CHECK_EQ(wr(&r, 0, 11), DL);
    cache_dma_read(r.m, 11 * 64, 64);
    CHECK_EQ(cache_line_info(r.m, 11).state, CACHE_MESI_M);
    CHECK_EQ(cache_private_level(r.m, 0, 11), 1);
    CHECK_EQ(cache_region_stats(r.m, r.r0)->dma_reads, 1);
    CHECK_EQ(wr(&r, 0, 11), L1);
    rig_free(&r);
}

static void test_ddio(void)
{
    struct cache_params p = small_params();
    p.ddio = true;
    p.ddio_ways = 1;
    struct rig r = rig_make(&p);
    CHECK_EQ(rd(&r, 0, 10), DL);
    cache_dma_write(r.m, 10 * 64, 64, 0);
    cache_check(r.m);
    CHECK_EQ(cache_line_info(r.m, 10).llc, 1);
    CHECK_EQ(cache_private_level(r.m, 0, 10), 0);
    CHECK_EQ(cache_get_totals(r.m)->ddio_updates, 1); /* it was in the LLC already */
    CHECK_EQ(rd(&r, 0, 10), LLC);
    CHECK_EQ(cache_line_info(r.m, 10).state, CACHE_MESI_E);
    /* a device on socket 1: the data sits in socket 1's LLC */
    cache_dma_write(r.m, 12 * 64, 64, 1);
    CHECK_EQ(cache_line_info(r.m, 12).llc, 2);
    struct cache_cost c = acc(&r, 0, 12, CACHE_READ);
    CHECK_EQ(c.cycles, XLR);
    CHECK(c.remote);
    CHECK_EQ(cache_region_stats(r.m, r.r0)->transfers, 0); /* no CPU owned it before */
    /* the way limit: lines 16 and 32 share LLC set 0; one DDIO way */
    cache_dma_write(r.m, 16 * 64, 64, 0);
    cache_dma_write(r.m, 32 * 64, 64, 0);
    cache_check(r.m);
    CHECK(!cache_llc_holds(r.m, 0, 16));
    CHECK(cache_llc_holds(r.m, 0, 32));
    CHECK_EQ(cache_get_totals(r.m)->ddio_io_evictions, 1);
    CHECK_EQ(cache_get_totals(r.m)->ddio_allocs, 3);
    CHECK_EQ(rd(&r, 0, 16), DL);
    CHECK_EQ(rd(&r, 0, 32), LLC);
    rig_free(&r);
}

static void test_multi_line_mlp(void)
{
    struct cache_params p = small_params();
    struct rig r = rig_make(&p);
    struct cache_cost c = cache_access(r.m, 0, 20 * 64, 192, CACHE_READ);
    CHECK_EQ(c.cycles, DL + 2 * DL / 4);
    c = cache_access(r.m, 0, 20 * 64 + 32, 64, CACHE_READ); /* lines 20, 21: L1 hits */
    CHECK_EQ(c.cycles, L1 + L1 / 4);
    c = cache_access(r.m, 0, 22 * 64 + 60, 8, CACHE_READ); /* lines 22 (hit), 23 (cold) */
    CHECK_EQ(c.cycles, DL + L1 / 4);
    c = cache_access(r.m, 1, 20 * 64, 192, CACHE_READ);
    CHECK_EQ(c.cycles, XLL + 2 * XLL / 4);
    CHECK(c.remote);
    CHECK_EQ(cache_cpu_stats(r.m, 0)->cycles, (DL + 2 * DL / 4) + (L1 + 1) + (DL + 1));
    CHECK_EQ(cache_access(r.m, 0, 0, 0, CACHE_WRITE).cycles, 0);
    cache_check(r.m);
    rig_free(&r);
}

static void test_hardware_threads(void)
{
    struct cache_params p = small_params();
    p.threads_per_core = 2; /* CPUs 0,1 core 0; 2,3 core 1 (socket 0); 4..7 socket 1 */
    struct rig r = rig_make(&p);
    CHECK_EQ(cache_ncpus(r.m), 8);
    CHECK_EQ(cache_cpu_core(r.m, 3), 1);
    CHECK_EQ(cache_cpu_socket(r.m, 5), 1);
    CHECK_EQ(rd(&r, 0, 1), DL);
    CHECK_EQ(rd(&r, 1, 1), L1); /* the sibling thread shares L1 */
    CHECK_EQ(wr(&r, 1, 1), L1); /* and the core's E line */
    CHECK_EQ(cache_line_info(r.m, 1).last_cpu, 1);
    CHECK_EQ(rd(&r, 2, 1), XLL);
    CHECK_EQ(cache_region_transfers(r.m, r.r0, 1, 2), 1);
    CHECK_EQ(wr(&r, 4, 1), XSR);
    CHECK_EQ(cache_cpu_stats(r.m, 1)->lines[CACHE_L1_HIT], 2);
    rig_free(&r);
}

static void test_reset_stats(void)
{
    struct cache_params p = small_params();
    struct rig r = rig_make(&p);
    rd(&r, 0, 3);
    rd(&r, 1, 3);
    cache_reset_stats(r.m);
    CHECK_EQ(cache_cpu_stats(r.m, 0)->cycles, 0);
    CHECK_EQ(cache_cpu_stats(r.m, 1)->lines[CACHE_XFER_LOCAL], 0);
    CHECK_EQ(cache_region_stats(r.m, r.r0)->accesses, 0);
    CHECK_EQ(cache_region_transfers(r.m, r.r0, 0, 1), 0);
    CHECK_EQ(rd(&r, 1, 3), L1); /* state survives */
    CHECK_EQ(cache_cpu_stats(r.m, 1)->touches, 1);
    rig_free(&r);
}

/* One random step on a rig; returns the price (DMA steps price 0). */
static uint64_t random_step(struct rig *r, struct rng *g, uint64_t nlines)
{
    unsigned ncpu = cache_ncpus(r->m), nsock = cache_get_params(r->m)->sockets;
    uint64_t line = rng_below(g, nlines);
    uint32_t off = (uint32_t)rng_below(g, 64), len = 1 + (uint32_t)rng_below(g, 150);
    if (line * 64 + off + len > nlines * 64)
        len = (uint32_t)(nlines * 64 - line * 64 - off);
    uint64_t k = rng_below(g, 100);
    if (k < 10) {
        cache_dma_write(r->m, line * 64 + off, len, (unsigned)rng_below(g, nsock));
        return 0;
    }
    if (k < 15) {
        cache_dma_read(r->m, line * 64 + off, len);
        return 0;
    }
    enum cache_op op = k < 60 ? CACHE_READ : k < 88 ? CACHE_WRITE : CACHE_ATOMIC;
    unsigned cpu = (unsigned)rng_below(g, ncpu);
    bool local = cache_is_local(r->m, cpu, line * 64 + off, len, op);
    struct cache_cost c = cache_access(r->m, cpu, line * 64 + off, len, op);
    CHECK(c.cycles > 0);
    if (off + len <= 64) /* the prediction is exact within one line */
        CHECK_EQ(local, !c.remote);
    return c.cycles;
}

static void randomized(bool ddio)
{
    struct cache_params p = small_params();
    p.cores_per_socket = 3;
    p.threads_per_core = 2;
    p.l1 = (struct cache_geom){2 * 2 * 64, 2, L1};
    p.l2 = (struct cache_geom){4 * 2 * 64, 2, L2};
    p.llc = (struct cache_geom){6 * 4 * 64, 4, LLC}; /* 6 sets: not a power of two */
    p.ddio = ddio;
    p.ddio_ways = 2;
    struct rig r = rig_make(&p);
    struct rng g;
    rng_init(&g, 11, ddio ? "cache-ddio" : "cache");
    uint64_t total = 0;
    for (int i = 0; i < 20000; i++) {
        total += random_step(&r, &g, 300 + 1024 * (i % 2));
        cache_check(r.m);
    }
    uint64_t cyc = 0, cpu_lines = 0, reg_lines = 0;
    for (unsigned c = 0; c < cache_ncpus(r.m); c++) {
        cyc += cache_cpu_stats(r.m, c)->cycles;
        for (int o = 0; o < CACHE_NOUTCOMES; o++)
            cpu_lines += cache_cpu_stats(r.m, c)->lines[o];
    }
    for (size_t reg = 0; reg < mem_nregions(r.a); reg++)
        reg_lines += cache_region_stats(r.m, (uint16_t)reg)->accesses;
    CHECK_EQ(cyc, total);
    CHECK_EQ(cpu_lines, reg_lines);
    CHECK(cache_get_totals(r.m)->back_invalidations > 0);
    if (ddio)
        CHECK(cache_get_totals(r.m)->ddio_io_evictions > 0);
    rig_free(&r);
}

static void test_randomized(void)
{
    randomized(false);
    randomized(true);
}

/* Two models fed the same calls give the same prices, interleaved (no shared state). */
static void test_determinism(void)
{
    struct cache_params p = small_params();
    p.ddio = true;
    struct rig a = rig_make(&p), b = rig_make(&p);
    struct rng ga, gb;
    rng_init(&ga, 5, "det");
    rng_init(&gb, 5, "det");
    int diff = 0;
    for (int i = 0; i < 5000; i++)
        diff += random_step(&a, &ga, 2048) != random_step(&b, &gb, 2048);
    CHECK_EQ(diff, 0);
    CHECK_EQ(cache_cpu_stats(a.m, 3)->cycles, cache_cpu_stats(b.m, 3)->cycles);
    rig_free(&a);
    rig_free(&b);
}

static void create_bad(void *arg)
{
    struct cache_params p = small_params();
    p.llc.size = 1000;
    cache_create(&p, arg);
}

static void access_beyond(void *arg)
{
    struct cache_params p = small_params();
    struct cache_model *m = cache_create(&p, arg);
    cache_access(m, 0, mem_used(arg), 8, CACHE_READ);
}

static void test_params_and_aborts(void)
{
    struct cache_params p;
    cache_params_default(&p);
    CHECK(cache_params_check(&p) == NULL);
    p.sockets = 0;
    CHECK(cache_params_check(&p) != NULL);
    p = small_params();
    p.l1.size = 100;
    CHECK(cache_params_check(&p) != NULL);
    p = small_params();
    p.ddio = true;
    p.ddio_ways = 5;
    CHECK(cache_params_check(&p) != NULL);
    p = small_params();
    p.mlp = 0;
    CHECK(cache_params_check(&p) != NULL);
    struct mem_arena *a = mem_create(1 << 20);
    mem_alloc(a, 4096, 0, 0);
    CHECK_EQ(check_dies_with(create_bad, a), SIGABRT);
    CHECK_EQ(check_dies_with(access_beyond, a), SIGABRT);
    CHECK(strcmp(cache_outcome_name(CACHE_XFER_REMOTE), "xfer_remote") == 0);
    mem_destroy(a);
}

/* Transfers of one line queue: the line is in flight for a transfer's price, a transfer
 * asked for meanwhile starts when it ends; hits, unclocked accesses and xfer_serial off do
 * not wait. */
static struct cache_cost acc_at(struct rig *r, unsigned cpu, uint64_t line, enum cache_op op,
                                uint64_t now)
{
    struct cache_cost c = cache_access_at(r->m, cpu, line * 64 + 8, 8, op, now);
    cache_check(r->m);
    return c;
}

static void test_transfers_queue(void)
{
    struct cache_params p = small_params();
    CHECK(p.xfer_serial); /* the default */
    struct rig r = rig_make(&p);
    CHECK_EQ(acc_at(&r, 0, 5, CACHE_WRITE, 1000).cycles, DL); /* from DRAM: no queue */
    const struct cache_region_stats *rs = cache_region_stats(r.m, r.r0);
    /* core 1 takes it at 1000 (busy to 1000 + XSL); core 2, other socket, asks at 1000 too */
    CHECK_EQ(acc_at(&r, 1, 5, CACHE_WRITE, 1000).cycles, XSL);
    CHECK_EQ(acc_at(&r, 2, 5, CACHE_WRITE, 1000).cycles, XSL + XSR);
    CHECK_EQ(rs->queued, 1);
    CHECK_EQ(rs->wait_cycles, XSL);
    CHECK_EQ(cache_cpu_stats(r.m, 2)->queued, 1);
    CHECK_EQ(cache_cpu_stats(r.m, 2)->wait_cycles, XSL);
    CHECK_EQ(cache_cpu_stats(r.m, 1)->queued, 0);
    /* a hit never waits, even while the line is busy */
    CHECK_EQ(acc_at(&r, 2, 5, CACHE_WRITE, 1001).cycles, L1);
    /* a read transfer queues too: core 3 (socket 1) at 1000 + XSL + 10 waits XSR - 10 */
    CHECK_EQ(acc_at(&r, 3, 5, CACHE_READ, 1000 + XSL + 10).cycles, XSR - 10 + XLL);
    /* after the line is idle again: no wait */
    CHECK_EQ(acc_at(&r, 0, 5, CACHE_ATOMIC, 100000).cycles, AR);
    CHECK_EQ(rs->queued, 2);
    /* many writers at one instant: the k-th waits for the k - 1 before it */
    uint64_t t = 200000, cum = 0;
    for (unsigned k = 0; k < 8; k++) {
        unsigned cpu = (k + 1) % 4; /* 1, 2, 3, 0, ...: alternately local and remote */
        struct cache_line_info li = cache_line_info(r.m, 5);
        uint64_t price = cache_cpu_socket(r.m, cpu) == cache_cpu_socket(r.m, (unsigned)li.owner)
                             ? XSL
                             : XSR;
        CHECK_EQ(acc_at(&r, cpu, 5, CACHE_WRITE, t).cycles, cum + price);
        cum += price;
    }
    /* unclocked accesses price every line as idle */
    acc_at(&r, 0, 7, CACHE_WRITE, 300000);
    CHECK_EQ(acc_at(&r, 1, 7, CACHE_WRITE, 300000).cycles, XSL);
    CHECK_EQ(wr(&r, 0, 7), XSL);
    /* two busy lines in one access: each waits, then max + rest / mlp */
    acc_at(&r, 0, 8, CACHE_WRITE, 400000);
    acc_at(&r, 0, 9, CACHE_WRITE, 400000);
    acc_at(&r, 1, 8, CACHE_WRITE, 400000); /* busy to 400000 + XSL */
    acc_at(&r, 1, 9, CACHE_WRITE, 400010); /* busy to 400010 + XSL */
    struct cache_cost c = cache_access_at(r.m, 0, 8 * 64, 128, CACHE_WRITE, 400000);
    uint64_t l8 = XSL + XSL, l9 = XSL + 10 + XSL; /* wait + price */
    CHECK_EQ(c.cycles, l9 + l8 / 4);
    CHECK(c.remote);
    rig_free(&r);

    /* xfer_serial off: the same race costs the latencies alone */
    p.xfer_serial = false;
    r = rig_make(&p);
    acc_at(&r, 0, 5, CACHE_WRITE, 1000);
    CHECK_EQ(acc_at(&r, 1, 5, CACHE_WRITE, 1000).cycles, XSL);
    CHECK_EQ(acc_at(&r, 2, 5, CACHE_WRITE, 1000).cycles, XSR);
    CHECK_EQ(cache_region_stats(r.m, r.r0)->queued, 0);
    rig_free(&r);
}

int main(void)
{
    RUN(test_cold_reads_by_home);
    RUN(test_same_socket_transfers);
    RUN(test_cross_socket_transfers);
    RUN(test_atomics);
    RUN(test_e_to_m_silently);
    RUN(test_capacity_l2_and_llc_hits);
    RUN(test_llc_back_invalidation);
    RUN(test_false_sharing);
    RUN(test_dma_invalidates);
    RUN(test_ddio);
    RUN(test_multi_line_mlp);
    RUN(test_hardware_threads);
    RUN(test_transfers_queue);
    RUN(test_reset_stats);
    RUN(test_randomized);
    RUN(test_determinism);
    RUN(test_params_and_aborts);
    return check_result();
}
