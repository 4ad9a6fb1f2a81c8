"""Helpers shared by the Python tests: run the built mpstack, make scratch files.

CTest passes MPSTACK (the binary), MPSTACK_SRC (the source tree) and MPSTACK_TMP (a
scratch directory for this test) in the environment; see tests/CMakeLists.txt.
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys

MPSTACK = os.environ.get("MPSTACK", "build/mpstack")
SRC = os.environ.get("MPSTACK_SRC", ".")
TMP = os.environ.get("MPSTACK_TMP", "/tmp/mpstack-pytest")
SANITIZED = os.environ.get("MPSTACK_SANITIZE", "OFF") in ("ON", "1", "TRUE")

failures = []


def mm1_yaml(description, cpus=1):
    """A short M/M/1 scenario (20 ms, 15 lines), for tests that add blocks to it; line 16 is
    the first line after it."""
    return f"""description: "{description}"
sim:
  duration: 20ms
  warmup: 1ms
hosts:
  server:
    cpus: {cpus}
workloads:
  q:
    kind: queue
    host: server
    servers: 1
    service: exponential
    mean_service: 10us
    load: 0.5
"""


def fresh_tmp():
    shutil.rmtree(TMP, ignore_errors=True)
    os.makedirs(TMP)
    return TMP


def path(*parts):
    return os.path.join(TMP, *parts)


def scenario(rel):
    return os.path.join(SRC, "scenarios", rel)


def write(rel, text):
    p = path(rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        f.write(text)
    return p


def run(*args, check=None, env=None, timeout=600):
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run([MPSTACK, *args], capture_output=True, text=True, env=e,
                       timeout=timeout, cwd=TMP)
    if check is not None and p.returncode != check:
        raise AssertionError(f"mpstack {' '.join(args)} exited {p.returncode}, expected "
                             f"{check}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


def run_json(*args):
    p = run(*args, "--json", check=0)
    return json.loads(p.stdout)


def db_rows(db, sql, params=()):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def check(cond, what):
    if not cond:
        failures.append(what)
        print(f"FAIL {what}", file=sys.stderr)


def test(fn):
    """Decorator: run fn, report ok/FAIL like the C harness."""
    before = len(failures)
    try:
        fn()
    except AssertionError as e:
        failures.append(f"{fn.__name__}: {e}")
        print(f"FAIL {fn.__name__}: {e}", file=sys.stderr)
    print(("ok   " if len(failures) == before else "FAIL ") + fn.__name__, file=sys.stderr)
    return fn


def finish():
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        sys.exit(1)
    sys.exit(0)
