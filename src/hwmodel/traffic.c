/*
 * traffic.c - the traffic generator and the sink.
 */
#include "traffic.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hwmodel/toeplitz.h"
#include "prot/cksum.h"
#include "prot/ether.h"
#include "prot/ip.h"
#include "prot/udp.h"
#include "sim/panic.h"

static const char *const spread_names[] = {"random", "even", "single", NULL};
static const char *const spacing_names[] = {"constant", "poisson", NULL};
static const char *const key_names[] = {"sym", "ms", NULL};

#define GF(f) offsetof(struct pktgen_cfg, f)
const struct param_def pktgen_params[PKTGEN_NPARAMS] = {
    {.key = "link", .type = PT_REF, .offset = GF(link), .ref = "links",
     .doc = "the link the generator sends on"},
    {.key = "side", .type = PT_UINT, .offset = GF(side), .def = "0", .min = 0, .max = 1,
     .unit = "side", .doc = "which end of the link it is attached to"},
    {.key = "rate", .type = PT_RATE, .offset = GF(rate), .def = "line",
     .doc = "frames per second (e.g. 5Mpps), bits per second on the wire counting preamble, "
            "FCS and gap (e.g. 1Gbps), or line (back to back)"},
    {.key = "frame", .type = PT_SIZE, .offset = GF(frame), .def = "64B", .min = 64, .max = 1518,
     .doc = "frame size with FCS (RFC 2544 sizes: 64B ... 1518B)"},
    {.key = "flows", .type = PT_UINT, .offset = GF(flows), .def = "1024", .min = 1,
     .max = 65535, .unit = "flows", .doc = "distinct flows (source address and port pairs)"},
    {.key = "spread", .type = PT_ENUM, .offset = GF(spread), .def = "random",
     .choices = spread_names,
     .doc = "how flows spread over the receiver's RSS queues: random tuples, even (chosen so "
            "each queue gets the same number of flows), or single (all on queue 0)"},
    {.key = "queues", .type = PT_UINT, .offset = GF(queues), .def = "16", .min = 1, .max = 128,
     .unit = "queues", .doc = "for spread even/single: the receiver's RSS queue count"},
    {.key = "key", .type = PT_ENUM, .offset = GF(key), .def = "sym", .choices = key_names,
     .doc = "for spread even/single: the receiver's RSS key (sym: DragonFly's 0x6d5a)"},
    {.key = "hash_ports", .type = PT_BOOL, .offset = GF(hash_ports), .def = "false",
     .doc = "for spread even/single: whether the receiver hashes UDP ports (DragonFly's "
            "igb and ix hash UDP on addresses only)"},
    {.key = "spacing", .type = PT_ENUM, .offset = GF(spacing), .def = "constant",
     .choices = spacing_names, .doc = "gaps between frames"},
    {.key = "start", .type = PT_DURATION, .offset = GF(start), .def = "0s", .max = 1e16,
     .doc = "when the first frame is sent"},
    {.key = "count", .type = PT_UINT, .offset = GF(count), .def = "0", .unit = "frames",
     .doc = "frames to send (0: until the run ends)"},
    {.key = "src_ip", .type = PT_STRING, .offset = GF(src_ip), .def = "10.0.0.1",
     .doc = "source address of flow 0 (flow f uses src_ip + f)"},
    {.key = "dst_ip", .type = PT_STRING, .offset = GF(dst_ip), .def = "10.1.0.1",
     .doc = "destination address of every flow"},
    {.key = "dst_port", .type = PT_UINT, .offset = GF(dst_port), .def = "9", .max = 65535,
     .unit = "port", .doc = "UDP destination port (9: discard)"},
};

#define SF(f) offsetof(struct sink_cfg, f)
const struct param_def sink_params[SINK_NPARAMS] = {
    {.key = "link", .type = PT_REF, .offset = SF(link), .ref = "links",
     .doc = "the link the sink receives from"},
    {.key = "side", .type = PT_UINT, .offset = SF(side), .def = "1", .min = 0, .max = 1,
     .unit = "side", .doc = "which end of the link it is attached to"},
};

/* ---- the generator ---- */

/* Payload after the UDP header: 18 bytes, so a 64-byte frame (60 without FCS) holds it. */
struct pktgen_payload {
    uint32_t magic;   /* network byte order */
    uint16_t flow;
    uint32_t seq;
    uint64_t born;    /* ps */
} __attribute__((packed));

