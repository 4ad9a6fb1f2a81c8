"""The mpstack command: --help on every subcommand, --version, list, params, validate,
run --json (and that the same run is in the database), the progress line (only on a
terminal, never with --quiet) and Ctrl-C (exit 130, nothing stored)."""
import json
import os
import pty
import select
import signal
import subprocess
import time

from common import (MPSTACK, check, db_rows, finish, fresh_tmp, path, run, run_json,
                    scenario, test, write)

fresh_tmp()


@test
def help_and_version():
    p = run("--version", check=0)
    check(p.stdout.startswith("mpstack "), p.stdout)
    p = run("--help", check=0)
    for cmd in ("run FILE", "validate FILE", "list", "params"):
        check(cmd in p.stdout, f"--help lacks {cmd}")
    for cmd in ("run", "validate", "list", "params"):
        p = run(cmd, "--help", check=0)
        check(p.stdout.startswith(f"usage: mpstack {cmd}"), f"{cmd} --help: {p.stdout}")
    p = run()
    check(p.returncode == 2 and "usage:" in p.stderr, "no arguments")


@test
def list_shows_scenarios_and_presets():
    p = run("list", check=0)
    for name in ("validation/mm1.yaml", "validation/md1.yaml", "validation/mmc.yaml",
                 "validation/mm1-partitioned.yaml"):
        line = [l for l in p.stdout.splitlines() if name in l]
        check(len(line) == 1 and len(line[0].split(name, 1)[1].strip()) > 10,
              f"list: {name} missing or without description")
    check("Presets" in p.stdout and "validation " in p.stdout, p.stdout)


@test
def params_lists_every_key():
    p = run("params", check=0)
    for key in ("sim.duration", "sim.seed", "sim.quantum", "sim.event_queue",
                "hosts.<name>.cpus", "workloads.<name>.kind", "workloads.<name>.load",
                "outputs.db"):
        check(key in p.stdout, f"params lacks {key}")


@test
def validate_prints_resolved_parameters():
    p = run("validate", scenario("validation/mm1.yaml"), "--set", "workloads.q.load=0.9", check=0)
    check("valid" in p.stdout, p.stdout)
    line = [l for l in p.stdout.splitlines() if "workloads.q.load" in l]
    check(line and "0.9" in line[0] and "--set:1" in line[0], f"validate: {line}")
    line = [l for l in p.stdout.splitlines() if "sim.duration" in l]
    check(line and "10s" in line[0] and "presets/validation.yaml" in line[0], f"{line}")


@test
def run_json_matches_database():
    db = path("r.sqlite")
    j = run_json("run", scenario("validation/mm1.yaml"), "--db", db, "--set", "sim.duration=200ms",
                 "--set", "sim.warmup=10ms", "--seed", "3")
    for k in ("run_id", "scenario", "seed", "params", "metrics", "ci95", "units", "events"):
        check(k in j, f"json lacks {k}")
    check(j["scenario"] == "validation/mm1" and j["seed"] == 3, str(j)[:200])
    check(j["params"]["sim.seed"] == "3" and j["params"]["sim.duration"] == "200ms", "params")
    rows = dict(db_rows(db, "SELECT name, value FROM metrics WHERE run_id=?", (j["run_id"],)))
    check(rows.keys() == j["metrics"].keys(), "metric names differ between JSON and database")
    for k, v in j["metrics"].items():
        check(rows[k] == v, f"{k}: json {v} db {rows[k]}")
    run_row = db_rows(db, "SELECT name, seed, events FROM runs WHERE id=?", (j["run_id"],))
    check(run_row == [("validation/mm1", 3, j["events"])], f"runs row {run_row}")
    params = dict(db_rows(db, "SELECT key, value FROM params WHERE run_id=?", (j["run_id"],)))
    check(params == j["params"], "params differ between JSON and database")


@test
def table_and_quiet():
    db = path("t.sqlite")
    p = run("run", scenario("validation/md1.yaml"), "--db", db, "--set", "sim.duration=100ms",
            check=0)
    check("q.wait.mean" in p.stdout and "+/- 95%" in p.stdout, p.stdout)
    check(p.stderr == "", f"stderr not empty without a terminal: {p.stderr!r}")
    p = run("run", scenario("validation/md1.yaml"), "--db", db, "--set", "sim.duration=100ms",
            "--quiet", check=0)
    check(p.stdout == "" and p.stderr == "", "--quiet printed something")
    check(db_rows(db, "SELECT count(*) FROM runs") == [(2,)], "quiet run not stored")


def run_on_pty(args, stop_after=None, stop_when=None):
    """Run mpstack with stderr on a pseudo-terminal; return (status, what stderr showed).
    SIGINT after stop_after seconds, or once stderr shows the text stop_when."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([MPSTACK, *args], stdout=subprocess.PIPE, stderr=slave,
                            stdin=subprocess.DEVNULL, cwd=path())
    os.close(slave)
    out, t0 = b"", time.time()
    while True:
        due = (stop_after and time.time() - t0 > stop_after) or (stop_when and stop_when in
                                                                  out.decode(errors="replace"))
        if due and proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            stop_after = stop_when = None
        r, _, _ = select.select([master], [], [], 0.1)
        if r:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                chunk = b""
            out += chunk
            if not chunk and proc.poll() is not None:
                break
        elif proc.poll() is not None:
            break
    proc.wait()
    os.close(master)
    proc.stdout.close()
    return proc.returncode, out.decode(errors="replace")


@test
def progress_line_on_a_terminal():
    db = path("p.sqlite")
    args = ["run", scenario("validation/mmc.yaml"), "--db", db, "--set", "sim.duration=60s"]
    status, shown = run_on_pty(args)
    check(status == 0, f"status {status}")
    check("M events/s" in shown and "ETA" in shown and "\r" in shown,
          f"no progress line on a terminal: {shown[:300]!r}")
    status, shown = run_on_pty(args + ["--quiet"])
    check(status == 0 and "events/s" not in shown, f"--quiet still drew progress: {shown[:200]!r}")


@test
def ctrl_c_stores_nothing():
    db = path("c.sqlite")
    status, shown = run_on_pty(["run", scenario("validation/mmc.yaml"), "--db", db, "--set",
                                "sim.duration=1000s"], stop_after=0.5)
    check(status == 130, f"exit status after SIGINT: {status}")
    check("interrupted" in shown and "nothing stored" in shown, shown[-300:])
    check(db_rows(db, "SELECT count(*) FROM runs") == [(0,)], "interrupted run stored rows")
    check(db_rows(db, "PRAGMA integrity_check") == [("ok",)], "database damaged")


@test
def ctrl_c_in_the_middle_of_a_stack_run_stores_nothing():
    """Stopped between two events, a netisr may be half-way through a message: the run must
    still end cleanly (it aborted on the drained-stack invariants)."""
    db = path("s.sqlite")
    status, shown = run_on_pty(["run", scenario("lessons/forwarding.yaml"), "--db", db, "--set",
                                "sim.duration=10s"], stop_when="events/s")
    check(status == 130, f"exit status after SIGINT: {status}: {shown[-300:]}")
    check("interrupted" in shown and "nothing stored" in shown, shown[-300:])
    check(db_rows(db, "SELECT count(*) FROM runs") == [(0,)], "interrupted run stored rows")


finish()
