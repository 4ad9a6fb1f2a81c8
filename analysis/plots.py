"""The figures. Each function reads what it needs from the database, draws one figure, and
returns the data it drew (so tests, and anyone, can check a figure against the database)."""
from collections import OrderedDict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from .db import NotFound, mean_ci  # noqa: E402

# Display units for the database's base units.
_SCALE = {"s": [(1, "s"), (1e-3, "ms"), (1e-6, "us"), (1e-9, "ns")]}


def _display(values, unit):
    """A factor and unit name so that the largest value reads well (seconds only)."""
    if unit not in _SCALE or not values:
        return 1.0, unit
    big = max(abs(v) for v in values)
    for f, name in _SCALE[unit]:
        if big >= f:
            return f, name
    return _SCALE[unit][-1]


def _caption(fig, db, ids):
    runs = [db.run(i) for i in ids]
    names = sorted({r["name"] for r in runs})
    seeds = sorted({r["seed"] for r in runs})
    text = (f"scenario {', '.join(names)}; seed{'s' if len(seeds) > 1 else ''} "
            f"{', '.join(map(str, seeds))}; run{'s' if len(ids) > 1 else ''} "
            f"{_ranges(ids)}; {db.path}")
    fig.text(0.01, 0.01, text, fontsize=7, color="0.35", ha="left", va="bottom")
    return text


def _ranges(ids):
    out, start, prev = [], None, None
    for i in sorted(ids):
        if start is None:
            start = prev = i
        elif i == prev + 1:
            prev = i
        else:
            out.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = prev = i
    if start is not None:
        out.append(f"{start}" if start == prev else f"{start}-{prev}")
    return ", ".join(out)


def _label(db, run_id, by, fallback=None):
    """What names a run's bar or line: the --by parameter's value, else its variant, else
    `fallback` (the scenario, for sweeps), else the run id."""
    p = db.param(run_id, by) if by else None
    if p and p["value"] != "":
        return p["value"]
    v = db.param(run_id, "variant")
    if v and v["value"]:
        return v["value"]
    return fallback(run_id) if fallback else f"run {run_id}"


def _save(fig, out):
    fig.savefig(out)
    plt.close(fig)


def compare(db, ids, out, metric, by=None):
    """A metric across runs: one bar per group (variant, or the value of --by), the mean over
    the group's runs (seeds) with a 95% interval."""
    groups = OrderedDict()
    unit = ""
    for i in ids:
        m = db.metric(i, metric)
        if m is None:
            continue
        unit = m["unit"]
        groups.setdefault(_label(db, i, by), []).append((i, m["value"], m["ci95"]))
    if not groups:
        raise NotFound(f"no run of {_ranges(ids)} has metric {metric}")
    names = list(groups)
    stats = [mean_ci([v for _, v, _ in g], g[0][2] if len(g) == 1 else None)
             for g in groups.values()]
    f, shown = _display([s[0] for s in stats], unit)
    fig, ax = plt.subplots(figsize=(max(5, 1.2 * len(names) + 2), 4.2))
    ax.bar(range(len(names)), [s[0] / f for s in stats], yerr=[s[1] / f for s in stats],
           capsize=4, color="tab:blue")
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=20 if len(names) > 4 else 0, ha="right"
                       if len(names) > 4 else "center")
    ax.set_ylabel(f"{metric} ({shown})")
    ax.set_title(f"{metric} by {by or 'variant'}")
    caption = _finish(fig, db, [i for g in groups.values() for i, _, _ in g], out, bottom=0.25)
    return {"kind": "compare", "metric": metric, "unit": unit, "caption": caption,
            "groups": [{"label": n, "runs": [i for i, _, _ in groups[n]], "mean": s[0],
                        "ci95": s[1]} for n, s in zip(names, stats)]}


