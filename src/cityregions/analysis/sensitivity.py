"""Global sensitivity analysis on Hydra sweeps: a SALib design run as sweep jobs, and its indices.

`cityregions +experiment=sensitivity --multirun` samples the levers and uncertain parameters listed under
``hydra.sweeper.sample`` with SALib (Morris elementary effects for screening, or Saltelli's extension of Sobol'
sampling), and the planned sweeper runs one job per design point (crossed with any grid it also sweeps, e.g.
regions or replicates). `cityregions sensitivity <sweep-dir>` gathers the jobs and reports, per grid cell and
indicator, Morris' mu* and sigma, or Sobol' first-order and total indices, each with a 95 % bootstrap interval,
as a table and a figure.

A parameter named ``dummy`` (or ``dummy_2``, ...) is sampled but changes nothing in the model: its indices are
the design's noise floor (Khorashadi Zadeh et al. 2017, Environ. Model. Softw. 91:210-222). With common random
numbers (every job of a replicate uses the same seed) a deterministic model gives it exactly zero.
"""

from __future__ import annotations

import dataclasses
import json
import math
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cityregions.config import ConfigError, schema_field

DESIGN = "sensitivity_design.json"
METHODS = ("morris", "sobol")
KEY = "hydra.sweeper.sample"
# Indicators at the horizon (unrounded), computed from one region's quarterly table
METRICS: dict[str, tuple[str, typing.Callable[[pd.DataFrame], float]]] = {
    "greenfield_ha": ("ha to the horizon", lambda g: float(g["greenfield_take_ha"].sum())),
    "pt_share": ("share of commuting trips", lambda g: float(g["pt_share"].iloc[-1])),
    "fiscal_gini": ("Gini, revenue/resident", lambda g: float(g["fiscal_inequality"].iloc[-1])),
    "commuting_co2_t": ("t CO2 per year", lambda g: float(g["commuting_co2_t"].iloc[-1])),
    "members": ("municipalities in an agreement", lambda g: float(g["members"].iloc[-1])),
    "mean_trust": ("0-1", lambda g: float(g["mean_trust"].iloc[-1])),
}


def is_dummy(name: str) -> bool:
    """Whether a sampled name is a dummy parameter (sampled, never passed to the model)."""
    return name == "dummy" or name.startswith("dummy_")


def sampled_params(params: dict[str, Any], prefix: str = f"{KEY}.params"
                   ) -> tuple[tuple[str, ...], tuple[tuple[float, float], ...]]:
    """The sampled keys of a design and their [low, high] bounds, checked: two finite numbers, low < high, inside
    the schema's allowed range of a numeric key (or a dummy); every error names prefix.key, the value and what is
    allowed."""
    names, bounds = [], []
    for name, pair in params.items():
        where = f"{prefix}.{name}"
        if not (isinstance(pair, list | tuple) and len(pair) == 2
                and all(isinstance(x, int | float) and not isinstance(x, bool) for x in pair)):
            raise ConfigError(f"{where}={pair!r}: expected [low, high], two numbers")
        low, high = float(pair[0]), float(pair[1])
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ConfigError(f"{where}=[{low:g}, {high:g}]: expected low < high, both finite")
        if not is_dummy(name):
            found = schema_field(name)
            if found is None or found[0] not in (int, float):
                raise ConfigError(f"{where}: {name!r} is not a numeric key of the configuration (e.g. "
                                  "scenario.quorum, params.transport.distance_decay), nor a dummy")
            lo, hi = found[1].get("lo"), found[1].get("hi")
            if (lo is not None and low < lo) or (hi is not None and high > hi):
                raise ConfigError(f"{where}=[{low:g}, {high:g}] leaves the allowed range of {name}: "
                                  f"{lo} <= value <= {hi}")
        names.append(str(name))
        bounds.append((low, high))
    return tuple(names), tuple(bounds)


