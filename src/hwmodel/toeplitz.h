/*
 * toeplitz.h - the Toeplitz RSS hash, shared by the NIC model and the network stack, and
 * the mapping from a hash to a redirection-table entry, a receive queue and a netisr CPU.
 *
 * Where it sits: a received frame's 4-tuple is hashed by the NIC (src/hwmodel, the igb and
 * ix models), which picks the receive queue from its 128-entry redirection table and hands
 * the hash up with the packet; the stack (src/stack, netisr_) passes the low 16 bits on
 * (DragonFly's toeplitz_hash()) and picks the netisr CPU from them. Because both sides call
 * this one file with the same key, the hardware hash and the software hash agree, which is
 * exactly what DragonFly arranges by programming its own key into the NIC (igb, ix: RSSRK).
 *
 * Three forms of the same function, which the unit test proves equal:
 *   - toeplitz_hash: the definition, bit by bit, for any key (the reference);
 *   - struct toeplitz_table: one 256-entry table per input byte position, for per-packet
 *     use with any 40-byte key (36 lookups at most);
 *   - struct toeplitz_sym: DragonFly's two 256-entry tables for a key made of two repeated
 *     seed bytes (sys/net/toeplitz.c toeplitz_cache_create, sys/net/toeplitz2.h
 *     toeplitz_rawhash_addrport: 12 lookups for address+port, 8 for addresses).
 *
 * Input order (Microsoft RSS specification; Intel 82599 datasheet 7.1.2.8): source address,
 * destination address, source port, destination port, each in network byte order. All
 * functions here take addresses and ports in host order and lay the bytes out themselves.
 *
 * Everything here is pure: tables are filled once by their owner and only read afterwards,
 * so one table may be shared by every CPU of a simulation ([I] after init).
 */
#ifndef MPSTACK_HWMODEL_TOEPLITZ_H
#define MPSTACK_HWMODEL_TOEPLITZ_H

#include <stddef.h>
#include <stdint.h>

/* RSS key length of the 82576 and 82599 (ten 32-bit RSSRK registers). */
#define TOEPLITZ_KEY_LEN 40
/* Longest input of the table form: two IPv6 addresses and two ports. */
#define TOEPLITZ_TABLE_MAXLEN 36
/* DragonFly's default key seeds (sys/net/toeplitz.c TOEPLITZ_KEYSEED0/1). */
#define TOEPLITZ_SEED0 0x6d
#define TOEPLITZ_SEED1 0x5a
/* Entries of the redirection table of the 82576 and 82599 (32 RETA registers of 4 entries;
 * IGB_NRETA * IGB_RETA_SIZE, IX_NRETA * IX_RETA_SIZE in DragonFly's drivers). */
#define TOEPLITZ_RETA_SIZE 128
/* DragonFly's NETISR_CPUMAX: the netisr CPU is taken from (hash & NETISR_CPUMASK), and
 * if_ringmap_rdrtable (sys/net/if.c) fills the first NETISR_CPUMAX redirection entries and
 * repeats them over the rest of the table. The value must divide TOEPLITZ_RETA_SIZE
 * (if_ringmap_rdrtable asserts table_nent & NETISR_CPUMASK == 0 and igb passes 128). The
 * defining header was not among the sources read; 128 is inferred, see toeplitz.c. */
#define TOEPLITZ_NETISR_CPUMAX 128
#define TOEPLITZ_NETISR_CPUMASK (TOEPLITZ_NETISR_CPUMAX - 1)

/* The Microsoft default key, also the Intel 82599 datasheet's verification key. */
extern const uint8_t toeplitz_ms_key[TOEPLITZ_KEY_LEN];

/* DragonFly's toeplitz_get_key: fill key[0..keylen) with seed0, seed1, seed0, ... */
void toeplitz_sym_key(uint8_t seed0, uint8_t seed1, uint8_t *key, size_t keylen);

/*
 * The reference definition: for every set bit i of data (most significant bit of data[0]
 * first), XOR in the 32 key bits starting at key bit i. Requires keylen >= len + 4 (aborts
 * otherwise). Slow (a loop per input bit); use the table forms per packet.
 */
uint32_t toeplitz_hash(const uint8_t *key, size_t keylen, const uint8_t *data, size_t len);

/* Per-byte-position tables for one 40-byte key: t[i][v] is the hash contribution of byte
 * value v at input offset i. 36 KiB; fill once, then share read-only. */
struct toeplitz_table {
    uint32_t t[TOEPLITZ_TABLE_MAXLEN][256];
};

void toeplitz_table_init(struct toeplitz_table *t, const uint8_t key[TOEPLITZ_KEY_LEN]);

/* Hash of data[0..len), len <= TOEPLITZ_TABLE_MAXLEN (aborts otherwise); equals
 * toeplitz_hash(key, TOEPLITZ_KEY_LEN, data, len) for the key the table was built from. */
uint32_t toeplitz_table_hash(const struct toeplitz_table *t, const uint8_t *data, size_t len);

