"""Whether a region fits the machine: its memory and time estimated from its municipalities' positions before
anything is built, so that a region too large is refused with the reason instead of running out of memory.

The model's memory and time grow with the number of origin-destination pairs within reach (world/catchment.py).
Their straight-line count, which bounds the pairs reachable by road, comes from a k-d tree in O(n log n). The
coefficients were measured on the project's machine kind (x86_64, 2 cores; 2026-12-06) with tables of 500 to
3,000 municipalities 80 km across, where every pair is within reach (peak memory 245 MB to 1.96 GB): a base of
about 200 MB and 195 bytes a pair, and 0.12 µs a pair and quarter. They are estimates, labelled as such in the
message; `benchmarks/bench_fuas.py` records what the largest real region takes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from cityregions.config import ConfigError

BASE_BYTES = 200e6  # the interpreter, the libraries and the model's fixed tables
BYTES_PER_PAIR = 195.0  # every per-pair table of the catchment, the flows and the mode choice
SECONDS_PER_PAIR_QUARTER = 1.2e-7
MEMORY_SHARE = 0.8  # of the machine's physical memory a run may plan to use
LARGE_PAIRS = 2_000_000  # a region this large (about 0.6 GB, several seconds to build) says so before building


@dataclass(frozen=True)
class Estimate:
    """A region's size as the model will see it, before it is built."""

    municipalities: int
    pairs: int  # ordered pairs within straight-line reach, each municipality with itself included
    memory_bytes: float
    seconds_per_quarter: float


def estimate(x_km: np.ndarray, y_km: np.ndarray, reach_km: float) -> Estimate:
    """The pairs within straight-line reach of each other, and the memory and time they will take."""
    tree = cKDTree(np.column_stack([x_km, y_km]))
    pairs = int(tree.count_neighbors(tree, reach_km))
    return Estimate(len(x_km), pairs, BASE_BYTES + BYTES_PER_PAIR * pairs, SECONDS_PER_PAIR_QUARTER * pairs)


def physical_memory() -> float:
    """The machine's physical memory in bytes."""
    return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def check(est: Estimate, available: float | None = None, limit_gb: float | None = None) -> None:
    """Refuse a region whose estimated memory exceeds what a run may use: limit_gb (the run's max_memory_gb) if
    given, else a share of the machine's physical memory (`available`, bytes; default this machine's)."""
    available = physical_memory() if available is None else available
    limit = limit_gb * 1e9 if limit_gb is not None else MEMORY_SHARE * available
    if est.memory_bytes <= limit:
        return
    most = int(np.sqrt(max(limit - BASE_BYTES, 0.0) / BYTES_PER_PAIR))
    may = (f"max_memory_gb={limit_gb:g} allows {limit / 1e9:.1f} GB" if limit_gb is not None else
           f"this machine has {available / 1e9:.1f} GB")
    raise ConfigError(
        f"a region of {est.municipalities:,} municipalities, {est.pairs:,} pairs of them within reach of each "
        f"other, needs an estimated {est.memory_bytes / 1e9:.1f} GB of memory and about "
        f"{est.seconds_per_quarter:.1f} s a quarter; {may}; allowed: a region whose pairs fit in "
        f"{limit / 1e9:.1f} GB{'' if limit_gb is not None else f' ({MEMORY_SHARE:.0%} of it)'} (about {most:,} "
        "municipalities if all are within reach of each other; fewer, or a smaller area, or a larger machine), or "
        "max_memory_gb=<GB> set higher to try anyway, at the risk of running out of memory")


def describe(est: Estimate) -> str:
    """One line on what a region will take, shown before a large one is built."""
    return (f"{est.municipalities:,} municipalities, {est.pairs:,} pairs within reach: an estimated "
            f"{est.memory_bytes / 1e9:.1f} GB and {est.seconds_per_quarter:.1f} s a quarter")
