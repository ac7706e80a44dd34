"""Experiment: what the two ways of restructuring the quarter would gain on one stage, growth, measured.

Not a test, and not the model: a measurement for deciding how the quarter is to be made faster. The five
regions cost about 9 times the floor in instructions and 16 times in seconds (PERFORMANCE.md), most of it the
fixed cost of numpy's calls on short arrays. growth_restructured.py writes the growth stage of a quarter without
a land compact (most quarters' path) as one numba kernel per region, and as one set of arrays for several
regions at once (a batch). One round steps the five regions together to the horizon; each quarter:
- each region's stage runs as it always does, timed, its state kept before and after;
- the kernel runs on a copy of each region's state before the stage, and the batch once on all the regions on
  that path (at least two); each result is compared with the stage's: the largest difference over the round,
  relative to each quantity's scale (rounding, not the same to the bit);
- the times (perf_counter around the call; copies, batching and splitting outside it) are summed over the round,
  median over the rounds, per region-quarter compared.
The kernel's compilation (once per process; numba caches nothing here) is timed apart. Needs numba
(`pip install -e ".[kernels]"`). The Markdown table goes into docs/PERFORMANCE.md between
``<!-- bench_kernels:begin -->`` and ``<!-- bench_kernels:end -->`` (``--no-write``: print only).
Usage: python benchmarks/bench_kernels.py [--repeats R] [--no-write]
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from bench_scale import PERFORMANCE_MD, about, rounds_arguments, table, write_tables
from growth_restructured import LAND, Batch, Entry, constants, grow_kernel, land_params, numba

from cityregions.config import REGIONS, RunConfig
from cityregions.model.blas import one_blas_thread
from cityregions.model.model import CityRegionModel
from cityregions.rules.cooperation import Theme

NAME = "bench_kernels"


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


def kernel(e: Entry) -> tuple[dict[str, Any], float]:
    """The compiled kernel on a copy of the state before the stage: the state after it, and its seconds."""
    s = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in e.before.items()}
    land, const, c = land_params(e.m), constants(e.m), e.m.const
    ema = s["demand_ema"]
    t0 = time.perf_counter()
    size, ema, gq, bq, annual = grow_kernel(
        e.t, float(c.resident_targets[e.t - 1]), e.car_access, c.brown_shares_alone, s["population"],
        s["jobs"], s["household_size"], *(s[k] for k in LAND[:-1]), s["greenfield"], c.persons_per_ha,
        s["debt_service"], s["taken_by_muni"], land, const, e.m.people.jobs0, ema or 0.0, ema is not None)
    spent = time.perf_counter() - t0
    s.update(household_size=size, demand_ema=ema, greenfield_q=gq, brownfield_q=bq, expected=annual)
    return s, spent


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
    """One round (the five regions stepped together to the horizon): seconds of the numpy stage, the compiled
    kernel and the batched stage over the quarters compared, per region and in all, and the largest
    differences."""

    stage: dict[str, float] = field(default_factory=dict)
    kernel: dict[str, float] = field(default_factory=dict)
    quarters: dict[str, int] = field(default_factory=dict)
    worst: dict[str, float] = field(default_factory=dict)
    batched: float = 0.0
    batched_stage: float = 0.0  # the numpy stage's seconds for the same regions and quarters as the batches
    batches: int = 0
    in_batches: int = 0
    worst_batched: float = 0.0


def run_round() -> Tally:
    """The five regions stepped together quarter by quarter; each quarter, the kernel beside the stage of each
    region where the path applies, and the batched stage once for all of them."""
    tally = Tally()
    with one_blas_thread():
        models = [CityRegionModel(RunConfig(), region=r) for r in REGIONS]
        entries: list[Entry] = []
        for m in models:
            m._grow = watched(m, m._grow, entries)
        for _ in range(models[0].timeline.n_steps):
            entries.clear()
            for m in models:
                m.step()
            for e in entries:
                after, spent = kernel(e)
                r = e.m.region
                tally.stage[r] = tally.stage.get(r, 0.0) + e.stage
                tally.kernel[r] = tally.kernel.get(r, 0.0) + spent
                tally.quarters[r] = tally.quarters.get(r, 0) + 1
                tally.worst[r] = max(tally.worst.get(r, 0.0), difference(e.after, after))
            if len(entries) >= 2:
                batch = Batch.of(entries)
                t0 = time.perf_counter()
                batch.grow()
                tally.batched += time.perf_counter() - t0
                tally.batched_stage += sum(e.stage for e in entries)
                tally.batches += 1
                tally.in_batches += len(entries)
                for e, after in zip(entries, batch.split(), strict=True):
                    tally.worst_batched = max(tally.worst_batched, difference(e.after, after))
    return tally


def watched(m: CityRegionModel, grow: Any, entries: list[Entry]) -> Any:
    """The model's growth stage, timed and its state kept before and after wherever the kernel's path applies."""
    def run() -> None:
        if not applies(m):
            grow()
            return
        t, car_access, before = m.step_index + 1, m.commuting.car_access.copy(), state(m)
        t0 = time.perf_counter()
        grow()
        spent = time.perf_counter() - t0
        entries.append(Entry(m, t, car_access, before, state(m), spent))
    return run


def main(argv: list[str] | None = None) -> int:
    """Compile, compare and time; print (and write) the table."""
    args = rounds_arguments(__doc__.splitlines()[0], argv)
    if numba is None:
        print('bench_kernels: numba is not installed (pip install -e ".[kernels]")', file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    run_round()  # the first call compiles the kernel
    compile_s = time.perf_counter() - t0
    rounds = [run_round() for _ in range(args.repeats)]
    med = statistics.median
    rows = []
    for region in REGIONS:
        q = rounds[0].quarters.get(region, 0)
        rows.append([f"region {region}: compiled", f"{q}", *per_quarter(med(x.stage.get(region, 0.0) for x in rounds),
                     med(x.kernel.get(region, 0.0) for x in rounds), q),
                     f"{max(x.worst.get(region, 0.0) for x in rounds):.1e}"])
    q = sum(rounds[0].quarters.values())
    rows.append(["all five regions: compiled", f"{q}", *per_quarter(med(sum(x.stage.values()) for x in rounds),
                 med(sum(x.kernel.values()) for x in rounds), q),
                 f"{max(max(x.worst.values()) for x in rounds):.1e}"])
    first = rounds[0]
    batched = per_quarter(med(x.batched_stage for x in rounds), med(x.batched for x in rounds), first.in_batches)
    rows.append([f"all five regions: batched ({first.in_batches / max(first.batches, 1):.1f} regions a batch)",
                 f"{first.in_batches}", *batched, f"{max(x.worst_batched for x in rounds):.1e}"])
    headers = ["case", "region-quarters", "numpy stage µs", "restructured µs", "speed-up",
               "largest difference (of scale)"]
    command = "python benchmarks/bench_kernels.py" + (f" --repeats {args.repeats}" if args.repeats != 7 else "")
    note = (f"_Median of {args.repeats} rounds, one round the five regions stepped together to 2030Q4 (default "
            "config, seed 0); µs per region-quarter, over the quarters without a land compact (whose growth both "
            "restructurings implement); both on copies of the state before the stage; a batch is every region on "
            f"that path in a quarter (at least two). Compiling the kernel (numba {numba.__version__}, once per "
            f"process): {compile_s:.1f} s, with the first round._")
    print(table(headers, rows, markdown=False))
    print(f"\ncompiling: {compile_s:.1f} s")
    if not args.no_write:
        block = "\n".join([about(command), "", table(headers, rows, markdown=True), "", note])
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
