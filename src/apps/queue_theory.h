/*
 * queue_theory.h - closed forms the queueing workload is validated against.
 *
 *  M/G/1 (c = 1, or each of c partitioned queues fed λ/c): Pollaczek-Khinchine,
 *      Wq = λ E[S²] / (2 (1 - ρ)), with E[S²] = 2 E[S]² (exponential) or E[S]² (deterministic);
 *  M/M/c with one shared queue: Erlang C, Wq = C(c, a) / (c μ - λ), a = λ / μ;
 *  and Little's law, L = λ (Wq + E[S]), Lq = λ Wq, for the numbers in system and in queue.
 * M/D/c with c > 1 and a shared queue has no closed form; `valid` is then false.
 * Source: Kleinrock, "Queueing Systems, Volume 1" (1975), sections 3.2, 3.5 and 5.6.
 */
#ifndef MPSTACK_APPS_QUEUE_THEORY_H
#define MPSTACK_APPS_QUEUE_THEORY_H

#include <stdbool.h>

struct queue_theory {
    bool valid;
    const char *model;   /* "M/M/1", "M/D/1", "M/M/c", "c x M/M/1", ... */
    double wait;         /* mean time in queue, s */
    double response;     /* mean time in system, s */
    double system;       /* mean number in system */
    double queue;        /* mean number waiting */
    double util;         /* per-server utilisation */
};

/* c servers, total arrival rate lambda (1/s), mean service time es (s). */
void queue_theory_compute(unsigned c, bool partitioned, bool deterministic, double lambda,
                          double es, struct queue_theory *out);

/* Erlang C: probability that an arrival waits, c servers, offered load a = λ/μ < c. */
double queue_erlang_c(unsigned c, double a);

#endif