@dataclass(frozen=True)
class Design:
    """A SALib sampling design: the method, the sampled keys with their bounds, the sample size and seed."""

    method: str
    names: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]
    n: int
    seed: int
    levels: int = 4
    digits: int = 6  # significant digits of a sampled value (the job's override, and so its identity)

    @classmethod
    def from_mapping(cls, spec: dict[str, Any]) -> Design:
        """The design from `hydra.sweeper.sample`; every error names the key, the value and what is allowed."""
        spec = dict(spec)
        method = spec.pop("method", "morris")
        if method not in METHODS:
            raise ConfigError(f"{KEY}.method={method!r} is not allowed; allowed: {', '.join(METHODS)}")
        params = spec.pop("params", None)
        if not isinstance(params, dict) or not params:
            raise ConfigError(f"{KEY}.params={params!r}: expected a mapping of keys to [low, high], e.g. "
                              "scenario.quorum: [0.2, 0.8]")
        numbers = {k: spec.pop(k, d) for k, d in (("n", 16), ("seed", 0), ("levels", 4), ("digits", 6))}
        if spec:
            raise ConfigError(f"{KEY}.{sorted(spec)[0]} is not a known key; allowed keys under {KEY}: "
                              "method, params, n, seed, levels, digits")
        for k, v in numbers.items():
            if isinstance(v, bool) or not isinstance(v, int) or v < (0 if k == "seed" else 1):
                raise ConfigError(f"{KEY}.{k}={v!r} is not allowed; allowed: an integer >= "
                                  f"{0 if k == 'seed' else 1}")
        if method == "sobol" and numbers["n"] & (numbers["n"] - 1):
            raise ConfigError(f"{KEY}.n={numbers['n']} is not allowed for method=sobol; allowed: a power of 2 "
                              "(Sobol' sequences balance only then), e.g. 64, 128, 256")
        if method == "morris" and numbers["levels"] % 2:
            raise ConfigError(f"{KEY}.levels={numbers['levels']} is not allowed; allowed: an even number (Morris)")
        names, bounds = sampled_params(params)
        return cls(method, names, bounds, numbers["n"], numbers["seed"], numbers["levels"],
                   numbers["digits"])

    def problem(self) -> dict[str, Any]:
        """SALib's problem definition."""
        return {"num_vars": len(self.names), "names": list(self.names), "bounds": [list(b) for b in self.bounds]}

    def matrix(self) -> np.ndarray:
        """The design points (one row per point), rounded as the jobs receive them; integer keys rounded. Method
        'latin' (an ensemble of n futures for robustness, not an index design) is a Latin hypercube."""
        from SALib.sample import latin, morris, sobol

        if self.method == "morris":
            x = morris.sample(self.problem(), self.n, num_levels=self.levels, seed=self.seed)
        elif self.method == "latin":
            x = latin.sample(self.problem(), self.n, seed=self.seed)
        else:
            x = sobol.sample(self.problem(), self.n, calc_second_order=False, seed=self.seed)
        x = np.array([[float(f"{v:.{self.digits}g}") for v in row] for row in x])
        for j, name in enumerate(self.names):
            if not is_dummy(name) and schema_field(name)[0] is int:
                x[:, j] = np.round(x[:, j])
        return x

    def overrides(self, row: np.ndarray) -> list[str]:
        """A design point as Hydra overrides (dummies left out: they change nothing)."""
        out = []
        for name, v in zip(self.names, row, strict=True):
            if not is_dummy(name):
                out.append(f"{name}={int(v)}" if schema_field(name)[0] is int else f"{name}={float(v)!r}")
        return out

    def to_json(self, x: np.ndarray) -> str:
        """The design and its points, as written beside the sweep."""
        return json.dumps(dataclasses.asdict(self) | {"points": x.tolist()}, indent=1)

    @classmethod
    def from_json(cls, text: str) -> tuple[Design, np.ndarray]:
        """The design and points of a sweep's design file."""
        d = json.loads(text)
        x = np.array(d.pop("points"), dtype=float)
        d["names"] = tuple(d["names"])
        d["bounds"] = tuple(tuple(b) for b in d["bounds"])
        return cls(**d), x


