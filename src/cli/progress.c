/*
 * progress.c - the live progress line and Ctrl-C.
 *
 * The engine calls back every 2^16 events. On a terminal (and without --quiet) the line
 * shows simulated time done, events per wall second and an ETA, redrawn at most five times
 * a second. SIGINT sets a flag that the callback turns into sim_stop(), so the run ends
 * between two events and nothing half-written reaches the database.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "sim/panic.h"
#include "sim/sim.h"

/* The one mutable global: a signal handler can reach nothing else. */
static volatile sig_atomic_t interrupt_requested;

static void on_sigint(int sig)
{
    (void)sig;
    interrupt_requested = 1;
}

/* For commands that wait on child processes rather than a simulation (mpstack sweep). */
void cli_sigint_catch(struct sigaction *old)
{
    struct sigaction sa = {.sa_handler = on_sigint};
    sigemptyset(&sa.sa_mask);
    interrupt_requested = 0;
    sigaction(SIGINT, &sa, old);
}

bool cli_sigint_caught(void) { return interrupt_requested != 0; }

struct progress {
    struct sim *sim;
    char label[64];
    sim_time_t end;
    bool show;
    bool drawn;
    bool interrupted;
    double t0, last;
    uint64_t ev0;
    struct sigaction old;
};

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void draw(struct progress *p, double now)
{
    double done = sim_time_to_s(sim_now(p->sim)), total = sim_time_to_s(p->end);
    double elapsed = now - p->t0;
    double evs = elapsed > 0 ? (double)(sim_events(p->sim) - p->ev0) / elapsed : 0;
    double frac = total > 0 ? done / total : 1;
    char eta[32] = "--";
    if (frac > 0.001 && elapsed > 0) {
        double left = elapsed * (1 - frac) / frac;
        snprintf(eta, sizeof(eta), "%d:%02d", (int)left / 60, (int)left % 60);
    }
    fprintf(stderr, "\r%s  sim %.3f s / %.3f s (%3.0f%%)  %.2f M events/s  ETA %s\033[K",
            p->label, done, total, 100 * frac, evs / 1e6, eta);
    fflush(stderr);
    p->drawn = true;
}

static void tick(struct sim *sim, void *arg)
{
    struct progress *p = arg;
    if (interrupt_requested) {
        p->interrupted = true;
        sim_stop(sim);
        return;
    }
    if (!p->show)
        return;
    double now = mono();
    if (now - p->last >= 0.2) {
        p->last = now;
        draw(p, now);
    }
}

struct progress *progress_start(struct sim *sim, const char *label, sim_time_t end, bool show)
{
    struct progress *p = xcalloc(1, sizeof(*p));
    p->sim = sim;
    snprintf(p->label, sizeof(p->label), "%s", label);
    p->end = end;
    p->show = show && isatty(STDERR_FILENO);
    p->t0 = p->last = mono();
    p->ev0 = sim_events(sim);
    interrupt_requested = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &p->old);
    sim_set_progress(sim, tick, p, 1u << 16);
    return p;
}

void progress_finish(struct progress *p)
{
    if (p->drawn)
        fprintf(stderr, "\r\033[K");
    sigaction(SIGINT, &p->old, NULL);
    sim_set_progress(p->sim, NULL, NULL, 0);
    free(p);
}

bool progress_interrupted(const struct progress *p) { return p->interrupted; }
