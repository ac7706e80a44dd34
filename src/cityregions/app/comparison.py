"""What `compare` and `brief` share: the region asked for, and the comparison's sweep, run as one Hydra multirun
with common random numbers (replicate k of every scenario draws the same random numbers), resumable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from cityregions.app.args import Args, UsageError
from cityregions.config.compose import override_value

# keys whose value names a file: a relative path in them is made absolute before the sweep is launched
FILE_KEYS = ("region.municipalities_csv",)


def region_of(args: Args) -> str:
    """The one region of the overrides (default leipzig)."""
    regions = [a.split("=", 1)[1] for a in args.overrides if a.split("=", 1)[0] == "region"]
    if len(regions) > 1 or (regions and "," in regions[0]):
        raise UsageError("compare runs one region (or region=all) at a time: region=" + ",".join(regions))
    return regions[0] if regions else "leipzig"


def _absolute(value: str, cwd: Path) -> str:
    """The path made absolute against cwd (symbolic links and `..` resolved); an interpolation (${...}) is left to
    Hydra."""
    return value if "${" in value else str((cwd / value).resolve())


def absolute_paths(overrides: list[str], cwd: Path) -> list[str]:
    """The overrides with every relative path of a file-valued key (FILE_KEYS) made absolute against cwd, the
    user's directory (a swept list of files too: region.municipalities_csv=a.csv,b.csv).

    Each job of a sweep is named by its overrides, and its directory by that name: a relative path such as
    ../../x.csv would put the directory outside the sweep, and would name a different file in a job that runs
    elsewhere. Other overrides are passed on as written; a value the grammar cannot read is left to Hydra's
    own message."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    out = []
    for arg in overrides:
        key = arg.split("=", 1)[0].lstrip("+~")
        if key not in FILE_KEYS:
            out.append(arg)
            continue
        try:
            o = parser.parse_override(arg)
            value: Any = o.value()
        except Exception:  # noqa: BLE001 - Hydra's grammar error: Hydra refuses it with its own message
            out.append(arg)
            continue
        items = value.list if hasattr(value, "list") and getattr(value, "simple_form", False) else [value]
        if o.is_delete() or not items or not all(isinstance(v, str) and v for v in items):
            out.append(arg)  # null, a deletion, or a sweep function (glob, range): nothing to resolve
            continue
        paths = [_absolute(v, cwd) for v in items]
        out.append(arg if paths == items else f"{o.get_key_element()}={','.join(map(override_value, paths))}")
    return out


def run_sweep(args: Args) -> Path:
    """Run the comparison's sweep into out (default multirun/compare/<region>) and return its directory."""
    scenarios, seeds, region = args.get("scenarios"), args.get("seeds"), region_of(args)
    baseline = args.get("baseline")
    if baseline is not None and baseline not in scenarios:
        raise UsageError(f"baseline={baseline!r} is not among scenarios={scenarios}")
    out = Path(args.get("out") or f"multirun/compare/{region}")
    overrides = absolute_paths([a for a in args.overrides if not a.startswith("region=")], Path.cwd())
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
