"""`cityregions status <sweep-dir>`: every planned job of a sweep and its state (ok, failed, incomplete,
missing); exit status 1 while any job is not ok."""

from __future__ import annotations

import pandas as pd

from cityregions.app.args import Args
from cityregions.runs import sweep


def main(args: Args) -> int:
    """Print the count of jobs by state and the jobs that are not ok."""
    sweep_dir = args.dirs[0]
    table = sweep.sweep_status(sweep_dir)
    planned = table[table["planned"]]
    counts = planned["state"].value_counts()
    print(f"{sweep_dir}: {len(planned)} jobs: " + ", ".join(
        f"{counts.get(s, 0)} {s}" for s in ("ok", "failed", "incomplete", "missing")))
    rest = planned[planned["state"] != "ok"][["state", "job", "error"]]
    if len(rest):
        with pd.option_context("display.width", 200, "display.max_colwidth", 100):
            print(rest.to_string(index=False))
    return 0 if rest.empty else 1
