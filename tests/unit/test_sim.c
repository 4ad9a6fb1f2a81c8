/*
 * test_sim.c - the engine's threads, CPUs and waiting primitives.
 *
 * Pins down: exact cycle-to-time charging; LWKT rules (priorities, round robin among equals,
 * no preemption by kernel threads, interrupt threads borrow the CPU and delay the preempted
 * thread by exactly their run time, nested interrupts); per-category CPU accounting;
 * context-switch cost; sleep/wakeup FIFO and timeouts; ports (blocking receive, several
 * receivers, synchronous domsg); re-armable timers; temporal decoupling (a quantum changes
 * no interaction time); and two simulations stepping in one process without interfering.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "sim.h"

static struct sim *mk(sim_time_t quantum)
{
    struct sim_params p = {.seed = 1, .quantum = quantum, .evq = EVQ_HEAP4};
    return sim_create(&p);
}

static struct sim_cpu *mkcpu(struct sim *sim, int id, uint64_t hz, uint64_t sw)
{
    struct sim_cpu_params cp = {.id = id, .hz = hz, .switch_cycles = sw, .host = "h"};
    return sim_cpu_add(sim, &cp);
}

static struct sim_thread *mkthread(struct sim *sim, struct sim_cpu *cpu, const char *name,
                                   int pri, unsigned flags, const char *cat,
                                   void (*fn)(void *), void *arg)
{
    struct sim_thread_params tp = {.name = name, .pri = pri, .flags = flags,
                                   .category = sim_category(sim, cat), .fn = fn, .arg = arg};
    return sim_thread_create(sim, cpu, &tp);
}

/* ---- charging ---- */

struct charge_ctx {
    struct sim *sim;
    sim_time_t t_after[4];
};

static void charge_body(void *arg)
{
    struct charge_ctx *c = arg;
    sim_charge(c->sim, 1); /* 1 cycle at 3 GHz = 333.33 ps */
    c->t_after[0] = sim_local_now(c->sim);
    sim_charge(c->sim, 1);
    c->t_after[1] = sim_local_now(c->sim);
    sim_charge(c->sim, 1); /* the carried remainders make exactly 1000 ps */
    c->t_after[2] = sim_local_now(c->sim);
    sim_charge(c->sim, 3000000000ull); /* one second */
    c->t_after[3] = sim_local_now(c->sim);
}

static void test_charge_exact(void)
{
    struct sim *sim = mk(0);
    struct sim_cpu *cpu = mkcpu(sim, 0, 3000000000ull, 0);
    struct charge_ctx c = {.sim = sim};
    struct sim_thread *td = mkthread(sim, cpu, "t", SIM_PRI_KERN_USER, 0, "kernel",
                                     charge_body, &c);
    sim_thread_start(sim, td);
    sim_run_until(sim, sim_s(10));
    CHECK_EQ(c.t_after[0], 333);
    CHECK_EQ(c.t_after[1], 666);
    CHECK_EQ(c.t_after[2], 1000);
    CHECK_EQ(c.t_after[3], 1000 + sim_s(1));
    CHECK(sim_thread_finished(td));
    sim_time_t acct[SIM_MAX_CATEGORIES];
    sim_cpu_times(cpu, sim_now(sim), acct);
    CHECK_EQ(acct[sim_category(sim, "kernel")], 1000 + sim_s(1));
    CHECK_EQ(acct[SIM_CAT_IDLE], sim_s(10) - 1000 - sim_s(1));
    sim_destroy(sim);
}

/* ---- LWKT scheduling ---- */

struct trace {
    struct sim *sim;
    char log[256];
    size_t n;
};

static void note(struct trace *t, const char *s)
{
    size_t k = strlen(s);
    if (t->n + k + 1 < sizeof(t->log)) {
        memcpy(t->log + t->n, s, k);
        t->n += k;
        t->log[t->n++] = ' ';
        t->log[t->n] = 0;
    }
}

struct rr_arg {
    struct trace *tr;
    const char *name;
};