#define HDRS_LEN (ETHER_HDR_LEN + (int)sizeof(struct ip) + (int)sizeof(struct udphdr))
_Static_assert(HDRS_LEN + sizeof(struct pktgen_payload) <= ETHER_MIN_LEN - ETHER_CRC_LEN,
               "the generator's payload must fit a minimum-size frame");

struct pktgen {
    struct sim *sim;
    struct frame_pool *pool;
    const struct pktgen_cfg *cfg;
    struct link *link;
    int side;
    uint32_t len;                 /* frame bytes without FCS */
    struct pktgen_flow *flows;
    uint8_t (*tmpl)[HDRS_LEN];    /* per flow: Ethernet, IPv4 and UDP headers */
    struct rng spacing, pick;
    sim_time_t interval;          /* constant spacing, whole ps */
    uint64_t interval_rem, rem, rate_den; /* exact spacing: interval + rem/rate_den */
    double mean_gap;              /* Poisson spacing, ps */
    uint64_t next_flow, seq, sent, refused, sent0, refused0;
    bool stopped;
};

static uint32_t parse_ipv4(const char *s)
{
    struct in_addr a;
    SIM_ASSERTF(inet_pton(AF_INET, s, &a) == 1, "not an IPv4 address: %s", s);
    return ntohl(a.s_addr);
}

/* RSS queue a flow lands on at the receiver, as configured in the generator. */
static unsigned flow_queue(const struct toeplitz_table *t, const uint8_t *reta,
                           const struct pktgen_cfg *c, const struct pktgen_flow *f)
{
    uint32_t h = c->hash_ports ? toeplitz_ipv4_ports(t, f->saddr, f->daddr, f->sport, f->dport)
                               : toeplitz_ipv4(t, f->saddr, f->daddr);
    return reta[toeplitz_reta_index(h)];
}

/* Choose the flows' tuples according to the spread. */
static void make_flows(struct pktgen *g)
{
    const struct pktgen_cfg *c = g->cfg;
    uint32_t saddr = parse_ipv4(c->src_ip), daddr = parse_ipv4(c->dst_ip);
    uint8_t key[TOEPLITZ_KEY_LEN];
    if (c->key == PKTGEN_KEY_SYM)
        toeplitz_sym_key(0x6d, 0x5a, key, sizeof(key));
    else
        memcpy(key, toeplitz_ms_key, sizeof(key));
    struct toeplitz_table *t = xmalloc(sizeof(*t));
    toeplitz_table_init(t, key);
    uint8_t reta[128];
    toeplitz_reta_fill(reta, (unsigned)c->queues);
    uint32_t cand = 0; /* next candidate offset for even/single */
    for (uint64_t i = 0; i < c->flows; i++) {
        struct pktgen_flow *f = &g->flows[i];
        f->daddr = daddr;
        f->dport = (uint16_t)c->dst_port;
        if (c->spread == PKTGEN_RANDOM) {
            f->saddr = saddr + (uint32_t)rng_below(&g->pick, 1u << 16);
            f->sport = (uint16_t)(1024 + rng_below(&g->pick, 64512));
            continue;
        }
        unsigned want = c->spread == PKTGEN_SINGLE ? 0 : (unsigned)(i % c->queues);
        for (uint32_t tries = 0;; tries++) {
            SIM_ASSERTF(tries < (1u << 22), "generator %s: no tuple maps to queue %u", c->name,
                        want);
            f->saddr = saddr + cand;
            f->sport = (uint16_t)(1024 + cand % 64512);
            cand++;
            if (flow_queue(t, reta, c, f) == want)
                break;
        }
    }
    free(t);
}

static void make_templates(struct pktgen *g)
{
    const struct pktgen_cfg *c = g->cfg;
    for (uint64_t i = 0; i < c->flows; i++) {
        uint8_t *p = g->tmpl[i];
        const struct pktgen_flow *f = &g->flows[i];
        struct ether_header eh = {.ether_dhost = {0x02, 0, 0, 0, 0, 0x01},
                                  .ether_shost = {0x02, 0, 0, 0, 0, 0x02},
                                  .ether_type = htons(ETHERTYPE_IP)};
        struct ip ip = {.ip_vhl = IPVERSION << 4 | 5,
                        .ip_len = htons((uint16_t)(g->len - ETHER_HDR_LEN)),
                        .ip_ttl = 64, .ip_p = IPPROTO_UDP,
                        .ip_src = htonl(f->saddr), .ip_dst = htonl(f->daddr)};
        ip.ip_sum = htons(inet_cksum(&ip, sizeof(ip)));
        struct udphdr uh = {.uh_sport = htons(f->sport), .uh_dport = htons(f->dport),
                            .uh_ulen = htons((uint16_t)(g->len - ETHER_HDR_LEN - sizeof(ip))),
                            .uh_sum = 0};
        memcpy(p, &eh, sizeof(eh));
        memcpy(p + sizeof(eh), &ip, sizeof(ip));
        memcpy(p + sizeof(eh) + sizeof(ip), &uh, sizeof(uh));
    }
}

