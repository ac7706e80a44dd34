"""Benchmark: median wall time of one run of all five regions (default horizon 2012 Q3 - 2030 Q4, one seed).

Not a test: it prints a table. Target: under 1 s on a 2-core machine (benchmarks/bench_scale.py has the full picture).
Usage: python benchmarks/bench_regions.py [repeats]
"""

from __future__ import annotations

import statistics
import sys
import time

from cityregions.config import REGIONS, RunConfig, ScenarioConfig
from cityregions.model.model import CityRegionModel


def run_region(region: str, scenario: ScenarioConfig) -> float:
    """Seconds to build and run one region to the horizon."""
    cfg = RunConfig(scenario=scenario)
    t0 = time.perf_counter()
    m = CityRegionModel(cfg, region=region)
    for _ in range(m.timeline.n_steps):
        m.step()
    return time.perf_counter() - t0


def main(repeats: int = 5) -> None:
    """Print per-region and total medians for the default scenario and the heaviest one."""
    scenarios = {"city_regions": ScenarioConfig(),
                 "integrated": ScenarioConfig(name="integrated", themes=["land", "transport"],
                                              pilot_themes="land+transport", greenfield_cap=1.3)}
    print(f"{'scenario':<14}{'region':<10}{'median s':>10}{'min s':>9}   ({repeats} repeats, seed 0, to 2030Q4)")
    for name, sc in scenarios.items():
        totals = [0.0] * repeats
        for region in REGIONS:
            times = [run_region(region, sc) for _ in range(repeats)]
            for i, t in enumerate(times):
                totals[i] += t
            print(f"{name:<14}{region:<10}{statistics.median(times):>10.3f}{min(times):>9.3f}")
        print(f"{name:<14}{'ALL FIVE':<10}{statistics.median(totals):>10.3f}{min(totals):>9.3f}   target < 1 s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
