"""Reading the results database (schema: docs/results.md). Read-only; every query names its
columns, so a newer schema that only adds tables and columns still works."""
import math
import pathlib
import sqlite3

# Two-sided 95% Student t quantiles for n - 1 degrees of freedom (n = 2..30); above, 1.96.
_T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201,
        2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069,
        2.064, 2.060, 2.056, 2.052, 2.048, 2.045]


class NotFound(Exception):
    """What was asked for is not in the database (a run, a metric, a histogram). Only this is
    reported as "missing": any other exception is a bug and is left to surface."""


class Db:
    def __init__(self, path):
        self.path = path
        # as a URI, so that ?, # and % in the path are escaped, not read as URI syntax
        self.con = sqlite3.connect(pathlib.Path(path).absolute().as_uri() + "?mode=ro",
                                   uri=True)

    def close(self):
        self.con.close()

    def rows(self, sql, args=()):
        return self.con.execute(sql, args).fetchall()

    def run_ids(self, runs=None, scenario=None, sweep=None):
        """The runs asked for (in id order): explicit ids, the runs of a sweep, all runs of
        a scenario name, or every run in the database."""
        if sweep:
            ids = [r for (r,) in self.rows("SELECT id FROM runs WHERE sweep_id = ? ORDER BY id",
                                           (sweep,))]
            if not ids:
                raise NotFound(f"{self.path}: no runs of sweep {sweep}")
            return ids
        if runs:
            have = {r for (r,) in self.rows("SELECT id FROM runs")}
            missing = [r for r in runs if r not in have]
            if missing:
                raise NotFound(f"{self.path}: no run {', '.join(map(str, missing))}")
            return sorted(runs)
        if scenario:
            ids = [r for (r,) in self.rows("SELECT id FROM runs WHERE name = ? ORDER BY id",
                                           (scenario,))]
            if not ids:
                raise NotFound(f"{self.path}: no runs of scenario {scenario}")
            return ids
        ids = [r for (r,) in self.rows("SELECT id FROM runs ORDER BY id")]
        if not ids:
            raise NotFound(f"{self.path}: the database holds no runs")
        return ids

    def run(self, run_id):
        r = self.rows("SELECT id, name, seed, measured_ps, description FROM runs WHERE id = ?",
                      (run_id,))
        if not r:
            raise NotFound(f"{self.path}: no run {run_id}")
        i, name, seed, measured, desc = r[0]
        return {"id": i, "name": name, "seed": seed, "measured_ps": measured,
                "description": desc}

    def param(self, run_id, key):
        r = self.rows("SELECT value, num, unit FROM params WHERE run_id = ? AND key = ?",
                      (run_id, key))
        return {"value": r[0][0], "num": r[0][1], "unit": r[0][2]} if r else None

    def metric(self, run_id, name):
        r = self.rows("SELECT value, unit, ci95 FROM metrics WHERE run_id = ? AND name = ?",
                      (run_id, name))
        return {"value": r[0][0], "unit": r[0][1], "ci95": r[0][2]} if r else None

    def metrics_like(self, run_id, prefix):
        return self.rows("SELECT name, value, unit FROM metrics WHERE run_id = ? AND name LIKE ? "
                         "ORDER BY name", (run_id, prefix + "%"))

    def cpu_time(self, run_id, host=None):
        sql = "SELECT host, cpu, category, ps FROM cpu_time WHERE run_id = ?"
        args = [run_id]
        if host:
            sql += " AND host = ?"
            args.append(host)
        return self.rows(sql + " ORDER BY host, cpu, category", args)

    def hist(self, run_id, name):
        try:
            return self.rows("SELECT upper, count, unit FROM hist WHERE run_id = ? AND name = ? "
                             "ORDER BY upper", (run_id, name))
        except sqlite3.OperationalError:  # an older database: no histograms
            return []

    def hist_names(self, run_id):
        try:
            return [n for (n,) in self.rows("SELECT DISTINCT name FROM hist WHERE run_id = ? "
                                            "ORDER BY name", (run_id,))]
        except sqlite3.OperationalError:
            return []

    def pairs(self, run_id, name, host=None):
        sql = "SELECT host, src, dst, value FROM pairs WHERE run_id = ? AND name = ?"
        args = [run_id, name]
        if host:
            sql += " AND host = ?"
            args.append(host)
        try:
            return self.rows(sql + " ORDER BY host, src, dst", args)
        except sqlite3.OperationalError:  # a schema-1 database: no CPU-pair matrices
            return []


def mean_ci(values, ci95=None):
    """Mean and 95% half-width over seeds (Student t); one value keeps its own interval."""
    n = len(values)
    m = sum(values) / n
    if n == 1:
        return m, (ci95 if ci95 is not None else 0.0)
    var = sum((v - m) ** 2 for v in values) / (n - 1)
    t = _T95[n - 2] if n - 2 < len(_T95) else 1.96
    return m, t * math.sqrt(var / n)
