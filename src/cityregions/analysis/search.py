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

from collections.abc import Sequence

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

    from cityregions.config import load_config
    from cityregions.runs.runner import run_scenario

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
