/*
 * test_mem.c - the per-host memory arena (src/hwmodel/mem.h).
 *
 * Pins down: addresses are a pure function of the call sequence (two arenas, same calls,
 * same paddrs); size classes and their alignment (16-byte objects share lines, 64 bytes
 * and up start on a line, above 1 MiB whole pages); alignment gaps are reused; LIFO
 * reuse of freed blocks, zeroed on reuse; per-line region and home metadata, including
 * the "first live object names the line" rule; exhaustion returns NULL and counts a
 * failure; region statistics; mem_check after random work, and that it (or mem_free)
 * aborts on a double free, a bad pointer and a write after free.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "hwmodel/mem.h"
#include "rng.h"

static uint64_t pa(const struct mem_arena *a, const void *p) { return mem_paddr(a, p); }

static void test_regions(void)
{
    struct mem_arena *a = mem_create(1 << 20);
    CHECK(a != NULL);
    CHECK_EQ(mem_nregions(a), 1);
    CHECK(strcmp(mem_region_name(a, MEM_REGION_OTHER), "other") == 0);
    uint16_t mb = mem_region(a, "mbuf");
    uint16_t st = mem_region(a, "ifnet.stats");
    CHECK_EQ(mb, 1);
    CHECK_EQ(st, 2);
    CHECK_EQ(mem_region(a, "mbuf"), 1);
    CHECK_EQ(mem_nregions(a), 3);
    CHECK(strcmp(mem_region_name(a, st), "ifnet.stats") == 0);
    mem_destroy(a);
}

static void test_classes_and_alignment(void)
{
    struct mem_arena *a = mem_create(8 << 20);
    void *p16 = mem_alloc(a, 10, 0, 0);
    void *q16 = mem_alloc(a, 16, 0, 0);
    CHECK_EQ(pa(a, p16), 0);
    CHECK_EQ(pa(a, q16), 16); /* two small objects share line 0 */
    CHECK_EQ(mem_block_size(a, p16), 16);
    void *p64 = mem_alloc(a, 33, 0, 0); /* class 64: starts on a line */
    CHECK_EQ(pa(a, p64), 64);
    CHECK_EQ(mem_block_size(a, p64), 64);
    void *p32 = mem_alloc(a, 17, 0, 0); /* the gap [32, 64) was cut into a 32-byte block */
    CHECK_EQ(pa(a, p32), 32);
    void *p100 = mem_alloc(a, 100, 0, 0);
    CHECK_EQ(pa(a, p100), 128);
    CHECK_EQ(mem_block_size(a, p100), 128);
    void *p2k = mem_alloc(a, 2000, 0, 0); /* 2 KiB class, aligned to 64 only */
    CHECK_EQ(pa(a, p2k), 256);
    CHECK_EQ(mem_block_size(a, p2k), 2048);
    void *big = mem_alloc(a, (1 << 20) + 1, 0, 0); /* above 1 MiB: whole pages */
    CHECK_EQ(pa(a, big) % MEM_PAGE, 0);
    CHECK_EQ(mem_block_size(a, big), (1 << 20) + MEM_PAGE);
    void *mib = mem_alloc(a, 1 << 20, 0, 0);
    CHECK_EQ(mem_block_size(a, mib), 1 << 20);
    CHECK_EQ(pa(a, mib) % 64, 0);
    /* host addresses keep the simulated alignment (the reservation is page aligned) */
    CHECK_EQ((uintptr_t)p64 % 64, 0);
    CHECK(mem_vaddr(a, pa(a, p2k)) == p2k);
    CHECK(mem_contains(a, p2k));
    CHECK(!mem_contains(a, (char *)mem_vaddr(a, 0) + mem_used(a)));
    CHECK_EQ(mem_lines(a), (mem_used(a) + 63) / 64);
    mem_check(a);
    mem_destroy(a);
}

