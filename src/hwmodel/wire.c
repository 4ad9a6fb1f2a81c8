/*
 * wire.c - the frame pool and link transmission.
 */
#include "wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prot/ether.h"
#include "sim/panic.h"

/* ---- frames ---- */

void frame_pool_init(struct frame_pool *p) { memset(p, 0, sizeof(*p)); }

void frame_pool_fini(struct frame_pool *p)
{
    for (size_t i = 0; i < p->nchunks; i++)
        free(p->chunks[i]);
    free(p->chunks);
    memset(p, 0, sizeof(*p));
}

struct frame *frame_alloc(struct frame_pool *p)
{
    if (!p->free) {
        enum { CHUNK = 256 };
        struct frame *c = xmalloc(CHUNK * sizeof(*c));
        xgrow((void **)&p->chunks, &p->chunks_cap, p->nchunks + 1, sizeof(*p->chunks));
        p->chunks[p->nchunks++] = c;
        for (int i = CHUNK - 1; i >= 0; i--) {
            c[i].f_next = p->free;
            p->free = &c[i];
        }
    }
    struct frame *f = p->free;
    p->free = f->f_next;
    f->f_next = NULL;
    f->f_len = 0;
    f->f_flow = 0;
    f->f_seq = 0;
    f->f_born = 0;
    p->in_use++;
    p->allocs++;
    if (p->in_use > p->peak)
        p->peak = p->in_use;
    return f;
}

void frame_free(struct frame_pool *p, struct frame *f)
{
    SIM_ASSERT(p->in_use > 0);
    f->f_next = p->free;
    p->free = f;
    p->in_use--;
}

uint32_t frame_wire_bytes(const struct frame *f) { return ETHER_WIRE_LEN(f->f_len); }

/* ---- links ---- */

struct link_dir {
    struct link *l;
    int side;                      /* the sending side */
    struct frame *q_head, *q_tail; /* waiting to be sent */
    size_t qlen;
    bool sent_ev;                  /* a dir_sent event is pending */
    struct frame *fl_head, *fl_tail; /* in flight: started, not yet arrived */
    size_t in_flight;
    uint64_t rem;                  /* serialisation-time remainder (bits * 1e12 mod bps) */
    sim_time_t next_free;          /* when the wire is free again */
    struct link_stats st;
};

struct link_end {
    link_rx_fn rx;
    link_ready_fn ready;
    void *dev;
};

struct link {
    struct sim *sim;
    struct frame_pool *pool;
    char name[64];
    uint64_t bps;
    sim_time_t delay;
    uint32_t qlimit;
    double loss;
    struct rng rng;
    struct link_dir dir[2];  /* dir[s]: frames sent from side s */
    struct link_end end[2];  /* end[s]: the device at side s */
};

struct link *link_create(struct sim *sim, struct frame_pool *pool, const struct link_params *p)
{
    SIM_ASSERT(p->bps > 0 && p->loss >= 0 && p->loss <= 1);
    struct link *l = xcalloc(1, sizeof(*l));
    l->sim = sim;
    l->pool = pool;
    snprintf(l->name, sizeof(l->name), "%s", p->name);
    l->bps = p->bps;
    l->delay = p->delay;
    l->qlimit = p->queue;
    l->loss = p->loss;
    char stream[96];
    snprintf(stream, sizeof(stream), "link.%s.loss", l->name);
    sim_rng(sim, stream, &l->rng);
    for (int s = 0; s < 2; s++)
        l->dir[s] = (struct link_dir){.l = l, .side = s};
    return l;
}

static void free_chain(struct frame_pool *pool, struct frame *f)
{
    while (f) {
        struct frame *n = f->f_next;
        frame_free(pool, f);
        f = n;
    }
}

void link_destroy(struct link *l)
{
    if (!l)
        return;
    for (int s = 0; s < 2; s++) {
        free_chain(l->pool, l->dir[s].q_head);
        free_chain(l->pool, l->dir[s].fl_head);
    }
    free(l);
}

const char *link_name(const struct link *l) { return l->name; }
uint64_t link_bps(const struct link *l) { return l->bps; }

void link_attach(struct link *l, int side, link_rx_fn rx, link_ready_fn ready, void *dev)
{
    SIM_ASSERT(side == 0 || side == 1);
    SIM_ASSERTF(!l->end[side].rx, "link %s: side %d attached twice", l->name, side);
    l->end[side] = (struct link_end){rx, ready, dev};
}

static void dir_start(struct link_dir *d, sim_time_t t);

/* Append f to the frame list head..tail (the waiting queue or the in-flight list). */
static void fifo_append(struct frame **head, struct frame **tail, struct frame *f)
{
    f->f_next = NULL;
    if (*tail)
        (*tail)->f_next = f;
    else
        *head = f;
    *tail = f;
}

