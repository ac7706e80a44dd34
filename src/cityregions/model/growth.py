"""A quarter's regional growth, stage by stage: residents and the residential land they need, jobs and where
firms locate, the commercial land firms take, the reserves councils zone ahead, and the capital cost of it all.

CityRegionModel._grow calls the stages in this order; each changes the model's people, land stock and land use
and returns what the later stages need. Land comes from greenfield or brownfield (rules.land.supply); the land
compact pools its members' firms and reserves and may cap their greenfield take.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from cityregions.rules import fiscal, land, location
from cityregions.rules.cooperation import Theme

if TYPE_CHECKING:
    from cityregions.model.model import CityRegionModel

Taken = tuple[np.ndarray, np.ndarray]  # hectares taken from greenfield and from brownfield (rules.land.take)


@dataclass
class Setting:
    """What the stages of one quarter's growth share, fixed before anything grows."""

    t: int  # quarters simulated at the end of this one
    compact: np.ndarray  # members of the land compact
    joint: bool  # the compact has members (most quarters it has none, and every stage takes the shorter way)
    access: np.ndarray  # each municipality's job accessibility by car, centred
    brown_share: np.ndarray  # share of development each municipality puts on brownfield
    allowance: np.ndarray | None = None  # greenfield the compact's members may still take (ha); None: no cap


def setting(m: CityRegionModel) -> Setting:
    """The quarter's land compact, accessibility and brownfield shares, before anything grows (accessibility:
    the jobs reachable by car as commuting last found them; only growth moves jobs, after this)."""
    compact = m.members(Theme.LAND)
    joint = np.count_nonzero(compact) > 0
    acc = np.log(m.commuting.car_access + 1.0)
    return Setting(t=m.step_index + 1, compact=compact, joint=joint, access=acc - acc.sum() / len(acc),
                   brown_share=brown_share(m, compact) if joint else m.const.brown_shares_alone)


def brown_share(m: CityRegionModel, compact: np.ndarray) -> np.ndarray:
    """Share of development on brownfield: the developer's choice alone or in the compact, chosen by membership
    (compact members all brownfield under brownfield-first)."""
    c = m.const
    return np.where(compact, 1.0 if m.cfg.scenario.brownfield_first else c.brown_share_member, c.brown_share_solo)


def resident_targets(start: np.ndarray, inputs: np.ndarray, quarters: np.ndarray) -> np.ndarray:
    """The region's residents the growth inputs impose at the end of each of the quarters (counted from the start):
    each municipality's start population grown at its part's input (1/yr) for quarters / 4 years, summed."""
    years = quarters[:, None] / 4
    return (start * (1.0 + inputs) ** years).sum(axis=1)


def residents(m: CityRegionModel, s: Setting) -> np.ndarray:
    """The regional total follows the growth inputs (core and ring, each from its sourced series) exactly; movers
    and the net change settle by the location choice (rules.location: access, land left and its price), so
    where the region grows or shrinks is the choice's. Returns the residential land the new households need
    (ha)."""
    lp, p, c, stock = m.cfg.params.land, m.people, m.const, m.land
    if s.t <= len(c.resident_targets):
        target = float(c.resident_targets[s.t - 1])
    else:  # a step past the horizon
        target = float(resident_targets(p.start, c.growth_inputs, np.array([s.t]))[0])
    d_pop = target - p.population.sum()
    pull = location.attractiveness(s.access, stock.greenfield + stock.brownfield, stock.developed(), lp.access_weight,
                                   lp.land_price_elasticity)
    households_before = p.population / p.household_size
    p.population = location.relocate(p.population, pull, d_pop, 1.0 - (1.0 - lp.residential_mobility) ** 0.25)
    p.household_size = c.household_size0 * (1.0 + lp.household_size_trend) ** (s.t / 4)
    new_households = np.maximum(p.population / p.household_size - households_before, 0.0)
    return new_households * p.household_size / c.persons_per_ha


def residential_land(m: CityRegionModel, s: Setting, need_ha: np.ndarray) -> Taken:
    """Residential land from brownfield and greenfield; the compact's greenfield cap (per resident) starts here."""
    if s.joint and m.cfg.scenario.greenfield_cap is not None:
        cap_ha = land.greenfield_allowance(m.cfg.scenario.greenfield_cap, m.people.population) / 4
        s.allowance = np.where(s.compact, cap_ha, np.inf)
    res = land.take(need_ha, m.land, s.brown_share, s.allowance, "residential")
    if s.allowance is not None:
        s.allowance = s.allowance - res[0]
    return res


def jobs(m: CityRegionModel, s: Setting) -> float:
    """Jobs displaced by obsolete commercial land, and the regional total following its growth input: jobs that
    need no new land grow where jobs are. Returns the jobs that need land this quarter."""
    lp, p = m.cfg.params.land, m.people
    derelict = land.obsolescence(m.land, 1.0 - (1.0 - lp.obsolescence_rate) ** 0.25)
    displaced = np.minimum(derelict * m.const.jobs_per_ha, p.jobs)
    p.jobs = p.jobs - displaced
    job_target = p.jobs0 * (1.0 + m.const.job_growth_rate) ** (s.t / 4)
    kept, lost = p.jobs.sum(), displaced.sum()
    land_jobs = lost + lp.land_using_job_share * max(job_target - kept - lost, 0.0)
    other_jobs = job_target - kept - land_jobs
    p.jobs = p.jobs + land.allocate(other_jobs, p.jobs)
    return land_jobs


