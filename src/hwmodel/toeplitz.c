/*
 * toeplitz.c - the Toeplitz RSS hash in its three forms (bit by bit, per-position tables,
 * DragonFly's two-row symmetric tables) and the hash-to-queue and hash-to-CPU mappings.
 *
 * The NIC models hash a received frame with struct toeplitz_table and choose the queue with
 * the ring map; the stack takes the netisr CPU from the same hash. The bit-by-bit form is
 * the definition the other two are tested against (tests/unit/test_toeplitz.c), and the
 * reason the table forms are written differently from it: they build each 32-bit key
 * window from a 40-bit slice of the key instead of bit by bit, so a shared mistake in
 * window extraction cannot hide in the cross-check.
 *
 * Sources: the Intel 82599 datasheet 7.1.2.8 (RSS; 7.1.2.8.3 is the Microsoft verification
 * suite, as quoted by DPDK app/test/test_thash.c); DragonFly BSD sys/net/toeplitz.c
 * (toeplitz_cache_create, toeplitz_get_key), sys/net/toeplitz2.h (toeplitz_rawhash_addrport,
 * toeplitz_hash), sys/net/netisr2.h (netisr_hashcpu), sys/net/if.c (if_ringmap_alloc,
 * if_ringmap_rdrtable).
 *
 * NETISR_CPUMAX (TOEPLITZ_NETISR_CPUMAX): the DragonFly sources read for this file use it
 * but the header that defines it was not among them, so 128 is inferred: if_ringmap_rdrtable
 * requires a table size that is a multiple of it, igb passes its 128-entry table
 * (IGB_RDRTABLE_SIZE), and its comment's 12-CPU example shows more than 48 entries before
 * the repeat; so it is 64 or 128, and 128 is the value that keeps (hash & mask) % ncpus even
 * for CPU counts that are not powers of two. Results differ from 64 only for such counts.
 */
#include "hwmodel/toeplitz.h"

#include "sim/panic.h"

const uint8_t toeplitz_ms_key[TOEPLITZ_KEY_LEN] = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
    0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
    0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

void toeplitz_sym_key(uint8_t seed0, uint8_t seed1, uint8_t *key, size_t keylen)
{
    for (size_t i = 0; i < keylen; i++)
        key[i] = (i & 1) ? seed1 : seed0;
}

/* ---- the definition -------------------------------------------------------------------- */

/* Bit `bit` of the key, counting from the most significant bit of key[0]. */
static unsigned key_bit(const uint8_t *key, size_t bit)
{
    return (key[bit / 8] >> (7 - bit % 8)) & 1u;
}

/* The 32 key bits starting at key bit `bit`, first one in the most significant place. */
static uint32_t key_window_bits(const uint8_t *key, size_t bit)
{
    uint32_t w = 0;
    for (size_t j = 0; j < 32; j++)
        w = (w << 1) | key_bit(key, bit + j);
    return w;
}

uint32_t toeplitz_hash(const uint8_t *key, size_t keylen, const uint8_t *data, size_t len)
{
    SIM_ASSERTF(keylen >= len + 4, "toeplitz_hash: a %zu-byte input needs a key of at least "
                "%zu bytes, got %zu", len, len + 4, keylen);
    uint32_t hash = 0;
    for (size_t bit = 0; bit < len * 8; bit++)
        if ((data[bit / 8] >> (7 - bit % 8)) & 1u)
            hash ^= key_window_bits(key, bit);
    return hash;
}

/* ---- tables ---------------------------------------------------------------------------- */

/*
 * One table row: row[v] is the XOR of the key windows selected by the set bits of byte
 * value v placed at the key offset whose five bytes are k[0..4]. Bit j of the byte (j = 0
 * the most significant) selects the 32 bits that start j bits into k[0]. Each row is built
 * from rows already filled: v's value is that of v without its lowest set bit, plus the
 * window of that bit.
 */
static void fill_row(uint32_t row[256], const uint8_t k[5])
{
    uint64_t slice = ((uint64_t)k[0] << 32) | ((uint64_t)k[1] << 24) | ((uint64_t)k[2] << 16) |
                     ((uint64_t)k[3] << 8) | k[4];
    uint32_t window[8];
    for (unsigned j = 0; j < 8; j++)
        window[j] = (uint32_t)(slice >> (8 - j));
    row[0] = 0;
    for (unsigned v = 1; v < 256; v++) {
        unsigned low = (unsigned)__builtin_ctz(v); /* bit index from the least significant */
        row[v] = row[v & (v - 1)] ^ window[7 - low];
    }
}

