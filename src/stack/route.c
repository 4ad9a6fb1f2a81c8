/*
 * route.c - the IPv4 routing table: a path-compressed binary trie with longest-prefix
 * match (see route.h for the contract and the ownership rules).
 *
 * The trie. A node stands for one prefix rn_key/rn_plen. Its children stand for longer
 * prefixes that extend it, and which child holds a prefix is decided by that prefix's bit
 * rn_plen (counted from the most significant bit): the node "tests one bit". Chains of
 * one-child nodes without a route are never stored (path compression, the Patricia idea:
 * D. R. Morrison, "PATRICIA", JACM 15(4), 1968), so a child may be many bits longer than
 * its parent, and the lookup must check that the address really agrees with each node's
 * prefix. Routes hang on the node of their own prefix. So every node either carries a
 * route or is a "glue" node with exactly two children, where two subtrees diverge; a table
 * of n routes has at most 2n - 1 nodes.
 *
 * Lookup walks from the root along the address's bits, checks each node's prefix, and
 * remembers the last route it passed: prefix lengths strictly grow downwards, so the last
 * one is the longest match, and the walk visits at most 33 nodes (lengths 0..32).
 * BSD's net/radix.c (Sklower, "A Tree-Based Packet Routing Table for Berkeley Unix",
 * USENIX Winter 1991) builds the same kind of tree but keeps routes in the leaves and
 * masks in per-node lists, descends to a leaf first and then backtracks through the masks;
 * checking the prefix on the way down, as here, finds the same answer in one pass and
 * makes the cost a plain count of visited nodes, which is what the machine charges.
 *
 * Memory. Nodes (32 bytes on LP64, two to a cache line as with a kernel's 32-byte malloc
 * bucket) and entries are separate kern_alloc objects, so taking a reference on a route
 * writes the entry's line, not the lines of the nodes every lookup reads. The table head
 * is a kern_alloc object too, so that the machine can price the read of the root pointer.
 */
#include "stack/route.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

struct rt_node {
    uint32_t rn_key;             /* prefix, masked to rn_plen */
    uint8_t rn_plen;             /* 0..32; the node tests address bit rn_plen */
    struct rtentry *rn_route;    /* route for exactly rn_key/rn_plen; NULL: glue node */
    struct rt_node *rn_child[2]; /* longer prefixes, by their bit rn_plen; none at /32 */
};

struct rtable {
    struct rt_node *rtt_root; /* first member: the one word each lookup reads here */
    struct kern_machine *rtt_km;
    size_t rtt_count;         /* routes */
    size_t rtt_nodes;         /* trie nodes, glue included */
    unsigned rtt_cpu;         /* home of every allocation */
    uint16_t rtt_region;
};

/* ---- helpers ---- */

/* An impossible state: say where and what, then stop. Stack code may not use the engine's
 * sim_panic (kern.h is its only door), so this file carries its own. */
