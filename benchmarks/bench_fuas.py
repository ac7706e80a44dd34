"""Every functional urban area of the five countries built (its real municipalities, road network and catchment),
and the largest run to the horizon with its time and peak memory; writes docs/FUAS.md.

Not a test: it records what happened. The test suite builds a sample of each country's FUAs (tests/test_places.py);
this script builds all of them.
Usage: python benchmarks/bench_fuas.py [--no-write] [--horizon 2030Q4]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cityregions.config import COUNTRIES, load_config
from cityregions.world import places
from cityregions.world.geography import region_geography

DOC = Path(__file__).resolve().parents[1] / "docs" / "FUAS.md"
RUN_LARGEST = """
import resource, sys, time
from cityregions import load_config, run_scenario
cfg = load_config(["region=fua", "region.fua_id=" + sys.argv[1], "timeline.horizon=" + sys.argv[2], "progress=false"])
t = time.perf_counter()
res = run_scenario(cfg)
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, len(res.quarterly))
"""


def build_all() -> list[dict]:
    """One row per FUA: municipalities, pairs within reach, build seconds, or the reason it is not built."""
    rows = []
    for fua in places.fua_list():
        row = {"fua_id": fua["fua_id"], "name": fua["fua_name"], "country": fua["country"],
               "municipalities": int(fua["municipalities"]), "population": int(fua["population"])}
        t0 = time.perf_counter()
        try:
            geo = region_geography(load_config(["region=fua", f"region.fua_id={fua['fua_id']}"]))
        except ValueError as e:  # ConfigError: e.g. a FUA of one municipality
            rows.append({**row, "built": False, "note": str(e)})
            continue
        seconds = time.perf_counter() - t0
        label = places.fua_places(fua["fua_id"]).label
        rows.append({**row, "built": True, "pairs": int(geo.pairs.orig.size), "seconds": seconds,
                     "note": label.split("; ", 1)[1] if "; " in label else ""})
    return rows


def run_largest(fua_id: str, horizon: str) -> tuple[float, float, int]:
    """Seconds and peak resident memory (MB) of a whole run of one FUA, in a fresh process."""
    out = subprocess.run([sys.executable, "-c", RUN_LARGEST, fua_id, horizon], capture_output=True, text=True,
                         check=True, timeout=1800).stdout.split()
    return float(out[0]), float(out[1]), int(out[2])


def report(rows: list[dict], largest: dict, run: tuple[float, float, int], horizon: str) -> str:
    """docs/FUAS.md: the totals by country, the largest run, and every FUA not built with its reason."""
    lines = ["# Every functional urban area, built", "",
             "Written by `python benchmarks/bench_fuas.py` (do not edit by hand). Each FUA of Germany, Austria, "
             "Poland, Czechia and Italy is built from its real municipalities (Eurostat LAU 2019): positions, "
             "road network, catchment. A FUA of one municipality is refused: it has no neighbour to cooperate "
             "with.", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}.", "",
             "| country | FUAs | built | refused | municipalities (min–max) | build s (sum) | slowest build s |",
             "|---|---|---|---|---|---|---|"]
    for c in COUNTRIES:
        rs = [r for r in rows if r["country"] == c]
        built = [r for r in rs if r["built"]]
        munis = [r["municipalities"] for r in built]
        lines.append(f"| {c} | {len(rs)} | {len(built)} | {len(rs) - len(built)} | {min(munis)}–{max(munis)} | "
                     f"{sum(r['seconds'] for r in built):.1f} | {max(r['seconds'] for r in built):.2f} |")
    seconds, peak_mb, quarters = run
    lines += ["", f"The largest by municipalities, {largest['fua_id']} {largest['name']} ({largest['country']}, "
              f"{largest['municipalities']} municipalities, {largest['pairs']:,} pairs within reach), run to "
              f"{horizon} ({quarters} quarters, scenario city_regions): {seconds:.2f} s, peak memory "
              f"{peak_mb:,.0f} MB.", "", "Refused:", ""]
    lines += [f"- {r['fua_id']} {r['name']} ({r['country']}): {r['note']}" for r in rows if not r["built"]]
    lines += ["", "Built with municipalities left out (their positions are not in the data):", ""]
    lines += [f"- {r['fua_id']} {r['name']} ({r['country']}): {r['note']}" for r in rows if r["built"] and r["note"]]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Build every FUA, run the largest, print the report and (unless --no-write) write docs/FUAS.md."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-write", action="store_true", help="print only")
    ap.add_argument("--horizon", default="2030Q4", help="the largest FUA's run ends here")
    args = ap.parse_args()
    rows = build_all()
    largest = max((r for r in rows if r["built"]), key=lambda r: r["municipalities"])
    text = report(rows, largest, run_largest(largest["fua_id"], args.horizon), args.horizon)
    print(text)
    if not args.no_write:
        with tempfile.NamedTemporaryFile("w", dir=DOC.parent, delete=False, encoding="utf-8") as fh:
            fh.write(text)
        os.replace(fh.name, DOC)
        print(f"written: {DOC}")


if __name__ == "__main__":
    main()
