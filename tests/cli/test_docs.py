"""Docs stay true: docs/parameters.md is exactly what the parameter tables generate; the
README opens with the two commands; docs/results.md names every table, column and metric
a run stores; docs/performance.md covers every benchmark."""
import os
import re

from common import SRC, check, db_rows, finish, fresh_tmp, path, run, run_json, scenario, test

fresh_tmp()


def read(rel):
    with open(os.path.join(SRC, rel)) as f:
        return f.read()


@test
def parameters_md_is_generated():
    p = run("params", "--markdown", check=0)
    check(p.stdout == read("docs/parameters.md"),
          "docs/parameters.md is out of date: run `make docs`")


@test
def readme_opens_with_the_two_commands():
    text = read("README.md")
    first_block = text.split("```", 2)[1]
    check("make run" in first_block and "make test" in first_block,
          "README's first code block is not `make run` / `make test`")
    check(text.index("make run") < text.index("\n## "), "the commands come after a section")
    ci = read(".ci/run")
    check("make test" in ci and len(re.findall(r"^\s*make ", ci, re.M)) == 1,
          ".ci/run must call exactly `make test`")


@test
def results_md_documents_what_is_stored():
    doc = read("docs/results.md")
    db = path("d.sqlite")
    j = run_json("run", scenario("validation/mmc.yaml"), "--db", db, "--set", "sim.duration=50ms")
    for (table,) in db_rows(db, "SELECT name FROM sqlite_master WHERE type='table'"):
        check(f"`{table}`" in doc, f"docs/results.md lacks table {table}")
        for col in db_rows(db, f"PRAGMA table_info({table})"):
            check(f"`{col[1]}`" in doc, f"docs/results.md lacks column {table}.{col[1]}")
    for name in j["metrics"]:
        generic = "<w>." + name.split(".", 1)[1]
        check(f"`{generic}`" in doc, f"docs/results.md lacks metric {generic}")
    for (cat,) in db_rows(db, "SELECT DISTINCT category FROM cpu_time"):
        check(f"`{cat}`" in doc, f"docs/results.md lacks CPU category {cat}")


def hw_generic(name):
    """link.wire.ab.frames -> link.<l>.<dir>.frames, nic.p0.rx.ring3.frames -> ..."""
    parts = name.split(".")
    kind = parts[0]
    parts[1] = {"link": "<l>", "nic": "<n>", "gen": "<g>", "sink": "<s>", "host": "<h>"}[kind]
    if kind == "link":
        parts[2] = "<dir>"
    if kind == "host" and parts[2] == "cache":
        check(f"`{parts[3]}`" in read("docs/results.md"), f"docs/results.md lacks outcome {parts[3]}")
        parts[3] = "<outcome>"
    if kind == "host" and parts[2:4] == ["lines", "transfers"]:
        parts[4:] = ["<region>"]
    parts = [re.sub(r"^ring\d+$", "ring<q>", p) for p in parts]
    parts = [re.sub(r"^vector\d+$", "vector<v>", p) for p in parts]
    return ".".join(parts)


@test
def results_md_documents_hardware_metrics():
    doc = read("docs/results.md")
    seen = set()
    for sc in ("examples/spread-82576.yaml", "examples/linerate-82599.yaml"):
        j = run_json("run", scenario(sc), "--set", "sim.duration=2ms")
        for name in j["metrics"]:
            g = hw_generic(name)
            seen.add(g)
            check(f"`{g}`" in doc, f"docs/results.md lacks metric {g} (from {name})")
    check(len(seen) > 20, f"only {len(seen)} hardware metrics seen")


@test
def results_md_documents_stack_metrics():
    doc = read("docs/results.md")
    j = run_json("run", scenario("lessons/forwarding.yaml"), "--set", "sim.duration=200us",
                 "--set", "sim.warmup=0s")
    seen = 0
    for name in j["metrics"]:
        first = name.split(".")[0]
        if first in ("fwd", "drop", "ipi", "intr", "netisr", "lines"):
            seen += 1
            g = name if first != "lines" else "lines.transfers.<region>"
            if first == "drop" and name != "drop.total":
                check(f"`{name.split('.', 1)[1]}`" in doc, f"docs/results.md lacks reason {name}")
                g = "drop.<reason>"
            check(f"`{g}`" in doc or f"`{name}`" in doc, f"docs/results.md lacks metric {g}")
    check(seen > 30, f"only {seen} stack metrics seen")


@test
def performance_md_covers_the_benchmarks():
    doc = read("docs/performance.md")
    for b in os.listdir(os.path.join(SRC, "bench")):
        if b.endswith(".c"):
            check(b[:-2] in doc, f"docs/performance.md does not mention {b}")
    check("make bench" in doc, "docs/performance.md lacks the reproducing command")


finish()
