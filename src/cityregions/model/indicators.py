"""Indicators in the New Leipzig Charter's language: green, productive, just, and cooperation itself.

Each indicator is a named function of the model (Mesa's DataCollector calls them every quarter); units are
in the docstrings. municipality_table gives the end state per municipality.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cityregions.rules.cooperation import BINDING, BREAKDOWN, Theme
from cityregions.rules.fiscal import gini
from cityregions.rules.land import CLASSES

if TYPE_CHECKING:
    from cityregions.model.model import CityRegionModel

_sum = np.add.reduce  # ndarray.sum without its Python-level wrapper: the same sum, to the bit


# green
def greenfield_take_ha(m: CityRegionModel) -> float:
    """Greenfield land taken this quarter (ha)."""
    return m.land_use.greenfield_q


def greenfield_take_cum_ha(m: CityRegionModel) -> float:
    """Greenfield land taken since the start (ha)."""
    return m.land_use.greenfield_cum


def brownfield_reuse_ha(m: CityRegionModel) -> float:
    """Brownfield land brought back into use this quarter (ha)."""
    return m.land_use.brownfield_q


def developed_ha(m: CityRegionModel) -> float:
    """Developed land: residential, commercial and brownfield (ha)."""
    return float(_sum(m.land.developed()))


def commuting_co2_t(m: CityRegionModel) -> float:
    """CO2 from commuting at this quarter's flows and modes (tonnes per year)."""
    return m.commuting.outcome.co2_t_year


def pt_share(m: CityRegionModel) -> float:
    """Public-transport share of commuting trips (0-1)."""
    return m.commuting.outcome.pt_share


# productive
def population(m: CityRegionModel) -> float:
    """Residents of the region."""
    return float(_sum(m.people.population))


def jobs(m: CityRegionModel) -> float:
    """Jobs in the region."""
    return float(_sum(m.people.jobs))


def fiscal_capacity_eur_pc(m: CityRegionModel) -> float:
    """Regional budget margin per resident (EUR/yr)."""
    return float(_sum(m.money.fiscal_capacity) / _sum(m.people.population))


def vacant_commercial_ha(m: CityRegionModel) -> float:
    """Zoned commercial land without firms (ha)."""
    return float(_sum(m.land.commercial_vacant))


# just
def _per_capita(m: CityRegionModel) -> np.ndarray:
    return m.money.fiscal_capacity / m.people.population


def fiscal_inequality(m: CityRegionModel) -> float:
    """Population-weighted Gini of budget margin per resident across municipalities (0-1)."""
    return gini(np.maximum(_per_capita(m), 0.0), m.people.population)


def fiscal_gap_core_suburb(m: CityRegionModel) -> float:
    """Core city's budget margin per resident relative to the suburbs' (ratio; 1 = equal)."""
    margin, population, core, sub = m.money.fiscal_capacity, m.people.population, m.geo.core, ~m.geo.is_core
    suburbs = float(_sum(margin[sub]) / _sum(population[sub]))
    return float(margin[core] / population[core] / suburbs) if suburbs > 0 else float("nan")


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    """Mean of values weighted by weights (zero weight: left out)."""
    return float(values @ weights / _sum(weights))


def pt_access_gap_core_suburb(m: CityRegionModel) -> float:
    """Core's public-transport job access relative to the population-weighted suburban mean (ratio)."""
    core = m.geo.core
    suburban = m.people.population.copy()
    suburban[core] = 0.0
    access = m.commuting.pt_access
    return float(access[core] / _weighted_mean(access, suburban))


def _median(x: np.ndarray) -> float:
    """np.median of a vector, by partition alone (without np.median's general-purpose overhead)."""
    lo, hi = (len(x) - 1) // 2, len(x) // 2
    part = np.partition(x, (lo, hi))
    return (part[lo] + part[hi]) / 2


def smaller_half(start: np.ndarray) -> np.ndarray:
    """The municipalities at most the median size at the start (a fixed group: People.small)."""
    return start <= _median(start)


def pt_access_small(m: CityRegionModel) -> float:
    """Jobs reachable by public transport relative to by car, for the smaller half of municipalities (0-1): those
    smaller at the start, a fixed group (smaller_half), so that residents moving between two of nearly equal size
    do not swap them in and out of it."""
    return _weighted_mean(m.commuting.pt_access, np.where(m.people.small, m.people.population, 0.0))


# cooperation
def agreements(m: CityRegionModel) -> int:
    """Active agreements (pilots, informal and institutionalised)."""
    return sum(a.active for agreements in m.coop.agreements.values() for a in agreements)


def institutionalised(m: CityRegionModel) -> int:
    """Active institutionalised agreements."""
    return sum(a.active and a.status in BINDING for agreements in m.coop.agreements.values() for a in agreements)


def members(m: CityRegionModel) -> int:
    """Municipalities in at least one active agreement."""
    return int(np.count_nonzero(m.members(Theme.LAND) | m.members(Theme.TRANSPORT)))


def members_land(m: CityRegionModel) -> int:
    """Municipalities in an active land agreement."""
    return int(np.count_nonzero(m.members(Theme.LAND)))


def members_transport(m: CityRegionModel) -> int:
    """Municipalities in an active transport agreement."""
    return int(np.count_nonzero(m.members(Theme.TRANSPORT)))


def member_population_share(m: CityRegionModel) -> float:
    """Share of the region's residents living in a municipality with at least one agreement (0-1)."""
    mem = m.members(Theme.LAND) | m.members(Theme.TRANSPORT)
    return float(_sum(m.people.population[mem]) / _sum(m.people.population))


