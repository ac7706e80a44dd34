"""A user's municipality table takes the same path as `region=synthetic`: the synthetic region of N municipalities
is written out as a CSV table, and both are built and run to the horizon, each in a fresh interpreter so that its
peak memory is its own. Prints one row each (build and step seconds, peak MB) and the size estimate they were
checked against, as a Markdown table for docs/PERFORMANCE.md.

Not a test: it records what happened.
Usage: python benchmarks/bench_user_table.py [--n 10000]
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, resource, sys, time
from cityregions.config import RegionConfig, RunConfig
from cityregions.model.blas import one_blas_thread
from cityregions.model.model import CityRegionModel
kind, n, table = sys.argv[1], int(sys.argv[2]), sys.argv[3]
region = (RegionConfig(name="synthetic", n_municipalities=n) if kind == "synthetic" else
          RegionConfig(name="leipzig", municipalities_csv=table))
t0 = time.perf_counter()
with one_blas_thread():
    m = CityRegionModel(RunConfig(region=region, progress=False), region=None if kind == "synthetic" else "leipzig")
    t1 = time.perf_counter()
    m.run_model()
t2 = time.perf_counter()
print(json.dumps({"kind": kind, "municipalities": m.geo.n, "pairs": m.geo.pairs.nnz, "build_s": t1 - t0,
                  "step_s": t2 - t1, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def write_table(n: int, path: Path) -> dict:
    """The synthetic region of n municipalities as a user's table; returns its size estimate."""
    from cityregions.config import RegionConfig, RunConfig
    from cityregions.world import catchment, size
    from cityregions.world.geography import region_geography

    cfg = RunConfig(region=RegionConfig(name="synthetic", n_municipalities=n), progress=False)
    g = region_geography(cfg)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "population", "area_km2", "x_km", "y_km", "is_core"])
        for i in range(g.n):
            w.writerow([g.names[i], repr(float(g.population[i])), repr(float(g.area_km2[i])),
                        repr(float(g.x_km[i])), repr(float(g.y_km[i])), int(g.is_core[i])])
    tp = cfg.params.transport
    est = size.estimate(g.x_km, g.y_km, catchment.reach_km(tp.catchment_min, tp.car_speed_kmh / 60 / tp.circuity))
    return {"pairs": est.pairs, "memory_mb": est.memory_bytes / 1e6, "step_s": est.seconds_per_quarter}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="surrounding municipalities of the synthetic region")
    n = ap.parse_args().n
    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / f"synthetic_{n}.csv"
        est = write_table(n, table)
        rows = []
        for kind in ("synthetic", "table"):
            done = subprocess.run([sys.executable, "-c", CHILD, kind, str(n), str(table)], capture_output=True,
                                  text=True, timeout=3600)
            if done.returncode != 0:
                print(f"{kind}: failed: {done.stderr.strip()[-500:]}", file=sys.stderr)
                return 1
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    steps = 74  # quarters 2012Q3-2030Q4
    print(f"estimate: {est['pairs']:,} straight-line pairs, {est['memory_mb']:,.0f} MB, "
          f"{est['step_s'] * steps:.0f} s for {steps} quarters")
    print("| region | municipalities | pairs kept | build (s) | 74 quarters (s) | peak memory (MB) |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        name = f"`region=synthetic` of {n:,}" if r["kind"] == "synthetic" else "the same as a user's table"
        print(f"| {name} | {r['municipalities']:,} | {r['pairs']:,} | {r['build_s']:.1f} | {r['step_s']:.1f} | "
              f"{r['peak_mb']:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
