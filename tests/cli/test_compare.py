"""`mpstack compare`: the compare: block of a scenario, its variants run side by side.

A small M/M/1 scenario with three variants (two loads and a seed change): each variant is
the scenario with its overrides, stored as its own run with the `variant` parameter, and
--set applies to all of them and wins. Mistakes in the block are reported at their line
before anything runs."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import (mm1_yaml, check, db_rows, finish, fresh_tmp, path, run, run_json,  # noqa: E402
                    scenario, test, write)

fresh_tmp()

BASE = mm1_yaml("compare test", cpus=1)

GOOD = write("good.yaml", BASE + """compare:
  metrics: [q.util, q.wait.mean]
  variants:
    light:
    heavy:
      workloads.q.load: 0.9
    other-seed:
      sim.seed: 7
""")


@test
def variants_run_in_order_and_differ_as_their_overrides_say():
    db = path("cmp.sqlite")
    j = run_json("compare", GOOD, "--db", db)
    names = [v["variant"] for v in j["variants"]]
    check(names == ["light", "heavy", "other-seed"], f"variants {names}")
    u = {v["variant"]: v["values"]["q.util"] for v in j["variants"]}
    check(0.4 < u["light"] < 0.6 and 0.8 < u["heavy"] < 1.0, f"utilisations {u}")
    seeds = {v["variant"]: v["seed"] for v in j["variants"]}
    check(seeds["other-seed"] == 7 and seeds["light"] != 7, f"seeds {seeds}")
    # the seed is used, not only recorded: same load, other random arrivals
    w = {v["variant"]: v["values"]["q.wait.mean"] for v in j["variants"]}
    check(w["other-seed"] != w["light"] and u["other-seed"] != u["light"],
          f"seed 7 gave the same run as the default: {w}, {u}")
    rows = db_rows(db, "SELECT r.id, p.value, p.source FROM runs r JOIN params p "
                       "ON p.run_id = r.id AND p.key = 'variant' ORDER BY r.id")
    check([r[1] for r in rows] == names, f"stored variants {rows}")
    src = db_rows(db, "SELECT p.source FROM params p WHERE p.key = 'workloads.q.load' AND "
                      "p.value = '0.9'")
    check(len(src) == 1 and src[0][0].endswith("good.yaml:21:25"),
          f"the override's source should be its line in the compare block: {src}")


@test
def set_applies_to_every_variant_and_wins():
    j = run_json("compare", GOOD, "--set", "workloads.q.load=0.3", "--set",
                 "outputs.store=false")
    for v in j["variants"]:
        check(0.2 < v["values"]["q.util"] < 0.4, f"{v['variant']}: util {v['values']['q.util']}"
              " (--set should win over the variant's own load)")
    # ... and says so once per variant whose own value it replaces, naming the option that
    # won (the last of two --set of the key; --seed for sim.seed)
    p = run("compare", GOOD, "--set", "workloads.q.load=0.2", "--set", "workloads.q.load=0.3",
            "--seed", "3", "--set", "outputs.store=false", "--quiet", check=0)
    want = ["mpstack compare: warning: --set replaces workloads.q.load of variant heavy; it runs "
            "with the --set value",
            "mpstack compare: warning: --seed replaces sim.seed of variant other-seed; it runs "
            "with the --seed value"]
    got = [ln for ln in p.stderr.splitlines() if "warning" in ln]
    check(p.returncode == 0 and got == want, f"exit {p.returncode}: {got}")
    p = run("compare", GOOD, "--set", "outputs.store=false", "--quiet", check=0)
    check("warning" not in p.stderr, f"a warning with no --set of a variant's key: {p.stderr}")


@test
def table_has_a_column_per_variant():
    p = run("compare", GOOD, "--set", "outputs.store=false", check=0)
    lines = p.stdout.splitlines()
    head = [ln for ln in lines if ln.startswith("metric")]
    check(head and all(n in head[0] for n in ("light", "heavy", "other-seed")),
          f"header: {head}")
    check(any(ln.startswith("q.util") for ln in lines), "no q.util row")


def expect_error(text, message, args=()):
    f = write("bad.yaml", text)
    p = run("compare", f, *args)
    check(p.returncode == 2, f"exit {p.returncode} for a bad compare block (wanted 2)")
    check(message in p.stderr, f"wanted {message!r} in:\n{p.stderr}")
    check(not os.path.exists(path("results", "mpstack.sqlite")), "a bad scenario wrote a db")


@test
def mistakes_are_reported_at_their_line_before_anything_runs():
    expect_error(BASE + "compare: [a, b]\n",
                 "bad.yaml:16:1: compare: expected a section with metrics: and variants:, got")
    expect_error(BASE + "compare:\n  metric: [q.util]\n  variants:\n    a:\n",
                 "bad.yaml:17:3: unknown key 'metric' in compare; valid keys: metrics, variants")
    expect_error(BASE + "compare:\n  metrics: [q.util]\n  variants:\n    a:\n"
                 "    b:\n      workloads.q.lod: 0.9\n",
                 "bad.yaml:21:7: unknown key 'lod'")
    expect_error(BASE + "compare:\n  metrics: [q.util]\n  variants:\n    a:\n"
                 "    b:\n      workloads.q.load: 7\n",
                 "bad.yaml:21:25:")
    expect_error(BASE + "compare:\n  metrics: [q.util]\n  variants:\n    a b:\n",
                 "'a b' is not a valid name")
    expect_error(BASE + "compare:\n  metrics: [q.util]\n  variants:\n    a:\n"
                 "      include: x\n", "include: cannot be overridden")
    # keys a variant may not set: where results go, the variant's own name, other blocks
    for key, why in (("outputs.db: x.sqlite", "outputs.db: results go to one place"),
                     ("variant: b", "variant: set by mpstack compare"),
                     ("sweep.seeds: 2", "sweep.seeds: cannot be overridden")):
        expect_error(BASE + "compare:\n  metrics: [q.util]\n  variants:\n    a:\n"
                     f"      {key}\n", f"bad.yaml:20:7: compare.variants.a: {why}")
    for s, why in (("sweep.seeds=5", "sweep.seeds: cannot be overridden"),
                   ("compare.metrics=x", "compare.metrics: cannot be overridden"),
                   ("variant=light", "variant: set by mpstack compare")):
        p = run("run", GOOD, "--set", s, "--set", "outputs.store=false")
        check(p.returncode == 2 and f"--set: {why}" in p.stderr, f"--set {s}: {p.stderr}")
    expect_error(BASE, "has no compare: block", ())


@test
def run_ignores_the_block_and_validate_accepts_it():
    j = run_json("run", GOOD, "--set", "outputs.store=false")
    check(j["params"]["variant"] == "", f"plain run has variant {j['params']['variant']!r}")
    run("validate", GOOD, check=0)
    # validate loads every variant: a mistake only a variant makes is caught there too
    bad = write("badvar.yaml", BASE + "compare:\n  metrics: [q.util]\n  variants:\n    a:\n"
                "    b:\n      workloads.q.load: 7\n")
    p = run("validate", bad)
    check(p.returncode == 2 and "badvar.yaml:21:25: workloads.q.load: 7 is out of range" in
          p.stderr and "valid (" not in p.stdout, f"validate of a bad variant: {p.stderr}")


@test
def the_forwarding_lessons_have_valid_compare_blocks():
    """validate loads each variant, so every lesson's variants are checked here."""
    for name in ("forwarding", "forwarding-handoff", "forwarding-threads", "forwarding-scaling",
                 "forwarding-livelock"):
        run("validate", scenario(f"lessons/{name}.yaml"), check=0)


finish()
