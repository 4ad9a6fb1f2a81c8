"""`mpstack sweep`: every point of a scenario's sweep: grid, in parallel, tagged with one
sweep id, resumable; mistakes reported at their line before anything runs."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import MPSTACK, TMP, mm1_yaml, SRC, check, db_rows, finish, fresh_tmp, path, run, test, write  # noqa: E402

fresh_tmp()

BASE = mm1_yaml("sweep test", cpus=2)
GOOD = write("sweep.yaml", BASE + """sweep:
  seeds: 2
  grid:
    workloads.q.load: [0.3, 0.6, 0.9]
    workloads.q.servers: [1, 2]
""")
DB = path("sweep.sqlite")


def ids():
    return db_rows(DB, "SELECT DISTINCT sweep_id FROM runs")


@test
def every_point_and_seed_runs_once_under_one_id():
    p = run("sweep", GOOD, "--db", DB, "--jobs", "2", check=0)
    rows = db_rows(DB, "SELECT r.seed, l.value, s.value, r.sweep_id FROM runs r "
                       "JOIN params l ON l.run_id = r.id AND l.key = 'workloads.q.load' "
                       "JOIN params s ON s.run_id = r.id AND s.key = 'workloads.q.servers'")
    points = sorted((seed, load, srv) for seed, load, srv, _ in rows)
    want = sorted((seed, load, srv) for seed in (1, 2) for load in ("0.3", "0.6", "0.9")
                  for srv in ("1", "2"))
    check(points == want, f"points {points}")
    check(len(ids()) == 1 and ids()[0][0].startswith("sw-"), f"sweep ids {ids()}")
    check(ids()[0][0] in p.stdout, f"the id is not printed: {p.stdout}")
    src = db_rows(DB, "SELECT DISTINCT source FROM params WHERE key = 'workloads.q.load'")
    check(all(s.startswith(GOOD + ":19:") for (s,) in src),
          f"a grid value's source should be its place in the grid: {src}")


@test
def started_again_it_skips_what_is_stored_and_runs_what_is_missing():
    p = run("sweep", GOOD, "--db", DB, check=0)
    check("12 already stored, 0 to run" in p.stderr, f"stderr: {p.stderr}")
    check(db_rows(DB, "SELECT COUNT(*) FROM runs") == [(12,)], "runs added on a full sweep")
    gone = db_rows(DB, "SELECT id, seed FROM runs ORDER BY id LIMIT 2")
    import sqlite3
    con = sqlite3.connect(DB)
    con.execute("PRAGMA foreign_keys = ON")
    con.execute("DELETE FROM runs WHERE id IN (?, ?)", (gone[0][0], gone[1][0]))
    con.commit()
    con.close()
    p = run("sweep", GOOD, "--db", DB, check=0)
    check("10 already stored, 2 to run" in p.stderr, f"stderr: {p.stderr}")
    check(db_rows(DB, "SELECT COUNT(*) FROM runs") == [(12,)], "the missing runs were not redone")


@test
def another_override_is_another_sweep():
    run("sweep", GOOD, "--db", DB, "--set", "sim.duration=10ms", "--jobs", "2", check=0)
    check(len(ids()) == 2, f"sweep ids {ids()}")
    check(db_rows(DB, "SELECT COUNT(*) FROM runs") == [(24,)], "runs")


@test
def an_edited_file_is_another_sweep():
    text = open(GOOD).read()
    f = write("edit.yaml", text)
    run("sweep", f, "--db", path("e.sqlite"), check=0)
    f = write("edit.yaml", text.replace("mean_service: 10us", "mean_service: 20us"))
    p = run("sweep", f, "--db", path("e.sqlite"), check=0)
    check("12 runs, 0 already stored, 12 to run" in p.stderr,
          f"an edited scenario resumed the old sweep: {p.stderr}")


@test
def the_sweep_plot_reads_a_sweep():
    """The plot of one sweep id: a line per server count, a point per load, each the mean of
    exactly that sweep's two seeds (the database also holds other sweeps of the same grid)."""
    (sid,) = ids()[0]
    env = dict(os.environ, PYTHONPATH=SRC)
    out, data = path("util.png"), path("util.json")
    p = subprocess.run([sys.executable, "-m", "analysis", "sweep", "--db", DB, "--sweep", sid,
                        "--metric", "q.util", "--param", "workloads.q.load", "--by",
                        "workloads.q.servers", "--out", out, "--data", data],
                       capture_output=True, text=True, env=env, cwd=SRC, timeout=300)
    check(p.returncode == 0 and os.path.getsize(out) > 0, f"analysis: {p.stderr}")
    with open(data) as f:
        d = json.load(f)
    check(len(d["lines"]) == 2, f"lines {[ln['label'] for ln in d['lines']]}")
    for line in d["lines"]:
        check([pt["x"] for pt in line["points"]] == [0.3, 0.6, 0.9],
              f"{line['label']}: x {[pt['x'] for pt in line['points']]}")
        for pt in line["points"]:
            rows = db_rows(DB, "SELECT r.sweep_id, m.value FROM runs r JOIN metrics m ON "
                               "m.run_id = r.id AND m.name = 'q.util' WHERE r.id IN (%s)" %
                               ",".join("?" * len(pt["runs"])), pt["runs"])
            check(len(rows) == 2 and all(r[0] == sid for r in rows),
                  f"{line['label']} x={pt['x']}: runs {pt['runs']} -> {rows}")
            check(abs(pt["mean"] - sum(r[1] for r in rows) / 2) < 1e-12,
                  f"{line['label']} x={pt['x']}: mean {pt['mean']} vs {rows}")