static void rr_body(void *arg)
{
    struct rr_arg *a = arg;
    for (int i = 0; i < 3; i++) {
        note(a->tr, a->name);
        sim_charge_ps(a->tr->sim, 10);
        sim_yield(a->tr->sim);
    }
}

static void test_round_robin(void)
{
    struct sim *sim = mk(0);
    struct sim_cpu *cpu = mkcpu(sim, 0, 1000000000, 0);
    struct trace tr = {.sim = sim};
    struct rr_arg a = {&tr, "A"}, b = {&tr, "B"}, c = {&tr, "C"};
    /* C has lower priority: it runs only once A and B are done. */
    sim_thread_start(sim, mkthread(sim, cpu, "A", 10, 0, "k", rr_body, &a));
    sim_thread_start(sim, mkthread(sim, cpu, "B", 10, 0, "k", rr_body, &b));
    sim_thread_start(sim, mkthread(sim, cpu, "C", 6, 0, "k", rr_body, &c));
    sim_run_until(sim, sim_us(1));
    CHECK(strcmp(tr.log, "A B A B A B C C C ") == 0);
    if (strcmp(tr.log, "A B A B A B C C C ") != 0)
        fprintf(stderr, "  log: %s\n", tr.log);
    sim_destroy(sim);
}

/* A thread of higher priority that is not an interrupt thread does not preempt. */
struct nopre_ctx {
    struct sim *sim;
    struct sim_thread *hi;
    sim_time_t hi_started, lo_done;
};

static void nopre_lo(void *arg)
{
    struct nopre_ctx *c = arg;
    sim_charge_ps(c->sim, 10);
    sim_thread_start(c->sim, c->hi); /* same CPU, higher priority, not an interrupt */
    sim_charge_ps(c->sim, 90);
    c->lo_done = sim_local_now(c->sim);
    sim_sleep(c->sim, c, 0);
}

static void nopre_hi(void *arg)
{
    struct nopre_ctx *c = arg;
    c->hi_started = sim_local_now(c->sim);
}

static void test_no_kernel_preemption(void)
{
    struct sim *sim = mk(0);
    struct sim_cpu *cpu = mkcpu(sim, 0, 1000000000, 0);
    struct nopre_ctx c = {.sim = sim};
    c.hi = mkthread(sim, cpu, "hi", SIM_PRI_SOFT_NORM, 0, "k", nopre_hi, &c);
    sim_thread_start(sim, mkthread(sim, cpu, "lo", SIM_PRI_KERN_USER, 0, "k", nopre_lo, &c));
    sim_run_until(sim, sim_us(1));
    CHECK_EQ(c.lo_done, 100);
    CHECK_EQ(c.hi_started, 100);
    sim_destroy(sim);
}

/* ---- interrupts ---- */

struct irq_ctx {
    struct sim *sim;
    struct sim_thread *intr, *intr2;
    sim_time_t work, handler, handler2;
    sim_time_t done;
    sim_time_t intr_ran_at[4];
    int nintr;
};

static void irq_worker(void *arg)
{
    struct irq_ctx *c = arg;
    for (int i = 0; i < 10; i++)
        sim_charge_ps(c->sim, c->work / 10);
    sim_sync(c->sim); /* the local clock is final only after a synchronisation point */
    c->done = sim_local_now(c->sim);
    sim_sleep(c->sim, c, 0);
}

static void irq_handler(void *arg)
{
    struct irq_ctx *c = arg;
    for (;;) {
        sim_sleep(c->sim, &c->intr, 0);
        c->intr_ran_at[c->nintr++ & 3] = sim_local_now(c->sim);
        sim_charge_ps(c->sim, c->handler);
    }
}

static void irq_fire(struct sim *sim, void *arg)
{
    struct irq_ctx *c = arg;
    sim_wakeup(sim, &c->intr);
    (void)c;
}

