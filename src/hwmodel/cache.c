/*
 * cache.c - the coherence model (rules and prices: cache.h).
 *
 * Representation, chosen for speed (bench/bench_cache.c; numbers in docs/performance.md):
 *  - a cache is an array of sets; a set is a circular buffer of uint32 line numbers in LRU
 *    order (MRU at a per-set head, EMPTY entries at the LRU end), so a fill is O(1) and a
 *    hit moves only the entries in front of it. An LLC entry may carry TAG_IO: it sits in
 *    one of the ways DDIO allocated (Intel DDIO's way limit).
 *  - the directory is an array indexed by line number, 16 bytes per line, grown to
 *    mem_lines() as the arena grows. A core's private presence is its sharer bit, so a
 *    private miss scans neither L1 nor L2, and the LLC presence is a bit too: sets are
 *    scanned only to update LRU order or to remove a line.
 *  - one-line L1 hits with enough permission take an inline fast path (l1_fast); all the
 *    rest goes through access_lines, which first prefetches (on the host) the directory
 *    entries and the LLC set a miss will need, so those host-cache misses overlap.
 *  - no allocation per access; statistics are plain counters; the line -> region and
 *    line -> home arrays are read directly from the arena (stable pointers).
 * Measured (bench_cache): an L1 hit 8 ns (first version, with sets kept in MRU order by
 * memmove and scanned one way per branch: 14 ns); a random line of 10^5 (L2 miss, LLC
 * hit) 58 ns (first version 60 ns; about 520 host instructions per touch, was 625). The
 * random case is bound by instructions and host-cache misses, see bench_cache.c.
 */
#include "hwmodel/cache.h"

#include <stdlib.h>
#include <string.h>

#include "sim/panic.h"

#define EMPTY UINT32_MAX
#define TAG_IO UINT32_C(0x80000000)
#define TAG_LINE UINT32_C(0x7fffffff)
#define MAX_LINES TAG_LINE /* EMPTY & TAG_LINE must never be a line number */

enum { ST_I = CACHE_MESI_I, ST_S = CACHE_MESI_S, ST_E = CACHE_MESI_E, ST_M = CACHE_MESI_M };

struct level {
    uint32_t *tags;  /* nsets rows of `stride` slots; each set a circular buffer of `ways`
                        slots (see "sets" below), the rest of the row stays EMPTY */
    uint8_t *heads;  /* per set: physical slot of the MRU entry */
    uint32_t nsets, ways;
    uint32_t stride; /* ways rounded up to a multiple of 4, for set_find */
    uint32_t mask;   /* nsets - 1 when nsets is a power of two */
    uint64_t fm;     /* else Lemire's fastmod constant for nsets */
};

struct dirent {
    uint64_t sharers; /* cores holding the line in L1/L2 */
    uint16_t owner;   /* core, valid in E and M */
    uint16_t last;    /* last CPU that held it E/M, plus one; 0 = none */
    uint8_t state;
    uint8_t llc;      /* sockets whose LLC holds it */
};

struct regstat {
    struct cache_region_stats s;
    uint64_t *xfer;   /* ncpus x ncpus, [from * ncpus + to], allocated on first transfer */
};

struct cache_model {
    struct cache_params p;            /* [I] */
    const struct mem_arena *arena;    /* [I] */
    const uint16_t *lreg;             /* [I] the arena's line -> region array (stable) */
    const uint8_t *lhome;             /* [I] the arena's line -> home socket array */
    unsigned ncpus, ncores;           /* [I] */
    uint64_t *socket_cores;           /* [I] per socket: mask of its cores */
    uint8_t *cpu_core, *cpu_socket;   /* [I] per CPU (no division per access) */
    struct level *l1, *l2;            /* per core */
    struct level *llc;                /* per socket */
    struct dirent *dir;
    size_t ndir;                      /* lines the directory covers (<= dircap) */
    size_t dircap;
    struct cache_cpu_stats *cpu;      /* per CPU */
    struct regstat *reg;
    size_t nreg;
    struct cache_totals tot;
};

/* Result of one line: its price and outcome. */
struct lres {
    uint32_t cycles;
    uint8_t outcome;
};

static const char *const outcome_names[CACHE_NOUTCOMES] = {
    "l1_hit", "l2_hit", "llc_hit", "xfer_local", "xfer_remote", "dram_local", "dram_remote",
};

static const struct cache_region_stats zero_region_stats;

/* ---- parameters --------------------------------------------------------------------- */

void cache_params_default(struct cache_params *p)
{
    *p = (struct cache_params){
        .sockets = 2,
        .cores_per_socket = 8,
        .threads_per_core = 1,
        /* Geometry of a Xeon E5-2600 (Sandy Bridge-EP, 8 cores): 32 KiB L1D and 256 KiB
         * L2 per core, 20 MiB LLC per socket (tecchannel.de, "Intel Xeon E5-2600 Serie im
         * Test"); 8/8/20 ways from Intel's documentation, not rechecked here. Latencies:
         * SOSP'13 Table 2 for its Xeon, 5/11/44/355 cycles (hardware.md section 5; recheck
         * L1, 5 vs 3). */
        .l1 = {32u << 10, 8, 5},
        .l2 = {256u << 10, 8, 11},
        .llc = {20u << 20, 20, 44},
        /* SOSP'13 Table 3 (Xeon): Modified line in another core, same socket: load 109,
         * store 115, CAS 120; another socket, one hop: 289 / 320 / 324 (hardware.md 5). */
        .xfer_load_local = 109,
        .xfer_store_local = 115,
        .xfer_load_remote = 289,
        .xfer_store_remote = 320,
        .atomic_local = 120,
        .atomic_remote = 324,
        /* Unconfirmed starting guess (no source in hardware.md): a locked RMW on an owned
         * line costs a few tens of cycles on Intel cores. Calibrate. */
        .atomic_base = 20,
        .dram_local = 355,
        /* Unconfirmed: 355 scaled by Nehalem's remote/local DRAM ratio, 100 ns / 60 ns
         * (hardware.md section 5, Levinthal's guide). Calibrate. */
        .dram_remote = 590,
        /* Calibration knob. 10 = the L1 miss buffers of an Intel core (line fill buffers);
         * not rechecked here. */
        .mlp = 10,
        /* DDIO exists on every Xeon E5 (dankwiki "DDIO"); MSR 0xc8b selects its LLC ways,
         * 2 by default per Farshin et al., USENIX ATC 2020 (from memory, unconfirmed). */
        .ddio = true,
        .ddio_ways = 2,
    };
}

