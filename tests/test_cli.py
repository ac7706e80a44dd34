"""The command line as a user meets it: a run directory with everything in it, and clear errors for bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from cityregions.runs.results import is_complete


def cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    """Run `python -m cityregions` with a timeout, capturing its output."""
    return subprocess.run([sys.executable, "-m", "cityregions", "progress=false", *args], capture_output=True,
                          text=True, timeout=180, cwd=cwd)


def test_a_run_writes_tables_config_figure_and_manifest(tmp_path):
    out = tmp_path / "run"
    r = cli("region=graz", "scenario=integrated", "seed=3", f"hydra.run.dir={out}")
    assert r.returncode == 0, r.stderr
    assert "graz" in r.stdout and "greenfield_ha" in r.stdout
    for name in ("quarterly.parquet", "municipalities.parquet", "decisions.parquet", "config.yaml", "summary.png",
                 "summary.csv", "manifest.json"):
        assert (out / name).is_file(), name
    assert is_complete(out)
    assert (out / "summary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    q = pd.read_parquet(out / "quarterly.parquet")
    assert len(q) == 74 and q.quarter.iloc[0] == "2012Q3" and q.quarter.iloc[-1] == "2030Q4"
    cfg = (out / "config.yaml").read_text()
    assert "name: graz" in cfg and "name: integrated" in cfg and "seed: 3" in cfg
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["regions"] == ["graz"] and "mesa" in manifest["versions"]


def test_runs_from_another_working_directory(tmp_path):
    out = tmp_path / "run"
    r = cli("region=leipzig", "timeline.horizon=2015Q4", "plot=false", f"hydra.run.dir={out}", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert is_complete(out)


@pytest.mark.parametrize(("args", "message"), [
    (["region=dresden"], "region=dresden: no such region; allowed: all, fua, graz, leipzig, prague, synthetic, turin"),
    (["scenario=sprawl"], "scenario=sprawl: no such scenario; allowed: city_regions, integrated,"),
    (["scenario.cofinancing_rate=1.5"],
     "scenario.cofinancing_rate=1.5 is out of range; allowed: 0.0 <= value <= 1.0"),
    (["scenario.quorum=-0.1"], "scenario.quorum=-0.1 is out of range; allowed: 0.0 <= value <= 1.0"),
    (["scenario.revenue_sharing_kye=0.5"],
     "scenario.revenue_sharing_kye: no such key; did you mean revenue_sharing_key"),
    (["params.land.optimism=lots"],
     "params.land.optimism=lots: Value 'lots' of type 'str' could not be converted to Float"),
    (["--multirun", "scenario.quorum=0.5,yes"],
     "scenario.quorum=yes: Value 'yes' of type 'str' could not be converted"),
    (["seed=1.5"], "seed=1.5: Value '1.5' of type 'float' could not be converted to Integer"),
    (["timeline.horizon=2030"], "timeline.horizon='2030' is not a quarter"),
])
def test_bad_input_prints_one_line_exits_2_and_writes_nothing(tmp_path, args, message):
    out = tmp_path / "run"
    r = cli(*args, f"hydra.run.dir={out}", f"hydra.sweep.dir={out}")
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("cityregions: invalid configuration: ") and r.stderr.count("\n") == 1, r.stderr
    assert message in r.stderr
    assert not (out / "manifest.json").exists()
    assert not out.exists() or not any(p.suffix == ".parquet" for p in out.iterdir())


def test_unknown_region_lists_the_valid_ones(tmp_path):
    r = cli("region=dresden", f"hydra.run.dir={tmp_path / 'run'}")
    for name in ("leipzig", "graz", "wroclaw", "prague", "turin", "all"):
        assert name in r.stderr


def test_malformed_municipality_csv_names_file_row_and_column(tmp_path):
    bad = tmp_path / "munis.csv"
    bad.write_text("name,population,area_km2,x_km,y_km\nCity,500000,300,0,0\nA,many,50,10,2\n", encoding="utf-8")
    out = tmp_path / "run"
    r = cli("region=leipzig", f"region.municipalities_csv={bad}", f"hydra.run.dir={out}")
    assert r.returncode == 2
    assert f"{bad}, row 3, column 'population': 'many' is not a number" in r.stderr
    assert "Traceback" not in r.stderr
    assert not out.exists()