def expect_error(text, message):
    f = write("bad.yaml", text)
    p = run("sweep", f, "--db", path("bad.sqlite"))
    check(p.returncode == 2, f"exit {p.returncode} (wanted 2)")
    check(message in p.stderr, f"wanted {message!r} in:\n{p.stderr}")
    check(not os.path.exists(path("bad.sqlite")), "a bad sweep wrote a database")


@test
def mistakes_are_reported_at_their_line_before_anything_runs():
    expect_error(BASE + "sweep:\n  grid:\n    workloads.q.lod: [1, 2]\n", "bad.yaml:18:5:")
    expect_error(BASE + "sweep:\n  grid:\n    workloads.q.load: [0.5, 7]\n", "bad.yaml:18:29:")
    expect_error(BASE + "sweep:\n  seeds: 0\n  grid:\n    workloads.q.load: [0.5]\n",
                 "sweep.seeds: expected a whole number")
    expect_error(BASE + "sweep:\n  grids:\n    workloads.q.load: [0.5]\n",
                 "unknown key 'grids' in sweep")
    expect_error(BASE, "has no sweep: block")
    for key, why in (("sim.seed: [1, 2]", "sim.seed: cannot be a grid key"),
                     ("outputs.store: [true, false]", "outputs.store: results go to one place")):
        expect_error(BASE + f"sweep:\n  grid:\n    {key}\n", f"bad.yaml:18:5: sweep.grid: {why}")
    expect_error(BASE + "sweep: 3\n",
                 "bad.yaml:16:1: sweep: expected a section with seeds: and grid:, got")
    # a bad value is reported once, not at each of the points it takes part in: in the
    # middle of its list, and first (then it is in every other key's first point too)
    for grid, col in (("[0.5, 7, 0.6]", 29), ("[7, 0.5, 0.6]", 24)):
        expect_error(BASE + f"sweep:\n  grid:\n    workloads.q.load: {grid}\n"
                     "    workloads.q.servers: [1, 2]\n", f"bad.yaml:18:{col}:")
        p = run("sweep", path("bad.yaml"), "--db", path("bad.sqlite"))
        check(p.stderr.count("workloads.q.load") == 1 and
              "1 error in the scenario" in p.stderr, f"{grid}: reported more than once:\n{p.stderr}")
    # too many runs: checked by the loader, so `run` (one point, should the check go) says it
    # too, without starting 200,000 runs
    f = write("big.yaml", BASE + "sweep:\n  seeds: 50000\n  grid:\n"
              "    workloads.q.load: [0.5, 0.6]\n    workloads.q.servers: [1, 2]\n")
    p = run("run", f, "--set", "outputs.store=false")
    check(p.returncode == 2 and "big.yaml:16:1: sweep: 2 x 2 points x 50000 seeds is more "
          "than 100000 runs" in p.stderr, f"exit {p.returncode}: {p.stderr}")
    p = run("run", GOOD, "--sweep-point", "5,0", "--set", "outputs.store=false")
    check(p.returncode == 2 and "index 5 is out of range" in p.stderr, f"{p.stderr}")
    # a number longer than the parser reads is refused, not cut to its first 31 digits
    p = run("run", GOOD, "--sweep-point", "0" * 31 + "1,0", "--set", "outputs.store=false")
    check(p.returncode == 2 and "--sweep-point expects" in p.stderr, f"{p.stderr}")
    for args, msg in ((("--trace", path("t.json")), "would be written by every run at once"),
                      (("--json",), "--json is not supported"),
                      (("--set", "workloads.q.load=0.4"),
                       "--set workloads.q.load: the grid sweeps this key, and the override "
                       "would make every point the same"),
                      (("--jobs", "4,5"), "--jobs expects 1 to 1024")):
        p = run("sweep", GOOD, "--db", path("bad.sqlite"), *args)
        check(p.returncode == 2 and msg in p.stderr, f"{args}: exit {p.returncode}: {p.stderr}")



@test
def ctrl_c_stops_a_sweep_whose_runs_have_all_started():
    """Ctrl-C while every remaining run is running: the runs stop, nothing half-done is
    stored, and the sweep says it was interrupted (exit 130). It used to exit 1 silently,
    because the interrupted runs counted as finished."""
    import signal
    import time
    f = write("long-sweep.yaml", mm1_yaml("long sweep").replace("duration: 20ms",
                                                               "duration: 2000s") + """sweep:
  seeds: 1
  grid:
    workloads.q.load: [0.3, 0.6]
""")
    db = path("long-sweep.sqlite")
    p = subprocess.Popen([MPSTACK, "sweep", f, "--db", db, "--jobs", "4"], cwd=TMP,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    p.send_signal(signal.SIGINT)
    try:
        out, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    check(p.returncode == 130 and "sweep interrupted; 0 of 2 runs stored" in err,
          f"exit {p.returncode}: {err}")
    check(db_rows(db, "SELECT COUNT(*) FROM runs") == [(0,)], "an interrupted run was stored")

finish()
