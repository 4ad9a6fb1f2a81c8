/*
 * trace.h - a timeline of a run as Chrome trace-event JSON (opens in the Perfetto UI and in
 * chrome://tracing).
 *
 * Tracks: each host is a process; each simulated CPU is a track (tid = CPU number) holding
 * complete slices for the threads that ran on it, back to back; each simulated thread is a
 * track (tid = 100000 + n) holding the nested slices its code opens (message handlers,
 * interrupt handlers), instant events (drops) and the ends of flow arrows (messages, IPIs).
 * Counter tracks (queue lengths) belong to the host. Times are simulated, in microseconds
 * with picosecond decimals.
 *
 * A window [start, end) bounds the file: events outside it are left out, and a slice is
 * written only if its beginning is inside, so the nesting of what is written stays whole.
 */
#ifndef MPSTACK_SIM_TRACE_H
#define MPSTACK_SIM_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "sim_time.h"

struct sim;
struct sim_thread;
struct sim_trace;

/* NULL with errno set if the file cannot be created. */
struct sim_trace *sim_trace_open(const char *path, sim_time_t start, sim_time_t end);
/* Close sim's trace file (slices still open end now) and detach it; 0, or -1 with errno. */
int sim_trace_close(struct sim *sim);
uint64_t sim_trace_events(const struct sim_trace *t);

void sim_set_trace(struct sim *sim, struct sim_trace *t);
struct sim_trace *sim_get_trace(const struct sim *sim);

/* A stretch [t0, t1) of thread td on its CPU (the engine calls it). */
void sim_trace_cpu_slice(struct sim_trace *t, const struct sim_thread *td, int cpu,
                         const char *host, sim_time_t t0, sim_time_t t1);
/* Slices of the current thread's code, properly nested. */
void sim_trace_begin(struct sim *sim, const char *name);
void sim_trace_end(struct sim *sim);
void sim_trace_instant(struct sim *sim, const char *name);
/* A flow arrow: its start in the current thread now, its end where it is handled. `name`
 * is also the flow's category: ids must be unique among the flows of one name. */
void sim_trace_flow(struct sim *sim, bool start, uint64_t id, const char *name);
/* A flow id for the seq-th flow of `host`: a hash of the host's name above the sequence, so
 * hosts do not share ids, and below 2^53 for JSON readers. */
uint64_t sim_trace_flow_id(const char *host, uint64_t seq);
/* A counter track of the current thread's host (or `host` outside threads). */
void sim_trace_counter(struct sim *sim, const char *host, const char *name, const char *series,
                       double value);

#endif
