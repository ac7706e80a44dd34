"""Running a configuration: one region or all five, quarter by quarter, into tidy tables.

With region=all each region runs with its own configuration (`region_config`: the run's with the region's own
values, recorded when the configuration was composed), so its rows are those it has when run alone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pandas as pd
from tqdm.auto import tqdm

from cityregions.config import REGIONS, ConfigError, RunConfig, region_config, validate
from cityregions.config.schema import BatchConfig
from cityregions.model import indicators
from cityregions.model.blas import one_blas_thread
from cityregions.model.model import CityRegionModel
from cityregions.runs import results


@dataclass
class RunResult:
    """The tables of one run: indicators per region and quarter, end state per municipality, decisions and
    membership changes."""

    config: RunConfig
    quarterly: pd.DataFrame
    municipalities: pd.DataFrame
    decisions: pd.DataFrame
    memberships: pd.DataFrame
    models: dict[str, CityRegionModel] = field(default_factory=dict, repr=False)


def regions_of(cfg: RunConfig) -> list[str]:
    """The regions a configuration runs."""
    if cfg.region.name == "all":
        if cfg.region.municipalities_csv:
            raise ConfigError("region.municipalities_csv replaces one region's municipalities; "
                              "choose a single region, not region=all")
        return list(REGIONS)
    return [cfg.region.name]


def run_scenario(cfg: RunConfig, progress: bool = False, keep_models: bool = False) -> RunResult:
    """Run every region of the configuration, each with its own configuration, to the horizon and collect the
    tables (the result keeps the run's configuration, which holds every region's)."""
    validate(cfg)
    names = regions_of(cfg)
    with one_blas_thread():  # held for the whole run: each step then leaves the setting alone
        # a large region's build shows its progress as the quarters do, or not at all
        models = [CityRegionModel(replace(region_config(cfg, r), progress=progress), region=r) for r in names]
        total = sum(m.timeline.n_steps for m in models)
        with tqdm(total=total, disable=not progress, unit="quarter", mininterval=0.5, leave=False) as bar:
            for m in models:
                bar.set_description(m.region)
                for _ in range(m.timeline.n_steps):
                    m.step()
                    bar.update(1)
    return RunResult(
        config=cfg,
        quarterly=pd.concat([indicators.quarterly_table(m) for m in models], ignore_index=True),
        municipalities=pd.concat([indicators.municipality_table(m) for m in models], ignore_index=True),
        decisions=pd.concat([indicators.decision_table(m) for m in models], ignore_index=True),
        memberships=pd.concat([indicators.membership_table(m) for m in models], ignore_index=True),
        models={m.region: m for m in models} if keep_models else {})


def run_batch(cfg: RunConfig, compose: Callable[[str], RunConfig]) -> RunResult:
    """The configuration's region under each scenario of cfg.batch (compose(scenario) makes its configuration,
    once) and each replicate from 0 to batch.replicates - 1, in one result whose tables hold every run."""
    parts = []
    for name in cfg.batch.scenarios or [cfg.scenario.name]:
        base = cfg if name == cfg.scenario.name else compose(name)
        parts += [run_scenario(replace(base, replicate=k, batch=BatchConfig())) for k in range(cfg.batch.replicates)]
    return RunResult(cfg, *(pd.concat([getattr(p, t) for p in parts], ignore_index=True) for t in results.TABLES))


def summary(result: RunResult) -> pd.DataFrame:
    """One row per region: the headline figures at the horizon."""
    return summary_of(result.quarterly)


# the digits the summary is printed with (its tables keep every digit)
SHOWN_DIGITS = {"greenfield_ha": 1, "greenfield_ha_per_day": 3, "brownfield_reuse_ha": 1, "vacant_commercial_ha": 1,
                "pt_share": 3, "commuting_co2_kt": 1, "fiscal_gini": 3, "mean_trust": 3}


RUN_KEYS = ("region", "scenario", "replicate")  # what tells one run of a batch from another


def summary_of(q: pd.DataFrame, runs: bool = False) -> pd.DataFrame:
    """One row per region of a quarterly table (runs: per region, scenario and replicate, with each run's seed):
    the headline figures at the horizon, unrounded (round only to show them: `shown`)."""
    rows = []
    for _, g in q.groupby(list(RUN_KEYS if runs else RUN_KEYS[:1]), sort=False):
        last = g.iloc[-1]
        days = len(g) * 365.25 / 4
        rows.append({
            "region": last["region"], "scenario": last["scenario"],
            **({"replicate": int(last["replicate"]), "seed": int(last["seed"])} if runs else {}), "to": last["quarter"],
            "greenfield_ha": float(g["greenfield_take_ha"].sum()),
            "greenfield_ha_per_day": float(g["greenfield_take_ha"].sum()) / days,
            "brownfield_reuse_ha": float(g["brownfield_reuse_ha"].sum()),
            "vacant_commercial_ha": float(last["vacant_commercial_ha"]),
            "pt_share": float(last["pt_share"]),
            "commuting_co2_kt": float(last["commuting_co2_t"]) / 1000,
            "fiscal_gini": float(last["fiscal_inequality"]),
            "members": int(last["members"]), "institutionalised": int(last["institutionalised"]),
            "mean_trust": float(last["mean_trust"])})
    return pd.DataFrame(rows)


def shown(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary rounded as it is printed."""
    return summary.round({k: v for k, v in SHOWN_DIGITS.items() if k in summary.columns})
