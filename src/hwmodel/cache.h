/*
 * cache.h - the coherence model of one simulated host: per-core private caches, a shared
 * last-level cache per socket and a MESI-style directory, over the simulated physical
 * addresses of the host's arena (mem.h).
 *
 * Where it sits: the stack calls kern_touch(ptr, len, R|W); the kernel glue turns ptr into
 * a paddr with mem_paddr() and calls cache_access() for the CPU that runs the code. The
 * returned cycles are charged to the thread; `remote` tells the engine that the access
 * interacted with another CPU's cache (a synchronisation point, DESIGN.md section 2). NIC
 * models call cache_dma_write()/cache_dma_read() when they move packet data. The point
 * (DESIGN.md section 3): a shared counter costs more than a per-CPU one because its line
 * travels between cores here, not because of a hand-written penalty.
 *
 * The model, line by line (64-byte lines; an access of len bytes touches every line of
 * [paddr, paddr + len)):
 *  - Private L1 and L2 per core (hardware threads of a core share them), an LLC per
 *    socket. All are set-associative with true LRU; each level's LRU sees only the
 *    accesses that reach it (an L1 hit does not refresh the line in L2 or the LLC).
 *  - Inclusion: L1 inside L2 inside the socket's LLC. Evicting a line from L2 drops it from
 *    L1; evicting it from the LLC back-invalidates it in every private cache of the socket.
 *    This is a simplification: Intel's L2 is non-inclusive, and only the LLC of Nehalem to
 *    Broadwell is inclusive (Skylake-SP's is not).
 *  - Directory entry per line: MESI state, the set of cores holding it (sharers), the
 *    owner core (for E and M), the sockets whose LLC holds it, and the last CPU that held
 *    it exclusively. E and M mean exactly one core holds it and only that core's socket's
 *    LLC has a copy. I means no core holds it (an LLC may still hold it).
 *  - Outcomes and prices of one line, by what the requesting core finds:
 *      L1 hit                         l1.latency
 *      L2 hit                         l2.latency (the line is also filled into L1)
 *      LLC hit, own socket            llc.latency (also a write upgrading S with no other
 *                                     holder, and the first touch of a DDIO-written line)
 *      another core of the socket     read: xfer_load_local (line E/M there, both end S)
 *                                     write: xfer_store_local (copies there invalidated)
 *      another socket (core or LLC)   read: xfer_load_remote; write: xfer_store_remote
 *      DRAM                           dram_local or dram_remote by the line's home socket
 *    A write needs exclusivity: it invalidates every other copy (cores and other LLCs);
 *    a write to the core's own E line turns it M silently. An atomic is priced like a
 *    write, except that when the line had to be obtained from (or invalidated in) another
 *    core or socket it costs atomic_local / atomic_remote instead of xfer_store_*, and
 *    otherwise atomic_base is added to the write's price. A read miss that finds no other
 *    holder (no core, no other socket's LLC) takes the line E; otherwise S.
 *  - An access spanning k lines costs its most expensive line plus the sum of the others
 *    divided by mlp (a crude memory-level-parallelism model; a calibration knob).
 *  - Writebacks are free (they are off the requester's critical path).
 *  - Transfers of one line queue (xfer_serial, on by default; cache_access_at only). A
 *    line has one owner at a time: the next core can have it only after it has reached
 *    the current one. So a transfer (an outcome xfer_local or xfer_remote) keeps its line
 *    busy for its own price, and a transfer of the same line asked for before that ends
 *    starts when it ends and pays the wait. A line written by many CPUs therefore passes
 *    at most one transfer per transfer price: a contended counter on a two-socket machine
 *    moves about 2.1 GHz / 320 cycles = 6.6 M times a second, whatever the number of
 *    writers (SOSP'13: the throughput of a contended line falls as cores contend across
 *    sockets). Hits, fills from the LLC or DRAM and device accesses do not queue; nor does
 *    a hyperthread sibling's hit on a line still in flight into its core (a gap: the
 *    sibling uses the line early). Without
 *    this rule the model charged each transfer its latency alone, so any number of CPUs
 *    could move one line at once: a shared counter looked nearly free at 5 Mpps.
 *  - DMA: a device write invalidates every cached copy (the line is then in DRAM); with
 *    ddio the line is written into the device socket's LLC instead (allocating in at most
 *    ddio_ways ways of its set, Intel DDIO's limit) and all private copies are dropped, so
 *    the next CPU read is an LLC hit. A device read changes no state: on Intel a PCIe read
 *    snoops the caches and gets the data without taking ownership (a Modified line stays
 *    where it is), and its latency belongs to the device's timing, not to a CPU.
 *
 * Limits: at most 8 sockets, 64 cores, 8 threads per core; lines numbered below 2^31 - 1
 * (arenas up to 128 GiB).
 *
 * Parameters (struct cache_params; cycles are core cycles; defaults from
 * cache_params_default(), a 2-socket Xeon with the SOSP'13 Xeon latencies:
 * ../shared/reference/hardware.md section 5, "David, Guerraoui, Trigonakis, SOSP 2013"):
 *
 *   name               type     unit     default    meaning
 *   sockets            unsigned -        2          sockets (NUMA nodes)
 *   cores_per_socket   unsigned -        8          cores per socket
 *   threads_per_core   unsigned -        1          hardware threads sharing a core's caches
 *   l1 size/ways/lat   geom     B,-,cyc  32K/8/5    private L1 data cache per core
 *   l2 size/ways/lat   geom     B,-,cyc  256K/8/11  private L2 per core
 *   llc size/ways/lat  geom     B,-,cyc  20M/20/44  shared LLC per socket
 *   xfer_load_local    uint32   cycles   109        load of a line E/M in another core of
 *                                                   the same socket
 *   xfer_store_local   uint32   cycles   115        store/RFO to a line other cores of the
 *                                                   socket hold (invalidation)
 *   xfer_load_remote   uint32   cycles   289        load of a line held on another socket
 *   xfer_store_remote  uint32   cycles   320        store/RFO to a line held on another socket
 *   atomic_local       uint32   cycles   120        atomic RMW, line held elsewhere, same socket
 *   atomic_remote      uint32   cycles   324        atomic RMW, line held on another socket
 *   atomic_base        uint32   cycles   20         extra cycles of a locked RMW otherwise (guess)
 *   dram_local         uint32   cycles   355        miss to the requester socket's DRAM
 *   dram_remote        uint32   cycles   590        miss to another socket's DRAM (guess)
 *   mlp                uint32   -        10         divisor for the extra lines of one access
 *   ddio               bool     -        true       device writes allocate in the LLC
 *   ddio_ways          uint32   ways     2          LLC ways per set DDIO may allocate in
 *
 * Field ownership: every struct here is [E] (host-model state; the simulated CPUs never
 * read it directly, they are priced by it). cache_params is [I] once the model exists.
 */