static bool geom_ok(const struct cache_geom *g)
{
    return g->ways >= 1 && g->ways <= 64 && g->size > 0 && g->size % (g->ways * CACHE_LINE) == 0;
}

const char *cache_params_check(const struct cache_params *p)
{
    if (p->sockets < 1 || p->sockets > CACHE_MAX_SOCKETS)
        return "sockets must be 1 to 8";
    if (p->cores_per_socket < 1 || p->sockets * p->cores_per_socket > CACHE_MAX_CORES)
        return "cores_per_socket must be >= 1, with at most 64 cores in all";
    if (p->threads_per_core < 1 || p->threads_per_core > CACHE_MAX_THREADS)
        return "threads_per_core must be 1 to 8";
    if (!geom_ok(&p->l1))
        return "l1: size must be a positive multiple of ways x 64 bytes, ways 1 to 64";
    if (!geom_ok(&p->l2))
        return "l2: size must be a positive multiple of ways x 64 bytes, ways 1 to 64";
    if (!geom_ok(&p->llc))
        return "llc: size must be a positive multiple of ways x 64 bytes, ways 1 to 64";
    if (p->mlp < 1)
        return "mlp must be >= 1";
    if (p->ddio && (p->ddio_ways < 1 || p->ddio_ways > p->llc.ways))
        return "ddio_ways must be 1 to llc.ways when ddio is on";
    return NULL;
}

/* ---- sets ------------------------------------------------------------------------- */

static void level_init(struct level *l, const struct cache_geom *g)
{
    l->ways = g->ways;
    l->nsets = g->size / (g->ways * CACHE_LINE);
    bool pow2 = (l->nsets & (l->nsets - 1)) == 0;
    l->mask = pow2 ? l->nsets - 1 : 0;
    /* Lemire, Kaser, Kurz, "Faster remainder by direct computation", SPE 2019. */
    l->fm = pow2 ? 0 : UINT64_MAX / l->nsets + 1;
    l->stride = (l->ways + 3) & ~3u;
    size_t n = (size_t)l->nsets * l->stride;
    l->tags = xmalloc(n * sizeof(*l->tags));
    memset(l->tags, 0xff, n * sizeof(*l->tags)); /* EMPTY */
    l->heads = xcalloc(l->nsets, sizeof(*l->heads));
}

static void level_fini(struct level *l)
{
    free(l->tags);
    free(l->heads);
}

static inline uint32_t set_index(const struct level *l, uint32_t line)
{
    if (l->fm == 0)
        return line & l->mask;
    uint64_t low = l->fm * line;
    return (uint32_t)(((unsigned __int128)low * l->nsets) >> 64);
}

static inline uint32_t *row_of(const struct level *l, uint32_t si)
{
    return l->tags + (size_t)si * l->stride;
}

/* Physical row of the set that line maps to (membership does not depend on order). */
static inline uint32_t *set_of(const struct level *l, uint32_t line)
{
    return row_of(l, set_index(l, line));
}

/* Four tags at once: GCC and Clang vector extensions, which become SSE2 on x86-64 and
 * NEON on AArch64 without intrinsics. */
typedef uint32_t tag4 __attribute__((vector_size(16)));

/* Physical slot of line in row s (stride slots, a multiple of 4), or -1, comparing four
 * slots per step from the group that holds slot `from`, wrapping around. EMPTY & TAG_LINE
 * is never a line number. (One branch per way made the scans the largest item of
 * bench_cache's instruction count, callgrind.) */
static inline int set_find(const uint32_t *s, uint32_t stride, uint32_t from, uint32_t line)
{
    const tag4 key = {line, line, line, line};
    const tag4 mask = {TAG_LINE, TAG_LINE, TAG_LINE, TAG_LINE};
    uint32_t i = from & ~3u;
    for (uint32_t n = 0; n < stride; n += 4) {
        tag4 v;
        memcpy(&v, s + i, sizeof(v));
        tag4 eq = (tag4)((v & mask) == key); /* lanes all ones where equal */
        uint64_t lo, hi;
        memcpy(&lo, &eq, sizeof(lo));
        memcpy(&hi, (const char *)&eq + sizeof(lo), sizeof(hi));
        if (lo | hi)
            return (int)i + (lo ? __builtin_ctzll(lo) : 64 + __builtin_ctzll(hi)) / 32;
        i = i + 4 == stride ? 0 : i + 4;
    }
    return -1;
}

/*
 * Sets. A set is a circular buffer of `ways` tags in LRU order: logical position 0 (MRU)
 * is physical slot *head, position j is slot (head + j) mod ways, and EMPTY entries sit
 * at the LRU end. Inserting at the MRU end steps head back one slot, which is exactly
 * the LRU entry (the victim) or an EMPTY one: O(1), where an array kept in MRU order
 * shifted every entry on each fill (the largest item of bench_cache's profile). A hit
 * shifts only the entries in front of it; hits cluster near the MRU end.
 */
struct cset {
    uint32_t *t;   /* physical row */
    uint8_t *head;
    uint32_t w;    /* ways */
    uint32_t stride;
};

static inline struct cset set_at(const struct level *l, uint32_t si)
{
    return (struct cset){row_of(l, si), l->heads + si, l->ways, l->stride};
}

static inline struct cset set_get(const struct level *l, uint32_t line)
{
    return set_at(l, set_index(l, line));
}

static inline unsigned slot_prev(unsigned p, unsigned w) { return p == 0 ? w - 1 : p - 1; }
static inline unsigned slot_next(unsigned p, unsigned w) { return p + 1 == w ? 0 : p + 1; }

/* Physical slot of logical position j. */
static inline unsigned set_slot(struct cset c, unsigned j)
{
    unsigned p = *c.head + j;
    return p >= c.w ? p - c.w : p;
}

