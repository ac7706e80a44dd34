"""Benchmark: the five regions' cost against Mesa's cheapest agent step, in machine instructions rather than seconds.

Not a test. The machine's speed drifts by tens of per cent within minutes, more than a round of speed work
gains, so seconds cannot tell two versions of the code apart. Instructions can: valgrind's callgrind counts every
instruction a process executes, the same count for the same code and inputs whatever else the machine does.
Each case runs in its own process under callgrind, once with the work and once without (imports, data tables
and one warm-up run of every region in both), and the difference is the work's own count:
1. the floor: bench_scale's Mesa wealth model, 1,000 agents, 200 steps (instructions per agent-step);
2. each real region, one run to 2030Q4 (default config, seed 0; instructions per municipality-step), and the
   five together, with their multiple of the floor.
Instructions are not time: numpy's loops over arrays do more per cycle than the interpreter, so the multiple in
instructions is lower than bench_scale's multiple in seconds, and the 6x target is bench_scale's. This one
tells whether a change made the model cheaper, and by how much. The Markdown table goes into docs/PERFORMANCE.md
between ``<!-- bench_instructions:begin -->`` and ``<!-- bench_instructions:end -->`` (``--no-write``: print only).
Needs valgrind (Debian's package); about 4 minutes on 2 cores.
Usage: python benchmarks/bench_instructions.py [--no-write] [--jobs J]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from bench_scale import FLOOR_AGENTS, FLOOR_STEPS, PERFORMANCE_MD, WealthModel, about, machine, table, write_tables

from cityregions.config import REGIONS, RunConfig
from cityregions.model.model import CityRegionModel

NAME = "bench_instructions"
COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")
QUARTERS = 74  # 2012Q3-2030Q4, the default timeline
TIMEOUT_S = 1800


def child(case: str, work: bool) -> None:
    """The measured process: everything but the work itself first (imports, tables, a warm-up), then the work
    if asked."""
    if case == "floor":
        m = WealthModel(FLOOR_AGENTS, seed=0)
        m.step()
        for _ in range(FLOOR_STEPS if work else 0):
            m.step()
        return
    for region in REGIONS:  # every region's data tables and caches loaded, as in a sweep's worker
        CityRegionModel(RunConfig(), region=region).run_model()
    if work:
        CityRegionModel(RunConfig(), region=case).run_model()


def count(case: str, work: bool) -> int:
    """Instructions executed by one child process under callgrind."""
    env = dict(os.environ, PYTHONHASHSEED="0", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               MKL_NUM_THREADS="1")
    with tempfile.TemporaryDirectory() as tmp:
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={Path(tmp) / 'out'}", sys.executable,
               str(Path(__file__).resolve()), "--child", case, *(["--work"] if work else [])]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    found = COLLECTED.findall(done.stderr)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"callgrind of {case} (work={work}) failed, exit {done.returncode}: {done.stderr[-600:]}")
    return int(found[-1])


def fitted(own: dict[str, int], sizes: dict[str, int], floor: float) -> list[list[str]]:
    """The five regions' instructions per quarter fitted as fixed + per_municipality x municipalities, and what
    that fit implies: the share of the fixed part, and the multiple of the floor with the fixed part paid once a
    quarter for all five (regions stepped together in one set of arrays) or not at all (the per-municipality
    part alone: what no restructuring of the quarter's calls removes)."""
    n = np.array([sizes[r] for r in REGIONS], dtype=float)
    per_quarter = np.array([own[r] for r in REGIONS], dtype=float) / QUARTERS
    per_municipality, fixed = np.polyfit(n, per_quarter, 1)
    steps = n.sum() * QUARTERS
    total = float(per_quarter.sum()) * QUARTERS
    once = (fixed + per_municipality * n.sum()) * QUARTERS
    alone = per_municipality * steps

    def row(label: str, instr: float) -> list[str]:
        return [label, f"{instr / 1e6:,.0f}", f"{instr / steps / floor:.1f}"]
    return [[f"fixed, per region-quarter ({5 * fixed * QUARTERS / total:.0%} of the five regions)",
             f"{fixed / 1e6:,.2f}", "-"],
            ["per municipality-quarter", f"{per_municipality / 1e6:,.3f}", "-"],
            row("the five regions as measured", total),
            row("fixed part paid once a quarter for all five", once),
            row("per-municipality part alone", alone)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-write", action="store_true", help="print only; leave docs/PERFORMANCE.md alone")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes under callgrind at once")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--work", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child, args.work)
        return 0
    if shutil.which("valgrind") is None:
        print("bench_instructions: valgrind is not installed (Debian: apt-get install valgrind)", file=sys.stderr)
        return 2
    cases = [("floor", False), ("floor", True), (REGIONS[0], False), *((r, True) for r in REGIONS)]
    with ThreadPoolExecutor(max(args.jobs, 1)) as pool:
        counts = dict(zip(cases, pool.map(lambda c: count(*c), cases), strict=True))
    floor = (counts["floor", True] - counts["floor", False]) / (FLOOR_AGENTS * FLOOR_STEPS)
    idle = counts[REGIONS[0], False]
    sizes = {r: CityRegionModel(RunConfig(), region=r).geo.n for r in REGIONS}
    own = {r: counts[r, True] - idle for r in REGIONS}
    rows = [["floor: Mesa wealth model, 1,000 agents", f"{FLOOR_AGENTS:,} agents",
             f"{(counts['floor', True] - counts['floor', False]) / 1e6:,.0f}", f"{floor:,.0f}", "1.0"]]
    for label, instr, n in [*((f"region {r}", own[r], sizes[r]) for r in REGIONS),
                            ("all five regions", sum(own.values()), sum(sizes.values()))]:
        per = instr / (n * QUARTERS)
        rows.append([label, f"{n:,}", f"{instr / 1e6:,.0f}", f"{per:,.0f}", f"{per / floor:.1f}"])
    headers = ["case", "municipalities", "instructions (millions)", "per municipality-step", "× floor"]
    fit_headers, fit_rows = ["the five regions' instructions, fitted", "millions", "× floor"], fitted(own, sizes, floor)
    note = ("_valgrind callgrind; each count is a run with the work less one without it (imports, tables and a "
            "warm-up run of every region in both); default config, seed 0, 2012Q3-2030Q4 (74 quarters), "
            "building included; BLAS on one thread; PYTHONHASHSEED=0. × floor = instructions per "
            "municipality-step / the floor's per agent-step (its per agent-step column)._")
    fit_note = ("_A straight line through the five regions' instructions per quarter against their municipalities "
                "(least squares): a fixed part each region pays every quarter whatever its size, and a part per "
                "municipality. An estimate from five points, not a measurement of the alternatives._")
    print("\n".join(machine()) + "\n\n" + table(headers, rows, markdown=False) + "\n\n"
          + table(fit_headers, fit_rows, markdown=False))
    if not args.no_write:
        block = about("python benchmarks/bench_instructions.py")
        write_tables(PERFORMANCE_MD, f"{block}\n\n{table(headers, rows, markdown=True)}\n\n{note}\n\n"
                     f"{table(fit_headers, fit_rows, markdown=True)}\n\n{fit_note}", NAME)
        print(f"written to {PERFORMANCE_MD}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