void toeplitz_table_init(struct toeplitz_table *t, const uint8_t key[TOEPLITZ_KEY_LEN])
{
    /* Position 35 reads key bytes 35..39: the 40-byte key covers 36 input bytes. */
    for (size_t i = 0; i < TOEPLITZ_TABLE_MAXLEN; i++)
        fill_row(t->t[i], &key[i]);
}

uint32_t toeplitz_table_hash(const struct toeplitz_table *t, const uint8_t *data, size_t len)
{
    SIM_ASSERTF(len <= TOEPLITZ_TABLE_MAXLEN, "toeplitz_table_hash: %zu bytes, at most %d",
                len, TOEPLITZ_TABLE_MAXLEN);
    uint32_t hash = 0;
    for (size_t i = 0; i < len; i++)
        hash ^= t->t[i][data[i]];
    return hash;
}

/* Contribution of a host-order 32-bit word placed in network order at input offset off. */
static uint32_t table_word(const struct toeplitz_table *t, size_t off, uint32_t w)
{
    return t->t[off][w >> 24] ^ t->t[off + 1][(w >> 16) & 0xff] ^
           t->t[off + 2][(w >> 8) & 0xff] ^ t->t[off + 3][w & 0xff];
}

static uint32_t table_half(const struct toeplitz_table *t, size_t off, uint16_t h)
{
    return t->t[off][h >> 8] ^ t->t[off + 1][h & 0xff];
}

uint32_t toeplitz_ipv4(const struct toeplitz_table *t, uint32_t saddr, uint32_t daddr)
{
    return table_word(t, 0, saddr) ^ table_word(t, 4, daddr);
}

uint32_t toeplitz_ipv4_ports(const struct toeplitz_table *t, uint32_t saddr, uint32_t daddr,
                             uint16_t sport, uint16_t dport)
{
    return toeplitz_ipv4(t, saddr, daddr) ^ table_half(t, 8, sport) ^ table_half(t, 10, dport);
}

/* ---- DragonFly's symmetric key ---------------------------------------------------------- */

void toeplitz_sym_init(struct toeplitz_sym *s, uint8_t seed0, uint8_t seed1)
{
    /* Six key bytes give a window for offset 0 (bytes 0..4) and offset 1 (bytes 1..5); every
     * other offset repeats one of them. DragonFly builds the same rows from its 6-byte key
     * string (toeplitz.c: TOEPLITZ_KEY_STRLEN = 2 seeds + 4). */
    uint8_t k[6];
    toeplitz_sym_key(seed0, seed1, k, sizeof(k));
    fill_row(s->cache[0], &k[0]);
    fill_row(s->cache[1], &k[1]);
}

/* An address at an even input offset: its bytes sit at even, odd, even, odd offsets. */
static uint32_t sym_word(const struct toeplitz_sym *s, uint32_t w)
{
    return s->cache[0][w >> 24] ^ s->cache[1][(w >> 16) & 0xff] ^ s->cache[0][(w >> 8) & 0xff] ^
           s->cache[1][w & 0xff];
}

static uint32_t sym_half(const struct toeplitz_sym *s, uint16_t h)
{
    return s->cache[0][h >> 8] ^ s->cache[1][h & 0xff];
}

uint32_t toeplitz_sym_rawhash_addr(const struct toeplitz_sym *s, uint32_t faddr,
                                   uint32_t laddr)
{
    return sym_word(s, faddr) ^ sym_word(s, laddr);
}

uint32_t toeplitz_sym_rawhash_addrport(const struct toeplitz_sym *s, uint32_t faddr,
                                       uint32_t laddr, uint16_t fport, uint16_t lport)
{
    /* Every field starts at an even offset (0, 4, 8, 10), so a field's contribution does
     * not depend on where it sits: swapping (faddr, fport) with (laddr, lport) gives the
     * same XOR. That is DragonFly's reason for a 2-byte key period (toeplitz.c, head
     * comment): both directions of a TCP connection hash alike. */
    return toeplitz_sym_rawhash_addr(s, faddr, laddr) ^ sym_half(s, fport) ^ sym_half(s, lport);
}

/* ---- hash to queue and CPU -------------------------------------------------------------- */

unsigned toeplitz_reta_index(uint32_t hash) { return hash & (TOEPLITZ_RETA_SIZE - 1); }

void toeplitz_reta_fill(uint8_t reta[TOEPLITZ_RETA_SIZE], unsigned nqueues)
{
    SIM_ASSERTF(nqueues >= 1 && nqueues <= TOEPLITZ_RETA_SIZE,
                "toeplitz_reta_fill: %u queues, expected 1..%d", nqueues, TOEPLITZ_RETA_SIZE);
    for (unsigned r = 0; r < TOEPLITZ_RETA_SIZE; r++)
        reta[r] = (uint8_t)(r % nqueues);
}

