/*
 * world_stack.h - the stack hosts of a world: their kernels, the NICs their drivers run,
 * routes, the forwarding metrics and the end-of-run invariants. Internal to src/world.
 */
#ifndef MPSTACK_WORLD_WORLD_STACK_H
#define MPSTACK_WORLD_WORLD_STACK_H

#include <stdbool.h>

#include "results/metrics.h"
#include "world/config.h"

struct hw_host;
struct nic;
struct nic_plan;
struct sim;
struct world_stacks;

struct world_stacks *wstack_create(struct sim *sim, const struct config *c);
/* A host of the scenario; builds its kernel if it runs the stack. */
void wstack_add_host(struct world_stacks *ws, const struct host_cfg *hc, struct hw_host *h);
/* True if the NIC's host runs the stack: then its driver is the stack's. */
bool wstack_take_nic(struct world_stacks *ws, const struct nic_cfg *nc, struct nic *n,
                     const struct nic_plan *plan);
/* After every NIC: routes, then start the netisrs. */
void wstack_start(struct world_stacks *ws);
void wstack_measure_start(struct world_stacks *ws);
void wstack_report(struct world_stacks *ws, struct run_record *rec, double secs);
/* After the drain: every mbuf accounted for, frames in = forwarded + dropped, no message
 * lost, structures consistent. Aborts on a violation. */
void wstack_check(struct world_stacks *ws);
bool wstack_any(const struct world_stacks *ws);
/* Every packet the drivers took in is forwarded or dropped: none waits in a queue or is
 * being handled. *signature changes whenever a driver takes a packet in. */
bool wstack_idle(const struct world_stacks *ws, uint64_t *signature);
/* Packets in netisr ports, IPI queues and send queues of every stack host now. */
uint64_t wstack_queued(const struct world_stacks *ws);
void wstack_destroy(struct world_stacks *ws);

#endif
