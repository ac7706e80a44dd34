"""Experiment: what a compiled kernel would gain on one stage of the quarter, the growth stage, measured.

Not a test, and not the model: a measurement for deciding how the quarter is to be made faster. The five
regions cost about 9 times the floor in instructions and 16 times in seconds (PERFORMANCE.md), most of it the
fixed cost of numpy's calls on short arrays. This script writes the growth stage of a quarter without a land
compact, a tax pool or a greenfield cap (the path most quarters take: growth.py's stages, in their order) as one
numba kernel of loops over the municipalities, and runs it beside the model's own stage on the same state, every
quarter where that path applies, in one run of each region:
- each quarter the model's stage runs as it always does; the kernel runs on copies of the state as it was
  before, and its results (residents, jobs, every land class, debt service, land taken) are compared with the
  stage's: the largest difference over the run, relative to each quantity's scale (rounding: numba's loops
  add in another order than numpy's pairwise sums, and its exp and power are the C library's);
- the time of each (perf_counter around the call; the copies are made outside it), summed over the run, median
  over the repeats, per quarter compared.
The kernel's compilation (once per process; numba caches nothing here) is timed apart. Needs numba
(`pip install -e ".[kernels]"`). The Markdown table goes into docs/PERFORMANCE.md between
``<!-- bench_kernels:begin -->`` and ``<!-- bench_kernels:end -->`` (``--no-write``: print only).
Usage: python benchmarks/bench_kernels.py [--repeats R] [--no-write]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from bench_scale import PERFORMANCE_MD, machine, table, write_tables

from cityregions.config import REGIONS, RunConfig
from cityregions.model.blas import one_blas_thread
from cityregions.model.model import CityRegionModel
from cityregions.rules.cooperation import Theme

NAME = "bench_kernels"
LAND = ("residential", "commercial_occupied", "commercial_vacant", "other_built", "brownfield", "greenfield")
HALF_HA = 5.0  # the saturation of land available (rules.land.location_weights, rules.location.attractiveness)
RESERVE_SPEED = 0.25  # the share of the reserve gap zoned a quarter (rules.land.reserve_gap)

try:
    import numba
except ImportError:  # reported by main
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


def applies(m: CityRegionModel) -> bool:
    """The quarter takes the path the kernel implements: no land compact, hence no tax pool and no cap."""
    return not m.members(Theme.LAND).any()


def state(m: CityRegionModel) -> dict[str, Any]:
    """Copies of everything growth changes, by name."""
    p, u = m.people, m.land_use
    out = {k: getattr(m.land, k).copy() for k in LAND}
    out.update(population=p.population.copy(), jobs=p.jobs.copy(), debt_service=m.money.debt_service.copy(),
               taken_by_muni=u.greenfield_by_muni.copy(), household_size=p.household_size, demand_ema=u.demand_ema,
               expected=u.expected_commercial_ha, greenfield_q=u.greenfield_q, brownfield_q=u.brownfield_q)
    return out


def kernel(m: CityRegionModel, s: dict[str, Any]) -> float:
    """The kernel on the state copies s (changed in place, its scalars replaced); returns its seconds."""
    lp, c = m.cfg.params.land, m.const
    t = m.step_index + 1
    land = (lp.access_weight, lp.land_price_elasticity, 1.0 - (1.0 - lp.residential_mobility) ** 0.25,
            lp.household_size_trend, 1.0 - (1.0 - lp.obsolescence_rate) ** 0.25, lp.land_using_job_share,
            lp.firm_tax_sensitivity * lp.tax_discount_competing, lp.reserve_years, lp.optimism,
            lp.greenfield_cost_m_eur_per_ha, lp.brownfield_subsidy_solo, lp.annuity_rate)
    const = (c.household_size0, c.jobs_per_ha, c.job_growth_rate, c.other_use_share, c.brownfield_cost)
    ema = s["demand_ema"]
    t0 = time.perf_counter()
    size, ema, gq, bq, annual = grow_kernel(
        t, float(c.resident_targets[t - 1]), m.commuting.car_access, c.brown_shares_alone, s["population"],
        s["jobs"], s["household_size"], *(s[k] for k in LAND[:-1]), s["greenfield"], c.persons_per_ha,
        s["debt_service"], s["taken_by_muni"], land, const, m.people.jobs0, ema or 0.0, ema is not None)
    spent = time.perf_counter() - t0
    s.update(household_size=size, demand_ema=ema, greenfield_q=gq, brownfield_q=bq, expected=annual)
    return spent


def difference(a: dict[str, Any], b: dict[str, Any]) -> float:
    """The largest difference between two states, each quantity's relative to its own scale (its largest
    magnitude in either; 0 where that is 0)."""
    worst = 0.0
    for k, x in a.items():
        x, y = np.asarray(x, dtype=float), np.asarray(b[k], dtype=float)
        scale = max(float(np.max(np.abs(x))), float(np.max(np.abs(y))))
        if scale > 0:
            worst = max(worst, float(np.max(np.abs(x - y))) / scale)
    return worst


@dataclass
class Tally:
    """One run of a region: the stage's and the kernel's seconds over the quarters compared, and the difference."""

    stage: float = 0.0
    kernel: float = 0.0
    quarters: int = 0
    worst: float = 0.0
    seen: list[int] = field(default_factory=list)


def run(region: str) -> Tally:
    """One run of the region, the kernel beside the stage wherever it applies."""
    tally = Tally()
    with one_blas_thread():
        m = CityRegionModel(RunConfig(), region=region)
        grow = m._grow

        def both() -> None:
            if not applies(m):
                grow()
                return
            mine = state(m)
            t0 = time.perf_counter()
            grow()
            tally.stage += time.perf_counter() - t0
            tally.kernel += kernel(m, mine)
            tally.quarters += 1
            tally.worst = max(tally.worst, difference(state(m), mine))

        m._grow = both
        m.run_model()
    return tally


def main(argv: list[str] | None = None) -> int:
    """Compile, compare and time; print (and write) the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7, help="runs of each region (median) [7]")
    ap.add_argument("--no-write", action="store_true", help="print the table only")
    args = ap.parse_args(argv)
    if args.repeats < 1:
        ap.error(f"--repeats={args.repeats}: allowed at least 1")
    if numba is None:
        print('bench_kernels: numba is not installed (pip install -e ".[kernels]")', file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    run(REGIONS[0])  # the first call compiles the kernel
    compile_s = time.perf_counter() - t0
    rows, stage_all, kernel_all, quarters_all = [], 0.0, 0.0, 0
    for region in REGIONS:
        tallies = [run(region) for _ in range(args.repeats)]
        q = tallies[0].quarters
        stage = statistics.median(x.stage for x in tallies)
        kern = statistics.median(x.kernel for x in tallies)
        worst = max(x.worst for x in tallies)
        stage_all, kernel_all, quarters_all = stage_all + stage, kernel_all + kern, quarters_all + q
        rows.append([f"region {region}", f"{q}", *per_quarter(stage, kern, q), f"{worst:.1e}"])
    rows.append(["all five regions", f"{quarters_all}", *per_quarter(stage_all, kernel_all, quarters_all), ""])
    headers = ["case", "quarters compared", "numpy stage µs/quarter", "compiled µs/quarter", "speed-up",
               "largest difference (of scale)"]
    command = "python benchmarks/bench_kernels.py" + (f" --repeats {args.repeats}" if args.repeats != 7 else "")
    note = (f"_Median of {args.repeats} runs of each region (default config, seed 0, 2012Q3-2030Q4); only the quarters "
            "without a land compact, whose growth the kernel implements; the kernel on copies of the state before "
            f"the stage. Compiling the kernel (numba {numba.__version__}, once per process): {compile_s:.1f} s, "
            "with the first run of Leipzig._")
    print(table(headers, rows, markdown=False))
    print(f"\ncompiling: {compile_s:.1f} s")
    if not args.no_write:
        block = "\n".join([*(f"- {ln}" for ln in [*machine(), f"Command: `{command}`"]), "",
                           table(headers, rows, markdown=True), "", note])
        write_tables(PERFORMANCE_MD, block, NAME)
        print(f"written to {PERFORMANCE_MD}", file=sys.stderr)
    return 0


def per_quarter(stage: float, kern: float, quarters: int) -> list[str]:
    """The stage's and the kernel's µs per quarter, and the speed-up."""
    if not quarters:
        return ["-", "-", "-"]
    return [f"{stage / quarters * 1e6:.0f}", f"{kern / quarters * 1e6:.0f}", f"{stage / kern:.1f}×"]


if __name__ == "__main__":
    sys.exit(main())
