"""Benchmark: where a run of the five real regions spends its time, stage by stage of the quarter.

Not a test. Each stage's function is timed with perf_counter around its calls (no profiler, whose per-call cost
would inflate the many small calls a quarter makes), over one run of each of the five regions (default config,
seed 0, 2012Q3-2030Q4, 370 quarters in all); the table gives the median over the repeats of each stage's time,
its share of the whole run and its cost per quarter. A sub-stage ("of which") is part of the stage above it.
The Markdown table goes into docs/PERFORMANCE.md between ``<!-- bench_stages:begin -->`` and
``<!-- bench_stages:end -->`` (``--no-write``: print only).
Usage: python benchmarks/bench_stages.py [--repeats R] [--no-write]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench_scale import PERFORMANCE_MD, about, rounds_arguments, table, write_tables
from mesa import DataCollector

from cityregions.config import REGIONS, RunConfig
from cityregions.model import governance, state, vote
from cityregions.model import model as model_module
from cityregions.model.blas import one_blas_thread
from cityregions.model.model import CityRegionModel
from cityregions.rules import boundary, transport
from cityregions.world import catchment

NAME = "bench_stages"
# (label, owner, attribute): the functions timed; a label starting with SUB is part of the stage above it
SUB = "of which: "
STAGES: tuple[tuple[str, Any, str], ...] = (
    ("building the model", CityRegionModel, "_build"),
    (f"{SUB}checking the configuration", model_module, "validate"),
    (f"{SUB}travel times (scipy's Dijkstra)", catchment, "build"),
    (f"{SUB}the outside's deterrence", boundary, "external_zone"),
    (f"{SUB}the PT constant (brentq)", transport, "calibrate_asc"),
    ("exchange of good practice", governance, "exchange"),
    ("forming the pilots", governance, "form_pilots"),
    ("pilots' learning", governance, "pilot_learning"),
    ("council votes", vote, "council_vote"),
    ("joining and leaving", governance, "join_or_leave"),
    ("growth (people, jobs, land)", CityRegionModel, "_grow"),
    ("commuting", CityRegionModel, "_commute"),
    (f"{SUB}balancing the flows (Furness)", state.Commuting, "balance"),
    ("finance", CityRegionModel, "_finance"),
    ("settling the agreements", governance, "settle"),
    ("logging memberships", CityRegionModel, "_log_membership"),
    ("Mesa's DataCollector", DataCollector, "collect"),
)


@contextmanager
def timed(spent: dict[str, float]) -> Iterator[None]:
    """Every stage's function wrapped to add its wall time to spent[label], unless it runs inside another stage
    (building the model commutes once): a sub-stage counts wherever it runs. The originals come back at the end."""
    originals = [(owner, attr, getattr(owner, attr)) for _, owner, attr in STAGES]
    running: list[str] = []

    def wrapper(label: str, f: Callable[..., Any]) -> Callable[..., Any]:
        sub = label.startswith(SUB)

        def run(*args: Any, **kwargs: Any) -> Any:
            counted = sub or not running
            if not sub:
                running.append(label)
            t0 = time.perf_counter()
            try:
                return f(*args, **kwargs)
            finally:
                if counted:
                    spent[label] += time.perf_counter() - t0
                if not sub:
                    running.pop()
        return run

    try:
        for (label, owner, attr), (_, _, f) in zip(STAGES, originals, strict=True):
            setattr(owner, attr, wrapper(label, f))
        yield
    finally:
        for owner, attr, f in originals:
            setattr(owner, attr, f)


def one_round() -> tuple[float, dict[str, float], int]:
    """One run of each region: the total seconds, each stage's seconds, and the quarters simulated."""
    spent: dict[str, float] = defaultdict(float)
    quarters = 0
    with timed(spent):
        t0 = time.perf_counter()
        for region in REGIONS:
            with one_blas_thread():
                m = CityRegionModel(RunConfig(), region=region)
                m.run_model()
            quarters += m.steps
        total = time.perf_counter() - t0
    return total, spent, quarters


def main(argv: list[str] | None = None) -> int:
    """Time the stages and print (and write) the table."""
    args = rounds_arguments(__doc__.splitlines()[0], argv)
    one_round()  # imports, caches and the first-call costs stay out of the medians
    rounds = [one_round() for _ in range(args.repeats)]
    total = statistics.median(r[0] for r in rounds)
    quarters = rounds[0][2]
    rows = []
    for label, _, _ in STAGES:
        s = statistics.median(r[1].get(label, 0.0) for r in rounds)
        rows.append([label, f"{s * 1e3:.1f}", f"{100 * s / total:.1f}", f"{s / quarters * 1e6:.0f}"])
    timed_stages = sum(float(r[1]) for r in rows if not r[0].startswith(SUB))
    rest = total * 1e3 - timed_stages
    rows.append(["the rest (Mesa's step, the quarter's own code)", f"{rest:.1f}", f"{100 * rest / (total * 1e3):.1f}",
                 f"{rest / quarters * 1e3:.0f}"])
    rows.append(["all five regions", f"{total * 1e3:.1f}", "100.0", f"{total / quarters * 1e6:.0f}"])
    headers = ["stage", "ms", "share %", "µs per quarter"]
    command = "python benchmarks/bench_stages.py" + (f" --repeats {args.repeats}" if args.repeats != 7 else "")
    note = (f"_Median of {args.repeats} rounds; one round is one run of each of the five regions (default config, "
            f"seed 0, 2012Q3-2030Q4, {quarters} quarters, building included); \"building\" is counted per run, its "
            "µs per quarter spread over the run's quarters._")
    markdown = ["| " + " | ".join(headers) + " |", "|:---|---:|---:|---:|",
                *("| " + " | ".join(r) + " |" for r in rows)]
    block = "\n".join([about(command), "", *markdown, "", note])
    print(table(headers, rows, markdown=False))
    if not args.no_write:
        write_tables(Path(PERFORMANCE_MD), block, NAME)
    return 0


if __name__ == "__main__":
    sys.exit(main())
