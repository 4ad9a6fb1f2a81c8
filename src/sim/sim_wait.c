/*
 * sim_wait.c - sleep/wakeup and message ports: how simulated threads wait for each other.
 *
 * Sleep queues are tsleep/wakeup style: a thread sleeps on an address ("channel") and is
 * woken by whoever calls sim_wakeup() on the same address. Channels hash into buckets that
 * keep sleepers in FIFO order, so who wakes first never depends on pointer values.
 *
 * Ports are DragonFly lwkt_msgport-like: an asynchronous put, a blocking get, a reply that
 * either wakes a synchronous sender (domsg) or queues the message on its reply port.
 * Several threads may block on one port (the M/M/c shared queue): a put wakes the one that
 * has waited longest. Every entry point is a synchronisation point.
 */
#include "sim_var.h"

#include <stdint.h>

#include "panic.h"

/* ---- sleep and wakeup ---- */

static struct sim_sleepq *sleepq_of(struct sim *sim, const void *chan)
{
    uint64_t h = (uint64_t)(uintptr_t)chan * UINT64_C(0x9e3779b97f4a7c15);
    return &sim->sleepq[h >> 56];
}

static void sq_insert(struct sim_sleepq *q, struct sim_thread *td)
{
    td->sq_next = NULL;
    td->sq_prevp = q->tailp;
    *q->tailp = td;
    q->tailp = &td->sq_next;
}

static void sq_remove(struct sim_sleepq *q, struct sim_thread *td)
{
    *td->sq_prevp = td->sq_next;
    if (td->sq_next)
        td->sq_next->sq_prevp = td->sq_prevp;
    else
        q->tailp = td->sq_prevp;
    td->sq_next = NULL;
    td->sq_prevp = NULL;
}

static void wake_sleeper(struct sim *sim, struct sim_thread *td, int result)
{
    sq_remove(sleepq_of(sim, td->wchan), td);
    td->wchan = NULL;
    td->wresult = result;
    sim_timer_cancel(sim, &td->wtimer);
    sim_thread_make_runnable(sim, td);
}

static void sleep_timeout(struct sim *sim, void *arg)
{
    struct sim_thread *td = arg;
    if (td->state == TD_BLOCKED && td->wchan)
        wake_sleeper(sim, td, SIM_ETIMEDOUT);
}

int sim_sleep(struct sim *sim, const void *chan, sim_time_t timeout)
{
    struct sim_thread *td = sim->cur;
    SIM_ASSERTF(td != NULL, "sim_sleep outside a simulated thread");
    SIM_ASSERT(chan != NULL);
    sim_sync(sim);
    td->wchan = chan;
    td->wresult = 0;
    sq_insert(sleepq_of(sim, chan), td);
    sim_timer_init(&td->wtimer, sleep_timeout, td);
    if (timeout > 0)
        sim_timer_arm(sim, &td->wtimer, sim->now + timeout);
    sim_thread_suspend(sim, td, TD_BLOCKED);
    return td->wresult;
}

static void wakeup_chan(struct sim *sim, const void *chan, bool one)
{
    sim_sync_if_thread(sim);
    struct sim_thread *td = sleepq_of(sim, chan)->head;
    while (td) {
        struct sim_thread *next = td->sq_next;
        if (td->wchan == chan) {
            wake_sleeper(sim, td, 0);
            if (one)
                break;
        }
        td = next;
    }
    sim_after_wakeups(sim);
}

void sim_wakeup(struct sim *sim, const void *chan) { wakeup_chan(sim, chan, false); }
void sim_wakeup_one(struct sim *sim, const void *chan) { wakeup_chan(sim, chan, true); }

/* ---- message ports ---- */

void sim_port_init(struct sim_port *port, const char *name)
{
    port->mp_head = NULL;
    port->mp_tailp = &port->mp_head;
    port->mp_count = 0;
    port->mp_waitq = NULL;
    port->mp_waitq_tailp = &port->mp_waitq;
    port->mp_puts = 0;
    port->mp_name = name;
}

/* Queue msg on port and hand the CPU to one waiting receiver. */
static void port_enqueue(struct sim *sim, struct sim_port *port, struct sim_msg *msg)
{
    SIM_ASSERTF(!(msg->ms_flags & SIM_MSGF_QUEUED), "message %p queued twice (port %s)",
                (void *)msg, port->mp_name ? port->mp_name : "?");
    msg->ms_next = NULL;
    msg->ms_flags |= SIM_MSGF_QUEUED;
    *port->mp_tailp = msg;
    port->mp_tailp = &msg->ms_next;
    port->mp_count++;
    port->mp_puts++;
    struct sim_thread *td = port->mp_waitq;
    if (td) {
        port->mp_waitq = td->wq_next;
        if (!port->mp_waitq)
            port->mp_waitq_tailp = &port->mp_waitq;
        td->wq_next = NULL;
        sim_thread_make_runnable(sim, td);
    }
}

void sim_port_put(struct sim *sim, struct sim_port *port, struct sim_msg *msg)
{
    sim_sync_if_thread(sim);
    msg->ms_flags &= ~SIM_MSGF_DONE;
    port_enqueue(sim, port, msg);
    sim_after_wakeups(sim);
}

struct sim_msg *sim_port_tryget(struct sim *sim, struct sim_port *port)
{
    sim_sync_if_thread(sim);
    struct sim_msg *msg = port->mp_head;
    if (!msg)
        return NULL;
    port->mp_head = msg->ms_next;
    if (!port->mp_head)
        port->mp_tailp = &port->mp_head;
    port->mp_count--;
    msg->ms_next = NULL;
    msg->ms_flags &= ~SIM_MSGF_QUEUED;
    return msg;
}

struct sim_msg *sim_port_get(struct sim *sim, struct sim_port *port)
{
    struct sim_thread *td = sim->cur;
    SIM_ASSERTF(td != NULL, "blocking port receive outside a simulated thread");
    for (;;) {
        struct sim_msg *msg = sim_port_tryget(sim, port);
        if (msg)
            return msg;
        /* Empty: wait at the tail. A woken receiver may find the message taken by a
         * receiver that got there first; it then simply waits again. */
        td->wq_next = NULL;
        *port->mp_waitq_tailp = td;
        port->mp_waitq_tailp = &td->wq_next;
        sim_thread_suspend(sim, td, TD_BLOCKED);
    }
}

void sim_port_reply(struct sim *sim, struct sim_msg *msg)
{
    sim_sync_if_thread(sim);
    SIM_ASSERTF(!(msg->ms_flags & SIM_MSGF_QUEUED), "replying to a queued message");
    msg->ms_flags |= SIM_MSGF_DONE;
    if (msg->ms_flags & SIM_MSGF_SYNC)
        sim_wakeup(sim, msg);
    else if (msg->ms_reply)
        port_enqueue(sim, msg->ms_reply, msg);
    sim_after_wakeups(sim);
}

void sim_port_domsg(struct sim *sim, struct sim_port *port, struct sim_msg *msg)
{
    SIM_ASSERTF(sim->cur != NULL, "synchronous send outside a simulated thread");
    msg->ms_flags |= SIM_MSGF_SYNC;
    sim_port_put(sim, port, msg);
    while (!(msg->ms_flags & SIM_MSGF_DONE))
        sim_sleep(sim, msg, 0);
    msg->ms_flags &= ~SIM_MSGF_SYNC;
}
