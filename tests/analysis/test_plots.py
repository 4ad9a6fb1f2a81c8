"""python3 -m analysis: every kind of figure, drawn from a small database that real runs
write, checked as a file (PNG signature, SVG that parses) and against the database (the data
the figure drew, from --data, must be what SQL says)."""
import json
import math
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
from common import (SRC, check, db_rows, finish, fresh_tmp, path, run, scenario,  # noqa: E402
                    test)

fresh_tmp()
DB = path("fixture.sqlite")
SHORT = ("--set", "sim.duration=1ms", "--set", "sim.warmup=500us", "--db", DB, "--quiet")

# The fixture: the hand-off lesson's two variants under two seeds (IPIs, CPU time, lines),
# and M/M/1 at three loads under two seeds (a sweep).
for seed in ("1", "2"):
    run("compare", scenario("lessons/forwarding-handoff.yaml"), *SHORT, "--seed", seed, check=0)
for load in ("0.3", "0.5", "0.7"):
    for seed in ("1", "2"):
        run("run", scenario("validation/mm1.yaml"), "--set", "sim.duration=20ms", "--set",
            "sim.warmup=1ms", "--set", f"workloads.q.load={load}", "--seed", seed, "--db", DB,
            "--quiet", check=0)
HANDOFF = [r for (r,) in db_rows(DB, "SELECT id FROM runs WHERE name = "
                                     "'lessons/forwarding-handoff' ORDER BY id")]
MM1 = [r for (r,) in db_rows(DB, "SELECT id FROM runs WHERE name = 'validation/mm1'")]


def plot(kind, *args, out=None, ok=True):
    out = out or path(f"{kind}.png")
    data = path(f"{kind}.json")
    env = dict(os.environ, PYTHONPATH=SRC)
    p = subprocess.run([sys.executable, "-m", "analysis", kind, "--db", DB, "--out", out,
                        "--data", data, *args], capture_output=True, text=True, env=env,
                       cwd=SRC, timeout=300)
    if not ok:
        return p
    if p.returncode != 0:
        raise AssertionError(f"analysis {kind} {' '.join(args)} exited {p.returncode}:\n"
                             f"{p.stderr}")
    if out.endswith(".png"):
        with open(out, "rb") as f:
            check(f.read(8) == b"\x89PNG\r\n\x1a\n", f"{out} is not a PNG")
    else:
        root = ET.parse(out).getroot()
        check(root.tag.endswith("svg"), f"{out} is not an SVG")
    with open(data) as f:
        return json.load(f)


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@test
def compare_plots_the_mean_of_each_variant_over_seeds():
    d = plot("compare", "--metric", "ipi.per_packet", "--scenario",
             "lessons/forwarding-handoff")
    check([g["label"] for g in d["groups"]] == ["per-packet", "batched"],
          f"groups {[g['label'] for g in d['groups']]}")
    for g in d["groups"]:
        vals = [v for (v,) in db_rows(DB, "SELECT m.value FROM metrics m JOIN params p ON "
                                          "p.run_id = m.run_id AND p.key = 'variant' WHERE "
                                          "m.name = 'ipi.per_packet' AND p.value = ?",
                                      (g["label"],))]
        check(len(vals) == 2 and close(g["mean"], sum(vals) / 2),
              f"{g['label']}: plotted {g['mean']}, database {vals}")
        # two seeds: s = |a - b| / sqrt(2), half-width t(0.975, 1) s / sqrt(2)
        check(close(g["ci95"], 12.706 * abs(vals[0] - vals[1]) / 2),
              f"{g['label']}: interval {g['ci95']} over {vals}")
    check("seeds 1, 2" in d["caption"] and "forwarding-handoff" in d["caption"],
          f"caption {d['caption']}")


@test
def sweep_plots_a_point_per_value_with_seeds_averaged():
    d = plot("sweep", "--metric", "q.util", "--param", "workloads.q.load", "--scenario",
             "validation/mm1", out=path("sweep.svg"))
    pts = d["lines"][0]["points"]
    check([p["x"] for p in pts] == [0.3, 0.5, 0.7], f"x {[p['x'] for p in pts]}")
    for p in pts:
        vals = [v for (v,) in db_rows(DB, "SELECT m.value FROM metrics m JOIN params p ON "
                                          "p.run_id = m.run_id AND p.key = 'workloads.q.load' "
                                          "WHERE m.name = 'q.util' AND p.num = ?", (p["x"],))]
        check(close(p["mean"], sum(vals) / len(vals)), f"x={p['x']}: {p['mean']} vs {vals}")
        check(abs(p["mean"] - p["x"]) < 0.1, f"utilisation {p['mean']} at load {p['x']}")


