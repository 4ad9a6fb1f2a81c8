/*
 * sim_time.h - simulated time: integer picoseconds.
 *
 * All time in mpstack is a sim_time_t, an unsigned count of picoseconds since the start of
 * the run (2^64 ps is about 213 days, far beyond any run). There is no floating-point time
 * anywhere in the engine; conversions from cycles use 128-bit integer arithmetic.
 */
#ifndef MPSTACK_SIM_TIME_H
#define MPSTACK_SIM_TIME_H

#include <stdint.h>

typedef uint64_t sim_time_t;

#define SIM_TIME_MAX UINT64_MAX

#define SIM_PS_PER_NS UINT64_C(1000)
#define SIM_PS_PER_US UINT64_C(1000000)
#define SIM_PS_PER_MS UINT64_C(1000000000)
#define SIM_PS_PER_S  UINT64_C(1000000000000)

static inline sim_time_t sim_ps(uint64_t v) { return v; }
static inline sim_time_t sim_ns(uint64_t v) { return v * SIM_PS_PER_NS; }
static inline sim_time_t sim_us(uint64_t v) { return v * SIM_PS_PER_US; }
static inline sim_time_t sim_ms(uint64_t v) { return v * SIM_PS_PER_MS; }
static inline sim_time_t sim_s(uint64_t v) { return v * SIM_PS_PER_S; }

/* Seconds as a double, for reporting only (never fed back into the clock). */
static inline double sim_time_to_s(sim_time_t t) { return (double)t / (double)SIM_PS_PER_S; }

/*
 * Picoseconds taken by `cycles` cycles at `hz`, rounded down; the remainder (in units of
 * 1/hz ps) is added to *rem_acc and carried, so a long series of small charges does not
 * drift from the exact total. rem_acc may be NULL (plain round-down).
 */
static inline sim_time_t sim_cycles_to_ps(uint64_t cycles, uint64_t hz, uint64_t *rem_acc)
{
    unsigned __int128 num = (unsigned __int128)cycles * SIM_PS_PER_S;
    sim_time_t ps = (sim_time_t)(num / hz);
    if (rem_acc) {
        *rem_acc += (uint64_t)(num % hz);
        if (*rem_acc >= hz) {
            ps += *rem_acc / hz;
            *rem_acc %= hz;
        }
    }
    return ps;
}

/* Whole cycles elapsed in `ps` picoseconds at `hz` (rounded to nearest). */
static inline uint64_t sim_ps_to_cycles(sim_time_t ps, uint64_t hz)
{
    unsigned __int128 num = (unsigned __int128)ps * hz + SIM_PS_PER_S / 2;
    return (uint64_t)(num / SIM_PS_PER_S);
}

#endif