/* Move the entry in slot p to the MRU position. */
static inline void set_to_front(struct cset c, unsigned p)
{
    unsigned h = *c.head;
    if (p == h)
        return;
    uint32_t v = c.t[p];
    if (p == slot_prev(h, c.w)) { /* the LRU entry: rotate */
        *c.head = (uint8_t)p;
        return;
    }
    for (unsigned q = p; q != h;) {
        unsigned r = slot_prev(q, c.w);
        c.t[q] = c.t[r];
        q = r;
    }
    c.t[h] = v;
}

/* Put tag at the MRU position; returns the entry that fell off the LRU end (maybe EMPTY). */
static inline uint32_t set_insert(struct cset c, uint32_t tag)
{
    unsigned h = slot_prev(*c.head, c.w);
    uint32_t victim = c.t[h];
    c.t[h] = tag;
    *c.head = (uint8_t)h;
    return victim;
}

/* Remove the entry in slot p; the entries behind it move up, an EMPTY goes to the end. */
static inline void set_delete(struct cset c, unsigned p)
{
    unsigned tail = slot_prev(*c.head, c.w);
    for (unsigned q = p; q != tail;) {
        unsigned r = slot_next(q, c.w);
        c.t[q] = c.t[r];
        q = r;
    }
    c.t[tail] = EMPTY;
}

/* Slot of line in set c, or -1. The scan starts at the head's group: the MRU entries
 * (where hits cluster, and all entries of a partly filled set) come first. */
static inline int cset_find(struct cset c, uint32_t line)
{
    return set_find(c.t, c.stride, *c.head, line);
}

/* Move line to the front if present; returns whether it was. */
static inline bool level_touch(struct level *l, uint32_t line)
{
    struct cset c = set_get(l, line);
    int p = cset_find(c, line);
    if (p < 0)
        return false;
    set_to_front(c, (unsigned)p);
    return true;
}

static bool level_remove(struct level *l, uint32_t line)
{
    struct cset c = set_get(l, line);
    int p = cset_find(c, line);
    if (p < 0)
        return false;
    set_delete(c, (unsigned)p);
    return true;
}

/* Line at the LRU end of line's set in l (the next victim), maybe EMPTY. */
static inline uint32_t level_lru(const struct level *l, uint32_t line)
{
    struct cset c = set_get(l, line);
    return c.t[slot_prev(*c.head, c.w)];
}

/* ---- topology and directory growth -------------------------------------------------- */

static inline uint64_t bit(unsigned i) { return UINT64_C(1) << i; }

static inline unsigned core_socket(const struct cache_model *m, unsigned core)
{
    return core / m->p.cores_per_socket;
}

/* Make the directory cover line `last` (which must be in the arena's used range). */
static void dir_cover(struct cache_model *m, uint64_t last)
{
    uint64_t n = mem_lines(m->arena);
    SIM_ASSERTF(last < n, "cache access to line %llu beyond the arena's %llu lines",
                (unsigned long long)last, (unsigned long long)n);
    SIM_ASSERTF(n <= MAX_LINES, "arena of %llu lines exceeds the model's limit",
                (unsigned long long)n);
    if (n > m->dircap) {
        size_t cap = m->dircap ? m->dircap : 4096;
        while (cap < n)
            cap *= 2;
        m->dir = xrealloc(m->dir, cap * sizeof(*m->dir));
        memset(m->dir + m->dircap, 0, (cap - m->dircap) * sizeof(*m->dir));
        m->dircap = cap;
    }
    m->ndir = (size_t)n;
}

/* ---- statistics helpers --------------------------------------------------------------- */

/* Regions may be registered after the model is built: grow on first sight. */
static struct regstat *regstat_grow(struct cache_model *m, uint16_t r)
{
    size_t n = (size_t)r + 1;
    m->reg = xrealloc(m->reg, n * sizeof(*m->reg));
    memset(m->reg + m->nreg, 0, (n - m->nreg) * sizeof(*m->reg));
    m->nreg = n;
    return &m->reg[r];
}

static inline struct regstat *regstat(struct cache_model *m, uint16_t r)
{
    return r < m->nreg ? &m->reg[r] : regstat_grow(m, r);
}

static void count_transfer(struct cache_model *m, struct regstat *rs, unsigned from,
                           unsigned to)
{
    if (!rs->xfer)
        rs->xfer = xcalloc((size_t)m->ncpus * m->ncpus, sizeof(*rs->xfer));
    rs->xfer[(size_t)from * m->ncpus + to]++;
}

/* ---- creation ------------------------------------------------------------------------- */

struct cache_model *cache_create(const struct cache_params *p, const struct mem_arena *arena)
{
    const char *err = cache_params_check(p);
    SIM_ASSERTF(err == NULL, "cache_create: %s", err);
    SIM_ASSERT(arena != NULL);
    struct cache_model *m = xcalloc(1, sizeof(*m));
    m->p = *p;
    m->arena = arena;
    m->lreg = mem_line_regions(arena);
    m->lhome = mem_line_homes(arena);
    m->ncores = p->sockets * p->cores_per_socket;
    m->ncpus = m->ncores * p->threads_per_core;
    m->socket_cores = xcalloc(p->sockets, sizeof(*m->socket_cores));
    for (unsigned c = 0; c < m->ncores; c++)
        m->socket_cores[core_socket(m, c)] |= bit(c);
    m->cpu_core = xcalloc(m->ncpus, sizeof(*m->cpu_core));
    m->cpu_socket = xcalloc(m->ncpus, sizeof(*m->cpu_socket));
    for (unsigned c = 0; c < m->ncpus; c++) {
        m->cpu_core[c] = (uint8_t)(c / p->threads_per_core);
        m->cpu_socket[c] = (uint8_t)core_socket(m, m->cpu_core[c]);
    }
    m->l1 = xcalloc(m->ncores, sizeof(*m->l1));
    m->l2 = xcalloc(m->ncores, sizeof(*m->l2));
    for (unsigned c = 0; c < m->ncores; c++) {
        level_init(&m->l1[c], &p->l1);
        level_init(&m->l2[c], &p->l2);
    }
    m->llc = xcalloc(p->sockets, sizeof(*m->llc));
    for (unsigned s = 0; s < p->sockets; s++)
        level_init(&m->llc[s], &p->llc);
    m->cpu = xcalloc(m->ncpus, sizeof(*m->cpu));
    return m;
}

