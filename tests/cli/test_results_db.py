"""The results database: schema and version, two runs writing one database at the same
time both land, a run killed part-way leaves the database consistent with no partial rows,
and per-CPU time adds up to the measured window."""
import os
import signal
import subprocess
import time

from common import (MPSTACK, check, db_rows, finish, fresh_tmp, path, run, run_json, scenario,
                    test)

fresh_tmp()
SHORT = ["--set", "sim.duration=300ms", "--set", "sim.warmup=20ms"]


@test
def schema_and_version():
    db = path("s.sqlite")
    run("run", scenario("validation/mm1.yaml"), "--db", db, *SHORT, "--quiet", check=0)
    check(db_rows(db, "PRAGMA user_version") == [(2,)], "user_version")
    tables = {r[0] for r in db_rows(db, "SELECT name FROM sqlite_master WHERE type='table'")}
    check(tables == {"runs", "params", "metrics", "series", "cpu_time", "pairs", "hist"},
          f"tables {tables}")
    check(db_rows(db, "PRAGMA journal_mode") == [("wal",)], "not in WAL mode")


@test
def a_version_1_database_is_upgraded_in_place_and_keeps_its_runs():
    import sqlite3
    db = path("v1.sqlite")
    run("run", scenario("validation/mm1.yaml"), "--db", db, *SHORT, "--quiet", check=0)
    con = sqlite3.connect(db)  # make it look like a version-1 database
    con.execute("DROP TABLE pairs")
    con.execute("DROP TABLE hist")
    con.execute("PRAGMA user_version = 1")
    con.commit()
    con.close()
    run("run", scenario("validation/mm1.yaml"), "--db", db, *SHORT, "--quiet", check=0)
    check(db_rows(db, "PRAGMA user_version") == [(2,)], "not upgraded to version 2")
    check(db_rows(db, "SELECT COUNT(*) FROM runs") == [(2,)], "runs lost in the upgrade")
    check(db_rows(db, "SELECT COUNT(*) FROM pairs") == [(0,)], "pairs where none were sent")


@test
def concurrent_writers_both_land():
    db = path("c.sqlite")
    procs = [subprocess.Popen([MPSTACK, "run", scenario("validation/mmc.yaml"), "--db", db,
                               "--set", "sim.duration=20s", "--seed", str(s), "--quiet"],
                              cwd=path(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for s in (1, 2, 3)]
    for p in procs:
        out, err = p.communicate(timeout=600)
        check(p.returncode == 0, f"concurrent run failed: {err.decode()}")
    rows = db_rows(db, "SELECT seed FROM runs ORDER BY seed")
    check(rows == [(1,), (2,), (3,)], f"runs {rows}")
    for (rid,) in db_rows(db, "SELECT id FROM runs"):
        n = db_rows(db, "SELECT count(*) FROM metrics WHERE run_id=?", (rid,))[0][0]
        check(n > 10, f"run {rid} has {n} metrics")


@test
def writer_waits_for_a_locked_database():
    """Another process holds the write lock when mpstack wants to store: it waits, then
    stores (SQLite busy timeout), instead of failing or losing the run."""
    import sqlite3
    db = path("l.sqlite")
    run("run", scenario("validation/mm1.yaml"), "--db", db, *SHORT, "--quiet", check=0)
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    p = subprocess.Popen([MPSTACK, "run", scenario("validation/mm1.yaml"), "--db", db, *SHORT,
                          "--quiet"], cwd=path(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.5)
    check(p.poll() is None, "mpstack did not wait for the lock")
    con.execute("COMMIT")
    con.close()
    out, err = p.communicate(timeout=120)
    check(p.returncode == 0, f"run after the lock was released failed: {err.decode()}")
    check(db_rows(db, "SELECT count(*) FROM runs") == [(2,)], "second run not stored")


@test
def killed_run_leaves_no_rows():
    db = path("k.sqlite")
    run("run", scenario("validation/mm1.yaml"), "--db", db, *SHORT, "--quiet", check=0)
    p = subprocess.Popen([MPSTACK, "run", scenario("validation/mmc.yaml"), "--db", db, "--set",
                          "sim.duration=1000s", "--quiet"], cwd=path(),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.7)
    p.send_signal(signal.SIGKILL)
    p.wait()
    check(db_rows(db, "PRAGMA integrity_check") == [("ok",)], "database damaged by the kill")
    check(db_rows(db, "SELECT count(*) FROM runs") == [(1,)], "the killed run left a row")
    for t in ("params", "metrics", "series", "cpu_time"):
        orphans = db_rows(db, f"SELECT count(*) FROM {t} WHERE run_id NOT IN (SELECT id FROM runs)")
        check(orphans == [(0,)], f"orphan rows in {t}")


@test
def cpu_time_adds_up():
    db = path("t.sqlite")
    j = run_json("run", scenario("validation/mmc.yaml"), "--db", db, *SHORT)
    measured = db_rows(db, "SELECT measured_ps FROM runs WHERE id=?", (j["run_id"],))[0][0]
    rows = db_rows(db, "SELECT cpu, sum(ps) FROM cpu_time WHERE run_id=? GROUP BY cpu",
                   (j["run_id"],))
    check(len(rows) == 4, f"cpu rows {rows}")
    for cpu, total in rows:
        check(total == measured, f"cpu {cpu}: categories sum to {total}, window is {measured}")
    busy = db_rows(db, "SELECT sum(ps) FROM cpu_time WHERE run_id=? AND category='user'",
                   (j["run_id"],))[0][0]
    util = busy / (4 * measured)
    check(abs(util - j["metrics"]["q.util"]) < 0.01, f"cpu_time util {util} vs q.util")


@test
def params_hold_the_full_table():
    db = path("p.sqlite")
    j = run_json("run", scenario("validation/mm1.yaml"), "--db", db, *SHORT)
    keys = {r[0] for r in db_rows(db, "SELECT key FROM params WHERE run_id=?", (j["run_id"],))}
    listed = run("params", check=0).stdout
    used = {"description", "sim", "hosts", "workloads", "outputs"}  # what mm1.yaml has
    for line in listed.splitlines()[1:]:
        key = line.split()[0]
        if key.split(".")[0] not in used:
            continue
        key = key.replace("<name>", "server" if key.startswith("hosts") else "q")
        check(key in keys, f"resolved table lacks {key}")
    src = dict(db_rows(db, "SELECT key, source FROM params WHERE run_id=?", (j["run_id"],)))
    check(src["sim.quantum"] == "default", "default source")
    check(src["sim.duration"].startswith("--set:1:"), f"set source {src['sim.duration']}")
    check("mm1.yaml:" in src["workloads.q.load"], f"file source {src['workloads.q.load']}")


finish()
