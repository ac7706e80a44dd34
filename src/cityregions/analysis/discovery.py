"""Scenario discovery on a collected sweep: under which conditions does an outcome of interest happen?

`cityregions discover <sweep-dir> outcome="institutionalised==0" [at=2016Q4]` marks every job x region whose
indicator meets the condition at the quarter (default: the horizon), takes the swept keys (and the region, when
several) as the conditions, and runs PRIM, the Patient Rule Induction Method (Friedman & Fisher 1999), in the EMA
Workbench's implementation (Kwakkel 2017), as scenario discovery does (Bryant & Lempert 2010). It reports the
peeling trajectory (coverage: share of all cases of interest inside the box; density: share of the box's cases
that are of interest; mass: share of all cases inside), and the chosen box: the one with the highest coverage
among those at least `density` dense (default 0.8), with its restricted dimensions and their quasi-p values.
The outcome is parsed as `<indicator> <op> <number>`, never evaluated.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cityregions.config import ConfigError

OPS = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal, "==": np.equal,
       "!=": np.not_equal}
NUMBER = r"[-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?"
OUTCOME_RE = re.compile(rf"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|==|!=|<|>)\s*({NUMBER})\s*$")
BOOKKEEPING = ("job", "state", "planned", "experiment", "dir", "overrides", "error", "replicate", "seed")


@dataclass(frozen=True)
class Outcome:
    """A condition on one indicator of the quarterly table, e.g. institutionalised == 0."""

    indicator: str
    op: str
    value: float

    @classmethod
    def parse(cls, text: str, indicators: list[str]) -> Outcome:
        """Parse `<indicator> <op> <number>`; errors name the key, the value and what is allowed."""
        m = OUTCOME_RE.match(text)
        if not m:
            raise ConfigError(f"outcome={text!r} is not a condition; allowed: <indicator> <op> <number>, op one of "
                              f"{' '.join(OPS)}, e.g. outcome='institutionalised==0'")
        if m.group(1) not in indicators:
            raise ConfigError(f"outcome={text!r}: {m.group(1)!r} is not an indicator of the quarterly table; allowed: "
                              f"{', '.join(indicators)}")
        return cls(m.group(1), m.group(2), float(m.group(3)))

    def __str__(self) -> str:
        return f"{self.indicator} {self.op} {self.value:g}"

    def holds(self, values: np.ndarray) -> np.ndarray:
        """Where the condition holds."""
        return OPS[self.op](values, self.value)


@dataclass
class Discovery:
    """PRIM's peeling trajectory and the chosen box."""

    trajectory: pd.DataFrame  # one row per box: coverage, density, mass, res_dim
    chosen: int
    box: pd.DataFrame  # one row per restricted condition: its limits (or kept categories) and quasi-p value
    n_cases: int
    n_of_interest: int

    @property
    def stats(self) -> pd.Series:
        """Coverage, density, mass and restricted dimensions of the chosen box."""
        return self.trajectory.loc[self.chosen, ["coverage", "density", "mass", "res_dim"]]


def cases(quarterly: pd.DataFrame, jobs: pd.DataFrame, outcome: Outcome, at: str | None) -> tuple[pd.DataFrame,
                                                                                                   np.ndarray]:
    """The conditions (swept keys that vary, and the region if several) and whether the outcome holds, per job x
    region, at the quarter `at` (default: each run's last)."""
    if at is not None:
        rows = quarterly[quarterly["quarter"] == at]
        if rows.empty:
            raise ConfigError(f"at={at!r} is not a quarter of the sweep's runs; allowed: "
                              f"{quarterly['quarter'].iloc[0]} to {quarterly['quarter'].iloc[-1]}")
    else:
        rows = quarterly.groupby(["job", "region"], sort=False).tail(1)
    params = [c for c in jobs.columns if c not in (*BOOKKEEPING, "region")]
    x = rows[["job", "region"]].merge(jobs[["job", *params]], on="job", how="left")
    keep = [c for c in ["region", *params] if x[c].nunique(dropna=False) > 1]
    if not keep:
        raise ConfigError("the sweep varies nothing (one setting of every key): there are no conditions to discover")
    x = x[keep].copy()
    for c in keep:
        numeric = pd.to_numeric(x[c], errors="coerce")
        if numeric.notna().all():
            x[c] = numeric.astype(float)
        else:  # a choice (a region, a scenario, a cap that is sometimes null): its values as categories
            x[c] = pd.Categorical(x[c].astype(str))
    return x.reset_index(drop=True), outcome.holds(rows[outcome.indicator].to_numpy(dtype=float))


def discover(x: pd.DataFrame, y: np.ndarray, density: float = 0.8, peel_alpha: float = 0.05) -> Discovery:
    """Run PRIM on conditions x and cases of interest y; choose the box of highest coverage at the density."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the workbench warns about optional parallel back-ends at import
        from ema_workbench.analysis import prim
        from ema_workbench.util import ema_logging

    ema_logging.get_rootlogger().setLevel("ERROR")
    y = np.asarray(y, dtype=bool)
    if not y.any():
        raise ConfigError(f"the outcome never happens in the {len(y)} cases: nothing to discover")
    if y.all():
        raise ConfigError(f"the outcome happens in all {len(y)} cases: nothing to discover")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecations inside the workbench (pandas 3)
        box = prim.Prim(x, y, peel_alpha=peel_alpha, mass_min=min(0.05, y.mean())).find_box()
    trajectory = box.peeling_trajectory[["coverage", "density", "mass", "res_dim"]].reset_index(drop=True)
    dense = trajectory[trajectory["density"] >= density]
    chosen = int(dense["coverage"].idxmax()) if len(dense) else len(trajectory) - 1
    initial, lims = box.box_lims[0], box.box_lims[chosen]
    rows = []
    for name in lims.columns:
        lo, hi = lims[name].iloc[0], lims[name].iloc[1]
        if isinstance(lo, set):
            if lo == initial[name].iloc[0]:
                continue
            limit = {"kept": ", ".join(sorted(map(str, lo)))}
        else:
            if lo == initial[name].iloc[0] and hi == initial[name].iloc[1]:
                continue
            limit = {"min": float(lo), "max": float(hi), "range_min": float(initial[name].iloc[0]),
                     "range_max": float(initial[name].iloc[1])}
        qp = [v for v in box.p_values[chosen].get(name, []) if v is not None and v >= 0]
        rows.append({"condition": name, **limit, "qp_value": min(qp) if qp else np.nan})
    return Discovery(trajectory, chosen, pd.DataFrame(rows), len(y), int(y.sum()))