void cache_destroy(struct cache_model *m)
{
    if (!m)
        return;
    for (unsigned c = 0; c < m->ncores; c++) {
        level_fini(&m->l1[c]);
        level_fini(&m->l2[c]);
    }
    for (unsigned s = 0; s < m->p.sockets; s++)
        level_fini(&m->llc[s]);
    for (size_t r = 0; r < m->nreg; r++)
        free(m->reg[r].xfer);
    free(m->l1);
    free(m->l2);
    free(m->llc);
    free(m->socket_cores);
    free(m->cpu_core);
    free(m->cpu_socket);
    free(m->dir);
    free(m->cpu);
    free(m->reg);
    free(m);
}

const struct cache_params *cache_get_params(const struct cache_model *m) { return &m->p; }
unsigned cache_ncpus(const struct cache_model *m) { return m->ncpus; }

unsigned cache_cpu_core(const struct cache_model *m, unsigned cpu)
{
    SIM_ASSERTF(cpu < m->ncpus, "cpu %u of %u", cpu, m->ncpus);
    return cpu / m->p.threads_per_core;
}

unsigned cache_cpu_socket(const struct cache_model *m, unsigned cpu)
{
    return core_socket(m, cache_cpu_core(m, cpu));
}

/* ---- evictions and removals ----------------------------------------------------------- */

/* A line left core `core`'s private caches (L2 eviction or invalidation): directory. */
static void dir_drop_core(struct dirent *d, unsigned core)
{
    d->sharers &= ~bit(core);
    if (d->sharers == 0)
        d->state = ST_I; /* an E/M owner's dirty data is written back to the LLC, free */
}

/* Remove line from core's L1 and L2 (it must be in L2) and from the directory. */
static void private_remove(struct cache_model *m, unsigned core, uint32_t line)
{
    level_remove(&m->l1[core], line);
    bool was = level_remove(&m->l2[core], line);
    SIM_ASSERTF(was, "line %u: core %u is a sharer but its L2 lacks the line", line, core);
    dir_drop_core(&m->dir[line], core);
}

/* Remove every private copy held by cores in `cores`; returns how many there were. */
static unsigned private_remove_mask(struct cache_model *m, uint64_t cores, uint32_t line)
{
    unsigned n = 0;
    for (; cores; cores &= cores - 1, n++)
        private_remove(m, (unsigned)__builtin_ctzll(cores), line);
    return n;
}

/* Line `victim` (a tag, maybe EMPTY) was pushed out of socket s's LLC: back-invalidate
 * it in the socket's private caches (inclusion). */
static void llc_evicted(struct cache_model *m, unsigned s, uint32_t victim)
{
    if (victim == EMPTY)
        return;
    uint32_t v = victim & TAG_LINE;
    struct dirent *d = &m->dir[v];
    m->tot.llc_evictions++;
    m->tot.back_invalidations += private_remove_mask(m, d->sharers & m->socket_cores[s], v);
    d->llc &= (uint8_t)~bit(s);
}

/* Remove line from socket s's LLC array (its private copies must be gone already). */
static void llc_remove(struct cache_model *m, unsigned s, uint32_t line)
{
    bool was = level_remove(&m->llc[s], line);
    SIM_ASSERTF(was, "line %u: directory says socket %u's LLC holds it, the LLC does not",
                line, s);
    m->dir[line].llc &= (uint8_t)~bit(s);
}

static void llc_remove_mask(struct cache_model *m, unsigned sockets, uint32_t line)
{
    for (; sockets; sockets &= sockets - 1)
        llc_remove(m, (unsigned)__builtin_ctz(sockets), line);
}

/* Make socket s's LLC hold line (as MRU), evicting the set's LRU line if needed. */
static void llc_fill(struct cache_model *m, unsigned s, uint32_t line)
{
    struct level *l = &m->llc[s];
    struct dirent *d = &m->dir[line];
    if (d->llc & bit(s)) {
        bool was = level_touch(l, line);
        SIM_ASSERTF(was, "line %u: socket %u's LLC lost it", line, s);
        return;
    }
    uint32_t victim = set_insert(set_get(l, line), line);
    d->llc |= (uint8_t)bit(s);
    llc_evicted(m, s, victim);
}

/* Fill line into core's L1 (its L1 victim simply leaves L1; it stays in L2). */
static void l1_fill(struct cache_model *m, unsigned core, uint32_t line)
{
    set_insert(set_get(&m->l1[core], line), line);
}

/* Fill line into core's L2 and L1; an L2 victim leaves the core entirely. */
static void private_fill(struct cache_model *m, unsigned core, uint32_t line)
{
    uint32_t victim = set_insert(set_get(&m->l2[core], line), line);
    if (victim != EMPTY) {
        level_remove(&m->l1[core], victim);
        dir_drop_core(&m->dir[victim], core);
    }
    l1_fill(m, core, line);
    m->dir[line].sharers |= bit(core);
}

/*
 * Start fetching, on the host, what a miss on `line` will need: its directory entry, its
 * LLC set and the directory entry of the line its L2 fill would evict. With 10^5 lines in
 * use these are independent host-cache misses (the directory and the LLC tags are
 * megabytes); issued together they overlap instead of running one after another.
 */
static inline void prefetch_miss(const struct cache_model *m, unsigned core, unsigned s,
                                 uint32_t line)
{
    __builtin_prefetch(&m->dir[line]);
    const struct level *llc = &m->llc[s];
    const uint32_t *ls = set_of(llc, line);
    __builtin_prefetch(ls);
    __builtin_prefetch(ls + llc->ways - 1);
    uint32_t v = level_lru(&m->l2[core], line);
    if (v != EMPTY)
        __builtin_prefetch(&m->dir[v]);
}

/* Private hit: 1 = L1, 2 = L2 (then refreshed in L2 and filled into L1), 0 = miss. The
 * directory answers "not here" without scanning either cache (L1 is inside L2, and the
 * sharers are exactly the cores whose L2 holds the line). */
