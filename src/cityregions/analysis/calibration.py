"""Calibration: fit the parameters the data do not fix to a region's observed calibration patterns.

`cityregions calibrate region=graz` searches the free parameters (the gravity model's distance decay, which sets how
far people commute and so the core's in-commuters, and the weight of accessibility in location choice, which sets
how much of the region's growth goes to the core; each only where the region's data identify it) for the run of the
project as it happened (`city_regions`) whose calibration patterns (data/observed.csv, `use=calibration`, numbers
only) that identify them lie closest to the observations. The loss is the mean of (error / tolerance)^2 over those
patterns, with each pattern's error and tolerance as `cityregions validate` judges them (a pattern within its
tolerance adds at most 1), averaged over `seeds` replicates. The search is Optuna's TPE sampler (Bergstra et al.
2011), seeded: the same command gives the same fit. The validation patterns (`use=validation`) are never used here:
they stay out-of-sample.

It writes `calibration_<region>.yaml` (the fitted values, in the form of `conf/calibration/<region>.yaml`, which
every run of that region reads by default), `trials.csv` (every trial) and `fit.csv` (observed against simulated at
the default and at the fitted values).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cityregions.config import ConfigError

# The free parameters and their search ranges (assumptions, inside the schema's allowed ranges)
FREE: dict[str, tuple[float, float]] = {
    "params.transport.distance_decay": (0.01, 0.2),
    "params.land.land_price_elasticity": (0.0, 2.0),
}
# The patterns that identify each free parameter: a region is fitted only in the parameters its data identify
# (Wroclaw has no commuting figure, so its distance decay keeps the default)
IDENTIFIED_BY: dict[str, tuple[str, ...]] = {
    "params.transport.distance_decay": ("in_commuter_share", "in_commuters"),
    "params.land.land_price_elasticity": ("ring_minus_core_growth", "ring_population_growth",
                                          "core_population_growth"),
}


def loss(table: pd.DataFrame) -> float:
    """Mean squared error in tolerances over the comparable rows of a validation table (inf if none)."""
    err = pd.to_numeric(table["error"], errors="coerce") / pd.to_numeric(table["tolerance"], errors="coerce")
    err = err[np.isfinite(err)]
    return float((err**2).mean()) if len(err) else float("inf")


def identified(rows: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """The free parameters (with their ranges) that the given calibration patterns identify."""
    return {k: FREE[k] for k, patterns in IDENTIFIED_BY.items() if rows["pattern"].isin(patterns).any()}


def calibration_rows(observed: pd.DataFrame, region: str) -> pd.DataFrame:
    """The region's numeric calibration patterns."""
    rows = observed[(observed["region"] == region) & (observed["use"] == "calibration")
                    & (observed["kind"] != "categorical")]
    if rows.empty:
        raise ConfigError(f"region={region!r}: no numeric calibration pattern in the observations; nothing to fit")
    return rows


