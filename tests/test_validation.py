"""Validation: the observed patterns, their simulated counterparts on hand-made tables, the comparison
(failures reported, never dropped) and the `cityregions validate` command on one small region."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cityregions.analysis import validation as v
from cityregions.app.cli import invoke
from cityregions.app.commands import BY_NAME
from cityregions.config import REGIONS
from cityregions.reporting import validation_report
from cityregions.world.facts import data_path, load_region, load_sourced_parameters


# ------------------------------------------------------------------------------------------------ observations
def test_every_observed_row_has_a_source_a_known_region_and_a_use():
    obs = v.load_observed()
    assert len(obs) > 0
    assert set(obs["region"]) <= set(REGIONS) and set(obs["region"]) == set(REGIONS)
    assert obs["source"].str.len().gt(10).all()
    assert set(obs["use"]) == set(v.USES)
    assert set(obs["pattern"]) <= set(v.PATTERNS)
    numeric = obs[obs["kind"] != "categorical"]
    assert pd.to_numeric(numeric["value"]).notna().all()
    derived = obs[obs["status"] == "derived"]
    assert derived["note"].str.startswith("derived:").all()  # every derived figure shows its arithmetic


def test_an_observed_row_without_a_source_or_with_an_unknown_region_is_refused(tmp_path):
    good = (data_path("observed.csv")).read_text(encoding="utf-8").splitlines()
    header, row = good[0], good[1]
    cols = header.split(",")
    bad_region = tmp_path / "region.csv"
    bad_region.write_text("\n".join([header, row.replace("leipzig", "berlin", 1)]), encoding="utf-8")
    with pytest.raises(ValueError, match="region='berlin'"):
        v.load_observed(bad_region)
    fields = dict(zip(cols, ["leipzig", "pt_share", "", "validation", "quantity", "0.2", "", "", "share", "2018",
                             "core city", "none", "sourced", "", "note"], strict=True))
    no_source = tmp_path / "source.csv"
    no_source.write_text("\n".join([header, ",".join(fields.values())]), encoding="utf-8")
    with pytest.raises(ValueError, match="source is empty"):
        v.load_observed(no_source)


def test_periods_are_calendar_years_or_dates():
    assert v.parse_period("2018") == [(2018.0, 2019.0)]
    assert v.parse_period("2014-2017/2019-2022") == [(2014.0, 2018.0), (2019.0, 2023.0)]
    (a, b), = v.parse_period("2013-12-31")
    assert a == b == 2014.0
    with pytest.raises(ValueError):
        v.parse_period("2018Q4")


def test_national_land_take_is_scaled_as_the_scorecard_scales_targets():
    facts = load_region("leipzig")
    factor, text = v.scale_factor({"scale": "residents", "scope": "Germany", "pattern": "x"}, facts)
    people = float(load_sourced_parameters()["population_de"].value)
    assert factor == pytest.approx(facts.fua_population / people)
    assert text.startswith("assumption:")
    assert v.scale_factor({"scale": "none", "scope": "Piedmont", "pattern": "x"}, load_region("turin")) == (1.0, "")


# ------------------------------------------------------------------------------------------------ hand-made runs
def _tables(n: int = 16) -> v.Tables:
    """Sixteen quarters from 2013 Q1 (and the initial state) with round numbers."""
    steps = np.arange(-1, n)
    year = 2013.125 + 0.25 * steps
    end = year + 0.125
    trace = pd.DataFrame({
        "step": steps, "year": year, "core_population": 100.0 * 1.1 ** (end - 2014.0),
        "ring_population": 50.0 * 1.02 ** (end - 2014.0), "core_out_commuters": np.where(steps < 8, 10.0, 14.0),
        "core_workplace": 100.0, "core_in_commuters": 30.0, "suburban_workers": 80.0, "suburban_to_core": 20.0,
        "over_half_to_core": np.where(steps < 8, 4, 6), "pt_inbound_share": 0.4, "developed_ha": 50.0,
        "area_ha": 1000.0, "core_developed_ha": 30.0, "core_area_ha": 60.0,
        "status_land": np.where(steps < 2, "none", np.where(steps < 6, "pilot", "institutionalised")),
        "status_transport": np.where((steps >= 2) & (steps < 6), "pilot", np.where(steps < 6, "none", "informal"))})
    q = trace[trace["step"] >= 0].assign(greenfield_take_ha=np.where(trace["step"][1:] < 8, 9.13125, 18.2625),
                                         pt_share=0.25)
    return v.Tables(q.reset_index(drop=True), trace)


def sim(pattern: str, period: str, theme: str = "") -> object:
    value, _ = v.simulated_value({"pattern": pattern, "period": period, "theme": theme}, _tables())
    return value


def test_commuting_patterns_from_the_trace():
    assert sim("in_commuter_share", "2013") == pytest.approx(0.3)
    assert sim("in_commuters", "2014-2015") == pytest.approx(30.0)
    assert sim("suburban_to_core_share", "2015") == pytest.approx(0.25)
    assert sim("municipalities_over_half_to_core", "2014") == pytest.approx(4.0)
    assert sim("municipalities_over_half_to_core", "2014-2015") == pytest.approx(5.0)  # 4 in 2014, 6 in 2015
    assert sim("pt_share_inbound", "2016") == pytest.approx(0.4)
    assert sim("pt_share", "2013-2016") == pytest.approx(0.25)
    assert sim("out_commuters", "2014") == pytest.approx(10.0)  # 2014's quarters are steps 4-7: 10 each
    assert sim("out_commuters", "2014-2015") == pytest.approx(12.0)  # and 2015's steps 8-11: 14 each


def test_population_growth_between_two_dates():
    assert sim("core_population_growth", "2013-12-31/2015-12-31") == pytest.approx(10.0)
    assert sim("ring_population_growth", "2013-12-31/2015-12-31") == pytest.approx(2.0)  # the ring apart
    # a start before the simulation is clipped to its first state and said so
    value, note = v.simulated_value({"pattern": "core_population_growth", "period": "2011-12-31/2015-12-31"},
                                    _tables())
    assert value == pytest.approx(10.0) and "simulated at 2013.00" in note


def test_land_take_rates_and_trend():
    assert sim("land_take_ha_per_day", "2014") == pytest.approx(0.1)  # 4 x 9.13125 ha in 365.25 days
    assert sim("land_take_ha_per_year", "2015") == pytest.approx(73.05)
    assert sim("land_take_trend", "2013-2014/2015-2016") == pytest.approx(2.0)
    assert sim("developed_share", "2013") == pytest.approx(0.05)
    assert sim("core_sealed_share", "2016") == pytest.approx(0.5)


def test_cooperation_patterns_by_theme_and_date():
    assert sim("pilot_themes", "2013-2014") == "land+transport"
    assert sim("pilot_themes", "2013") == "land+transport"
    assert sim("binding_agreement", "2013-12-31", "any") == "no"  # step 3: pilots only
    assert sim("binding_agreement", "2014-12-31", "any") == "yes"  # step 7: land institutionalised
    assert sim("binding_agreement", "2014-12-31", "transport") == "no"
    assert sim("cooperation_active", "2014-12-31", "transport") == "yes"  # informal
    assert sim("cooperation_active", "2013-03-31", "any") == "no"


def test_a_period_outside_or_partly_outside_the_run_is_said_so():
    value, note = v.simulated_value({"pattern": "pt_share", "period": "2020"}, _tables())
    assert value is None and note.startswith("not comparable")
    value, note = v.simulated_value({"pattern": "pt_share", "period": "2016-2017"}, _tables())
    assert value == pytest.approx(0.25) and "4 of 8 quarters" in note


# ------------------------------------------------------------------------------------------------ comparison
def _row(**kw) -> dict:
    return {"pattern": "pt_share", "kind": "quantity", "value": "0.2", "low": np.nan, "high": np.nan} | kw


def test_a_simulated_value_far_from_the_observed_one_is_a_failure():
    res = v.judge(_row(), [0.6, 0.62, 0.58])
    assert res["verdict"] == "fail" and res["error"] == pytest.approx(2.0) and res["n_runs"] == 3
    assert v.judge(_row(), [0.21, 0.22])["verdict"] == "pass"
    inside = v.judge(_row(low=0.1, high=0.3), [0.29])
    assert inside["error"] == 0.0 and inside["verdict"] == "pass"
    assert v.judge(_row(kind="upper_bound", value="3.3"), [1.0, 3.4])["verdict"] == "fail"  # every run must hold
    assert v.judge(_row(kind="lower_bound", value="5"), [5, 6])["verdict"] == "pass"
    cat = v.judge(_row(pattern="binding_agreement", kind="categorical", value="no"), ["yes", "no", "yes"])
    assert cat["verdict"] == "partial" and cat["matches"] == "1/3"
    assert v.judge(_row(), [None])["verdict"] == "not comparable"


def test_compare_keeps_failing_and_unsimulated_rows():
    obs = v.load_observed()
    obs = obs[obs["region"] == "graz"].reset_index(drop=True)
    first = obs.index[0]
    sims = pd.DataFrame([{"obs": first, "replicate": 0, "value": 1e9, "note": ""}])
    rep = v.compare(obs, sims)
    assert len(rep) == len(obs)
    assert rep.loc[first, "verdict"] == "fail"
    assert (rep.loc[1:, "verdict"] == "not comparable").all()
    text = validation_report.markdown(rep, {"command": "cityregions validate", "seeds": 1, "seed": 0,
                                            "horizon": "2030Q4", "overrides": [], "version": "x", "date": "d"})
    assert "**FAIL**" in text and text.count("not comparable") >= len(obs) - 1


# ------------------------------------------------------------------------------------------------ the command
def test_validate_writes_the_report_and_keeps_a_written_reading(tmp_path, capsys):
    out = tmp_path / "val"
    args = ["regions=leipzig", "seeds=1", "timeline.horizon=2015Q4", f"out={out}"]
    assert invoke(BY_NAME["validate"], args) == 0
    rep = pd.read_csv(out / "validation.csv", keep_default_na=False)
    assert set(rep["region"]) == {"leipzig"} and len(rep) == (v.load_observed()["region"] == "leipzig").sum()
    assert {"imposed", "calibration", "validation"} == set(rep["use"])
    imposed = rep[rep["use"] == "imposed"]  # the inputs force them: shown, never counted as a pass
    assert set(imposed["verdict"]) <= {"imposed", "not comparable"} and "pass" not in set(imposed["verdict"])
    assert set(rep["verdict"]) <= set(validation_report.VERDICTS)
    assert (rep.loc[rep["pattern"] == "pilot_themes", "verdict"] == "imposed").all()  # an input: never a pass
    ratification = pd.read_csv(out / "ratification.csv")  # what the councils' votes made of each run
    assert list(ratification.columns) == ["region", "replicate", "ratified_at_vote", "binding_at_horizon",
                                          "first_binding"] and len(ratification) == 1
    text = (out / "VALIDATION.md").read_text(encoding="utf-8")
    assert "cityregions validate regions=leipzig" in text and "## Validation patterns" in text
    assert "not comparable" in text  # 2018-2023 patterns lie beyond a 2015 horizon: shown, not dropped
    assert "report:" in capsys.readouterr().out
    # a hand-written reading survives regeneration
    (out / "VALIDATION.md").write_text(text.replace("(No reading yet", "My reading.\n(No reading yet"))
    assert invoke(BY_NAME["validate"], args) == 0
    assert "My reading." in (out / "VALIDATION.md").read_text(encoding="utf-8")
    assert not list(out.glob(".*.tmp"))  # atomic writes leave no temporary files


@pytest.mark.parametrize(("arg", "message"), [
    ("regions=[leipzig,berlin]", "regions=['berlin'] not found; allowed: leipzig, graz"),
    ("seeds=0", "seeds=0 must be a whole number"),
    ("scenario=integrated", "scenario=integrated: validate runs the historical scenario only; allowed: city_regions"),
    ("region=graz", "region=graz: choose regions with regions="),
    ("timeline.horizon=2040Q9", "timeline.horizon='2040Q9' is not a quarter"),
    ("out=", "out='' must name a directory"),
])
def test_bad_validate_input_is_refused_naming_the_key(arg, message, tmp_path, capsys):
    assert invoke(BY_NAME["validate"], [f"out={tmp_path / 'x'}", arg]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cityregions validate: ") and message in err, err
    assert not (tmp_path / "x").exists()


def test_an_unquoted_comma_in_the_observations_is_named_with_its_row(tmp_path):
    path = tmp_path / "observed.csv"
    good = data_path("observed.csv").read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([good[0], good[1] + ",an unquoted, extra field"]) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"observed.csv, row 2: 17 fields where the header has 15; quote a value"):
        v.load_observed(path)


def test_ratification_frequencies_over_replicates_worked_by_hand():
    from cityregions.analysis import ratified

    votes = pd.DataFrame({"region": ["graz"] * 4 + ["turin"],
                          "replicate": [0, 1, 2, 3, 0],
                          "ratified_at_vote": [True, False, False, False, False],
                          "binding_at_horizon": [True, True, False, False, False],
                          "first_binding": ["2014Q4", "2021Q3", "", "", ""]})
    f = ratified.frequencies(votes).set_index("region")
    assert f.loc["graz", "runs"] == 4 and f.loc["graz", "ratified_at_vote"] == 0.25
    assert f.loc["graz", "binding_at_horizon"] == 0.5 and f.loc["graz", "first_binding"] == "2014Q4–2021Q3"
    assert f.loc["turin", "first_binding"] == "never" and f.loc["turin", "ratified_at_vote"] == 0.0