static void run_irq(sim_time_t quantum, sim_time_t *done, sim_time_t *intr_at,
                    sim_time_t *acct_worker, sim_time_t *acct_intr, uint64_t *preempts)
{
    struct sim *sim = mk(quantum);
    struct sim_cpu *cpu = mkcpu(sim, 0, 1000000000, 0);
    struct irq_ctx c = {.sim = sim, .work = sim_ns(100), .handler = sim_ns(20)};
    c.intr = mkthread(sim, cpu, "irq", SIM_PRI_INT_MED, SIM_TDF_INTR, "intr", irq_handler, &c);
    sim_thread_start(sim, c.intr); /* runs first and sleeps until the interrupt */
    sim_thread_start(sim, mkthread(sim, cpu, "w", SIM_PRI_KERN_USER, 0, "kernel", irq_worker,
                                   &c));
    sim_run_until(sim, 0);     /* the worker starts; the interrupt thread waits */
    c.nintr = 0;
    sim_at(sim, sim_ns(35), irq_fire, &c);
    sim_run_until(sim, sim_us(1));
    *done = c.done;
    *intr_at = c.intr_ran_at[0];
    sim_time_t acct[SIM_MAX_CATEGORIES];
    sim_cpu_times(cpu, sim_now(sim), acct);
    *acct_worker = acct[sim_category(sim, "kernel")];
    *acct_intr = acct[sim_category(sim, "intr")];
    *preempts = sim_cpu_preemptions(cpu);
    sim_destroy(sim);
}

/* The interrupt at 35 ns runs at once for 20 ns; the worker's 100 ns end at 120 ns. The
 * same holds when the worker runs ahead of global time (quantum 1 us). */
static void test_interrupt_delays_by_handler_time(void)
{
    sim_time_t q[] = {0, sim_ns(7), sim_us(1)};
    for (int i = 0; i < 3; i++) {
        sim_time_t done, at, aw, ai;
        uint64_t pre;
        run_irq(q[i], &done, &at, &aw, &ai, &pre);
        CHECK_EQ(at, sim_ns(35));
        CHECK_EQ(done, sim_ns(120));
        CHECK_EQ(aw, sim_ns(100));
        CHECK_EQ(ai, sim_ns(20));
        CHECK_EQ(pre, 1);
    }
}

static void irq2_handler(void *arg)
{
    struct irq_ctx *c = arg;
    for (;;) {
        sim_sleep(c->sim, &c->intr2, 0);
        c->intr_ran_at[2] = sim_local_now(c->sim);
        sim_charge_ps(c->sim, c->handler2);
    }
}

static void irq2_fire(struct sim *sim, void *arg)
{
    struct irq_ctx *c = arg;
    sim_wakeup(sim, &c->intr2);
}

/* A higher-priority interrupt preempts a lower one; a lower one waits for a higher one. */
static void test_nested_interrupts(void)
{
    struct sim *sim = mk(0);
    struct sim_cpu *cpu = mkcpu(sim, 0, 1000000000, 0);
    struct irq_ctx c = {.sim = sim, .work = sim_ns(100), .handler = sim_ns(20),
                        .handler2 = sim_ns(5)};
    c.intr = mkthread(sim, cpu, "irq-lo", SIM_PRI_INT_LOW, SIM_TDF_INTR, "intr", irq_handler,
                      &c);
    c.intr2 = mkthread(sim, cpu, "irq-hi", SIM_PRI_INT_HIGH, SIM_TDF_INTR, "intr",
                       irq2_handler, &c);
    sim_thread_start(sim, c.intr);
    sim_thread_start(sim, c.intr2);
    sim_thread_start(sim, mkthread(sim, cpu, "w", SIM_PRI_KERN_USER, 0, "kernel", irq_worker,
                                   &c));
    sim_run_until(sim, 0);
    uint64_t pre0 = sim_cpu_preemptions(cpu); /* irq-hi preempted irq-lo at start-up */
    c.nintr = 0;
    sim_at(sim, sim_ns(10), irq_fire, &c);   /* low irq: 10..? */
    sim_at(sim, sim_ns(15), irq2_fire, &c);  /* high irq preempts it for 5 ns */
    sim_run_until(sim, sim_us(1));
    CHECK_EQ(c.intr_ran_at[0], sim_ns(10));
    CHECK_EQ(c.intr_ran_at[2], sim_ns(15));
    /* worker: 100 + 20 + 5 */
    CHECK_EQ(c.done, sim_ns(125));
    CHECK_EQ(sim_cpu_preemptions(cpu) - pre0, 2);
    sim_destroy(sim);
}

