"""What `compare` and `brief` share: the region asked for, and the comparison's sweep, run as one Hydra multirun
with common random numbers (replicate k of every scenario draws the same random numbers), resumable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cityregions.app.args import Args, UsageError


def region_of(args: Args) -> str:
    """The one region of the overrides (default leipzig)."""
    regions = [a.split("=", 1)[1] for a in args.overrides if a.split("=", 1)[0] == "region"]
    if len(regions) > 1 or (regions and "," in regions[0]):
        raise UsageError("compare runs one region (or region=all) at a time: region=" + ",".join(regions))
    return regions[0] if regions else "leipzig"


def run_sweep(args: Args) -> Path:
    """Run the comparison's sweep into out (default multirun/compare/<region>) and return its directory."""
    scenarios, seeds, region = args.get("scenarios"), args.get("seeds"), region_of(args)
    baseline = args.get("baseline")
    if baseline is not None and baseline not in scenarios:
        raise UsageError(f"baseline={baseline!r} is not among scenarios={scenarios}")
    out = Path(args.get("out") or f"multirun/compare/{region}")
    overrides = [a for a in args.overrides if not a.startswith("region=")]
    cmd = [sys.executable, "-m", "cityregions", "--multirun", f"region={region}", f"scenario={','.join(scenarios)}",
           f"replicate=range({seeds})", f"hydra.sweep.dir={out}", *overrides]
    print(f"cityregions compare: {len(scenarios)} scenarios x {seeds} replicates of {region} into {out}", flush=True)
    code = subprocess.run(cmd, check=False).returncode
    if code == 2:
        raise UsageError("the sweep refused its configuration (see the message above)")
    if code != 0:
        print(f"cityregions compare: some jobs failed (exit status {code}); comparing the complete ones",
              file=sys.stderr)
    return out