static inline int private_lookup(struct cache_model *m, unsigned core, uint32_t line)
{
    if (!(m->dir[line].sharers & bit(core)))
        return 0;
    if (level_touch(&m->l1[core], line))
        return 1;
    bool was = level_touch(&m->l2[core], line);
    SIM_ASSERTF(was, "line %u: core %u is a sharer but its L2 lacks the line", line, core);
    l1_fill(m, core, line);
    return 2;
}

/* ---- pricing ------------------------------------------------------------------------ */

static uint8_t dram_outcome(const struct cache_model *m, uint32_t line, unsigned s)
{
    unsigned home = m->lhome[line];
    SIM_ASSERTF(home < m->p.sockets, "line %u homed on socket %u of %u", line, home,
                m->p.sockets);
    return home == s ? CACHE_DRAM_LOCAL : CACHE_DRAM_REMOTE;
}

/* Whether a read miss on socket s needs another core or socket: the line is E/M in some
 * (other) core, or only another socket's LLC has it. */
static inline bool read_needs_others(const struct dirent *d, unsigned s)
{
    return d->state >= ST_E || ((d->llc & bit(s)) == 0 && d->llc != 0);
}

/* Whether core-on-socket s must invalidate copies elsewhere to own the line. */
static inline bool excl_needs_others(const struct dirent *d, unsigned core, unsigned s)
{
    return (d->llc & ~bit(s)) != 0 || (d->sharers & ~bit(core)) != 0;
}

/* Where a read miss of core-on-socket s finds the line. */
static uint8_t read_outcome(const struct cache_model *m, const struct dirent *d, uint32_t line,
                            unsigned s)
{
    if (read_needs_others(d, s)) {
        if (d->state >= ST_E && core_socket(m, d->owner) == s)
            return CACHE_XFER_LOCAL;
        return CACHE_XFER_REMOTE;
    }
    return d->llc & bit(s) ? CACHE_LLC_HIT : dram_outcome(m, line, s);
}

/* What core-on-socket s must do to own the line: invalidate other sockets, other cores
 * of its own socket, or nothing (own LLC or DRAM supplies it). */
static uint8_t excl_outcome(const struct cache_model *m, const struct dirent *d,
                            uint32_t line, unsigned core, unsigned s)
{
    if (excl_needs_others(d, core, s)) {
        uint64_t others = d->sharers & ~bit(core);
        if ((d->llc & ~bit(s)) || (others & ~m->socket_cores[s]))
            return CACHE_XFER_REMOTE;
        return CACHE_XFER_LOCAL;
    }
    return d->llc & bit(s) ? CACHE_LLC_HIT : dram_outcome(m, line, s);
}

static uint32_t price(const struct cache_params *p, uint8_t outcome, enum cache_op op)
{
    switch (outcome) {
    case CACHE_L1_HIT: return p->l1.latency;
    case CACHE_L2_HIT: return p->l2.latency;
    case CACHE_LLC_HIT: return p->llc.latency;
    case CACHE_XFER_LOCAL:
        return op == CACHE_READ ? p->xfer_load_local
             : op == CACHE_WRITE ? p->xfer_store_local : p->atomic_local;
    case CACHE_XFER_REMOTE:
        return op == CACHE_READ ? p->xfer_load_remote
             : op == CACHE_WRITE ? p->xfer_store_remote : p->atomic_remote;
    case CACHE_DRAM_LOCAL: return p->dram_local;
    default: return p->dram_remote;
    }
}

/* Per-line bookkeeping shared by reads and writes. */
static void account(struct cache_model *m, unsigned cpu, uint32_t line, uint8_t outcome,
                    int from, unsigned invals)
{
    struct regstat *rs = regstat(m, m->lreg[line]);
    rs->s.accesses++;
    rs->s.lines[outcome]++;
    rs->s.invalidations += invals;
    m->cpu[cpu].lines[outcome]++;
    m->cpu[cpu].invalidations += invals;
    if (from > 0) {
        rs->s.transfers++;
        count_transfer(m, rs, (unsigned)from - 1, cpu);
    }
}

static struct lres read_line(struct cache_model *m, unsigned cpu, unsigned core, unsigned s,
                             uint32_t line)
{
    int hit = private_lookup(m, core, line);
    if (hit) {
        uint8_t o = hit == 1 ? CACHE_L1_HIT : CACHE_L2_HIT;
        account(m, cpu, line, o, 0, 0);
        return (struct lres){price(&m->p, o, CACHE_READ), o};
    }
    struct dirent *d = &m->dir[line];
    uint8_t o = read_outcome(m, d, line, s);
    /* every read transfer brings data from another core's cache or another LLC */
    int from = (o == CACHE_XFER_LOCAL || o == CACHE_XFER_REMOTE) ? d->last : 0;
    if (d->state >= ST_E)
        d->state = ST_S; /* the owner keeps a shared copy (M is written back) */
    llc_fill(m, s, line);
    private_fill(m, core, line);
    if (d->sharers == bit(core) && d->llc == bit(s)) {
        d->state = ST_E;
        d->owner = (uint16_t)core;
        d->last = (uint16_t)(cpu + 1);
    } else {
        d->state = ST_S;
    }
    account(m, cpu, line, o, from, 0);
    return (struct lres){price(&m->p, o, CACHE_READ), o};
}

/* Write or atomic: end with the line M in this core and nowhere else. */
static struct lres write_line(struct cache_model *m, unsigned cpu, unsigned core, unsigned s,
                              uint32_t line, enum cache_op op)
{
    int hit = private_lookup(m, core, line);
    struct dirent *d = &m->dir[line];
    uint8_t o;
    int from = 0;
    unsigned invals = 0;
    if (hit && d->state >= ST_E) {
        o = hit == 1 ? CACHE_L1_HIT : CACHE_L2_HIT; /* E -> M is silent */
    } else {
        o = excl_outcome(m, d, line, core, s);
        if (!hit && read_needs_others(d, s))
            from = d->last; /* data from another core's cache or another socket's LLC */
        invals = private_remove_mask(m, d->sharers & ~bit(core), line);
        llc_remove_mask(m, d->llc & ~(unsigned)bit(s), line);
        llc_fill(m, s, line);
        if (!hit)
            private_fill(m, core, line);
    }
    d->state = ST_M;
    d->owner = (uint16_t)core;
    d->last = (uint16_t)(cpu + 1);
    account(m, cpu, line, o, from, invals);
    uint32_t c = price(&m->p, o, op);
    if (op == CACHE_ATOMIC && o != CACHE_XFER_LOCAL && o != CACHE_XFER_REMOTE)
        c += m->p.atomic_base;
    return (struct lres){c, o};
}