/* ---- context-switch cost ---- */

struct sw_ctx {
    struct sim *sim;
    sim_time_t t;
};

static void sw_body(void *arg)
{
    struct sw_ctx *c = arg;
    sim_charge(c->sim, 1000);
    c->t = sim_local_now(c->sim);
}

static void test_switch_cost(void)
{
    struct sim *sim = mk(0);
    struct sim_cpu *cpu = mkcpu(sim, 0, 1000000000, 500); /* 500 cycles = 500 ns */
    struct sw_ctx a = {.sim = sim}, b = {.sim = sim};
    sim_thread_start(sim, mkthread(sim, cpu, "a", 10, 0, "k", sw_body, &a));
    sim_thread_start(sim, mkthread(sim, cpu, "b", 10, 0, "k", sw_body, &b));
    sim_run_until(sim, sim_us(10));
    CHECK_EQ(a.t, sim_ns(500 + 1000));
    CHECK_EQ(b.t, sim_ns(500 + 1000 + 500 + 1000));
    sim_time_t acct[SIM_MAX_CATEGORIES];
    sim_cpu_times(cpu, sim_now(sim), acct);
    CHECK_EQ(acct[SIM_CAT_SCHED], sim_ns(1000));
    CHECK_EQ(acct[sim_category(sim, "k")], sim_ns(2000));
    CHECK_EQ(sim_cpu_switches(cpu), 2);
    sim_destroy(sim);
}

/* ---- sleep / wakeup ---- */

struct sl_ctx {
    struct sim *sim;
    struct trace *tr;
    const char *name;
    int result;
    sim_time_t woke;
};

static int chan_a;

static void sl_body(void *arg)
{
    struct sl_ctx *c = arg;
    c->result = sim_sleep(c->sim, &chan_a, sim_us(5));
    c->woke = sim_local_now(c->sim);
    note(c->tr, c->name);
}

static void wake_a(struct sim *sim, void *arg) { (void)arg; sim_wakeup(sim, &chan_a); }
static void wake_one_a(struct sim *sim, void *arg) { (void)arg; sim_wakeup_one(sim, &chan_a); }

static void test_sleep_wakeup(void)
{
    struct sim *sim = mk(0);
    struct sim_cpu *cpu = mkcpu(sim, 0, 1000000000, 0);
    struct trace tr = {.sim = sim};
    struct sl_ctx x = {sim, &tr, "x", -1, 0}, y = {sim, &tr, "y", -1, 0},
                  z = {sim, &tr, "z", -1, 0};
    sim_thread_start(sim, mkthread(sim, cpu, "x", 10, 0, "k", sl_body, &x));
    sim_thread_start(sim, mkthread(sim, cpu, "y", 10, 0, "k", sl_body, &y));
    sim_thread_start(sim, mkthread(sim, cpu, "z", 10, 0, "k", sl_body, &z));
    sim_at(sim, sim_us(1), wake_one_a, NULL); /* wakes x, the first sleeper */
    sim_at(sim, sim_us(2), wake_a, NULL);     /* wakes y and z, in that order */
    sim_run_until(sim, sim_us(10));
    CHECK(strcmp(tr.log, "x y z ") == 0);
    CHECK_EQ(x.woke, sim_us(1));
    CHECK_EQ(y.woke, sim_us(2));
    CHECK_EQ(x.result, 0);
    CHECK_EQ(z.result, 0);
    sim_destroy(sim);

    /* timeout */
    sim = mk(0);
    cpu = mkcpu(sim, 0, 1000000000, 0);
    struct trace tr2 = {.sim = sim};
    struct sl_ctx w = {sim, &tr2, "w", -1, 0};
    sim_thread_start(sim, mkthread(sim, cpu, "w", 10, 0, "k", sl_body, &w));
    sim_run_until(sim, sim_us(10));
    CHECK_EQ(w.result, SIM_ETIMEDOUT);
    CHECK_EQ(w.woke, sim_us(5));
    sim_destroy(sim);
}

