"""Robust verdicts: does a scenario's verdict hold across the parameters nobody can measure?

A comparison's interval covers the random numbers only: every replicate runs with the same behavioural parameters.
Here each scenario is run again in an ensemble of *futures*: a Latin hypercube (SALib, the sampler of the
sensitivity analysis, McKay et al. 1979) over the uncertain parameters in UNCERTAIN, each future with its own
random numbers, shared by all scenarios of that future (common random numbers). In each future the scenario is
judged against the baseline as the scorecard judges a difference, but on one pair: better or worse when it lies
beyond the practical threshold (scorecard.PRACTICAL_SHARE of the baseline's value), else no practical
difference. The result reads "better in 92 % of 100 futures": exploratory modelling's question whether a policy
holds over many plausible worlds (Bankes 1993, Oper. Res. 41:435-449; Lempert et al. 2003, RAND MR-1626).

Each arm keeps everything else of its own run (the region, its calibration, the scenario's levers and any other
override), read from the arm's saved configuration. The ensemble is written beside the comparison
(futures.parquet, with futures.json describing it) and reused while the design and the runs' configurations are
the same.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from cityregions.analysis import compare, scorecard
from cityregions.analysis.sensitivity import Design, sampled_params
from cityregions.config import ConfigError, RunConfig, validate
from cityregions.config.regional import region_config, with_value
from cityregions.runs import results

VALUES = "futures.parquet"
DESCRIPTION = "futures.json"
SEED = 2012
FIRST_REPLICATE = 100_000  # futures draw random numbers of their own, apart from the comparison's replicates
# The uncertain behavioural parameters and their plausible ranges (assumptions; docs/PARAMETERS.md). Calibrated
# parameters (distance decay, land-price elasticity) are left out: the data fix them, region by region.
UNCERTAIN: dict[str, tuple[float, float]] = {
    "params.land.optimism": (1.0, 3.0),
    "params.land.tax_discount_competing": (0.0, 0.2),
    "params.land.firm_tax_sensitivity": (2.0, 8.0),
    "params.transport.value_of_time_eur_h": (6.0, 15.0),
    "params.transport.service_cost_eur_per_commuter": (18.0, 74.0),
    "params.cooperation.tc_base_keur": (30.0, 120.0),
    "params.cooperation.decision_noise_share": (0.0005, 0.008),
    "params.cooperation.perception_bias_sd": (0.0, 0.6),
    "params.cooperation.welfare_weight": (0.2, 1.0),
    "params.cooperation.dominance_weight": (0.5, 2.0),
    "params.cooperation.inequity_aversion": (0.0, 0.5),
}


def design(n: int, seed: int = SEED, uncertain: dict[str, tuple[float, float]] | None = None) -> Design:
    """The ensemble's design: n futures of the uncertain parameters (each checked against the schema's range)."""
    names, bounds = sampled_params({k: list(v) for k, v in (uncertain or UNCERTAIN).items()},
                                   "analysis.robustness.UNCERTAIN")
    return Design("latin", names, bounds, n, seed)


def future_config(base: RunConfig, d: Design, row: np.ndarray, future: int) -> RunConfig:
    """An arm's configuration in one future: its own, with the future's parameters and random numbers."""
    cfg = with_value(base, "replicate", FIRST_REPLICATE + future)
    for name, value in zip(d.names, row, strict=True):
        cfg = with_value(cfg, name, float(value))
    return validate(cfg)


def _run_future(configs: dict[str, RunConfig], region: str, future: int) -> pd.DataFrame:
    """Every arm's quarterly table in one future, labelled with its arm and the future as its replicate."""
    from cityregions.runs.runner import run_scenario

    frames = []
    for arm, cfg in configs.items():
        q = run_scenario(region_config(cfg, region) if cfg.region.name == "all" else cfg).quarterly
        frames.append(q[q["region"] == region].assign(arm=arm, replicate=future))
    return pd.concat(frames, ignore_index=True)


def arm_configs(ds: compare.Dataset, region: str) -> dict[str, RunConfig]:
    """Each arm's configuration as it ran in the region (from its lowest replicate's saved config.yaml)."""
    out = {}
    for arm in ds.arms:
        d = ds.run_dir(arm, region)
        if d is None or not (d / "config.yaml").is_file():
            raise ConfigError(f"arm {arm!r} of {region}: no saved configuration to run its futures from")
        out[arm] = results.read_config(d / "config.yaml")
    return out