/* The general path: any number of lines, any outcome. Kept out of line so that the fast
 * path in cache_access stays small (a large function's prologue alone cost 20
 * instructions per L1 hit). */
static __attribute__((noinline)) struct cache_cost
access_lines(struct cache_model *m, unsigned cpu, uint64_t first, uint64_t last,
             enum cache_op op)
{
    if (last >= m->ndir)
        dir_cover(m, last);
    unsigned core = m->cpu_core[cpu], s = m->cpu_socket[cpu];
    uint64_t sum = 0, max = 0;
    bool remote = false;
    prefetch_miss(m, core, s, (uint32_t)first);
    for (uint64_t l = first; l <= last; l++) {
        if (l < last) /* the next line's, while this one is priced */
            prefetch_miss(m, core, s, (uint32_t)l + 1);
        struct lres r = op == CACHE_READ ? read_line(m, cpu, core, s, (uint32_t)l)
                                         : write_line(m, cpu, core, s, (uint32_t)l, op);
        sum += r.cycles;
        max = r.cycles > max ? r.cycles : max;
        remote |= r.outcome == CACHE_XFER_LOCAL || r.outcome == CACHE_XFER_REMOTE;
    }
    struct cache_cpu_stats *cs = &m->cpu[cpu];
    uint64_t cycles = max;
    if (last > first) /* a 64-bit division costs more than a whole L1 hit: skip it */
        cycles += (sum - max) / m->p.mlp;
    cs->touches++;
    cs->cycles += cycles;
    if (op == CACHE_ATOMIC)
        cs->atomics += last - first + 1;
    return (struct cache_cost){cycles, remote};
}

/*
 * The common case, decided without touching anything else: one line that this core's L1
 * holds with the permission op needs (any state to read; E or M to write). Same rules
 * and statistics as read_line/write_line on an L1 hit. Returns false to take the general
 * path (nothing has been changed then).
 */
static inline bool l1_fast(struct cache_model *m, unsigned cpu, uint32_t line,
                           enum cache_op op, struct cache_cost *out)
{
    unsigned core = m->cpu_core[cpu];
    struct dirent *d = &m->dir[line];
    if (!(d->sharers & bit(core)) || (op != CACHE_READ && d->state < ST_E))
        return false;
    struct cset set = set_get(&m->l1[core], line);
    int p = cset_find(set, line);
    if (p < 0)
        return false;
    set_to_front(set, (unsigned)p);
    struct cache_cpu_stats *cs = &m->cpu[cpu];
    uint32_t c = m->p.l1.latency;
    if (op != CACHE_READ) {
        d->state = ST_M; /* E -> M is silent */
        d->last = (uint16_t)(cpu + 1);
        if (op == CACHE_ATOMIC) {
            c += m->p.atomic_base;
            cs->atomics++;
        }
    }
    struct regstat *rs = regstat(m, m->lreg[line]);
    rs->s.accesses++;
    rs->s.lines[CACHE_L1_HIT]++;
    cs->lines[CACHE_L1_HIT]++;
    cs->touches++;
    cs->cycles += c;
    *out = (struct cache_cost){c, false};
    return true;
}

struct cache_cost cache_access(struct cache_model *m, unsigned cpu, uint64_t paddr,
                               uint32_t len, enum cache_op op)
{
    if (len == 0)
        return (struct cache_cost){0, false};
    SIM_ASSERTF(cpu < m->ncpus, "cache_access: cpu %u of %u", cpu, m->ncpus);
    uint64_t first = paddr >> MEM_LINE_SHIFT, last = (paddr + len - 1) >> MEM_LINE_SHIFT;
    struct cache_cost c;
    if (first == last && last < m->ndir && l1_fast(m, cpu, (uint32_t)first, op, &c))
        return c;
    return access_lines(m, cpu, first, last, op);
}

bool cache_is_local(const struct cache_model *m, unsigned cpu, uint64_t paddr, uint32_t len,
                    enum cache_op op)
{
    if (len == 0)
        return true;
    SIM_ASSERTF(cpu < m->ncpus, "cache_is_local: cpu %u of %u", cpu, m->ncpus);
    uint64_t first = paddr >> MEM_LINE_SHIFT, last = (paddr + len - 1) >> MEM_LINE_SHIFT;
    unsigned core = m->cpu_core[cpu], s = m->cpu_socket[cpu];
    /* lines the directory does not cover yet were never cached: I, served locally */
    for (uint64_t l = first; l <= last && l < m->ndir; l++) {
        const struct dirent *d = &m->dir[l];
        bool held = (d->sharers & bit(core)) != 0;
        if (op == CACHE_READ ? !held && read_needs_others(d, s)
                             : !(held && d->state >= ST_E) && excl_needs_others(d, core, s))
            return false;
    }
    return true;
}

/* ---- DMA -------------------------------------------------------------------------- */

/* Allocate line in socket s's LLC for a device write: at most ddio_ways lines of a set
 * may be DDIO-allocated; beyond that the LRU one of them is evicted. */
static void ddio_alloc(struct cache_model *m, unsigned s, uint32_t line)
{
    struct cset set = set_get(&m->llc[s], line);
    unsigned io = 0, lru_io = 0;
    for (unsigned j = 0; j < set.w; j++) {
        uint32_t t = set.t[set_slot(set, j)];
        if (t != EMPTY && (t & TAG_IO)) {
            io++;
            lru_io = set_slot(set, j);
        }
    }
    if (io >= m->p.ddio_ways) {
        uint32_t victim = set.t[lru_io];
        set_delete(set, lru_io);
        llc_evicted(m, s, victim);
        m->tot.ddio_io_evictions++;
    }
    uint32_t victim = set_insert(set, line | TAG_IO);
    m->dir[line].llc |= (uint8_t)bit(s);
    llc_evicted(m, s, victim);
    m->tot.ddio_allocs++;
}

