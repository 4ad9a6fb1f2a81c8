"""Every kind of scenario mistake: the message names file:line:column, the key and what
would be valid; mpstack exits with status 2; and nothing is written (no database)."""
import os

from common import check, finish, fresh_tmp, path, run, test, write

fresh_tmp()

GOOD = """\
description: a test
sim:
  duration: 10ms
hosts:
  server:
    cpus: 2
workloads:
  q:
    kind: queue
    host: server
    servers: 2
"""


def expect_error(text_or_file, *needles, sets=(), extra=()):
    """Run with a scenario (text, or an existing path) and expect one failing validation."""
    if text_or_file.endswith(".yaml") and os.path.exists(text_or_file):
        f = text_or_file
    else:
        f = write("s.yaml", text_or_file)
    db = path("should-not-exist.sqlite")
    args = ["run", f, "--db", db, *extra]
    for s in sets:
        args += ["--set", s]
    p = run(*args)
    check(p.returncode == 2, f"exit status {p.returncode} for {needles}: {p.stderr}")
    for n in needles:
        check(n in p.stderr, f"message lacks {n!r}:\n{p.stderr}")
    check(not os.path.exists(db), f"a database was written for {needles}")
    check(p.stdout == "", f"stdout not empty for {needles}: {p.stdout}")
    return p.stderr


@test
def unknown_key_in_section():
    expect_error(GOOD.replace("    cpus: 2", "    cpuz: 2"),
                 "s.yaml:6:5: unknown key 'cpuz' in hosts.server",
                 "did you mean 'cpus'?", "valid keys: hw, cpus, freq, sched, memory")


@test
def unknown_top_level_key():
    expect_error(GOOD + "outptus:\n  db: x\n", "s.yaml:12:1: unknown key 'outptus' in the scenario",
                 "did you mean 'outputs'?")


@test
def wrong_type():
    expect_error(GOOD.replace("cpus: 2", "cpus: two"),
                 "s.yaml:6:11: hosts.server.cpus: expected a whole number, got 'two'; valid: 0 to 1024")
    expect_error(GOOD.replace("duration: 10ms", "duration: {a: 1}"),
                 "s.yaml:3:13: sim.duration: expected duration, got a mapping")


@test
def out_of_range():
    expect_error(GOOD.replace("cpus: 2", "cpus: 2000"),
                 "s.yaml:6:11: hosts.server.cpus: 2000 is out of range (valid: 0 to 1024)")
    expect_error(GOOD + "    load: 1.5\n",
                 "s.yaml:12:11: workloads.q.load: 1.5 is out of range (valid: 0.001 to 0.999)")


@test
def duration_without_unit():
    expect_error(GOOD.replace("duration: 10ms", "duration: 10"),
                 "s.yaml:3:13: sim.duration: expected a duration with a unit: ps, ns, us, ms or s "
                 "(e.g. 10us), got '10'; valid: 1ps to 10000s")


@test
def unknown_choice():
    expect_error(GOOD.replace("    servers: 2", "    servers: 2\n    service: exponentail"),
                 "s.yaml:12:14: workloads.q.service: unknown value 'exponentail' "
                 "(valid: exponential, deterministic); did you mean 'exponential'?")


@test
def missing_required_key():
    expect_error(GOOD.replace("    host: server\n", ""),
                 "s.yaml:8:3: workloads.q: missing required key 'host'")


@test
def unknown_kind():
    expect_error(GOOD.replace("kind: queue", "kind: qeue"),
                 "s.yaml:9:11: workloads.q.kind: unknown value 'qeue' (valid: queue)")


@test
def reference_to_missing_host():
    expect_error(GOOD.replace("host: server", "host: srv"),
                 "s.yaml:10:11: workloads.q.host: there is no hosts entry named 'srv' "
                 "(defined: server)")


@test
def cross_key_check():
    expect_error(GOOD.replace("servers: 2", "servers: 3"),
                 "s.yaml:11:14: workloads.q.servers: 3 servers need as many CPUs, but host "
                 "'server' has 2")


