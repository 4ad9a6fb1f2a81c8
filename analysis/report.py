"""The lesson report: for every lesson in scenarios/lessons/published.json, the mean over all
stored runs (the seeds) of each variant of its compare: block, figures drawn from them, and
a table that sets the published figure or claim beside the simulated one. Written as
Markdown and as HTML (which names its figures, so a browser test can check they load)."""
import html
import json
import os

from . import plots
from .db import NotFound


def _runs_by_variant(db, scenario):
    """variant -> the ids of the runs of `scenario` with that variant (one per seed). The
    tables and the figures use the same runs: run `make lessons` on a fresh database, or
    the runs of different versions are averaged together."""
    rows = db.rows("SELECT r.id, p.value FROM runs r JOIN params p ON p.run_id = r.id AND "
                   "p.key = 'variant' WHERE r.name = ? ORDER BY r.id", (scenario,))
    out = {}
    for rid, variant in rows:
        out.setdefault(variant or "(none)", []).append(rid)
    return out


def _value(db, runs, variant, metric):
    """The mean of `metric` over the variant's runs."""
    if variant not in runs:
        raise NotFound(f"no run of variant {variant}")
    vals = [m["value"] for m in (db.metric(r, metric) for r in runs[variant]) if m]
    if not vals:
        raise NotFound(f"no run of variant {variant} has metric {metric}")
    return sum(vals) / len(vals)


def _side(db, runs, side):
    if isinstance(side, (int, float)):
        return float(side)
    (va, ma), (vb, mb) = side
    b = _value(db, runs, vb, mb)
    if b == 0:
        raise NotFound(f"{vb}'s {mb} is 0: the ratio is undefined")
    return _value(db, runs, va, ma) / b


_OPS = {">": lambda a, b: a > b, "<": lambda a, b: a < b, ">=": lambda a, b: a >= b,
        "<=": lambda a, b: a <= b}


def _row(db, runs, row):
    """One table row: what, source, published, simulated, verdict."""
    try:
        if "claim" in row:
            c = row["claim"]
            lhs, rhs = _side(db, runs, c["lhs"]), _side(db, runs, c["rhs"])
            holds = _OPS[c["op"]](lhs, rhs)
            sim = (f"{row.get('lhs_name', 'left')} = {lhs:.3g}; "
                   f"{row.get('rhs_name', 'right')} = {rhs:.3g}")
            return {"what": row["what"], "source": row["source"],
                    "published": f"{row.get('lhs_name', 'left')} {c['op']} "
                                 f"{row.get('rhs_name', 'right')}",
                    "simulated": sim,
                    "verdict": "reproduced" if holds else
                    "not reproduced" + (f" ({row['note_if_false']})" if row.get("note_if_false")
                                        else ""),
                    "values": [lhs, rhs]}
        v = _value(db, runs, row["variant"], row["metric"])
        pub = row["published"]
        diff = f"{(v - pub) / pub * 100:+.1f}%" if pub else f"{v - pub:+.3g}"
        note = f" ({row['note']})" if row.get("note") else ""
        return {"what": row["what"], "source": row["source"],
                "published": f"{pub:g} {row.get('unit', '')}".strip(),
                "simulated": f"{v:.3g} {row.get('unit', '')}".strip(),
                "verdict": f"{diff}{note}", "values": [v, pub]}
    except NotFound as e:
        return {"what": row["what"], "source": row["source"], "published": "",
                "simulated": f"missing: {e.args[0]}", "verdict": "not determined", "values": []}


