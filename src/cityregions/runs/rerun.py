"""Rerunning a finished run: run it again from its saved configuration and say whether the tables
are identical, and if not, where they differ and what changed in the software since.

A run directory holds everything needed: the resolved config.yaml (seed and replicate included) and, for a
sweep job, the job's key and parameters in manifest.json, which label its tables. Nothing is written.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cityregions.config import ConfigError
from cityregions.runs import results


@dataclass(frozen=True)
class TableCheck:
    """One table of the run against the same table of the rerun."""

    table: str
    identical: bool
    detail: str  # what differs: shape, columns, or the largest difference and where


@dataclass(frozen=True)
class Rerun:
    """The outcome of a rerun: each table's check and the software that changed since the run."""

    run_dir: Path
    tables: list[TableCheck]
    changed: dict[str, tuple[object, object]]  # name -> (recorded, now) for versions and the git commit

    @property
    def identical(self) -> bool:
        """True if every table is identical, value for value."""
        return all(t.identical for t in self.tables)


def compare_tables(name: str, old: pd.DataFrame, new: pd.DataFrame) -> TableCheck:
    """Exact comparison of two tables; on a difference, the largest one and where it is."""
    if old.shape != new.shape:
        return TableCheck(name, False, f"shape {old.shape} was, now {new.shape}")
    if list(old.columns) != list(new.columns):
        return TableCheck(name, False, f"columns differ: {sorted(set(old.columns) ^ set(new.columns))}")
    old, new = old.reset_index(drop=True), new.reset_index(drop=True)
    worst, where = 0.0, ""
    for col in old.columns:
        a, b = old[col], new[col]
        if a.equals(b):
            continue
        if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
            x, y = a.to_numpy(float), b.to_numpy(float)
            diff = np.where(np.isnan(x) & np.isnan(y), 0.0, np.abs(x - y))
            if np.isnan(diff).any() or not (diff > 0).any():
                return TableCheck(name, False, f"column {col!r}: missing values differ")
            row = int(np.nanargmax(diff))
            if diff[row] > worst:
                worst, where = float(diff[row]), f"column {col!r}, row {row}: {x[row]!r} was, now {y[row]!r}"
        else:
            rows = np.flatnonzero((a.astype(str) != b.astype(str)).to_numpy())
            if not rows.size:
                return TableCheck(name, False, f"column {col!r}: same values, type {a.dtype} was, now {b.dtype}")
            return TableCheck(name, False, f"column {col!r}, row {rows[0]}: {a[rows[0]]!r} was, now {b[rows[0]]!r}")
    if where:
        return TableCheck(name, False, f"largest difference {worst:.3g} at {where}")
    return TableCheck(name, True, f"{len(old)} rows identical")


def rerun(run_dir: str | Path) -> Rerun:
    """Run the directory's configuration again and compare every table with the recorded one."""
    from cityregions.runs.runner import run_scenario
    from cityregions.runs.sweep import with_columns

    d = Path(run_dir)
    manifest = results.read_manifest(d)
    if manifest is None or not (d / "config.yaml").is_file():
        raise ConfigError(f"{d}: not a run directory (it needs config.yaml and {results.MANIFEST})")
    if not results.is_complete(d):
        raise ConfigError(f"{d}: the run is incomplete (its files do not match {results.MANIFEST}); nothing to "
                          "compare with")
    cfg = results.read_config(d / "config.yaml")
    res = run_scenario(cfg)
    old = results.read_tables(d)
    checks = []
    for name in results.TABLES:
        new = getattr(res, name)
        if "job" in manifest:  # a sweep job's tables carry its key, experiment and parameters
            new = with_columns(new, {"job": manifest["job"], "experiment": manifest.get("experiment"),
                                     **manifest.get("params", {})})
        new = pd.read_parquet(io.BytesIO(new.to_parquet(index=False)))  # stored as the run's tables were
        checks.append(compare_tables(name, old[name], new))
    now = {**results.versions(), **results.provenance()}
    recorded = {**manifest.get("versions", {}), **{k: manifest.get(k) for k in ("git_commit", "git_dirty")}}
    changed = {k: (recorded.get(k), v) for k, v in now.items() if recorded.get(k) != v}
    return Rerun(d, checks, changed)
