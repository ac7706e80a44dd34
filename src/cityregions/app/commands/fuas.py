"""`cityregions fuas [country=XX]`: the functional urban areas any of which `region=fua region.fua_id=<code>` runs,
largest first (those of one municipality are left out: they have no neighbour to cooperate with)."""

from __future__ import annotations

from cityregions.app.args import Args
from cityregions.world.places import fua_list


def main(args: Args) -> int:
    """Print code, name, country, municipalities and population of every FUA (of one country, if given)."""
    country = args.get("country")
    every = [f for f in fua_list() if country is None or f["country"] == country]
    rows = [f for f in every if int(f["municipalities"]) >= 2]
    rows.sort(key=lambda f: -int(f["population"]))
    print(f"{'code':<9} {'name':<32} {'country':<7} {'municipalities':>14} {'population':>11}")
    for f in rows:
        print(f"{f['fua_id']:<9} {f['fua_name'][:32]:<32} {f['country']:<7} {int(f['municipalities']):>14,} "
              f"{int(f['population']):>11,}")
    print(f"\n{len(rows)} functional urban areas of two or more municipalities ({len(every) - len(rows)} of one "
          "left out: no neighbour to cooperate with); run one with: cityregions region=fua region.fua_id=<code>")
    return 0
