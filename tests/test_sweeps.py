"""Sweeps as a researcher meets them: the same job gives the same tables in any launcher, a sweep ends in one
tidy dataset, a failing job fails alone, and a sweep killed part-way completes when run again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import make_config
from hydra import compose, initialize_config_dir

from cityregions.config import config_dir, to_run_config
from cityregions.config.seeds import region_seed, run_seed
from cityregions.runs import collect, results, sweep

# 2 scenarios x 2 regions x 2 replicates, to the end of 2015 (14 quarters) so that a sweep takes seconds
GRID = ("scenario=city_regions,no_cooperation", "region=graz,leipzig", "replicate=0,1",
        "timeline.horizon=2015Q4", "plot=false")
QUARTERS = 14
LAUNCHERS = {
    "basic": ("hydra/launcher=basic",),
    "joblib": ("hydra.launcher.n_jobs=2",),
    "ray": ("hydra/launcher=ray_local", "hydra.launcher.ray.init.num_cpus=2"),
}


def cityregions(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run `python -m cityregions ...` in cwd with a timeout, capturing its output."""
    return subprocess.run([sys.executable, "-m", "cityregions", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd)


def run_sweep(tmp: Path, name: str, *overrides: str,
              launcher: str = "joblib") -> tuple[Path, subprocess.CompletedProcess]:
    """A multirun into tmp/name through the given launcher."""
    out = tmp / name
    r = cityregions("--multirun", *overrides, *LAUNCHERS[launcher], f"hydra.sweep.dir={out}", cwd=tmp)
    return out, r


def job_tables(sweep_dir: Path) -> dict[str, dict[str, pd.DataFrame]]:
    """Every complete job's tables, by job key."""
    return {key: results.read_run(d) for key, d in sweep.find_jobs(sweep_dir).items() if results.is_complete(d)}


@pytest.fixture(scope="module")
def grid_sweeps(tmp_path_factory) -> dict[str, Path]:
    """The small grid through the basic and the joblib launcher."""
    tmp = tmp_path_factory.mktemp("sweeps")
    dirs = {}
    for launcher in ("basic", "joblib"):
        out, r = run_sweep(tmp, launcher, *GRID, launcher=launcher)
        assert r.returncode == 0, r.stderr[-3000:]
        dirs[launcher] = out
    return dirs


def assert_same_jobs(a: Path, b: Path) -> None:
    ta, tb = job_tables(a), job_tables(b)
    assert len(ta) == 8 and sorted(ta) == sorted(tb)
    for key in ta:
        for name in results.TABLES:
            pd.testing.assert_frame_equal(ta[key][name], tb[key][name], obj=f"{key} {name}")


def test_basic_and_joblib_launchers_give_identical_job_tables(grid_sweeps):
    assert_same_jobs(grid_sweeps["basic"], grid_sweeps["joblib"])


def test_ray_launcher_on_a_local_ray_instance_gives_identical_job_tables(grid_sweeps, tmp_path):
    out, r = run_sweep(tmp_path, "ray", *GRID, launcher="ray")
    assert r.returncode == 0, r.stderr[-3000:]
    log = r.stdout + r.stderr
    assert "Started a local Ray instance" in log and "'_node_ip_address': '127.0.0.1'" in log
    assert_same_jobs(grid_sweeps["basic"], out)


def test_a_sweep_shows_progress_and_tally(grid_sweeps, tmp_path):
    out, r = run_sweep(tmp_path, "again", *GRID[:2], "replicate=0", "timeline.horizon=2014Q4", launcher="basic")
    assert r.returncode == 0, r.stderr
    assert "[1/4]" in r.stdout and "[4/4]" in r.stdout and "0 left" in r.stdout
    assert "4 jobs: 4 ran, 0 already complete, 0 failed, 0 not finished" in r.stdout


def test_collect_gives_one_row_per_job_region_quarter_with_parameter_columns(grid_sweeps, tmp_path):
    gathered = collect.collect(grid_sweeps["joblib"], tmp_path / "dataset")
    q = gathered.tables["quarterly"]
    assert len(q) == 8 * QUARTERS
    assert not q.duplicated(["job", "region", "quarter"]).any()
    assert {"job", "scenario", "region", "replicate", "timeline.horizon"} <= set(q.columns)
    assert set(q["scenario"]) == {"city_regions", "no_cooperation"} and set(q["replicate"]) == {0, 1}
    summary = gathered.tables["summary"]
    assert len(summary) == 8 and not summary.duplicated(["job", "region"]).any()
    assert {"greenfield_ha", "pt_share", "replicate", "seed"} <= set(summary.columns)
    assert (gathered.jobs["state"] == "ok").all() and gathered.not_ok.empty
    for name in collect.TABLES:
        assert (tmp_path / "dataset" / f"{name}.parquet").is_file()
    # the dataset's rows are the jobs' own rows, unchanged
    one = job_tables(grid_sweeps["joblib"])
    key = sorted(one)[0]
    mine = q[q["job"] == key].reset_index(drop=True)[one[key]["quarterly"].columns]
    pd.testing.assert_frame_equal(mine, one[key]["quarterly"])


def test_collect_from_the_command_line_reports_missing_jobs(grid_sweeps, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(grid_sweeps["basic"], copy)
    victim = sorted(sweep.find_jobs(copy).values())[0]
    shutil.rmtree(victim)
    r = cityregions("collect", str(copy), cwd=tmp_path)
    assert r.returncode == 1
    assert "collected 7 of 8 jobs" in r.stdout and "missing: 1" in r.stdout and victim.name in r.stdout
    jobs = pd.read_parquet(copy / "dataset" / "jobs.parquet")
    assert (jobs["state"] == "missing").sum() == 1 and len(jobs) == 8
    assert jobs.loc[jobs["state"] == "missing", "region"].notna().all()  # its parameters are still known


def test_a_failing_job_is_recorded_and_the_others_complete(tmp_path):
    out, r = run_sweep(tmp_path, "fail", "region=graz", "region.municipalities_csv=null,no_such_table.csv",
                       "timeline.horizon=2014Q4", "plot=false")
    assert r.returncode == 1
    assert "1 of 2 jobs failed" in r.stderr
    state = sweep.sweep_status(out).set_index("job")["state"]
    bad = "region.municipalities_csv=no_such_table.csv,region=graz,timeline.horizon=2014Q4"
    assert state[bad] == "failed" and (state == "ok").sum() == 1
    record = json.loads((out / bad / sweep.ERROR).read_text())
    assert record["error"] == "ConfigError" and "no_such_table.csv" in record["message"]
    assert record["params"]["region.municipalities_csv"] == "no_such_table.csv"
    assert "Traceback" in record["traceback"]
    assert not (out / bad / results.MANIFEST).exists()
    r = cityregions("status", str(out), cwd=tmp_path)
    assert r.returncode == 1 and "2 jobs: 1 ok, 1 failed, 0 incomplete, 0 missing" in r.stdout
    assert "no_such_table.csv" in r.stdout
    gathered = collect.collect(out)
    assert len(gathered.tables["quarterly"]) == 10 and list(gathered.not_ok["state"]) == ["failed"]
    assert "failed: 1" in gathered.report() and "file not found" in gathered.report()


def test_an_invalid_value_stops_the_sweep_before_any_job_runs(tmp_path):
    out, r = run_sweep(tmp_path, "invalid", "region=graz", "scenario.quorum=0.3,7", "timeline.horizon=2014Q4")
    assert r.returncode == 2
    assert "scenario.quorum=7.0 is out of range; allowed: 0.0 <= value <= 1.0" in r.stderr
    assert "nothing was run" in r.stderr
    assert not out.exists() or not sweep.find_jobs(out)


def test_a_sweep_killed_part_way_completes_when_run_again(tmp_path):
    args = [sys.executable, "-m", "cityregions", "--multirun", "scenario=city_regions,no_cooperation",
            "region=graz,wroclaw", "replicate=0,1,2", "plot=false", "hydra/launcher=basic",
            f"hydra.sweep.dir={tmp_path / 'k'}"]
    proc = subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and len(list((tmp_path / "k").glob("*/manifest.json"))) < 3:
            assert proc.poll() is None, "the sweep ended before it could be interrupted"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    before = {key: results.read_manifest(d) for key, d in sweep.find_jobs(tmp_path / "k").items()
              if results.is_complete(d)}
    assert 3 <= len(before) < 12, "the kill must leave the sweep part-done"
    assert (sweep.sweep_status(tmp_path / "k")["state"] != "ok").sum() == 12 - len(before)

    r = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert f"{12 - len(before)} ran, {len(before)} already complete, 0 failed" in r.stdout
    status = sweep.sweep_status(tmp_path / "k")
    assert len(status) == 12 and (status["state"] == "ok").all() and status["job"].is_unique
    for key, manifest in before.items():  # finished jobs were not run again
        assert results.read_manifest(tmp_path / "k" / key) == manifest
    q = collect.collect(tmp_path / "k").tables["quarterly"]
    assert len(q) == 12 * 74 and not q.duplicated(["job", "region", "quarter"]).any()


def test_a_changed_configuration_is_not_mistaken_for_a_finished_job(tmp_path):
    common = ("region=graz", "timeline.horizon=2014Q4", "plot=false")
    out, r = run_sweep(tmp_path, "s", *common, "replicate=0,1", launcher="basic")
    assert r.returncode == 0, r.stderr
    job = next(iter(sweep.find_jobs(out).values()))
    manifest = results.read_manifest(job)
    manifest["config_sha256"] = "0" * 64  # as if written by another configuration
    (job / results.MANIFEST).write_text(json.dumps(manifest))
    r = cityregions("--multirun", *common, "replicate=0,1", *LAUNCHERS["basic"], f"hydra.sweep.dir={out}",
                    cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "1 ran, 1 already complete" in r.stdout


def test_job_seeds_derive_from_the_base_seed_and_the_job_alone():
    base = make_config("region=graz", "seed=11")
    assert run_seed(base, "graz") == region_seed(11, "graz")  # replicate 0 is the plain run
    rep = make_config("region=graz", "seed=11", "replicate=1")
    assert run_seed(rep, "graz") != run_seed(base, "graz")
    other = make_config("region=graz", "seed=11", "replicate=1", "scenario=integrated")
    assert run_seed(other, "graz") == run_seed(rep, "graz")  # common random numbers across scenarios
    indep = [make_config("region=graz", "seed=11", "replicate=1", f"scenario={s}", "common_random_numbers=false")
             for s in ("integrated", "land_compact")]
    seeds = {run_seed(c, "graz") for c in indep}
    assert len(seeds) == 2 and run_seed(rep, "graz") not in seeds
    assert run_seed(indep[0], "graz") == run_seed(
        make_config("region=graz", "seed=11", "replicate=1", "scenario=integrated", "common_random_numbers=false"),
        "graz")


EXPERIMENTS = sorted(p.stem for p in (Path(config_dir()).parent / "experiments" / "experiment").glob("*.yaml"))


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_every_experiment_composes_and_every_swept_value_is_valid(name):
    from hydra.core.override_parser.overrides_parser import OverridesParser

    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        cfg = compose("config", overrides=[f"+experiment={name}"], return_hydra_config=True)
        params = dict(cfg.hydra.sweeper.params)
        assert cfg.hydra.sweep.dir == f"multirun/{name}" and cfg.plot is False
        parser = OverridesParser.create()
        for key, values in params.items():
            override = parser.parse_override(f"{key}={values}")
            values = (override.sweep_string_iterator() if override.is_sweep_override()
                      else [override.get_value_element_as_str()])
            for v in values:
                job = compose("config", overrides=[f"+experiment={name}", f"{key}={v}"])
                to_run_config(job)  # raises ConfigError on an invalid value
        if cfg.hydra.sweeper.get("sample"):  # a sampling design: valid, and its points make valid jobs
            from omegaconf import OmegaConf

            from cityregions.analysis.sensitivity import Design

            design = Design.from_mapping(OmegaConf.to_container(cfg.hydra.sweeper.sample))
            x = design.matrix()
            for row in (x[0], x[-1]):
                to_run_config(compose("config", overrides=[f"+experiment={name}", *design.overrides(row)]))
    assert EXPERIMENTS == ["country_study", "revenue_sharing", "scenario_comparison", "sensitivity",
                           "transaction_costs"]


def test_a_misspelt_experiment_names_the_ones_that_exist(tmp_path):
    r = cityregions("+experiment=scenario_comparisn", "--multirun", cwd=tmp_path, timeout=120)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "scenario_comparisn" in r.stderr and "scenario_comparison" in r.stderr and "revenue_sharing" in r.stderr


def test_the_slurm_launcher_config_composes():
    from hydra.utils import get_class

    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        cfg = compose("config", overrides=["hydra/launcher=slurm"], return_hydra_config=True)
    launcher = cfg.hydra.launcher
    assert get_class(launcher._target_).__name__ == "SlurmLauncher"
    assert launcher.cpus_per_task == 1 and launcher.timeout_min > 0


def readme_questions() -> dict[str, str]:
    """The sweeps page's three example questions on a collected sweep, as code chunks by their number."""
    text = (Path(config_dir()).parent / "docs" / "SWEEPS.md").read_text(encoding="utf-8")
    block = text.split("Three questions", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    chunks = [c.strip() for c in block.split("\n\n") if c.strip()]
    return {"setup": chunks[0], **{c[2]: c for c in chunks[1:] if c.startswith("# ")}}


def test_the_readme_questions_answer_from_a_collected_experiment(tmp_path, monkeypatch):
    r = cityregions("+experiment=scenario_comparison", "--multirun", "region=graz,leipzig", "replicate=0,1",
                    "timeline.horizon=2015Q4", "hydra.launcher.n_jobs=2", cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    r = cityregions("collect", "multirun/scenario_comparison", cwd=tmp_path)
    assert r.returncode == 0 and "collected 20 of 20 jobs" in r.stdout, r.stdout + r.stderr
    monkeypatch.chdir(tmp_path)
    questions = readme_questions()
    assert sorted(questions) == ["1", "2", "3", "setup"]
    ns: dict = {}
    exec(questions["setup"], ns)
    answers = {}
    for n in "123":
        *body, last = questions[n].splitlines()
        exec("\n".join(body), ns)
        answers[n] = eval(last, ns)
    assert answers["1"].shape == (2, 5) and answers["1"].notna().all().all()  # regions x scenarios
    assert set(answers["2"].index) == {"no_cooperation", "city_regions", "land_compact", "transport_alliance",
                                       "integrated"}
    assert (answers["2"].loc["no_cooperation"] == 0).all()  # paired with itself
    assert list(answers["3"].columns) == ["graz", "leipzig"] and list(answers["3"].index) == [2012, 2013, 2014, 2015]


def test_a_collected_dataset_keeps_whole_numbers_whole_and_every_digit(tmp_path):
    """A sweep whose no-cooperation jobs decide nothing (empty decision tables) still gives int64 replicates,
    seeds and steps in every table; the summary is not rounded."""
    done = subprocess.run([sys.executable, "-m", "cityregions", "--multirun", "scenario=no_cooperation,integrated",
                           "region=graz", "timeline.horizon=2015Q4", "plot=false", "hydra/launcher=basic",
                           f"hydra.sweep.dir={tmp_path / 'sweep'}"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    tables = collect.collect(tmp_path / "sweep").tables
    for name in ("quarterly", "summary", "municipalities", "decisions", "memberships"):
        for col in ("replicate", "seed", "step"):
            if col in tables[name].columns or col == "replicate":
                assert str(tables[name][col].dtype) == "int64", (name, col)
    q = tables["quarterly"]
    integrated = q[q["scenario"] == "integrated"]
    s = tables["summary"].set_index("scenario")
    assert s.loc["integrated", "greenfield_ha"] == integrated["greenfield_take_ha"].sum()  # every digit


def test_a_column_has_the_same_type_in_every_sweep_whatever_it_swept(tmp_path):
    """One sweep decides nothing (no cooperation: empty decision and membership tables) and sweeps whole quorums,
    the other decides and sweeps fractions: every column both datasets have is of one type in both."""
    sets = {}
    for name, grid in (("a", ("scenario=no_cooperation", "scenario.quorum=1")),
                       ("b", ("scenario=integrated", "scenario.quorum=0.5"))):
        done = subprocess.run([sys.executable, "-m", "cityregions", "--multirun", *grid, "region=graz",
                               "timeline.horizon=2014Q4", "plot=false", "hydra/launcher=basic",
                               f"hydra.sweep.dir={tmp_path / name}"], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        collect.collect(tmp_path / name)
        sets[name] = {t: pd.read_parquet(tmp_path / name / sweep.DATASET / f"{t}.parquet") for t in collect.TABLES}
    assert sets["a"]["decisions"].empty and not sets["b"]["decisions"].empty
    for t in collect.TABLES:
        a, b = sets["a"][t], sets["b"][t]
        differ = {c: (str(a[c].dtype), str(b[c].dtype)) for c in a.columns.intersection(b.columns)
                  if a[c].dtype != b[c].dtype}
        assert not differ, (t, differ)
    assert str(sets["a"]["summary"]["scenario.quorum"].dtype) == "float64"  # the schema's type, not the value's


def test_a_sweep_from_python_gives_the_command_lines_directory_and_tables(tmp_path):
    import cityregions
    from cityregions.config import ConfigError

    grid = {"scenario": ["no_cooperation", "integrated"], "region": "graz", "timeline.horizon": "2015Q4"}
    got = cityregions.sweep(grid, replicates=[0, 1], out=tmp_path / "api", launcher="basic", timeout=600)
    assert (got.jobs["state"] == "ok").all() and len(got.jobs) == 4
    cli = subprocess.run([sys.executable, "-m", "cityregions", "--multirun", "scenario=no_cooperation,integrated",
                          "region=graz", "timeline.horizon=2015Q4", "replicate=0,1", "plot=false", "progress=false",
                          "hydra/launcher=basic", f"hydra.sweep.dir={tmp_path / 'cli'}"],
                         capture_output=True, text=True, timeout=600)
    assert cli.returncode == 0, cli.stderr[-2000:]
    assert sorted(p.name for p in (tmp_path / "api").iterdir() if p.is_dir() and "=" in p.name) == sorted(
        p.name for p in (tmp_path / "cli").iterdir() if p.is_dir() and "=" in p.name)  # the same job directories
    by_cli = collect.collect(tmp_path / "cli").tables
    for name in ("quarterly", "summary", "decisions"):
        pd.testing.assert_frame_equal(got.tables[name], by_cli[name])
    again = cityregions.sweep(grid, replicates=[0, 1], out=tmp_path / "api", launcher="basic", timeout=600)
    pd.testing.assert_frame_equal(again.tables["quarterly"], got.tables["quarterly"])  # resumed: nothing new
    with pytest.raises(ConfigError, match="scenario"):
        cityregions.sweep({"scenario": "utopia"}, out=tmp_path / "bad", launcher="basic", timeout=300)


def test_a_second_sweep_into_a_running_sweeps_directory_is_refused(tmp_path):
    from cityregions.runs import sweep as bookkeeping

    target = tmp_path / "sweep"
    target.mkdir()
    held = bookkeeping.hold_lock(target)  # a sweep running in the directory (this process holds its lock)
    assert held is not None and bookkeeping.hold_lock(target) is None  # the lock is exclusive
    try:
        done = subprocess.run([sys.executable, "-m", "cityregions", "--multirun", "region=graz", "seed=1,2",
                               "timeline.horizon=2015Q4", "plot=false", "hydra/launcher=basic",
                               f"hydra.sweep.dir={target}"], capture_output=True, text=True, timeout=300)
    finally:
        held.close()
    assert done.returncode == 2 and "another sweep is running in" in done.stderr, done.stderr[-2000:]
    assert not bookkeeping.find_jobs(target)  # nothing ran


def test_a_second_command_adding_replicates_adds_to_the_sweep(tmp_path):
    target = tmp_path / "sweep"
    for replicate in ("0", "1"):
        done = subprocess.run([sys.executable, "-m", "cityregions", "--multirun", "region=graz",
                               f"replicate={replicate}", "seed=3,4", "timeline.horizon=2015Q4", "plot=false",
                               "hydra/launcher=basic", f"hydra.sweep.dir={target}"],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
    gathered = collect.collect(target)
    assert len(gathered.jobs) == 4 and gathered.jobs["planned"].all() and (gathered.jobs["state"] == "ok").all()
    q = gathered.tables["quarterly"]
    assert sorted(q.drop_duplicates("job")[["replicate", "seed"]].itertuples(index=False, name=None)) == [
        (0, 3), (0, 4), (1, 3), (1, 4)]  # both commands' jobs, none dropped
