/*
 * cache.c - the coherence model (rules and prices: cache.h).
 *
 * Representation, chosen for speed (bench/bench_cache.c; numbers in docs/performance.md):
 *  - a cache is an array of sets; a set is one 64-byte-aligned row holding its ways' line
 *    numbers, one LRU rank byte per way and a mask of the ways DDIO allocated (Intel
 *    DDIO's way limit); see "sets" below. Exact LRU by ranks: a hit or a fill updates all
 *    of a set's ranks with one vector compare and subtract per 16 ways, and no line number
 *    ever moves (a circular buffer of line numbers in LRU order, used before, still moved
 *    about ten entries per LLC hit).
 *  - the directory is an array indexed by line number, 16 bytes per line, grown to
 *    mem_lines() as the arena grows. A core's private presence is its sharer bit, so a
 *    private miss scans neither L1 nor L2, and the LLC presence is a bit too. Since lines
 *    do not move inside a set, the entry also remembers the way the line took in the LLC
 *    it last entered: an LLC hit checks that one way instead of scanning the set.
 *  - one-line L1 hits with enough permission take an inline fast path (l1_fast); other
 *    one-line accesses go through access_line and longer ones through access_lines, which
 *    first prefetch (on the host) the directory entries and the LLC set a miss will need,
 *    so those host-cache misses overlap. Prices come from a table by op and outcome.
 *  - no allocation per access; statistics are plain counters; the line -> region and
 *    line -> home arrays are read directly from the arena (stable pointers).
 * Measured (bench_cache, best of 3, 2-vCPU AMD EPYC VM): an L1 hit 7.5 ns (circular
 * buffer 8 ns; first version, sets in MRU order by memmove, 14 ns); a random line of 10^5
 * (L2 miss, LLC hit) 37 ns (circular buffer 61 ns, first version 60 ns). Both random
 * versions run about 540 host instructions per touch (callgrind, benchmark loop
 * excluded): the gain is in how fast they run, about 4 per cycle instead of 2.5, since
 * the data-dependent loops (shifting a set, scanning it group by group, the LLC scan
 * itself) and their mispredicted exits are gone. What is left is bound by those
 * instructions (three caches, the directory and the statistics per touch), not by
 * host-cache misses; see bench_cache.c.
 */
#include "hwmodel/cache.h"

#include <stdlib.h>
#include <string.h>

#include "sim/panic.h"

#define EMPTY UINT32_MAX
#define MAX_LINES UINT32_C(0x7fffffff) /* EMPTY is never a line number */

enum { ST_I = CACHE_MESI_I, ST_S = CACHE_MESI_S, ST_E = CACHE_MESI_E, ST_M = CACHE_MESI_M };

struct level {
    unsigned char *rows; /* nsets rows of `row` bytes, 64-byte aligned: see "sets" below */
    uint32_t nsets, ways;
    uint32_t ntag, nrank; /* tag slots and rank bytes per row */
    uint32_t rank_off, io_off, row; /* byte offsets of the ranks and the io mask; row size */
    uint32_t mask;   /* nsets - 1 when nsets is a power of two */
    uint64_t fm;     /* else Lemire's fastmod constant for nsets */
};