static void send_one(struct pktgen *g)
{
    struct frame *fr = frame_alloc(g->pool);
    uint32_t flow = (uint32_t)(g->next_flow++ % g->cfg->flows);
    fr->f_len = g->len;
    fr->f_flow = flow;
    fr->f_seq = g->seq++;
    fr->f_born = sim_now(g->sim);
    memcpy(fr->f_data, g->tmpl[flow], HDRS_LEN);
    struct pktgen_payload pl = {.magic = htonl(PKTGEN_MAGIC), .flow = (uint16_t)flow,
                                .seq = (uint32_t)(fr->f_seq / g->cfg->flows),
                                .born = fr->f_born};
    memcpy(fr->f_data + HDRS_LEN, &pl, sizeof(pl));
    memset(fr->f_data + HDRS_LEN + sizeof(pl), 0, g->len - HDRS_LEN - sizeof(pl));
    if (link_send(g->link, g->side, fr))
        g->sent++;
    else
        g->refused++;
}

static void tick(struct sim *sim, void *arg)
{
    struct pktgen *g = arg;
    if (g->stopped)
        return;
    send_one(g);
    if (g->cfg->count && g->sent + g->refused >= g->cfg->count)
        return;
    sim_time_t gap;
    if (g->cfg->spacing == PKTGEN_POISSON) {
        gap = (sim_time_t)llround(rng_exp(&g->spacing, g->mean_gap));
    } else {
        gap = g->interval;
        g->rem += g->interval_rem;
        if (g->rem >= g->rate_den) {
            gap += g->rem / g->rate_den;
            g->rem %= g->rate_den;
        }
    }
    sim_at(sim, sim_now(sim) + gap, tick, g);
}

/* Spacing: ps between frames = num / den exactly. */
static void set_spacing(struct pktgen *g)
{
    const struct pktgen_cfg *c = g->cfg;
    uint64_t wire_bits = (uint64_t)ETHER_WIRE_LEN(g->len) * 8;
    unsigned __int128 num;
    uint64_t den;
    if (c->rate.kind == RATE_PPS) {
        num = SIM_PS_PER_S;
        den = c->rate.value;
    } else {
        num = (unsigned __int128)wire_bits * SIM_PS_PER_S;
        den = c->rate.kind == RATE_BPS ? c->rate.value : link_bps(g->link);
    }
    SIM_ASSERT(den > 0);
    g->interval = (sim_time_t)(num / den);
    g->interval_rem = (uint64_t)(num % den);
    g->rate_den = den;
    g->mean_gap = (double)num / (double)den;
}

struct pktgen *pktgen_create(struct sim *sim, struct frame_pool *pool, const struct pktgen_cfg *c,
                             struct link *l)
{
    struct pktgen *g = xcalloc(1, sizeof(*g));
    g->sim = sim;
    g->pool = pool;
    g->cfg = c;
    g->link = l;
    g->side = (int)c->side;
    g->len = (uint32_t)c->frame - ETHER_CRC_LEN;
    g->flows = xcalloc(c->flows, sizeof(*g->flows));
    g->tmpl = xcalloc(c->flows, sizeof(*g->tmpl));
    char stream[128];
    snprintf(stream, sizeof(stream), "generator.%s.spacing", c->name);
    sim_rng(sim, stream, &g->spacing);
    snprintf(stream, sizeof(stream), "generator.%s.flows", c->name);
    sim_rng(sim, stream, &g->pick);
    make_flows(g);
    make_templates(g);
    set_spacing(g);
    sim_at(sim, c->start, tick, g);
    return g;
}

void pktgen_destroy(struct pktgen *g)
{
    if (!g)
        return;
    free(g->flows);
    free(g->tmpl);
    free(g);
}

const struct pktgen_flow *pktgen_flow(const struct pktgen *g, unsigned f) { return &g->flows[f]; }
uint64_t pktgen_sent(const struct pktgen *g) { return g->sent - g->sent0; }
uint64_t pktgen_refused(const struct pktgen *g) { return g->refused - g->refused0; }

void pktgen_stop(struct pktgen *g) { g->stopped = true; }

