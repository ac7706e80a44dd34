"""`cityregions discover <sweep-dir> outcome=...`: scenario discovery (PRIM) on a collected sweep: the peeling
trajectory, the chosen box and a figure."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from cityregions.analysis.discovery import BOOKKEEPING, Outcome, cases, discover
from cityregions.app.args import Args, UsageError
from cityregions.config import ConfigError
from cityregions.reporting import plots
from cityregions.runs import collect, results


def main(args: Args) -> int:
    """Discover, write trajectory.csv, box.csv and discovery.png, and print the chosen box."""
    if not args.given("outcome"):
        raise UsageError("outcome= is required; usage: cityregions discover <sweep-dir> "
                         "outcome='<indicator><op><number>' [at=YYYYQn] [density=0.8] [out=DIR]")
    density = args.get("density")
    if density <= 0:
        raise UsageError(f"density={density!r} is not allowed; allowed: 0 < density <= 1")
    sweep_dir, at = args.dirs[0], args.get("at")
    gathered = collect.collect(sweep_dir)
    quarterly = gathered.tables["quarterly"]
    if quarterly.empty:
        raise ConfigError(f"{sweep_dir}: no complete job to analyse")
    jobs = gathered.jobs[gathered.jobs["state"] == "ok"]
    numeric = [c for c in quarterly.columns if pd.api.types.is_numeric_dtype(quarterly[c])
               and c not in (*BOOKKEEPING, *jobs.columns, "step", "year", "phase", "region_seed")]
    outcome = Outcome.parse(args.get("outcome"), numeric)
    x, y = cases(quarterly, jobs, outcome, at)
    found = discover(x, y, density)
    if len(gathered.not_ok):
        print(gathered.report(), file=sys.stderr)
    out = Path(args.get("out") or sweep_dir / "discovery")
    when = at or "the horizon"
    results.atomic_write(out / "trajectory.csv", lambda p: found.trajectory.to_csv(p, index_label="box"))
    results.atomic_write(out / "box.csv", lambda p: found.box.to_csv(p, index=False))
    fig = plots.discovery_figure(found.trajectory, found.chosen, found.box,
                                 f"PRIM: where {outcome} at {when} ({found.n_of_interest} of {found.n_cases} cases)")
    results.atomic_write(out / "discovery.png", lambda p: plots.save(fig, p))
    s = found.stats
    print(f"outcome: {outcome} at {when}: {found.n_of_interest} of {found.n_cases} cases (job x region)")
    print(f"chosen box {found.chosen} of {len(found.trajectory)}: coverage {s['coverage']:.2f}, density "
          f"{s['density']:.2f}, mass {s['mass']:.2f}, {int(s['res_dim'])} restricted condition(s)")
    with pd.option_context("display.width", 200, "display.max_columns", 10):
        print(found.box.to_string(index=False) if len(found.box) else "(no condition restricted)")
    print(f"\nwritten: {out / 'trajectory.csv'}, {out / 'box.csv'}, {out / 'discovery.png'}")
    return 0