/* The NIC's IPv4 hashes (82599 datasheet 7.1.2.8, RSS types IPv4 and IPv4+TCP): addresses
 * and ports in host order; hashed as saddr, daddr[, sport, dport] in network order. */
uint32_t toeplitz_ipv4(const struct toeplitz_table *t, uint32_t saddr, uint32_t daddr);
uint32_t toeplitz_ipv4_ports(const struct toeplitz_table *t, uint32_t saddr, uint32_t daddr,
                             uint16_t sport, uint16_t dport);

/*
 * DragonFly's symmetric-key precomputation. With a key of period two bytes, the 32 key bits
 * any input byte meets depend only on whether its offset is even or odd, so two 256-entry
 * rows serve every position: cache[0] for even offsets, cache[1] for odd ones.
 */
struct toeplitz_sym {
    uint32_t cache[2][256];
};

void toeplitz_sym_init(struct toeplitz_sym *s, uint8_t seed0, uint8_t seed1);

/*
 * Raw 32-bit hash of faddr, laddr, fport, lport (12 lookups) or of faddr, laddr (8), equal
 * to toeplitz_hash with toeplitz_sym_key(seed0, seed1). Host-order arguments; DragonFly's
 * toeplitz_rawhash_addrport takes network-order words and picks bytes by shifts that assume
 * a little-endian CPU, which is the same byte-to-row assignment. For a received packet
 * "foreign" is the source (DragonFly's RSS_DEBUG self-check in sys/net/toeplitz.c hashes
 * the first Microsoft vector as faddr = its source).
 */
uint32_t toeplitz_sym_rawhash_addrport(const struct toeplitz_sym *s, uint32_t faddr,
                                       uint32_t laddr, uint16_t fport, uint16_t lport);
uint32_t toeplitz_sym_rawhash_addr(const struct toeplitz_sym *s, uint32_t faddr,
                                   uint32_t laddr);

/* DragonFly's toeplitz_hash(raw) (sys/net/toeplitz2.h): only the low 16 bits go on to
 * m_sethash (igb_rssinfo in sys/dev/netif/igb/if_igb.c). With a 2-byte-periodic key the
 * upper half of the raw hash repeats the lower half, so nothing is lost. */
static inline uint32_t toeplitz_dfly_hash(uint32_t raw) { return raw & 0xffff; }

/* Redirection-table entry the NIC reads for a hash: its low 7 bits, an index into the
 * 128-entry table (82599 datasheet 7.1.2.8; DragonFly's comment in if_ix.c
 * ix_init_rx_unit: rdr_table[hash & rdr_table_mask]). */
unsigned toeplitz_reta_index(uint32_t hash);

/* The redirection table as DragonFly's drivers fill it when the ring count equals the
 * netisr CPU count: entry r holds r % nqueues (sys/dev/netif/ix/if_ix.c ix_init_rx_unit
 * before if_ringmap; the same as toeplitz_ringmap_rdrtable with nqueues rings on nqueues
 * CPUs). 1 <= nqueues <= TOEPLITZ_RETA_SIZE (aborts otherwise). */
void toeplitz_reta_fill(uint8_t reta[TOEPLITZ_RETA_SIZE], unsigned nqueues);

/*
 * DragonFly's ring map (sys/net/if.c, if_ringmap_alloc, if_ringmap_rdrtable): how many RX
 * rings a driver uses on netisr_ncpus CPUs, which CPU serves each ring, and how the
 * redirection table is filled so that a ring's packets mostly hash to its own netisr CPU.
 * The CPUs are divided into grids of rm_grid CPUs (a divisor of ncpus, at least rm_cnt);
 * ring r of device unit u is served by CPU (rm_grid * u) % ncpus + r.
 */
struct toeplitz_ringmap {
    unsigned rm_cnt;   /* rings in use: the request, at most ncpus (if_ringcnt_fixup) */
    unsigned rm_grid;  /* CPUs per grid */
    unsigned rm_ncpus; /* netisr_ncpus */
};

/* nrings >= 1 (the driver's wish, already clamped to what the chip has), 1 <= ncpus <=
 * TOEPLITZ_NETISR_CPUMAX; aborts otherwise. */
void toeplitz_ringmap_init(struct toeplitz_ringmap *rm, unsigned nrings, unsigned ncpus);

/* Fill a 128-entry redirection table with ring indices, as if_ringmap_rdrtable does. */
void toeplitz_ringmap_rdrtable(const struct toeplitz_ringmap *rm,
                               uint8_t reta[TOEPLITZ_RETA_SIZE]);

/* The CPU that serves ring `ring` of device unit `unit` (if_ringmap_cpumap). */
unsigned toeplitz_ringmap_cpu(const struct toeplitz_ringmap *rm, unsigned ring, unsigned unit);

/* The netisr CPU for a hash, as DragonFly's netisr_hashcpu (sys/net/netisr2.h):
 * (hash & NETISR_CPUMASK) % ncpus. DragonFly passes the 16-bit toeplitz_dfly_hash; the
 * mask makes the raw hash give the same answer. ncpus >= 1. */
unsigned toeplitz_netisr_cpu(uint32_t hash, unsigned ncpus);

#endif