static void dma_write_line(struct cache_model *m, uint32_t line, unsigned s)
{
    struct dirent *d = &m->dir[line];
    struct regstat *rs = regstat(m, m->lreg[line]);
    rs->s.dma_writes++;
    rs->s.dma_invalidations += private_remove_mask(m, d->sharers, line);
    if (m->p.ddio) {
        llc_remove_mask(m, d->llc & ~(unsigned)bit(s), line);
        if (d->llc & bit(s)) {
            level_touch(&m->llc[s], line);
            m->tot.ddio_updates++;
        } else {
            ddio_alloc(m, s, line);
        }
    } else {
        llc_remove_mask(m, d->llc, line);
    }
    d->state = ST_I;
    d->last = 0; /* the device, not a CPU, wrote it last */
}

void cache_dma_write(struct cache_model *m, uint64_t paddr, uint32_t len, unsigned socket)
{
    if (len == 0)
        return;
    SIM_ASSERTF(socket < m->p.sockets, "cache_dma_write: socket %u of %u", socket,
                m->p.sockets);
    uint64_t first = paddr >> MEM_LINE_SHIFT, last = (paddr + len - 1) >> MEM_LINE_SHIFT;
    if (last >= m->ndir)
        dir_cover(m, last);
    for (uint64_t l = first; l <= last; l++)
        dma_write_line(m, (uint32_t)l, socket);
}

void cache_dma_read(struct cache_model *m, uint64_t paddr, uint32_t len)
{
    if (len == 0)
        return;
    uint64_t first = paddr >> MEM_LINE_SHIFT, last = (paddr + len - 1) >> MEM_LINE_SHIFT;
    if (last >= m->ndir)
        dir_cover(m, last);
    for (uint64_t l = first; l <= last; l++)
        regstat(m, m->lreg[l])->s.dma_reads++;
}

/* ---- statistics ---------------------------------------------------------------------- */

const char *cache_outcome_name(enum cache_outcome o)
{
    SIM_ASSERTF((unsigned)o < CACHE_NOUTCOMES, "outcome %d", (int)o);
    return outcome_names[o];
}

const struct cache_cpu_stats *cache_cpu_stats(const struct cache_model *m, unsigned cpu)
{
    SIM_ASSERTF(cpu < m->ncpus, "cpu %u of %u", cpu, m->ncpus);
    return &m->cpu[cpu];
}

const struct cache_region_stats *cache_region_stats(const struct cache_model *m,
                                                    uint16_t region)
{
    return region < m->nreg ? &m->reg[region].s : &zero_region_stats;
}

uint64_t cache_region_transfers(const struct cache_model *m, uint16_t region,
                                unsigned from_cpu, unsigned to_cpu)
{
    SIM_ASSERTF(from_cpu < m->ncpus && to_cpu < m->ncpus, "cpus %u, %u of %u", from_cpu,
                to_cpu, m->ncpus);
    if (region >= m->nreg || !m->reg[region].xfer)
        return 0;
    return m->reg[region].xfer[(size_t)from_cpu * m->ncpus + to_cpu];
}

const struct cache_totals *cache_get_totals(const struct cache_model *m) { return &m->tot; }

void cache_reset_stats(struct cache_model *m)
{
    memset(m->cpu, 0, m->ncpus * sizeof(*m->cpu));
    for (size_t r = 0; r < m->nreg; r++) {
        m->reg[r].s = (struct cache_region_stats){0};
        if (m->reg[r].xfer)
            memset(m->reg[r].xfer, 0, (size_t)m->ncpus * m->ncpus * sizeof(uint64_t));
    }
    m->tot = (struct cache_totals){0};
}

static void report_region(const struct cache_model *m, uint16_t r, FILE *out)
{
    const struct regstat *rs = &m->reg[r];
    if (rs->s.accesses == 0 && rs->s.dma_writes == 0 && rs->s.dma_reads == 0)
        return;
    const char *name = r < mem_nregions(m->arena) ? mem_region_name(m->arena, r) : "?";
    fprintf(out, "region %-20s accesses %llu transfers %llu invalidations %llu", name,
            (unsigned long long)rs->s.accesses, (unsigned long long)rs->s.transfers,
            (unsigned long long)rs->s.invalidations);
    for (unsigned o = 0; o < CACHE_NOUTCOMES; o++)
        fprintf(out, " %s %llu", outcome_names[o], (unsigned long long)rs->s.lines[o]);
    fprintf(out, " dma_writes %llu dma_reads %llu\n", (unsigned long long)rs->s.dma_writes,
            (unsigned long long)rs->s.dma_reads);
    if (!rs->xfer)
        return;
    for (unsigned f = 0; f < m->ncpus; f++)
        for (unsigned t = 0; t < m->ncpus; t++)
            if (rs->xfer[(size_t)f * m->ncpus + t])
                fprintf(out, "  %s lines cpu%u -> cpu%u: %llu\n", name, f, t,
                        (unsigned long long)rs->xfer[(size_t)f * m->ncpus + t]);
}

void cache_report(const struct cache_model *m, FILE *out)
{
    for (size_t r = 0; r < m->nreg; r++)
        report_region(m, (uint16_t)r, out);
}

/* ---- inspection ------------------------------------------------------------------------ */

struct cache_line_info cache_line_info(const struct cache_model *m, uint64_t line)
{
    if (line >= m->ndir)
        return (struct cache_line_info){CACHE_MESI_I, 0, -1, 0, -1};
    const struct dirent *d = &m->dir[line];
    return (struct cache_line_info){
        .state = (enum cache_mesi)d->state,
        .sharers = d->sharers,
        .owner = d->state >= ST_E ? d->owner : -1,
        .llc = d->llc,
        .last_cpu = (int)d->last - 1,
    };
}

int cache_private_level(const struct cache_model *m, unsigned core, uint64_t line)
{
    SIM_ASSERTF(core < m->ncores, "core %u of %u", core, m->ncores);
    if (line > MAX_LINES)
        return 0;
    uint32_t l = (uint32_t)line;
    if (cset_find(set_get(&m->l1[core], l), l) >= 0)
        return 1;
    return cset_find(set_get(&m->l2[core], l), l) >= 0 ? 2 : 0;
}