@dataclass
class Fit:
    """The result of a calibration: the best values, every trial, and the fit before and after."""

    region: str
    best: dict[str, float]
    trials: pd.DataFrame
    before: pd.DataFrame  # the validation table at the default values
    after: pd.DataFrame  # ... at the fitted values

    @property
    def loss_before(self) -> float:
        """Loss over the fitted patterns at the default values."""
        return loss(self.before[self.before["fitted"]])

    @property
    def loss_after(self) -> float:
        """Loss over the fitted patterns at the fitted values."""
        return loss(self.after[self.after["fitted"]])

    def at_bound(self) -> list[str]:
        """Fitted values within 1 % of their search range's end: the patterns pull them beyond what is plausible,
        a sign of a structural misfit rather than an estimate."""
        return [k for k, v in self.best.items()
                if min(v - FREE[k][0], FREE[k][1] - v) < 0.01 * (FREE[k][1] - FREE[k][0])]

    @property
    def adopted(self) -> bool:
        """Whether the fit is worth using: it improves on the defaults (loss at least 10 % lower; else the patterns
        do not constrain the parameters), brings the fitted patterns within their tolerances on average (loss at
        most 1) and has no value at its bound (else the model cannot reproduce these patterns by these
        parameters: a structural misfit). Otherwise the defaults stay."""
        return self.loss_after < 0.9 * self.loss_before and self.loss_after <= 1.0 and not self.at_bound()

    def yaml(self) -> str:
        """The fit as a Hydra config (`conf/calibration/<region>.yaml`): the fitted values if adopted, else only
        comments saying why not (the defaults stay)."""
        lines = ["# @package _global_",
                 f"# `cityregions calibrate region={self.region} trials={len(self.trials)}`: the free parameters",
                 "# fitted to the region's calibration patterns (src/cityregions/world/data/observed.csv). Loss (mean",
                 f"# squared error in tolerances over the fitted patterns): {self.loss_before:.3g} at the defaults, "
                 f"{self.loss_after:.3g} fitted."]
        fitted = ", ".join(f"{k}={v:.4g}" for k, v in self.best.items())
        if not self.adopted:
            if self.at_bound():
                why = (f"{', '.join(self.at_bound())} at the bound of the search range: the model cannot reproduce "
                       "these patterns by these parameters")
            elif self.loss_after > 1.0:
                why = (f"the fit leaves the patterns outside their tolerances (loss {self.loss_after:.3g} > 1): the "
                       "model cannot reproduce these patterns by these parameters")
            else:
                why = "the fit does not improve on the defaults: the patterns do not constrain these parameters"
            lines += [f"# Not adopted ({fitted}): {why}; the defaults stay (docs/VALIDATION.md lists the misfits)."]
            return "\n".join(lines) + "\n"
        groups: dict[str, list[str]] = {}
        for key, value in self.best.items():
            _, group, name = key.split(".")
            groups.setdefault(group, []).append(f"    {name}: {value:.6g}")
        lines.append("params:")
        for group, items in groups.items():
            lines += [f"  {group}:", *items]
        return "\n".join(lines) + "\n"


def calibrate(region: str, trials: int = 40, seeds: int = 2, observed: pd.DataFrame | None = None,
              free: dict[str, tuple[float, float]] | None = None, sampler_seed: int = 0,
              overrides: Sequence[str] = ()) -> Fit:
    """Fit the free parameters to the region's calibration patterns (observed: data/observed.csv by default)."""
    import optuna

    from cityregions.analysis import validation

    rows = calibration_rows(validation.load_observed() if observed is None else observed, region)
    free = identified(rows) if free is None else free
    if not free:
        raise ConfigError(f"region={region!r}: its calibration patterns identify none of the free parameters "
                          f"({', '.join(FREE)})")
    # fitted to the patterns that identify the free parameters; the region's other calibration patterns (the PT
    # share, matched at the start by the PT constant) are reported, not fitted: the free parameters would only
    # bend to them at the cost of what they do identify
    target = rows[rows["pattern"].isin([p for k in free for p in IDENTIFIED_BY.get(k, ())])]
    target = rows if target.empty else target

    def table(values: dict[str, float], which: pd.DataFrame) -> pd.DataFrame:
        return validation.run([region], seeds, [*overrides, *(f"{k}={v!r}" for k, v in values.items())],
                              observed=which)

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=sampler_seed, multivariate=True))
    records = []

    def objective(trial: optuna.Trial) -> float:
        values = {k: trial.suggest_float(k, lo, hi) for k, (lo, hi) in free.items()}
        value = loss(table(values, target))
        records.append({"trial": trial.number, **values, "loss": value})
        return value

    study.optimize(objective, n_trials=trials)
    best = dict(study.best_params)
    fitted = rows.index.isin(target.index)
    return Fit(region, best, pd.DataFrame(records), before=table({}, rows).assign(fitted=fitted),
               after=table(best, rows).assign(fitted=fitted))