#ifndef MPSTACK_HWMODEL_CACHE_H
#define MPSTACK_HWMODEL_CACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hwmodel/mem.h"

#define CACHE_LINE MEM_LINE
#define CACHE_MAX_SOCKETS 8
#define CACHE_MAX_CORES 64
#define CACHE_MAX_THREADS 8

struct cache_model;

/* One cache's geometry and hit latency. */
struct cache_geom {
    uint32_t size;    /* bytes; a multiple of ways x 64 */
    uint32_t ways;    /* associativity, 1..64 */
    uint32_t latency; /* hit latency in cycles */
};

struct cache_params {
    unsigned sockets, cores_per_socket, threads_per_core;
    struct cache_geom l1, l2, llc;
    uint32_t xfer_load_local, xfer_store_local;
    uint32_t xfer_load_remote, xfer_store_remote;
    uint32_t atomic_local, atomic_remote, atomic_base;
    uint32_t dram_local, dram_remote;
    uint32_t mlp; /* calibration knob, >= 1 */
    bool ddio;
    uint32_t ddio_ways;
    bool xfer_serial; /* transfers of one line queue (cache_access_at) */
};

/* Fill p with the defaults of the table above. */
void cache_params_default(struct cache_params *p);
/* NULL if p is usable, else a sentence naming the first bad field and what is valid. */
const char *cache_params_check(const struct cache_params *p);

