/*
 * queue_theory.c - Pollaczek-Khinchine and Erlang C.
 */
#include "queue_theory.h"

#include <math.h>

double queue_erlang_c(unsigned c, double a)
{
    /* Erlang B by the stable recursion B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)), then
     * C = c B / (c - a (1 - B)). No factorials, so no overflow for large c. */
    double b = 1.0;
    for (unsigned k = 1; k <= c; k++)
        b = a * b / (k + a * b);
    return c * b / (c - a * (1.0 - b));
}

void queue_theory_compute(unsigned c, bool partitioned, bool deterministic, double lambda,
                          double es, struct queue_theory *out)
{
    *out = (struct queue_theory){.valid = false};
    out->util = lambda * es / c;
    if (c == 1 || partitioned) {
        double l1 = lambda / c;            /* each queue sees a Poisson stream of rate λ/c */
        double rho = l1 * es;
        double es2 = deterministic ? es * es : 2.0 * es * es;
        double wq = l1 * es2 / (2.0 * (1.0 - rho));
        out->wait = wq;
        out->model = c == 1 ? (deterministic ? "M/D/1" : "M/M/1")
                            : (deterministic ? "c x M/D/1" : "c x M/M/1");
        out->valid = true;
    } else if (!deterministic) {
        double a = lambda * es;
        out->wait = queue_erlang_c(c, a) / (c / es - lambda);
        out->model = "M/M/c";
        out->valid = true;
    } else {
        out->model = "M/D/c";
        return;
    }
    out->response = out->wait + es;
    out->system = lambda * out->response;
    out->queue = lambda * out->wait;
}
