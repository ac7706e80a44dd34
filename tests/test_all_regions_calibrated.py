"""region=all runs each region exactly as `region=<region>` runs it alone: with its own calibration
(conf/calibration/<region>.yaml), which the command line's overrides beat and `calibration=none` switches off, in
all five alike. Leipzig's calibration sets the distance decay, Prague's also the land-price elasticity. The runs are
short (to the project's end, 2014Q4: ten quarters)."""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from cityregions.config import (
    REGIONS,
    AllRegionsConfig,
    ConfigError,
    ModelParams,
    RunConfig,
    config_dir,
    load_config,
    region_config,
)
from cityregions.config.regional import leaves, with_per_region
from cityregions.runs.rerun import rerun
from cityregions.runs.results import TABLES, config_digest, config_yaml, read_config
from cityregions.runs.runner import RunResult, run_scenario

SHORT = ("scenario=city_regions", "seed=3", "timeline.horizon=2014Q4", "plot=false", "progress=false")
CALIBRATED = ("leipzig", "prague")
DECAY = "params.transport.distance_decay"
ELASTICITY = "params.land.land_price_elasticity"


def config(*overrides: str) -> RunConfig:
    """The configuration the command line composes from the short run's overrides and these."""
    return load_config([*SHORT, *overrides])


@functools.cache
def run(*overrides: str) -> RunResult:
    return run_scenario(config(*overrides))


def rows(result: RunResult, region: str, table: str = "quarterly") -> pd.DataFrame:
    df = getattr(result, table)
    return df[df["region"] == region].reset_index(drop=True)


def calibration(region: str) -> dict[str, object]:
    """The values of the region's calibration file, by dotted key."""
    def flat(node: dict, prefix: str = "") -> dict[str, object]:
        out: dict[str, object] = {}
        for k, v in node.items():
            out.update(flat(v, f"{prefix}{k}.") if isinstance(v, dict) else {f"{prefix}{k}": v})
        return out
    return flat(yaml.safe_load((Path(config_dir()) / "calibration" / f"{region}.yaml").read_text()) or {})


def test_the_calibrations_under_test_move_parameters_off_their_defaults():
    defaults = leaves(RunConfig())
    assert set(calibration("leipzig")) == {DECAY} and set(calibration("prague")) == {DECAY, ELASTICITY}
    for region in CALIBRATED:
        assert all(defaults[k] != v for k, v in calibration(region).items()), region


@pytest.mark.parametrize("region", CALIBRATED)
def test_a_region_among_the_five_has_its_calibration_and_the_rows_it_has_alone(region):
    among, alone = run("region=all"), run(f"region={region}")
    own = leaves(region_config(among.config, region))
    assert {k: own[k] for k in calibration(region)} == calibration(region)
    assert region_config(among.config, region) == alone.config
    for table in TABLES:
        pd.testing.assert_frame_equal(rows(among, region, table), rows(alone, region, table), check_exact=True)
    # the calibration shows in the rows: without it the same region's rows differ
    assert not rows(run("region=all", "calibration=none"), region).equals(rows(among, region))


@pytest.mark.parametrize("extra", [(), (f"{DECAY}=0.08",), (f"{DECAY}=0.06",), ("calibration=none",),
                                   ("calibration=prague",), ("scenario=integrated", "seed=11", f"{ELASTICITY}=2")])
def test_every_region_among_the_five_is_configured_as_the_same_overrides_configure_it_alone(extra):
    among = config("region=all", *extra)
    assert isinstance(among, AllRegionsConfig)
    for region in REGIONS:
        assert region_config(among, region) == config(f"region={region}", *extra), region


