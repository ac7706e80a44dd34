"""Every configuration composes and validates; bad values are refused with a message naming key, value and range."""

from __future__ import annotations

import pytest
from conftest import make_config
from hydra.errors import ConfigCompositionException, MissingConfigException

from cityregions.config import REGIONS, SCENARIOS, ConfigError, RunConfig, validate
from cityregions.model.model import CityRegionModel


@pytest.mark.parametrize("region", [*REGIONS, "all"])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_region_and_scenario_composes(region, scenario):
    cfg = make_config(f"region={region}", f"scenario={scenario}")
    assert cfg.region.name == region
    assert cfg.scenario.name == scenario


def test_schema_defaults_are_valid():
    validate(RunConfig())


def test_scenarios_differ_in_what_they_offer():
    none = make_config("scenario=no_cooperation").scenario
    land = make_config("scenario=land_compact").scenario
    assert not none.project and none.themes == [] and none.pilot_themes == "none"
    assert land.project and land.themes == ["land"] and land.greenfield_cap is not None


def test_misspelt_key_fails_before_any_model_code():
    with pytest.raises(ConfigCompositionException, match="Could not override 'scenario.revenue_sharing_kye'"):
        make_config("scenario.revenue_sharing_kye=0.5")


def test_schema_refuses_even_an_appended_unknown_key():
    with pytest.raises(ConfigError, match="scenario.revenue_sharing_kye is not a known key; allowed keys under "
                       "scenario: name, project"):
        make_config("+scenario.revenue_sharing_kye=0.5")


def test_unknown_region_lists_the_valid_ones():
    with pytest.raises(MissingConfigException) as err:
        make_config("region=dresden")
    for name in REGIONS:
        assert name in str(err.value)


def test_out_of_range_lever_names_key_value_and_range():
    with pytest.raises(ConfigError,
                       match=r"scenario\.cofinancing_rate=1\.5 is out of range; allowed: 0\.0 <= value <= 1\.0"):
        make_config("scenario.cofinancing_rate=1.5")


def test_wrong_type_names_the_key():
    with pytest.raises(ConfigCompositionException) as err:
        make_config("scenario.cofinancing_rate=lots")
    assert "scenario.cofinancing_rate" in str(err.value.__cause__) and "'lots'" in str(err.value.__cause__)


def test_nested_parameter_out_of_range():
    with pytest.raises(ConfigError, match=r"params\.transport\.mode_scale=-1\.0 is out of range"):
        make_config("params.transport.mode_scale=-1")


def test_bad_choice_lists_allowed_values():
    with pytest.raises(ConfigError, match="scenario.pilot_themes='roads' is not allowed; allowed: region, none"):
        make_config("scenario.pilot_themes=roads")


def test_timeline_order_is_checked():
    with pytest.raises(ConfigError, match="timeline.phase2_end='2012Q4' comes before timeline.phase1_end"):
        make_config("timeline.phase2_end=2012Q4")


def test_quarter_format_is_checked():
    with pytest.raises(ConfigError, match="timeline.horizon='2030-12' is not a quarter"):
        make_config("timeline.horizon=2030-12")


def test_model_refuses_region_all():
    with pytest.raises(ConfigError, match="region='all'"):
        CityRegionModel(make_config("region=all"))