def sweep(db, ids, out, metric, param, by=None):
    """A metric against a swept parameter, one line per design (the value of --by, or the
    variant), mean over seeds with 95% intervals."""
    lines = OrderedDict()
    unit = xunit = ""
    for i in ids:
        p = db.param(i, param)
        m = db.metric(i, metric)
        if p is None or m is None or p["num"] is None:
            continue
        unit, xunit = m["unit"], p["unit"]
        label = _label(db, i, by, lambda r: db.run(r)["name"])
        lines.setdefault(label, {}).setdefault(p["num"], []).append((i, m["value"]))
    if not lines:
        raise NotFound(f"no run of {_ranges(ids)} has both a numeric {param} and {metric}")
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    data = []
    allx = [x for pts in lines.values() for x in pts]
    fx, xshown = _display(allx, xunit)
    ally = [v for pts in lines.values() for vs in pts.values() for _, v in vs]
    fy, yshown = _display(ally, unit)
    for name, pts in lines.items():
        xs = sorted(pts)
        st = [mean_ci([v for _, v in pts[x]]) for x in xs]
        ax.errorbar([x / fx for x in xs], [s[0] / fy for s in st], yerr=[s[1] / fy for s in st],
                    marker="o", capsize=3, label=name)
        data.append({"label": name, "points": [{"x": x, "mean": s[0], "ci95": s[1],
                                                "runs": [i for i, _ in pts[x]]}
                                               for x, s in zip(xs, st)]})
    ax.set_xlabel(f"{param} ({xshown})" if xshown else param)
    ax.set_ylabel(f"{metric} ({yshown})")
    ax.set_title(f"{metric} against {param}")
    ax.grid(alpha=0.3)
    if len(lines) > 1:
        ax.legend(fontsize=8)
    caption = _finish(fig, db, [i for d in data for p in d["points"] for i in p["runs"]], out)
    return {"kind": "sweep", "metric": metric, "param": param, "unit": unit, "xunit": xunit,
            "caption": caption, "lines": data}


def cpu(db, run_id, out, host=None):
    """Per-CPU time in the measured window, stacked by category (idle left out)."""
    host, rows = _host(db.cpu_time(run_id), host, "CPU time", run_id)
    cpus = sorted({c for _, c, _, _ in rows})
    cats = sorted({k for _, _, k, _ in rows if k != "idle"})
    ps = {(c, k): v for _, c, k, v in rows}
    measured = db.run(run_id)["measured_ps"] or 1
    fig, ax = plt.subplots(figsize=(max(6, 0.35 * len(cpus) + 2), 4.4))
    bottom = [0.0] * len(cpus)
    share = {}
    for k in cats:
        vals = [ps.get((c, k), 0) / measured * 100 for c in cpus]
        if not any(vals):
            continue
        ax.bar(range(len(cpus)), vals, bottom=bottom, label=k)
        bottom = [b + v for b, v in zip(bottom, vals)]
        share[k] = vals
    ax.set_xticks(range(len(cpus)))
    ax.set_xticklabels([str(c) for c in cpus], fontsize=7)
    ax.set_xlabel(f"CPU of host {host}")
    ax.set_ylabel("busy time (% of the measured window)")
    ax.set_ylim(0, 105)
    ax.set_title(f"CPU time by category, host {host}")
    ax.legend(fontsize=8, loc="upper right")
    caption = _finish(fig, db, [run_id], out)
    return {"kind": "cpu", "host": host, "cpus": cpus, "percent": share, "caption": caption}


def _host(rows, host, what, run_id):
    """The rows of `host` (default: the first host in them); a clear error for an unknown
    host."""
    hosts = sorted({r[0] for r in rows})
    if not hosts:
        raise NotFound(f"run {run_id} recorded no {what}")
    host = host or hosts[0]
    if host not in hosts:
        raise NotFound(f"run {run_id} has no {what} for host {host} (hosts: "
                          f"{', '.join(hosts)})")
    return host, [r for r in rows if r[0] == host]


def _finish(fig, db, ids, out, bottom=0.2):
    """Room for the caption, the caption, the file; returns the caption."""
    fig.subplots_adjust(bottom=bottom)
    caption = _caption(fig, db, ids)
    _save(fig, out)
    return caption


