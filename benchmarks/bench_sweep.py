"""Benchmark: wall time of a 100-run sweep of the five regions, serial and on 2 cores, and what the machine's
two cores can give at all.

The sweep is the scenario_comparison experiment with 4 replicates (5 scenarios x 5 regions x 4 = 100 runs), each
one `cityregions` command in a fresh sweep directory, timed from start to exit (Hydra's start-up, the up-front
check of every swept value and writing every job's files included), through:
- Hydra's basic launcher, one job after another: the serial sweep;
- the project's launcher (`hydra/launcher=cityregions`, the default) on 2 workers;
- Hydra's joblib launcher on 2 workers, as shipped (one job to a hand-over, each job composed from scratch);
- and the same 100 runs as 25 jobs that run their 4 replicates themselves (`batch.replicates=4`).
The ceiling is the same pure-Python loop run twice one after the other, then twice side by side: the most any
launcher can gain on this machine. Target: a 100-job sweep at least 1.8x faster on 2 cores than serial.

Not a test: it prints a table (Markdown) and writes it into docs/PERFORMANCE.md between the lines
``<!-- bench_sweep:begin -->`` and ``<!-- bench_sweep:end -->`` (``--no-write``: print only). A failed sweep
stops the script before anything is written.
Usage: python benchmarks/bench_sweep.py [--repeats R] [--replicates N] [--no-write]
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_scale import PERFORMANCE_MD, about, table, target, write_tables

from cityregions.runs import sweep

TARGET = 1.8
SWEEPS = {  # label: (launcher overrides, batched)
    "basic launcher (serial), 100 jobs of 1 run": (["hydra/launcher=basic"], False),
    "cityregions launcher, 2 workers, 100 jobs of 1 run": (["hydra.launcher.n_jobs=2"], False),
    "Hydra's joblib launcher, 2 workers, 100 jobs of 1 run": (["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"],
                                                              False),
    "basic launcher (serial), 25 jobs of 4 runs": (["hydra/launcher=basic"], True),
    "cityregions launcher, 2 workers, 25 jobs of 4 runs": (["hydra.launcher.n_jobs=2"], True),
}
SERIAL, OURS = list(SWEEPS)[0], list(SWEEPS)[1]
LOOP = "s = 0\nfor i in range(30_000_000):\n    s += i"


def time_sweep(launcher: list[str], replicates: int, where: Path, batched: bool) -> float:
    """Seconds for one sweep of the experiment into `where`; fails loudly unless every job completed."""
    runs = ["replicate=0", f"batch.replicates={replicates}"] if batched else [f"replicate=range({replicates})"]
    cmd = [sys.executable, "-m", "cityregions", "--multirun", "+experiment=scenario_comparison", *runs, *launcher,
           f"hydra.sweep.dir={where}"]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=3600, cwd=where.parent)
    elapsed = time.perf_counter() - t0
    status = sweep.sweep_status(where)
    if r.returncode != 0 or not (status["state"] == "ok").all():
        raise SystemExit(f"sweep failed ({r.returncode}): {shlex.join(cmd)}\n{r.stderr[-2000:]}")
    return elapsed


def ceiling() -> tuple[float, float]:
    """Seconds for two runs of a pure-Python loop one after the other, and side by side in two processes."""
    cmd = [sys.executable, "-c", LOOP]
    t0 = time.perf_counter()
    for _ in range(2):
        subprocess.run(cmd, check=True, timeout=600)
    serial = time.perf_counter() - t0
    t0 = time.perf_counter()
    procs = [subprocess.Popen(cmd) for _ in range(2)]
    for p in procs:
        p.wait(timeout=600)
    return serial, time.perf_counter() - t0


def progress(msg: str) -> None:
    print(f"[bench_sweep] {msg}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="sweeps of each kind, interleaved (median) [3]")
    ap.add_argument("--replicates", type=int, default=4, help="replicates per region and scenario [4]")
    ap.add_argument("--no-write", action="store_true", help="print the table only; write no file")
    args = ap.parse_args(argv)
    runs = 25 * args.replicates
    times: dict[str, list[float]] = {label: [] for label in SWEEPS}
    ceilings = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.repeats):  # interleaved, so that every kind sees the machine's slow moments alike
            ceilings.append(ceiling())
            for i, (label, (launcher, batched)) in enumerate(SWEEPS.items()):
                t = time_sweep(launcher, args.replicates, Path(tmp) / f"s{k}_{i}", batched)
                times[label].append(t)
                progress(f"repeat {k + 1}: {label}: {t:.1f} s")
    serial = statistics.median(times[SERIAL])
    rows = []
    for label, ts in times.items():
        t = statistics.median(ts)
        goal = target(f">= {TARGET}x serial", serial / t >= TARGET) if label == OURS else ""
        rows.append([label, f"{t:.1f}", f"{t / runs:.3f}", f"{serial / t:.2f}", goal])
    two = statistics.median(s for s, _ in ceilings) / statistics.median(p for _, p in ceilings)
    rows.append(["ceiling: a pure-Python loop twice, serial / side by side", "-", "-", f"{two:.2f}",
                 "the most 2 cores give here"])
    command = f"python benchmarks/bench_sweep.py --repeats {args.repeats} --replicates {args.replicates}"
    block = "\n".join([about(command), "",
                       table(["sweep of 100 runs", "median s", "s per run", "× serial", "target"], rows, True), "",
                       f"_Median of {args.repeats} interleaved repeat(s); each sweep from the command's start to its "
                       "exit into a new directory; × serial = the serial sweep's time / this one's._"])
    print(block)
    if not args.no_write:
        write_tables(PERFORMANCE_MD, block, name="bench_sweep")
    return 0


if __name__ == "__main__":
    sys.exit(main())