/* ---- ports ---- */

struct job {
    struct sim_msg msg; /* first member */
    int id;
    sim_time_t sent;
};

struct port_ctx {
    struct sim *sim;
    struct sim_port port, reply;
    struct job jobs[8];
    int got[8];
    sim_time_t got_at[8];
    struct trace *tr;
    int ngot;
};

static void consumer(void *arg)
{
    struct port_ctx *c = arg;
    for (;;) {
        struct job *j = (struct job *)sim_port_get(c->sim, &c->port);
        c->got[c->ngot] = j->id;
        c->got_at[c->ngot] = sim_local_now(c->sim);
        c->ngot++;
        sim_charge_ps(c->sim, sim_ns(100));
        sim_port_reply(c->sim, &j->msg);
    }
}

static void producer(void *arg)
{
    struct port_ctx *c = arg;
    for (int i = 0; i < 3; i++) {
        c->jobs[i].id = i;
        c->jobs[i].msg.ms_reply = &c->reply;
        sim_charge_ps(c->sim, sim_ns(10));
        sim_port_put(c->sim, &c->port, &c->jobs[i].msg);
    }
    /* collect the replies, in order */
    for (int i = 0; i < 3; i++) {
        struct job *j = (struct job *)sim_port_get(c->sim, &c->reply);
        CHECK_EQ(j->id, i);
        CHECK(j->msg.ms_flags & SIM_MSGF_DONE);
    }
    /* a synchronous message returns only once it has been handled */
    c->jobs[3].id = 3;
    c->jobs[3].msg.ms_reply = NULL;
    sim_port_domsg(c->sim, &c->port, &c->jobs[3].msg);
    c->jobs[3].sent = sim_local_now(c->sim);
}

static void test_ports(void)
{
    struct sim *sim = mk(0);
    struct sim_cpu *c0 = mkcpu(sim, 0, 1000000000, 0), *c1 = mkcpu(sim, 1, 1000000000, 0);
    struct port_ctx c = {.sim = sim};
    sim_port_init(&c.port, "work");
    sim_port_init(&c.reply, "reply");
    sim_thread_start(sim, mkthread(sim, c1, "consumer", 14, 0, "k", consumer, &c));
    sim_thread_start(sim, mkthread(sim, c0, "producer", 10, 0, "k", producer, &c));
    sim_run_until(sim, sim_us(10));
    CHECK_EQ(c.ngot, 4);
    CHECK_EQ(c.got_at[0], sim_ns(10));
    CHECK_EQ(c.got_at[1], sim_ns(110)); /* queued behind the first job */
    CHECK_EQ(c.got_at[2], sim_ns(210));
    CHECK_EQ(c.jobs[3].sent, sim_ns(310) + sim_ns(100));
    sim_destroy(sim);
}

/* Several receivers on one port: each put wakes the receiver that waited longest. */
struct mr_ctx {
    struct sim *sim;
    struct sim_port port;
    struct job jobs[4];
    int who[4];
    int n;
};

struct mr_arg {
    struct mr_ctx *c;
    int id;
};

static void mr_recv(void *arg)
{
    struct mr_arg *a = arg;
    struct job *j = (struct job *)sim_port_get(a->c->sim, &a->c->port);
    a->c->who[j->id] = a->id;
}

static void mr_put(struct sim *sim, void *arg)
{
    struct job *j = arg;
    struct mr_ctx *c = (struct mr_ctx *)((char *)(j - j->id) - offsetof(struct mr_ctx, jobs));
    sim_port_put(sim, &c->port, &j->msg);
}

