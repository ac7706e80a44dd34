"""Global sensitivity: SALib designs run as sweep jobs, and indices that find what matters and what does not."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from cityregions.analysis.sensitivity import DESIGN, Design, indices
from cityregions.config import ConfigError


def cli(*args: str) -> subprocess.CompletedProcess:
    """Run `python -m cityregions` with a timeout, capturing its output."""
    return subprocess.run([sys.executable, "-m", "cityregions", *args], capture_output=True, text=True, timeout=300)


def ishigami(x: np.ndarray) -> np.ndarray:
    """Ishigami & Homma (1990) on [-pi, pi]^3; a fourth input is ignored."""
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_sobol_indices_recover_the_ishigami_function_and_zero_for_an_unused_input():
    design = Design("sobol", ("x1", "x2", "x3", "unused"), ((-np.pi, np.pi),) * 4, 1024, seed=1)
    x = sobol_sample.sample(design.problem(), design.n, calc_second_order=False, seed=1)
    df = indices(design, x, ishigami(x), seed=1).set_index("parameter")
    # analytic values: S1 = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244; the unused input none
    assert df.loc["x1", "S1"] == pytest.approx(0.314, abs=0.05)
    assert df.loc["x2", "S1"] == pytest.approx(0.442, abs=0.05)
    assert df.loc["x3", "ST"] == pytest.approx(0.244, abs=0.05)
    assert abs(df.loc["unused", "ST"]) < 0.01 and abs(df.loc["unused", "S1"]) < 0.02
    assert (df.loc[["x1", "x2", "x3"], "ST_conf"] > 0).all()


def test_morris_ranks_a_linear_function_by_its_slopes_and_gives_an_unused_input_zero():
    design = Design("morris", ("a", "b", "unused"), ((0.0, 1.0),) * 3, 30, seed=3)
    x = morris_sample.sample(design.problem(), design.n, num_levels=4, seed=3)
    df = indices(design, x, 5 * x[:, 0] + 1 * x[:, 1], seed=3).set_index("parameter")
    assert df.loc["a", "mu_star"] == pytest.approx(5.0) and df.loc["b", "mu_star"] == pytest.approx(1.0)
    assert df.loc["unused", "mu_star"] == 0.0 and df.loc["a", "sigma"] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(("spec", "message"), [
    ({"method": "lhs", "params": {"scenario.quorum": [0, 1]}},
     "hydra.sweeper.sample.method='lhs' is not allowed; allowed: morris, sobol"),
    ({"method": "sobol", "n": 10, "params": {"scenario.quorum": [0, 1]}},
     "hydra.sweeper.sample.n=10 is not allowed for method=sobol; allowed: a power of 2"),
    ({"params": {"scenario.quorum": [0.2, 1.5]}},
     "hydra.sweeper.sample.params.scenario.quorum=[0.2, 1.5] leaves the allowed range of scenario.quorum: "
     "0.0 <= value <= 1.0"),
    ({"params": {"scenario.quorom": [0, 1]}}, "'scenario.quorom' is not a numeric key of the configuration"),
    ({"params": {"scenario.name": [0, 1]}}, "'scenario.name' is not a numeric key"),
    ({"params": {"scenario.quorum": [0.8, 0.2]}}, "expected low < high"),
    ({"params": {}}, "hydra.sweeper.sample.params={}: expected a mapping of keys to [low, high]"),
    ({"params": {"scenario.quorum": [0, 1]}, "trajectories": 3},
     "hydra.sweeper.sample.trajectories is not a known key"),
])
def test_a_bad_design_names_the_key_the_value_and_what_is_allowed(spec, message):
    with pytest.raises(ConfigError) as err:
        Design.from_mapping(spec)
    assert message in str(err.value)


def test_integer_keys_are_sampled_as_integers():
    design = Design.from_mapping({"params": {"scenario.pilots_per_theme": [1, 4], "scenario.quorum": [0, 1]},
                                  "n": 4})
    x = design.matrix()
    assert (x[:, 0] == np.round(x[:, 0])).all()
    assert design.overrides(x[0])[0] == f"scenario.pilots_per_theme={int(x[0, 0])}"


@pytest.fixture(scope="module")
def sobol_sweep(tmp_path_factory):
    """The sensitivity experiment with Sobol' sampling, two base points, in one process (22 short runs)."""
    d = tmp_path_factory.mktemp("sobol")
    args = ("+experiment=sensitivity", "--multirun", "hydra/launcher=basic", "hydra.sweeper.sample.method=sobol",
            "hydra.sweeper.sample.n=2", "timeline.horizon=2016Q4", "progress=false", f"hydra.sweep.dir={d}")
    first = cli(*args)
    assert first.returncode == 0, first.stderr
    return d, args, first


def test_a_sobol_sweep_gives_an_unused_parameter_zero_indices_and_the_levers_some(sobol_sweep):
    d, _, first = sobol_sweep
    design = json.loads((d / DESIGN).read_text())
    assert design["method"] == "sobol" and len(design["points"]) == (len(design["names"]) + 2) * 2
    # the dummy's design rows repeat other rows' values: they run once
    assert f"{(len(design['names']) + 1) * 2} jobs:" in first.stdout
    r = cli("sensitivity", str(d))
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(d / "sensitivity" / "sensitivity.csv")
    assert set(table["metric"]) == {"greenfield_ha", "pt_share", "fiscal_gini", "commuting_co2_t", "members",
                                    "mean_trust"}
    dummy = table[table["parameter"] == "dummy"]
    assert len(dummy) == 6 and (dummy[["S1", "ST", "S1_conf", "ST_conf"]] == 0).all().all()
    levers = table[table["parameter"] != "dummy"].groupby("metric")["ST"].max()
    assert (levers > 0.05).all(), levers
    png = d / "sensitivity" / "sensitivity_2016Q4_graz.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_sensitivity_sweep_resumes_and_refuses_to_analyse_an_incomplete_design(sobol_sweep):
    d, args, first = sobol_sweep
    again = cli(*args)
    assert again.returncode == 0, again.stderr
    n = int(first.stdout.split(" jobs:")[0].rsplit(" ", 1)[1])
    assert f"{n} jobs: 0 ran, {n} already complete" in again.stdout
    manifest = next(d.glob("*/manifest.json"))
    manifest.rename(manifest.with_name("manifest.json.bak"))
    try:
        r = cli("sensitivity", str(d), f"out={d / 'partial'}")
        assert r.returncode == 1
        assert f"1 of {n} design points have no complete job" in r.stderr
        assert not (d / "partial").exists()
    finally:
        manifest.with_name("manifest.json.bak").rename(manifest)


def test_a_bad_design_stops_the_sweep_before_any_job(tmp_path):
    r = cli("+experiment=sensitivity", "--multirun", "hydra/launcher=basic", "hydra.sweeper.sample.method=lhs",
            f"hydra.sweep.dir={tmp_path / 's'}")
    assert r.returncode == 2
    assert "hydra.sweeper.sample.method='lhs' is not allowed; allowed: morris, sobol; nothing was run" in r.stderr
    assert not (tmp_path / "s").exists()


def test_the_command_refuses_a_sweep_without_a_design(tmp_path):
    r = cli("sensitivity", str(tmp_path))
    assert r.returncode == 2 and "is not a sensitivity sweep" in r.stderr
