/*
 * traffic.h - a pktgen-style traffic generator and a counting sink, the two ends of the
 * wire in forwarding experiments.
 *
 * The generator builds real Ethernet/IPv4/UDP frames (valid IPv4 header checksum; UDP
 * checksum 0, which IPv4 allows, as Linux pktgen sends them) for a number of flows (flow
 * f comes from source address src_ip + f and source port 1024 + f, unless the spread
 * chooses otherwise), at a
 * rate in packets or bits per second or at line rate, with constant or Poisson spacing.
 * How the flows spread over a receiver's RSS queues is controlled: "random" draws each
 * flow's source port at random; "even" picks, for every flow, a source port whose Toeplitz
 * hash lands on the next queue in turn (for a redirection table filled for `queues`
 * queues), so N flows cover the queues exactly evenly; "single" puts every flow on queue 0.
 * Each payload carries a magic number, the flow, a sequence number and the creation time.
 *
 * The sink counts frames and bytes, checks each one (Ethernet type, IPv4 version, header
 * length and checksum, the magic number), tracks per-flow sequence gaps and reordering,
 * and measures latency from the creation time in the payload.
 */
#ifndef MPSTACK_HWMODEL_TRAFFIC_H
#define MPSTACK_HWMODEL_TRAFFIC_H

#include <stdbool.h>
#include <stdint.h>

#include "hwmodel/wire.h"
#include "scenario/param.h"
#include "sim/stats.h"

#define PKTGEN_MAGIC 0x6d707374u /* "mpst" */

enum pktgen_spread { PKTGEN_RANDOM, PKTGEN_EVEN, PKTGEN_SINGLE };
enum pktgen_spacing { PKTGEN_CONSTANT, PKTGEN_POISSON };
enum pktgen_key { PKTGEN_KEY_SYM, PKTGEN_KEY_MS };

struct pktgen_cfg {
    char *name;
    char *link;               /* link and side it sends on */
    uint64_t side;
    struct param_rate rate;
    uint64_t frame;           /* bytes, FCS included: 64 .. 1518 */
    uint64_t flows;
    int spread;               /* enum pktgen_spread */
    uint64_t queues;          /* for "even": the receiver's RSS queue count */
    int key;                  /* enum pktgen_key: the receiver's RSS key */
    bool hash_ports;          /* the receiver hashes UDP ports too (DragonFly: no) */
    int spacing;              /* enum pktgen_spacing */
    sim_time_t start;
    uint64_t count;           /* frames to send; 0 = until the run ends */
    char *src_ip, *dst_ip;    /* first addresses of the flows */
    uint64_t dst_port;
};

#define PKTGEN_NPARAMS 15
extern const struct param_def pktgen_params[PKTGEN_NPARAMS];

struct sink_cfg {
    char *name;
    char *link;
    uint64_t side;
};

#define SINK_NPARAMS 2
extern const struct param_def sink_params[SINK_NPARAMS];

struct pktgen;
struct sink;

/* Flow f's 4-tuple, host byte order. */
struct pktgen_flow {
    uint32_t saddr, daddr;
    uint16_t sport, dport;
};

struct pktgen *pktgen_create(struct sim *sim, struct frame_pool *pool, const struct pktgen_cfg *c,
                             struct link *l);
void pktgen_destroy(struct pktgen *g);
const struct pktgen_flow *pktgen_flow(const struct pktgen *g, unsigned f);
uint64_t pktgen_sent(const struct pktgen *g);     /* handed to the link */
uint64_t pktgen_refused(const struct pktgen *g);  /* link queue full */
/* Send nothing more (the end-of-run drain). */
void pktgen_stop(struct pktgen *g);
/* Restart the counts (end of warm-up). */
void pktgen_measure_start(struct pktgen *g);

/* Latency histogram in nanoseconds (rounded up): one bucket per value below 64 ns, then 32
 * buckets per power of two (at most 3% apart), up to about 17 s; longer ones land in the
 * last. */
#define SINK_HIST_BUCKETS (64 + 28 * 32)
unsigned sink_hist_bucket(uint64_t ns);
/* Largest latency (ns) bucket b holds. */
uint64_t sink_hist_upper(unsigned b);

struct sink_stats {
    uint64_t frames, bytes;
    uint64_t bad;             /* failed a check */
    uint64_t gaps;            /* frames missing in per-flow sequences */
    uint64_t reordered;
    struct stat_acc latency;  /* seconds */
    double lat_min, lat_max;
    uint64_t lat_hist[SINK_HIST_BUCKETS]; /* latency histogram, see sink_hist_* */
};

struct sink *sink_create(struct sim *sim, struct frame_pool *pool, const struct sink_cfg *c,
                         struct link *l, unsigned max_flows);
void sink_destroy(struct sink *s);
const struct sink_stats *sink_stats(const struct sink *s);
void sink_measure_start(struct sink *s);

#endif
