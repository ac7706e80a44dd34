"""Benchmark: wall time of the scenario_comparison experiment (5 scenarios x 5 regions x 4 replicates = 100 runs)
through Hydra's basic launcher (one job after another) and through the joblib launcher on 2 cores, first as 100
jobs of one run each, then as 25 jobs (region x scenario) that run their 4 replicates themselves (`batch`).

Not a test: it prints the wall times and the ratios. Target: joblib at least 1.8x faster than serial.
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


def time_sweep(launcher: list[str], replicates: int, where: Path, batched: bool = False) -> float:
    """Seconds for one sweep of the experiment (batched: a job per region and scenario running the replicates);
    fails loudly unless every job completed."""
    runs = ["replicate=0", f"batch.replicates={replicates}"] if batched else [f"replicate=range({replicates})"]
    cmd = [sys.executable, "-m", "cityregions", "--multirun", "+experiment=scenario_comparison", *runs, *launcher,
           f"hydra.sweep.dir={where}"]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=3600, cwd=where.parent)
    elapsed = time.perf_counter() - t0
    status = sweep.sweep_status(where)
    if r.returncode != 0 or not (status["state"] == "ok").all():
        raise SystemExit(f"sweep failed ({r.returncode}):\n{r.stderr[-2000:]}")
    return elapsed


def main(replicates: int = 4) -> None:
    """Print the wall time of each launcher and kind of job, and the speed-ups against the basic launcher's
    one-run jobs."""
    runs = 5 * 5 * replicates
    times = {}
    with tempfile.TemporaryDirectory() as tmp:
        for batched, n_jobs in ((False, runs), (True, 25)):
            for name, launcher in LAUNCHERS.items():
                label = f"{name}, {'batched' if batched else 'one run a job'}"
                times[label] = t = time_sweep(launcher, replicates, Path(tmp) / f"{name.split()[0]}{batched}", batched)
                print(f"{label:34s} {t:7.1f} s  ({n_jobs} jobs of {runs // n_jobs} run(s), {t / runs:.2f} s/run)",
                      flush=True)
    serial = times["basic, one run a job"]
    for label, t in times.items():
        print(f"{label:34s} {serial / t:7.2f} x the basic launcher's one-run jobs  (target for joblib >= 1.8)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 4)