static void test_free_reuse_zeroed(void)
{
    struct mem_arena *a = mem_create(8 << 20);
    char *x = mem_alloc(a, 200, 0, 0);
    char *y = mem_alloc(a, 200, 0, 0);
    for (int i = 0; i < 200; i++)
        x[i] = y[i] = (char)0x77;
    uint64_t px = pa(a, x), py = pa(a, y);
    mem_free(a, x);
    mem_free(a, y);
    mem_check(a);
    char *r1 = mem_alloc(a, 256, 0, 0); /* LIFO: the last freed comes back first */
    char *r2 = mem_alloc(a, 129, 0, 0);
    CHECK_EQ(pa(a, r1), py);
    CHECK_EQ(pa(a, r2), px);
    int nonzero = 0;
    for (int i = 0; i < 256; i++)
        nonzero += r1[i] != 0 || r2[i] != 0;
    CHECK_EQ(nonzero, 0);
    uint64_t top = mem_used(a);
    mem_free(a, r1);
    CHECK(mem_alloc(a, 256, 0, 0) != NULL);
    CHECK_EQ(mem_used(a), top); /* reuse does not grow the used range */
    mem_free(a, NULL);          /* ignored */
    /* big blocks come back by exact size */
    void *b1 = mem_alloc(a, 3 << 19, 0, 0);
    uint64_t pb1 = pa(a, b1);
    mem_free(a, b1);
    CHECK_EQ(pa(a, mem_alloc(a, 3 << 19, 0, 0)), pb1);
    mem_check(a);
    mem_destroy(a);
}

static void test_line_metadata(void)
{
    struct mem_arena *a = mem_create(1 << 20);
    uint16_t ra = mem_region(a, "a"), rb = mem_region(a, "b"), rc = mem_region(a, "c");
    void *s1 = mem_alloc(a, 16, ra, 1); /* line 0 */
    void *s2 = mem_alloc(a, 16, rb, 0); /* line 0 too: the line keeps region a, home 1 */
    CHECK_EQ(mem_line_region(a, 0), ra);
    CHECK_EQ(mem_line_home(a, 0), 1);
    void *m = mem_alloc(a, 256, rc, 1); /* lines 1 to 4 */
    CHECK_EQ(pa(a, m), 64);
    for (uint64_t l = 1; l <= 4; l++) {
        CHECK_EQ(mem_line_region(a, l), rc);
        CHECK_EQ(mem_line_home(a, l), 1);
    }
    mem_free(a, s1);
    CHECK_EQ(mem_line_region(a, 0), ra); /* b still lives there; the name stays */
    mem_free(a, s2);
    void *s3 = mem_alloc(a, 16, rc, 0); /* the line had no live object: c names it now */
    CHECK_EQ(pa(a, s3), pa(a, s2));
    CHECK_EQ(mem_line_region(a, 0), rc);
    CHECK_EQ(mem_line_home(a, 0), 0);
    mem_check(a);
    mem_destroy(a);
}

static void test_exhaustion(void)
{
    struct mem_arena *a = mem_create(64 << 10);
    uint16_t r = mem_region(a, "pool");
    int n = 0;
    while (mem_alloc(a, 2048, r, 0))
        n++;
    CHECK_EQ(n, 32);
    const struct mem_region_stats *s = mem_region_stats(a, r);
    CHECK_EQ(s->failures, 1);
    CHECK_EQ(s->allocs, 32);
    CHECK_EQ(s->bytes, 64 << 10);
    CHECK_EQ(s->peak, 64 << 10);
    CHECK(mem_alloc(a, 1 << 21, r, 0) == NULL);
    CHECK(mem_alloc(a, 16, r, 0) == NULL);
    CHECK_EQ(s->failures, 3);
    CHECK_EQ(mem_region_stats(a, 0)->failures, 0);
    mem_check(a);
    mem_destroy(a);
}

static void test_stats(void)
{
    struct mem_arena *a = mem_create(1 << 20);
    uint16_t r = mem_region(a, "x");
    void *p = mem_alloc(a, 100, r, 0);
    void *q = mem_alloc(a, 20, r, 0);
    const struct mem_region_stats *s = mem_region_stats(a, r);
    CHECK_EQ(s->bytes, 128 + 32);
    mem_free(a, p);
    CHECK_EQ(s->bytes, 32);
    CHECK_EQ(s->peak, 160);
    CHECK_EQ(s->allocs, 2);
    CHECK_EQ(s->frees, 1);
    mem_free(a, q);
    CHECK_EQ(s->bytes, 0);
    mem_check(a);
    mem_destroy(a);
}

