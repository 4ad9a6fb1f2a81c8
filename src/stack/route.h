/*
 * route.h - the kernel's IPv4 routing table: routes by destination prefix, found by
 * longest-prefix match.
 *
 * Where it sits: ip_input/ip_forward and ip_output call rt_lookup for each packet's
 * destination and take a reference on the route they use; configuration code (scenario
 * set-up, the interface attach path) calls rt_add and rt_delete. One struct rtable is one
 * table: the kernel keeps either one replica per CPU, as DragonFly does (each CPU reads
 * and counts only its own lines), or one table shared by all CPUs (then taking a reference
 * writes a line every CPU reads, and the coherence model prices that). The table itself
 * knows nothing of that choice.
 *
 * The structure is a path-compressed binary trie (Patricia; Morrison 1968, as in BSD's
 * net/radix.c): an internal node tests one address bit, single-child chains are skipped,
 * and routes hang on the node at their own prefix length. Lookup walks down once, keeping
 * the last route that matched: at most 33 nodes (prefix lengths 0..32), whatever the size
 * of the table. Each visited node is a memory touch and a KOP_rt_node charge, so a deeper
 * table costs more and the nodes' cache lines are priced by the machine.
 *
 * Field ownership (CONVENTIONS rule 4):
 *   [I] set by rt_add, unchanged until rt_delete frees the entry;
 *   [x] written by the CPUs that use the route: in a per-CPU replica only that CPU, in a
 *       shared table every CPU (the coherence model prices the line's transfers).
 * The trie's shape belongs to the table's CPU: rt_add and rt_delete are called on that CPU
 * or in set-up code, and with a shared table the caller serialises them against lookups.
 */
#ifndef MPSTACK_STACK_ROUTE_H
#define MPSTACK_STACK_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "stack/kern.h"

struct ifnet; /* opaque here */

/* One route. Addresses are in host byte order. */
struct rtentry {
    uint32_t rt_dst;       /* [I] network, masked to rt_plen */
    uint8_t rt_plen;       /* [I] prefix length 0..32 */
    uint32_t rt_gateway;   /* [I] next hop; 0 = directly connected (use the destination) */
    struct ifnet *rt_ifp;  /* [I] output interface */
    uint32_t rt_refcnt;    /* [x] references held (a shared table's lookups take one: that
                            *     write is the shared-table cost) */
    uint64_t rt_use;       /* [x] packets routed */
};

struct rtable;

/* A table whose nodes and entries are allocated with kern_alloc(km, ..., region, cpu), so
 * that they are homed on `cpu`'s socket and reported under `region` (any). NULL when
 * kern_alloc fails. */
struct rtable *rt_table_create(struct kern_machine *km, unsigned cpu, uint16_t region);
/* Free every node, every entry and the table with kern_free (any). No entry may still be
 * referenced. */
void rt_table_destroy(struct rtable *t);

/*
 * Add the route dst/plen via `gateway` out of `ifp` (any; see ownership above). dst is
 * masked to plen first, so 10.1.2.3/8 adds 10.0.0.0/8. Returns 0; EINVAL if plen > 32;
 * EEXIST if the table has a route for that prefix already; ENOMEM if kern_alloc fails
 * (the table is then unchanged). Costs no simulated cycles: configuration is not modelled.
 */
int rt_add(struct rtable *t, uint32_t dst, unsigned plen, uint32_t gateway,
           struct ifnet *ifp);
/* Delete the route for exactly dst/plen (dst masked as in rt_add) and free its entry.
 * Returns 0, or ESRCH if there is no such route (plen > 32 included). The entry must not
 * be referenced (rt_refcnt == 0; aborts otherwise): BSD would defer the free to the last
 * rtfree, which this table does not model yet. */
int rt_delete(struct rtable *t, uint32_t dst, unsigned plen);

/*
 * The route with the longest prefix covering `dst`, or NULL (thread). Charges
 * KOP_rt_node and touches (KT_READ) each trie node it visits, and touches the table head
 * and the returned entry (KT_READ). It takes no reference: callers do (rt_refcnt, rt_use).
 */
struct rtentry *rt_lookup(struct rtable *t, uint32_t dst);

/* Number of routes (any). */
size_t rt_count(const struct rtable *t);
/* Bytes one rt_add may allocate at most: the entry and two nodes (the route's own and a glue
 * node), before the allocator's rounding. For the scenario check of kernel.extra_routes. */
size_t rt_route_bytes(void);

/* Invariant walker (any, costs nothing simulated): the trie is well formed, every entry is
 * reachable and found by longest-prefix match of its own prefix, the count matches.
 * Prints what is wrong to stderr and aborts on a violation. */
void rt_check(const struct rtable *t);

#endif
