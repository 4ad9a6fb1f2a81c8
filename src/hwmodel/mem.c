/*
 * mem.c - the per-host memory arena (see mem.h for the contract and the allocator's rules).
 *
 * Layout of the state: the reservation itself (base .. base + max), the bump top, and
 * metadata kept out of band so that the simulated memory holds nothing but the objects.
 * The per-granule and per-line arrays are reserved like the arena (mmap, MAP_NORESERVE)
 * for the whole reservation, so host memory is committed only as the used range grows,
 * and they never move: the coherence model reads the line arrays through stable pointers
 * (mem_line_regions), without a call per line.
 *  - per 16-byte granule: gcls (0 = not a block start, else class + 1, bit 7 = free) and
 *    greg (the region of the block starting there; meaningful at block starts only);
 *  - per 64-byte line: lreg and lhome (what the coherence model reads) and llive (how many
 *    live blocks overlap the line, so the first allocation onto an empty line names it);
 *  - per class: a LIFO stack of free block offsets;
 *  - blocks above MEM_MAX_CLASS ("big"): an array of (offset, length) sorted by offset,
 *    because it is only ever appended at the top, and a LIFO stack of the free ones.
 */
#include "hwmodel/mem.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sim/panic.h"

#define NCLASSES 17          /* 16 B (class 0) .. 1 MiB (class 16) */
#define CLS_BIG NCLASSES     /* page-multiple blocks above 1 MiB */
#define GRAN 16u
#define GRAN_SHIFT 4
#define G_FREE 0x80u
#define G_CLS 0x7fu
#define POISON UINT32_C(0xdeadc0de) /* FreeBSD's INVARIANTS trash pattern */
#define NO_OFF UINT64_MAX

struct offstack {
    uint64_t *v;
    size_t n, cap;
};

struct big {
    uint64_t off, len;
};

struct mem_arena {
    unsigned char *base;          /* host address of paddr 0 */
    uint64_t max;                 /* bytes reserved */
    uint64_t top;                 /* bump: everything below is a block */
    uint8_t *gcls;                /* per granule (reserved for max) */
    uint16_t *greg;               /* per granule (reserved for max) */
    uint16_t *lreg;               /* per line (reserved for max) */
    uint8_t *lhome;               /* per line (reserved for max) */
    uint8_t *llive;               /* per line (reserved for max) */
    struct offstack freel[NCLASSES];
    struct big *big;              /* sorted by off */
    size_t nbig, bigcap;
    struct offstack bigfree;      /* indices into big[] */
    char **names;
    struct mem_region_stats *rstats;
    size_t nreg, regcap;
};

/* ---- small helpers ------------------------------------------------------------------ */

static unsigned cls_of(size_t size)
{
    if (size <= MEM_MIN_CLASS)
        return 0;
    return (unsigned)(64 - __builtin_clzll((unsigned long long)(size - 1))) - 4;
}

static uint64_t cls_bytes(unsigned cls) { return (uint64_t)MEM_MIN_CLASS << cls; }

static uint64_t cls_align(unsigned cls)
{
    if (cls == CLS_BIG)
        return MEM_PAGE;
    uint64_t b = cls_bytes(cls);
    return b < MEM_LINE ? b : MEM_LINE;
}

static void push(struct offstack *s, uint64_t v)
{
    xgrow((void **)&s->v, &s->cap, s->n + 1, sizeof(*s->v));
    s->v[s->n++] = v;
}

/* Reserve n zeroed bytes of host address space, committed on first touch; NULL if the
 * host refuses. */
