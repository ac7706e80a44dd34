"""Seeds: every region of a run draws from its own stream, derived from the base seed with numpy's SeedSequence,
so that a result depends on the configuration alone (not on run order, launcher or process)."""

from __future__ import annotations

import hashlib

import numpy as np

from cityregions.config.schema import REGIONS, RunConfig, fingerprint


def region_seed(base_seed: int, region: str, replicate: int = 0, levers: tuple[int, ...] = ()) -> int:
    """The region's own seed: a SeedSequence child of the base seed keyed by region, replicate and (optionally)
    the levers' fingerprint, so it depends on nothing else (not run order, launcher or process)."""
    key = REGIONS.index(region) if region in REGIONS else int.from_bytes(hashlib.sha256(region.encode()).digest()[:4],
                                                                         "little")
    spawn_key = (key, *((replicate,) if replicate or levers else ()), *levers)  # replicate 0: the plain run
    return int(np.random.SeedSequence(base_seed, spawn_key=spawn_key).generate_state(1, np.uint64)[0]
               >> np.uint64(1))


def lever_fingerprint(cfg: RunConfig) -> tuple[int, ...]:
    """Four 32-bit words of the SHA-256 of the scenario's levers (for runs without common random numbers)."""
    digest = fingerprint(cfg.scenario)
    return tuple(int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4))


def run_seed(cfg: RunConfig, region: str) -> int:
    """The seed of one region in a run: from the base seed, the region, the replicate and, without common
    random numbers, the scenario's levers."""
    levers = () if cfg.common_random_numbers else lever_fingerprint(cfg)
    return region_seed(cfg.seed, region, cfg.replicate, levers)


def geography_rng(seed: int) -> np.random.Generator:
    """The generator the region's geography draws from (its own stream of the region's seed)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))
