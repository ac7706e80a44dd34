"""Winners and losers: what a scenario does to each municipality against the baseline, paired by replicate.

A region-wide verdict can hide that some councils pay for it. For every municipality and every arm other than the
baseline this table gives the paired difference (arm minus baseline, replicate by replicate, with common random
numbers the difference is due to policy alone) of its budget margin per resident at the horizon and of the
present value of its budget margins over the run per resident (discounted at `params.fiscal.discount_rate`), of the
greenfield it took and of its public-transport job access, and over the run of the whole council's revenue left,
transaction costs paid and contributions (present values and undiscounted sums), each with its 95 % Student-t
interval, and how often it is a member of each agreement at the horizon. Sorted from the largest loser to the
largest winner.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from cityregions.analysis.compare import LEVEL, Dataset

QUANTITIES = {  # column in the table -> how it is read from the municipalities table
    "budget_eur_pc": "fiscal_capacity_eur_pc",  # EUR/resident/yr at the horizon
    "budget_pv_eur_pc": None,  # present value over the run per resident at the start (EUR/resident)
    "budget_eur": "fiscal_capacity_eur",  # EUR/yr at the horizon, the whole council
    "greenfield_ha": "greenfield_taken_ha",
    "pt_access": "pt_access",
    # over the run, whole councils (EUR): revenue left, transaction costs paid and contributions, as present values
    # at the run's discount rate and summed undiscounted
    "budget_pv_eur": "fiscal_capacity_pv_eur",
    "tc_pv_eur": "transaction_costs_pv_eur",
    "contributions_pv_eur": "contributions_pv_eur",
    "budget_cum_eur": "fiscal_capacity_cum_eur",
    "tc_cum_eur": "transaction_costs_cum_eur",
    "contributions_cum_eur": "contributions_cum_eur",
}
KEYS = ["arm", "region", "municipality"]


def _values(m: pd.DataFrame) -> pd.DataFrame:
    """The quantities of each municipality in each run."""
    out = m[["arm", "region", "replicate", "municipality", "is_core", "population"]].copy()
    for q, col in QUANTITIES.items():
        out[q] = (m["fiscal_capacity_pv_eur"] / m["population_start"] if col is None else m[col]).astype(float)
    out["member_land"] = m["member_land"].astype(float)
    out["member_transport"] = m["member_transport"].astype(float)
    return out


def _t_half(sd: pd.Series, n: pd.Series, level: float = LEVEL) -> pd.Series:
    """Half-width of the Student-t interval of a mean (NaN with fewer than two values)."""
    half = stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
    return half.where(n >= 2)


def winners_table(ds: Dataset, baseline: str) -> pd.DataFrame:
    """One row per arm (other than the baseline) x region x municipality: the paired differences of the
    quantities with their intervals (`<q>_diff`, `<q>_lo`, `<q>_hi`), the arm's means, the share of replicates in
    which it is a member of each agreement, and `n` pairs; sorted by region, arm and the budget's present value
    difference (largest loser first)."""
    v = _values(ds.municipalities)
    if baseline not in set(v["arm"]):
        raise ValueError(f"baseline={baseline!r} is not among the arms: {sorted(set(v['arm']))}")
    base = v[v["arm"] == baseline].drop(columns=["arm", "member_land", "member_transport", "is_core", "population"])
    arm = v[v["arm"] != baseline]
    paired = arm.merge(base, on=["region", "replicate", "municipality"], suffixes=("", "_base"))
    for q in QUANTITIES:
        paired[f"{q}_d"] = paired[q] - paired[f"{q}_base"]
    g = paired.groupby(KEYS, sort=False)
    out = g.agg(is_core=("is_core", "first"), population=("population", "mean"), n=("replicate", "size"),
                member_land=("member_land", "mean"), member_transport=("member_transport", "mean"))
    for q in QUANTITIES:
        mean, sd = g[f"{q}_d"].mean(), g[f"{q}_d"].std(ddof=1)
        half = _t_half(sd, out["n"])
        out[q] = g[q].mean()
        out[f"{q}_diff"], out[f"{q}_lo"], out[f"{q}_hi"] = mean, mean - half, mean + half
    out = out.reset_index()
    return out.sort_values(["region", "arm", "budget_pv_eur_pc_diff"], kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class PeriodCosts:
    """What an arm's councils pay and gain over the run in one region (present values, EUR, replicate means)."""

    transaction_costs: float  # paid by all councils
    contributions: float  # paid to agreements by all councils
    revenue_left_diff: float  # revenue left after debt service and cooperation costs, minus the baseline's


def period_costs(table: pd.DataFrame, arm: str, region: str) -> PeriodCosts:
    """The region's councils' costs and gain over the run under an arm (sums over the winners table's rows)."""
    t = table[(table["arm"] == arm) & (table["region"] == region)]
    return PeriodCosts(float(t["tc_pv_eur"].sum()), float(t["contributions_pv_eur"].sum()),
                       float(t["budget_pv_eur_diff"].sum()))


def extremes(table: pd.DataFrame, top: int) -> pd.DataFrame:
    """The `top` largest losers and `top` largest winners of one arm's rows (all of them if there are no more),
    largest loser first."""
    t = table.sort_values("budget_pv_eur_pc_diff")
    return pd.concat([t.head(top), t.tail(top)]).drop_duplicates("municipality") if len(t) > 2 * top else t


@dataclass(frozen=True)
class Compensation:
    """Whether the winners could make good the losers' losses at the horizon (EUR/yr, whole councils)."""

    losers: list[str]  # whose budget the arm lowers (the interval below zero), largest loss first
    loss_eur: float  # their losses summed
    gain_eur: float  # the winners' gains summed (the interval above zero)

    @property
    def feasible(self) -> bool:
        """A side payment of loss_eur from the winners leaves every council at least as well off as the baseline."""
        return bool(self.losers) and self.gain_eur >= self.loss_eur


def compensation(table: pd.DataFrame, arm: str, region: str) -> Compensation:
    """The clear losers and winners of an arm in a region (budget at the horizon, interval excluding zero) and
    what making the losers whole would cost the winners."""
    t = table[(table["arm"] == arm) & (table["region"] == region)]
    lose = t[t["budget_eur_hi"] < 0].sort_values("budget_eur_diff")
    win = t[t["budget_eur_lo"] > 0]
    return Compensation(list(lose["municipality"]), float(-lose["budget_eur_diff"].sum()),
                        float(win["budget_eur_diff"].sum()))