/* A random sequence of allocations and frees, replayed identically on arena `a`. */
static void random_work(struct mem_arena *a, uint64_t *paddrs, size_t steps, bool check)
{
    struct rng g;
    rng_init(&g, 7, "mem");
    void *live[64] = {0};
    uint16_t regs[3] = {mem_region(a, "r1"), mem_region(a, "r2"), mem_region(a, "r3")};
    for (size_t i = 0; i < steps; i++) {
        size_t k = (size_t)rng_below(&g, 64);
        if (live[k]) {
            mem_free(a, live[k]);
            live[k] = NULL;
            paddrs[i] = UINT64_MAX;
        } else {
            size_t sz = 1 + (size_t)rng_below(&g, rng_below(&g, 8) ? 600 : 20000);
            if (rng_below(&g, 200) == 0)
                sz = (1 << 20) + (size_t)rng_below(&g, 3) * MEM_PAGE;
            live[k] = mem_alloc(a, sz, regs[rng_below(&g, 3)], (unsigned)rng_below(&g, 2));
            memset(live[k], 0xab, sz); /* the caller owns all sz bytes */
            paddrs[i] = mem_paddr(a, live[k]);
        }
        if (check && i % 50 == 0)
            mem_check(a);
    }
    mem_check(a);
}

static void test_determinism(void)
{
    enum { STEPS = 3000 };
    uint64_t *p1 = calloc(STEPS, sizeof(*p1)), *p2 = calloc(STEPS, sizeof(*p2));
    struct mem_arena *a = mem_create(256 << 20);
    struct mem_arena *b = mem_create(256 << 20);
    random_work(a, p1, STEPS, true);
    random_work(b, p2, STEPS, false);
    CHECK(mem_vaddr(a, 0) != mem_vaddr(b, 0));
    int diff = 0;
    for (size_t i = 0; i < STEPS; i++)
        diff += p1[i] != p2[i];
    CHECK_EQ(diff, 0);
    CHECK_EQ(mem_used(a), mem_used(b));
    for (uint64_t l = 0; l < mem_lines(a); l++)
        diff += mem_line_region(a, l) != mem_line_region(b, l) ||
                mem_line_home(a, l) != mem_line_home(b, l);
    CHECK_EQ(diff, 0);
    mem_destroy(a);
    mem_destroy(b);
    free(p1);
    free(p2);
}

static void double_free(void *arg)
{
    (void)arg;
    struct mem_arena *a = mem_create(1 << 20);
    void *p = mem_alloc(a, 64, 0, 0);
    mem_free(a, p);
    mem_free(a, p);
}

static void interior_free(void *arg)
{
    (void)arg;
    struct mem_arena *a = mem_create(1 << 20);
    char *p = mem_alloc(a, 64, 0, 0);
    mem_free(a, p + 16);
}

static void write_after_free(void *arg)
{
    (void)arg;
    struct mem_arena *a = mem_create(1 << 20);
    char *p = mem_alloc(a, 64, 0, 0);
    mem_alloc(a, 64, 0, 0);
    mem_free(a, p);
    p[5] = 1;
    mem_check(a);
}

static void bad_region(void *arg)
{
    (void)arg;
    struct mem_arena *a = mem_create(1 << 20);
    mem_alloc(a, 64, 9, 0);
}

static void test_impossible_states_abort(void)
{
    CHECK_EQ(check_dies_with(double_free, NULL), SIGABRT);
    CHECK_EQ(check_dies_with(interior_free, NULL), SIGABRT);
    CHECK_EQ(check_dies_with(write_after_free, NULL), SIGABRT);
    CHECK_EQ(check_dies_with(bad_region, NULL), SIGABRT);
}

int main(void)
{
    RUN(test_regions);
    RUN(test_classes_and_alignment);
    RUN(test_free_reuse_zeroed);
    RUN(test_line_metadata);
    RUN(test_exhaustion);
    RUN(test_stats);
    RUN(test_determinism);
    RUN(test_impossible_states_abort);
    return check_result();
}
