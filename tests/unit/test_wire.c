/*
 * test_wire.c - links: exact serialisation times with preamble, SFD, FCS and gap; line rate
 * over a long train without drift; propagation delay; the transmit-queue limit; loss on
 * its own random stream; the ready callback; frame accounting.
 */
#include <string.h>

#include "check.h"
#include "hwmodel/traffic.h"
#include "hwmodel/wire.h"
#include "prot/ether.h"

struct rx_log {
    struct frame_pool *pool;
    sim_time_t first, last;
    uint64_t n, ready;
};

static void on_rx(void *dev, struct frame *f)
{
    struct rx_log *r = dev;
    struct sim *sim = NULL;
    (void)sim;
    if (r->n == 0)
        r->first = f->f_born;
    r->last = f->f_born;
    r->n++;
    frame_free(r->pool, f);
}

static void on_ready(void *dev) { ((struct rx_log *)dev)->ready++; }

/* The receiver stamps arrival times into f_born (it is ours in this test). */
struct stamp {
    struct sim *sim;
    struct rx_log log;
};

static void stamp_rx(void *dev, struct frame *f)
{
    struct stamp *s = dev;
    f->f_born = sim_now(s->sim);
    on_rx(&s->log, f);
}

static struct frame *mkframe(struct frame_pool *p, uint32_t len)
{
    struct frame *f = frame_alloc(p);
    f->f_len = len;
    memset(f->f_data, 0, len);
    return f;
}

static void test_wire_bytes(void)
{
    struct frame f = {.f_len = 60};
    CHECK_EQ(frame_wire_bytes(&f), 84);  /* 64 with FCS + 20 */
    f.f_len = 42;                         /* padded to the minimum */
    CHECK_EQ(frame_wire_bytes(&f), 84);
    f.f_len = 1514;
    CHECK_EQ(frame_wire_bytes(&f), 1538);
}

struct train {
    struct sim *sim;
    struct link *l;
    struct frame_pool *pool;
    uint32_t len;
    int left;
};

static void send_now(struct sim *sim, void *arg)
{
    struct train *t = arg;
    (void)sim;
    while (t->left > 0) {
        t->left--;
        link_send(t->l, 0, mkframe(t->pool, t->len));
    }
}

/* n back-to-back frames: the last one arrives at n x serialisation + delay. */
static sim_time_t run_train(uint64_t bps, uint32_t len, int n, sim_time_t delay, uint64_t *got)
{
    struct sim_params sp = {.seed = 1};
    struct sim *sim = sim_create(&sp);
    struct frame_pool pool;
    frame_pool_init(&pool);
    struct link_params lp = {.name = "l", .bps = bps, .delay = delay, .queue = (uint32_t)n};
    struct link *l = link_create(sim, &pool, &lp);
    struct stamp st = {.sim = sim, .log = {.pool = &pool}};
    link_attach(l, 1, stamp_rx, NULL, &st);
    struct train t = {sim, l, &pool, len, n};
    sim_at(sim, 0, send_now, &t);
    sim_run_until(sim, sim_s(10));
    *got = st.log.n;
    CHECK_EQ(pool.in_use, 0);
    CHECK_EQ(link_frames_held(l), 0);
    sim_time_t last = st.log.last;
    link_destroy(l);
    frame_pool_fini(&pool);
    sim_destroy(sim);
    return last;
}

static void test_serialisation(void)
{
    uint64_t got;
    /* 64-byte frames at 10 Gb/s: 84 bytes = 672 bits = 67.2 ns each */
    CHECK_EQ(run_train(10000000000ull, 60, 1, 0, &got), 67200);
    CHECK_EQ(run_train(10000000000ull, 60, 1000, 0, &got), 1000 * 67200);
    CHECK_EQ(got, 1000);
    /* 1518-byte frames at 1 Gb/s: 1538 bytes, 12.304 us each */
    CHECK_EQ(run_train(1000000000ull, 1514, 10, sim_us(5), &got), 10 * sim_ns(12304) + sim_us(5));
    /* a rate that does not divide evenly: remainders are carried, no drift. 3 Gb/s:
     * 672 bits = 224 ns exactly; 1 frame of 65 bytes (85 on the wire, 680 bits) = 226.67 ns */
    sim_time_t t = run_train(3000000000ull, 61, 3000, 0, &got);
    CHECK_EQ(t, (sim_time_t)((unsigned __int128)3000 * 680 * SIM_PS_PER_S / 3000000000ull));
    /* 14,880,952 frames a second at 10 Gb/s */
    t = run_train(10000000000ull, 60, 14880, 0, &got);
    CHECK(t <= sim_ms(1) && t + 67200 > sim_ms(1));
}

static void test_queue_limit_and_ready(void)
{
    struct sim_params sp = {.seed = 1};
    struct sim *sim = sim_create(&sp);
    struct frame_pool pool;
    frame_pool_init(&pool);
    struct link_params lp = {.name = "l", .bps = 1000000000ull, .delay = 0, .queue = 3};
    struct link *l = link_create(sim, &pool, &lp);
    struct rx_log rx = {.pool = &pool}, tx = {.pool = &pool};
    link_attach(l, 1, on_rx, NULL, &rx);
    link_attach(l, 0, NULL, on_ready, &tx);
    int accepted = 0;
    for (int i = 0; i < 6; i++)
        accepted += link_send(l, 0, mkframe(&pool, 60));
    CHECK_EQ(accepted, 4); /* one on the wire, three queued */
    CHECK_EQ(link_queued(l, 0), 3);
    CHECK(link_busy(l, 0));
    sim_run_until(sim, sim_ms(1));
    CHECK_EQ(rx.n, 4);
    CHECK_EQ(tx.ready, 4);
    CHECK_EQ(link_stats(l, 0)->dropped, 2);
    CHECK_EQ(link_stats(l, 0)->frames, 4);
    CHECK_EQ(pool.in_use, 0);
    link_destroy(l);
    frame_pool_fini(&pool);
    sim_destroy(sim);
}

