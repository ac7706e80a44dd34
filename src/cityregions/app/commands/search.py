"""`cityregions search region=R`: policy search over the integrated scenario's levers (Optuna NSGA-II): every
trial, the Pareto front and a figure of it in each pair of objectives."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cityregions.analysis.search import LEVERS, OBJECTIVES, search
from cityregions.app.args import Args, UsageError
from cityregions.config import load_config
from cityregions.reporting import plots
from cityregions.runs import results


def main(args: Args) -> int:
    """Search and write trials.csv, pareto.csv, pareto.png and the runs' config.yaml."""
    levers = args.get("levers") or list(LEVERS)
    unknown = [k for k in levers if k not in LEVERS]
    if unknown:
        raise UsageError(f"levers={','.join(levers)!r}: {unknown[0]!r} is not allowed; allowed: {', '.join(LEVERS)}")
    overrides = list(args.overrides)
    if not any(o.split("=", 1)[0] == "scenario" for o in overrides):
        overrides.insert(0, "scenario=integrated")
    trials, sampler_seed = args.get("trials"), args.get("sampler_seed")
    table = search(overrides, levers, trials, sampler_seed)
    cfg = load_config(overrides)
    out = Path(args.get("out") or f"multirun/search/{cfg.region.name}")
    front = table[table["pareto"]].sort_values("greenfield_ha")
    results.atomic_write(out / "trials.csv", lambda p: table.to_csv(p, index=False))
    results.atomic_write(out / "pareto.csv", lambda p: front.to_csv(p, index=False))
    text = results.config_yaml(cfg)  # the runs' resolved config (without the levers, which each trial sets)
    results.atomic_write(out / "config.yaml", lambda p: p.write_text(text, encoding="utf-8"))
    title = (f"Pareto front of {len(table)} trials, {cfg.region.name}, scenario {cfg.scenario.name}, seed "
             f"{cfg.seed} (NSGA-II, sampler seed {sampler_seed})")
    fig = plots.pareto_figure(table, list(OBJECTIVES), OBJECTIVES, title)
    results.atomic_write(out / "pareto.png", lambda p: plots.save(fig, p))
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(front.round(3).to_string(index=False))
    print(f"\n{len(front)} of {len(table)} trials on the Pareto front; written: {out / 'trials.csv'}, "
          f"{out / 'pareto.csv'}, {out / 'pareto.png'}, {out / 'config.yaml'}")
    return 0
