/*
 * rng.h - named random streams.
 *
 * Every consumer of randomness (an arrival process, a flow generator, a link's loss) owns a
 * struct rng derived from the run's master seed and a stream name. The stream's state is
 * xoshiro256** (Blackman and Vigna, "Scrambled linear pseudorandom number generators",
 * 2018), seeded by running splitmix64 over (master seed XOR FNV-1a-64(name)). A stream
 * depends only on the master seed and its own name, so adding a draw to one workload
 * never shifts the numbers another workload sees. Never call rand().
 */
#ifndef MPSTACK_SIM_RNG_H
#define MPSTACK_SIM_RNG_H

#include <stdint.h>

struct rng {
    uint64_t s[4];
};

/* Derive the stream `name` from `master_seed`. */
void rng_init(struct rng *r, uint64_t master_seed, const char *name);

/* One splitmix64 step: also useful as a 64-bit mixing function. */
uint64_t rng_splitmix64(uint64_t *state);

/* FNV-1a 64-bit hash of a string (stable across runs and platforms). */
uint64_t rng_fnv1a64(const char *s);

static inline uint64_t rng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* Next 64 random bits (xoshiro256**). */
static inline uint64_t rng_u64(struct rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rng_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rng_rotl(s[3], 45);
    return result;
}

/* Uniform double in [0, 1) with 53 random bits. */
static inline double rng_uniform(struct rng *r)
{
    return (double)(rng_u64(r) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [0, n) without modulo bias (Lemire's multiply-and-reject). n > 0. */
uint64_t rng_below(struct rng *r, uint64_t n);

/* Exponential variate with the given mean (inversion; never returns infinity). */
double rng_exp(struct rng *r, double mean);

#endif
