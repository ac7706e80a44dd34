"""`cityregions country <sweep-dir>`: gather a country-study sweep (`+experiment=country_study`) and write, per
functional urban area, the greenfield a scenario saves against a baseline with its 95 % interval (a table), the
same by country, and the figure of every FUA by country; exit status 1 if jobs are missing or failed."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from cityregions.analysis import country
from cityregions.app.args import Args
from cityregions.reporting import plots
from cityregions.runs import collect, results


def main(args: Args) -> int:
    """Collect the sweep, then write country_saved.csv, country_by_country.csv and country_greenfield.png."""
    sweep_dir = args.dirs[0]
    gathered = collect.collect(sweep_dir)
    scenario, baseline = args.get("scenario") or "integrated", args.get("baseline") or "no_cooperation"
    saved = country.greenfield_saved(gathered.tables["summary"], scenario, baseline)
    table = country.by_country(saved)
    out = Path(args.get("out") or Path(sweep_dir) / "country")
    n = int(saved["replicates"].max()) if len(saved) else 0
    title = (f"Greenfield saved by {scenario} against {baseline} to {gathered.tables['summary']['to'].iloc[0]}, "
             f"per functional urban area ({len(saved)}), 95 % intervals over {n} paired replicates")
    written = [out / "country_saved.csv", out / "country_by_country.csv", out / "country_greenfield.png"]
    results.atomic_write(written[0], lambda p: saved.to_csv(p, index=False))
    results.atomic_write(written[1], lambda p: table.to_csv(p, index=False))
    results.atomic_write(written[2], lambda p: plots.save(plots.country_figure(saved, title), p))
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.round(3).to_string(index=False))
    print("\nwritten: " + ", ".join(str(p) for p in written))
    if len(gathered.not_ok):
        print(gathered.report(), file=sys.stderr)
        return 1
    return 0