void pktgen_measure_start(struct pktgen *g)
{
    g->sent0 = g->sent;
    g->refused0 = g->refused;
}

/* ---- the sink ---- */

struct sink {
    struct sim *sim;
    struct frame_pool *pool;
    const struct sink_cfg *cfg;
    unsigned max_flows;
    uint32_t *expect;  /* per flow: next sequence number expected */
    bool *seen;
    struct sink_stats st;
};

/* The checks a frame must pass; returns false for a malformed or foreign frame. */
static bool sink_check(const struct frame *f, struct pktgen_payload *pl)
{
    if (f->f_len < HDRS_LEN + sizeof(*pl))
        return false;
    struct ether_header eh;
    struct ip ip;
    memcpy(&eh, f->f_data, sizeof(eh));
    memcpy(&ip, f->f_data + sizeof(eh), sizeof(ip));
    if (ntohs(eh.ether_type) != ETHERTYPE_IP || ip.ip_vhl != (IPVERSION << 4 | 5) ||
        ip.ip_p != IPPROTO_UDP || inet_cksum(&ip, sizeof(ip)) != 0)
        return false;
    memcpy(pl, f->f_data + HDRS_LEN, sizeof(*pl));
    return ntohl(pl->magic) == PKTGEN_MAGIC;
}

static void sink_rx(void *dev, struct frame *f)
{
    struct sink *s = dev;
    struct pktgen_payload pl;
    s->st.frames++;
    s->st.bytes += f->f_len + ETHER_CRC_LEN;
    if (!sink_check(f, &pl)) {
        s->st.bad++;
        frame_free(s->pool, f);
        return;
    }
    sim_time_t lat_ps = sim_now(s->sim) - pl.born;
    double lat = sim_time_to_s(lat_ps);
    stat_acc_add(&s->st.latency, lat);
    s->st.lat_hist[sink_hist_bucket((lat_ps + 999) / 1000)]++; /* ns rounded up: <= upper */
    if (s->st.latency.n == 1 || lat < s->st.lat_min)
        s->st.lat_min = lat;
    if (lat > s->st.lat_max)
        s->st.lat_max = lat;
    if (pl.flow < s->max_flows) {
        uint32_t *e = &s->expect[pl.flow];
        if (!s->seen[pl.flow] || pl.seq == *e) {
            s->seen[pl.flow] = true;
            *e = pl.seq + 1;
        } else if ((int32_t)(pl.seq - *e) > 0) {
            s->st.gaps += pl.seq - *e;
            *e = pl.seq + 1;
        } else {
            s->st.reordered++;
        }
    }
    frame_free(s->pool, f);
}

unsigned sink_hist_bucket(uint64_t ns)
{
    if (ns < 64)
        return (unsigned)ns;
    unsigned e = 63u - (unsigned)__builtin_clzll(ns); /* >= 6 */
    unsigned b = 64 + (e - 6) * 32 + (unsigned)((ns >> (e - 5)) & 31);
    return b < SINK_HIST_BUCKETS ? b : SINK_HIST_BUCKETS - 1;
}

uint64_t sink_hist_upper(unsigned b)
{
    if (b < 64)
        return b;
    unsigned e = (b - 64) / 32 + 6, sub = (b - 64) % 32;
    return ((uint64_t)(32 + sub) << (e - 5)) + ((uint64_t)1 << (e - 5)) - 1;
}

struct sink *sink_create(struct sim *sim, struct frame_pool *pool, const struct sink_cfg *c,
                         struct link *l, unsigned max_flows)
{
    struct sink *s = xcalloc(1, sizeof(*s));
    s->sim = sim;
    s->pool = pool;
    s->cfg = c;
    s->max_flows = max_flows;
    s->expect = xcalloc(max_flows ? max_flows : 1, sizeof(*s->expect));
    s->seen = xcalloc(max_flows ? max_flows : 1, sizeof(*s->seen));
    stat_acc_init(&s->st.latency);
    link_attach(l, (int)c->side, sink_rx, NULL, s);
    return s;
}

void sink_destroy(struct sink *s)
{
    if (!s)
        return;
    free(s->expect);
    free(s->seen);
    free(s);
}

const struct sink_stats *sink_stats(const struct sink *s) { return &s->st; }

void sink_measure_start(struct sink *s)
{
    s->st.frames = s->st.bytes = s->st.bad = s->st.gaps = s->st.reordered = 0;
    stat_acc_init(&s->st.latency);
    s->st.lat_min = s->st.lat_max = 0;
    memset(s->st.lat_hist, 0, sizeof(s->st.lat_hist));
}