def indices(design: Design, x: np.ndarray, y: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """Sensitivity indices of one output over the design points, one row per parameter, 95 % intervals."""
    from SALib.analyze import morris, sobol

    if design.method == "morris":
        r = morris.analyze(design.problem(), x, y, num_levels=design.levels, conf_level=0.95, seed=seed)
        return pd.DataFrame({"parameter": list(design.names), "mu_star": r["mu_star"],
                             "mu_star_conf": r["mu_star_conf"], "mu": r["mu"], "sigma": r["sigma"]})
    if np.ptp(y) == 0:  # no variance to apportion: every index is zero (SALib would divide by zero)
        zero = np.zeros(len(design.names))
        return pd.DataFrame({"parameter": list(design.names), "S1": zero, "S1_conf": zero, "ST": zero,
                             "ST_conf": zero})
    r = sobol.analyze(design.problem(), y, calc_second_order=False, conf_level=0.95, seed=seed)
    return pd.DataFrame({"parameter": list(design.names), "S1": r["S1"], "S1_conf": r["S1_conf"],
                         "ST": r["ST"], "ST_conf": r["ST_conf"]})


def outputs(quarterly: pd.DataFrame) -> pd.DataFrame:
    """The indicators of every job x region at the horizon, one column per metric."""
    rows = []
    for (job, region), g in quarterly.groupby(["job", "region"], sort=False):
        rows.append({"job": job, "region": region, **{m: f(g) for m, (_, f) in METRICS.items()}})
    return pd.DataFrame(rows)


def analyse(design: Design, x: np.ndarray, jobs: pd.DataFrame, quarterly: pd.DataFrame) -> pd.DataFrame:
    """Indices per grid cell (region and any other swept key) and metric; replicates are averaged first.

    jobs holds one row per complete job with its parameters; every design point must have its job in every
    grid cell, else the analysis is refused naming what is missing (Sobol' and Morris need the whole design).
    A point that occurs twice in the design (Morris trajectories can share one) ran once; both rows read it.
    """
    used = [j for j, n in enumerate(design.names) if not is_dummy(n)]
    sampled = [design.names[j] for j in used]

    def point(values: Any) -> str:
        return ";".join(f"{float(v):.12g}" for v in values)

    jobs = jobs.drop(columns=[c for c in ("region", "region.name") if c in jobs.columns])  # the tables' region
    out = outputs(quarterly).merge(jobs, on="job", how="left")
    grid = [c for c in jobs.columns if c not in (*sampled, "job", "replicate")] + ["region"]
    out["point"] = [point(v) for v in out[sampled].itertuples(index=False)] if sampled else [""] * len(out)
    need = [point(row[used]) for row in x]
    frames = []
    for cell, g in out.groupby(grid, sort=False, dropna=False):
        cells = dict(zip(grid, cell if isinstance(cell, tuple) else (cell,), strict=True))
        mean = g.groupby("point")[list(METRICS)].mean()
        missing = set(need) - set(mean.index)
        if missing:
            label = ", ".join(f"{c}={v}" for c, v in cells.items())
            raise ConfigError(f"{label}: {len(missing)} of {len(set(need))} design points have no complete job; "
                              "run the sweep again (it runs only what is missing), then analyse")
        for metric in METRICS:
            y = mean[metric].reindex(need).to_numpy()
            df = indices(design, x, y, seed=design.seed)
            frames.append(df.assign(metric=metric, unit=METRICS[metric][0], method=design.method, **cells))
    result = pd.concat(frames, ignore_index=True)
    first = [*grid, "metric", "unit", "method", "parameter"]
    return result[first + [c for c in result.columns if c not in first]]


def read_design(sweep_dir: Path) -> tuple[Design, np.ndarray]:
    """The design a sensitivity sweep ran (written by the sweeper before its jobs)."""
    path = Path(sweep_dir) / DESIGN
    if not path.is_file():
        raise FileNotFoundError(f"{sweep_dir} is not a sensitivity sweep: no {DESIGN} (run one with "
                                "`cityregions +experiment=sensitivity --multirun`)")
    return Design.from_json(path.read_text(encoding="utf-8"))
