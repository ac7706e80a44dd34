"""The growth stage of a quarter without a land compact, restructured two ways, for bench_kernels.py to measure.

An experiment, not the model: the model's growth is model/growth.py's stages over the rules in rules/land.py and
rules/location.py. Here the same arithmetic for the path most quarters take (no land compact, hence no tax pool
and no greenfield cap), in the stages' order:
- grow_kernel: one numba kernel of loops and array expressions over a region's municipalities;
- Batch: several regions' municipalities one after the other in one set of arrays, each numpy call serving them
  all (what stepping the regions together would do): what acts on each municipality alone is rules.land's own
  functions on the batch's stock, the sums and maxima per region are reduceat's.
Neither is the same to the bit as the stage: they add in other orders than numpy's pairwise sums of each
region's array, and numba's exp and power are the C library's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cityregions.model.model import CityRegionModel
from cityregions.rules import land

LAND = ("residential", "commercial_occupied", "commercial_vacant", "other_built", "brownfield", "greenfield")
HALF_HA = 5.0  # the saturation of land available (rules.land.location_weights, rules.location.attractiveness)
RESERVE_SPEED = 0.25  # the share of the reserve gap zoned a quarter (rules.land.reserve_gap)

try:
    import numba
except ImportError:  # bench_kernels.main says so
    numba = None


def _njit(f: Any) -> Any:
    return numba.njit(cache=False)(f) if numba is not None else f


@_njit
def _take(need: np.ndarray, greenfield: np.ndarray, brownfield: np.ndarray, brown_share: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray]:
    """rules.land.take without a cap: brownfield at its share, greenfield for the rest, brownfield for what
    greenfield could not; the stock changed in place, the hectares returned."""
    n = need.shape[0]
    g, b = np.empty(n), np.empty(n)
    for i in range(n):
        nd = max(need[i], 0.0)
        bi = min(nd * brown_share[i], brownfield[i])
        gi = min(nd - bi, greenfield[i])
        bi = min(nd - gi, brownfield[i])
        g[i], b[i] = gi, bi
        greenfield[i] -= gi
        brownfield[i] -= bi
    return g, b


@_njit
def grow_kernel(t: int, target: float, car_access: np.ndarray, brown_share: np.ndarray, population: np.ndarray,
                jobs: np.ndarray, household_size: float, residential: np.ndarray, occupied: np.ndarray,
                vacant: np.ndarray, other_built: np.ndarray, brownfield: np.ndarray, greenfield: np.ndarray,
                persons_per_ha: np.ndarray, debt_service: np.ndarray, taken_by_muni: np.ndarray,
                lp: tuple, c: tuple, jobs0: float, demand_ema: float, has_ema: bool) -> tuple:
    """growth.py's stages for a quarter without compact, pool or cap, in place on the arrays; returns the
    household size, the smoothed demand, greenfield and brownfield taken, and the expected commercial demand."""
    (access_weight, elasticity, mobility_q, trend, obsolescence_q, land_using, discount_utility, reserve_years,
     optimism, greenfield_cost, subsidy_solo, annuity) = lp
    household_size0, jobs_per_ha, job_growth, other_share, brownfield_cost = c
    n = population.shape[0]
    acc = np.log(car_access + 1.0)
    util = access_weight * (acc - acc.sum() / n)
    top = util.max()
    # residents: the location choice (location.attractiveness, location.relocate)
    pull = np.empty(n)
    for i in range(n):
        avail = max(greenfield[i] + brownfield[i], 0.0)
        developed = residential[i] + occupied[i] + vacant[i] + other_built[i] + brownfield[i]
        pull[i] = math.exp(util[i] - top) * avail / (avail + HALF_HA) * (avail / max(developed, 1.0)) ** elasticity
    total = population.sum()
    net_change = target - total
    leave = max(mobility_q, -net_change / total)
    weights = population * pull
    movers = leave * population
    households_before = population / household_size
    population[:] = population - movers + (movers.sum() + net_change) * (weights / weights.sum())
    size = household_size0 * (1.0 + trend) ** (t / 4)
    need = np.maximum(population / size - households_before, 0.0) * size / persons_per_ha
    g_used, b_used = _take(need, greenfield, brownfield, brown_share)
    residential[:] = residential + g_used + b_used
    # jobs: obsolescence, the regional target, jobs that need no land where jobs are
    derelict = occupied * obsolescence_q
    occupied -= derelict
    brownfield += derelict
    displaced = np.minimum(derelict * jobs_per_ha, jobs)
    jobs -= displaced
    job_target = jobs0 * (1.0 + job_growth) ** (t / 4)
    kept, lost = jobs.sum(), displaced.sum()
    land_jobs = lost + land_using * max(job_target - kept - lost, 0.0)
    spread = np.maximum(jobs, 0.0)
    jobs += (job_target - kept - land_jobs) * (spread / spread.sum())
    # firms' location (land.location_weights, land.shares) and the smoothed demand
    available = vacant + greenfield + brownfield
    firm_util = util + discount_utility
    w = np.maximum((jobs + 1.0) * np.exp(firm_util - firm_util.max()) * available / (available + HALF_HA), 0.0)
    share = w / w.sum()
    need_ha = land_jobs * share / jobs_per_ha
    q = need_ha.sum()
    ema = 0.8 * demand_ema + 0.2 * q if has_ema else q
    # commercial land: vacant first (land.occupy), then converted for the firms; the jobs follow the land
    need_ha = np.maximum(need_ha, 0.0)
    taken = np.minimum(need_ha, vacant)
    vacant -= taken
    occupied += taken
    remaining = need_ha - taken
    if np.count_nonzero(remaining):
        g, b = _take(remaining, greenfield, brownfield, brown_share)
        zoned = vacant + g + b  # zoned as vacant commercial land, then occupied (land.take's order)
        taken = np.minimum(g + b, zoned)
        vacant[:] = zoned - taken
        occupied += taken
        g_used, b_used = g_used + g, b_used + b
    placed = need_ha * jobs_per_ha
    by = np.maximum(placed if placed.sum() > 0 else share, 0.0)
    jobs += land_jobs * (by / by.sum())
    # reserves zoned ahead (land.reserve_gap), other built uses (land.other_uses), capital cost
    annual = 4.0 * ema * share
    gap = np.maximum(reserve_years * annual * optimism - vacant, 0.0) * RESERVE_SPEED
    g, b = _take(gap, greenfield, brownfield, brown_share)
    vacant[:] = vacant + g + b
    g_used, b_used = g_used + g, b_used + b
    other = np.minimum(np.maximum(g_used, 0.0) * other_share / (1.0 - other_share), np.maximum(greenfield, 0.0))
    greenfield -= other
    other_built += other
    capital = (g_used * greenfield_cost + b_used * brownfield_cost * (1.0 - subsidy_solo)) * 1e6
    debt_service += capital * annuity
    taken_by_muni += g_used + other
    return size, ema, g_used.sum() + other.sum(), b_used.sum(), annual




@dataclass
class Entry:
    """One region's growth in one quarter where the path applies: the model, the inputs the stage read (the car
    access before commuting moves it), the state before and after the stage, and the stage's seconds."""

    m: CityRegionModel
    t: int
    car_access: np.ndarray
    before: dict[str, Any]
    after: dict[str, Any]
    stage: float