def _matrix(rows, n=None):
    size = n or (max([max(s, d) for _, s, d, _ in rows], default=-1) + 1)
    m = [[0.0] * size for _ in range(size)]
    for _, s, d, v in rows:
        m[s][d] = v
    return m


def _heat(ax, m, xlabel, ylabel, title, fig, unit):
    im = ax.imshow(m, cmap="viridis", origin="upper", aspect="auto")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    fig.colorbar(im, ax=ax, label=unit)


def lines(db, run_id, out, host=None):
    """Cache-line transfers per forwarded packet by memory region, and the CPU-by-CPU matrix
    of transfers (row: the CPU that held the line, column: the CPU that took it)."""
    regions = [(n[len("lines.transfers."):], v, u) for n, v, u in
               db.metrics_like(run_id, "lines.transfers.")
               if n != "lines.transfers.total"]
    pairs = db.pairs(run_id, "lines")
    if not regions and not pairs:
        raise NotFound(f"run {run_id} recorded no cache-line transfers")
    if pairs or host:
        host, pairs = _host(pairs, host, "cache-line transfers between CPUs", run_id)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.6))
    shown = [(r, v) for r, v, _ in regions if v > 0] or [(r, v) for r, v, _ in regions]
    a1.barh([r for r, _ in shown], [v for _, v in shown], color="tab:orange")
    a1.set_xlabel("line transfers per forwarded packet")
    a1.set_title("by memory region")
    m = _matrix(pairs)
    if m:
        _heat(a2, m, "to CPU (took the line)", "from CPU (held it)",
              f"transfers between CPUs, host {host}", fig, "lines in the measured window")
    else:
        a2.set_axis_off()
    fig.subplots_adjust(left=0.12, wspace=0.35)
    caption = _finish(fig, db, [run_id], out)
    return {"kind": "lines", "host": host, "regions": {r: v for r, v in shown},
            "matrix": m, "caption": caption}


def ipi(db, run_id, out, host=None):
    """IPIs sent, by (sending CPU, receiving CPU)."""
    host, pairs = _host(db.pairs(run_id, "ipi"), host, "IPIs", run_id)
    fig, ax = plt.subplots(figsize=(6.4, 5.2))
    m = _matrix(pairs)
    _heat(ax, m, "to CPU", "from CPU", f"IPIs by CPU pair, host {host}", fig,
          "IPIs in the measured window")
    caption = _finish(fig, db, [run_id], out)
    return {"kind": "ipi", "host": host, "matrix": m, "total": sum(map(sum, m)),
            "caption": caption}


def cdf(db, ids, out, name=None, by=None):
    """Cumulative distribution of a stored histogram (default: the first run's first, e.g.
    sink.sink.latency), one line per run, labelled by --by, variant or run id."""
    name = name or next(iter(db.hist_names(ids[0])), None)
    if not name:
        raise NotFound(f"run {ids[0]} stored no histogram")
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    data = []
    unit = ""
    rows_by_run = {i: db.hist(i, name) for i in ids}
    allx = [u for rows in rows_by_run.values() for u, _, _ in rows]
    if not allx:
        raise NotFound(f"no run of {_ranges(ids)} has histogram {name}")
    unit = next(r[2] for rows in rows_by_run.values() for r in rows)
    f, shown = _display(allx, unit)
    for i, rows in rows_by_run.items():
        if not rows:
            continue
        total = sum(c for _, c, _ in rows)
        xs, ys, cum = [], [], 0
        for u, c, _ in rows:
            cum += c
            xs.append(u)
            ys.append(cum / total)
        ax.step([x / f for x in xs], ys, where="post", label=_label(db, i, by))
        data.append({"run": i, "label": _label(db, i, by), "upper": xs, "fraction": ys,
                     "samples": total})
    ax.set_xscale("log")
    ax.set_xlabel(f"{name} ({shown}, log scale)")
    ax.set_ylabel("fraction of samples at most x")
    ax.set_ylim(0, 1.02)
    ax.set_title(f"distribution of {name}")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    caption = _finish(fig, db, [d["run"] for d in data], out)
    return {"kind": "cdf", "name": name, "unit": unit, "caption": caption, "runs": data}