struct dirent {
    uint64_t sharers; /* cores holding the line in L1/L2 */
    uint16_t owner;   /* core, valid in E and M */
    uint16_t last;    /* last CPU that held it E/M, plus one; 0 = none */
    uint8_t state;
    uint8_t llc;      /* sockets whose LLC holds it */
    uint8_t llc_way;  /* the way it took in the LLC it last entered: a hint (see llc_find) */
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
    uint64_t *busy;                   /* per line: cycle its last transfer completes (clocked
                                         accesses only; beside dir, off the hit path) */
    size_t ndir;                      /* lines the directory covers (<= dircap) */
    size_t dircap;
    struct cache_cpu_stats *cpu;      /* per CPU */
    struct regstat *reg;
    size_t nreg;
    struct cache_totals tot;
    uint32_t price[3][CACHE_NOUTCOMES]; /* [I] [op][outcome]: cycles of one line */
    uint64_t now;                     /* the clock of the access in progress (cycles) */
    bool clocked;                     /* ... and whether it has one (cache_access_at) */
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
        /* A line has one owner at a time, so transfers of one line follow each other
         * (see "Transfers of one line queue" in cache.h). */
        .xfer_serial = true,
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

static inline uint64_t bit(unsigned i) { return UINT64_C(1) << i; }

/* ---- sets ------------------------------------------------------------------------- */

/*
 * A set is one row of `row` bytes (a multiple of 64, 64-byte aligned, so that a set of up
 * to 8 ways is one host cache line and the LLC's 20-way set two):
 *
 *     uint32_t tag[ntag]    line numbers; EMPTY in unused ways and padding slots
 *     int8_t   rank[nrank]  LRU position of each way: 0 = MRU ... ways - 1 = LRU;
 *                           RANK_PAD in the padding lanes
 *     uint64_t io           bit w: way w holds a line DDIO allocated (LLCs only)
 *
 * ntag is ways rounded up to 4 and nrank ways rounded up to 16, so tags are compared
 * four at a time and ranks sixteen at a time (GCC and Clang vector extensions, which
 * become SSE2 on x86-64 and NEON on AArch64 without intrinsics).
 *
 * The ranks of a set's ways are always a permutation of 0 .. ways - 1, and the empty ways
 * have the highest ranks. That is exact LRU, kept without moving any tag:
 *  - making way p the MRU (a hit): every way ranked before p ages by one, p gets rank 0
 *    (one compare and one subtract per 16 ways, no loop over entries);
 *  - a fill takes the way ranked ways - 1: the LRU line (the victim) or, while the set is
 *    not full, an empty way; then every other way ages by one (set_age);
 *  - a removal empties way p and gives it rank ways - 1; the ways behind it move up one.
 * Ranks start as ways - 1 ... 0 in way order, so the first fill takes way 0, the next way
 * 1, and so on. A line never changes way while it stays in a set, which lets the
 * directory remember a line's LLC way (llc_find).
 * (Earlier versions kept the tags themselves in LRU order, first by memmove, then as a
 * circular buffer; a hit in the middle of a 20-way LLC set still moved about ten tags.)
 */

#define RANK_PAD INT8_MAX /* padding lanes: never below a rank, so they never age */

typedef uint32_t tag4 __attribute__((vector_size(16)));
typedef int8_t rank16 __attribute__((vector_size(16)));

static inline uint32_t round_up(uint32_t x, uint32_t to) { return (x + to - 1) / to * to; }

static void level_init(struct level *l, const struct cache_geom *g)
{
    l->ways = g->ways;
    l->nsets = g->size / (g->ways * CACHE_LINE);
    bool pow2 = (l->nsets & (l->nsets - 1)) == 0;
    l->mask = pow2 ? l->nsets - 1 : 0;
    /* Lemire, Kaser, Kurz, "Faster remainder by direct computation", SPE 2019. */
    l->fm = pow2 ? 0 : UINT64_MAX / l->nsets + 1;
    l->ntag = round_up(l->ways, 4);
    l->nrank = round_up(l->ways, 16);
    l->rank_off = l->ntag * (uint32_t)sizeof(uint32_t);
    l->io_off = l->rank_off + l->nrank;
    l->row = round_up(l->io_off + (uint32_t)sizeof(uint64_t), 64);
    size_t n = (size_t)l->nsets * l->row;
    l->rows = aligned_alloc(64, n);
    SIM_ASSERTF(l->rows != NULL, "out of memory (%zu bytes of cache sets)", n);
    for (uint32_t si = 0; si < l->nsets; si++) {
        unsigned char *r = l->rows + (size_t)si * l->row;
        memset(r, 0, l->row);
        uint32_t *t = (uint32_t *)r;
        int8_t *rk = (int8_t *)(r + l->rank_off);
        for (uint32_t w = 0; w < l->ntag; w++)
            t[w] = EMPTY;
        for (uint32_t w = 0; w < l->nrank; w++)
            rk[w] = w < l->ways ? (int8_t)(l->ways - 1 - w) : RANK_PAD;
    }
}

static void level_fini(struct level *l) { free(l->rows); }

static inline uint32_t set_index(const struct level *l, uint32_t line)
{
    if (l->fm == 0)
        return line & l->mask;
    uint64_t low = l->fm * line;
    return (uint32_t)(((unsigned __int128)low * l->nsets) >> 64);
}

/* One set, located: its three parts and its geometry. */
struct cset {
    uint32_t *t;  /* tags */
    int8_t *rk;   /* ranks */
    uint64_t *io; /* DDIO ways */
    uint32_t w, ntag, nrank;
};

static inline struct cset set_at(const struct level *l, uint32_t si)
{
    unsigned char *r = l->rows + (size_t)si * l->row;
    return (struct cset){(uint32_t *)r, (int8_t *)(r + l->rank_off),
                         (uint64_t *)(void *)(r + l->io_off), l->ways, l->ntag, l->nrank};
}

static inline struct cset set_get(const struct level *l, uint32_t line)
{
    return set_at(l, set_index(l, line));
}

/* Way of line in set c, or -1. No branch per group: each group of four tags ORs the
 * (1-based) way number of a match into acc, and a line is in a set at most once. */
static inline int set_find(struct cset c, uint32_t line)
{
    const tag4 key = {line, line, line, line};
    const tag4 four = {4, 4, 4, 4};
    tag4 way = {1, 2, 3, 4}, acc = {0, 0, 0, 0};
    for (uint32_t i = 0; i < c.ntag; i += 4) {
        tag4 v;
        memcpy(&v, c.t + i, sizeof(v));
        acc |= (tag4)(v == key) & way;
        way += four;
    }
    uint64_t lo, hi;
    memcpy(&lo, &acc, sizeof(lo));
    memcpy(&hi, (const char *)&acc + sizeof(lo), sizeof(hi));
    lo |= hi;
    return (int)(uint32_t)(lo | lo >> 32) - 1;
}

/* The LRU way: the one ranked ways - 1 (each rank below ways is held by exactly one). */
static inline unsigned set_lru(struct cset c)
{
    const int8_t lru = (int8_t)(c.w - 1);
    for (uint32_t i = 0;; i += 16) {
        rank16 v;
        memcpy(&v, c.rk + i, sizeof(v));
        rank16 eq = v == lru; /* lanes all ones where equal */
        uint64_t lo, hi;
        memcpy(&lo, &eq, sizeof(lo));
        memcpy(&hi, (const char *)&eq + sizeof(lo), sizeof(hi));
        if (lo)
            return i + (unsigned)__builtin_ctzll(lo) / 8;
        if (hi)
            return i + 8 + (unsigned)__builtin_ctzll(hi) / 8;
    }
}

/* Make way p the MRU: the ways ranked before it age by one. */
static inline void set_promote(struct cset c, unsigned p)
{
    int8_t r = c.rk[p];
    if (r == 0) /* already the MRU: a hot line's repeated hits */
        return;
    for (uint32_t i = 0; i < c.nrank; i += 16) {
        rank16 v;
        memcpy(&v, c.rk + i, sizeof(v));
        v -= (rank16)(v < r); /* a true lane is -1 */
        memcpy(c.rk + i, &v, sizeof(v));
    }
    c.rk[p] = 0;
}

/* Age the whole set by one and return the way that was the LRU, now rank 0: the way a
 * fill takes. (set_lru and set_promote in one pass over the ranks, for the fills of
 * every miss.) */
static inline unsigned set_age(struct cset c)
{
    const int8_t lru = (int8_t)(c.w - 1);
    unsigned p = 0;
    for (uint32_t i = 0; i < c.nrank; i += 16) {
        rank16 v;
        memcpy(&v, c.rk + i, sizeof(v));
        rank16 eq = v == lru;
        v = (v - (rank16)(v < lru)) & ~eq; /* the others age, the LRU becomes 0 */
        memcpy(c.rk + i, &v, sizeof(v));
        uint64_t lo, hi;
        memcpy(&lo, &eq, sizeof(lo));
        memcpy(&hi, (const char *)&eq + sizeof(lo), sizeof(hi));
        if (lo | hi)
            p = i + (unsigned)(lo ? __builtin_ctzll(lo) : 64 + __builtin_ctzll(hi)) / 8;
    }
    return p;
}

/* Put line in the set as its MRU, in the LRU way (io: as a DDIO allocation), which goes
 * to *way if way is not NULL; returns the tag it replaced: the LRU line, or EMPTY if the
 * set was not full. */
static inline uint32_t set_insert(struct cset c, uint32_t line, bool io, unsigned *way)
{
    unsigned p = set_age(c);
    if (way)
        *way = p;
    uint32_t victim = c.t[p];
    c.t[p] = line;
    *c.io = (*c.io & ~bit(p)) | (uint64_t)io << p;
    return victim;
}

/* Empty way p: it becomes the LRU, the ways ranked behind it move up one. */
static inline void set_delete(struct cset c, unsigned p)
{
    int8_t r = c.rk[p];
    int8_t w = (int8_t)c.w;
    for (uint32_t i = 0; i < c.nrank; i += 16) {
        rank16 v;
        memcpy(&v, c.rk + i, sizeof(v));
        v += (rank16)((v > r) & (v < w)); /* -1: move up one; not the padding lanes */
        memcpy(c.rk + i, &v, sizeof(v));
    }
    c.rk[p] = (int8_t)(c.w - 1);
    c.t[p] = EMPTY;
    *c.io &= ~bit(p);
}

/* Move line to the MRU position if present; returns whether it was. */
static inline bool level_touch(struct level *l, uint32_t line)
{
    struct cset c = set_get(l, line);
    int p = set_find(c, line);
    if (p < 0)
        return false;
    set_promote(c, (unsigned)p);
    return true;
}

static inline bool level_remove(struct level *l, uint32_t line)
{
    struct cset c = set_get(l, line);
    int p = set_find(c, line);
    if (p < 0)
        return false;
    set_delete(c, (unsigned)p);
    return true;
}

/* ---- topology and directory growth -------------------------------------------------- */

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
        m->busy = xrealloc(m->busy, cap * sizeof(*m->busy));
        memset(m->busy + m->dircap, 0, (cap - m->dircap) * sizeof(*m->busy));
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

static inline bool is_transfer(uint8_t outcome)
{
    return outcome == CACHE_XFER_LOCAL || outcome == CACHE_XFER_REMOTE;
}

/*
 * A transfer of `line` asked for at m->now: it starts when the line's previous transfer
 * has completed, and keeps the line in flight for its own price. Returns the cycles the
 * request waited, also counted for the CPU and the line's region.
 */
static uint32_t queue_transfer(struct cache_model *m, unsigned cpu, uint32_t line,
                               uint32_t price)
{
    if (!m->clocked || !m->p.xfer_serial)
        return 0;
    uint64_t start = m->busy[line] > m->now ? m->busy[line] : m->now;
    m->busy[line] = start + price;
    uint64_t wait = start - m->now;
    if (wait) {
        SIM_ASSERTF(wait <= UINT32_MAX - price, "line %u queued for %llu cycles", line,
                    (unsigned long long)wait);
        struct regstat *rs = regstat(m, m->lreg[line]);
        rs->s.queued++;
        rs->s.wait_cycles += wait;
        m->cpu[cpu].queued++;
        m->cpu[cpu].wait_cycles += wait;
    }
    return (uint32_t)wait;
}

/* The price of one line by op and outcome (cache.h), tabulated by cache_create. */
static void price_init(struct cache_model *m)
{
    const struct cache_params *p = &m->p;
    for (unsigned op = CACHE_READ; op <= CACHE_ATOMIC; op++) {
        uint32_t *t = m->price[op];
        t[CACHE_L1_HIT] = p->l1.latency;
        t[CACHE_L2_HIT] = p->l2.latency;
        t[CACHE_LLC_HIT] = p->llc.latency;
        t[CACHE_XFER_LOCAL] = op == CACHE_READ    ? p->xfer_load_local
                            : op == CACHE_WRITE   ? p->xfer_store_local
                                                  : p->atomic_local;
        t[CACHE_XFER_REMOTE] = op == CACHE_READ    ? p->xfer_load_remote
                             : op == CACHE_WRITE   ? p->xfer_store_remote
                                                   : p->atomic_remote;
        t[CACHE_DRAM_LOCAL] = p->dram_local;
        t[CACHE_DRAM_REMOTE] = p->dram_remote;
        if (op == CACHE_ATOMIC) /* a locked RMW on a line obtained without a transfer */
            for (unsigned o = 0; o < CACHE_NOUTCOMES; o++)
                if (!is_transfer((uint8_t)o))
                    t[o] += p->atomic_base;
    }
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
    price_init(m);
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
    free(m->busy);
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
static inline void dir_drop_core(struct dirent *d, unsigned core)
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

/* Line `victim` (maybe EMPTY) was pushed out of socket s's LLC: back-invalidate it in the
 * socket's private caches (inclusion). */
static void llc_evicted(struct cache_model *m, unsigned s, uint32_t victim)
{
    if (victim == EMPTY)
        return;
    struct dirent *d = &m->dir[victim];
    m->tot.llc_evictions++;
    m->tot.back_invalidations +=
        private_remove_mask(m, d->sharers & m->socket_cores[s], victim);
    d->llc &= (uint8_t)~bit(s);
}

/* Way of line in LLC set c, which the directory says holds it. A line keeps its way while
 * it stays in a set, so the way it took when it last entered an LLC is right unless
 * another socket's LLC took it since (with a different way); then search. */
static inline unsigned llc_find(struct cset c, struct dirent *d, uint32_t line)
{
    unsigned p = d->llc_way;
    if (c.t[p] == line)
        return p;
    int f = set_find(c, line);
    SIM_ASSERTF(f >= 0, "line %u: the directory says an LLC holds it, the LLC does not",
                line);
    d->llc_way = (uint8_t)f;
    return (unsigned)f;
}

/* Put line in LLC set c (as MRU, in its LRU way); returns the line evicted, or EMPTY. */
static inline uint32_t llc_insert(struct cset c, struct dirent *d, uint32_t line, bool io)
{
    unsigned p;
    uint32_t victim = set_insert(c, line, io, &p);
    d->llc_way = (uint8_t)p;
    return victim;
}

/* Remove line from socket s's LLC array (its private copies must be gone already). */
static void llc_remove(struct cache_model *m, unsigned s, uint32_t line)
{
    struct dirent *d = &m->dir[line];
    struct cset c = set_get(&m->llc[s], line);
    set_delete(c, llc_find(c, d, line));
    d->llc &= (uint8_t)~bit(s);
}

static void llc_remove_mask(struct cache_model *m, unsigned sockets, uint32_t line)
{
    for (; sockets; sockets &= sockets - 1)
        llc_remove(m, (unsigned)__builtin_ctz(sockets), line);
}

/* Make socket s's LLC hold line (as MRU), evicting the set's LRU line if needed. */
static inline void llc_fill(struct cache_model *m, unsigned s, uint32_t line)
{
    struct level *l = &m->llc[s];
    struct dirent *d = &m->dir[line];
    struct cset c = set_get(l, line);
    if (d->llc & bit(s)) {
        set_promote(c, llc_find(c, d, line));
        return;
    }
    uint32_t victim = llc_insert(c, d, line, false);
    d->llc |= (uint8_t)bit(s);
    if (victim != EMPTY)
        llc_evicted(m, s, victim);
}

/* Fill line into core's L1 (its L1 victim simply leaves L1; it stays in L2). */
static inline void l1_fill(struct cache_model *m, unsigned core, uint32_t line)
{
    set_insert(set_get(&m->l1[core], line), line, false, NULL);
}

/* Fill line into core's L2 and L1; an L2 victim leaves the core entirely. */
static inline void private_fill(struct cache_model *m, unsigned core, uint32_t line)
{
    uint32_t victim = set_insert(set_get(&m->l2[core], line), line, false, NULL);
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
 * use these are independent host-cache misses (the directory and the LLC sets are
 * megabytes); issued together they overlap instead of running one after another.
 */
static inline void prefetch_miss(const struct cache_model *m, unsigned core, unsigned s,
                                 uint32_t line)
{
    __builtin_prefetch(&m->dir[line]);
    const struct level *llc = &m->llc[s];
    const unsigned char *row = llc->rows + (size_t)set_index(llc, line) * llc->row;
    for (uint32_t b = 0; b < llc->row; b += 64)
        __builtin_prefetch(row + b);
    struct cset l2 = set_get(&m->l2[core], line);
    uint32_t v = l2.t[set_lru(l2)];
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
static inline uint8_t read_outcome(const struct cache_model *m, const struct dirent *d,
                                   uint32_t line, unsigned s)
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
static inline uint8_t excl_outcome(const struct cache_model *m, const struct dirent *d,
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

/* Per-line bookkeeping shared by reads and writes. */
static inline void account(struct cache_model *m, unsigned cpu, uint32_t line,
                           uint8_t outcome, int from, unsigned invals)
{
    struct regstat *rs = regstat(m, m->lreg[line]);
    rs->s.accesses++;
    rs->s.lines[outcome]++;
    m->cpu[cpu].lines[outcome]++;
    if (invals) {
        rs->s.invalidations += invals;
        m->cpu[cpu].invalidations += invals;
    }
    if (from > 0) {
        rs->s.transfers++;
        count_transfer(m, rs, (unsigned)from - 1, cpu);
    }
}

static inline struct lres read_line(struct cache_model *m, unsigned cpu, unsigned core,
                                    unsigned s, uint32_t line)
{
    int hit = private_lookup(m, core, line);
    if (hit) {
        uint8_t o = hit == 1 ? CACHE_L1_HIT : CACHE_L2_HIT;
        account(m, cpu, line, o, 0, 0);
        return (struct lres){m->price[CACHE_READ][o], o};
    }
    struct dirent *d = &m->dir[line];
    uint8_t o = read_outcome(m, d, line, s);
    /* every read transfer brings data from another core's cache or another LLC */
    int from = is_transfer(o) ? d->last : 0;
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
    return (struct lres){m->price[CACHE_READ][o], o};
}

/* Write or atomic: end with the line M in this core and nowhere else. */
static inline struct lres write_line(struct cache_model *m, unsigned cpu, unsigned core,
                                     unsigned s, uint32_t line, enum cache_op op)
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
        uint64_t others = d->sharers & ~bit(core);
        if (others)
            invals = private_remove_mask(m, others, line);
        unsigned other_llcs = d->llc & ~(unsigned)bit(s);
        if (other_llcs)
            llc_remove_mask(m, other_llcs, line);
        llc_fill(m, s, line);
        if (!hit)
            private_fill(m, core, line);
    }
    d->state = ST_M;
    d->owner = (uint16_t)core;
    d->last = (uint16_t)(cpu + 1);
    account(m, cpu, line, o, from, invals);
    return (struct lres){m->price[op][o], o};
}

/* One line, any outcome but the L1 hits l1_fast takes: the usual miss. Kept out of line
 * (as access_lines) so that the fast path in cache_access stays small (a large
 * function's prologue alone cost 20 instructions per L1 hit). */
static __attribute__((noinline)) struct cache_cost
access_line(struct cache_model *m, unsigned cpu, uint64_t l, enum cache_op op)
{
    if (l >= m->ndir)
        dir_cover(m, l);
    uint32_t line = (uint32_t)l;
    unsigned core = m->cpu_core[cpu], s = m->cpu_socket[cpu];
    prefetch_miss(m, core, s, line);
    struct lres r = op == CACHE_READ ? read_line(m, cpu, core, s, line)
                                     : write_line(m, cpu, core, s, line, op);
    if (is_transfer(r.outcome))
        r.cycles += queue_transfer(m, cpu, line, r.cycles);
    struct cache_cpu_stats *cs = &m->cpu[cpu];
    cs->touches++;
    cs->cycles += r.cycles;
    cs->atomics += op == CACHE_ATOMIC;
    return (struct cache_cost){r.cycles, is_transfer(r.outcome)};
}

/* Several lines: each priced as above; the access costs the most expensive line plus
 * the others' sum divided by mlp. */
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
        if (is_transfer(r.outcome)) /* the lines are asked for together, at m->now */
            r.cycles += queue_transfer(m, cpu, (uint32_t)l, r.cycles);
        sum += r.cycles;
        max = r.cycles > max ? r.cycles : max;
        remote |= is_transfer(r.outcome);
    }
    struct cache_cpu_stats *cs = &m->cpu[cpu];
    uint64_t cycles = max + (sum - max) / m->p.mlp;
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
    int p = set_find(set, line);
    if (p < 0)
        return false;
    set_promote(set, (unsigned)p);
    struct cache_cpu_stats *cs = &m->cpu[cpu];
    uint32_t c = m->price[op][CACHE_L1_HIT];
    if (op != CACHE_READ) {
        d->state = ST_M; /* E -> M is silent */
        d->last = (uint16_t)(cpu + 1);
        cs->atomics += op == CACHE_ATOMIC;
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

struct cache_cost cache_access_at(struct cache_model *m, unsigned cpu, uint64_t paddr,
                                  uint32_t len, enum cache_op op, uint64_t now)
{
    m->now = now;
    m->clocked = true;
    struct cache_cost c = cache_access(m, cpu, paddr, len, op);
    m->clocked = false;
    return c;
}

struct cache_cost cache_access(struct cache_model *m, unsigned cpu, uint64_t paddr,
                               uint32_t len, enum cache_op op)
{
    if (len == 0)
        return (struct cache_cost){0, false};
    SIM_ASSERTF(cpu < m->ncpus, "cache_access: cpu %u of %u", cpu, m->ncpus);
    uint64_t first = paddr >> MEM_LINE_SHIFT, last = (paddr + len - 1) >> MEM_LINE_SHIFT;
    if (first != last)
        return access_lines(m, cpu, first, last, op);
    struct cache_cost c;
    if (last < m->ndir && l1_fast(m, cpu, (uint32_t)first, op, &c))
        return c;
    return access_line(m, cpu, first, op);
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
    for (uint64_t ways = *set.io; ways; ways &= ways - 1, io++) {
        unsigned w = (unsigned)__builtin_ctzll(ways);
        if (io == 0 || set.rk[w] > set.rk[lru_io])
            lru_io = w;
    }
    if (io >= m->p.ddio_ways) {
        uint32_t victim = set.t[lru_io];
        set_delete(set, lru_io);
        llc_evicted(m, s, victim);
        m->tot.ddio_io_evictions++;
    }
    uint32_t victim = llc_insert(set, &m->dir[line], line, true);
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
            struct cset c = set_get(&m->llc[s], line);
            set_promote(c, llc_find(c, d, line));
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
    if (set_find(set_get(&m->l1[core], l), l) >= 0)
        return 1;
    return set_find(set_get(&m->l2[core], l), l) >= 0 ? 2 : 0;
}

bool cache_llc_holds(const struct cache_model *m, unsigned socket, uint64_t line)
{
    SIM_ASSERTF(socket < m->p.sockets, "socket %u of %u", socket, m->p.sockets);
    if (line > MAX_LINES)
        return false;
    const struct level *l = &m->llc[socket];
    return set_find(set_get(l, (uint32_t)line), (uint32_t)line) >= 0;
}

/* ---- invariant walker ----------------------------------------------------------------- */

/* One set: its ranks a permutation of 0 .. ways - 1 with the empty ways last, its lines
 * in range, in the right set and there once, padding untouched, DDIO marks only on
 * lines; returns the number of DDIO-marked lines. */
static unsigned check_set(const struct cache_model *m, const struct level *l, uint32_t si,
                          const char *what, unsigned who, bool io_ok)
{
    struct cset c = set_at(l, si);
    for (unsigned p = c.w; p < c.ntag; p++)
        SIM_ASSERTF(c.t[p] == EMPTY, "%s %u set %u: padding slot %u used", what, who, si, p);
    for (unsigned p = c.w; p < c.nrank; p++)
        SIM_ASSERTF(c.rk[p] == RANK_PAD, "%s %u set %u: padding rank %u is %d", what, who,
                    si, p, c.rk[p]);
    uint64_t ranks = 0, io = *c.io;
    unsigned lines = 0;
    for (unsigned p = 0; p < c.w; p++) {
        int r = c.rk[p];
        SIM_ASSERTF(r >= 0 && r < (int)c.w && !(ranks & bit((unsigned)r)),
                    "%s %u set %u: way %u has rank %d (not a permutation)", what, who, si, p,
                    r);
        ranks |= bit((unsigned)r);
        lines += c.t[p] != EMPTY;
    }
    for (unsigned p = 0; p < c.w; p++) {
        uint32_t line = c.t[p];
        if (line == EMPTY) {
            SIM_ASSERTF(!(io & bit(p)), "%s %u set %u: empty way %u marked DDIO", what, who,
                        si, p);
            SIM_ASSERTF(c.rk[p] >= (int)lines, "%s %u set %u: empty way %u ranked %d, before "
                        "a line", what, who, si, p, c.rk[p]);
            continue;
        }
        SIM_ASSERTF(line < m->ndir && set_index(l, line) == si,
                    "%s %u set %u: line %u out of range or in the wrong set", what, who, si,
                    line);
        SIM_ASSERTF(io_ok || !(io & bit(p)), "%s %u: line %u marked DDIO", what, who, line);
        for (unsigned k = 0; k < p; k++)
            SIM_ASSERTF(c.t[k] != line, "%s %u set %u: line %u twice", what, who, si, line);
    }
    SIM_ASSERTF(c.w == 64 || io >> c.w == 0, "%s %u set %u: DDIO mark beyond the ways", what,
                who, si);
    return (unsigned)__builtin_popcountll(io);
}

/* Private caches of core c: well formed, L1 inside L2; record holders per line. */
static void check_core(const struct cache_model *m, unsigned c, uint64_t *held)
{
    const struct level *l1 = &m->l1[c], *l2 = &m->l2[c];
    for (uint32_t si = 0; si < l1->nsets; si++) {
        check_set(m, l1, si, "L1 of core", c, false);
        for (uint32_t i = 0; i < l1->ways; i++) {
            uint32_t t = set_at(l1, si).t[i];
            SIM_ASSERTF(t == EMPTY || set_find(set_get(l2, t), t) >= 0,
                        "core %u: line %u in L1 but not in L2", c, t);
        }
    }
    for (uint32_t si = 0; si < l2->nsets; si++) {
        check_set(m, l2, si, "L2 of core", c, false);
        for (uint32_t i = 0; i < l2->ways; i++) {
            uint32_t t = set_at(l2, si).t[i];
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
            uint32_t t = set_at(l, si).t[i];
            if (t != EMPTY)
                inllc[t] |= (uint8_t)bit(s);
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