_Noreturn __attribute__((format(printf, 3, 4))) static void rt_panic(const char *file,
                                                                     int line,
                                                                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s:%d: route: ", file, line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

#define RT_ASSERTF(cond, ...)                                                          \
    do {                                                                               \
        if (__builtin_expect(!(cond), 0))                                              \
            rt_panic(__FILE__, __LINE__, __VA_ARGS__);                                 \
    } while (0)

/* The netmask of a prefix length (plen <= 32); /0 is the empty mask. */
static uint32_t rt_mask(unsigned plen)
{
    return plen ? UINT32_MAX << (32 - plen) : 0;
}

/* Bit i (0 = most significant) of an address; i < 32. */
static unsigned rt_bit(uint32_t addr, unsigned i)
{
    return (addr >> (31 - i)) & 1u;
}

/* Whether the node's prefix covers `addr`. */
static bool rn_covers(const struct rt_node *n, uint32_t addr)
{
    return ((addr ^ n->rn_key) & rt_mask(n->rn_plen)) == 0;
}

/* Length of the common leading bits of a and b, at most `limit`. */
static unsigned rt_common(uint32_t a, uint32_t b, unsigned limit)
{
    uint32_t x = a ^ b;
    unsigned c = x ? (unsigned)__builtin_clz(x) : 32;
    return c < limit ? c : limit;
}

static unsigned rn_nchildren(const struct rt_node *n)
{
    return (n->rn_child[0] != NULL) + (n->rn_child[1] != NULL);
}

static struct rt_node *rt_node_alloc(struct rtable *t, uint32_t key, unsigned plen)
{
    struct rt_node *n = kern_alloc(t->rtt_km, sizeof(*n), t->rtt_region, t->rtt_cpu);
    if (n) {
        n->rn_key = key;
        n->rn_plen = (uint8_t)plen;
    }
    return n;
}

/*
 * The link (the root pointer or a child pointer) where the node for dst/plen is, or would
 * be inserted: *link is that node, or NULL, or a node off the path of dst/plen (a longer
 * prefix below it, or a diverging one) that an insert must push down. *parentp receives
 * the link of the node holding the returned link (NULL at the root). dst is masked.
 */
static struct rt_node **rt_find_link(struct rtable *t, uint32_t dst, unsigned plen,
                                     struct rt_node ***parentp)
{
    struct rt_node **link = &t->rtt_root, **parent = NULL, *n;
    while ((n = *link) && n->rn_plen < plen && rn_covers(n, dst)) {
        parent = link;
        link = &n->rn_child[rt_bit(dst, n->rn_plen)];
    }
    *parentp = parent;
    return link;
}

static bool rn_is(const struct rt_node *n, uint32_t dst, unsigned plen)
{
    return n && n->rn_plen == plen && n->rn_key == dst;
}

/*
 * The longest match of `dst`: the single downward walk described at the top. With
 * `charge`, each visited node is touched and charged (rt_lookup); without, it is free
 * (rt_check, which may run outside a simulated thread).
 */
static struct rtentry *rt_match(const struct rtable *t, uint32_t dst, bool charge)
{
    struct rtentry *best = NULL;
    const struct rt_node *n = t->rtt_root;
    while (n) {
        if (charge) {
            kern_touch(t->rtt_km, n, sizeof(*n), KT_READ);
            kern_charge_op(t->rtt_km, KOP_rt_node, 1);
        }
        if (!rn_covers(n, dst))
            break;
        if (n->rn_route)
            best = n->rn_route;
        if (n->rn_plen == 32)
            break;
        n = n->rn_child[rt_bit(dst, n->rn_plen)];
    }
    return best;
}

/* ---- the table ---- */

struct rtable *rt_table_create(struct kern_machine *km, unsigned cpu, uint16_t region)
{
    struct rtable *t = kern_alloc(km, sizeof(*t), region, cpu);
    if (!t)
        return NULL;
    t->rtt_km = km;
    t->rtt_cpu = cpu;
    t->rtt_region = region;
    return t;
}

/* Free a subtree: recursion depth is bounded by the 33 prefix lengths. */
static void rt_free_subtree(struct rtable *t, struct rt_node *n)
{
    if (!n)
        return;
    rt_free_subtree(t, n->rn_child[0]);
    rt_free_subtree(t, n->rn_child[1]);
    if (n->rn_route) {
        RT_ASSERTF(n->rn_route->rt_refcnt == 0, "destroying %#x/%u with %u references",
                   (unsigned)n->rn_key, n->rn_plen, (unsigned)n->rn_route->rt_refcnt);
        kern_free(t->rtt_km, n->rn_route);
    }
    kern_free(t->rtt_km, n);
}

void rt_table_destroy(struct rtable *t)
{
    if (!t)
        return;
    rt_free_subtree(t, t->rtt_root);
    kern_free(t->rtt_km, t);
}

size_t rt_route_bytes(void) { return sizeof(struct rtentry) + 2 * sizeof(struct rt_node); }

size_t rt_count(const struct rtable *t)
{
    return t->rtt_count;
}

/* ---- add ---- */

/*
 * Link a new route `e` for dst/plen at `link`, where rt_find_link stopped on `n`, a node
 * off the path (n != NULL, not dst/plen itself). Either dst/plen covers n, and its new
 * node becomes n's parent, or the two diverge at some bit c, and a glue node for their
 * common c-bit prefix gets both as children. All memory is taken before anything is
 * linked, so ENOMEM leaves the table unchanged.
 */
static int rt_insert_above(struct rtable *t, struct rt_node **link, struct rt_node *n,
                           uint32_t dst, unsigned plen, struct rtentry *e)
{
    unsigned c = rt_common(dst, n->rn_key, plen < n->rn_plen ? plen : n->rn_plen);
    struct rt_node *leaf = rt_node_alloc(t, dst, plen);
    if (!leaf)
        return ENOMEM;
    leaf->rn_route = e;
    if (c == plen) { /* dst/plen covers n: its node goes between n and n's parent */
        leaf->rn_child[rt_bit(n->rn_key, plen)] = n;
        *link = leaf;
        t->rtt_nodes++;
        return 0;
    }
    struct rt_node *glue = rt_node_alloc(t, dst & rt_mask(c), c);
    if (!glue) {
        kern_free(t->rtt_km, leaf);
        return ENOMEM;
    }
    /* c < plen and c < n->rn_plen, and bit c is the first one where they differ */
    glue->rn_child[rt_bit(dst, c)] = leaf;
    glue->rn_child[rt_bit(n->rn_key, c)] = n;
    *link = glue;
    t->rtt_nodes += 2;
    return 0;
}

int rt_add(struct rtable *t, uint32_t dst, unsigned plen, uint32_t gateway,
           struct ifnet *ifp)
{
    if (plen > 32)
        return EINVAL;
    dst &= rt_mask(plen);
    struct rt_node **parent;
    struct rt_node **link = rt_find_link(t, dst, plen, &parent);
    struct rt_node *n = *link;
    if (rn_is(n, dst, plen) && n->rn_route)
        return EEXIST;

    struct rtentry *e = kern_alloc(t->rtt_km, sizeof(*e), t->rtt_region, t->rtt_cpu);
    if (!e)
        return ENOMEM;
    *e = (struct rtentry){.rt_dst = dst, .rt_plen = (uint8_t)plen, .rt_gateway = gateway,
                          .rt_ifp = ifp};
    int err = 0;
    if (rn_is(n, dst, plen)) { /* a glue node of that prefix exists: give it the route */
        n->rn_route = e;
    } else if (!n) {           /* an empty slot: a new leaf */
        struct rt_node *leaf = rt_node_alloc(t, dst, plen);
        if (leaf) {
            leaf->rn_route = e;
            *link = leaf;
            t->rtt_nodes++;
        } else {
            err = ENOMEM;
        }
    } else {
        err = rt_insert_above(t, link, n, dst, plen, e);
    }
    if (err) {
        kern_free(t->rtt_km, e);
        return err;
    }
    t->rtt_count++;
    return 0;
}

/* ---- delete ---- */

/*
 * Restore "every node without a route has two children" after node n at `link` lost its
 * route: a node with two children stays as glue; one with one child is replaced by it;
 * a leaf goes, and then its parent (at *parent), if it is glue, is left with one child
 * and is replaced by that child in turn.
 */
static void rt_prune(struct rtable *t, struct rt_node **link, struct rt_node **parent)
{
    struct rt_node *n = *link;
    unsigned kids = rn_nchildren(n);
    if (kids == 2)
        return;
    *link = kids ? n->rn_child[n->rn_child[0] == NULL] : NULL;
    kern_free(t->rtt_km, n);
    t->rtt_nodes--;
    if (kids || !parent)
        return;
    struct rt_node *p = *parent;
    if (p->rn_route)
        return;
    RT_ASSERTF(rn_nchildren(p) == 1, "glue node %#x/%u has %u children after a delete",
               (unsigned)p->rn_key, p->rn_plen, rn_nchildren(p));
    *parent = p->rn_child[p->rn_child[0] == NULL];
    kern_free(t->rtt_km, p);
    t->rtt_nodes--;
}

int rt_delete(struct rtable *t, uint32_t dst, unsigned plen)
{
    if (plen > 32)
        return ESRCH;
    dst &= rt_mask(plen);
    struct rt_node **parent;
    struct rt_node **link = rt_find_link(t, dst, plen, &parent);
    struct rt_node *n = *link;
    if (!rn_is(n, dst, plen) || !n->rn_route)
        return ESRCH;
    struct rtentry *e = n->rn_route;
    RT_ASSERTF(e->rt_refcnt == 0, "deleting %#x/%u with %u references held",
               (unsigned)dst, plen, (unsigned)e->rt_refcnt);
    kern_free(t->rtt_km, e);
    n->rn_route = NULL;
    t->rtt_count--;
    rt_prune(t, link, parent);
    return 0;
}

/* ---- lookup ---- */

struct rtentry *rt_lookup(struct rtable *t, uint32_t dst)
{
    kern_touch(t->rtt_km, &t->rtt_root, sizeof(t->rtt_root), KT_READ);
    struct rtentry *e = rt_match(t, dst, true);
    if (e)
        kern_touch(t->rtt_km, e, sizeof(*e), KT_READ);
    return e;
}

/* ---- invariant walker ---- */

struct rt_walk {
    const struct rtable *t;
    size_t routes, nodes;
};

/* The checks of one route: its fields agree with its node, and longest-prefix match of its
 * own network finds it, or a longer route that also covers that network. */
static void rt_check_route(const struct rtable *t, const struct rt_node *n)
{
    const struct rtentry *e = n->rn_route;
    RT_ASSERTF(e->rt_dst == n->rn_key && e->rt_plen == n->rn_plen,
               "entry %#x/%u hangs on node %#x/%u", (unsigned)e->rt_dst, e->rt_plen,
               (unsigned)n->rn_key, n->rn_plen);
    const struct rtentry *m = rt_match(t, e->rt_dst, false);
    RT_ASSERTF(m && m->rt_plen >= e->rt_plen &&
                   (e->rt_dst & rt_mask(m->rt_plen)) == m->rt_dst &&
                   (m->rt_plen > e->rt_plen || m == e),
               "lookup of %#x/%u finds %#x/%d", (unsigned)e->rt_dst, e->rt_plen,
               m ? (unsigned)m->rt_dst : 0u, m ? m->rt_plen : -1);
}

/* Check node n, reached as child `side` of `p` (NULL at the root), and its subtree. */
static void rt_check_node(struct rt_walk *w, const struct rt_node *p, unsigned side,
                          const struct rt_node *n, unsigned depth)
{
    unsigned k = n->rn_key, l = n->rn_plen;
    RT_ASSERTF(depth <= 33, "node %#x/%u at depth %u: deeper than 33", k, l, depth);
    RT_ASSERTF(l <= 32 && (n->rn_key & ~rt_mask(l)) == 0, "node %#x/%u: bad prefix", k, l);
    if (p) {
        RT_ASSERTF(l > p->rn_plen && rn_covers(p, n->rn_key) &&
                       rt_bit(n->rn_key, p->rn_plen) == side,
                   "node %#x/%u is child %u of %#x/%u", k, l, side, (unsigned)p->rn_key,
                   p->rn_plen);
    }
    RT_ASSERTF(l < 32 || rn_nchildren(n) == 0, "host node %#x/32 has children", k);
    RT_ASSERTF(n->rn_route || rn_nchildren(n) == 2,
               "glue node %#x/%u has %u children (needs 2)", k, l, rn_nchildren(n));
    w->nodes++;
    if (n->rn_route) {
        w->routes++;
        rt_check_route(w->t, n);
    }
    for (unsigned b = 0; b < 2; b++)
        if (n->rn_child[b])
            rt_check_node(w, n, b, n->rn_child[b], depth + 1);
}

void rt_check(const struct rtable *t)
{
    struct rt_walk w = {.t = t};
    if (t->rtt_root)
        rt_check_node(&w, NULL, 0, t->rtt_root, 1);
    RT_ASSERTF(w.routes == t->rtt_count && w.nodes == t->rtt_nodes,
               "walk found %zu routes in %zu nodes, the table counts %zu in %zu", w.routes,
               w.nodes, t->rtt_count, t->rtt_nodes);
    RT_ASSERTF(w.nodes <= (w.routes ? 2 * w.routes - 1 : 0),
               "%zu nodes for %zu routes (at most 2n - 1)", w.nodes, w.routes);
}