@pytest.mark.parametrize("value", ["0.08", "0.06"])  # 0.06 is the schema's default: still the user's choice
def test_an_override_beats_the_calibration_in_every_region_and_leaves_the_rest_of_it(value):
    cfg = config("region=all", f"{DECAY}={value}")
    assert all(region_config(cfg, r).params.transport.distance_decay == float(value) for r in REGIONS)
    assert region_config(cfg, "prague").params.land.land_price_elasticity == calibration("prague")[ELASTICITY]
    assert cfg.per_region["leipzig"] == {}
    assert cfg.per_region["prague"] == {ELASTICITY: calibration("prague")[ELASTICITY]}


def test_an_override_among_the_five_gives_the_rows_it_gives_alone():
    among = run("region=all", f"{DECAY}=0.08")
    for region in CALIBRATED:
        alone = run(f"region={region}", f"{DECAY}=0.08")
        pd.testing.assert_frame_equal(rows(among, region), rows(alone, region), check_exact=True)
        assert not rows(among, region).equals(rows(run("region=all"), region))  # the override changed the run


def test_all_chosen_by_its_key_is_all_chosen_by_its_group():
    by_key, by_group = config("region.name=all"), config("region=all")
    for r in REGIONS:  # each region as it runs alone, however `all` was chosen
        assert region_config(by_key, r).params == region_config(by_group, r).params == config(f"region={r}").params


def test_calibration_none_runs_the_defaults_in_all_five():
    cfg = config("region=all", "calibration=none")
    assert cfg.per_region == {r: {} for r in REGIONS}
    assert all(region_config(cfg, r).params == ModelParams() for r in REGIONS)
    among = run("region=all", "calibration=none")
    for region in CALIBRATED:
        alone = run(f"region={region}", "calibration=none")
        pd.testing.assert_frame_equal(rows(among, region), rows(alone, region), check_exact=True)


def test_the_record_keeps_each_regions_values_and_refuses_what_no_region_has(tmp_path):
    cfg = config("region=all")
    path = tmp_path / "config.yaml"
    path.write_text(config_yaml(cfg), encoding="utf-8")
    assert read_config(path) == cfg  # per_region comes back: a rerun needs config.yaml alone
    assert config_digest(cfg) != config_digest(config("region=all", "calibration=none"))  # a sweep sees the change
    with pytest.raises(ConfigError, match="per_region: params.transport.no_such_key is not a key"):
        with_per_region(cfg, {"leipzig": {"params.transport.no_such_key": 1.0}})
    with pytest.raises(ConfigError, match=r"per_region.prague: params.land.land_price_elasticity=99.0 is out of range"):
        with_per_region(cfg, {"prague": {ELASTICITY: 99.0}})
    with pytest.raises(ConfigError, match="per_region.dresden: not a region"):
        with_per_region(cfg, {"dresden": {}})


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cityregions", *SHORT, *args], capture_output=True, text=True,
                          timeout=120, check=False)


def test_the_command_line_runs_each_region_with_its_calibration_and_reruns_identically(tmp_path):
    out = tmp_path / "run"
    r = cli("region=all", f"hydra.run.dir={out}")
    assert r.returncode == 0, r.stderr
    written = pd.read_parquet(out / "quarterly.parquet")
    for region in CALIBRATED:
        pd.testing.assert_frame_equal(written[written["region"] == region].reset_index(drop=True),
                                      rows(run(f"region={region}"), region), check_exact=True)
    assert read_config(out / "config.yaml") == config("region=all")
    assert rerun(out).identical


def test_a_sweep_job_composes_each_region_from_its_own_overrides(tmp_path):
    out = tmp_path / "sweep"
    r = cli("--multirun", "region=all", f"{DECAY}=0.08", "hydra/launcher=basic", f"hydra.sweep.dir={out}")
    assert r.returncode == 0, r.stderr
    (saved,) = [p for p in out.rglob("config.yaml") if ".hydra" not in p.parts]
    cfg = read_config(saved)
    assert cfg == config("region=all", f"{DECAY}=0.08")
    assert cfg.per_region["leipzig"] == {}
    assert cfg.per_region["prague"] == {ELASTICITY: calibration("prague")[ELASTICITY]}
