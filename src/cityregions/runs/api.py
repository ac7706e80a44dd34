"""A sweep from Python: `cityregions.sweep(...)` runs what `cityregions --multirun ...` runs and returns the
collected tables.

The sweep is the command line's own: the same Hydra multirun, launcher, job directories named by their
parameters and the same checks, so a call and the command give the same directory and the same tables, and a
call repeated into the same directory runs only what is missing (resumable). The grid is given as a mapping of
keys to the values to sweep (`{"scenario": ["no_cooperation", "integrated"], "region": "graz"}`), or as the
command line's overrides; replicates as a count or a list.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cityregions.config import ConfigError
from cityregions.config.compose import override_value
from cityregions.runs import collect

LAUNCHERS = ("cityregions", "joblib", "basic", "ray_local", "slurm")


def arguments(grid: Mapping[str, Any] | Sequence[str] = (), replicates: int | Sequence[int] | None = None,
              launcher: str = "cityregions") -> list[str]:
    """The command line's arguments of a sweep (without its directory)."""
    if launcher not in LAUNCHERS:
        raise ConfigError(f"launcher={launcher!r} is not allowed; allowed: {', '.join(LAUNCHERS)}")
    if isinstance(grid, Mapping):
        args = []
        for key, values in grid.items():
            values = list(values) if isinstance(values, list | tuple) else [values]
            if not values:
                raise ConfigError(f"{key}=[]: no value to sweep; allowed: one value or a list of values")
            args.append(f"{key}={','.join(override_value(v) for v in values)}")
    else:
        args = [str(a) for a in grid]
    if isinstance(replicates, bool) or (isinstance(replicates, int) and replicates < 1):
        raise ConfigError(f"replicates={replicates!r} is not allowed; allowed: a count of at least 1 or a list")
    if isinstance(replicates, int):
        args.append(f"replicate=range({replicates})")
    elif replicates is not None:
        args.append(f"replicate={','.join(str(int(r)) for r in replicates)}")
    return ["--multirun", *args, "plot=false", "progress=false", f"hydra/launcher={launcher}"]


def sweep(grid: Mapping[str, Any] | Sequence[str] = (), replicates: int | Sequence[int] | None = None,
          out: str | Path | None = None, launcher: str = "cityregions",
          timeout: float | None = None) -> collect.Collected:
    """Run a sweep as the command line runs it and return its collected tables (`.tables["quarterly"]`, ...,
    `.jobs`; the dataset is also written to `<out>/dataset/`). out: the sweep's directory (default
    `multirun/api_<digest of the arguments>`, so the same call resumes the same sweep). A configuration the
    sweep refuses raises ConfigError with the command's message; jobs that fail are recorded in `.jobs` and the
    rest are returned."""
    args = arguments(grid, replicates, launcher)
    if out is None:
        out = Path("multirun") / f"api_{hashlib.sha256(' '.join(args).encode()).hexdigest()[:12]}"
    out = Path(out).resolve()
    done = subprocess.run([sys.executable, "-m", "cityregions", *args, f"hydra.sweep.dir={out}"],
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode == 2 or not out.is_dir():
        raise ConfigError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else
                          f"the sweep did not run (exit status {done.returncode})")
    return collect.collect(out)
