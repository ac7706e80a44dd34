"""Policy search: the levers' settings that no other setting beats on land, fairness and cost at once.

`cityregions search region=graz trials=120` lets Optuna (Akiba et al. 2019) search the levers of the integrated
scenario with NSGA-II (Deb et al. 2002) for three objectives, all minimised at the horizon:

- greenfield_ha: greenfield land taken from the start to the horizon (ha);
- fiscal_gini: inequality of fiscal capacity per resident between municipalities (Gini);
- cooperation_cost_eur: what the councils pay for cooperating at the horizon, transaction costs plus
  contributions to the agreements (EUR/yr, the region's total).

Every trial is one run of the same function the command line runs (`load_config` + `run_scenario`) with the
same seed (common random numbers: trials differ only in their levers). The result is every trial, the Pareto
front (the trials no other trial beats on all three objectives), and a figure of the front in each pair of
objectives. Optuna drives the runs through its own current API: hydra-optuna-sweeper pins optuna<3, whose
storage fails with SQLAlchemy 2. The same sampler seed gives the same trials.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from cityregions.config import ConfigError

# The levers searched, with their ranges (assumptions, inside the schema's allowed ranges, docs/PARAMETERS.md)
LEVERS: dict[str, tuple[float, float]] = {
    "scenario.revenue_sharing_key": (0.0, 1.0),
    "scenario.greenfield_cap": (0.3, 10.0),
    "scenario.service_cofinancing": (0.0, 3.0),
    "scenario.cost_sharing_key": (0.0, 1.0),
    "scenario.cofinancing_rate": (0.0, 1.0),
}
OBJECTIVES = {
    "greenfield_ha": "greenfield taken to the horizon (ha)",
    "fiscal_gini": "fiscal inequality (Gini)",
    "cooperation_cost_eur": "cost of cooperating (EUR/yr)",
}
OPTIONS = ("trials", "levers", "out", "sampler_seed")


def objectives(quarterly: pd.DataFrame, municipalities: pd.DataFrame) -> dict[str, float]:
    """The three objectives of one run (one region)."""
    return {"greenfield_ha": float(quarterly["greenfield_take_ha"].sum()),
            "fiscal_gini": float(quarterly["fiscal_inequality"].iloc[-1]),
            "cooperation_cost_eur": float((municipalities["transaction_costs_eur"]
                                           + municipalities["contributions_eur"]).sum())}


def dominated(values: np.ndarray) -> np.ndarray:
    """Which rows another row beats: no worse in every column and better in one (all minimised)."""
    worse_eq = (values[None, :, :] <= values[:, None, :]).all(axis=2)  # [i, j]: j no worse than i everywhere
    better = (values[None, :, :] < values[:, None, :]).any(axis=2)
    return (worse_eq & better).any(axis=1)


def search(overrides: Sequence[str], levers: Sequence[str], trials: int, sampler_seed: int = 0) -> pd.DataFrame:
    """Run the multi-objective search; one row per trial with its levers, objectives and Pareto membership."""
    import optuna

    from cityregions.cli import load_config
    from cityregions.runner import run_scenario

    base = load_config(list(overrides))  # bad input is refused before the first trial
    if base.region.name == "all":
        raise ConfigError("region=all: the search optimises one region; choose one of the five")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.NSGAIISampler(seed=sampler_seed, population_size=min(20, max(4, trials // 4)))
    study = optuna.create_study(directions=["minimize"] * len(OBJECTIVES), sampler=sampler)
    rows = []

    def run(trial: optuna.Trial) -> tuple[float, ...]:
        values = {k: trial.suggest_float(k, *LEVERS[k]) for k in levers}
        cfg = load_config([*overrides, *(f"{k}={v!r}" for k, v in values.items())])
        res = run_scenario(cfg)
        obj = objectives(res.quarterly, res.municipalities)
        rows.append({"trial": trial.number, **values, **obj})
        return tuple(obj[k] for k in OBJECTIVES)

    study.optimize(run, n_trials=trials)
    table = pd.DataFrame(rows)
    table["pareto"] = ~dominated(table[list(OBJECTIVES)].to_numpy())
    return table


def main(argv: list[str]) -> int:
    """`cityregions search region=R [trials=N] [levers=a,b] [sampler_seed=S] [out=DIR] [key=value ...]`."""
    from cityregions import plots, results

    opts = {k: v for k, v in (a.split("=", 1) for a in argv if "=" in a) if k in OPTIONS}
    stray = [a for a in argv if "=" not in a]
    overrides = [a for a in argv if "=" in a and a.split("=", 1)[0] not in OPTIONS]
    if stray:
        print(f"cityregions search: {stray[0]!r} is not key=value; usage: cityregions search region=graz "
              "[trials=120] [levers=scenario.revenue_sharing_key,...] [out=DIR] [key=value ...]", file=sys.stderr)
        return 2
    try:
        trials = int(opts.get("trials", "120"))
        sampler_seed = int(opts.get("sampler_seed", "0"))
        if trials < 2 or sampler_seed < 0:
            raise ValueError
    except ValueError:
        print(f"cityregions search: trials={opts.get('trials')!r}, sampler_seed={opts.get('sampler_seed')!r}: "
              "allowed: trials an integer >= 2, sampler_seed an integer >= 0", file=sys.stderr)
        return 2
    levers = opts["levers"].split(",") if opts.get("levers") else list(LEVERS)
    unknown = [k for k in levers if k not in LEVERS]
    if unknown:
        print(f"cityregions search: levers={opts['levers']!r}: {unknown[0]!r} is not allowed; allowed: "
              f"{', '.join(LEVERS)}", file=sys.stderr)
        return 2
    if not any(o.split("=", 1)[0] == "scenario" for o in overrides):
        overrides.insert(0, "scenario=integrated")
    try:
        table = search(overrides, levers, trials, sampler_seed)
    except ConfigError as e:
        print(f"cityregions search: invalid configuration: {e}", file=sys.stderr)
        return 2
    from cityregions.cli import load_config

    cfg = load_config(overrides)
    out = Path(opts.get("out") or f"multirun/search/{cfg.region.name}")
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