/* Build the model of one host over `arena` (which must outlive it). p must pass
 * cache_params_check (aborts otherwise: validation belongs to the scenario loader). All
 * caches start empty, every line I. */
struct cache_model *cache_create(const struct cache_params *p, const struct mem_arena *arena);
void cache_destroy(struct cache_model *m);

const struct cache_params *cache_get_params(const struct cache_model *m);
unsigned cache_ncpus(const struct cache_model *m);  /* sockets x cores x threads */
unsigned cache_cpu_core(const struct cache_model *m, unsigned cpu);   /* cpu / threads */
unsigned cache_cpu_socket(const struct cache_model *m, unsigned cpu); /* core / cores */

enum cache_op { CACHE_READ, CACHE_WRITE, CACHE_ATOMIC };

struct cache_cost {
    uint64_t cycles;
    bool remote; /* some line came from, or was invalidated in, another core or socket */
};

/*
 * Price the access of CPU `cpu` to [paddr, paddr + len) and update the caches, the
 * directory and the statistics. len 0 costs nothing. The range must lie in the arena's
 * used range (aborts otherwise). Called by the kernel glue on behalf of the CPU that
 * runs the touching code.
 */
struct cache_cost cache_access(struct cache_model *m, unsigned cpu, uint64_t paddr,
                               uint32_t len, enum cache_op op);
/*
 * The same at time `now` (cycles of the host's clock; calls must come in non-decreasing
 * time for the queueing to be exact): with xfer_serial, a transfer of a line that is still
 * in flight for an earlier transfer waits for it (see "Transfers of one line queue"), and
 * the wait is part of the returned cycles. cache_access prices as if every line were idle.
 */
struct cache_cost cache_access_at(struct cache_model *m, unsigned cpu, uint64_t paddr,
                                  uint32_t len, enum cache_op op, uint64_t now);
/*
 * Whether cache_access(m, cpu, paddr, len, op) would be served without another core or
 * socket, i.e. would return remote == false; changes nothing. The engine asks it before
 * the access, to synchronise with global time only when the access interacts with other
 * CPUs (DESIGN.md section 2). Exact for an access within one line; for a multi-line
 * access, an eviction caused by one of its own lines could in rare cases make a later
 * line remote after all (then cache_access reports it).
 */
bool cache_is_local(const struct cache_model *m, unsigned cpu, uint64_t paddr, uint32_t len,
                    enum cache_op op);
/* A device on socket `socket` wrote [paddr, paddr + len): see the DMA rules above. */
void cache_dma_write(struct cache_model *m, uint64_t paddr, uint32_t len, unsigned socket);
/* A device read [paddr, paddr + len): counted per region, no state change (see above). */
void cache_dma_read(struct cache_model *m, uint64_t paddr, uint32_t len);

/* ---- statistics ----------------------------------------------------------------------- */

enum cache_outcome {
    CACHE_L1_HIT,
    CACHE_L2_HIT,
    CACHE_LLC_HIT,      /* own socket's LLC */
    CACHE_XFER_LOCAL,   /* from, or invalidating, another core of the same socket */
    CACHE_XFER_REMOTE,  /* from, or invalidating, another socket (a core or its LLC) */
    CACHE_DRAM_LOCAL,
    CACHE_DRAM_REMOTE,
    CACHE_NOUTCOMES
};

const char *cache_outcome_name(enum cache_outcome o);

struct cache_cpu_stats {
    uint64_t touches;                   /* cache_access calls */
    uint64_t lines[CACHE_NOUTCOMES];    /* lines accessed, by outcome */
    uint64_t atomics;                   /* lines accessed with CACHE_ATOMIC */
    uint64_t invalidations;             /* other cores' copies this CPU's writes removed */
    uint64_t cycles;                    /* sum of the prices returned */
    uint64_t queued;                    /* transfers that waited for the line (xfer_serial) */
    uint64_t wait_cycles;               /* ... and their waits, in cycles (in full: an access
                                           spanning lines is charged its costliest line plus
                                           the others over mlp, waits included) */
};