static void *reserve(uint64_t n)
{
    void *p = mmap(NULL, (size_t)n, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void unreserve(void *p, uint64_t n)
{
    if (p)
        munmap(p, (size_t)n);
}

static void poison_fill(unsigned char *p, uint64_t n)
{
    uint32_t w = POISON;
    for (uint64_t i = 0; i < n; i += sizeof(w))
        memcpy(p + i, &w, sizeof(w));
}

static bool poison_intact(const unsigned char *p, uint64_t n)
{
    uint32_t w;
    for (uint64_t i = 0; i < n; i += sizeof(w)) {
        memcpy(&w, p + i, sizeof(w));
        if (w != POISON)
            return false;
    }
    return true;
}

/* ---- creation and regions ----------------------------------------------------------- */

struct mem_arena *mem_create(size_t max_bytes)
{
    uint64_t max = ((uint64_t)max_bytes + MEM_PAGE - 1) / MEM_PAGE * MEM_PAGE;
    if (max == 0)
        max = MEM_PAGE;
    uint64_t ng = max / GRAN, nl = max / MEM_LINE;
    struct mem_arena *a = xcalloc(1, sizeof(*a));
    a->max = max;
    a->base = reserve(max);
    a->gcls = reserve(ng * sizeof(*a->gcls));
    a->greg = reserve(ng * sizeof(*a->greg));
    a->lreg = reserve(nl * sizeof(*a->lreg));
    a->lhome = reserve(nl * sizeof(*a->lhome));
    a->llive = reserve(nl * sizeof(*a->llive));
    if (!a->base || !a->gcls || !a->greg || !a->lreg || !a->lhome || !a->llive) {
        mem_destroy(a);
        return NULL;
    }
    mem_region(a, "other");
    return a;
}

void mem_destroy(struct mem_arena *a)
{
    if (!a)
        return;
    uint64_t ng = a->max / GRAN, nl = a->max / MEM_LINE;
    unreserve(a->base, a->max);
    unreserve(a->gcls, ng * sizeof(*a->gcls));
    unreserve(a->greg, ng * sizeof(*a->greg));
    unreserve(a->lreg, nl * sizeof(*a->lreg));
    unreserve(a->lhome, nl * sizeof(*a->lhome));
    unreserve(a->llive, nl * sizeof(*a->llive));
    for (unsigned k = 0; k < NCLASSES; k++)
        free(a->freel[k].v);
    free(a->big);
    free(a->bigfree.v);
    for (size_t i = 0; i < a->nreg; i++)
        free(a->names[i]);
    free(a->names);
    free(a->rstats);
    free(a);
}

uint16_t mem_region(struct mem_arena *a, const char *name)
{
    SIM_ASSERTF(name && name[0], "mem_region: empty region name");
    for (size_t i = 0; i < a->nreg; i++)
        if (strcmp(a->names[i], name) == 0)
            return (uint16_t)i;
    SIM_ASSERTF(a->nreg < UINT16_MAX, "mem_region: more than %u regions", UINT16_MAX);
    size_t cap = a->regcap;
    xgrow((void **)&a->names, &cap, a->nreg + 1, sizeof(*a->names));
    xgrow((void **)&a->rstats, &a->regcap, a->nreg + 1, sizeof(*a->rstats));
    a->names[a->nreg] = xstrdup(name);
    a->rstats[a->nreg] = (struct mem_region_stats){0};
    return (uint16_t)a->nreg++;
}

const char *mem_region_name(const struct mem_arena *a, uint16_t id)
{
    SIM_ASSERTF(id < a->nreg, "region %u of %zu", id, a->nreg);
    return a->names[id];
}

size_t mem_nregions(const struct mem_arena *a) { return a->nreg; }

const struct mem_region_stats *mem_region_stats(const struct mem_arena *a, uint16_t id)
{
    SIM_ASSERTF(id < a->nreg, "region %u of %zu", id, a->nreg);
    return &a->rstats[id];
}

/* ---- allocation --------------------------------------------------------------------- */

/* Cut [from, to) into naturally aligned power-of-two free blocks (all gaps are multiples
 * of 16 bytes, since every block size is), largest first. */
static void carve_gap(struct mem_arena *a, uint64_t from, uint64_t to)
{
    while (from < to) {
        unsigned cls = 0;
        while (cls + 1 < NCLASSES && from % cls_bytes(cls + 1) == 0 &&
               from + cls_bytes(cls + 1) <= to)
            cls++;
        a->gcls[from >> GRAN_SHIFT] = (uint8_t)((cls + 1) | G_FREE);
        poison_fill(a->base + from, cls_bytes(cls));
        push(&a->freel[cls], from);
        from += cls_bytes(cls);
    }
}

/* Take `bytes` at the top, aligned to `align`; NO_OFF if the reservation is exhausted
 * (nothing changes then). */
static uint64_t bump(struct mem_arena *a, uint64_t bytes, uint64_t align)
{
    uint64_t off = (a->top + align - 1) / align * align;
    if (off > a->max || bytes > a->max - off)
        return NO_OFF;
    carve_gap(a, a->top, off);
    a->top = off + bytes;
    return off;
}

/* Record a new live block: granule and line metadata, region statistics. */
static void mark_used(struct mem_arena *a, uint64_t off, uint64_t bytes, unsigned cls,
                      uint16_t region, unsigned home)
{
    a->gcls[off >> GRAN_SHIFT] = (uint8_t)(cls + 1);
    a->greg[off >> GRAN_SHIFT] = region;
    uint64_t last = (off + bytes - 1) >> MEM_LINE_SHIFT;
    for (uint64_t l = off >> MEM_LINE_SHIFT; l <= last; l++) {
        if (a->llive[l] == 0) {
            a->lreg[l] = region;
            a->lhome[l] = (uint8_t)home;
        }
        SIM_ASSERTF(a->llive[l] < MEM_LINE / GRAN, "line %llu has %u live blocks",
                    (unsigned long long)l, a->llive[l]);
        a->llive[l]++;
    }
    struct mem_region_stats *s = &a->rstats[region];
    s->allocs++;
    s->bytes += bytes;
    if (s->bytes > s->peak)
        s->peak = s->bytes;
}

/* Index in big[] of the big block at `off` (binary search; it must exist). */
static size_t big_find(const struct mem_arena *a, uint64_t off)
{
    size_t lo = 0, hi = a->nbig;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a->big[mid].off < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    SIM_ASSERTF(lo < a->nbig && a->big[lo].off == off, "no big block at paddr %#llx",
                (unsigned long long)off);
    return lo;
}

/* A free big block of exactly `bytes` (most recently freed first), or NO_OFF. */
static uint64_t big_reuse(struct mem_arena *a, uint64_t bytes)
{
    struct offstack *s = &a->bigfree;
    for (size_t i = s->n; i-- > 0;) {
        const struct big *b = &a->big[s->v[i]];
        if (b->len != bytes)
            continue;
        uint64_t off = b->off;
        memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
        s->n--;
        memset(a->base + off, 0, bytes);
        return off;
    }
    return NO_OFF;
}

static uint64_t alloc_big(struct mem_arena *a, size_t size, uint64_t *bytes)
{
    *bytes = ((uint64_t)size + MEM_PAGE - 1) / MEM_PAGE * MEM_PAGE;
    uint64_t off = big_reuse(a, *bytes);
    if (off != NO_OFF)
        return off;
    off = bump(a, *bytes, MEM_PAGE);
    if (off == NO_OFF)
        return NO_OFF;
    xgrow((void **)&a->big, &a->bigcap, a->nbig + 1, sizeof(*a->big));
    a->big[a->nbig++] = (struct big){off, *bytes};
    return off;
}

static uint64_t alloc_small(struct mem_arena *a, unsigned cls)
{
    struct offstack *s = &a->freel[cls];
    if (s->n == 0)
        return bump(a, cls_bytes(cls), cls_align(cls)); /* fresh top memory is zero */
    uint64_t off = s->v[--s->n];
    memset(a->base + off, 0, cls_bytes(cls));
    return off;
}

void *mem_alloc(struct mem_arena *a, size_t size, uint16_t region, unsigned home_socket)
{
    SIM_ASSERTF(region < a->nreg, "mem_alloc: region %u not registered (%zu regions)", region,
                a->nreg);
    SIM_ASSERTF(home_socket < MEM_MAX_SOCKETS, "mem_alloc: home socket %u", home_socket);
    uint64_t off, bytes;
    unsigned cls;
    if (size > MEM_MAX_CLASS) {
        cls = CLS_BIG;
        off = alloc_big(a, size, &bytes);
    } else {
        cls = cls_of(size);
        bytes = cls_bytes(cls);
        off = alloc_small(a, cls);
    }
    if (off == NO_OFF) {
        a->rstats[region].failures++;
        return NULL;
    }
    mark_used(a, off, bytes, cls, region, home_socket);
    return a->base + off;
}

/* Offset of the live block starting at p, and its class; aborts on anything else. */
static uint64_t live_block(const struct mem_arena *a, const void *p, unsigned *cls)
{
    const unsigned char *c = p;
    SIM_ASSERTF(c >= a->base && c < a->base + a->top, "pointer %p is not in the arena", p);
    uint64_t off = (uint64_t)(c - a->base);
    uint8_t g = off % GRAN ? 0 : a->gcls[off >> GRAN_SHIFT];
    SIM_ASSERTF(g != 0 && !(g & G_FREE), "paddr %#llx is not a live block (%s)",
                (unsigned long long)off, g ? "already free" : "not a block start");
    *cls = (g & G_CLS) - 1u;
    return off;
}

static uint64_t block_bytes(const struct mem_arena *a, uint64_t off, unsigned cls)
{
    return cls == CLS_BIG ? a->big[big_find(a, off)].len : cls_bytes(cls);
}

size_t mem_block_size(const struct mem_arena *a, const void *p)
{
    unsigned cls;
    uint64_t off = live_block(a, p, &cls);
    return (size_t)block_bytes(a, off, cls);
}

void mem_free(struct mem_arena *a, void *p)
{
    if (!p)
        return;
    unsigned cls;
    uint64_t off = live_block(a, p, &cls);
    uint64_t bytes = block_bytes(a, off, cls);
    uint64_t last = (off + bytes - 1) >> MEM_LINE_SHIFT;
    for (uint64_t l = off >> MEM_LINE_SHIFT; l <= last; l++) {
        SIM_ASSERTF(a->llive[l] > 0, "line %llu has no live block", (unsigned long long)l);
        a->llive[l]--;
    }
    struct mem_region_stats *s = &a->rstats[a->greg[off >> GRAN_SHIFT]];
    s->frees++;
    s->bytes -= bytes;
    poison_fill(a->base + off, bytes);
    a->gcls[off >> GRAN_SHIFT] |= G_FREE;
    if (cls == CLS_BIG)
        push(&a->bigfree, big_find(a, off));
    else
        push(&a->freel[cls], off);
}

/* ---- addresses and per-line metadata ------------------------------------------------ */

uint64_t mem_paddr(const struct mem_arena *a, const void *p)
{
    const unsigned char *c = p;
    SIM_ASSERTF(c >= a->base && c <= a->base + a->top,
                "pointer %p is outside the arena's used range", p);
    return (uint64_t)(c - a->base);
}

void *mem_vaddr(const struct mem_arena *a, uint64_t paddr)
{
    SIM_ASSERTF(paddr <= a->max, "paddr %#llx beyond the arena's %llu bytes",
                (unsigned long long)paddr, (unsigned long long)a->max);
    return a->base + paddr;
}

bool mem_contains(const struct mem_arena *a, const void *p)
{
    const unsigned char *c = p;
    return c >= a->base && c < a->base + a->top;
}

uint64_t mem_used(const struct mem_arena *a) { return a->top; }

uint64_t mem_lines(const struct mem_arena *a)
{
    return (a->top + MEM_LINE - 1) >> MEM_LINE_SHIFT;
}

uint16_t mem_line_region(const struct mem_arena *a, uint64_t line)
{
    SIM_ASSERTF(line < mem_lines(a), "line %llu beyond the used range",
                (unsigned long long)line);
    return a->lreg[line];
}

unsigned mem_line_home(const struct mem_arena *a, uint64_t line)
{
    SIM_ASSERTF(line < mem_lines(a), "line %llu beyond the used range",
                (unsigned long long)line);
    return a->lhome[line];
}

const uint16_t *mem_line_regions(const struct mem_arena *a) { return a->lreg; }
const uint8_t *mem_line_homes(const struct mem_arena *a) { return a->lhome; }

/* ---- invariant walker --------------------------------------------------------------- */

struct walk {
    uint64_t *bytes;  /* per region: live bytes found */
    uint64_t *blocks; /* per region: live blocks found */
    uint8_t *live;    /* per line: live blocks found */
    size_t nfree;     /* free blocks found, small classes */
    size_t nbigfree;  /* free big blocks found */
};

/* Check one block at off; returns its size. */
static uint64_t check_block(const struct mem_arena *a, uint64_t off, struct walk *w)
{
    uint8_t g = a->gcls[off >> GRAN_SHIFT];
    SIM_ASSERTF(g != 0, "paddr %#llx: used range has a hole", (unsigned long long)off);
    unsigned cls = (g & G_CLS) - 1u;
    SIM_ASSERTF(cls <= CLS_BIG, "paddr %#llx: bad class byte %#x", (unsigned long long)off, g);
    uint64_t bytes = block_bytes(a, off, cls);
    SIM_ASSERTF(off % cls_align(cls) == 0 && off + bytes <= a->top,
                "paddr %#llx: block of %llu bytes misaligned or past the top",
                (unsigned long long)off, (unsigned long long)bytes);
    for (uint64_t gi = (off >> GRAN_SHIFT) + 1; gi < (off + bytes) >> GRAN_SHIFT; gi++)
        SIM_ASSERTF(a->gcls[gi] == 0, "paddr %#llx: block start inside the block at %#llx",
                    (unsigned long long)(gi << GRAN_SHIFT), (unsigned long long)off);
    if (g & G_FREE) {
        SIM_ASSERTF(poison_intact(a->base + off, bytes),
                    "paddr %#llx: free block of %llu bytes written after free",
                    (unsigned long long)off, (unsigned long long)bytes);
        if (cls == CLS_BIG)
            w->nbigfree++;
        else
            w->nfree++;
        return bytes;
    }
    uint16_t r = a->greg[off >> GRAN_SHIFT];
    SIM_ASSERTF(r < a->nreg, "paddr %#llx: region %u", (unsigned long long)off, r);
    w->bytes[r] += bytes;
    w->blocks[r]++;
    for (uint64_t l = off >> MEM_LINE_SHIFT; l <= (off + bytes - 1) >> MEM_LINE_SHIFT; l++)
        w->live[l]++;
    return bytes;
}

/* Each free-list entry names a distinct free block of its class. */
static void check_free_lists(const struct mem_arena *a, const struct walk *w)
{
    uint8_t *seen = xcalloc((size_t)(a->top >> GRAN_SHIFT) + 1, 1);
    size_t n = 0;
    for (unsigned k = 0; k < NCLASSES; k++)
        for (size_t i = 0; i < a->freel[k].n; i++) {
            uint64_t off = a->freel[k].v[i];
            SIM_ASSERTF(off < a->top && off % GRAN == 0 &&
                            a->gcls[off >> GRAN_SHIFT] == ((k + 1) | G_FREE),
                        "free list %u entry %zu: paddr %#llx is not a free block of that class",
                        k, i, (unsigned long long)off);
            SIM_ASSERTF(!seen[off >> GRAN_SHIFT], "paddr %#llx twice on the free lists",
                        (unsigned long long)off);
            seen[off >> GRAN_SHIFT] = 1;
            n++;
        }
    SIM_ASSERTF(n == w->nfree, "%zu free blocks in the arena, %zu on the free lists",
                w->nfree, n);
    for (size_t i = 0; i < a->bigfree.n; i++) {
        uint64_t bi = a->bigfree.v[i];
        SIM_ASSERTF(bi < a->nbig, "big free entry %zu: index %llu", i, (unsigned long long)bi);
        uint64_t off = a->big[bi].off;
        SIM_ASSERTF(a->gcls[off >> GRAN_SHIFT] == ((CLS_BIG + 1) | G_FREE) &&
                        !seen[off >> GRAN_SHIFT],
                    "big free entry %zu: paddr %#llx not free or listed twice", i,
                    (unsigned long long)off);
        seen[off >> GRAN_SHIFT] = 1;
    }
    SIM_ASSERTF(a->bigfree.n == w->nbigfree, "%zu free big blocks, %zu listed", w->nbigfree,
                a->bigfree.n);
    free(seen);
}

static void check_counts(const struct mem_arena *a, const struct walk *w)
{
    for (size_t r = 0; r < a->nreg; r++) {
        const struct mem_region_stats *s = &a->rstats[r];
        SIM_ASSERTF(s->bytes == w->bytes[r] && s->allocs - s->frees == w->blocks[r] &&
                        s->peak >= s->bytes,
                    "region %s: stats say %llu bytes in %llu blocks, found %llu in %llu",
                    a->names[r], (unsigned long long)s->bytes,
                    (unsigned long long)(s->allocs - s->frees),
                    (unsigned long long)w->bytes[r], (unsigned long long)w->blocks[r]);
    }
    for (uint64_t l = 0; l < mem_lines(a); l++)
        SIM_ASSERTF(a->llive[l] == w->live[l] && a->lreg[l] < a->nreg,
                    "line %llu: %u live blocks recorded, %u found; region %u",
                    (unsigned long long)l, a->llive[l], w->live[l], a->lreg[l]);
    for (size_t i = 1; i < a->nbig; i++)
        SIM_ASSERTF(a->big[i - 1].off + a->big[i - 1].len <= a->big[i].off,
                    "big blocks %zu and %zu out of order", i - 1, i);
}

void mem_check(const struct mem_arena *a)
{
    struct walk w = {
        .bytes = xcalloc(a->nreg, sizeof(uint64_t)),
        .blocks = xcalloc(a->nreg, sizeof(uint64_t)),
        .live = xcalloc((size_t)mem_lines(a) + 1, 1),
    };
    uint64_t off = 0;
    while (off < a->top)
        off += check_block(a, off, &w);
    SIM_ASSERTF(off == a->top, "blocks end at %#llx, top is %#llx", (unsigned long long)off,
                (unsigned long long)a->top);
    check_free_lists(a, &w);
    check_counts(a, &w);
    free(w.bytes);
    free(w.blocks);
    free(w.live);
}