def firms_location(m: CityRegionModel, s: Setting, land_jobs: float) -> tuple[np.ndarray, np.ndarray]:
    """Where firms that need land would go (by jobs, access, the land they may have, and tax), the hectares they
    need there, and the region's smoothed demand: a member of a compact with a greenfield cap offers only the
    greenfield its allowance leaves, so firms turn to non-members. Returns (each municipality's share, hectares
    needed)."""
    lp = m.cfg.params.land
    pool, coverage, key = m.tax_pool()
    discount = fiscal.tax_discount(pool, coverage, lp.tax_discount_competing, key)
    stock = m.land
    greenfield = stock.greenfield if s.allowance is None else np.minimum(stock.greenfield, s.allowance)
    comm_avail = stock.commercial_vacant + greenfield + stock.brownfield
    w = land.location_weights(m.people.jobs + 1.0, s.access, comm_avail, lp.access_weight,
                              lp.firm_tax_sensitivity * discount)
    share = land.shares(w)
    need_ha = land_jobs * share / m.const.jobs_per_ha
    q_demand = float(need_ha.sum())
    u = m.land_use
    u.demand_ema = q_demand if u.demand_ema is None else 0.8 * u.demand_ema + 0.2 * q_demand
    return share, need_ha


def commercial_land(m: CityRegionModel, s: Setting, land_jobs: float, share: np.ndarray,
                    need_ha: np.ndarray) -> Taken | None:
    """Firms take vacant commercial land first, then land converted for them (the compact places its members'
    firms jointly); the jobs follow the land they got. Returns the land converted, None where the vacant land
    zoned ahead held every firm (as it mostly does)."""
    if s.joint:
        pooled = float(need_ha[s.compact].sum())
        need_ha = np.where(s.compact, 0.0, need_ha)
        need_ha = need_ha + land.distribute_pool(m.land, m.people.population, pooled, s.compact)
    remaining = land.occupy(m.land, need_ha)
    converted = None
    if np.count_nonzero(remaining):
        converted = land.take(remaining, m.land, s.brown_share, s.allowance, "commercial_occupied")
        if s.allowance is not None:
            s.allowance = s.allowance - converted[0]
    placed = need_ha * m.const.jobs_per_ha
    m.people.jobs = m.people.jobs + land.allocate(land_jobs, placed if placed.sum() > 0 else share)
    return converted


def reserves(m: CityRegionModel, s: Setting, share: np.ndarray) -> Taken:
    """Alone every municipality zones ahead of its optimistic share of demand; the compact zones once, jointly."""
    lp = m.cfg.params.land
    annual = 4.0 * m.land_use.demand_ema * share
    m.land_use.expected_commercial_ha = annual
    target_res = lp.reserve_years * annual * (np.where(s.compact, 1.0, lp.optimism) if s.joint else lp.optimism)
    gap = land.reserve_gap(m.land, target_res)
    if s.joint:
        pool_gap = max(float(target_res[s.compact].sum() - m.land.commercial_vacant[s.compact].sum()), 0.0) * 0.25
        gap = np.where(s.compact, 0.0, gap) + land.distribute_reserve(m.land, m.people.population, pool_gap,
                                                                      s.compact)
    return land.take(gap, m.land, s.brown_share, s.allowance, "commercial_vacant")


def other_land(m: CityRegionModel, g_taken: np.ndarray) -> np.ndarray:
    """Greenfield taken for transport infrastructure, logistics and the other uses the land-take monitors count,
    in the country's sourced proportion to the greenfield taken for housing and commerce, in the same
    municipalities (assumption: they follow development; built by the state and operators, outside the councils'
    budgets and the compact's cap): g_taken is the greenfield they took this quarter. Returns the hectares."""
    other = land.other_uses(g_taken, m.const.other_use_share, m.land.greenfield)
    m.land.greenfield = m.land.greenfield - other
    m.land.other_built = m.land.other_built + other
    return other


def capital_costs(m: CityRegionModel, s: Setting, g_used: np.ndarray, b_used: np.ndarray, other: np.ndarray) -> None:
    """The land developed this quarter (g_used and b_used: the greenfield and brownfield housing and commerce took;
    other: the greenfield other uses took): its capital cost as debt service (brownfield net of subsidy), and the
    land taken (greenfield for every use, as the monitors count it) and brownfield reused."""
    lp, c, u = m.cfg.params.land, m.const, m.land_use
    solo = lp.brownfield_subsidy_solo
    subsidy = np.where(s.compact, c.brownfield_subsidy_compact, solo) if s.joint else solo
    capital = (g_used * lp.greenfield_cost_m_eur_per_ha + b_used * c.brownfield_cost * (1.0 - subsidy)) * 1e6
    m.money.debt_service = m.money.debt_service + capital * lp.annuity_rate
    u.greenfield_q = float(g_used.sum() + other.sum())
    u.brownfield_q = float(b_used.sum())
    u.greenfield_cum += u.greenfield_q
    u.greenfield_by_muni += g_used + other