static void test_port_many_receivers(void)
{
    struct sim *sim = mk(0);
    struct mr_ctx c = {.sim = sim};
    sim_port_init(&c.port, "shared");
    struct mr_arg args[3];
    for (int i = 0; i < 3; i++) {
        struct sim_cpu *cpu = mkcpu(sim, i, 1000000000, 0);
        args[i] = (struct mr_arg){&c, i};
        sim_thread_start(sim, mkthread(sim, cpu, "r", 10, 0, "k", mr_recv, &args[i]));
    }
    for (int i = 0; i < 3; i++) {
        c.jobs[i].id = i;
        sim_at(sim, sim_ns(10 * (i + 1)), mr_put, &c.jobs[i]);
    }
    sim_run_until(sim, sim_us(1));
    CHECK_EQ(c.who[0], 0);
    CHECK_EQ(c.who[1], 1);
    CHECK_EQ(c.who[2], 2);
    sim_destroy(sim);
}

/* ---- timers ---- */

struct tm_ctx {
    int fired;
    sim_time_t at;
};

static void tm_fire(struct sim *sim, void *arg)
{
    struct tm_ctx *c = arg;
    c->fired++;
    c->at = sim_now(sim);
}

static void tm_rearm_later(struct sim *sim, void *arg)
{
    struct sim_timer *t = arg;
    sim_timer_arm(sim, t, sim_ns(300));
}

static void test_timers(void)
{
    struct sim *sim = mk(0);
    struct tm_ctx c = {0};
    struct sim_timer t;
    sim_timer_init(&t, tm_fire, &c);
    sim_timer_arm(sim, &t, sim_ns(100));
    sim_at(sim, sim_ns(50), tm_rearm_later, &t); /* pushed back: lazily */
    sim_run_until(sim, sim_us(1));
    CHECK_EQ(c.fired, 1);
    CHECK_EQ(c.at, sim_ns(300));
    CHECK(!sim_timer_armed(&t));
    /* re-arm earlier, then cancel */
    sim_timer_arm(sim, &t, sim_us(5));
    sim_timer_arm(sim, &t, sim_us(2));
    sim_run_until(sim, sim_us(3));
    CHECK_EQ(c.fired, 2);
    CHECK_EQ(c.at, sim_us(2));
    sim_timer_arm(sim, &t, sim_us(4));
    sim_timer_cancel(sim, &t);
    sim_run_until(sim, sim_us(10));
    CHECK_EQ(c.fired, 2);
    CHECK_EQ(sim_pending_events(sim), 0);
    sim_destroy(sim);
}

/* ---- two simulations in one process ---- */

struct pp_ctx {
    struct sim *sim;
    struct sim_port a, b;
    struct job ball;
    struct rng rng;
    uint64_t hits;
    sim_time_t last;
};

static void pp_ping(void *arg)
{
    struct pp_ctx *c = arg;
    for (;;) {
        struct job *j = (struct job *)sim_port_get(c->sim, &c->a);
        sim_charge_ps(c->sim, 1 + rng_below(&c->rng, 1000));
        sim_port_put(c->sim, &c->b, &j->msg); /* a synchronisation point */
        c->hits++;
    }
}

static void pp_pong(void *arg)
{
    struct pp_ctx *c = arg;
    for (;;) {
        struct job *j = (struct job *)sim_port_get(c->sim, &c->b);
        sim_charge_ps(c->sim, 1 + rng_below(&c->rng, 1000));
        sim_port_put(c->sim, &c->a, &j->msg);
        c->last = sim_local_now(c->sim);
    }
}

static struct pp_ctx *pp_make(uint64_t seed)
{
    struct pp_ctx *c = calloc(1, sizeof(*c));
    struct sim_params p = {.seed = seed, .quantum = 0, .evq = EVQ_HEAP4};
    c->sim = sim_create(&p);
    sim_rng(c->sim, "pingpong", &c->rng);
    sim_port_init(&c->a, "a");
    sim_port_init(&c->b, "b");
    struct sim_cpu *c0 = mkcpu(c->sim, 0, 2000000000, 100), *c1 = mkcpu(c->sim, 1, 2000000000, 100);
    sim_thread_start(c->sim, mkthread(c->sim, c0, "ping", 10, 0, "k", pp_ping, c));
    sim_thread_start(c->sim, mkthread(c->sim, c1, "pong", 10, 0, "k", pp_pong, c));
    sim_port_put(c->sim, &c->a, &c->ball.msg);
    return c;
}

