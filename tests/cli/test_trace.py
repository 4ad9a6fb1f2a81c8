"""--trace FILE: a timeline in Chrome trace-event JSON (what the Perfetto UI opens). The test
parses it and checks what a viewer relies on: slices properly nested on every thread track,
CPU tracks whose slices do not overlap, flow arrows that end after they start, counters,
the window, and that a run's timeline is the same every time."""
import collections
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import check, finish, fresh_tmp, path, run, scenario, test  # noqa: E402

fresh_tmp()
F = scenario("lessons/forwarding-handoff.yaml")
ARGS = ("--set", "sim.duration=2ms", "--set", "sim.warmup=1ms", "--set", "outputs.store=false",
        "--quiet")


def trace(name, *extra):
    out = path(name)
    run("run", F, *ARGS, "--trace", out, *extra, check=0)
    with open(out) as f:
        return json.load(f)["traceEvents"], out


def tracks(ev):
    by = collections.defaultdict(list)
    for e in ev:
        if e["ph"] != "M":
            by[(e["pid"], e.get("tid"))].append(e)
    return by


@test
def slices_nest_and_cpu_tracks_do_not_overlap():
    ev, _ = trace("all.json")
    kinds = collections.Counter(e["ph"] for e in ev)
    for ph in ("M", "X", "B", "E", "s", "f", "C"):
        check(kinds[ph] > 0, f"no '{ph}' events: {dict(kinds)}")
    for (pid, tid), es in tracks(ev).items():
        stack, last = [], -1.0
        for e in es:
            if e["ph"] in ("B", "E", "i"):
                check(e["ts"] >= last, f"track {pid}/{tid}: time goes back at {e['ts']}")
                last = e["ts"]
            if e["ph"] == "B":
                stack.append(e)
            elif e["ph"] == "E":
                check(stack, f"track {pid}/{tid}: an end without a beginning at {e['ts']}")
                if stack:
                    stack.pop()
        check(not stack, f"track {pid}/{tid}: {len(stack)} slices never end")
        xs = sorted((e["ts"], e["ts"] + e["dur"]) for e in es if e["ph"] == "X")
        for (a0, a1), (b0, _) in zip(xs, xs[1:]):
            check(b0 >= a1 - 1e-6, f"CPU track {pid}/{tid}: slices overlap at {b0}")
    names = {e.get("name") for e in ev if e["ph"] == "B"}
    for want in ("ether_input", "IPI", "p0-msi"):
        check(want in names, f"no '{want}' slice (have {sorted(names)[:12]})")
    meta = {e["args"]["name"] for e in ev if e["ph"] == "M"}
    check("fwd" in meta and "CPU 0" in meta, f"process/track names: {sorted(meta)[:10]}")


@test
def flows_end_after_they_start_and_counters_carry_values():
    ev, _ = trace("all.json")
    starts = {(e["cat"], e["id"]): e["ts"] for e in ev if e["ph"] == "s"}
    ends = [(e["cat"], e["id"], e["ts"]) for e in ev if e["ph"] == "f"]
    matched = [(k, s, t) for k, s, t in ends if (k, s) in starts]
    check(len(matched) > 10, f"only {len(matched)} flows matched")
    check(all(starts[(k, s)] <= t for k, s, t in matched), "a flow ends before it starts")
    cs = [e for e in ev if e["ph"] == "C"]
    check(all(len(e["args"]) == 1 and isinstance(next(iter(e["args"].values())), (int, float))
              for e in cs), "a counter without exactly one numeric value")


@test
def the_window_bounds_the_file():
    full, f1 = trace("all.json")
    part, f2 = trace("part.json", "--trace-window", "1.5ms:1.6ms")
    check(os.path.getsize(f2) < os.path.getsize(f1) / 4, "the window did not shrink the file")
    for e in part:
        if e["ph"] == "X":
            check(1500 <= e["ts"] and e["ts"] + e["dur"] <= 1600 + 1e-6, f"X outside: {e}")
        elif e["ph"] == "E": # a slice begun inside may end after the window
            check(e["ts"] >= 1500, f"E before the window: {e['ts']}")
        elif e["ph"] != "M":
            check(1500 <= e["ts"] < 1600, f"{e['ph']} outside the window: {e['ts']}")


@test
def the_same_run_writes_the_same_timeline():
    _, a = trace("a.json", "--trace-window", "1ms:1.3ms")
    _, b = trace("b.json", "--trace-window", "1ms:1.3ms")
    with open(a) as fa, open(b) as fb:
        check(fa.read() == fb.read(), "two runs of the same scenario wrote different timelines")


@test
def a_bad_window_is_a_scenario_error():
    p = run("run", F, *ARGS, "--trace", path("x.json"), "--trace-window", "5ms")
    check(p.returncode == 2 and "outputs.trace_window: expected START:END" in p.stderr,
          f"exit {p.returncode}: {p.stderr}")
    p = run("run", F, *ARGS, "--trace-window", "1ms:2ms")
    check(p.returncode == 2 and "a window of no timeline" in p.stderr,
          f"exit {p.returncode}: {p.stderr}")


@test
def each_compare_variant_writes_its_own_timeline():
    run("compare", F, *ARGS, "--trace", path("cmp.json"), "--trace-window", "1ms:1.1ms",
        check=0)
    ipis = {}
    for v in ("per-packet", "batched"):
        f = path(f"cmp-{v}.json")
        check(os.path.exists(f), f"no timeline {f}")
        if os.path.exists(f):
            with open(f) as fh:
                d = json.load(fh)
            ev = d["traceEvents"] if isinstance(d, dict) else d
            ipis[v] = sum(1 for e in ev if e.get("name") == "IPI" and e.get("ph") in ("B", "X"))
    # each file is its own variant's run: batching sends fewer IPIs (the lesson's mechanism)
    check(len(ipis) == 2 and 0 < ipis["batched"] < ipis["per-packet"], f"IPI slices {ipis}")


finish()
