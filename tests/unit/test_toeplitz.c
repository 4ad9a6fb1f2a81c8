/*
 * test_toeplitz.c - the Toeplitz RSS hash (src/hwmodel/toeplitz.c) and the hash-to-queue
 * and hash-to-CPU mappings.
 *
 * What it pins down:
 *   - the published vectors: the Microsoft / Intel 82599 verification suite (IPv4, IPv4+TCP
 *     and one IPv6 pair; hardware.md section 3), the paper's 192.168.1.1:3007 example with
 *     both keys, and the symmetric-key vectors recomputed in hardware.md;
 *   - cross-checks between the three forms: the table form equals the bit-by-bit definition
 *     for random keys and every input length 1..36, and DragonFly's two-row form equals the
 *     definition with the 2-byte-periodic key;
 *   - the two properties DragonFly relies on: with a 2-byte-periodic key the hash of a tuple
 *     equals the hash of the swapped tuple, and the raw hash's two 16-bit halves are equal;
 *   - the redirection table as DragonFly fills it (including if_ringmap_rdrtable's worked
 *     example of 8 rings on 12 CPUs) and the netisr CPU, and that with as many rings as
 *     CPUs the ring's CPU is the netisr CPU for every hash;
 *   - misuse (a key too short, an input too long, no queues) aborts.
 * Random inputs come from the project's named streams (src/sim/rng.h), seed fixed.
 */
#include <string.h>

#include "check.h"
#include "hwmodel/toeplitz.h"
#include "sim/panic.h"
#include "sim/rng.h"

#define SEED 20240601u