/* Per region (the line's mem_line_region at the time of the access). */
struct cache_region_stats {
    uint64_t accesses;                  /* lines accessed by CPUs */
    uint64_t lines[CACHE_NOUTCOMES];    /* ... by outcome; everything but L1_HIT is a miss */
    uint64_t transfers;                 /* lines whose data came from another core's cache
                                           or another socket's LLC (the matrix's total) */
    uint64_t invalidations;             /* other cores' copies removed by CPU writes */
    uint64_t queued;                    /* transfers that waited for the line (xfer_serial) */
    uint64_t wait_cycles;               /* ... and their waits, in cycles */
    uint64_t dma_writes, dma_reads;     /* lines written / read by devices */
    uint64_t dma_invalidations;         /* private copies removed by device writes */
};

/* Model-wide counters. */
struct cache_totals {
    uint64_t llc_evictions;             /* lines evicted from an LLC */
    uint64_t back_invalidations;        /* private copies dropped by those evictions */
    uint64_t ddio_updates;              /* DMA lines already in the LLC, updated in place */
    uint64_t ddio_allocs;               /* DMA lines allocated in the LLC */
    uint64_t ddio_io_evictions;         /* ... that evicted an earlier DMA line (way limit) */
};

const struct cache_cpu_stats *cache_cpu_stats(const struct cache_model *m, unsigned cpu);
/* Statistics of region `region` (all zero for a region never touched). */
const struct cache_region_stats *cache_region_stats(const struct cache_model *m,
                                                    uint16_t region);
/* Lines of `region` obtained by to_cpu from a cache while from_cpu was the last CPU to hold
 * them exclusively (lines with no such CPU, e.g. fresh from a device, are not counted). */
uint64_t cache_region_transfers(const struct cache_model *m, uint16_t region,
                                unsigned from_cpu, unsigned to_cpu);
const struct cache_totals *cache_get_totals(const struct cache_model *m);
/* Zero every statistic (after a warm-up); cache and directory state are kept. */
void cache_reset_stats(struct cache_model *m);
/* Print per-region outcomes and the non-zero transfer-matrix cells, named by region. */
void cache_report(const struct cache_model *m, FILE *out);

/* ---- inspection (tests, reports) and invariants -------------------------------------- */

enum cache_mesi { CACHE_MESI_I, CACHE_MESI_S, CACHE_MESI_E, CACHE_MESI_M };

struct cache_line_info {
    enum cache_mesi state;
    uint64_t sharers; /* bit c: core c holds the line in L1 or L2 */
    int owner;        /* core, for E and M; -1 otherwise */
    unsigned llc;     /* bit s: socket s's LLC holds the line */
    int last_cpu;     /* last CPU that held it exclusively, -1 if none */
};

/* Directory view of line `line` (paddr >> 6). */
struct cache_line_info cache_line_info(const struct cache_model *m, uint64_t line);
/* 1 if core `core` holds `line` in L1, 2 if in L2 only, 0 if not at all. */
int cache_private_level(const struct cache_model *m, unsigned core, uint64_t line);
bool cache_llc_holds(const struct cache_model *m, unsigned socket, uint64_t line);

/*
 * Invariant walker; aborts (SIM_ASSERTF) on the first violation: every set well formed
 * (valid entries first in LRU order, no duplicates, each line in the set it maps to, DDIO
 * marks only in LLCs and within ddio_ways); L1 inside L2; every line in a private cache is
 * a sharer in the directory and present in its socket's LLC; directory sharers and LLC
 * masks match the caches exactly; E/M have exactly one holder (the owner) and no other
 * socket's LLC copy; S has at least one holder and I none.
 */
void cache_check(const struct cache_model *m);

#endif