bool cache_llc_holds(const struct cache_model *m, unsigned socket, uint64_t line)
{
    SIM_ASSERTF(socket < m->p.sockets, "socket %u of %u", socket, m->p.sockets);
    if (line > MAX_LINES)
        return false;
    const struct level *l = &m->llc[socket];
    return cset_find(set_get(l, (uint32_t)line), (uint32_t)line) >= 0;
}

/* ---- invariant walker ----------------------------------------------------------------- */

/* One set: valid entries first, in range, in the right set, no duplicates; returns the
 * number of DDIO-marked entries. */
static unsigned check_set(const struct cache_model *m, const struct level *l, uint32_t si,
                          const char *what, unsigned who, bool io_ok)
{
    struct cset c = set_at(l, si);
    for (unsigned p = c.w; p < c.stride; p++)
        SIM_ASSERTF(c.t[p] == EMPTY, "%s %u set %u: padding slot %u used", what, who, si, p);
    SIM_ASSERTF(*c.head < c.w, "%s %u set %u: head %u of %u ways", what, who, si, *c.head,
                c.w);
    unsigned io = 0;
    bool ended = false;
    for (unsigned j = 0; j < c.w; j++) {
        uint32_t t = c.t[set_slot(c, j)];
        if (t == EMPTY) {
            ended = true;
            continue;
        }
        uint32_t line = t & TAG_LINE;
        SIM_ASSERTF(!ended, "%s %u set %u: entry %u after an empty way", what, who, si, j);
        SIM_ASSERTF(line < m->ndir && set_index(l, line) == si,
                    "%s %u set %u: line %u out of range or in the wrong set", what, who, si,
                    line);
        SIM_ASSERTF(io_ok || !(t & TAG_IO), "%s %u: line %u marked DDIO", what, who, line);
        io += (t & TAG_IO) != 0;
        for (unsigned k = 0; k < j; k++)
            SIM_ASSERTF((c.t[set_slot(c, k)] & TAG_LINE) != line, "%s %u set %u: line %u twice",
                        what, who, si, line);
    }
    return io;
}

/* Private caches of core c: well formed, L1 inside L2; record holders per line. */
static void check_core(const struct cache_model *m, unsigned c, uint64_t *held)
{
    const struct level *l1 = &m->l1[c], *l2 = &m->l2[c];
    for (uint32_t si = 0; si < l1->nsets; si++) {
        check_set(m, l1, si, "L1 of core", c, false);
        for (uint32_t i = 0; i < l1->ways; i++) {
            uint32_t t = row_of(l1, si)[i];
            SIM_ASSERTF(t == EMPTY || cset_find(set_get(l2, t), t) >= 0,
                        "core %u: line %u in L1 but not in L2", c, t);
        }
    }
    for (uint32_t si = 0; si < l2->nsets; si++) {
        check_set(m, l2, si, "L2 of core", c, false);
        for (uint32_t i = 0; i < l2->ways; i++) {
            uint32_t t = row_of(l2, si)[i];
            if (t == EMPTY)
                continue;
            held[t] |= bit(c);
            unsigned s = core_socket(m, c);
            SIM_ASSERTF(cache_llc_holds(m, s, t), "core %u: line %u not in socket %u's LLC",
                        c, t, s);
        }
    }
}

static void check_llc(const struct cache_model *m, unsigned s, uint8_t *inllc)
{
    const struct level *l = &m->llc[s];
    for (uint32_t si = 0; si < l->nsets; si++) {
        unsigned io = check_set(m, l, si, "LLC of socket", s, m->p.ddio);
        SIM_ASSERTF(io <= (m->p.ddio ? m->p.ddio_ways : 0),
                    "LLC of socket %u set %u: %u DDIO lines", s, si, io);
        for (uint32_t i = 0; i < l->ways; i++) {
            uint32_t t = row_of(l, si)[i];
            if (t != EMPTY)
                inllc[t & TAG_LINE] |= (uint8_t)bit(s);
        }
    }
}

static void check_dirent(const struct cache_model *m, uint32_t line, uint64_t held,
                         uint8_t inllc)
{
    const struct dirent *d = &m->dir[line];
    SIM_ASSERTF(d->sharers == held, "line %u: directory sharers %#llx, caches hold %#llx",
                line, (unsigned long long)d->sharers, (unsigned long long)held);
    SIM_ASSERTF(d->llc == inllc, "line %u: directory LLC mask %#x, LLCs hold %#x", line,
                d->llc, inllc);
    SIM_ASSERTF(d->last <= m->ncpus, "line %u: last cpu %d", line, (int)d->last - 1);
    switch (d->state) {
    case ST_I:
        SIM_ASSERTF(d->sharers == 0, "line %u: I but held by %#llx", line,
                    (unsigned long long)d->sharers);
        break;
    case ST_S:
        SIM_ASSERTF(d->sharers != 0, "line %u: S with no holder", line);
        break;
    case ST_E:
    case ST_M:
        SIM_ASSERTF(d->owner < m->ncores && d->sharers == bit(d->owner) &&
                        d->llc == bit(core_socket(m, d->owner)),
                    "line %u: %s owned by core %u but sharers %#llx, LLCs %#x", line,
                    d->state == ST_E ? "E" : "M", d->owner, (unsigned long long)d->sharers,
                    d->llc);
        break;
    default:
        SIM_PANIC("line %u: state %u", line, d->state);
    }
}

void cache_check(const struct cache_model *m)
{
    uint64_t *held = xcalloc(m->ndir + 1, sizeof(*held));
    uint8_t *inllc = xcalloc(m->ndir + 1, sizeof(*inllc));
    for (unsigned c = 0; c < m->ncores; c++)
        check_core(m, c, held);
    for (unsigned s = 0; s < m->p.sockets; s++)
        check_llc(m, s, inllc);
    for (size_t line = 0; line < m->ndir; line++)
        check_dirent(m, (uint32_t)line, held[line], inllc[line]);
    free(held);
    free(inllc);
}
