"""`cityregions compare`: run the scenarios as paired replicates (or read a finished sweep), print the scorecard
and write the report."""

from __future__ import annotations

import pandas as pd

from cityregions.app.args import Args, UsageError
from cityregions.app.comparison import run_sweep
from cityregions.reporting import report


def main(args: Args) -> int:
    """Compare and report; the report's paths are printed last."""
    if args.dirs:
        if args.overrides:
            raise UsageError("give either one sweep directory or overrides to run, not both")
        source = args.dirs[0]
    else:
        source = run_sweep(args)
    rep = report.make_report(source, baseline=args.get("baseline"), lang=args.get("lang"), dates=args.get("dates"),
                             futures=args.get("futures"))
    print_scorecard(rep)
    print(f"\nreport: {rep.html}\nfigures: {', '.join(p.name for p in rep.figures)} in {rep.out_dir}")
    return 0


def print_scorecard(rep: report.Report) -> None:
    """The scorecard's rows against the baseline, then the report's summary paragraphs."""
    card = rep.scorecard
    if "verdict" in card.columns:
        card = card[card["verdict"] != "baseline"]
    cols = [c for c in ("region", "arm", "dimension", "metric", "unit", "baseline_mean", "mean", "diff", "diff_lo",
                        "diff_hi", "verdict", "futures_better", "futures_worse") if c in card.columns]
    with pd.option_context("display.width", 200, "display.max_rows", 500, "display.float_format", "{:.4g}".format):
        print(card[cols].to_string(index=False))
    for paragraphs in rep.summaries.values():
        print("\n" + "\n".join(paragraphs))
