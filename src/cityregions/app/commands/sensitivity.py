"""`cityregions sensitivity <sweep-dir>`: gather a sensitivity sweep and write its indices (per grid cell and
indicator, with 95 % bootstrap intervals) as a table and a figure per cell; exit status 1 if the sweep is
incomplete."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from cityregions.analysis import sensitivity
from cityregions.app.args import Args
from cityregions.config import ConfigError
from cityregions.reporting import plots
from cityregions.runs import collect, results

BOOKKEEPING = {"state", "planned", "experiment", "dir", "overrides", "error"}


def main(args: Args) -> int:
    """Analyse the sweep and write sensitivity.csv and one figure per grid cell."""
    sweep_dir = args.dirs[0]
    design, x = sensitivity.read_design(sweep_dir)
    gathered = collect.collect(sweep_dir)
    jobs = gathered.jobs[gathered.jobs["state"] == "ok"]
    jobs = jobs[[c for c in jobs.columns if c not in BOOKKEEPING]]
    try:
        table = sensitivity.analyse(design, x, jobs, gathered.tables["quarterly"])
    except ConfigError as e:
        print(gathered.report(), file=sys.stderr)
        print(f"cityregions sensitivity: incomplete sweep: {e}", file=sys.stderr)
        return 1
    out = Path(args.get("out") or sweep_dir / "sensitivity")
    results.atomic_write(out / "sensitivity.csv", lambda p: table.to_csv(p, index=False))
    grid = list(table.columns[: list(table.columns).index("metric")])
    written = [out / "sensitivity.csv"]
    what = "Morris screening: mu* (mean absolute elementary effect)" if design.method == "morris" else "Sobol' indices"
    for cell, g in table.groupby(grid, sort=False):
        cell = cell if isinstance(cell, tuple) else (cell,)
        where = ", ".join(f"{c}={v}" for c, v in zip(grid, cell, strict=True))
        fig = plots.sensitivity_figure(g, f"{what}, {where}; {len(x)} design points, 95 % intervals")
        path = out / f"sensitivity_{'_'.join(str(v) for v in cell)}.png"
        results.atomic_write(path, lambda p, fig=fig: plots.save(fig, p))
        written.append(path)
    shown = table.drop(columns=["unit"]).round(4)
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.max_rows", 200):
        print(shown.to_string(index=False))
    print("\nwritten: " + ", ".join(str(p) for p in written))
    return 0