def land_params(m: CityRegionModel) -> tuple:
    """The land parameters the kernel reads, in its order (quarterly rates from the annual ones)."""
    lp = m.cfg.params.land
    return (lp.access_weight, lp.land_price_elasticity, 1.0 - (1.0 - lp.residential_mobility) ** 0.25,
            lp.household_size_trend, 1.0 - (1.0 - lp.obsolescence_rate) ** 0.25, lp.land_using_job_share,
            lp.firm_tax_sensitivity * lp.tax_discount_competing, lp.reserve_years, lp.optimism,
            lp.greenfield_cost_m_eur_per_ha, lp.brownfield_subsidy_solo, lp.annuity_rate)


def constants(m: CityRegionModel) -> tuple:
    """The region's constants the kernel reads, in its order."""
    c = m.const
    return c.household_size0, c.jobs_per_ha, c.job_growth_rate, c.other_use_share, c.brownfield_cost


ARRAYS = ("population", "jobs", "debt_service", "taken_by_muni")  # the state's arrays besides the land, batched


@dataclass
class Batch:
    """Several regions' growth as one set of arrays (the regions' municipalities one after the other): the same
    stage in numpy, each call serving every region. What acts on each municipality alone is the model's own rules
    (rules.land) on the batch's land stock; the sums and maxima per region are reduceat's. The state as a batched
    model would hold it; making and splitting it is not timed."""

    entries: list[Entry]
    stock: land.LandStock  # the land classes, concatenated (changed by the rules)
    arrays: dict[str, np.ndarray]  # the state's other arrays, concatenated (changed in place)
    inputs: dict[str, np.ndarray]  # per municipality: car access, brownfield shares, densities
    region: dict[str, np.ndarray]  # per region: quarter, targets, household size, constants, smoothed demand
    starts: np.ndarray  # each region's first municipality
    seg: np.ndarray  # each municipality's region
    out: dict[str, np.ndarray] = field(default_factory=dict)  # per region: the scalars the stage returns

    @classmethod
    def of(cls, entries: list[Entry]) -> Batch:
        sizes = np.array([len(e.car_access) for e in entries])
        cat = np.concatenate
        stock = land.LandStock(**{k: cat([e.before[k] for e in entries]) for k in LAND},
                               protected=np.zeros(sizes.sum()))  # growth never reads the protected land
        arrays = {k: cat([e.before[k] for e in entries]) for k in ARRAYS}
        inputs = {"car_access": cat([e.car_access for e in entries]),
                  "brown_share": cat([e.m.const.brown_shares_alone for e in entries]),
                  "persons_per_ha": cat([e.m.const.persons_per_ha for e in entries])}
        names = ("household_size0", "jobs_per_ha", "job_growth_rate", "other_use_share", "brownfield_cost")
        region = {k: np.array([constants(e.m)[i] for e in entries]) for i, k in enumerate(names)}
        region.update(
            t=np.array([e.t for e in entries], dtype=float), n=sizes.astype(float),
            target=np.array([e.m.const.resident_targets[e.t - 1] for e in entries]),
            household_size=np.array([e.before["household_size"] for e in entries]),
            jobs0=np.array([e.m.people.jobs0 for e in entries]),
            ema=np.array([e.before["demand_ema"] or 0.0 for e in entries]),
            has_ema=np.array([e.before["demand_ema"] is not None for e in entries]))
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        return cls(entries, stock, arrays, inputs, region, starts, np.repeat(np.arange(len(entries)), sizes))

    def grow(self) -> None:
        """The stage, as grow_kernel computes it, for every region of the batch at once."""
        (access_weight, elasticity, mobility_q, trend, obsolescence_q, land_using, discount_utility,
         reserve_years, optimism, greenfield_cost, subsidy_solo, annuity) = land_params(self.entries[0].m)
        a, r, st, seg, starts = self.arrays, self.region, self.stock, self.seg, self.starts
        total_of, top_of = np.add.reduceat, np.maximum.reduceat
        brown_share, pop, jobs = self.inputs["brown_share"], a["population"], a["jobs"]
        acc = np.log(self.inputs["car_access"] + 1.0)
        util = access_weight * (acc - (total_of(acc, starts) / r["n"])[seg])
        avail = np.maximum(st.greenfield + st.brownfield, 0.0)
        pull = (np.exp(util - top_of(util, starts)[seg]) * avail / (avail + HALF_HA)
                * (avail / np.maximum(st.developed(), 1.0)) ** elasticity)
        total = total_of(pop, starts)
        net = r["target"] - total
        leave = np.maximum(mobility_q, -net / total)
        weights = pop * pull
        movers = leave[seg] * pop
        households_before = pop / r["household_size"][seg]
        pop[:] = pop - movers + (total_of(movers, starts) + net)[seg] * (weights / total_of(weights, starts)[seg])
        size = r["household_size0"] * (1.0 + trend) ** (r["t"] / 4)
        need = (np.maximum(pop / size[seg] - households_before, 0.0) * size[seg] / self.inputs["persons_per_ha"])
        g_used, b_used = land.take(need, st, brown_share, None, "residential")
        derelict = land.obsolescence(st, obsolescence_q)
        jobs_per_ha = r["jobs_per_ha"][seg]
        displaced = np.minimum(derelict * jobs_per_ha, jobs)
        jobs -= displaced
        job_target = r["jobs0"] * (1.0 + r["job_growth_rate"]) ** (r["t"] / 4)
        kept, lost = total_of(jobs, starts), total_of(displaced, starts)
        land_jobs = lost + land_using * np.maximum(job_target - kept - lost, 0.0)
        spread = np.maximum(jobs, 0.0)
        jobs += (job_target - kept - land_jobs)[seg] * (spread / total_of(spread, starts)[seg])
        available = st.commercial_vacant + st.greenfield + st.brownfield
        firm_util = util + discount_utility
        w = np.maximum((jobs + 1.0) * np.exp(firm_util - top_of(firm_util, starts)[seg]) * available
                       / (available + HALF_HA), 0.0)
        share = w / total_of(w, starts)[seg]
        need_ha = land_jobs[seg] * share / jobs_per_ha
        q = total_of(need_ha, starts)
        ema = np.where(r["has_ema"], 0.8 * r["ema"] + 0.2 * q, q)
        remaining = land.occupy(st, need_ha)
        if np.count_nonzero(remaining):  # a region with nothing remaining converts nothing: the same as not at all
            g, b = land.take(remaining, st, brown_share, None, "commercial_occupied")
            g_used, b_used = g_used + g, b_used + b
        placed = need_ha * jobs_per_ha
        by = np.maximum(np.where((total_of(placed, starts) > 0)[seg], placed, share), 0.0)
        jobs += land_jobs[seg] * (by / total_of(by, starts)[seg])
        annual = 4.0 * ema[seg] * share
        gap = land.reserve_gap(st, reserve_years * annual * optimism, RESERVE_SPEED)
        g, b = land.take(gap, st, brown_share, None, "commercial_vacant")
        g_used, b_used = g_used + g, b_used + b
        other_share = r["other_use_share"][seg]  # land.other_uses takes one country's share: the same, per region
        other = np.minimum(np.maximum(g_used, 0.0) * other_share / (1.0 - other_share),
                           np.maximum(st.greenfield, 0.0))
        st.greenfield = st.greenfield - other
        st.other_built = st.other_built + other
        capital = (g_used * greenfield_cost + b_used * r["brownfield_cost"][seg] * (1.0 - subsidy_solo)) * 1e6
        a["debt_service"] += capital * annuity
        a["taken_by_muni"] += g_used + other
        self.out = {"household_size": size, "demand_ema": ema, "expected": annual,
                    "greenfield_q": total_of(g_used, starts) + total_of(other, starts),
                    "brownfield_q": total_of(b_used, starts)}

    def split(self) -> list[dict[str, Any]]:
        """Each region's state after the batched stage."""
        bounds = np.append(self.starts, len(self.seg))
        out = []
        for i in range(len(self.entries)):
            lo, hi = bounds[i], bounds[i + 1]
            s = {k: getattr(self.stock, k)[lo:hi] for k in LAND}
            s.update({k: v[lo:hi] for k, v in self.arrays.items()})
            s.update({k: (v[lo:hi] if k == "expected" else float(v[i])) for k, v in self.out.items()})
            out.append(s)
        return out
