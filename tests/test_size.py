"""A region too large for the machine is refused before anything is built, with its estimated memory and time."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys

import numpy as np
import pytest
from conftest import make_config

from cityregions.config import ConfigError
from cityregions.runs.runner import run_scenario
from cityregions.world import size, user_table
from cityregions.world.geography import region_geography


def test_the_estimate_counts_ordered_pairs_within_straight_line_reach():
    """Three places on a line at 0, 3 and 10 km, reach 5 km: each with itself, and 0-3 both ways: 5 pairs."""
    est = size.estimate(np.array([0.0, 3.0, 10.0]), np.zeros(3), reach_km=5.0)
    assert est.pairs == 5 and est.municipalities == 3
    assert est.memory_bytes == 200e6 + 195.0 * 5 and est.seconds_per_quarter == pytest.approx(6e-7)


def test_the_measured_regions_are_estimated_within_a_tenth():
    """The benchmark's measurements: Prague's 588 municipalities peaked at 290 MB; the synthetic region of 10,000
    at 1.29 GB (docs/PERFORMANCE.md). Their straight-line pair counts: 345,460 and 5,307,496."""
    assert size.BASE_BYTES + size.BYTES_PER_PAIR * 345_460 == pytest.approx(290e6, rel=0.1)
    assert size.BASE_BYTES + size.BYTES_PER_PAIR * 5_307_496 == pytest.approx(1.29e9, rel=0.1)


def test_a_region_that_fits_passes_and_one_that_does_not_is_refused_with_the_reason():
    est = size.Estimate(municipalities=20_000, pairs=393_902_262, memory_bytes=77.0e9, seconds_per_quarter=47.3)
    size.check(est, available=128e9)  # fits in 80 % of 128 GB
    with pytest.raises(ConfigError) as e:
        size.check(est, available=24e9)
    text = str(e.value)
    assert "20,000 municipalities" in text and "estimated 77.0 GB" in text and "about 47.3 s a quarter" in text
    assert "this machine has 24.0 GB" in text and "about 9," in text  # sqrt((0.8 * 24e9 - 2e8) / 195) = 9,871


def test_a_table_far_too_large_is_refused_before_anything_is_built_or_written(tmp_path):
    n, side = 60_000, 100.0  # about 700 GB by the estimate: refused on any machine
    k = int(np.ceil(np.sqrt(n)))
    i = np.arange(n)
    rows = [f"m{j},1000,{(side / k) ** 2:.4f},{(j % k + 0.5) * side / k:.4f},{(j // k + 0.5) * side / k:.4f}"
            for j in i]
    table = tmp_path / "huge.csv"
    table.write_text("name,population,area_km2,x_km,y_km\n" + "\n".join(rows) + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "cityregions", "region=graz", f"region.municipalities_csv={table}",
                           "plot=false", "progress=false", f"output_dir={tmp_path / 'out'}"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "a region of 60,000 municipalities" in done.stderr, done.stderr[-2000:]
    assert "needs an estimated" in done.stderr and "max_memory_gb=<GB> set higher" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_max_memory_gb_lets_a_run_plan_more_or_less_than_the_machines_share():
    est = size.Estimate(municipalities=20_000, pairs=29_345_812, memory_bytes=5.92e9, seconds_per_quarter=3.5)
    size.check(est, available=4e9, limit_gb=8.0)  # more than this 4 GB machine has: the user's risk, allowed
    with pytest.raises(ConfigError) as e:
        size.check(est, available=128e9, limit_gb=5.0)
    text = str(e.value)
    assert "max_memory_gb=5 allows 5.0 GB" in text and "this machine" not in text
    assert "about 4,961 municipalities" in text  # sqrt((5e9 - 2e8) / 195) = 4,961.4


def test_a_run_whose_region_exceeds_max_memory_gb_is_refused_naming_the_key():
    cfg = make_config("region=synthetic", "region.n_municipalities=10000", "max_memory_gb=1")  # about 1.2 GB
    with pytest.raises(ConfigError, match=r"a region of 10,00\d municipalities.* max_memory_gb=1 allows 1\.0 GB"):
        run_scenario(cfg)


def test_a_large_region_says_what_it_will_take_before_it_is_built(monkeypatch, capsys):
    monkeypatch.setattr(size, "LARGE_PAIRS", 0)  # every region counts as large
    cfg = make_config("region=graz", "progress=true")
    region_geography(cfg, "graz")
    err = capsys.readouterr().err
    assert re.search(r"graz: building [\d,]+ municipalities, [\d,]+ pairs within reach: an estimated 0\.\d GB", err)
    region_geography(dataclasses.replace(cfg, progress=False), "graz")
    assert capsys.readouterr().err == ""


def test_a_table_longer_than_the_row_limit_is_refused_while_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(user_table, "MAX_ROWS", 3)
    rows = "".join(f"m{i},1000,10,{3 * i},0\n" for i in range(5))
    table = tmp_path / "long.csv"
    table.write_text("name,population,area_km2,x_km,y_km\n" + rows, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"long\.csv, row 5: more than 3 municipalities; allowed: at most 3 rows"):
        user_table.read_municipalities_csv(table)
