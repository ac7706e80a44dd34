"""A region too large for the machine is refused before anything is built, with its estimated memory and time."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from cityregions.config import ConfigError
from cityregions.world import size


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
    assert "needs an estimated" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()
