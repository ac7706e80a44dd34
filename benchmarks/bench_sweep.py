"""Benchmark: wall time of the scenario_comparison experiment (5 scenarios x 5 regions x 4 replicates = 100 jobs)
through Hydra's basic launcher (one job after another) and through the joblib launcher on 2 cores.

Not a test: it prints the two wall times and their ratio. Target: joblib at least 1.7x faster.
Each sweep is one `cityregions` command in a fresh sweep directory, timed from start to exit, so Hydra's
start-up, the up-front check of every swept value and writing every job's files are all included.
Usage: python benchmarks/bench_sweep.py [replicates]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cityregions.runs import sweep

LAUNCHERS = {"basic": ["hydra/launcher=basic"], "joblib (2 cores)": ["hydra.launcher.n_jobs=2"]}


def time_sweep(launcher: list[str], replicates: int, where: Path) -> float:
    """Seconds for one sweep of the experiment; fails loudly unless every job completed."""
    cmd = [sys.executable, "-m", "cityregions", "--multirun", "+experiment=scenario_comparison",
           f"replicate=range({replicates})", *launcher, f"hydra.sweep.dir={where}"]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=3600, cwd=where.parent)
    elapsed = time.perf_counter() - t0
    status = sweep.sweep_status(where)
    if r.returncode != 0 or not (status["state"] == "ok").all():
        raise SystemExit(f"sweep failed ({r.returncode}):\n{r.stderr[-2000:]}")
    return elapsed


def main(replicates: int = 4) -> None:
    """Print the wall time of each launcher and the speed-up of joblib over basic."""
    n_jobs = 5 * 5 * replicates
    times = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, launcher in LAUNCHERS.items():
            times[name] = time_sweep(launcher, replicates, Path(tmp) / name.split()[0])
            print(f"{name:18s} {times[name]:7.1f} s  ({n_jobs} jobs, {times[name] / n_jobs:.2f} s/job)", flush=True)
    ratio = times["basic"] / times["joblib (2 cores)"]
    print(f"{'speed-up':18s} {ratio:7.2f} x  (target >= 1.7)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 4)