static uint32_t ip4(unsigned a, unsigned b, unsigned c, unsigned d)
{
    return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | (uint32_t)d;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* The NIC's input: saddr, daddr, sport, dport in network order; 12 bytes. */
static void tuple_bytes(uint8_t out[12], uint32_t s, uint32_t d, uint16_t sp, uint16_t dp)
{
    put32(out, s);
    put32(out + 4, d);
    put16(out + 8, sp);
    put16(out + 10, dp);
}

struct vec {
    uint32_t saddr, daddr;
    uint16_t sport, dport;
    uint32_t ms_addr, ms_tcp;   /* Microsoft key */
    uint32_t sym_addr, sym_tcp; /* DragonFly's 0x6d5a key, either direction */
};

/* hardware.md section 3: the 82599 datasheet 7.1.2.8.3 suite, and its symmetric values. */
static const struct vec vectors[] = {
    {0x420995bb, 0xa18e6450, 2794, 1766, 0x323e8fc2, 0x51ccc178, 0x0a590a59, 0x9fcc9fcc},
    {0xc75c6f02, 0x41458c53, 14230, 4739, 0xd718262a, 0xc626b0ea, 0x7ba97ba9, 0x60d760d7},
    {0x1813c65f, 0x0c16cfb8, 12898, 38024, 0xd2d0a5de, 0x5c2b394a, 0xa55aa55a, 0x3a3e3a3e},
    {0x261bcd1e, 0xd18ea306, 48228, 2217, 0x82989176, 0xafc7327f, 0xf8a7f8a7, 0xd26ed26e},
    {0x9927a3bf, 0xcabc7f02, 44251, 1303, 0x5d1809c5, 0x10e828a2, 0x57545754, 0xf23ef23e},
};
#define NVEC (sizeof(vectors) / sizeof(vectors[0]))

static void test_vector_addresses(void)
{
    /* Guard against a typo in the table above: the first row is 66.9.149.187:2794 ->
     * 161.142.100.80:1766, the last 153.39.163.191:44251 -> 202.188.127.2:1303. */
    CHECK_EQ(vectors[0].saddr, ip4(66, 9, 149, 187));
    CHECK_EQ(vectors[0].daddr, ip4(161, 142, 100, 80));
    CHECK_EQ(vectors[1].saddr, ip4(199, 92, 111, 2));
    CHECK_EQ(vectors[2].daddr, ip4(12, 22, 207, 184));
    CHECK_EQ(vectors[3].saddr, ip4(38, 27, 205, 30));
    CHECK_EQ(vectors[4].daddr, ip4(202, 188, 127, 2));
}

static void test_ms_vectors(void)
{
    struct toeplitz_table *t = xmalloc(sizeof(*t));
    toeplitz_table_init(t, toeplitz_ms_key);
    for (size_t i = 0; i < NVEC; i++) {
        const struct vec *v = &vectors[i];
        uint8_t in[12];
        tuple_bytes(in, v->saddr, v->daddr, v->sport, v->dport);
        CHECK_EQ(toeplitz_hash(toeplitz_ms_key, TOEPLITZ_KEY_LEN, in, 8), v->ms_addr);
        CHECK_EQ(toeplitz_hash(toeplitz_ms_key, TOEPLITZ_KEY_LEN, in, 12), v->ms_tcp);
        CHECK_EQ(toeplitz_table_hash(t, in, 8), v->ms_addr);
        CHECK_EQ(toeplitz_table_hash(t, in, 12), v->ms_tcp);
        CHECK_EQ(toeplitz_ipv4(t, v->saddr, v->daddr), v->ms_addr);
        CHECK_EQ(toeplitz_ipv4_ports(t, v->saddr, v->daddr, v->sport, v->dport), v->ms_tcp);
    }
    free(t);
}

/* The suite's first IPv6 row: 36 bytes, the longest input the table form takes. */
static void test_ms_ipv6_vector(void)
{
    static const uint8_t in[36] = {
        0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x1f, 0xff, 0, 0, 0, 0, 0, 0, 0, 0x07, /* src */
        0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x00, 0x03, 0, 0, 0, 0, 0, 0, 0, 0x01, /* dst */
        0x0a, 0xea, 0x06, 0xe6, /* ports 2794, 1766 */
    };
    struct toeplitz_table *t = xmalloc(sizeof(*t));
    toeplitz_table_init(t, toeplitz_ms_key);
    CHECK_EQ(toeplitz_hash(toeplitz_ms_key, TOEPLITZ_KEY_LEN, in, 32), 0x2cc18cd5);
    CHECK_EQ(toeplitz_hash(toeplitz_ms_key, TOEPLITZ_KEY_LEN, in, 36), 0x40207d3d);
    CHECK_EQ(toeplitz_table_hash(t, in, 32), 0x2cc18cd5);
    CHECK_EQ(toeplitz_table_hash(t, in, 36), 0x40207d3d);
    free(t);
}

static void test_sym_key(void)
{
    uint8_t key[TOEPLITZ_KEY_LEN];
    toeplitz_sym_key(TOEPLITZ_SEED0, TOEPLITZ_SEED1, key, sizeof(key));
    for (size_t i = 0; i < sizeof(key); i++)
        CHECK_EQ(key[i], i % 2 ? 0x5a : 0x6d);
    /* DragonFly's seeds are the first two bytes of the Microsoft key. */
    CHECK_EQ(toeplitz_ms_key[0], TOEPLITZ_SEED0);
    CHECK_EQ(toeplitz_ms_key[1], TOEPLITZ_SEED1);
    uint8_t odd[5] = {0};
    toeplitz_sym_key(1, 2, odd, 3); /* any length; bytes past keylen untouched */
    CHECK(odd[0] == 1 && odd[1] == 2 && odd[2] == 1 && odd[3] == 0);
}

/* hardware.md, "The paper's example, computed here". */
static void test_paper_example(void)
{
    uint32_t a = ip4(192, 168, 1, 1), b = ip4(192, 168, 1, 2);
    uint8_t key[TOEPLITZ_KEY_LEN];
    toeplitz_sym_key(TOEPLITZ_SEED0, TOEPLITZ_SEED1, key, sizeof(key));
    struct toeplitz_table *ms = xmalloc(sizeof(*ms)), *sym = xmalloc(sizeof(*sym));
    toeplitz_table_init(ms, toeplitz_ms_key);
    toeplitz_table_init(sym, key);
    struct toeplitz_sym s;
    toeplitz_sym_init(&s, TOEPLITZ_SEED0, TOEPLITZ_SEED1);

    CHECK_EQ(toeplitz_ipv4_ports(ms, a, b, 3007, 2003), 0x9e51fb2a);
    CHECK_EQ(toeplitz_ipv4_ports(ms, b, a, 2003, 3007), 0x4c472df4);
    CHECK_EQ(toeplitz_ipv4(ms, a, b), 0x477c47a4);
    CHECK_EQ(toeplitz_ipv4(ms, b, a), 0x6c6d58a4);
    CHECK_EQ(toeplitz_ipv4_ports(sym, a, b, 3007, 2003), 0xe501e501);
    CHECK_EQ(toeplitz_ipv4_ports(sym, b, a, 2003, 3007), 0xe501e501);
    CHECK_EQ(toeplitz_ipv4(sym, a, b), 0xadfbadfb);
    CHECK_EQ(toeplitz_ipv4(sym, b, a), 0xadfbadfb);
    CHECK_EQ(toeplitz_sym_rawhash_addrport(&s, a, b, 3007, 2003), 0xe501e501);
    CHECK_EQ(toeplitz_sym_rawhash_addrport(&s, b, a, 2003, 3007), 0xe501e501);
    CHECK_EQ(toeplitz_sym_rawhash_addr(&s, a, b), 0xadfbadfb);
    CHECK_EQ(toeplitz_dfly_hash(0xe501e501), 0xe501);

    /* The other concatenation, addr, port, addr, port: MS key differs, symmetric does not. */
    uint8_t apap[12];
    put32(apap, a);
    put16(apap + 4, 3007);
    put32(apap + 6, b);
    put16(apap + 10, 2003);
    CHECK_EQ(toeplitz_hash(toeplitz_ms_key, TOEPLITZ_KEY_LEN, apap, 12), 0x2613ece8);
    CHECK_EQ(toeplitz_hash(key, TOEPLITZ_KEY_LEN, apap, 12), 0xe501e501);
    free(ms);
    free(sym);
}

static void test_sym_vectors(void)
{
    uint8_t key[TOEPLITZ_KEY_LEN];
    toeplitz_sym_key(TOEPLITZ_SEED0, TOEPLITZ_SEED1, key, sizeof(key));
    struct toeplitz_table *t = xmalloc(sizeof(*t));
    toeplitz_table_init(t, key);
    struct toeplitz_sym s;
    toeplitz_sym_init(&s, TOEPLITZ_SEED0, TOEPLITZ_SEED1);
    for (size_t i = 0; i < NVEC; i++) {
        const struct vec *v = &vectors[i];
        uint8_t fwd[12], rev[12];
        tuple_bytes(fwd, v->saddr, v->daddr, v->sport, v->dport);
        tuple_bytes(rev, v->daddr, v->saddr, v->dport, v->sport);
        CHECK_EQ(toeplitz_hash(key, sizeof(key), fwd, 12), v->sym_tcp);
        CHECK_EQ(toeplitz_hash(key, sizeof(key), rev, 12), v->sym_tcp);
        CHECK_EQ(toeplitz_hash(key, sizeof(key), fwd, 8), v->sym_addr);
        CHECK_EQ(toeplitz_hash(key, sizeof(key), rev, 8), v->sym_addr);
        CHECK_EQ(toeplitz_ipv4_ports(t, v->saddr, v->daddr, v->sport, v->dport), v->sym_tcp);
        CHECK_EQ(toeplitz_ipv4(t, v->daddr, v->saddr), v->sym_addr);
        /* DragonFly's RSS_DEBUG check hashes a received packet with faddr = its source. */
        CHECK_EQ(toeplitz_sym_rawhash_addrport(&s, v->saddr, v->daddr, v->sport, v->dport),
                 v->sym_tcp);
        CHECK_EQ(toeplitz_sym_rawhash_addrport(&s, v->daddr, v->saddr, v->dport, v->sport),
                 v->sym_tcp);
        CHECK_EQ(toeplitz_sym_rawhash_addr(&s, v->saddr, v->daddr), v->sym_addr);
    }
    free(t);
}

/* 10000 random tuples: the 2-byte-periodic key hashes a tuple and its reverse alike, in
 * all three forms, and the MS key does not (it would be a poor hash if it did). */
static void test_symmetric_property(void)
{
    struct rng r;
    rng_init(&r, SEED, "toeplitz.symmetric");
    uint8_t key[TOEPLITZ_KEY_LEN];
    toeplitz_sym_key(TOEPLITZ_SEED0, TOEPLITZ_SEED1, key, sizeof(key));
    struct toeplitz_table *t = xmalloc(sizeof(*t)), *ms = xmalloc(sizeof(*ms));
    toeplitz_table_init(t, key);
    toeplitz_table_init(ms, toeplitz_ms_key);
    struct toeplitz_sym s;
    toeplitz_sym_init(&s, TOEPLITZ_SEED0, TOEPLITZ_SEED1);
    int bad = 0, ms_same = 0;
    for (int i = 0; i < 10000; i++) {
        uint64_t x = rng_u64(&r), y = rng_u64(&r);
        uint32_t a = (uint32_t)x, b = (uint32_t)(x >> 32);
        uint16_t pa = (uint16_t)y, pb = (uint16_t)(y >> 16);
        uint8_t fwd[12], rev[12];
        tuple_bytes(fwd, a, b, pa, pb);
        tuple_bytes(rev, b, a, pb, pa);
        uint32_t h = toeplitz_sym_rawhash_addrport(&s, a, b, pa, pb);
        bad += h != toeplitz_sym_rawhash_addrport(&s, b, a, pb, pa);
        bad += h != toeplitz_ipv4_ports(t, b, a, pb, pa);
        bad += toeplitz_sym_rawhash_addr(&s, a, b) != toeplitz_sym_rawhash_addr(&s, b, a);
        bad += toeplitz_ipv4(t, a, b) != toeplitz_ipv4(t, b, a);
        if (i < 1000) /* the slow form on a tenth of them */
            bad += toeplitz_hash(key, sizeof(key), fwd, 12) !=
                   toeplitz_hash(key, sizeof(key), rev, 12);
        ms_same += toeplitz_ipv4_ports(ms, a, b, pa, pb) == toeplitz_ipv4_ports(ms, b, a, pb, pa);
    }
    CHECK_EQ(bad, 0);
    CHECK(ms_same < 10);
    free(t);
    free(ms);
}

/* Round k of a loop over symmetric keys: DragonFly's own seed first, then random seeds;
 * the key as the definition wants it (key) and DragonFly's tables (s). */
static void random_sym(struct rng *r, int k, uint8_t key[TOEPLITZ_KEY_LEN],
                       struct toeplitz_sym *s)
{
    uint64_t seeds = rng_u64(r);
    uint8_t s0 = k == 0 ? TOEPLITZ_SEED0 : (uint8_t)seeds;
    uint8_t s1 = k == 0 ? TOEPLITZ_SEED1 : (uint8_t)(seeds >> 8);
    toeplitz_sym_key(s0, s1, key, TOEPLITZ_KEY_LEN);
    toeplitz_sym_init(s, s0, s1);
}

/* With a 2-byte-periodic key every 32-bit key window is two copies of one 16-bit pattern,
 * so the raw hash is too: only its low 16 bits (toeplitz_dfly_hash) carry information. */
static void test_halves_equal(void)
{
    struct rng r;
    rng_init(&r, SEED, "toeplitz.halves");
    int bad = 0;
    for (int k = 0; k < 20; k++) {
        uint8_t key[TOEPLITZ_KEY_LEN];
        struct toeplitz_sym s;
        random_sym(&r, k, key, &s);
        for (int i = 0; i < 500; i++) {
            uint8_t in[TOEPLITZ_TABLE_MAXLEN];
            size_t len = 1 + (size_t)rng_below(&r, TOEPLITZ_TABLE_MAXLEN);
            for (size_t j = 0; j < len; j++)
                in[j] = (uint8_t)rng_u64(&r);
            uint32_t h = toeplitz_hash(key, sizeof(key), in, len);
            bad += (h >> 16) != (h & 0xffff);
            uint64_t x = rng_u64(&r);
            uint32_t raw = toeplitz_sym_rawhash_addrport(&s, (uint32_t)x, (uint32_t)(x >> 32),
                                                         (uint16_t)i, (uint16_t)(x >> 7));
            bad += (raw >> 16) != toeplitz_dfly_hash(raw);
        }
    }
    CHECK_EQ(bad, 0);
}

/* The table form against the definition: random keys, every length 1..36. */
static void test_table_equals_reference(void)
{
    struct rng r;
    rng_init(&r, SEED, "toeplitz.table");
    struct toeplitz_table *t = xmalloc(sizeof(*t));
    int bad = 0, checked = 0;
    for (int k = 0; k < 16; k++) {
        uint8_t key[TOEPLITZ_KEY_LEN];
        for (size_t i = 0; i < sizeof(key); i++)
            key[i] = (uint8_t)rng_u64(&r);
        if (k == 0)
            memset(key, 0xff, sizeof(key)); /* every window all ones */
        toeplitz_table_init(t, key);
        for (size_t len = 1; len <= TOEPLITZ_TABLE_MAXLEN; len++)
            for (int i = 0; i < 8; i++) {
                uint8_t in[TOEPLITZ_TABLE_MAXLEN];
                for (size_t j = 0; j < len; j++)
                    in[j] = (uint8_t)rng_u64(&r);
                if (i == 0)
                    memset(in, 0xff, len);
                bad += toeplitz_table_hash(t, in, len) !=
                       toeplitz_hash(key, sizeof(key), in, len);
                checked++;
            }
        /* the IPv4 helpers lay bytes out as the NIC does */
        uint64_t x = rng_u64(&r), y = rng_u64(&r);
        uint8_t in[12];
        tuple_bytes(in, (uint32_t)x, (uint32_t)(x >> 32), (uint16_t)y, (uint16_t)(y >> 16));
        bad += toeplitz_ipv4_ports(t, (uint32_t)x, (uint32_t)(x >> 32), (uint16_t)y,
                                   (uint16_t)(y >> 16)) != toeplitz_hash(key, 40, in, 12);
        bad += toeplitz_ipv4(t, (uint32_t)x, (uint32_t)(x >> 32)) !=
               toeplitz_hash(key, 40, in, 8);
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(checked, 16 * 36 * 8);
    /* the definition accepts any key of at least len + 4 bytes */
    uint8_t small_key[6] = {0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a}, two[2] = {0x0b, 0xb7};
    uint8_t key[TOEPLITZ_KEY_LEN];
    toeplitz_sym_key(TOEPLITZ_SEED0, TOEPLITZ_SEED1, key, sizeof(key));
    CHECK_EQ(toeplitz_hash(small_key, sizeof(small_key), two, 2), toeplitz_hash(key, 40, two, 2));
    CHECK_EQ(toeplitz_table_hash(t, two, 0), 0);
    free(t);
}

/* DragonFly's two-row form against the definition with its key, for random seeds. */
static void test_sym_equals_reference(void)
{
    struct rng r;
    rng_init(&r, SEED, "toeplitz.sym");
    int bad = 0;
    for (int k = 0; k < 32; k++) {
        uint8_t key[TOEPLITZ_KEY_LEN];
        struct toeplitz_sym s;
        random_sym(&r, k, key, &s);
        for (int i = 0; i < 200; i++) {
            uint64_t x = rng_u64(&r), y = rng_u64(&r);
            uint32_t f = (uint32_t)x, l = (uint32_t)(x >> 32);
            uint16_t fp = (uint16_t)y, lp = (uint16_t)(y >> 16);
            uint8_t in[12];
            tuple_bytes(in, f, l, fp, lp);
            bad += toeplitz_sym_rawhash_addrport(&s, f, l, fp, lp) !=
                   toeplitz_hash(key, sizeof(key), in, 12);
            bad += toeplitz_sym_rawhash_addr(&s, f, l) != toeplitz_hash(key, sizeof(key), in, 8);
        }
    }
    CHECK_EQ(bad, 0);
}

static void test_reta(void)
{
    CHECK_EQ(toeplitz_reta_index(0xe501e501), 1);
    CHECK_EQ(toeplitz_reta_index(0x9fcc9fcc), 0x4c);
    CHECK_EQ(toeplitz_reta_index(0xffffffff), 127);
    uint8_t reta[TOEPLITZ_RETA_SIZE], ring[TOEPLITZ_RETA_SIZE];
    toeplitz_reta_fill(reta, 8);
    CHECK(reta[0] == 0 && reta[7] == 7 && reta[8] == 0 && reta[127] == 7);
    toeplitz_reta_fill(reta, 3);
    CHECK(reta[0] == 0 && reta[1] == 1 && reta[2] == 2 && reta[3] == 0 && reta[127] == 1);
    toeplitz_reta_fill(reta, 128);
    CHECK(reta[5] == 5 && reta[127] == 127);

    /* As many rings as CPUs: one grid, the ring map fills the table like reta_fill. */
    for (unsigned n = 1; n <= TOEPLITZ_NETISR_CPUMAX; n++) {
        struct toeplitz_ringmap rm;
        toeplitz_ringmap_init(&rm, n, n);
        toeplitz_ringmap_rdrtable(&rm, ring);
        toeplitz_reta_fill(reta, n);
        CHECK_EQ(rm.rm_grid, n);
        CHECK(memcmp(reta, ring, sizeof(reta)) == 0);
    }
}

/* if_ringmap (sys/net/if.c): grid sizes, the clamp to the CPU count, ring CPUs, and the
 * worked example in if_ringmap_rdrtable's comment (8 rings, 12 netisr CPUs). */
static void test_ringmap(void)
{
    struct toeplitz_ringmap rm;
    uint8_t reta[TOEPLITZ_RETA_SIZE];
    static const uint8_t example[48] = {
        0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 0, 1, 2, 3, /* p0..p3 at 8..11 */
        4, 5, 6, 7, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, /* p4..p7 at 20..23 */
        0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 4, 5, 6, 7, /* p0..p3, p4..p7 */
    };
    toeplitz_ringmap_init(&rm, 8, 12);
    CHECK(rm.rm_cnt == 8 && rm.rm_grid == 12);
    toeplitz_ringmap_rdrtable(&rm, reta);
    CHECK(memcmp(reta, example, sizeof(example)) == 0);
    unsigned count[8] = {0};
    for (unsigned i = 0; i < TOEPLITZ_RETA_SIZE; i++)
        count[reta[i]]++;
    for (unsigned q = 0; q < 8; q++)
        CHECK_EQ(count[q], 16); /* the patching evens the shares out */

    toeplitz_ringmap_init(&rm, 4, 8); /* two grids of 4: a second device uses CPUs 4..7 */
    CHECK(rm.rm_cnt == 4 && rm.rm_grid == 4);
    CHECK_EQ(toeplitz_ringmap_cpu(&rm, 3, 0), 3);
    CHECK_EQ(toeplitz_ringmap_cpu(&rm, 0, 1), 4);
    CHECK_EQ(toeplitz_ringmap_cpu(&rm, 3, 2), 3);
    toeplitz_ringmap_rdrtable(&rm, reta);
    CHECK(reta[0] == 0 && reta[5] == 1 && reta[127] == 3);

    toeplitz_ringmap_init(&rm, 16, 8); /* if_ringcnt_fixup: no more rings than CPUs */
    CHECK(rm.rm_cnt == 8 && rm.rm_grid == 8);
    toeplitz_ringmap_init(&rm, 5, 12);
    CHECK(rm.rm_cnt == 5 && rm.rm_grid == 6);
    toeplitz_ringmap_init(&rm, 3, 8);
    CHECK(rm.rm_cnt == 3 && rm.rm_grid == 4);
    toeplitz_ringmap_init(&rm, 1, 1);
    CHECK(rm.rm_cnt == 1 && rm.rm_grid == 1);

    /* Every table only names rings in use, every ring appears, and each grid divides ncpus. */
    int bad = 0;
    for (unsigned n = 1; n <= 48; n++)
        for (unsigned q = 1; q <= n; q++) {
            toeplitz_ringmap_init(&rm, q, n);
            toeplitz_ringmap_rdrtable(&rm, reta);
            bad += n % rm.rm_grid != 0 || rm.rm_grid < q;
            unsigned seen[TOEPLITZ_RETA_SIZE] = {0};
            for (unsigned i = 0; i < TOEPLITZ_RETA_SIZE; i++) {
                bad += reta[i] >= q;
                seen[reta[i] % TOEPLITZ_RETA_SIZE]++;
            }
            for (unsigned r = 0; r < q; r++)
                bad += seen[r] == 0;
        }
    CHECK_EQ(bad, 0);
}

static void test_netisr_cpu(void)
{
    CHECK_EQ(toeplitz_netisr_cpu(0xe501e501, 8), 1);
    CHECK_EQ(toeplitz_netisr_cpu(0x9fcc9fcc, 8), 4); /* 0x4c = 76 */
    CHECK_EQ(toeplitz_netisr_cpu(0x9fcc9fcc, 12), 4);
    CHECK_EQ(toeplitz_netisr_cpu(0x9fcc9fcc, 1), 0);
    CHECK_EQ(toeplitz_netisr_cpu(0xffffffff, 12), 127 % 12);
    CHECK_EQ(toeplitz_netisr_cpu(0x00000080, 12), 0); /* bit 7 is above the mask */

    /* DragonFly hands the netisr the 16-bit hash; the raw one gives the same CPU. With as
     * many rings as CPUs, the NIC's queue is served by the CPU whose netisr gets the packet,
     * for every hash and every CPU count: no cross-CPU hop on the receive path. */
    struct rng r;
    rng_init(&r, SEED, "toeplitz.netisr");
    int bad = 0;
    uint8_t reta[TOEPLITZ_RETA_SIZE];
    for (unsigned n = 1; n <= TOEPLITZ_NETISR_CPUMAX; n++) {
        struct toeplitz_ringmap rm;
        toeplitz_ringmap_init(&rm, n, n);
        toeplitz_ringmap_rdrtable(&rm, reta);
        for (int i = 0; i < 200; i++) {
            uint32_t h = (uint32_t)rng_u64(&r);
            unsigned cpu = toeplitz_netisr_cpu(h, n);
            bad += cpu != toeplitz_netisr_cpu(toeplitz_dfly_hash(h), n);
            bad += cpu != toeplitz_ringmap_cpu(&rm, reta[toeplitz_reta_index(h)], 0);
        }
    }
    CHECK_EQ(bad, 0);
}

static void short_key(void *arg)
{
    (void)arg;
    uint8_t key[TOEPLITZ_KEY_LEN] = {0}, in[40] = {0};
    toeplitz_hash(key, sizeof(key), in, 37);
}

static void long_input(void *arg)
{
    const struct toeplitz_table *t = arg;
    uint8_t in[37] = {0};
    toeplitz_table_hash(t, in, sizeof(in));
}

static void no_queues(void *arg)
{
    (void)arg;
    uint8_t reta[TOEPLITZ_RETA_SIZE];
    toeplitz_reta_fill(reta, 0);
}

static void too_many_cpus(void *arg)
{
    (void)arg;
    struct toeplitz_ringmap rm;
    toeplitz_ringmap_init(&rm, 4, TOEPLITZ_NETISR_CPUMAX + 1);
}

static void test_misuse_aborts(void)
{
    struct toeplitz_table *t = xmalloc(sizeof(*t));
    toeplitz_table_init(t, toeplitz_ms_key);
    CHECK_EQ(check_dies_with(short_key, NULL), SIGABRT);
    CHECK_EQ(check_dies_with(long_input, t), SIGABRT);
    CHECK_EQ(check_dies_with(no_queues, NULL), SIGABRT);
    CHECK_EQ(check_dies_with(too_many_cpus, NULL), SIGABRT);
    free(t);
}

int main(void)
{
    RUN(test_vector_addresses);
    RUN(test_ms_vectors);
    RUN(test_ms_ipv6_vector);
    RUN(test_sym_key);
    RUN(test_paper_example);
    RUN(test_sym_vectors);
    RUN(test_symmetric_property);
    RUN(test_halves_equal);
    RUN(test_table_equals_reference);
    RUN(test_sym_equals_reference);
    RUN(test_reta);
    RUN(test_ringmap);
    RUN(test_netisr_cpu);
    RUN(test_misuse_aborts);
    return check_result();
}