def mean_trust(m: CityRegionModel) -> float:
    """Mean trust between neighbouring municipalities (0-1)."""
    pos, trust = m.councils.neighbour_pairs, m.coop.trust
    if m.councils.neighbours_in_reach:
        return float(_sum(trust[pos]) / len(pos))  # the mean, as np.mean sums, without its overhead
    return float(np.where(pos >= 0, trust[pos], m.cfg.params.cooperation.trust_initial).mean())


def mean_knowledge(m: CityRegionModel) -> float:
    """Mean knowledge of cooperation practice over municipalities and themes (0-1)."""
    knowledge = m.coop.knowledge
    return float(sum(_sum(k) for k in knowledge.values()) / (len(knowledge) * m.geo.n))


REPORTERS = {f.__name__: f for f in (
    greenfield_take_ha, greenfield_take_cum_ha, brownfield_reuse_ha, developed_ha, commuting_co2_t, pt_share,
    population, jobs, fiscal_capacity_eur_pc, vacant_commercial_ha,
    fiscal_inequality, fiscal_gap_core_suburb, pt_access_gap_core_suburb, pt_access_small,
    agreements, institutionalised, members, members_land, members_transport, member_population_share,
    mean_trust, mean_knowledge)}

DIMENSIONS = {
    "green": ["greenfield_take_ha", "greenfield_take_cum_ha", "brownfield_reuse_ha", "developed_ha",
              "commuting_co2_t", "pt_share"],
    "productive": ["population", "jobs", "fiscal_capacity_eur_pc", "vacant_commercial_ha"],
    "just": ["fiscal_inequality", "fiscal_gap_core_suburb", "pt_access_gap_core_suburb", "pt_access_small"],
    "cooperation": ["agreements", "institutionalised", "members", "members_land", "members_transport",
                    "member_population_share", "mean_trust", "mean_knowledge"],
}


def quarterly_table(m: CityRegionModel) -> pd.DataFrame:
    """One row per quarter: the indicators with region, scenario, seed, quarter and phase."""
    df = m.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    steps = range(len(df))
    meta = pd.DataFrame({
        "region": m.region, "scenario": m.cfg.scenario.name, "seed": m.cfg.seed, "replicate": m.cfg.replicate,
        "region_seed": m.seed,
        "step": list(steps),
        "quarter": [m.timeline.label(s) for s in steps], "year": [m.timeline.decimal_year(s) for s in steps],
        "phase": [int(m.timeline.phase(s)) for s in steps]})
    return pd.concat([meta, df], axis=1)


LEDGER_NAMES = {"tc_paid": "transaction_costs"}  # a budget item summed over the run -> its column's name, if other


def municipality_table(m: CityRegionModel) -> pd.DataFrame:
    """End state per municipality: people, jobs, land by class, money (at the horizon, summed over the run and
    its present value at params.fiscal.discount_rate), capacity and memberships."""
    land_cols = {f"{c}_ha": getattr(m.land, c) for c in CLASSES}
    names = m.municipalities.get("name")  # AgentSet keeps creation order, i.e. the array index
    people, money, knowledge = m.people, m.money, m.coop.knowledge
    zero = np.zeros(m.geo.n)
    return pd.DataFrame({
        "region": m.region, "scenario": m.cfg.scenario.name, "seed": m.cfg.seed,
        "municipality": names, "code": m.geo.codes, "is_core": m.geo.is_core, "x_km": m.geo.x_km, "y_km": m.geo.y_km,
        "population_start": m.geo.population, "population": people.population, "jobs": people.jobs,
        **land_cols, "greenfield_taken_ha": m.land_use.greenfield_by_muni, "fiscal_capacity_eur": money.fiscal_capacity,
        "revenue_eur": money.revenue, "debt_service_eur": money.debt_service, "transaction_costs_eur": money.tc_paid,
        "contributions_eur": money.contributions,
        "fiscal_capacity_eur_pc": money.fiscal_capacity / people.population,
        **{f"{LEDGER_NAMES.get(item, item)}_{kind}_eur": sums.get(item, zero) for item in money.LEDGER
           for kind, sums in (("cum", money.totals), ("pv", money.present))},
        "planning_capacity": m.councils.capacity, "pt_access": m.commuting.pt_access,
        "knowledge_land": knowledge[Theme.LAND], "knowledge_transport": knowledge[Theme.TRANSPORT],
        "member_land": m.members(Theme.LAND), "member_transport": m.members(Theme.TRANSPORT)})


def decision_table(m: CityRegionModel) -> pd.DataFrame:
    """Every decision with its payoff breakdown (EUR/yr): why each municipality joined, voted or left."""
    cols = ["step", "quarter", "municipality", "theme", "action", *BREAKDOWN, "perceived_net", "key", "rule"]
    text = ("quarter", "municipality", "theme", "action", "rule")
    df = pd.DataFrame(m.coop.decisions, columns=cols).astype(  # the same types when no decision was taken
        {c: "int64" if c == "step" else "str" if c in text else "float64" for c in cols})
    df.insert(0, "region", m.region)
    df.insert(1, "scenario", m.cfg.scenario.name)
    df.insert(2, "seed", m.cfg.seed)
    return df


def membership_table(m: CityRegionModel) -> pd.DataFrame:
    """Every change of membership in an active agreement, by quarter: membership at any date is the last change
    before it (none: not a member)."""
    rows = [(t, m.timeline.label(t), m.geo.names[i], theme, bool(b))
            for t, theme, who, member in m.coop.membership_log for i, b in zip(who, member, strict=True)]
    df = pd.DataFrame(rows, columns=["step", "quarter", "municipality", "theme", "member"]).astype(
        {"step": "int64", "quarter": "str", "municipality": "str", "theme": "str", "member": "bool"})
    df.insert(0, "region", m.region)
    df.insert(1, "scenario", m.cfg.scenario.name)
    df.insert(2, "seed", m.cfg.seed)
    return df
