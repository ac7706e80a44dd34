"""`cityregions brief`: one municipality's page, from a sweep directory or from a comparison run now."""

from __future__ import annotations

from cityregions.app.args import Args, UsageError
from cityregions.app.comparison import region_of, run_sweep
from cityregions.reporting import brief


def main(args: Args) -> int:
    """Check the name before running anything, then write the brief."""
    name = args.get("municipality")
    if not name:
        raise UsageError('municipality=NAME is required, e.g. municipality="Halle (Saale)"')
    if args.dirs:
        source = args.dirs[0]
    else:
        _check_name(name, args)
        source = run_sweep(args)
    b = brief.make_brief(source, name, baseline=args.get("baseline"), lang=args.get("lang"))
    print(f"brief: {b.html}\nfigure: {b.figure}")
    return 0


def _check_name(name: str, args: Args) -> None:
    """Refuse an unknown municipality before running anything (the names come from the region's geography)."""
    from cityregions.config import load_config
    from cityregions.world.geography import region_geography

    region = region_of(args)
    if region == "all":
        raise UsageError("brief is for one municipality of one region: choose region=<name>")
    keep = [a for a in args.overrides if not a.startswith(("hydra.", "replicate=", "region="))]
    cfg = load_config([f"region={region}", *keep])
    brief.find_municipality(name, region_geography(cfg, region).names, region)
