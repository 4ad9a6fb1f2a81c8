"""The lesson report (python3 -m analysis report, what `make lessons` writes): from a
database of short lesson runs, its tables must hold the database's numbers and verdicts that
follow from them, and the HTML page must render with every figure in headless Chromium."""
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
from common import SRC, check, db_rows, finish, fresh_tmp, path, run, scenario, test  # noqa: E402

fresh_tmp()
DB = path("lessons.sqlite")
OUT = path("report")
# two seeds, so that a table showing one run instead of the mean of a variant's runs fails
for seed in ("1", "2"):
    for lesson in ("forwarding", "forwarding-handoff"):
        run("compare", scenario(f"lessons/{lesson}.yaml"), "--set", "sim.duration=1ms", "--set",
            "sim.warmup=1ms", "--seed", seed, "--db", DB, "--quiet", check=0)
p = subprocess.run([sys.executable, "-m", "analysis", "report", "--db", DB, "--out", OUT],
                   capture_output=True, text=True, cwd=SRC, env=dict(os.environ, PYTHONPATH=SRC),
                   timeout=600)
if p.returncode != 0:
    print(p.stderr, file=sys.stderr)
    sys.exit(1)
MD = open(os.path.join(OUT, "report.md")).read()
with open(os.path.join(SRC, "scenarios", "lessons", "published.json")) as f:
    # every figure published.json asks for, of the lessons run above
    FIGURES = sum(len(les.get("figures", [])) for les in json.load(f)["lessons"]
                  if les["scenario"] in ("lessons/forwarding", "lessons/forwarding-handoff"))


def metric(variant, name, scen):
    """The mean over every stored run of the variant, as the report takes it."""
    vals = [v for (v,) in db_rows(DB, "SELECT m.value FROM metrics m JOIN runs r ON r.id = "
                                      "m.run_id JOIN params p ON p.run_id = r.id AND p.key = "
                                      "'variant' WHERE r.name = ? AND p.value = ? AND m.name = ?",
                                  (scen, variant, name))]
    check(len(vals) == 2, f"{scen} {variant} {name}: {len(vals)} runs, wanted 2")
    return sum(vals) / len(vals)


@test
def tables_hold_the_database_numbers_and_their_verdicts():
    v = metric("dragonfly-2013", "fwd.mpps", "lessons/forwarding")
    row = next(ln for ln in MD.splitlines() if "section 1.9" in ln)
    check(f"| {v:.3g} Mpps |" in row, f"the calibration row does not show {v:.3g} Mpps: {row}")
    stats = metric("one-tx-ring", "fwd.mpps", "lessons/forwarding") / \
        metric("dragonfly-2011", "fwd.mpps", "lessons/forwarding")
    tx = metric("shared-stats", "fwd.mpps", "lessons/forwarding") / \
        metric("dragonfly-2011", "fwd.mpps", "lessons/forwarding")
    row = next(ln for ln in MD.splitlines() if "section 2.5" in ln)
    check(f"= {stats:.3g};" in row and f"= {tx:.3g} |" in row, f"row: {row}")
    want = "| reproduced |" if stats > tx else "| not reproduced |"
    check(row.endswith(want), f"verdict should be {want}: {row}")
    ipi = metric("batched", "ipi.per_packet", "lessons/forwarding-handoff") / \
        metric("per-packet", "ipi.per_packet", "lessons/forwarding-handoff")
    row = next(ln for ln in MD.splitlines() if "cut the IPI rate" in ln)
    check(f"= {ipi:.3g};" in row, f"row: {row}")
    want = "| reproduced |" if ipi < 1 else "| not reproduced |"
    check(row.endswith(want), f"verdict should be {want}: {row}")
    lat = metric("batched", "sink.sink.latency.mean", "lessons/forwarding-handoff") / \
        metric("per-packet", "sink.sink.latency.mean", "lessons/forwarding-handoff")
    row = next(ln for ln in MD.splitlines() if "extra latency" in ln)
    check(f"= {lat:.3g};" in row, f"row: {row}")
    want = "| reproduced |" if lat <= 1.05 else "| not reproduced |"
    check(row.endswith(want), f"verdict should be {want}: {row}")
    check("Not run: the database holds no run of this scenario." in MD,
          "lessons without runs must say so")


@test
def every_figure_is_a_file_the_report_names():
    figs = re.findall(r"!\[[^]]*\]\(([^)]+)\)", MD)
    check(FIGURES >= 2 and len(figs) == FIGURES, f"{len(figs)} of {FIGURES} figures: {figs}")
    check("Missing:" not in MD, "a figure or row the report could not make")
    for f in figs:
        full = os.path.join(OUT, f)
        check(os.path.getsize(full) > 1000 and open(full).read(5) in ("<?xml", "<svg "),
              f"{f} is not an SVG")


@test
def the_html_page_renders_with_its_figures_in_headless_chromium():
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    check(browser is not None, "chromium is not installed (scripts/deps.sh installs it)")
    if not browser:
        return
    page = "file://" + os.path.abspath(os.path.join(OUT, "report.html"))
    p = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                        "--virtual-time-budget=10000", "--dump-dom", page],
                       capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, HOME=path(".")))
    m = re.search(r'id="figure-check" data-expected="(\d+)" data-loaded="(\d+)"', p.stdout)
    check(m is not None, f"the page did not run its check: {p.stdout[-300:]} {p.stderr[-300:]}")
    if m:
        check(m.group(1) == m.group(2) and int(m.group(1)) == FIGURES,
              f"{m.group(2)} of {m.group(1)} figures rendered")


finish()
