"""Queueing validation: the engine's threads, CPUs and ports against closed forms.

For M/M/1 and M/D/1 (Pollaczek-Khinchine), M/M/4 with one shared queue (Erlang C) and
4 partitioned M/M/1 queues fed by a hash, at loads 0.5, 0.7, 0.8, 0.9 and 0.95, the mean
waiting time, mean number in system and CPU utilisation must match theory.

Tolerance, derived from each run's own confidence interval: the run reports, for each
metric, the half-width h95 = t(0.975, B-1) * s / sqrt(B) of the batch-means 95% interval
(B batches). The test widens it to a simultaneous interval for the whole suite: with K
comparisons and a family-wise false-failure rate of 1%, each comparison uses
t(1 - 0.01 / (2K), B-1) * s / sqrt(B) (Bonferroni). A correct simulator therefore fails
this test with probability about 1%, for any seed; a biased one fails as soon as its bias
exceeds a few standard errors. The t quantiles here are computed independently of the C
code (numerical integration of the t density), which cross-checks src/sim/stats.c too.
See docs/validation.md.
"""
import json
import math
import os
import sys
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
from common import SANITIZED, check, finish, fresh_tmp, path, run, scenario, test  # noqa: E402

fresh_tmp()

MODELS = ["validation/mm1.yaml", "validation/md1.yaml", "validation/mmc.yaml",
          "validation/mm1-partitioned.yaml"]
LOADS = [0.5, 0.7, 0.8, 0.9, 0.95]
METRICS = ["wait.mean", "system.mean", "util"]
FAMILY_ALPHA = 0.01
K = len(MODELS) * len(LOADS) * len(METRICS)


def t_pdf(x, df):
    c = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)
    return c * (1 + x * x / df) ** (-(df + 1) / 2)


def t_cdf(x, df, n=4000):
    """P(T <= x) for x >= 0 by Simpson's rule on [0, x]."""
    h = x / n
    s = t_pdf(0, df) + t_pdf(x, df)
    s += sum((4 if i % 2 else 2) * t_pdf(i * h, df) for i in range(1, n))
    return 0.5 + s * h / 3


def t_quantile(p, df):
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        hi *= 2
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if t_cdf(mid, df) < p else (lo, mid)
    return (lo + hi) / 2


# Sanity of the independent implementation against table values.
assert abs(t_quantile(0.975, 19) - 2.0930) < 1e-3
assert abs(t_quantile(0.9995, 19) - 3.8834) < 1e-3


def one_run(model, load):
    p = run("run", scenario(model), "--db", path("q.sqlite"), "--set",
            f"workloads.q.load={load}", "--json", "--quiet", check=0, timeout=3000)
    return model, load, json.loads(p.stdout)


@test
def queueing_models_match_theory():
    jobs = [(m, l) for m in MODELS for l in LOADS]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda a: one_run(*a), jobs))
    print(f"{'model':32} {'load':>5} {'metric':12} {'simulated':>12} {'+/-95%':>10} "
          f"{'theory':>12} {'z':>6}", file=sys.stderr)
    worst = 0.0
    for model, load, j in results:
        m, ci = j["metrics"], j["ci95"]
        batches = int(j["params"]["workloads.q.batches"])
        df = batches - 1
        widen = t_quantile(1 - FAMILY_ALPHA / (2 * K), df) / t_quantile(0.975, df)
        for name in METRICS:
            x, h95 = m[f"q.{name}"], ci[f"q.{name}"]
            theory = m[f"q.theory.{name}"]
            se = h95 / t_quantile(0.975, df)
            z = (x - theory) / se if se > 0 else float("inf")
            worst = max(worst, abs(z))
            print(f"{model:32} {load:5.2f} {name:12} {x:12.6g} {h95:10.3g} {theory:12.6g} "
                  f"{z:6.2f}", file=sys.stderr)
            check(abs(x - theory) <= widen * h95,
                  f"{model} load {load}: {name} = {x:.6g} +/- {h95:.3g}, theory {theory:.6g} "
                  f"(allowed {widen * h95:.3g})")
        # Little's law between independently measured L and lambda * R
        check(abs(m["q.little.rel_error"]) < 0.005,
              f"{model} load {load}: Little's law off by {m['q.little.rel_error']:.4f}")
        # the arrival process: Poisson counts have a relative standard error of 1/sqrt(N)
        n = m["q.arrivals"]
        lam = load * (4 if "mmc" in model or "partitioned" in model else 1) / 10e-6
        check(abs(m["q.lambda"] - lam) <= 5 * lam / math.sqrt(n),
              f"{model} load {load}: arrival rate {m['q.lambda']:.1f}, configured {lam:.1f}")
    print(f"largest |z| over {K} comparisons: {worst:.2f} "
          f"(Bonferroni bound {t_quantile(1 - FAMILY_ALPHA / (2 * K), 19):.2f})", file=sys.stderr)


finish()
