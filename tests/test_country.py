"""The country study: one job runs a region under several scenarios and replicates (a batch), exactly the runs it
stands for; the study lists every functional urban area that can cooperate; what cooperation saves per FUA is a
paired difference with its Student-t interval, worked by hand."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from cityregions.analysis.country import by_country, greenfield_saved
from cityregions.config import ConfigError, load_config
from cityregions.runs import runner
from cityregions.world import places

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["region=fua", "region.fua_id=PL011L2", "timeline.horizon=2016Q4", "progress=false", "plot=false"]


def test_a_batch_job_holds_exactly_the_runs_it_stands_for():
    cfg = load_config([*SMALL, "batch.scenarios=[no_cooperation,integrated]", "batch.replicates=2"])
    batch = runner.run_batch(cfg, lambda s: load_config([*SMALL, f"scenario={s}"]))
    for scenario in ("no_cooperation", "integrated"):
        for replicate in (0, 1):
            alone = runner.run_scenario(load_config([*SMALL, f"scenario={scenario}", f"replicate={replicate}"]))
            part = batch.quarterly[(batch.quarterly.scenario == scenario) & (batch.quarterly.replicate == replicate)]
            pd.testing.assert_frame_equal(part.reset_index(drop=True), alone.quarterly)
    runs = runner.summary_of(batch.quarterly, runs=True)
    assert len(runs) == 4 and set(runs.replicate) == {0, 1}
    assert runs.groupby("replicate").seed.nunique().eq(1).all()  # common random numbers across the scenarios


@pytest.mark.parametrize("overrides, message", [
    (["region=all", "batch.replicates=2"], "batch with region='all'"),
    (["replicate=3", "batch.replicates=2"], "batch with region='leipzig' and replicate=3"),
    (["batch.scenarios=[integrated,integrated]"], "batch.scenarios=.* lists a scenario twice"),
    (["batch.scenarios=[nope]"], r"batch.scenarios\[0\]='nope' is not allowed; allowed: no_cooperation"),
    (["batch.replicates=0"], "batch.replicates=0"),
])
def test_a_wrong_batch_names_the_key_the_value_and_what_is_allowed(overrides, message):
    with pytest.raises(ConfigError, match=message):
        load_config(overrides)


def test_the_study_lists_every_functional_urban_area_of_two_or_more_municipalities():
    spec = yaml.safe_load((ROOT / "experiments/experiment/country_study.yaml").read_text(encoding="utf-8"))
    listed = spec["hydra"]["sweeper"]["params"]["region.fua_id"].split(",")
    assert listed == [f["fua_id"] for f in places.fua_list() if int(f["municipalities"]) >= 2]
    assert len(listed) == 240 and spec["batch"]["replicates"] == 10 and len(spec["batch"]["scenarios"]) == 5


def test_greenfield_saved_is_the_paired_difference_with_its_t_interval_worked_by_hand():
    rows = [("AT002L4", s, k, ha) for s, values in (("no_cooperation", (100.0, 110.0, 120.0)),
                                                    ("integrated", (90.0, 95.0, 112.0))) for k, ha in enumerate(values)]
    rows += [("PL011L2", s, k, ha) for s, values in (("no_cooperation", (50.0, 50.0)), ("integrated", (55.0, 57.0)))
             for k, ha in enumerate(values)]
    summary = pd.DataFrame(rows, columns=["region", "scenario", "replicate", "greenfield_ha"])
    saved = greenfield_saved(summary).set_index("fua_id")
    graz = saved.loc["AT002L4"]  # differences 10, 15, 8: mean 11, sd sqrt(13), t(0.975, 2) = 4.3027
    half = stats.t.ppf(0.975, 2) * math.sqrt(13) / math.sqrt(3)
    assert graz.saved_ha == pytest.approx(11) and graz.saved_lo == pytest.approx(11 - half)
    assert graz.saved_share == pytest.approx(11 / 110) and graz.country == "AT" and graz.replicates == 3
    assert saved.loc["PL011L2"].saved_ha == pytest.approx(-6)  # cooperation took more here
    table = by_country(saved.reset_index()).set_index("country")
    # Graz's interval 11 ± 8.96 lies above zero; two replicates (-5, -7) give -6 ± 12.7 (t(0.975, 1) = 12.71)
    assert table.loc["AT", "fuas_saving"] == 1 and table.loc["PL", "fuas_unclear"] == 1
    with pytest.raises(ConfigError, match="scenario='land_compact' is not in the study; allowed: integrated"):
        greenfield_saved(summary, scenario="land_compact")


def test_a_batch_sweep_collects_and_the_country_command_writes_its_table_and_figure(tmp_path):
    sweep = tmp_path / "study"
    args = ["+experiment=country_study", "--multirun", "region.fua_id=PL011L2,AT002L4", "batch.replicates=2",
            "batch.scenarios=[no_cooperation,integrated]", "timeline.horizon=2016Q4", f"hydra.sweep.dir={sweep}"]
    done = subprocess.run([sys.executable, "-m", "cityregions", *args], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    shown = subprocess.run([sys.executable, "-m", "cityregions", "country", str(sweep)], capture_output=True,
                           text=True, cwd=tmp_path, timeout=300)
    assert shown.returncode == 0, shown.stderr[-2000:]
    saved = pd.read_csv(sweep / "country" / "country_saved.csv")
    assert sorted(saved.fua_id) == ["AT002L4", "PL011L2"] and (saved.replicates == 2).all()
    assert np.isfinite(saved.saved_ha).all() and (sweep / "country" / "country_greenfield.png").stat().st_size > 0
    summary = pd.read_parquet(sweep / "dataset" / "summary.parquet")
    assert len(summary) == 2 * 2 * 2  # FUAs x scenarios x replicates
