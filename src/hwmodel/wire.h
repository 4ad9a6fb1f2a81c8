/*
 * wire.h - frames and point-to-point links.
 *
 * A frame carries real bytes, from the Ethernet header to the end of the payload (the FCS
 * is not stored but is counted on the wire). Frames come from a pool owned by the world, so
 * a frame can travel from a generator through a link into a NIC and back out.
 *
 * A link is full duplex: each direction has a rate, a propagation delay, a transmit queue
 * with a limit, and a loss probability with its own random stream. A frame occupies the
 * wire for its length plus preamble, SFD, FCS and inter-frame gap (prot/ether.h), so
 * back-to-back 64-byte frames at 10 Gb/s leave every 67.2 ns: exactly 14,880,952 frames a
 * second. Serialisation times are exact to the picosecond with the remainder carried, so
 * a long run at line rate does not drift. A lost frame still occupies the wire (it is
 * corrupted, and the receiver's MAC discards it on its FCS).
 *
 * Ownership: a frame belongs to whoever holds it: the sender until link_send(), the link
 * until delivery, then the receiving device, which must pass it on or free it.
 */
#ifndef MPSTACK_HWMODEL_WIRE_H
#define MPSTACK_HWMODEL_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/rng.h"
#include "sim/sim.h"

#define FRAME_BUF 2048 /* largest frame held: 1514 bytes plus room for a VLAN tag */

struct frame {
    struct frame *f_next;  /* queue link, owned by whoever holds the frame */
    uint32_t f_len;        /* bytes in f_data (FCS excluded) */
    uint32_t f_flow;       /* generator's flow index, for accounting */
    uint64_t f_seq;        /* generator's sequence number */
    sim_time_t f_born;     /* when the generator created it (latency origin) */
    uint8_t f_data[FRAME_BUF];
};

struct frame_pool {
    struct frame *free;
    struct frame **chunks;
    size_t nchunks, chunks_cap;
    uint64_t in_use, peak, allocs;
};

void frame_pool_init(struct frame_pool *p);
void frame_pool_fini(struct frame_pool *p);
struct frame *frame_alloc(struct frame_pool *p);
void frame_free(struct frame_pool *p, struct frame *f);

/* Bytes frame f occupies on the wire, and that time at `bps`. */
uint32_t frame_wire_bytes(const struct frame *f);

struct link;

typedef void (*link_rx_fn)(void *dev, struct frame *f);
typedef void (*link_ready_fn)(void *dev);

struct link_params {
    const char *name;
    uint64_t bps;
    sim_time_t delay;
    uint32_t queue;   /* frames that may wait behind the one being sent */
    double loss;      /* probability that a frame is corrupted on the wire */
};

struct link_stats {
    uint64_t frames;       /* put on the wire */
    uint64_t bytes;        /* frame bytes with FCS */
    uint64_t wire_bytes;   /* with preamble, SFD and gap */
    uint64_t delivered;
    uint64_t dropped;      /* transmit queue full */
    uint64_t lost;         /* corrupted on the wire */
    sim_time_t first_bit;  /* when the first frame started */
    sim_time_t last_bit;   /* when the last frame ended */
};

struct link *link_create(struct sim *sim, struct frame_pool *pool, const struct link_params *p);
void link_destroy(struct link *l);
const char *link_name(const struct link *l);
uint64_t link_bps(const struct link *l);

/* Connect a device to side 0 or 1: rx receives frames arriving at that side; ready (may be
 * NULL) is called whenever a frame sent from that side has left the wire, so a device that
 * paces itself (a NIC's MAC) can hand over the next one. */
void link_attach(struct link *l, int side, link_rx_fn rx, link_ready_fn ready, void *dev);

/* Send f from `side` at the current time (any context). Returns false if the transmit
 * queue is full: f is then freed and counted as dropped. */
bool link_send(struct link *l, int side, struct frame *f);
/* Frames waiting to be sent from `side`, not counting one on the wire. */
size_t link_queued(const struct link *l, int side);
/* Whether a frame sent from `side` now would wait (the wire is busy or frames are queued). */
bool link_busy(const struct link *l, int side);

const struct link_stats *link_stats(const struct link *l, int side);
/* Start of measurement: the counters above start again from zero. */
void link_measure_start(struct link *l);

/* Frames held by the link (queued or in flight), for the world's frame accounting. */
size_t link_frames_held(const struct link *l);

#endif
