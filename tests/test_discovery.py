"""Scenario discovery: PRIM finds the conditions under which an outcome happens, in planted data and in a sweep."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from cityregions.analysis.discovery import Outcome, discover
from cityregions.config import ConfigError


def cli(*args: str) -> subprocess.CompletedProcess:
    """Run `python -m cityregions` with a timeout, capturing its output."""
    return subprocess.run([sys.executable, "-m", "cityregions", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture
def conditions() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    x = pd.DataFrame(rng.uniform(0, 1, (800, 3)), columns=["a", "b", "c"])
    x["region"] = pd.Categorical(rng.choice(["graz", "turin", "prague"], 800))
    return x


def test_prim_finds_a_planted_box_and_leaves_the_other_conditions_free(conditions):
    x = conditions
    y = ((x["a"] > 0.7) & (x["b"] < 0.3)).to_numpy()
    found = discover(x, y, density=0.95)
    box = found.box.set_index("condition")
    assert set(box.index) == {"a", "b"}  # c and the region do not matter
    assert box.loc["a", "min"] == pytest.approx(0.7, abs=0.05) and box.loc["a", "max"] > 0.95
    assert box.loc["b", "max"] == pytest.approx(0.3, abs=0.05) and box.loc["b", "min"] < 0.05
    assert found.stats["coverage"] >= 0.9 and found.stats["density"] >= 0.95
    assert (box["qp_value"] < 0.01).all()


def test_prim_keeps_the_categories_of_a_planted_choice(conditions):
    x = conditions
    y = ((x["a"] > 0.5) & (x["region"] != "turin")).to_numpy()
    box = discover(x, y, density=0.95).box.set_index("condition")
    assert box.loc["region", "kept"] == "graz, prague"
    assert box.loc["a", "min"] == pytest.approx(0.5, abs=0.06)


def test_the_chosen_box_is_the_most_covering_at_the_requested_density(conditions):
    x = conditions
    y = ((x["a"] > 0.6) | (x["c"] > 0.9)).to_numpy()
    for density in (0.6, 0.9):
        found = discover(x, y, density=density)
        t = found.trajectory
        assert found.stats["density"] >= density
        assert found.stats["coverage"] == t[t["density"] >= density]["coverage"].max()


@pytest.mark.parametrize(("text", "message"), [
    ("members<<3", "outcome='members<<3' is not a condition; allowed: <indicator> <op> <number>"),
    ("__import__('os').system('x')", "is not a condition"),
    ("memebrs<3", "'memebrs' is not an indicator of the quarterly table; allowed: members"),
])
def test_an_outcome_is_parsed_never_evaluated(text, message):
    with pytest.raises(ConfigError) as err:
        Outcome.parse(text, ["members", "pt_share"])
    assert message in str(err.value)


def test_an_outcome_that_never_or_always_happens_is_refused(conditions):
    with pytest.raises(ConfigError, match="never happens"):
        discover(conditions, np.zeros(len(conditions), dtype=bool))
    with pytest.raises(ConfigError, match="happens in all"):
        discover(conditions, np.ones(len(conditions), dtype=bool))


def test_discover_on_a_sweep_names_the_lever_under_which_the_compact_stays_small(tmp_path):
    d = tmp_path / "sweep"
    r = cli("--multirun", "hydra/launcher=basic", "region=graz,leipzig", "scenario=city_regions",
            "scenario.transaction_cost_scale=0.25,1,2,4", "scenario.trust_learning_rate=0.02,0.16",
            "scenario.core_veto=false",  # the suburbs' quorum decides, which transaction costs move
            "timeline.horizon=2016Q4", "plot=false", "progress=false", f"hydra.sweep.dir={d}")
    assert r.returncode == 0, r.stderr
    r = cli("discover", str(d), "outcome=members<13")
    assert r.returncode == 0, r.stderr
    box = pd.read_csv(d / "discovery" / "box.csv")
    assert "scenario.transaction_cost_scale" in set(box["condition"])
    assert "scenario.trust_learning_rate" not in set(box["condition"])  # trust does not change membership here
    assert (d / "discovery" / "discovery.png").read_bytes()[:4] == b"\x89PNG"
    trajectory = pd.read_csv(d / "discovery" / "trajectory.csv")
    assert {"coverage", "density", "mass", "res_dim"} <= set(trajectory.columns)
    bad = cli("discover", str(d), "outcome=members<25", "at=2030Q1")
    assert bad.returncode == 2 and "at='2030Q1' is not a quarter of the sweep's runs" in bad.stderr
    bad = cli("discover", str(d), "outcome=members<25", "dens=0.5")
    assert bad.returncode == 2 and "unknown key 'dens'" in bad.stderr