static uint64_t lost_with(uint64_t seed, double loss)
{
    struct sim_params sp = {.seed = seed};
    struct sim *sim = sim_create(&sp);
    struct frame_pool pool;
    frame_pool_init(&pool);
    struct link_params lp = {.name = "l", .bps = 10000000000ull, .queue = 20000, .loss = loss};
    struct link *l = link_create(sim, &pool, &lp);
    struct rx_log rx = {.pool = &pool};
    link_attach(l, 1, on_rx, NULL, &rx);
    for (int i = 0; i < 10000; i++)
        link_send(l, 0, mkframe(&pool, 60));
    sim_run_until(sim, sim_ms(10));
    uint64_t lost = link_stats(l, 0)->lost;
    CHECK_EQ(lost + rx.n, 10000);
    CHECK_EQ(pool.in_use, 0);
    link_destroy(l);
    frame_pool_fini(&pool);
    sim_destroy(sim);
    return lost;
}

static void test_loss(void)
{
    uint64_t a = lost_with(1, 0.1), b = lost_with(1, 0.1), c = lost_with(2, 0.1);
    CHECK_EQ(a, b);                 /* deterministic for a seed */
    CHECK(a != c);                  /* its own stream, changing with the seed */
    CHECK(a > 900 && a < 1100);     /* about 10% (binomial sd ~30) */
    CHECK_EQ(lost_with(1, 0.0), 0);
}

/* The sink counts a generator's frames as good and malformed or foreign frames as bad:
 * too short for the headers, ARP, an IPv4 header with a wrong checksum, and all zeros.
 * None of them stops or crashes it. */
static void test_sink_checks(void)
{
    struct sim_params sp = {.seed = 3};
    struct sim *sim = sim_create(&sp);
    struct frame_pool pool;
    frame_pool_init(&pool);
    struct link_params lp = {.name = "l", .bps = 1000000000, .queue = 100};
    struct link *l = link_create(sim, &pool, &lp);
    struct sink_cfg sc = {.name = "s", .link = "l", .side = 1};
    struct sink *k = sink_create(sim, &pool, &sc, l, 4);
    struct pktgen_cfg gc = {.name = "g", .link = "l", .side = 0,
                            .rate = {.value = 100000, .kind = RATE_PPS}, .frame = 64, .flows = 4,
                            .spread = PKTGEN_RANDOM, .queues = 1, .count = 8,
                            .src_ip = "10.0.0.1", .dst_ip = "10.0.1.1", .dst_port = 9};
    struct pktgen *g = pktgen_create(sim, &pool, &gc, l);
    sim_run_until(sim, sim_ms(1));
    CHECK_EQ(pktgen_sent(g), 8);
    CHECK_EQ(sink_stats(k)->frames, 8);
    CHECK_EQ(sink_stats(k)->bad, 0);
    CHECK_EQ(sink_stats(k)->gaps, 0);
    link_send(l, 0, mkframe(&pool, 20));          /* shorter than the headers */
    struct frame *arp = mkframe(&pool, 60);
    arp->f_data[12] = 0x08, arp->f_data[13] = 0x06; /* EtherType ARP */
    link_send(l, 0, arp);
    struct frame *ip = mkframe(&pool, 60);          /* IPv4, header checksum left 0 */
    ip->f_data[12] = 0x08, ip->f_data[14] = 0x45, ip->f_data[23] = 17;
    link_send(l, 0, ip);
    link_send(l, 0, mkframe(&pool, 60));            /* all zeros: EtherType 0 */
    sim_run_until(sim, sim_ms(2));
    CHECK_EQ(sink_stats(k)->frames, 12);
    CHECK_EQ(sink_stats(k)->bad, 4);
    CHECK_EQ(link_frames_held(l), 0);
    pktgen_destroy(g);
    sink_destroy(k);
    link_destroy(l);
    frame_pool_fini(&pool);
    sim_destroy(sim);
}

/* The sink's latency histogram: every value lands in the bucket whose range holds it, and
 * buckets are at most 1/32 of their value wide. */
static void test_latency_histogram(void)
{
    for (uint64_t v = 0; v < 200000; v += (v < 1000 ? 1 : v / 97)) {
        unsigned b = sink_hist_bucket(v);
        CHECK(b < SINK_HIST_BUCKETS);
        CHECK(sink_hist_upper(b) >= v);
        if (b > 0)
            CHECK(sink_hist_upper(b - 1) < v);
        if (v >= 64)
            CHECK((double)(sink_hist_upper(b) - v) <= (double)v / 32.0);
    }
    CHECK_EQ(sink_hist_bucket(UINT64_C(1) << 40), SINK_HIST_BUCKETS - 1);
    CHECK_EQ(sink_hist_upper(SINK_HIST_BUCKETS - 1), (UINT64_C(1) << 34) - 1); /* about 17 s */
}

int main(void)
{
    RUN(test_wire_bytes);
    RUN(test_serialisation);
    RUN(test_queue_limit_and_ready);
    RUN(test_loss);
    RUN(test_sink_checks);
    RUN(test_latency_histogram);
    return check_result();
}
