"""The scorecard: a run's outcome at the horizon in the New Leipzig Charter's three dimensions plus cooperation.

Each metric is a function of one run's quarterly table for one region, with its unit and the direction in which
it is better, so that a comparison can say "better" or "worse" rather than only "higher" or "lower". Land-take
targets: Germany's and Austria's national ha/day targets scaled to the region's residents, and for every region
the EU's "no net land take by 2050" read as a straight path from the 2012-2015 rate to zero (an assumption: the
Roadmap sets the end point, not the path), from one reference shared by every scenario of a comparison: the
baseline's 2012-2015 rate, replicate by replicate (a scenario's own early rate would credit it for what its pilots
already saved). The region's jobs are not a line: their total grows with the population, an input, so it is the
same in every scenario.

A difference gets a verdict ("better", "worse") only when there are at least MIN_PAIRS paired replicates and its
95 % interval lies entirely beyond a practical threshold, PRACTICAL_SHARE of the baseline's value; otherwise it is
"unclear": a difference of 3e-9 ha is no difference a council can use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cityregions.world.facts import RegionFacts, load_sourced_parameters

DAYS_PER_QUARTER = 365.25 / 4
HIGHER, LOWER, NEAR_ONE = 1, -1, 0  # the direction in which a metric is better
MIN_PAIRS = 3  # paired replicates a verdict needs (the report recommends RECOMMENDED_PAIRS)
RECOMMENDED_PAIRS = 10
PRACTICAL_SHARE = 0.01  # a difference within 1 % of the baseline's value is no verdict (assumption)


@dataclass(frozen=True)
class Metric:
    """One scorecard line: what it measures, its unit, which way is better and how it is read from a run."""

    key: str
    dimension: str
    unit: str
    better: int
    of: Callable[[pd.DataFrame], float]
    digits: int = 1
    bounds: tuple[float, float] | None = None  # the range of a share or a count: intervals stay inside it


def _last(col: str, factor: float = 1.0) -> Callable[[pd.DataFrame], float]:
    return lambda q: float(q[col].iloc[-1]) * factor


def _greenfield(q: pd.DataFrame) -> float:
    return float(q["greenfield_take_ha"].sum())


def _per_day(q: pd.DataFrame) -> float:
    return _greenfield(q) / (len(q) * DAYS_PER_QUARTER)


def early_rate(q: pd.DataFrame) -> float:
    """Greenfield taken a year over the first twelve quarters (2012 Q3-2015 Q2), ha/yr."""
    return float(q["greenfield_take_ha"].to_numpy()[:12].sum() / 3.0)


def eu_path_ratio(q: pd.DataFrame, reference: float | None = None) -> float:
    """Greenfield take in the last four quarters as % of a reference yearly rate: the run's own first twelve
    quarters, unless another (the baseline's) is given."""
    first = early_rate(q) if reference is None else reference
    return float(100.0 * q["greenfield_take_ha"].to_numpy()[-4:].sum() / first) if first > 0 else float("nan")


def eu_path_allowed(q: pd.DataFrame, net_zero_year: float) -> float:
    """The share of the 2012-2015 rate that a straight path to zero in net_zero_year allows in the last year (%)."""
    first_mid = float(q["year"].iloc[:12].mean())
    last_mid = float(q["year"].iloc[-4:].mean())
    return float(100.0 * max(net_zero_year - last_mid, 0.0) / (net_zero_year - first_mid))


def _brownfield_share(q: pd.DataFrame) -> float:
    brown, green = float(q["brownfield_reuse_ha"].sum()), _greenfield(q)
    return 100.0 * brown / (brown + green) if brown + green > 0 else float("nan")


METRICS: tuple[Metric, ...] = (
    Metric("greenfield_ha", "green", "ha", LOWER, _greenfield, 0),
    Metric("greenfield_ha_per_day", "green", "ha/day", LOWER, _per_day, 3),
    Metric("eu_path", "green", "%", LOWER, eu_path_ratio, 0),
    Metric("brownfield_share", "green", "%", HIGHER, _brownfield_share, 1, (0.0, 100.0)),
    Metric("commuting_co2_kt", "green", "kt CO2/yr", LOWER, _last("commuting_co2_t", 1e-3), 1),
    Metric("pt_share", "green", "%", HIGHER, _last("pt_share", 100.0), 1, (0.0, 100.0)),
    Metric("fiscal_capacity_eur_pc", "productive", "EUR/resident/yr", HIGHER, _last("fiscal_capacity_eur_pc"), 0),
    Metric("vacant_commercial_ha", "productive", "ha", LOWER, _last("vacant_commercial_ha"), 0),
    Metric("fiscal_inequality", "just", "Gini 0-1", LOWER, _last("fiscal_inequality"), 3, (0.0, 1.0)),
    Metric("fiscal_gap_core_suburb", "just", "ratio", NEAR_ONE, _last("fiscal_gap_core_suburb"), 2),
    Metric("pt_access_gap_core_suburb", "just", "ratio", NEAR_ONE, _last("pt_access_gap_core_suburb"), 2),
    Metric("pt_access_small", "just", "0-1", HIGHER, _last("pt_access_small"), 3, (0.0, 1.0)),
    Metric("members", "cooperation", "municipalities", HIGHER, _last("members"), 0, (0.0, np.inf)),
    Metric("institutionalised", "cooperation", "agreements", HIGHER, _last("institutionalised"), 1, (0.0, np.inf)),
    Metric("mean_trust", "cooperation", "0-1", HIGHER, _last("mean_trust"), 3, (0.0, 1.0)),
)
BY_KEY = {m.key: m for m in METRICS}
DIMENSIONS = ("green", "productive", "just", "cooperation")


def metric_values(quarterly: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row per run and region of a quarterly table (grouped by `keys`, in order): every metric's value."""
    rows = []
    for key, q in quarterly.groupby(keys, sort=False, dropna=False):
        q = q.sort_values("step")
        rows.append(dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
                    | {m.key: m.of(q) for m in METRICS})
    return pd.DataFrame(rows)


def judge(diff: float, lo: float, hi: float, better: int, base: float, n: int | None = None) -> str:
    """'better', 'worse' or 'unclear': the sign of the change when there are at least MIN_PAIRS pairs (n) and its
    95 % interval lies entirely beyond PRACTICAL_SHARE of the baseline's value on either side."""
    band = PRACTICAL_SHARE * abs(base) if np.isfinite(base) else 0.0
    if (n is not None and n < MIN_PAIRS) or not (np.isfinite(lo) and np.isfinite(hi)) or (lo <= band and hi >= -band):
        return "unclear"
    if better == NEAR_ONE:  # a ratio: better when it moves towards 1
        return "better" if abs(base + diff - 1.0) < abs(base - 1.0) else "worse"
    return "better" if diff * better > 0 else "worse"


def national_target_ha_per_day(facts: RegionFacts, residents: float | None = None
                                ) -> tuple[float, str, float] | None:
    """The country's land-take target scaled to the region's residents (ha/day), what it is, and the national
    figure (ha/day), if the country has a numeric one (Germany, Austria); the sources are in
    parameters_sourced.csv. residents: the modelled region's (a run's first quarter), else the region's sourced
    functional-area population."""
    code = {"Germany": "de", "Austria": "at"}.get(facts.country)
    if code is None:
        return None
    p = load_sourced_parameters()
    target = float(p[f"target_{code}_ha_per_day"].value)
    people = float(p[f"population_{code}"].value)
    residents = facts.fua_population if residents is None else residents
    return target * residents / people, f"{facts.country} {target:g} ha/day", target


def residents_at_start(quarterly: pd.DataFrame) -> float:
    """The modelled region's residents in its first quarter (mean over the runs of the table)."""
    return float(quarterly.loc[quarterly["step"] == quarterly["step"].min(), "population"].mean())


def eu_net_zero_year() -> float:
    """The EU's year of no net land take (Roadmap to a Resource Efficient Europe, 2011)."""
    return float(load_sourced_parameters()["target_eu_net_land_take_year"].value)
