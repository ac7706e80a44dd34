"""`cityregions validate`: run the historical scenario (`city_regions`) for each region and replicate in this
process and write validation.csv and VALIDATION.md (observed patterns against simulated ones, calibration and
out-of-sample validation patterns apart). Failing patterns are reported, not errors: it exits 0 once the report
is written. Other key=value are overrides of every run (e.g. timeline.horizon=2016Q4)."""

from __future__ import annotations

from pathlib import Path

from cityregions.app.args import Args, UsageError
from cityregions.config import REGIONS

REFUSED = {"region": "choose regions with regions=[..] (default: all five)",
           "scenario": "validate runs the historical scenario only; allowed: city_regions",
           "replicate": "choose the number of replicates with seeds=N",
           "output_dir": "choose the report's directory with out=DIR"}


def main(args: Args) -> int:
    """Validate and write the report; print the summary and every pattern that does not pass."""
    import pandas as pd

    from cityregions import __version__
    from cityregions.analysis import validation
    from cityregions.config import load_config
    from cityregions.reporting import validation_report

    for a in args.overrides:
        key = a.split("=", 1)[0].lstrip("+~")
        if a != "scenario=city_regions" and (key in REFUSED or key.startswith("hydra.")):
            raise UsageError(f"{a}: {REFUSED.get(key, 'no Hydra settings: validate runs in this process')}")
    regions = args.get("regions")
    regions = list(REGIONS) if regions == ["all"] else regions
    if "all" in regions:
        raise UsageError(f"regions={regions}: all stands alone (regions=all)")
    seeds = args.get("seeds")
    raw_out = str(args.get("out"))
    out = Path(raw_out)
    if not raw_out.strip() or (out.exists() and not out.is_dir()):
        raise UsageError(f"out={raw_out!r} must name a directory (it is created if missing)")
    cfg = load_config([f"region={regions[0]}", "scenario=city_regions", *args.overrides])  # bad overrides: early
    print(f"cityregions validate: scenario city_regions, {seeds} replicate(s) of {', '.join(regions)}", flush=True)
    votes: list[dict] = []
    report = validation.run(regions, seeds, args.overrides, votes=votes)
    command = " ".join(["cityregions", "validate", *args.raw])
    meta = {"command": command, "regions": regions, "seeds": seeds, "seed": cfg.seed,
            "horizon": cfg.timeline.horizon, "overrides": args.overrides, "version": __version__}
    csv_path, md_path = validation_report.write(report, out, meta, pd.DataFrame(votes))
    print(validation_report.summary_table(report))
    bad = report[report["verdict"] != "pass"]
    for _, r in bad.iterrows():
        print(f"  {r['verdict']:>14}  {r['use']:<11} {r['region']:<8} {r['pattern']} {r['period']}: observed "
              f"{r['observed_in_region']}, simulated {r['simulated']}")
    print(f"\nreport: {md_path}\ntable: {csv_path}")
    return 0
