"""`cityregions rerun <run-dir>`: run a finished run again from its saved configuration and say whether every
table is identical (exit status 0) or where it differs and what changed in the software since (1)."""

from __future__ import annotations

from cityregions.app.args import Args
from cityregions.runs.rerun import rerun


def main(args: Args) -> int:
    """Print each table's check, the software that changed, and the verdict."""
    out = rerun(args.dirs[0])
    for t in out.tables:
        print(f"{t.table:<15} {'identical' if t.identical else 'DIFFERENT'}  {t.detail}")
    for k, (was, now) in out.changed.items():
        print(f"changed since the run: {k}: {was} -> {now}")
    print(f"{out.run_dir}: " + ("reproduced: every table identical" if out.identical else "NOT reproduced"))
    return 0 if out.identical else 1
