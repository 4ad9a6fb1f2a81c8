"""python3 -m analysis KIND --db DB [--run ID]... --out FILE [options]"""
import argparse
import sqlite3
import json
import os
import sys

from . import plots, report
from .db import Db, NotFound

KINDS = {
    "compare": "a metric across runs or variants, mean over seeds with 95% intervals (--metric)",
    "sweep": "a metric against a swept parameter, one line per design (--metric, --param)",
    "cdf": "distribution of a histogram (default: the sink's latency), a line per run (--hist)",
    "cpu": "per-CPU time of one run, stacked by category",
    "lines": "cache-line transfers of one run by memory region, and between CPUs",
    "ipi": "IPIs of one run by CPU pair",
    "report": "the lesson report: figures and report.md/.html in --out DIR (--published)",
}


def parse(argv):
    ap = argparse.ArgumentParser(
        prog="python3 -m analysis",
        description="Figures from an mpstack results database. The output format follows "
                    "--out's suffix (.png or .svg).",
        epilog="kinds:\n" + "\n".join(f"  {k:8} {v}" for k, v in KINDS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kind", choices=list(KINDS))
    ap.add_argument("--db", required=True, help="results database (results/mpstack.sqlite)")
    ap.add_argument("--run", type=int, action="append", default=[],
                    help="run id (repeatable); cpu, lines and ipi take one, default the newest")
    ap.add_argument("--scenario", help="every run of this scenario name (e.g. lessons/forwarding)")
    ap.add_argument("--sweep", help="every run of this sweep id (printed by mpstack sweep)")
    ap.add_argument("--out", required=True, help="FILE.png or FILE.svg")
    ap.add_argument("--metric", help="metric name (compare, sweep)")
    ap.add_argument("--param", help="swept parameter on the x axis (sweep)")
    ap.add_argument("--by", help="parameter whose value names a bar or line (default: variant)")
    ap.add_argument("--host", help="host (cpu, lines, ipi; default the first)")
    ap.add_argument("--hist", help="histogram name (cdf; default the run's first, e.g. "
                                   "sink.sink.latency)")
    ap.add_argument("--data", help="also write the plotted data as JSON to this file")
    ap.add_argument("--published", default="scenarios/lessons/published.json",
                    help="report: the published figures and claims")
    a = ap.parse_args(argv)
    if a.kind != "report" and not a.out.endswith((".png", ".svg")):
        ap.error(f"--out {a.out}: the name must end in .png or .svg")
    if a.kind in ("compare", "sweep") and not a.metric:
        ap.error(f"{a.kind} needs --metric")
    if a.kind == "sweep" and not a.param:
        ap.error("sweep needs --param")
    if a.kind in ("cpu", "lines", "ipi") and len(a.run) > 1:
        ap.error(f"{a.kind} draws one run; give one --run")
    if not os.path.exists(a.db):
        ap.error(f"--db {a.db}: no such file")
    return a


def main(argv=None):
    a = parse(sys.argv[1:] if argv is None else argv)
    try:
        db = Db(a.db)
        db.rows("SELECT id FROM runs LIMIT 1")
    except sqlite3.Error as e:
        print(f"analysis {a.kind}: --db {a.db}: not an mpstack results database ({e})",
              file=sys.stderr)
        return 2
    out_dir = os.path.dirname(os.path.abspath(a.out)) if a.kind != "report" else None
    if out_dir and not os.path.isdir(out_dir):
        print(f"analysis {a.kind}: --out {a.out}: no directory {out_dir}", file=sys.stderr)
        return 2
    if a.by and not db.rows("SELECT 1 FROM params WHERE key = ? LIMIT 1", (a.by,)):
        print(f"analysis {a.kind}: --by {a.by}: no run has that parameter", file=sys.stderr)
        return 2
    try:
        if a.kind == "report":
            data = report.build(db, a.published, a.out)
            if a.data:
                with open(a.data, "w") as f:
                    json.dump(data, f, indent=1)
            print(f"wrote {os.path.join(a.out, 'report.html')} and report.md")
            return 0
        ids = db.run_ids(a.run, a.scenario, a.sweep)
        if a.kind == "compare":
            data = plots.compare(db, ids, a.out, a.metric, a.by)
        elif a.kind == "sweep":
            data = plots.sweep(db, ids, a.out, a.metric, a.param, a.by)
        elif a.kind == "cdf":
            data = plots.cdf(db, ids, a.out, a.hist, a.by)
        else:
            fn = getattr(plots, a.kind)
            data = fn(db, ids[-1], a.out, a.host)
    except NotFound as e:
        print(f"analysis {a.kind}: {e.args[0]}", file=sys.stderr)
        return 2
    finally:
        db.close()
    if a.data:
        with open(a.data, "w") as f:
            json.dump(data, f, indent=1)
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