@test
def missing_include():
    expect_error("include: nothere.yaml\n" + GOOD,
                 "s.yaml:1:10: include: cannot read", "nothere.yaml", "No such file")


@test
def circular_include():
    write("a.yaml", "include: b.yaml\n")
    write("b.yaml", "include: a.yaml\n")
    expect_error(path("a.yaml"), "b.yaml:1:10: include: circular include:",
                 "a.yaml -> ", "b.yaml -> ")


@test
def unknown_preset():
    expect_error("include: validaton\n" + GOOD,
                 "s.yaml:1:10: include: unknown preset 'validaton' (available presets: ",
                 "did you mean 'validation'?")


@test
def yaml_syntax_error():
    expect_error(GOOD + "  bad: [1, 2\n", "s.yaml:", "YAML syntax error")


@test
def duplicate_key():
    expect_error(GOOD.replace("    cpus: 2", "    cpus: 2\n    cpus: 3"),
                 "s.yaml:7:5: duplicate key 'cpus' (first given at line 6)")


@test
def error_in_included_file_names_that_file():
    write("inc.yaml", "sim:\n  seed: minus-one\n")
    expect_error("include: inc.yaml\n" + GOOD,
                 "inc.yaml:2:9: sim.seed: expected a whole number, got 'minus-one'")


@test
def set_errors():
    expect_error(GOOD, "--set:1:1: --set expects key=value", sets=["sim.seed"])
    expect_error(GOOD, "--set:2:19: hosts.server.cpus: 2000 is out of range",
                 sets=["sim.seed=3", "hosts.server.cpus=2000"])
    expect_error(GOOD, "--set:1:1: unknown key 'cpu' in hosts.server", sets=["hosts.server.cpu=4"])
    expect_error(GOOD, "--set:2:1: --set sim.seed.x=1: 'sim.seed' is a value, not a section",
                 sets=["sim.seed=1", "sim.seed.x=1"])
    expect_error(GOOD, "--set:1:1: sim.quantum: expected duration, got a mapping",
                 sets=["sim.quantum.x=1"])


@test
def several_mistakes_reported_together():
    err = expect_error(GOOD.replace("cpus: 2", "cpus: 2000").replace("duration: 10ms", "duration: 1"),
                       "s.yaml:3:13:", "s.yaml:6:11:", "2 errors in the scenario")
    check(err.index("s.yaml:3:13") < err.index("s.yaml:6:11"), "errors not in source order")


@test
def missing_scenario_file():
    p = run("run", path("none.yaml"), "--db", path("x.sqlite"))
    check(p.returncode == 2, "missing scenario: exit status")
    check("cannot read scenario" in p.stderr and "none.yaml" in p.stderr, p.stderr)
    check(not os.path.exists(path("x.sqlite")), "database written")


@test
def bad_command_line():
    p = run("run", write("ok.yaml", GOOD), "--seed", "x1")
    check(p.returncode == 2 and "--seed expects a whole number" in p.stderr, p.stderr)
    p = run("run", "--frobnicate")
    check(p.returncode == 2 and "unknown option" in p.stderr, p.stderr)
    p = run("run")
    check(p.returncode == 2 and "no scenario file" in p.stderr, p.stderr)
    p = run("frob")
    check(p.returncode == 2 and "unknown command" in p.stderr, p.stderr)
    for opt in ("--seed", "--db", "--set"):
        p = run("run", write("ok.yaml", GOOD), opt)
        check(p.returncode == 2 and f"mpstack run: {opt} needs a value" in p.stderr,
              f"{opt} without a value: {p.stderr}")
    p = run("run", write("ok.yaml", GOOD), "--db", "")
    check(p.returncode == 2 and "outputs.db: empty" in p.stderr, f"--db '': {p.stderr}")


@test
def validate_reports_the_same():
    f = write("v.yaml", GOOD.replace("cpus: 2", "cpus: 2000"))
    p = run("validate", f)
    check(p.returncode == 2 and "v.yaml:6:11: hosts.server.cpus: 2000 is out of range" in p.stderr,
          p.stderr)


finish()
