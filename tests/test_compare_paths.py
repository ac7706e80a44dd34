"""`compare` with a municipality table given by a relative path: the path is made absolute against the user's
directory before the sweep names its jobs, and every job's directory stays inside the sweep.

Each job's directory is named by its overrides; a relative path such as ../../x.csv in that name once put the
jobs beside (or above) the sweep, where compare then found "no complete run".
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from cityregions.app.comparison import absolute_paths
from cityregions.runs import sweep

TABLE = ("name,population,area_km2,x_km,y_km,is_core\n"
         "Core,500000,300,0,0,1\nNorth,20000,40,12,3,0\nSouth,15000,35,-8,9,0\nThird,9000,30,5,-14,0\n")


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run `python -m cityregions ...` with a timeout, capturing its output."""
    return subprocess.run([sys.executable, "-m", "cityregions", *args], capture_output=True, text=True,
                          timeout=600, cwd=cwd)


def test_a_relative_table_path_keeps_every_job_inside_the_sweep(tmp_path):
    tmp_path = tmp_path.resolve()
    table = tmp_path / "data" / "munis.csv"
    table.parent.mkdir()
    table.write_text(TABLE, encoding="utf-8")
    work = tmp_path / "a" / "b" / "c"
    work.mkdir(parents=True)
    # jobs named by the path as written went to cmp/region.municipalities_csv=../../../data/munis.csv,region=..,
    # that is a/b/c/data/munis.csv,region=..: outside the sweep
    done = cli("compare", "region=graz", "region.municipalities_csv=../../../data/munis.csv",
               "scenarios=[no_cooperation,integrated]", "seeds=1", "timeline.horizon=2015Q4", "futures=0", "out=cmp",
               cwd=work)
    assert done.returncode == 0, done.stderr[-3000:]
    out = work / "cmp"
    assert (out / "report" / "report.html").is_file()
    jobs = sweep.find_jobs(out)
    assert len(jobs) == 2
    for key, d in jobs.items():
        assert str(table) in key  # the job is named by the absolute path
        assert d.resolve().parent == out and d.name == sweep.job_dir_name(key)  # one directory in it
    manifests = sorted(tmp_path.rglob("manifest.json"))
    assert manifests and all(out in m.resolve().parents for m in manifests)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "data"] and [p.name for p in work.iterdir()] == ["cmp"]
    j = pd.read_parquet(out / "dataset" / "jobs.parquet")
    assert (j["state"] == "ok").all() and set(j["region.municipalities_csv"]) == {str(table)}


def test_file_paths_in_overrides_are_made_absolute_against_the_users_directory(tmp_path):
    tmp_path = tmp_path.resolve()  # as the paths come out: symbolic links resolved
    cwd = tmp_path / "a" / "b"
    got = absolute_paths(["region.municipalities_csv=../../x.csv", "scenario.core_veto=false",
                          "+region.municipalities_csv='my table, 2019.csv'", "region.municipalities_csv=a.csv,b.csv",
                          "region.municipalities_csv=null", f"region.municipalities_csv={tmp_path}/y.csv"], cwd)
    assert got == [f"region.municipalities_csv={tmp_path / 'x.csv'}", "scenario.core_veto=false",
                   f"+region.municipalities_csv='{cwd / 'my table, 2019.csv'}'",
                   f"region.municipalities_csv={cwd / 'a.csv'},{cwd / 'b.csv'}",
                   "region.municipalities_csv=null", f"region.municipalities_csv={tmp_path}/y.csv"]


def test_a_job_key_that_is_no_safe_directory_name_is_made_one():
    plain = "region=graz,replicate=0,scenario=integrated"
    assert sweep.job_dir_name(plain) == plain and sweep.job_dir_overrides(plain) == []
    for key in ("region.municipalities_csv=../../x.csv,region=graz", "region.municipalities_csv=/d/x.csv", "..",
                "scenario.x=" + "a" * 300):
        name = sweep.job_dir_name(key)
        assert "/" not in name and name not in (".", "..") and len(name.encode()) <= sweep.NAME_MAX
        assert sweep.job_dir_overrides(key) == [f"hydra.sweep.subdir='{name}'"]
    a, b = "region.municipalities_csv=/d/x_y.csv", "region.municipalities_csv=/d/x/y.csv"
    assert sweep.job_dir_name(a) != sweep.job_dir_name(b)  # alike once "/" is "_": the hash tells them apart
    assert sweep.job_dir_name("region.municipalities_csv=/d/x.csv").startswith("region.municipalities_csv=_d_x.csv_")