/*
 * The grid size for cnt rings on ncpus CPUs, following if_ringmap_alloc (sys/net/if.c):
 * walk the divisors d of ncpus upward, so the candidate grid ncpus/d shrinks; keep the
 * smallest candidate that still holds cnt rings, stopping early once cnt exceeds
 * ncpus/(d+1), the next candidate it could shrink to. Smaller grids let several devices
 * spread their rings over different CPUs (the offset grid * unit); a grid never holds
 * fewer CPUs than rings.
 */
static unsigned ringmap_grid(unsigned cnt, unsigned ncpus)
{
    unsigned prev = ncpus;
    for (unsigned d = 1; d <= ncpus; d++) {
        if (ncpus % d != 0)
            continue;
        unsigned grid = ncpus / d;
        if (cnt > grid)
            return prev;
        if (cnt > ncpus / (d + 1))
            return grid;
        prev = grid;
    }
    return prev; /* not reached: at d = ncpus, cnt >= 1 > ncpus / (ncpus + 1) */
}

void toeplitz_ringmap_init(struct toeplitz_ringmap *rm, unsigned nrings, unsigned ncpus)
{
    SIM_ASSERTF(nrings >= 1 && ncpus >= 1 && ncpus <= TOEPLITZ_NETISR_CPUMAX,
                "toeplitz_ringmap_init: %u rings on %u CPUs (expected >= 1 ring, 1..%d CPUs)",
                nrings, ncpus, TOEPLITZ_NETISR_CPUMAX);
    rm->rm_ncpus = ncpus;
    /* if_ringcnt_fixup: never more rings than netisr CPUs. */
    rm->rm_cnt = nrings > ncpus ? ncpus : nrings;
    rm->rm_grid = ringmap_grid(rm->rm_cnt, ncpus);
}

/*
 * if_ringmap_rdrtable: the first NETISR_CPUMAX entries go round each grid, entry i holding
 * ring (i % grid) % cnt. When cnt does not divide the grid, the last grid % cnt slots of
 * every grid would always name the lowest rings; they are refilled with a counter that runs
 * on across grids, so every ring gets its share. The first NETISR_CPUMAX entries are then
 * repeated over the rest of the table, so the NIC's entry (hash & 127) and the stack's
 * (hash & NETISR_CPUMASK) see the same period: with as many rings as CPUs, ring r is served
 * by CPU r and is exactly the ring whose packets the netisr on CPU r handles.
 */
void toeplitz_ringmap_rdrtable(const struct toeplitz_ringmap *rm,
                               uint8_t reta[TOEPLITZ_RETA_SIZE])
{
    unsigned cnt = rm->rm_cnt, grid = rm->rm_grid;
    uint8_t first[TOEPLITZ_NETISR_CPUMAX];
    for (unsigned i = 0; i < TOEPLITZ_NETISR_CPUMAX; i++)
        first[i] = (uint8_t)((i % grid) % cnt);
    unsigned rem = grid % cnt, next = 0;
    for (unsigned start = grid - rem; rem != 0 && start < TOEPLITZ_NETISR_CPUMAX; start += grid)
        for (unsigned j = 0; j < rem && start + j < TOEPLITZ_NETISR_CPUMAX; j++)
            first[start + j] = (uint8_t)(next++ % cnt);
    for (unsigned i = 0; i < TOEPLITZ_RETA_SIZE; i++)
        reta[i] = first[i % TOEPLITZ_NETISR_CPUMAX];
}

unsigned toeplitz_ringmap_cpu(const struct toeplitz_ringmap *rm, unsigned ring, unsigned unit)
{
    SIM_ASSERTF(ring < rm->rm_cnt, "toeplitz_ringmap_cpu: ring %u of %u", ring, rm->rm_cnt);
    /* if_ringmap_set_grid: device unit u starts at CPU (grid * u) % ncpus. Since grid divides
     * ncpus and holds every ring, offset + ring stays below ncpus. */
    return (rm->rm_grid * unit) % rm->rm_ncpus + ring;
}

unsigned toeplitz_netisr_cpu(uint32_t hash, unsigned ncpus)
{
    SIM_ASSERTF(ncpus >= 1, "toeplitz_netisr_cpu: no CPUs");
    return (hash & TOEPLITZ_NETISR_CPUMASK) % ncpus;
}
