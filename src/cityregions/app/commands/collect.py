"""`cityregions collect <sweep-dir> [out=DIR]`: gather a sweep's complete jobs into one dataset (Parquet tables
and the jobs table) and report the jobs that are not; exit status 1 while any job is not ok."""

from __future__ import annotations

from pathlib import Path

from cityregions.app.args import Args
from cityregions.runs import collect


def main(args: Args) -> int:
    """Write the dataset (default: <sweep-dir>/dataset) and print what was gathered."""
    out = args.get("out")
    gathered = collect.collect(args.dirs[0], Path(out) if out else None)
    print(gathered.report())
    return 0 if gathered.not_ok.empty else 1