def build(db, published_path, outdir, figdir_name="figures"):
    """Write outdir/report.md, outdir/report.html and outdir/<figdir_name>/*.svg; return the
    report as data."""
    with open(published_path) as f:
        spec = json.load(f)
    figdir = os.path.join(outdir, figdir_name)
    os.makedirs(figdir, exist_ok=True)
    lessons = []
    for les in spec["lessons"]:
        runs = _runs_by_variant(db, les["scenario"])
        entry = {"name": les["name"], "title": les["title"], "doc": les.get("doc", ""),
                 "scenario": les["scenario"], "variants": runs, "figures": [], "rows": [],
                 "missing": []}
        if runs:
            ids = sorted(r for rs in runs.values() for r in rs)
            for fig in les.get("figures", []):
                fname = f"{les['name']}-{fig['metric'].replace('.', '_')}.svg"
                try:
                    data = plots.compare(db, ids, os.path.join(figdir, fname), fig["metric"])
                    entry["figures"].append({"file": f"{figdir_name}/{fname}",
                                             "metric": fig["metric"], "data": data})
                except NotFound as e:
                    entry["missing"].append(f"figure of {fig['metric']}: {e.args[0]}")
            entry["rows"] = [_row(db, runs, r) for r in les.get("rows", [])]
        lessons.append(entry)
    report = {"db": db.path, "lessons": lessons}
    with open(os.path.join(outdir, "report.md"), "w") as f:
        f.write(_markdown(report))
    with open(os.path.join(outdir, "report.html"), "w") as f:
        f.write(_html(report))
    return report


def _markdown(rep):
    out = ["# mpstack lesson report", "",
           f"Every number below comes from the runs stored in `{rep['db']}`; every figure was",
           "drawn from them by `python3 -m analysis report`.", ""]
    for les in rep["lessons"]:
        out += [f"## {les['title']}", "",
                f"Scenario `{les['scenario']}`; lesson page: {les['doc']}.", ""]
        if not les["variants"]:
            out += ["Not run: the database holds no run of this scenario.", ""]
            continue
        out.append("Runs (values are means over them): " + ", ".join(
            f"{v} ({', '.join(map(str, r))})" for v, r in les["variants"].items()))
        out.append("")
        if les["rows"]:
            out += ["| published | source | simulated | verdict |", "| --- | --- | --- | --- |"]
            for r in les["rows"]:
                out.append(f"| {r['what']}: {r['published']} | {r['source']} | {r['simulated']} "
                           f"| {r['verdict']} |")
            out.append("")
        for fig in les["figures"]:
            out += [f"![{fig['metric']}]({fig['file']})", ""]
        for m in les.get("missing", []):
            out += [f"Missing: {m}", ""]
    return "\n".join(out) + "\n"


def _html(rep):
    e = html.escape
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>mpstack lesson report"
             "</title><style>body{font-family:sans-serif;max-width:70em;margin:auto}"
             "table{border-collapse:collapse}td,th{border:1px solid #999;padding:4px}"
             "img{max-width:48%;margin:4px}</style></head><body>",
             "<h1>mpstack lesson report</h1>",
             f"<p>Every number comes from the runs stored in <code>{e(rep['db'])}</code>.</p>"]
    nfig = 0
    for les in rep["lessons"]:
        parts.append(f"<h2>{e(les['title'])}</h2><p>Scenario <code>{e(les['scenario'])}"
                     f"</code>; lesson page {e(les['doc'])}.</p>")
        if not les["variants"]:
            parts.append("<p>Not run: the database holds no run of this scenario.</p>")
            continue
        if les["rows"]:
            parts.append("<table><tr><th>published</th><th>source</th><th>simulated</th>"
                         "<th>verdict</th></tr>")
            for r in les["rows"]:
                parts.append(f"<tr><td>{e(r['what'])}: {e(r['published'])}</td>"
                             f"<td>{e(r['source'])}</td><td>{e(r['simulated'])}</td>"
                             f"<td class='verdict'>{e(r['verdict'])}</td></tr>")
            parts.append("</table>")
        for fig in les["figures"]:
            nfig += 1
            parts.append(f"<img class='figure' src='{e(fig['file'])}' alt='{e(fig['metric'])}'>")
        for m in les.get("missing", []):
            parts.append(f"<p>Missing: {e(m)}</p>")
    # A browser test reads the result of this: every figure decoded and laid out.
    parts.append(f"<p id='figure-check' data-expected='{nfig}'>figures not checked</p>"
                 "<script>window.addEventListener('load', function () {"
                 "var imgs = document.querySelectorAll('img.figure'), ok = 0;"
                 "imgs.forEach(function (i) { if (i.complete && i.naturalWidth > 0 && "
                 "i.getBoundingClientRect().width > 0) ok++; });"
                 "var p = document.getElementById('figure-check');"
                 "p.setAttribute('data-loaded', ok);"
                 "p.textContent = ok + ' of ' + imgs.length + ' figures rendered'; });"
                 "</script></body></html>")
    return "\n".join(parts) + "\n"