@test
def cpu_plots_the_stored_cpu_time_as_a_share_of_the_window():
    r = HANDOFF[0]
    d = plot("cpu", "--run", str(r))
    (measured,) = db_rows(DB, "SELECT measured_ps FROM runs WHERE id = ?", (r,))[0]
    for cat, vals in d["percent"].items():
        for cpu, v in zip(d["cpus"], vals):
            rows = db_rows(DB, "SELECT ps FROM cpu_time WHERE run_id = ? AND host = ? AND "
                               "cpu = ? AND category = ?", (r, d["host"], cpu, cat))
            want = rows[0][0] / measured * 100 if rows else 0
            check(close(v, want), f"cpu {cpu} {cat}: {v} vs {want}")
    check("intr" in d["percent"] and "netisr" in d["percent"], f"categories {list(d['percent'])}")


@test
def lines_and_ipi_matrices_are_the_stored_pairs():
    r = HANDOFF[0]
    d = plot("lines", "--run", str(r), out=path("lines.svg"))
    total = db_rows(DB, "SELECT SUM(value) FROM pairs WHERE run_id = ? AND name = 'lines'",
                    (r,))[0][0]
    check(total and close(sum(map(sum, d["matrix"])), total), "lines matrix != pairs table")
    regions = dict(db_rows(DB, "SELECT substr(name, 17), value FROM metrics WHERE run_id = ? "
                               "AND name LIKE 'lines.transfers.%' AND name != "
                               "'lines.transfers.total' AND value > 0", (r,)))
    check(d["regions"] == regions, f"regions {d['regions']} vs {regions}")
    d = plot("ipi", "--run", str(r))
    sent = db_rows(DB, "SELECT value FROM metrics WHERE run_id = ? AND name = "
                       "'host.fwd.ipi.sent'", (r,))[0][0]
    check(d["total"] == sent and sent > 0, f"IPI matrix total {d['total']}, host metric {sent}")


@test
def cdf_plots_the_stored_latency_histogram_cumulatively():
    d = plot("cdf", "--scenario", "lessons/forwarding-handoff", out=path("cdf.svg"))
    check(d["name"] == "sink.sink.latency" and len(d["runs"]) == len(HANDOFF),
          f"{d['name']}, {len(d['runs'])} lines")
    for line in d["runs"]:
        rows = db_rows(DB, "SELECT upper, count FROM hist WHERE run_id = ? AND name = ? "
                           "ORDER BY upper", (line["run"], d["name"]))
        total = sum(c for _, c in rows)
        frames = db_rows(DB, "SELECT value FROM metrics WHERE run_id = ? AND name = "
                             "'sink.sink.frames'", (line["run"],))[0][0]
        check(total == line["samples"] == frames, f"run {line['run']}: {total} samples, "
              f"plotted {line['samples']}, sink saw {frames}")
        check(line["upper"] == [u for u, _ in rows] and close(line["fraction"][-1], 1.0),
              f"run {line['run']}: plotted buckets differ from the table")
        p50 = db_rows(DB, "SELECT value FROM metrics WHERE run_id = ? AND name = "
                          "'sink.sink.latency.p50'", (line["run"],))[0][0]
        first = next(u for u, fr in zip(line["upper"], line["fraction"]) if fr >= 0.5)
        check(close(first, p50), f"run {line['run']}: median {first} vs p50 metric {p50}")


@test
def mistakes_are_refused_with_a_message():
    p = plot("compare", "--metric", "no.such.metric", ok=False)
    check(p.returncode == 2 and "no.such.metric" in p.stderr, f"{p.returncode} {p.stderr}")
    p = plot("cpu", out=path("x.jpg"), ok=False)
    check(p.returncode == 2 and ".png or .svg" in p.stderr, f"{p.returncode} {p.stderr}")
    p = plot("ipi", "--run", str(MM1[0]), ok=False)
    check(p.returncode == 2 and "no IPIs" in p.stderr, f"{p.returncode} {p.stderr}")
    p = plot("ipi", "--run", str(HANDOFF[0]), "--host", "nohost", ok=False)
    check(p.returncode == 2 and "no IPIs for host nohost (hosts: fwd)" in p.stderr, p.stderr)
    p = plot("compare", "--metric", "fwd.mpps", "--by", "no.such.key", ok=False)
    check(p.returncode == 2 and "--by no.such.key: no run has that parameter" in p.stderr,
          p.stderr)
    bad = path("not-a-db.sqlite")
    with open(bad, "w") as f:
        f.write("this is not sqlite")
    env = dict(os.environ, PYTHONPATH=SRC)
    p = subprocess.run([sys.executable, "-m", "analysis", "cpu", "--db", bad, "--out",
                        path("x.png")], capture_output=True, text=True, env=env, cwd=SRC)
    check(p.returncode == 2 and "not an mpstack results database" in p.stderr, p.stderr)


finish()
