"""Same scenario and seed give identical result rows, run after run (wall-clock fields
aside); another seed gives different ones; the three event-queue structures give identical
results; and temporal decoupling changes nothing observable in a model whose interactions
are all synchronisation points."""
from common import check, db_rows, finish, fresh_tmp, path, run, scenario, test

fresh_tmp()
DB = path("d.sqlite")
SHORT = ["--set", "sim.duration=500ms", "--set", "sim.warmup=20ms"]
WALL = {"id", "started_at", "wall_seconds"}


def do_run(name, *extra):
    run("run", scenario(name), "--db", DB, *SHORT, *extra, "--quiet", check=0)
    return db_rows(DB, "SELECT max(id) FROM runs")[0][0]


def rows(rid):
    """Everything stored about a run except its id and wall-clock fields."""
    con_cols = [r[1] for r in db_rows(DB, "PRAGMA table_info(runs)")]
    keep = [c for c in con_cols if c not in WALL]
    out = {"runs": db_rows(DB, f"SELECT {', '.join(keep)} FROM runs WHERE id=?", (rid,))}
    for t, order in (("params", "key"), ("metrics", "name"), ("series", "name, t_ps"),
                     ("cpu_time", "host, cpu, category")):
        out[t] = db_rows(DB, f"SELECT * FROM {t} WHERE run_id=? ORDER BY {order}", (rid,))
        out[t] = [r[1:] for r in out[t]]  # drop run_id
    return out


def metrics(rid):
    return dict(db_rows(DB, "SELECT name, value FROM metrics WHERE run_id=?", (rid,)))


@test
def same_seed_same_rows():
    for name in ("validation/mm1.yaml", "validation/mmc.yaml", "validation/mm1-partitioned.yaml"):
        a, b = do_run(name), do_run(name)
        ra, rb = rows(a), rows(b)
        for t in ra:
            check(ra[t] == rb[t], f"{name}: table {t} differs between two identical runs")
        check(len(ra["metrics"]) > 10 and len(ra["series"]) > 10, f"{name}: rows missing")


@test
def other_seed_other_rows():
    a, b = do_run("validation/mm1.yaml", "--seed", "1"), do_run("validation/mm1.yaml", "--seed", "2")
    check(metrics(a)["q.wait.mean"] != metrics(b)["q.wait.mean"], "seeds 1 and 2 agree exactly")


@test
def event_queues_agree():
    ids = [do_run("validation/mmc.yaml", "--set", f"sim.event_queue={q}")
           for q in ("heap", "calendar", "radix")]
    ev = [db_rows(DB, "SELECT events FROM runs WHERE id=?", (i,))[0][0] for i in ids]
    check(ev[0] == ev[1] == ev[2], f"event counts differ: {ev}")
    m = [metrics(i) for i in ids]
    check(m[0] == m[1] == m[2], "metrics differ between event-queue structures")


@test
def quantum_changes_nothing_observable_here():
    a = do_run("validation/mmc.yaml", "--set", "sim.quantum=0s")
    b = do_run("validation/mmc.yaml", "--set", "sim.quantum=1us")
    check(metrics(a) == metrics(b), "quantum 1us changed the queueing metrics")


finish()
