"""`cityregions report <dir>`: the report of an existing run, sweep or dataset."""

from __future__ import annotations

from cityregions.app.args import Args
from cityregions.reporting import report


def main(args: Args) -> int:
    """Write the report and print its summary paragraphs and path."""
    rep = report.make_report(args.dirs[0], baseline=args.get("baseline"), lang=args.get("lang"),
                             dates=args.get("dates"), out_dir=args.get("out"), futures=args.get("futures"))
    print("\n".join(p for ps in rep.summaries.values() for p in ps))
    print(f"\nreport: {rep.html}")
    return 0
