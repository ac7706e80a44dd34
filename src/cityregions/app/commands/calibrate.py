"""`cityregions calibrate region=R`: fit the free parameters to the region's calibration patterns and write the
fit as a Hydra config, every trial, and observed against simulated before and after."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cityregions.analysis.calibration import calibrate
from cityregions.app.args import Args, UsageError
from cityregions.config import REGIONS
from cityregions.runs import results


def main(args: Args) -> int:
    """Calibrate, write calibration_<region>.yaml, trials.csv and fit.csv, and print the fit."""
    region = args.get("region")
    if region is None:
        raise UsageError(f"region= is required; allowed: {', '.join(REGIONS)}; usage: cityregions calibrate "
                         "region=graz [trials=40] [seeds=2] [out=DIR]")
    seeds = args.get("seeds")
    fit = calibrate(region, args.get("trials"), seeds, sampler_seed=args.get("sampler_seed"),
                    overrides=args.overrides)
    out = Path(args.get("out") or f"outputs/calibration/{region}")
    text = fit.yaml()
    results.atomic_write(out / f"calibration_{region}.yaml", lambda p: p.write_text(text, encoding="utf-8"))
    results.atomic_write(out / "trials.csv", lambda p: fit.trials.to_csv(p, index=False))
    both = pd.concat([fit.before.assign(at="default"), fit.after.assign(at="fitted")], ignore_index=True)
    results.atomic_write(out / "fit.csv", lambda p: both.to_csv(p, index=False))
    cols = ["pattern", "period", "observed_in_region", "simulated", "error", "verdict", "fitted"]
    print(f"calibration of {region}: loss {fit.loss_before:.3g} at the defaults, {fit.loss_after:.3g} fitted "
          f"({len(fit.trials)} trials x {seeds} replicates)")
    print("fitted: " + ", ".join(f"{k}={v:.4g}" for k, v in fit.best.items()))
    if not fit.adopted:
        print("not adopted: " + fit.yaml().split("# Not adopted ", 1)[1].replace("\n# ", " ").strip())
    with pd.option_context("display.width", 200, "display.max_columns", 10):
        print(fit.after[cols].to_string(index=False))
    print(f"\nwritten: {out / f'calibration_{region}.yaml'}, {out / 'trials.csv'}, {out / 'fit.csv'}\n"
          f"to use it by default: copy {out / f'calibration_{region}.yaml'} to conf/calibration/{region}.yaml")
    return 0