/* The head of the in-flight list has reached the far side. */
static void dir_arrive(struct sim *sim, void *arg)
{
    struct link_dir *d = arg;
    struct link *l = d->l;
    struct frame *f = d->fl_head;
    d->fl_head = f->f_next;
    if (!d->fl_head)
        d->fl_tail = NULL;
    d->in_flight--;
    f->f_next = NULL;
    struct link_end *to = &l->end[1 - d->side];
    bool lost = l->loss > 0 && rng_uniform(&l->rng) < l->loss;
    if (lost || !to->rx) {
        d->st.lost += lost;
        frame_free(l->pool, f);
        return;
    }
    d->st.delivered++;
    to->rx(to->dev, f);
    (void)sim;
}

/* The wire is free again: start the next waiting frame, tell the sender. */
static void dir_sent(struct sim *sim, void *arg)
{
    struct link_dir *d = arg;
    struct link *l = d->l;
    d->sent_ev = false;
    if (d->q_head)
        dir_start(d, sim_now(sim));
    struct link_end *from = &l->end[d->side];
    if (from->ready)
        from->ready(from->dev);
}

/*
 * Put the first waiting frame on the wire at time t. Its last bit leaves at t + ps and
 * reaches the far side `delay` later, both known now: the frame joins the in-flight list
 * at once and its arrival is scheduled directly. An event at the end of serialisation is
 * needed only to start a frame that is waiting by then or to tell a sender that asked
 * (link_attach's ready) that the wire is free; a paced sender with no ready callback, such
 * as a generator, costs two events per frame instead of three.
 */
static void dir_start(struct link_dir *d, sim_time_t t)
{
    struct link *l = d->l;
    struct frame *f = d->q_head;
    d->q_head = f->f_next;
    if (!d->q_head)
        d->q_tail = NULL;
    d->qlen--;
    f->f_next = NULL;
    uint32_t wire = frame_wire_bytes(f);
    unsigned __int128 num = (unsigned __int128)wire * 8 * SIM_PS_PER_S + d->rem;
    sim_time_t ps = (sim_time_t)(num / l->bps);
    d->rem = (uint64_t)(num % l->bps);
    if (d->st.frames == 0)
        d->st.first_bit = t;
    d->st.frames++;
    d->st.bytes += (f->f_len + ETHER_CRC_LEN < ETHER_MIN_LEN ? ETHER_MIN_LEN
                                                            : f->f_len + ETHER_CRC_LEN);
    d->st.wire_bytes += wire;
    d->st.last_bit = t + ps;
    d->next_free = t + ps;
    fifo_append(&d->fl_head, &d->fl_tail, f);
    d->in_flight++;
    sim_at(l->sim, t + ps + l->delay, dir_arrive, d);
    if (d->q_head || l->end[d->side].ready) {
        d->sent_ev = true;
        sim_at(l->sim, t + ps, dir_sent, d);
    }
}

/* Whether a frame sent now would have to wait. */
static bool dir_busy(const struct link_dir *d, sim_time_t now)
{
    return d->sent_ev || now < d->next_free;
}

bool link_send(struct link *l, int side, struct frame *f)
{
    struct link_dir *d = &l->dir[side];
    SIM_ASSERT(f->f_len >= ETHER_HDR_LEN && f->f_len <= FRAME_BUF);
    sim_time_t now = sim_local_now(l->sim);
    bool busy = dir_busy(d, now);
    if (busy && d->qlen >= l->qlimit) {
        d->st.dropped++;
        frame_free(l->pool, f);
        return false;
    }
    fifo_append(&d->q_head, &d->q_tail, f);
    d->qlen++;
    if (!busy) {
        dir_start(d, now);
    } else if (!d->sent_ev) { /* the wire frees at next_free: start this frame then */
        d->sent_ev = true;
        sim_at(l->sim, d->next_free, dir_sent, d);
    }
    return true;
}

size_t link_queued(const struct link *l, int side) { return l->dir[side].qlen; }
bool link_busy(const struct link *l, int side)
{
    return dir_busy(&l->dir[side], sim_local_now(l->sim));
}
const struct link_stats *link_stats(const struct link *l, int side) { return &l->dir[side].st; }

void link_measure_start(struct link *l)
{
    for (int s = 0; s < 2; s++)
        memset(&l->dir[s].st, 0, sizeof(l->dir[s].st));
}

size_t link_frames_held(const struct link *l)
{
    size_t n = 0;
    for (int s = 0; s < 2; s++)
        n += l->dir[s].qlen + l->dir[s].in_flight;
    return n;
}
