"""Calibration: the free parameters fitted to observed patterns, checked on patterns the model itself made."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from cityregions.analysis import validation
from cityregions.analysis.calibration import FREE, calibrate, calibration_rows, loss
from cityregions.config import ConfigError, load_config

TRUTH = {"params.transport.distance_decay": 0.09, "params.land.land_price_elasticity": 0.4}


def test_calibration_recovers_known_parameters_from_patterns_the_model_made():
    """Synthetic observations: Leipzig's calibration patterns as the model gives them with known parameters.
    Stated tolerance: within 15 % of each parameter's search range."""
    observed = validation.load_observed()
    ring = observed[(observed["region"] == "leipzig") & (observed["pattern"] == "ring_minus_core_growth")]
    rows = calibration_rows(pd.concat([observed, ring.assign(use="calibration")]), "leipzig")
    made = validation.run(["leipzig"], 1, [f"{k}={v}" for k, v in TRUTH.items()], observed=rows)
    synthetic = rows.assign(value=made["sim_mean"].to_numpy(), low=np.nan, high=np.nan)
    fit = calibrate("leipzig", trials=80, seeds=1, observed=synthetic)
    for key, true in TRUTH.items():
        lo, hi = FREE[key]
        assert abs(fit.best[key] - true) <= 0.15 * (hi - lo), (key, fit.best[key], true)
    assert fit.loss_after < 0.05 < fit.loss_before
    assert fit.yaml().startswith("# @package _global_") and "distance_decay:" in fit.yaml()


def test_the_loss_counts_errors_in_tolerances_and_ignores_what_cannot_be_compared():
    import pandas as pd

    table = pd.DataFrame({"error": [0.25, -0.5, np.nan], "tolerance": [0.25, 0.5, 0.25]})
    assert loss(table) == pytest.approx(1.0)
    assert loss(table.iloc[2:]) == np.inf


def test_a_region_is_fitted_only_in_what_its_data_identify():
    from cityregions.analysis.calibration import identified

    rows = validation.load_observed()
    assert set(identified(calibration_rows(rows, "graz"))) == {"params.transport.distance_decay"}
    assert set(identified(calibration_rows(rows, "prague"))) == set(FREE)
    assert set(identified(calibration_rows(rows, "leipzig"))) == {"params.transport.distance_decay"}


def test_validation_patterns_are_never_fitted():
    rows = validation.load_observed()
    held_out = rows[rows["use"] == "validation"]
    with pytest.raises(ConfigError, match="no numeric calibration pattern"):
        calibration_rows(held_out, "leipzig")
    assert set(calibration_rows(rows, "graz")["use"]) == {"calibration"}


def test_calibration_none_gives_the_schemas_defaults():
    default = load_config(["region=graz", "calibration=none"])
    assert default.params.transport.distance_decay == 0.06 and default.params.land.land_price_elasticity == 0.75


def test_the_command_refuses_bad_input():
    r = subprocess.run([sys.executable, "-m", "cityregions", "calibrate", "region=dresden"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 2 and "region='dresden' is not allowed; allowed: leipzig" in r.stderr


def test_a_fit_at_a_bound_or_outside_the_tolerances_is_not_adopted():
    import pandas as pd

    from cityregions.analysis.calibration import Fit

    good = pd.DataFrame({"error": [0.1], "tolerance": [0.25], "fitted": [True]})
    poor = pd.DataFrame({"error": [0.5], "tolerance": [0.25], "fitted": [True]})
    inside = {"params.transport.distance_decay": 0.05, "params.land.land_price_elasticity": 1.2}
    fit = Fit("graz", inside, pd.DataFrame({"trial": [0]}), poor, good)
    assert fit.adopted
    assert "params:\n  transport:\n    distance_decay: 0.05\n  land:\n    land_price_elasticity: 1.2" in fit.yaml()
    at_bound = Fit("graz", {**inside, "params.transport.distance_decay": 0.0101}, pd.DataFrame({"trial": [0]}),
                   poor, good)
    assert at_bound.at_bound() == ["params.transport.distance_decay"] and not at_bound.adopted
    assert "params:" not in at_bound.yaml() and "at the bound of the search range" in at_bound.yaml()
    misfit = Fit("graz", inside, pd.DataFrame({"trial": [0]}), poor.assign(error=1.0), poor)
    assert not misfit.adopted and "loss 4 > 1" in misfit.yaml()
    flat = Fit("turin", inside, pd.DataFrame({"trial": [0]}), good, good)
    assert not flat.adopted and "does not improve on the defaults" in flat.yaml()