def _fingerprint(d: Design, baseline: str, configs: dict[str, dict[str, RunConfig]]) -> str:
    """What the ensemble depends on: the design, the baseline and every arm's configuration digest."""
    digests = {r: {a: results.config_digest(c) for a, c in arms.items()} for r, arms in configs.items()}
    return json.dumps({"design": asdict(d), "baseline": baseline, "configs": digests}, sort_keys=True)


def run(ds: compare.Dataset, baseline: str, n: int, where: Path, seed: int = SEED, n_jobs: int | None = None,
        progress: bool = True) -> pd.DataFrame:
    """The scorecard's values of every arm in n futures per region (one row per arm x region x future, the
    future in the column 'replicate'), written to the directory `where` (the report's); read from there when it
    holds this ensemble already."""
    from joblib import Parallel, delayed

    d = design(n, seed)
    x = d.matrix()
    configs = {region: arm_configs(ds, region) for region in ds.regions}
    key = _fingerprint(d, baseline, configs)
    stored = _stored(where)
    if stored is not None and stored.get("key") == key:
        return pd.read_parquet(Path(where) / VALUES)
    n_jobs = n_jobs or max(1, min(os.cpu_count() or 1, n))
    frames = []
    for region, arms in configs.items():
        if progress:
            print(f"cityregions compare: {n} futures x {len(arms)} scenarios of {region} (uncertain parameters; "
                  f"{n_jobs} processes)", flush=True)
        tasks = (delayed(_run_future)({a: future_config(c, d, x[i], i) for a, c in arms.items()}, region, i)
                 for i in range(n))
        quarterly = pd.concat(Parallel(n_jobs=n_jobs)(tasks), ignore_index=True)
        frames.append(compare.metric_values(quarterly, baseline))
    values = pd.concat(frames, ignore_index=True)
    results.atomic_write(Path(where) / VALUES, lambda p: values.to_parquet(p, index=False))
    ranges = dict(zip(d.names, d.bounds, strict=True))
    text = json.dumps({"key": key, "baseline": baseline, "futures": n, "seed": seed, "parameters": ranges}, indent=1)
    results.atomic_write(Path(where) / DESCRIPTION, lambda p: p.write_text(text, encoding="utf-8"))
    return values


def _stored(where: str | Path) -> dict | None:
    """The description of the ensemble stored in a report's directory (futures.json), if it holds one."""
    values, described = Path(where) / VALUES, Path(where) / DESCRIPTION
    if not (values.is_file() and described.is_file()):
        return None
    return json.loads(described.read_text(encoding="utf-8"))


def read(where: str | Path, baseline: str) -> pd.DataFrame | None:
    """The ensemble of futures written to a report's directory against this baseline, if there is one."""
    stored = _stored(where)
    return pd.read_parquet(Path(where) / VALUES) if stored is not None and stored.get("baseline") == baseline \
        else None


def verdicts(values: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Per arm x region x metric: the number of futures with both runs, and the shares of them in which the arm
    is better, worse, or not practically different from the baseline (scorecard.judge on one pair)."""
    base = values[values["arm"] == baseline].set_index(compare.PAIR_ON)
    rows = []
    for (arm, region), g in values[values["arm"] != baseline].groupby(["arm", "region"], sort=False):
        g = g.set_index(compare.PAIR_ON)
        b = base.loc[base.index.intersection(g.index)]
        g = g.loc[b.index]
        for m in scorecard.METRICS:
            calls = [scorecard.judge(a - z, a - z, a - z, m.better, z)
                     for a, z in zip(g[m.key].to_numpy(float), b[m.key].to_numpy(float), strict=True)
                     if np.isfinite(a) and np.isfinite(z)]
            n = len(calls)
            share = {v: (calls.count(v) / n if n else float("nan")) for v in ("better", "worse", "unclear")}
            rows.append({"arm": arm, "region": region, "metric": m.key, "futures": n,
                         "futures_better": share["better"], "futures_worse": share["worse"],
                         "futures_unclear": share["unclear"]})
    return pd.DataFrame(rows, columns=["arm", "region", "metric", "futures", "futures_better", "futures_worse",
                                       "futures_unclear"])
