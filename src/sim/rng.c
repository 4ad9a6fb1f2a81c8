/*
 * rng.c - stream derivation and the non-inline draws of rng.h.
 */
#include "rng.h"

#include <math.h>

uint64_t rng_splitmix64(uint64_t *state)
{
    /* Steele, Lea, Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014. */
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

uint64_t rng_fnv1a64(const char *s)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

void rng_init(struct rng *r, uint64_t master_seed, const char *name)
{
    uint64_t sm = master_seed ^ rng_fnv1a64(name);
    for (int i = 0; i < 4; i++)
        r->s[i] = rng_splitmix64(&sm);
    /* xoshiro must not start from the all-zero state; splitmix64 output never is, but
     * make the contract explicit. */
    if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
        r->s[0] = 1;
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
    /* D. Lemire, "Fast random integer generation in an interval", TOMACS 2019. */
    unsigned __int128 m = (unsigned __int128)rng_u64(r) * n;
    uint64_t lo = (uint64_t)m;
    if (lo < n) {
        uint64_t thresh = -n % n;
        while (lo < thresh) {
            m = (unsigned __int128)rng_u64(r) * n;
            lo = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

double rng_exp(struct rng *r, double mean)
{
    /* 1 - U lies in (0, 1], so the logarithm is finite. */
    return -mean * log(1.0 - rng_uniform(r));
}
