/*
 * mem.h - the per-host memory arena: every kernel allocation of a simulated host, with a
 * simulated physical address.
 *
 * Where it sits: the stack allocates through kern.h, which calls mem_alloc() on its host's
 * arena; kern_touch() turns a pointer into a simulated physical address with mem_paddr()
 * and hands it to the coherence model (cache.h), which reads the per-line metadata kept
 * here (the region that names the structure, the NUMA home socket). The address of an
 * object is its offset in the arena, so the real layout of the C structs decides which
 * objects share a 64-byte line, and a run gives the same addresses every time: they depend
 * only on the sequence of calls, never on host addresses.
 *
 * Allocator (in the spirit of a kernel's power-of-two malloc buckets, e.g. FreeBSD's
 * malloc(9) "kmemzones" of 16 bytes up): size classes are powers of two from 16 bytes to
 * 1 MiB, aligned to min(class, 64). Two 16-byte objects may therefore share a cache line,
 * as with a real kernel allocator, while objects of 64 bytes or more start on a line.
 * Requests above 1 MiB take whole 4 KiB pages, page aligned. Each class has a LIFO free
 * list; a freed block serves only its own class (no splitting, no coalescing), and new
 * memory is taken only at the top ("bump"), so the used range stays compact. Gaps that
 * alignment leaves below the top are cut into naturally aligned smaller blocks and put on
 * their free lists, so every byte below the top belongs to exactly one block.
 *
 * Freed memory is filled with a poison pattern and mem_check() verifies it is intact, so a
 * write after free is caught. Allocation returns zeroed memory.
 *
 * Metadata cost on the host: 3 bytes per 16-byte granule of the used range (class, region)
 * and 4 bytes per 64-byte line (region, home, live objects): about 25 % of the used range
 * (reserved for the whole arena as address space, committed as the used range grows).
 *
 * Field ownership: everything here is [E] (engine/host-model state, single-threaded on the
 * host; the simulated CPUs never read it, they read the memory it hands out).
 */
#ifndef MPSTACK_HWMODEL_MEM_H
#define MPSTACK_HWMODEL_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEM_LINE_SHIFT 6
#define MEM_LINE (1u << MEM_LINE_SHIFT) /* coherence granule, bytes */
#define MEM_PAGE 4096u
#define MEM_MIN_CLASS 16u
#define MEM_MAX_CLASS (1u << 20)        /* largest power-of-two class; above: whole pages */
#define MEM_REGION_OTHER 0              /* region id 0, named "other" */
#define MEM_MAX_SOCKETS 256             /* home sockets are stored in a byte */

struct mem_arena;

/* Per-region allocation statistics, all [E]. Bytes are block sizes (the class or the page
 * multiple), not the requested sizes: they are what the arena really gave out. */
struct mem_region_stats {
    uint64_t bytes;    /* bytes in use now */
    uint64_t peak;     /* most bytes in use at once */
    uint64_t allocs;   /* successful mem_alloc calls */
    uint64_t frees;    /* mem_free calls */
    uint64_t failures; /* mem_alloc calls that returned NULL (arena exhausted) */
};

/*
 * Reserve max_bytes (rounded up to a page) of host address space for one simulated host
 * (mmap with MAP_NORESERVE: host memory is committed only as the used range grows).
 * Returns NULL if the host refuses the reservation (an expected failure: the caller
 * reports the scenario key that asked for it). Region 0, "other", exists from the start.
 */
struct mem_arena *mem_create(size_t max_bytes);
/* Release the reservation and all metadata. Pointers into the arena become invalid. */
void mem_destroy(struct mem_arena *a);

/* Register the region `name` (non-empty), or look it up if it exists. Ids are dense, in
 * order of first registration, so they are deterministic. At most 65535 regions. */
uint16_t mem_region(struct mem_arena *a, const char *name);
/* Name of region `id` (id < mem_nregions). */
const char *mem_region_name(const struct mem_arena *a, uint16_t id);
size_t mem_nregions(const struct mem_arena *a);
/* Statistics of region `id` (id < mem_nregions). */
const struct mem_region_stats *mem_region_stats(const struct mem_arena *a, uint16_t id);

/*
 * Allocate `size` bytes (0 is treated as 1) of zeroed memory for `region`, homed on NUMA
 * socket `home_socket` (< MEM_MAX_SOCKETS; the coherence model prices DRAM by it).
 * Returns NULL when the arena is exhausted: an expected failure, counted in the region's
 * `failures`. The region must exist (impossible otherwise: aborts).
 */
void *mem_alloc(struct mem_arena *a, size_t size, uint16_t region, unsigned home_socket);
/* Return a block. p must be what mem_alloc returned and not already freed (aborts on a
 * bad or double free); NULL is ignored. */
void mem_free(struct mem_arena *a, void *p);
/* Usable size of the live block at p (its class, or its page multiple). */
size_t mem_block_size(const struct mem_arena *a, const void *p);

/* Simulated physical address of p (its offset in the arena); p must lie in the arena. */
uint64_t mem_paddr(const struct mem_arena *a, const void *p);
/* Host pointer of simulated physical address paddr (inside the reservation). */
void *mem_vaddr(const struct mem_arena *a, uint64_t paddr);
/* Whether p points into the arena's used range. */
bool mem_contains(const struct mem_arena *a, const void *p);

/* Bytes in the used range (the bump top). */
uint64_t mem_used(const struct mem_arena *a);
/* Lines in the used range: ceil(mem_used / MEM_LINE). Lines are numbered paddr >> 6. */
uint64_t mem_lines(const struct mem_arena *a);
/*
 * Region and home socket of line `line` (< mem_lines). They are set by the allocation that
 * makes the line go from no live object to one: when two small objects of different
 * regions share a line, the line keeps the region and home of the one allocated first
 * while it lives (there is one coherence line, so there can be only one name for it).
 * After every object on a line is freed the line keeps its last values, so a late touch
 * or a DMA into freed memory is still attributed. A line never allocated is region 0,
 * home 0.
 */
uint16_t mem_line_region(const struct mem_arena *a, uint64_t line);
unsigned mem_line_home(const struct mem_arena *a, uint64_t line);
/* The same, as arrays indexed by line, for hot paths that cannot afford a call per line
 * (the coherence model). Read-only; the pointers are stable for the arena's lifetime;
 * entries at or beyond mem_lines() are 0 and meaningless. */
const uint16_t *mem_line_regions(const struct mem_arena *a);
const uint8_t *mem_line_homes(const struct mem_arena *a);

/*
 * Invariant walker: every byte of the used range belongs to exactly one block; blocks are
 * aligned for their class; each free block is on its class's free list exactly once, is
 * flagged free and still holds the poison pattern; each live block is on no list; region
 * byte counts and live-object counts per line agree with the blocks. Aborts (SIM_ASSERTF)
 * on the first violation. O(used range).
 */
void mem_check(const struct mem_arena *a);

#endif
