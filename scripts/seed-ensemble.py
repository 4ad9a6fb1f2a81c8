#!/usr/bin/env python3
"""Run one validation scenario over many seeds and summarise z = (simulated - theory) / SE.

If the simulator is unbiased and its batch-means intervals are honest, z has mean 0 and
standard deviation sqrt((B-1)/(B-3)) (about 1.06 for B = 20 batches). docs/validation.md
quotes the output of:

    python3 scripts/seed-ensemble.py mm1 0.8
    python3 scripts/seed-ensemble.py mm1-partitioned 0.8
"""
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
MPSTACK = os.environ.get("MPSTACK", os.path.join(ROOT, "build", "mpstack"))


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: seed-ensemble.py MODEL LOAD [FIRST_SEED [COUNT]]")
    model, load = sys.argv[1], sys.argv[2]
    first = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 30
    t975 = 2.093  # t(0.975, 19): the shipped scenarios use 20 batches
    zs = {k: [] for k in ("wait.mean", "system.mean", "util")}
    for seed in range(first, first + count):
        out = subprocess.run(
            [MPSTACK, "run", os.path.join(ROOT, "scenarios", "validation", model + ".yaml"),
             "--seed", str(seed), "--set", f"workloads.q.load={load}",
             "--set", "outputs.store=false", "--json", "--quiet"],
            capture_output=True, text=True, check=True).stdout
        j = json.loads(out)
        m, ci = j["metrics"], j["ci95"]
        for k in zs:
            zs[k].append((m["q." + k] - m["q.theory." + k]) / (ci["q." + k] / t975))
    for k, v in zs.items():
        print(f"{model} load {load} {k:12} mean z {statistics.mean(v):+.2f}  "
              f"sd {statistics.stdev(v):.2f}  over {len(v)} seeds")


if __name__ == "__main__":
    main()