static void test_two_sims_do_not_interfere(void)
{
    /* alone */
    struct pp_ctx *a = pp_make(1);
    sim_run_until(a->sim, sim_us(100));
    uint64_t hits1 = a->hits, ev1 = sim_events(a->sim);
    sim_time_t last1 = a->last;
    struct pp_ctx *b = pp_make(2);
    sim_run_until(b->sim, sim_us(100));
    uint64_t hits2 = b->hits;
    sim_time_t last2 = b->last;
    sim_destroy(a->sim);
    sim_destroy(b->sim);
    free(a);
    free(b);
    /* interleaved in slices */
    a = pp_make(1);
    b = pp_make(2);
    for (sim_time_t t = sim_ns(333); t < sim_us(100); t += sim_ns(333)) {
        sim_run_until(a->sim, t);
        sim_run_until(b->sim, t);
    }
    sim_run_until(a->sim, sim_us(100));
    sim_run_until(b->sim, sim_us(100));
    CHECK_EQ(a->hits, hits1);
    CHECK_EQ(a->last, last1);
    CHECK_EQ(sim_events(a->sim), ev1);
    CHECK_EQ(b->hits, hits2);
    CHECK_EQ(b->last, last2);
    CHECK(hits1 != hits2); /* different seeds really differ */
    sim_destroy(a->sim);
    sim_destroy(b->sim);
    free(a);
    free(b);
}

/* ---- temporal decoupling ---- */

static void test_quantum_preserves_interactions(void)
{
    uint64_t hits[3];
    sim_time_t last[3];
    uint64_t events[3];
    sim_time_t q[3] = {0, sim_ns(50), sim_us(10)};
    for (int i = 0; i < 3; i++) {
        struct pp_ctx *c = pp_make(5);
        /* replace the engine's quantum: build a fresh one with it */
        sim_destroy(c->sim);
        free(c);
        struct sim_params p = {.seed = 5, .quantum = q[i], .evq = EVQ_CALENDAR};
        c = calloc(1, sizeof(*c));
        c->sim = sim_create(&p);
        sim_rng(c->sim, "pingpong", &c->rng);
        sim_port_init(&c->a, "a");
        sim_port_init(&c->b, "b");
        struct sim_cpu *c0 = mkcpu(c->sim, 0, 2000000000, 100);
        struct sim_cpu *c1 = mkcpu(c->sim, 1, 2000000000, 100);
        sim_thread_start(c->sim, mkthread(c->sim, c0, "ping", 10, 0, "k", pp_ping, c));
        sim_thread_start(c->sim, mkthread(c->sim, c1, "pong", 10, 0, "k", pp_pong, c));
        sim_port_put(c->sim, &c->a, &c->ball.msg);
        sim_run_until(c->sim, sim_us(100));
        hits[i] = c->hits;
        last[i] = c->last;
        events[i] = sim_events(c->sim);
        sim_destroy(c->sim);
        free(c);
    }
    /* Each charge is followed by an interaction, so a larger quantum changes nothing that
     * can be observed; it only saves events when several charges come in a row. */
    CHECK_EQ(hits[0], hits[1]);
    CHECK_EQ(hits[0], hits[2]);
    CHECK_EQ(last[0], last[2]);
    CHECK(events[2] <= events[0]);
}

static void charge_outside(void *arg)
{
    struct sim *sim = arg;
    sim_charge(sim, 1);
}

static void test_misuse_aborts(void)
{
    struct sim *sim = mk(0);
    CHECK_EQ(check_dies_with(charge_outside, sim), SIGABRT);
    sim_destroy(sim);
}

int main(void)
{
    RUN(test_charge_exact);
    RUN(test_round_robin);
    RUN(test_no_kernel_preemption);
    RUN(test_interrupt_delays_by_handler_time);
    RUN(test_nested_interrupts);
    RUN(test_switch_cost);
    RUN(test_sleep_wakeup);
    RUN(test_ports);
    RUN(test_port_many_receivers);
    RUN(test_timers);
    RUN(test_two_sims_do_not_interfere);
    RUN(test_quantum_preserves_interactions);
    RUN(test_misuse_aborts);
    return check_result();
}
