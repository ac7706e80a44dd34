"""Policy search: a Pareto front of lever settings that no other trial beats, found reproducibly."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from cityregions.analysis.search import OBJECTIVES, dominated, search
from cityregions.config import ConfigError

SHORT = ["region=graz", "scenario=integrated", "timeline.horizon=2016Q4"]
LEVERS = ["scenario.revenue_sharing_key", "scenario.greenfield_cap"]


def cli(*args: str) -> subprocess.CompletedProcess:
    """Run `python -m cityregions` with a timeout, capturing its output."""
    return subprocess.run([sys.executable, "-m", "cityregions", *args], capture_output=True, text=True, timeout=300)


def test_dominated_marks_exactly_the_points_another_beats():
    points = np.array([[1, 5], [2, 2], [5, 1], [3, 3], [2, 2], [6, 6]], dtype=float)
    assert dominated(points).tolist() == [False, False, False, True, False, True]  # ties do not dominate


@pytest.fixture(scope="module")
def trials() -> pd.DataFrame:
    return search(SHORT, LEVERS, trials=12, sampler_seed=3)


def test_the_pareto_front_contains_no_dominated_trial_and_every_other_trial_is_beaten(trials):
    values = trials[list(OBJECTIVES)].to_numpy()
    for i in range(len(trials)):
        beaten = any((values[j] <= values[i]).all() and (values[j] < values[i]).any() for j in range(len(trials)))
        assert trials["pareto"].iloc[i] == (not beaten)
    assert trials["pareto"].sum() >= 1
    assert np.isfinite(values).all()


def test_trials_stay_in_the_levers_ranges_and_the_same_seed_gives_the_same_trials(trials):
    assert trials["scenario.revenue_sharing_key"].between(0, 1).all()
    assert trials["scenario.greenfield_cap"].between(0.3, 10).all()
    again = search(SHORT, LEVERS, trials=12, sampler_seed=3)
    pd.testing.assert_frame_equal(trials, again)


def test_the_levers_change_the_objectives(trials):
    assert trials["greenfield_ha"].nunique() > 1 and trials["fiscal_gini"].nunique() > 1


def test_region_all_and_bad_values_are_refused_before_any_trial():
    with pytest.raises(ConfigError, match="region=all"):
        search(["region=all"], LEVERS, trials=2)
    with pytest.raises(ConfigError, match="scenario.quorum=2.0 is out of range"):
        search([*SHORT, "scenario.quorum=2.0"], LEVERS, trials=2)


def test_the_command_writes_trials_front_figure_and_config(tmp_path):
    out = tmp_path / "search"
    r = cli("search", *SHORT, "trials=6", "levers=scenario.revenue_sharing_key", f"out={out}")
    assert r.returncode == 0, r.stderr
    for name in ("trials.csv", "pareto.csv", "config.yaml"):
        assert (out / name).is_file(), name
    assert (out / "pareto.png").read_bytes()[:4] == b"\x89PNG"
    assert len(pd.read_csv(out / "trials.csv")) == 6
    bad = cli("search", "region=graz", "levers=scenario.quorum", f"out={out}")
    assert bad.returncode == 2
    assert "'scenario.quorum' is not allowed; allowed: scenario.revenue_sharing_key" in bad.stderr
